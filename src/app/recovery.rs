//! Running a recovery (DESIGN.md §11), shared by `recover-tui recover` and the app's Run screen:
//! the prompts to send, the attempt specs, the snapshot that must exist first, the attempts
//! themselves (journalled as they start and end), and recording their outcomes.

use crate::app::project::{safe_name, Project};
use crate::core::decide::{Decision, Verdict};
use crate::core::model::{Attempt, AttemptKind, AttemptOutcome, Status, SystemClock};
use crate::core::prompt;
use crate::exec::attempt::{self, AttemptEvent, AttemptSpec};
use crate::store::journal::{self, JournalEvent};
use crate::store::{diff, snapshot, StateDir};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Where a job's revised generation prompt is kept (the app's editor and reviser write it).
pub fn revised_prompt_file(state_dir: &Path, job: &str) -> PathBuf {
    state_dir.join("prompts").join(format!("{}.md", safe_name(job)))
}

/// Save the generation prompt to send for `job` and where it came from (ledger saved).
pub fn save_generation_prompt(
    project: &mut Project,
    job: &str,
    text: &str,
    origin: crate::core::model::PromptOrigin,
) -> Result<PathBuf, String> {
    let file = revised_prompt_file(&project.state_dir, job);
    if let Some(d) = file.parent() {
        std::fs::create_dir_all(d).map_err(|e| format!("cannot create {}: {e}", d.display()))?;
    }
    crate::store::atomic::write(&file, text.as_bytes()).map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    project.ledger.saved_prompts.insert(job.to_string(), origin);
    project.save_ledger()?;
    Ok(file)
}

/// The generation prompt to send and, for a revision, the rendered recovery prompt it came
/// from: the original prompt for a retry; else the revised prompt saved for the job; else a
/// revision built from the original prompt, the error and the context.
pub fn generation_prompt(project: &Project, d: &Decision, job: &str) -> Result<(String, Option<String>), String> {
    let j = project.run.job(job).ok_or_else(|| format!("job `{job}` is not in the run"))?;
    let original = || {
        j.prompt.as_ref().map(|p| p.text.clone()).ok_or_else(|| format!("job `{job}` has no original prompt to send"))
    };
    if d.verdict == Verdict::RetryAsIs || j.result.status != Status::Failed {
        return Ok((original()?, None));
    }
    let rendered = project.prompt_for(job).map_err(|e| e.to_string())?;
    let saved = revised_prompt_file(&project.state_dir, job);
    if saved.is_file() {
        let text = std::fs::read_to_string(&saved).map_err(|e| format!("cannot read {}: {e}", saved.display()))?;
        return Ok((text, Some(rendered.text)));
    }
    let text = prompt::direct_revision(&project.run, job, &rendered)
        .ok_or_else(|| format!("job `{job}` has no original prompt to revise"))?;
    Ok((text, Some(rendered.text)))
}

/// One attempt spec per job (numbered from the ledger), with the rendered recovery prompts.
pub fn specs(project: &Project, d: &Decision, jobs: &[String]) -> Result<Vec<(AttemptSpec, Option<String>)>, String> {
    let c = &project.config.commands;
    let mut out = Vec::new();
    for id in jobs {
        let job = project.run.job(id).ok_or_else(|| format!("job `{id}` is not in the run"))?;
        let (prompt, rendered) = generation_prompt(project, d, id)?;
        let number = project.ledger.next_attempt_number(id);
        let kind = match d.verdict {
            _ if job.result.status != Status::Failed => AttemptKind::Rerun,
            Verdict::RetryAsIs => AttemptKind::RetryAsIs,
            _ => AttemptKind::TargetedRecovery,
        };
        let spec = AttemptSpec {
            job: job.clone(),
            number,
            kind,
            prompt,
            attempt_dir: project.state_dir.join("attempts").join(safe_name(id)).join(number.to_string()),
            project_root: project.run.project_root.clone(),
            generator: c.generator.clone(),
            validate_defaults: c.validate.clone(),
            timeout: Duration::from_secs(c.timeout_s.max(1)),
        };
        out.push((spec, rendered));
    }
    Ok(out)
}

/// The outputs a pre-run snapshot must hold: those of the jobs to repair and of `jobs`.
pub fn outputs(project: &Project, jobs: &[String]) -> Vec<String> {
    let mut v = project.repair_outputs();
    v.extend(jobs.iter().filter_map(|j| project.run.job(j)).flat_map(|j| j.outputs.iter().cloned()));
    v.sort();
    v.dedup();
    v
}

/// The latest snapshot holding every path of `outputs`, if it still matches them as they are
/// now (a snapshot of an older state does not protect the current one).
pub fn current_snapshot(sd: &StateDir, outputs: &[String]) -> Option<String> {
    let (list, _) = snapshot::list(sd).ok()?;
    let latest = list.iter().rev().find(|m| outputs.iter().all(|o| m.files.iter().any(|f| &f.path == o)))?;
    let diffs = diff::diff_snapshot_vs_current(sd, &latest.id, Some(outputs)).ok()?;
    diffs.is_empty().then(|| latest.id.clone())
}

/// A snapshot of `outputs` as they are now: the current one, or a new one.
pub fn ensure_snapshot(
    project: &mut Project,
    outputs: &[String],
    jobs: &[String],
    batch: u32,
) -> Result<String, String> {
    let sd = project.writable_store()?;
    if let Some(id) = current_snapshot(&sd, outputs) {
        return Ok(id);
    }
    let reason = format!("before recovery of {}", jobs.join(", "));
    let job = (jobs.len() == 1).then(|| jobs[0].clone());
    project.take_snapshot(Some(outputs.to_vec()), &reason, job, Some(batch)).map(|i| i.id)
}

/// Write each attempt's recovery prompt and record the attempts as running (ledger saved), so
/// an attempt interrupted by a crash is still in the ledger.
pub fn begin(
    project: &mut Project,
    specs: Vec<(AttemptSpec, Option<String>)>,
    snapshot: &str,
) -> Result<Vec<AttemptSpec>, String> {
    let sd = project.writable_store()?;
    let mut out = Vec::new();
    for (spec, rendered) in specs {
        let dir = &spec.attempt_dir;
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let recovery_prompt = match rendered {
            Some(text) => {
                let file = dir.join("recovery-prompt.md");
                crate::store::atomic::write(&file, text.as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
                Some(relative(&sd, &file))
            }
            None => None,
        };
        project.ledger.record_attempt(Attempt {
            job: spec.job.id.clone(),
            number: spec.number,
            snapshot: Some(snapshot.to_string()),
            recovery_prompt,
            revised_prompt: Some(relative(&sd, &dir.join("prompt.md"))),
            kind: spec.kind,
            command: spec.generator.clone(),
            started_at: chrono::Utc::now(),
            ended_at: None,
            exit_code: None,
            findings: Vec::new(),
            outcome: AttemptOutcome::Running,
            changes: None,
            prompt_origin: None,
        });
        out.push(spec);
    }
    project.save_ledger()?;
    Ok(out)
}

/// Run the attempts (bounded parallel), journal each start and end, and say what each
/// changed. `Err` for an attempt that never ran (bad placeholder, missing generator ...).
pub async fn run(
    sd: Arc<StateDir>,
    specs: Vec<AttemptSpec>,
    snapshot: String,
    concurrency: usize,
    cancel: tokio::sync::watch::Receiver<bool>,
    mut on_event: impl FnMut(AttemptEvent) + Send,
) -> Vec<Result<Attempt, String>> {
    let started: BTreeMap<String, (u32, AttemptKind)> =
        specs.iter().map(|s| (s.job.id.clone(), (s.number, s.kind))).collect();
    let journal_sd = sd.clone();
    let snap = Some(snapshot.clone());
    let events = move |e: AttemptEvent| {
        if let AttemptEvent::Started { job } = &e {
            let (number, kind) = started.get(job).copied().unwrap_or((0, AttemptKind::TargetedRecovery));
            let _ = journal::append(
                &journal_sd,
                &SystemClock,
                JournalEvent::AttemptStarted { job: job.clone(), number, kind, snapshot: snap.clone() },
            );
        }
        on_event(e);
    };
    let results = attempt::run_attempts(specs.clone(), concurrency, cancel, Arc::new(SystemClock), events).await;
    let mut out = Vec::new();
    for (spec, result) in specs.iter().zip(results) {
        let mut a = match result {
            Ok(report) => report.attempt,
            Err(e) => {
                out.push(Err(e.to_string()));
                continue;
            }
        };
        a.snapshot = Some(snapshot.clone());
        a.changes = diff::diff_snapshot_vs_current(&sd, &snapshot, Some(&spec.job.outputs)).ok().map(|d| {
            if d.is_empty() {
                format!("no change to {}", spec.job.outputs.join(", "))
            } else {
                diff::stat(&d).to_string()
            }
        });
        let _ = journal::append(
            &sd,
            &SystemClock,
            JournalEvent::AttemptEnded {
                job: a.job.clone(),
                number: a.number,
                outcome: a.outcome,
                exit_code: a.exit_code,
                changes: a.changes.clone(),
            },
        );
        out.push(Ok(a));
    }
    out
}

/// What `finish` recorded.
#[derive(Debug, Default)]
pub struct Finished {
    pub attempts: Vec<Attempt>,
    /// Jobs whose attempt never ran, with why (taken back out of the ledger).
    pub not_run: Vec<(String, String)>,
    /// Set when these attempts escalated the decision to a full restart.
    pub escalation: Option<String>,
}

/// Record the outcomes in the ledger (replacing the running placeholders), re-decide, and
/// journal an escalation when the decision just became one.
pub fn finish(
    project: &mut Project,
    specs: &[AttemptSpec],
    results: Vec<Result<Attempt, String>>,
) -> Result<Finished, String> {
    let was_escalated = project.decision.as_ref().is_some_and(|d| d.escalated);
    let mut done = Finished::default();
    for (spec, result) in specs.iter().zip(results) {
        let job = spec.job.id.clone();
        let pre = project.ledger.attempts.get(&job).and_then(|l| l.iter().find(|x| x.number == spec.number)).cloned();
        match result {
            Ok(mut a) => {
                a.recovery_prompt = pre.as_ref().and_then(|p| p.recovery_prompt.clone());
                a.revised_prompt = pre.and_then(|p| p.revised_prompt);
                project.ledger.record_attempt(a.clone());
                done.attempts.push(a);
            }
            Err(e) => {
                if let Some(list) = project.ledger.attempts.get_mut(&job) {
                    list.retain(|a| a.number != spec.number);
                }
                done.not_run.push((job, e));
            }
        }
    }
    project.save_ledger()?;
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
            "{job} failed {failed} recovery attempt(s) (limit {max}); the decision is now {}",
            d.verdict.as_str()
        );
        project.journal(JournalEvent::Escalated {
            job: Some(job),
            reason: reason.clone(),
            failed_recoveries: failed,
        })?;
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
