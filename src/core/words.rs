//! Small pieces of wording shared by every front end: counts with their noun, and the
//! sentence for a job id that is not in the run (naming the ids that are).

use super::model::{Run, Status};
use super::sanitize::clean_line;

/// `1 file`, `2 files`, `0 files`.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// How many ids an "is not in the run" sentence lists before "and N more".
const LISTED: usize = 8;

/// "job `zzz` is not in the run; its failed jobs are b3-api, b3-cli" — the failed jobs first
/// (the ids a user most likely meant), else every job.
pub fn unknown_job(run: &Run, id: &str) -> String {
    let failed: Vec<&str> = run.jobs().filter(|j| j.result.status == Status::Failed).map(|j| j.id.as_str()).collect();
    let (what, ids) = if failed.is_empty() {
        ("its jobs are", run.jobs().map(|j| j.id.as_str()).collect::<Vec<_>>())
    } else {
        ("its failed jobs are", failed)
    };
    let head = format!("job `{}` is not in the run", clean_line(id));
    if ids.is_empty() {
        return format!("{head}, which has no jobs");
    }
    let shown: Vec<String> = ids.iter().take(LISTED).map(|i| clean_line(i)).collect();
    let more = ids.len().saturating_sub(LISTED);
    let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
    format!("{head}; {what} {}{tail}", shown.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Batch, Job};

    fn run(jobs: &[(&str, Status)]) -> Run {
        let jobs = jobs
            .iter()
            .map(|(id, s)| {
                let mut j = Job { id: id.to_string(), batch: 1, ..Job::default() };
                j.result.status = *s;
                j
            })
            .collect();
        Run { batches: vec![Batch { number: 1, jobs, ..Batch::default() }], ..Run::default() }
    }

    #[test]
    fn counts_take_the_plural_only_when_not_one() {
        assert_eq!(count(1, "file"), "1 file");
        assert_eq!(count(0, "file"), "0 files");
        assert_eq!(count(12, "job"), "12 jobs");
    }

    #[test]
    fn an_unknown_job_names_the_failed_jobs() {
        let r = run(&[("b1-a", Status::Passed), ("b1-b", Status::Failed), ("b1-c", Status::Failed)]);
        assert_eq!(unknown_job(&r, "zzz"), "job `zzz` is not in the run; its failed jobs are b1-b, b1-c");
    }

    #[test]
    fn without_failed_jobs_every_job_is_named_and_long_lists_are_cut() {
        let ids: Vec<String> = (1..=10).map(|i| format!("j{i}")).collect();
        let jobs: Vec<(&str, Status)> = ids.iter().map(|i| (i.as_str(), Status::Passed)).collect();
        let msg = unknown_job(&run(&jobs), "x\u{1b}[31m");
        assert!(msg.starts_with("job `x"), "{msg}");
        assert!(!msg.contains('\u{1b}'), "{msg}");
        assert!(msg.ends_with("its jobs are j1, j2, j3, j4, j5, j6, j7, j8 and 2 more"), "{msg}");
    }
}
