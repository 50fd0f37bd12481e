//! The run as it stands (DESIGN.md §2, §6): every job's state now, derived in this one place
//! from what the logs say, the decision, and the attempts recorded since; and the progress of
//! the whole recovery beside the decision (what is repaired, what has re-run, what is next).
//!
//! The decision itself does not change while the recovery proceeds: only the progress does.

pub mod failed;

use super::decide::{Decision, RerunJob, Verdict};
use super::model::{Attempt, AttemptKind, AttemptOutcome, Job, Run, Status};
use super::sanitize::shell_quote;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A job's state now (DESIGN.md §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// The logs say it passed and nothing since made it stale.
    Passed,
    /// It failed and no recovery has repaired it yet.
    Failed,
    /// A recovery attempt (or a re-run) of it is running now.
    Repairing,
    /// Its latest recovery attempt passed validation.
    Repaired,
    /// It ran and passed, but it reads an output the repair changes: it must run again.
    Stale,
    /// It was stale and its re-run passed validation.
    RerunPassed,
    /// It never ran.
    NotRun,
    /// It used up its recovery attempts: the phase needs a full restart.
    Escalated,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Passed => "passed",
            JobState::Failed => "failed",
            JobState::Repairing => "repairing",
            JobState::Repaired => "repaired",
            JobState::Stale => "stale",
            JobState::RerunPassed => "rerun_passed",
            JobState::NotRun => "not_run",
            JobState::Escalated => "escalated",
        }
    }

    /// The state in the user's words ("re-run passed").
    pub fn word(self) -> &'static str {
        match self {
            JobState::RerunPassed => "re-run passed",
            JobState::NotRun => "not run",
            other => other.as_str(),
        }
    }

    /// What the logs alone say, before anything recover-tui did.
    pub fn from_logs(status: Status) -> JobState {
        match status {
            Status::Passed => JobState::Passed,
            Status::Failed => JobState::Failed,
            Status::NotRun | Status::Running | Status::Unknown => JobState::NotRun,
        }
    }

    /// Good as it is now: passed, repaired or re-run.
    pub fn is_good(self) -> bool {
        matches!(self, JobState::Passed | JobState::Repaired | JobState::RerunPassed)
    }
}

/// Where the whole recovery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    InProgress,
    /// Every failed job of N is repaired and every stale job has re-run and passed.
    Recovered,
    /// Rule 1 fired: a job used up its recovery attempts.
    Escalated,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::InProgress => "in_progress",
            Outcome::Recovered => "recovered",
            Outcome::Escalated => "escalated",
        }
    }
}

/// A job and the attempt that made it good.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Done {
    pub job: String,
    pub attempt: u32,
}

/// A later job that already ran and must run again, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LaterJob {
    pub job: String,
    pub batch: u32,
    pub outputs: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    /// Repair the failed jobs of N (`recover-tui recover` runs it).
    Repair,
    /// Re-run the stale later jobs with their original prompts (`recover-tui recover` runs it).
    Rerun,
    /// Continue the phase with the user's own batch scripts (shown, never run).
    Continue,
    /// Restart the phase (shown, never run).
    Restart,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Repair => "repair",
            StepKind::Rerun => "rerun",
            StepKind::Continue => "continue",
            StepKind::Restart => "restart",
        }
    }

    /// recover-tui carries this step out itself.
    pub fn is_ours(self) -> bool {
        matches!(self, StepKind::Repair | StepKind::Rerun)
    }
}

/// One step of what to do now, with the exact command lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NextStep {
    pub step: StepKind,
    pub jobs: Vec<String>,
    pub commands: Vec<String>,
}

/// The progress of the recovery beside the decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub outcome: Outcome,
    /// The failed jobs of N not repaired yet.
    pub rerun_jobs: Vec<RerunJob>,
    /// The stale later jobs not re-run yet.
    pub rerun_jobs_after: Vec<LaterJob>,
    pub repaired_jobs: Vec<Done>,
    pub rerun_passed_jobs: Vec<Done>,
    pub next: Vec<NextStep>,
    /// Jobs with an attempt running now.
    pub running: Vec<String>,
    /// Jobs whose state is not what their logged status alone says.
    #[serde(skip)]
    states: BTreeMap<String, JobState>,
}

impl Progress {
    /// The state of `job` now.
    pub fn state(&self, job: &Job) -> JobState {
        self.states.get(&job.id).copied().unwrap_or_else(|| JobState::from_logs(job.result.status))
    }

    /// The state of the job with id `id` in `run` (`None` when it is not in the run).
    pub fn state_of(&self, run: &Run, id: &str) -> Option<JobState> {
        run.job(id).map(|j| self.state(j))
    }

    /// Jobs `recover-tui recover` (no `--job`) runs now: the repairs left, else the re-runs.
    pub fn runnable_now(&self) -> Option<&NextStep> {
        self.next.first().filter(|s| s.step.is_ours())
    }
}

/// The latest attempt of `job` of a kind `pick` accepts.
fn latest<'a>(
    attempts: &'a BTreeMap<String, Vec<Attempt>>,
    job: &str,
    pick: impl Fn(AttemptKind) -> bool,
) -> Option<&'a Attempt> {
    attempts.get(job)?.iter().filter(|a| pick(a.kind)).max_by_key(|a| a.number)
}

fn failed_repairs(attempts: &BTreeMap<String, Vec<Attempt>>, job: &str) -> u32 {
    let n = attempts
        .get(job)
        .map(|l| l.iter().filter(|a| a.kind.is_repair() && a.outcome.counts_as_failed()).count())
        .unwrap_or(0);
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The progress of the recovery `d` decided, given the attempts recorded so far.
pub fn progress(run: &Run, d: &Decision, attempts: &BTreeMap<String, Vec<Attempt>>, max_failed: u32) -> Progress {
    let mut states = BTreeMap::new();
    let mut running = Vec::new();
    let (mut repaired, mut rerun_passed) = (Vec::new(), Vec::new());
    let mut to_repair = Vec::new();
    // Jobs by id, once: a lookup per re-run or stale job was quadratic on big runs.
    let mut by_id: super::fasthash::FastMap<&str, &Job> = super::fasthash::FastMap::default();
    for j in run.jobs() {
        by_id.entry(j.id.as_str()).or_insert(j);
    }
    let job_of = |id: &str| by_id.get(id).copied();
    for r in &d.rerun_jobs {
        let Some(job) = job_of(&r.job).filter(|j| j.result.status == Status::Failed) else { continue };
        let last = latest(attempts, &job.id, AttemptKind::is_repair);
        let state = match last.map(|a| a.outcome) {
            Some(AttemptOutcome::Running) => JobState::Repairing,
            Some(AttemptOutcome::Passed) => JobState::Repaired,
            _ if failed_repairs(attempts, &job.id) >= max_failed => JobState::Escalated,
            _ => JobState::Failed,
        };
        match (state, last) {
            (JobState::Repaired, Some(a)) => repaired.push(Done { job: job.id.clone(), attempt: a.number }),
            (JobState::Repairing, _) => running.push(job.id.clone()),
            _ => {}
        }
        if !matches!(state, JobState::Repaired) {
            to_repair.push(r.clone());
        }
        states.insert(job.id.clone(), state);
    }
    let mut stale_left = Vec::new();
    if d.verdict != Verdict::FullRestart {
        for (id, why) in &d.stale_jobs {
            let Some(job) = job_of(id).filter(|j| j.batch > d.failing_batch && j.result.status == Status::Passed)
            else {
                continue;
            };
            let last = latest(attempts, id, |k| k == AttemptKind::Rerun);
            let state = match last.map(|a| a.outcome) {
                Some(AttemptOutcome::Running) => JobState::Repairing,
                Some(AttemptOutcome::Passed) => JobState::RerunPassed,
                _ => JobState::Stale,
            };
            match (state, last) {
                (JobState::RerunPassed, Some(a)) => rerun_passed.push(Done { job: id.clone(), attempt: a.number }),
                (JobState::Repairing, _) => running.push(id.clone()),
                _ => {}
            }
            if state != JobState::RerunPassed {
                stale_left.push(LaterJob {
                    job: id.clone(),
                    batch: job.batch,
                    outputs: job.outputs.clone(),
                    reason: why.join("; "),
                });
            }
            states.insert(id.clone(), state);
        }
    }
    stale_left.sort_by(|a, b| (a.batch, &a.job).cmp(&(b.batch, &b.job)));
    let outcome = if d.escalated {
        Outcome::Escalated
    } else if d.verdict != Verdict::FullRestart && to_repair.is_empty() && stale_left.is_empty() {
        Outcome::Recovered
    } else {
        Outcome::InProgress
    };
    let next = next_steps(run, d, &to_repair, &stale_left, &states);
    Progress {
        outcome,
        rerun_jobs: to_repair,
        rerun_jobs_after: stale_left,
        repaired_jobs: repaired,
        rerun_passed_jobs: rerun_passed,
        next,
        running,
        states,
    }
}

fn recover_commands(jobs: &[String]) -> Vec<String> {
    jobs.iter().map(|j| format!("recover-tui recover --job {}", shell_quote(j))).collect()
}

fn next_steps(
    run: &Run,
    d: &Decision,
    to_repair: &[RerunJob],
    stale: &[LaterJob],
    states: &BTreeMap<String, JobState>,
) -> Vec<NextStep> {
    if d.verdict == Verdict::FullRestart {
        let batches: Vec<u32> = run.batches.iter().map(|b| b.number).collect();
        let jobs = run.jobs().map(|j| j.id.clone()).collect();
        return vec![NextStep { step: StepKind::Restart, jobs, commands: continue_commands(run, &batches) }];
    }
    let mut next = Vec::new();
    let repair: Vec<String> = to_repair.iter().map(|r| r.job.clone()).collect();
    if !repair.is_empty() {
        next.push(NextStep { step: StepKind::Repair, commands: recover_commands(&repair), jobs: repair });
    }
    let rerun: Vec<String> = stale.iter().map(|s| s.job.clone()).collect();
    if !rerun.is_empty() {
        next.push(NextStep { step: StepKind::Rerun, commands: recover_commands(&rerun), jobs: rerun });
    }
    // Batches after N the phase still has to run: jobs that never ran, or failed on their own.
    let state = |j: &Job| states.get(&j.id).copied().unwrap_or_else(|| JobState::from_logs(j.result.status));
    let mut batches = BTreeSet::new();
    let mut jobs = Vec::new();
    for b in run.batches.iter().filter(|b| b.number > d.failing_batch) {
        for j in b.jobs.iter().filter(|j| matches!(state(j), JobState::NotRun | JobState::Failed)) {
            batches.insert(b.number);
            jobs.push(j.id.clone());
        }
    }
    if !jobs.is_empty() {
        let batches: Vec<u32> = batches.into_iter().collect();
        next.push(NextStep { step: StepKind::Continue, jobs, commands: continue_commands(run, &batches) });
    }
    next
}

/// The command lines that run `batches` the way the user's own scripts run them: each batch
/// script once (`bash run-batch4.sh`), a command list through GNU parallel, and for a batch
/// known only from a manifest, each job's own command.
pub fn continue_commands(run: &Run, batches: &[u32]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |c: String| {
        if !out.contains(&c) {
            out.push(c);
        }
    };
    for b in batches.iter().filter_map(|n| run.batch(*n)) {
        if b.scripts.is_empty() {
            for j in b.jobs.iter().filter(|j| !j.command.is_empty()) {
                push(super::sanitize::display_argv(&j.command));
            }
            continue;
        }
        for s in &b.scripts {
            let is_script =
                s.ends_with(".sh") || s.ends_with(".bash") || !s.rsplit('/').next().unwrap_or(s).contains('.');
            push(if is_script { format!("bash {}", shell_quote(s)) } else { format!("parallel < {}", shell_quote(s)) });
        }
    }
    out
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
