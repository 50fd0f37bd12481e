//! The whole recovery (DESIGN.md §11), the one driver of `core::attempt`'s state machine, for
//! `recover-tui recover` and the app's Run screen alike:
//!
//! 1. [`prepare`]: what to run now — the repairs of the failed jobs of N, or once they are
//!    all repaired, the re-runs of the stale later jobs (one batch at a time, in order) — with
//!    every refusal worded once;
//! 2. [`start`]: a snapshot of the step's outputs as they are (taken when none holds them),
//!    each attempt's prompt written and the attempts recorded as running (ledger, journal);
//! 3. [`run`]: the generators and validations, off the caller's thread, journalled as they end;
//! 4. [`finish`]: the outcomes in the ledger, the decision taken again, an escalation journalled.

use super::next_step::refused;
pub use super::next_step::{gate, prepare, unapproved_validation, Prepared};
pub use super::prompts::{
    generation_prompt, prompt_origin, revised_prompt_file, save_generation_prompt, GenerationPrompt,
};

use super::commands::CommandError;
use super::project::{safe_name, Project};
use crate::core::attempt::{Effect, Event, Machine, Plan};
use crate::core::decide::Verdict;
use crate::core::model::{Attempt, AttemptKind, AttemptOutcome, Clock, SystemClock};
use crate::core::sanitize::clean_line;
use crate::core::status::StepKind;
use crate::exec::attempt::{self as exec_attempt, AttemptEvent, AttemptSpec, Commands};
use crate::store::journal::{self, JournalEvent};
use crate::store::{diff, snapshot, StateDir};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Semaphore};

/// One attempt spec per job (numbered from the ledger), with where its prompt came from.
pub fn specs(project: &Project, prepared: &Prepared) -> Result<Vec<(AttemptSpec, GenerationPrompt)>, CommandError> {
    let c = &project.config.commands;
    let retry = project.decision.as_ref().is_some_and(|d| d.verdict == Verdict::RetryAsIs);
    let mut out = Vec::new();
    for id in &prepared.jobs {
        let job = project.run.job(id).ok_or_else(|| refused(crate::core::words::unknown_job(&project.run, id)))?;
        let gp = generation_prompt(project, id).map_err(refused)?;
        // Commands written in the project are data until approved; else the config's run.
        let mut job = job.clone();
        job.validate = super::commands::approved_validation(project, &job).unwrap_or_default();
        let number = project.ledger.next_attempt_number(id);
        let kind = match prepared.step {
            StepKind::Rerun => AttemptKind::Rerun,
            _ if retry => AttemptKind::RetryAsIs,
            _ => AttemptKind::TargetedRecovery,
        };
        let spec = AttemptSpec {
            job,
            number,
            kind,
            prompt: gp.text.clone(),
            prompt_origin: gp.origin,
            attempt_dir: project.state_dir.join("attempts").join(safe_name(id)).join(number.to_string()),
            project_root: project.run.project_root.clone(),
            generator: c.generator.clone(),
            validate_defaults: c.validate.clone(),
            timeout: Duration::from_secs(c.timeout_s.max(1)),
        };
        out.push((spec, gp));
    }
    Ok(out)
}

/// The outputs a step's snapshot must hold: every output of its jobs.
pub fn outputs(project: &Project, jobs: &[String]) -> Vec<String> {
    let mut v: Vec<String> =
        jobs.iter().filter_map(|j| project.run.job(j)).flat_map(|j| j.outputs.iter().cloned()).collect();
    v.sort();
    v.dedup();
    v
}

/// The latest snapshot holding every path of `outputs`, if it still matches them as they are
/// now (a snapshot of an older state does not protect the current one).
pub fn current_snapshot(sd: &StateDir, outputs: &[String]) -> Option<String> {
    let (list, _) = snapshot::list(sd).ok()?;
    let latest = list.iter().rev().find(|m| outputs.iter().all(|o| m.covers(o)))?;
    let diffs = diff::diff_snapshot_vs_current(sd, &latest.id, Some(outputs)).ok()?;
    diffs.is_empty().then(|| latest.id.clone())
}

/// An attempt on its way: its commands, its machine, and the effect to perform next.
#[derive(Debug)]
pub struct Running {
    pub spec: AttemptSpec,
    commands: Commands,
    machine: Machine,
    next: Vec<Effect>,
}

/// A step whose attempts are recorded as running and ready to run.
pub struct Begun {
    pub step: StepKind,
    pub snapshot: String,
    pub attempts: Vec<Running>,
    /// Taken for this step (not an earlier one that still held the outputs).
    pub snapshot_taken: bool,
    store: Arc<StateDir>,
    concurrency: usize,
    clock: Arc<dyn Clock>,
}

impl Begun {
    pub fn specs(&self) -> Vec<AttemptSpec> {
        self.attempts.iter().map(|r| r.spec.clone()).collect()
    }
}

fn plan_of(spec: &AttemptSpec, c: &Commands) -> Plan {
    Plan {
        job: spec.job.id.clone(),
        number: spec.number,
        kind: spec.kind,
        outputs: spec.job.outputs.clone(),
        prompt: spec.prompt.clone(),
        prompt_origin: spec.prompt_origin,
        generator: c.generator.clone(),
        validations: c.validations.clone(),
        timeout_s: spec.timeout.as_secs(),
    }
}

/// Snapshot first (refuse to run without one), write each attempt's prompts, record the
/// attempts as running (the ledger saved once, the journal told), and hand back the attempts
/// ready for [`run`]. Nothing is recorded when a command cannot even be formed.
pub fn start(project: &mut Project, prepared: &Prepared) -> Result<Begun, CommandError> {
    let sd = project.writable_store().map_err(CommandError::ReadOnly)?;
    let specs = specs(project, prepared)?;
    let outputs = outputs(project, &prepared.jobs);
    let mut snapshot = current_snapshot(&sd, &outputs);
    let mut snapshot_taken = false;
    let mut attempts = Vec::new();
    let now = chrono::Utc::now();
    for (spec, gp) in specs {
        let commands = exec_attempt::commands(&spec)
            .map_err(|e| refused(format!("{}: the attempt cannot run: {e}", clean_line(&spec.job.id))))?;
        let mut machine = Machine::new(plan_of(&spec, &commands));
        let mut fx = machine.handle(Event::Start { snapshot: snapshot.clone(), at: now }, now);
        if let [Effect::TakeSnapshot { .. }] = fx.as_slice() {
            let reason = format!("before the {} of {}", step_word(prepared.step), prepared.jobs.join(", "));
            let job = (prepared.jobs.len() == 1).then(|| prepared.jobs[0].clone());
            let batch = project.run.job(&spec.job.id).map(|j| j.batch);
            let info =
                project.take_snapshot(Some(outputs.clone()), &reason, job, batch).map_err(CommandError::Failed)?;
            snapshot = Some(info.id.clone());
            snapshot_taken = true;
            fx = machine.handle(Event::SnapshotTaken { id: info.id }, now);
        }
        let Some(Effect::WritePrompt { text }) = fx.first() else {
            return Err(CommandError::Failed(format!("{}: the attempt could not begin", clean_line(&spec.job.id))));
        };
        sd.attempt_dir(&safe_name(&spec.job.id), spec.number).map_err(|e| CommandError::Failed(e.to_string()))?;
        exec_attempt::write_prompt(&commands, text).map_err(|e| CommandError::Failed(e.to_string()))?;
        let recovery_prompt = match &gp.recovery_prompt {
            Some(text) => {
                let rel = Path::new("attempts")
                    .join(safe_name(&spec.job.id))
                    .join(spec.number.to_string())
                    .join("recovery-prompt.md");
                let file = sd.write_file(&rel, text.as_bytes()).map_err(|e| CommandError::Failed(e.to_string()))?;
                Some(relative(&sd, &file))
            }
            None => None,
        };
        let mut next = machine.handle(Event::PromptWritten, now);
        if let Some(Effect::RecordStarted(a)) = next.first() {
            let mut a = a.clone();
            a.recovery_prompt = recovery_prompt;
            a.revised_prompt = Some(relative(&sd, &commands.prompt_file));
            project.ledger.record_attempt(a);
            next.remove(0);
        }
        attempts.push(Running { spec, commands, machine, next });
    }
    project.save_ledger().map_err(CommandError::Failed)?;
    let snapshot = snapshot.unwrap_or_default();
    for r in &attempts {
        let a = r.machine.attempt();
        let event = JournalEvent::AttemptStarted {
            job: a.job.clone(),
            number: a.number,
            kind: a.kind,
            snapshot: Some(snapshot.clone()),
        };
        project.journal(event).map_err(CommandError::Failed)?;
    }
    project.redecide();
    let concurrency = project.config.commands.concurrency;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    Ok(Begun { step: prepared.step, snapshot, attempts, snapshot_taken, store: sd, concurrency, clock })
}

fn step_word(step: StepKind) -> &'static str {
    match step {
        StepKind::Rerun => "re-run",
        _ => "recovery",
    }
}

/// Why [`run_one`] did not run an attempt.
#[derive(Debug, thiserror::Error)]
pub enum NotRun {
    /// Its commands could not be formed (nothing ran, nothing was written).
    #[error(transparent)]
    Commands(#[from] crate::exec::ExecError),
    /// The generator did not start.
    #[error("{0}")]
    Start(String),
}

/// An attempt formed from its spec with its prompt written, ready for [`drive`].
fn running(spec: AttemptSpec, snapshot: &str, at: chrono::DateTime<chrono::Utc>) -> Result<Running, NotRun> {
    let commands = exec_attempt::commands(&spec)?;
    let mut machine = Machine::new(plan_of(&spec, &commands));
    let fx = machine.handle(Event::Start { snapshot: Some(snapshot.to_string()), at }, at);
    if let Some(Effect::WritePrompt { text }) = fx.first() {
        exec_attempt::write_prompt(&commands, text)?;
    }
    let next = machine
        .handle(Event::PromptWritten, at)
        .into_iter()
        .filter(|e| !matches!(e, Effect::RecordStarted(_)))
        .collect();
    Ok(Running { spec, commands, machine, next })
}

/// One attempt of `spec` on its own, with `snapshot` already holding its outputs: formed, its
/// prompt written, driven to its end. Nothing is recorded (the recovery itself records through
/// [`start`], [`run`] and [`finish`]).
pub async fn run_one(
    spec: AttemptSpec,
    snapshot: &str,
    cancel: watch::Receiver<bool>,
    clock: &dyn Clock,
    on_event: impl FnMut(AttemptEvent) + Send,
) -> Result<Attempt, NotRun> {
    let r = running(spec, snapshot, clock.now())?;
    drive(r, cancel, clock, on_event).await.map_err(NotRun::Start)
}

/// How one attempt ended: the attempt, or (job, why) when it never ran.
pub type Ended = Result<Attempt, (String, String)>;

/// Run the attempts (at most `concurrency` at a time), each through its machine, journalling
/// each end. Events for live display go to `on_event` on the caller's task. Cancelling ends
/// every running command's process group; the attempts then end `aborted`.
pub async fn run(
    begun: Begun,
    cancel: watch::Receiver<bool>,
    mut on_event: impl FnMut(AttemptEvent) + Send,
) -> Vec<Ended> {
    let permits = Arc::new(Semaphore::new(begun.concurrency.max(1)));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut set = tokio::task::JoinSet::new();
    let count = begun.attempts.len();
    for (i, r) in begun.attempts.into_iter().enumerate() {
        let (permits, tx, cancel, sd, snapshot, clock) = (
            permits.clone(),
            tx.clone(),
            cancel.clone(),
            begun.store.clone(),
            begun.snapshot.clone(),
            begun.clock.clone(),
        );
        set.spawn(async move {
            let _permit = permits.acquire_owned().await.ok();
            let job = r.spec.job.id.clone();
            let outputs = r.spec.job.outputs.clone();
            let mut ended = drive(r, cancel, &*clock, |e| {
                let _ = tx.send(e);
            })
            .await;
            if let Ok(a) = &mut ended {
                a.snapshot = Some(snapshot.clone());
                a.changes = changes(&sd, &snapshot, &outputs);
                journal_end(&sd, a);
            }
            (i, ended.map_err(|e| (job, e)))
        });
    }
    drop(tx);
    let mut results: Vec<Option<Ended>> = (0..count).map(|_| None).collect();
    loop {
        tokio::select! {
            Some(event) = rx.recv() => on_event(event),
            joined = set.join_next(), if !set.is_empty() => {
                if let Some(Ok((i, ended))) = joined {
                    if let Some(slot) = results.get_mut(i) {
                        *slot = Some(ended);
                    }
                }
            }
            else => break,
        }
    }
    results.into_iter().map(|r| r.unwrap_or_else(|| Err((String::new(), "the attempt task failed".into())))).collect()
}

/// Perform one attempt's effects until it ends.
async fn drive(
    mut r: Running,
    cancel: watch::Receiver<bool>,
    clock: &dyn Clock,
    mut on_event: impl FnMut(AttemptEvent) + Send,
) -> Result<Attempt, String> {
    let job = r.spec.job.id.clone();
    let timeout = r.spec.timeout;
    let mut pending = std::mem::take(&mut r.next);
    while let Some(effect) = (!pending.is_empty()).then(|| pending.remove(0)) {
        let event = match effect {
            Effect::RunGenerator { stdin, .. } => {
                if *cancel.borrow() {
                    Event::NotRun { message: "cancelled before it started".into() }
                } else {
                    on_event(AttemptEvent::Started { job: job.clone() });
                    let out = |stream, line: &str| {
                        on_event(AttemptEvent::Output { job: job.clone(), stream, line: line.to_string() })
                    };
                    match exec_attempt::run_generator(
                        &r.commands,
                        &r.spec.job.outputs,
                        &stdin,
                        timeout,
                        cancel.clone(),
                        out,
                    )
                    .await
                    {
                        Ok(g) => {
                            Event::GeneratorDone { run: g.run, agent_failure: g.agent_failure, missing: g.missing }
                        }
                        Err(e @ crate::exec::ExecError::ProgramNotFound { .. }) => Event::NotRun {
                            message: format!(
                                "{e}: set the generator as `[commands] generator` in your config (`recover-tui config --init` writes one to start from)"
                            ),
                        },
                        Err(e) => Event::NotRun { message: e.to_string() },
                    }
                }
            }
            Effect::RunValidation { index, argv, .. } => {
                on_event(AttemptEvent::ValidationStarted { job: job.clone(), argv: argv.clone() });
                let out = |stream, line: &str| {
                    on_event(AttemptEvent::Output { job: job.clone(), stream, line: line.to_string() })
                };
                let result = exec_attempt::run_validation(&r.commands, index, timeout, cancel.clone(), out).await;
                let exit_code = result.as_ref().ok().and_then(|(run, _)| run.exit_code);
                on_event(AttemptEvent::ValidationDone { job: job.clone(), argv, exit_code });
                match result {
                    Ok((run, findings)) => Event::ValidationDone { index, run, findings },
                    Err((e, log)) => Event::ValidationNotStarted {
                        index,
                        message: e.to_string(),
                        log: log.to_string_lossy().into_owned(),
                    },
                }
            }
            Effect::RecordEnded(a) => {
                on_event(AttemptEvent::Finished { job: job.clone(), outcome: a.outcome });
                return Ok(a);
            }
            Effect::Abandon { message } => {
                on_event(AttemptEvent::Error { job: job.clone(), message: message.clone() });
                return Err(message);
            }
            // Taken care of by `start`.
            Effect::TakeSnapshot { .. } | Effect::WritePrompt { .. } | Effect::RecordStarted(_) => continue,
        };
        pending.extend(r.machine.handle(event, clock.now()));
    }
    Err("the attempt stopped without an outcome".into())
}

/// Journal an attempt's end.
fn journal_end(sd: &StateDir, a: &Attempt) {
    let _ = journal::append(
        sd,
        &SystemClock,
        JournalEvent::AttemptEnded {
            job: a.job.clone(),
            number: a.number,
            outcome: a.outcome,
            exit_code: a.exit_code,
            changes: a.changes.clone(),
        },
    );
}

/// What an attempt changed in `outputs` since the step's snapshot ("1 file changed, +2 -3").
fn changes(sd: &StateDir, snapshot: &str, outputs: &[String]) -> Option<String> {
    diff::diff_snapshot_vs_current(sd, snapshot, Some(outputs)).ok().map(|d| {
        if d.is_empty() {
            format!("no change to {}", outputs.join(", "))
        } else {
            diff::stat(&d).to_string()
        }
    })
}

/// What [`finish`] recorded.
#[derive(Debug, Default)]
pub struct Finished {
    pub attempts: Vec<Attempt>,
    /// Jobs whose attempt never ran, with why (taken back out of the ledger).
    pub not_run: Vec<(String, String)>,
    /// Set when these attempts escalated the decision to a full restart.
    pub escalation: Option<String>,
}

impl Finished {
    pub fn all_passed(&self) -> bool {
        self.not_run.is_empty() && self.attempts.iter().all(|a| a.outcome == AttemptOutcome::Passed)
    }
}

/// Record the outcomes in the ledger (replacing the running placeholders), decide again, and
/// journal an escalation when the decision just became one.
pub fn finish(project: &mut Project, specs: &[AttemptSpec], ended: Vec<Ended>) -> Result<Finished, CommandError> {
    let was_escalated = project.decision.as_ref().is_some_and(|d| d.escalated);
    let mut done = Finished::default();
    for (spec, result) in specs.iter().zip(ended) {
        let job = spec.job.id.clone();
        let pre = project.ledger.attempts.get(&job).and_then(|l| l.iter().find(|x| x.number == spec.number)).cloned();
        match result {
            Ok(mut a) => {
                a.recovery_prompt = pre.as_ref().and_then(|p| p.recovery_prompt.clone());
                a.revised_prompt = pre.and_then(|p| p.revised_prompt);
                project.ledger.record_attempt(a.clone());
                done.attempts.push(a);
            }
            Err((_, e)) => {
                if let Some(list) = project.ledger.attempts.get_mut(&job) {
                    list.retain(|a| a.number != spec.number);
                }
                done.not_run.push((job, e));
            }
        }
    }
    project.save_ledger().map_err(CommandError::Failed)?;
    project.redecide();
    if let Some(d) = project.decision.as_ref().filter(|d| d.escalated && !was_escalated) {
        let max = project.config.decision.max_failed_recoveries;
        let history = project.ledger.history();
        let (job, failed) = specs
            .iter()
            .find_map(|s| {
                history.failed_recoveries.get(&s.job.id).filter(|n| **n >= max).map(|n| (s.job.id.clone(), *n))
            })
            .unwrap_or_default();
        let reason = format!(
            "{job} failed {} (limit {max}); the decision is now {}",
            crate::core::words::count(failed as usize, "recovery attempt"),
            d.verdict.as_str()
        );
        project
            .journal(JournalEvent::Escalated { job: Some(job), reason: reason.clone(), failed_recoveries: failed })
            .map_err(CommandError::Failed)?;
        done.escalation = Some(reason);
    }
    Ok(done)
}

/// `p` relative to the state dir (its directory exists), else as given.
fn relative(sd: &StateDir, p: &Path) -> String {
    let abs = match (p.parent().and_then(|d| std::fs::canonicalize(d).ok()), p.file_name()) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => p.to_path_buf(),
    };
    abs.strip_prefix(sd.path()).map(|r| r.display().to_string()).unwrap_or_else(|_| abs.display().to_string())
}

#[cfg(test)]
#[path = "attempt_tests.rs"]
mod tests;
