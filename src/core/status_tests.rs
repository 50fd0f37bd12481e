//! Job states and progress, on small runs built in code (no IO).

use super::*;
use crate::core::cost::Prices;
use crate::core::decide::{decide, History, Input, Overrides, Thresholds};
use crate::core::model::{Batch, Finding, JobResult, Prompt, TokenUsage};
use chrono::TimeZone;

fn job(id: &str, batch: u32, out: &str, prompt: &str, status: Status) -> Job {
    Job {
        id: id.into(),
        batch,
        outputs: vec![out.into()],
        prompt: Some(Prompt { text: format!("{prompt}\n\nFile to create: {out}\n"), source: "s.sh:3".into() }),
        matched_by: vec!["validated by validation.md".into()],
        result: JobResult {
            status,
            tokens: TokenUsage { input: if status.ran() { 10_000 } else { 0 }, cached_input: 0, output: 500 },
            findings: if status == Status::Failed {
                vec![Finding {
                    file: Some(out.into()),
                    line: Some(3),
                    error_type: "SyntaxError".into(),
                    message: "invalid syntax".into(),
                    source: "validation.md:4".into(),
                    class: Some("syntax".into()),
                }]
            } else {
                vec![]
            },
            ..JobResult::default()
        },
        ..Job::default()
    }
}

/// Batch 1 kept; batch 2's render job failed; batch 3's export reads it, its search does not;
/// batch 4's report reads the export (transitively stale); batch 5 never ran.
fn run() -> Run {
    let jobs = vec![
        job("b1-model", 1, "notes/model.py", "Create the note model", Status::Passed),
        job("b1-store", 1, "notes/store.py", "Create the store", Status::Passed),
        job("b2-render", 2, "notes/render.py", "Render notes", Status::Failed),
        job("b2-cli", 2, "notes/cli.py", "The CLI", Status::Passed),
        job("b3-export", 3, "notes/export.py", "Export notes with notes/render.py", Status::Passed),
        job("b3-search", 3, "notes/search.py", "Search notes in notes/store.py", Status::Passed),
        job("b4-report", 4, "notes/report.py", "Report on what notes/export.py wrote", Status::Passed),
        job("b5-docs", 5, "docs/NOTES.md", "Document the CLI", Status::NotRun),
    ];
    let mut batches: BTreeMap<u32, Batch> = BTreeMap::new();
    for j in jobs {
        let n = j.batch;
        let b = batches.entry(n).or_insert_with(|| Batch { number: n, name: format!("Batch {n}"), ..Batch::default() });
        b.scripts = vec![format!("_build/run-batch{n}.sh")];
        b.jobs.push(j);
    }
    Run { title: "notes".into(), batches: batches.into_values().collect(), ..Run::default() }
}

fn decision(run: &Run, history: &History) -> Decision {
    let input = Input {
        run,
        history,
        thresholds: Thresholds::default(),
        overrides: &Overrides::default(),
        prices: Prices::default(),
        outputs: &Default::default(),
    };
    decide(&input).expect("a failed job")
}

fn attempt(job: &str, number: u32, kind: AttemptKind, outcome: AttemptOutcome) -> Attempt {
    Attempt {
        job: job.into(),
        number,
        snapshot: Some("s1".into()),
        recovery_prompt: None,
        revised_prompt: None,
        kind,
        command: vec!["codex".into()],
        started_at: chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, number).unwrap(),
        ended_at: None,
        exit_code: Some(0),
        findings: vec![],
        outcome,
        changes: None,
        prompt_origin: None,
    }
}

fn ledger(list: Vec<Attempt>) -> BTreeMap<String, Vec<Attempt>> {
    let mut m: BTreeMap<String, Vec<Attempt>> = BTreeMap::new();
    for a in list {
        m.entry(a.job.clone()).or_default().push(a);
    }
    m
}

fn states(run: &Run, p: &Progress) -> Vec<(String, &'static str)> {
    run.jobs().map(|j| (j.id.clone(), p.state(j).as_str())).collect()
}

fn expect(pairs: &[(&str, &'static str)]) -> Vec<(String, &'static str)> {
    pairs.iter().map(|(j, s)| (j.to_string(), *s)).collect()
}

#[test]
fn before_any_attempt_the_failed_job_is_failed_and_its_readers_are_stale() {
    let r = run();
    let d = decision(&r, &History::default());
    let p = progress(&r, &d, &BTreeMap::new(), 2);
    assert_eq!(
        states(&r, &p),
        expect(&[
            ("b1-model", "passed"),
            ("b1-store", "passed"),
            ("b2-render", "failed"),
            ("b2-cli", "passed"),
            ("b3-export", "stale"),
            ("b3-search", "passed"),
            ("b4-report", "stale"),
            ("b5-docs", "not_run"),
        ])
    );
    assert_eq!(p.outcome, Outcome::InProgress);
    assert_eq!(p.rerun_jobs.iter().map(|r| r.job.as_str()).collect::<Vec<_>>(), vec!["b2-render"]);
    assert_eq!(p.rerun_jobs_after.iter().map(|r| r.job.as_str()).collect::<Vec<_>>(), vec!["b3-export", "b4-report"]);
    assert_eq!(p.rerun_jobs_after[0].batch, 3);
    assert_eq!(p.rerun_jobs_after[0].outputs, vec!["notes/export.py"]);
    let steps: Vec<(&str, Vec<&str>)> =
        p.next.iter().map(|s| (s.step.as_str(), s.jobs.iter().map(String::as_str).collect())).collect();
    assert_eq!(
        steps,
        vec![("repair", vec!["b2-render"]), ("rerun", vec!["b3-export", "b4-report"]), ("continue", vec!["b5-docs"]),]
    );
    assert_eq!(p.next[0].commands, vec!["recover-tui recover --job b2-render"]);
    assert_eq!(p.next[2].commands, vec!["bash _build/run-batch5.sh"]);
    assert_eq!(p.runnable_now().map(|s| s.step), Some(StepKind::Repair));
}

#[test]
fn a_running_attempt_is_repairing_and_a_passed_one_repaired() {
    let r = run();
    let d = decision(&r, &History::default());
    let running = ledger(vec![attempt("b2-render", 1, AttemptKind::TargetedRecovery, AttemptOutcome::Running)]);
    let p = progress(&r, &d, &running, 2);
    assert_eq!(p.state_of(&r, "b2-render"), Some(JobState::Repairing));
    assert_eq!(p.running, vec!["b2-render"]);
    let passed = ledger(vec![
        attempt("b2-render", 1, AttemptKind::TargetedRecovery, AttemptOutcome::Failed),
        attempt("b2-render", 2, AttemptKind::TargetedRecovery, AttemptOutcome::Passed),
    ]);
    let p = progress(&r, &d, &passed, 2);
    assert_eq!(p.state_of(&r, "b2-render"), Some(JobState::Repaired));
    assert_eq!(p.repaired_jobs, vec![Done { job: "b2-render".into(), attempt: 2 }]);
    assert!(p.rerun_jobs.is_empty());
    assert_eq!(p.next[0].step, StepKind::Rerun, "the re-runs come next once every repair is done");
    assert_eq!(p.outcome, Outcome::InProgress);
}

#[test]
fn once_every_stale_job_re_ran_the_run_is_recovered_and_only_the_continue_step_is_left() {
    let r = run();
    let d = decision(&r, &History::default());
    let done = ledger(vec![
        attempt("b2-render", 1, AttemptKind::TargetedRecovery, AttemptOutcome::Passed),
        attempt("b3-export", 1, AttemptKind::Rerun, AttemptOutcome::Passed),
        attempt("b4-report", 1, AttemptKind::Rerun, AttemptOutcome::Passed),
    ]);
    let p = progress(&r, &d, &done, 2);
    assert_eq!(p.outcome, Outcome::Recovered);
    assert_eq!(p.state_of(&r, "b3-export"), Some(JobState::RerunPassed));
    assert_eq!(p.state_of(&r, "b4-report"), Some(JobState::RerunPassed));
    assert_eq!(
        p.rerun_passed_jobs,
        vec![Done { job: "b3-export".into(), attempt: 1 }, Done { job: "b4-report".into(), attempt: 1 }]
    );
    assert!(p.rerun_jobs_after.is_empty());
    assert_eq!(p.next.len(), 1);
    assert_eq!(p.next[0].step, StepKind::Continue);
    assert_eq!(p.runnable_now(), None);
    // The decision stays as decided.
    assert_eq!(d.rerun_jobs.len(), 1);
}

#[test]
fn a_failed_re_run_leaves_the_job_stale_and_never_counts_towards_escalation() {
    let r = run();
    let d = decision(&r, &History::default());
    let list = ledger(vec![
        attempt("b2-render", 1, AttemptKind::TargetedRecovery, AttemptOutcome::Passed),
        attempt("b3-export", 1, AttemptKind::Rerun, AttemptOutcome::Failed),
        attempt("b3-export", 2, AttemptKind::Rerun, AttemptOutcome::Failed),
        attempt("b3-export", 3, AttemptKind::Rerun, AttemptOutcome::Failed),
    ]);
    let p = progress(&r, &d, &list, 2);
    assert_eq!(p.state_of(&r, "b3-export"), Some(JobState::Stale));
    assert_eq!(p.outcome, Outcome::InProgress);
}

#[test]
fn two_failed_repairs_escalate_and_interrupted_or_aborted_ones_do_not() {
    let r = run();
    let list = ledger(vec![
        attempt("b2-render", 1, AttemptKind::TargetedRecovery, AttemptOutcome::Interrupted),
        attempt("b2-render", 2, AttemptKind::TargetedRecovery, AttemptOutcome::Aborted),
        attempt("b2-render", 3, AttemptKind::TargetedRecovery, AttemptOutcome::Failed),
    ]);
    let d = decision(&r, &History::default());
    let p = progress(&r, &d, &list, 2);
    assert_eq!(p.state_of(&r, "b2-render"), Some(JobState::Failed));
    let mut list = list;
    list.get_mut("b2-render").unwrap().push(attempt(
        "b2-render",
        4,
        AttemptKind::TargetedRecovery,
        AttemptOutcome::TimedOut,
    ));
    let mut h = History::default();
    h.failed_recoveries.insert("b2-render".into(), 2);
    let d = decision(&r, &h);
    assert!(d.escalated);
    let p = progress(&r, &d, &list, 2);
    assert_eq!(p.state_of(&r, "b2-render"), Some(JobState::Escalated));
    assert_eq!(p.outcome, Outcome::Escalated);
    assert_eq!(p.next.len(), 1);
    assert_eq!(p.next[0].step, StepKind::Restart);
    assert_eq!(p.next[0].commands[0], "bash _build/run-batch1.sh");
    assert_eq!(p.state_of(&r, "b3-export"), Some(JobState::Passed), "a restart re-runs everything: no stale marks");
}

#[test]
fn continue_commands_use_scripts_command_lists_or_job_commands() {
    let mut r = run();
    r.batches[4].scripts = vec!["_build/batch5.cmds".into()];
    assert_eq!(continue_commands(&r, &[5]), vec!["parallel < _build/batch5.cmds"]);
    r.batches[4].scripts.clear();
    r.batches[4].jobs[0].command = vec!["codex".into(), "exec".into(), "Document the CLI; it's new".into()];
    assert_eq!(continue_commands(&r, &[5]), vec!["codex exec 'Document the CLI; it'\\''s new'"]);
}
