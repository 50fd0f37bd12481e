//! The app's one door to the recovery (`crate::app::recovery`): what `R` would run, starting
//! and finishing attempts, the prompts (the recovery prompt, the generation prompt to send
//! and where it came from) and the reviser. Everything else in the TUI calls these.
//!
//! The blocking functions run inside a project job (off the UI task, `jobs.rs`); `run` and
//! `revise` are the async parts the runner spawns.

use super::effects::Msg;
use crate::app::project::Project;
use crate::app::recovery;
use crate::core::model::{AttemptOutcome, PromptOrigin};
use crate::core::words::count;
use crate::exec::attempt::{AttemptEvent, AttemptSpec};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, watch};

/// What `R` would run now: the jobs of the next step and every command line (dry run).
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    pub step: crate::core::status::StepKind,
    pub jobs: Vec<String>,
    pub lines: Vec<String>,
    pub origins: Vec<(String, PromptOrigin)>,
    /// Validation commands written in the project that are not approved (they do not run).
    pub unapproved: Vec<String>,
}

/// Attempts recorded as running, with what is needed to run and finish them. The attempts
/// themselves are taken by [`run`] (once); a copy of this stays to finish them with.
#[derive(Clone)]
pub struct Started {
    specs: Vec<AttemptSpec>,
    snapshot: String,
    begun: Arc<Mutex<Option<recovery::Begun>>>,
}

impl Started {
    pub fn jobs(&self) -> Vec<String> {
        self.specs.iter().map(|s| s.job.id.clone()).collect()
    }

    pub fn snapshot(&self) -> &str {
        &self.snapshot
    }
}

impl std::fmt::Debug for Started {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Started").field("jobs", &self.jobs()).field("snapshot", &self.snapshot).finish()
    }
}

impl PartialEq for Started {
    fn eq(&self, o: &Self) -> bool {
        self.specs == o.specs && self.snapshot == o.snapshot
    }
}

/// How attempts ended, as the Run screen and the status line say it.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Job -> "attempt 1: passed" / "did not run: ...".
    pub states: Vec<(String, String)>,
    pub status: String,
    pub error: bool,
}

/// The recovery prompt of a job and the generation prompt recovery would send.
#[derive(Debug, Clone, PartialEq)]
pub struct PromptView {
    pub inputs: super::screens::prompt::Inputs,
    /// (text, template name).
    pub recovery: Result<(String, String), String>,
    pub to_send: Result<(String, PromptOrigin), String>,
    /// The job's original generation prompt (the diff's left side).
    pub original: Option<String>,
}

/// A reviser run: the job and what to run.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviseRequest {
    pub job: String,
    spec: crate::exec::reviser::ReviseSpec,
}

/// Where the prompt recovery sends for `job` comes from now, as the ledger says (pure).
pub fn origin_now(p: &Project, job: &str) -> PromptOrigin {
    recovery::prompt_origin(p, job)
}

/// The jobs `R` runs now (repairs first, then the stale re-runs) and every command (dry run),
/// in the same words as `recover-tui recover --dry-run`.
pub fn prepare(p: &Project) -> Result<Prepared, String> {
    let prepared = recovery::prepare(p, &[]).map_err(|e| e.to_string())?;
    let specs = recovery::specs(p, &prepared).map_err(|e| e.to_string())?;
    let origins = specs.iter().map(|(s, gp)| (s.job.id.clone(), gp.origin)).collect();
    let specs: Vec<AttemptSpec> = specs.into_iter().map(|(s, _)| s).collect();
    let lines = crate::exec::attempt::dry_run(&specs).map_err(|e| e.to_string())?;
    let unapproved = recovery::unapproved_validation(p, &prepared.jobs);
    Ok(Prepared { step: prepared.step, jobs: prepared.jobs, lines, origins, unapproved })
}

/// Snapshot the outputs (unless a snapshot of them as they are exists) and record the attempts
/// as running (ledger saved), ready to run.
pub fn begin(p: &mut Project, jobs: &[String]) -> Result<Started, String> {
    let prepared = recovery::prepare(p, jobs).map_err(|e| e.to_string())?;
    let begun = recovery::start(p, &prepared).map_err(|e| e.to_string())?;
    let (specs, snapshot) = (begun.specs(), begun.snapshot.clone());
    Ok(Started { specs, snapshot, begun: Arc::new(Mutex::new(Some(begun))) })
}

/// Run the attempts; their lines come back as `AttemptLine`, the end as `AttemptsDone`.
/// Cancel (`true` on `cancel`) ends every command's process group; those attempts are `aborted`.
pub async fn run(started: Started, cancel: watch::Receiver<bool>, tx: mpsc::UnboundedSender<Msg>) {
    let events = tx.clone();
    let on_event = move |e: AttemptEvent| {
        if let Some((job, line)) = event_line(e) {
            let _ = events.send(Msg::AttemptLine { job, line });
        }
    };
    let begun = started.begun.lock().ok().and_then(|mut b| b.take());
    let results = match begun {
        Some(begun) => recovery::run(begun, cancel, on_event).await,
        None => started.jobs().into_iter().map(|j| Err((j, "the attempts were already run".to_string()))).collect(),
    };
    let _ = tx.send(Msg::AttemptsDone { started, results });
}

/// Record the outcomes (ledger, journal, escalation) and say how it went.
pub fn finish(p: &mut Project, started: &Started, results: Vec<recovery::Ended>) -> Result<Summary, String> {
    let done = recovery::finish(p, &started.specs, results).map_err(|e| e.to_string())?;
    let mut states = Vec::new();
    for a in &done.attempts {
        states.push((a.job.clone(), format!("attempt {}: {}", a.number, a.outcome.word())));
    }
    for (job, e) in &done.not_run {
        states.push((job.clone(), format!("did not run: {e}")));
    }
    let passed = done.attempts.iter().filter(|a| a.outcome == AttemptOutcome::Passed).count();
    let aborted = done.attempts.iter().filter(|a| a.outcome == AttemptOutcome::Aborted).count();
    let total = done.attempts.len() + done.not_run.len();
    let (status, error) = match done.escalation {
        Some(reason) => (format!("ESCALATED: {reason}"), true),
        None if aborted > 0 => {
            let them = if aborted == 1 { "it" } else { "them" };
            (format!("{aborted} of {} aborted; nothing was kept from {them}", count(total, "attempt")), true)
        }
        None => (format!("{passed} of {} passed validation", count(total, "attempt")), passed < total),
    };
    Ok(Summary { states, status, error })
}

/// The recovery prompt and the generation prompt to send (reads the code context and the
/// saved prompt file).
pub fn prompt_view(p: &Project, inputs: super::screens::prompt::Inputs) -> PromptView {
    let job = inputs.job.clone();
    let recovery = p.prompt_for(&job).map(|r| (r.text, r.template)).map_err(|e| e.to_string());
    let to_send = recovery::generation_prompt(p, &job).map(|gp| (gp.text, gp.origin));
    let original = p.run.job(&job).and_then(|j| j.prompt.as_ref()).map(|pr| pr.text.clone());
    PromptView { inputs, recovery, to_send, original }
}

/// The reviser's input for `job`: always its recovery prompt, never an earlier revision.
pub fn prepare_revise(p: &Project, job: &str) -> Result<ReviseRequest, String> {
    let argv = p.config.commands.reviser.clone().ok_or("no reviser configured ([commands] reviser)")?;
    let recovery_prompt = p.prompt_for(job).map_err(|e| e.to_string())?.text;
    let spec = crate::exec::reviser::ReviseSpec {
        argv,
        recovery_prompt,
        dir: p
            .writable_store()?
            .create_dir(&std::path::Path::new("reviser").join(crate::app::project::safe_name(job)))
            .map_err(|e| e.to_string())?,
        project_root: p.run.project_root.clone(),
        output: p.run.job(job).and_then(|j| j.outputs.first().cloned()),
        job: Some(job.to_string()),
        timeout: std::time::Duration::from_secs(p.config.commands.timeout_s.max(1)),
    };
    Ok(ReviseRequest { job: job.to_string(), spec })
}

/// Run the reviser (cancel ends it).
pub async fn revise(req: ReviseRequest, cancel: watch::Receiver<bool>) -> Result<String, String> {
    crate::exec::reviser::revise(req.spec, cancel).await.map_err(|e| e.to_string())
}

/// Where the generation prompt saved for `job` is kept (the editor's and the reviser's).
pub fn saved_prompt_file(state_dir: &std::path::Path, job: &str) -> PathBuf {
    recovery::revised_prompt_file(state_dir, job)
}

/// Where a copied prompt is also saved (not the generation prompt file: what is copied may be
/// the recovery prompt itself).
pub fn copy_file(state_dir: &std::path::Path, job: &str) -> (PathBuf, PathBuf) {
    let rel = PathBuf::from("prompts").join(format!("{}.copied.md", crate::app::project::safe_name(job)));
    (state_dir.to_path_buf(), rel)
}

/// An attempt event as a line for the Run screen (`None`: not worth a line).
fn event_line(e: AttemptEvent) -> Option<(String, String)> {
    Some(match e {
        AttemptEvent::Started { job } => (job, "▶ generator started".to_string()),
        AttemptEvent::Output { job, line, .. } => (job, readable(&line)?),
        AttemptEvent::ValidationStarted { job, argv } => (job, format!("▶ validation: {}", argv.join(" "))),
        AttemptEvent::ValidationDone { job, argv, exit_code } => (
            job,
            format!(
                "■ validation {} exited {}",
                argv.join(" "),
                exit_code.map(|c| c.to_string()).unwrap_or_else(|| "-".into())
            ),
        ),
        AttemptEvent::Finished { job, outcome } => (job, format!("■ attempt finished: {}", outcome.word())),
        AttemptEvent::Error { job, message } => (job, format!("✗ {message}")),
    })
}

/// A generator's output line as a readable line (the reader of its format renders it);
/// `None` for events not worth a line (`item.started`, `item.updated`, deltas). Lines of no
/// known format are shown as they are.
pub fn readable(line: &str) -> Option<String> {
    crate::core::ingest::formats::live_line(line)
}

#[cfg(test)]
mod tests {
    #[test]
    fn codex_events_read_as_lines() {
        assert_eq!(super::readable(r#"{"type":"item.completed","item":{"id":"item_1","type":"file_change","changes":[{"path":"notes/render.py","kind":"update"}],"status":"completed"}}"#).as_deref(), Some("wrote notes/render.py"));
        assert_eq!(super::readable(r#"{"type":"turn.completed","usage":{"input_tokens":4234,"cached_input_tokens":2048,"output_tokens":380}}"#).as_deref(), Some("turn completed: 4234 input + 380 output tokens"));
        assert_eq!(
            super::readable(r#"{"type":"item.updated","item":{"id":"item_2","type":"command_execution"}}"#),
            None
        );
        assert_eq!(super::readable("plain text").as_deref(), Some("plain text"));
    }
}
