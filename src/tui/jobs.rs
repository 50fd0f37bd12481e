//! Project jobs: the work `update` asks for on the project, done off the UI task with the
//! project moved in (the runner sends it back with the result). Every write goes through
//! `app::commands` (which refuses when another instance holds the state directory); the
//! recovery goes through `tui::recovery`. This is the only place the clock is read.

use super::effects::{Done, Job};
use super::recovery;
use crate::app::commands::{self, CommandError, ExportFormat};
use crate::app::project::Project;
use crate::store::journal::JournalEntry;

/// Do `job` on `p`; returns what it gave and, after a job that journals, the journal.
pub fn perform(p: &mut Project, job: Job) -> (Done, Option<Vec<JournalEntry>>) {
    let journals = !matches!(
        job,
        Job::PromptView { .. }
            | Job::Diff { .. }
            | Job::PrepareRecovery
            | Job::PrepareRevise { .. }
            | Job::SavePrompt { .. }
    );
    let done = match job {
        Job::Mark(marks) => Done::Said(commands::mark(p, &marks, chrono::Utc::now()).map(|said| said.join("; "))),
        Job::Override { question, answer, reason } => Done::Said(commands::set_override(p, question, answer, &reason)),
        Job::Snapshot => Done::Said(
            commands::snapshot(p, None, "before recovery", None, p.decision.as_ref().map(|d| d.failing_batch))
                .map(|i| format!("snapshot {} taken ({} files)", i.id, i.files)),
        ),
        Job::Restore { id } => Done::Said(commands::restore(p, &id)),
        Job::ApproveValidation { jobs } => Done::Said(
            commands::approve_validation(p, &jobs)
                .map(|said| format!("{}; press R to run the recovery with them", said.join("; "))),
        ),
        Job::Export { dir } => Done::Exported(export(p, dir.as_deref())),
        Job::SavePrompt { job, text, origin } => {
            let result = commands::save_prompt(p, &job, &text, origin);
            Done::Saved { job, origin, result }
        }
        Job::PromptView { inputs } => Done::PromptView(Box::new(recovery::prompt_view(p, inputs))),
        Job::Diff { id } => Done::Diff { result: diff(p, &id), id },
        Job::PrepareRecovery => Done::Prepared(recovery::prepare(p)),
        Job::BeginRecovery { jobs } => Done::Began(recovery::begin(p, &jobs)),
        Job::FinishRecovery { started, results } => Done::Finished(recovery::finish(p, &started, results)),
        Job::PrepareRevise { job } => Done::ReviseReady { result: recovery::prepare_revise(p, &job), job },
    };
    (done, journals.then(|| journal(p)))
}

/// The rationale log, into the state directory, or into `dir` (the demo's start directory).
/// Refused when read-only: the state directory is another instance's (`recover-tui export -o
/// FILE` works anywhere).
fn export(p: &Project, dir: Option<&std::path::Path>) -> Result<std::path::PathBuf, CommandError> {
    let now = chrono::Utc::now();
    let Some(dir) = dir else { return commands::export_to_state_dir(p, ExportFormat::Markdown, now) };
    if let Some(why) = p.read_only_reason() {
        return Err(CommandError::ReadOnly(why));
    }
    let path = dir.join(format!("recover-tui-demo-rationale-{}.md", now.format("%Y%m%dT%H%M%SZ")));
    commands::export_to(p, ExportFormat::Markdown, &path, now)?;
    Ok(path)
}

fn diff(p: &Project, id: &str) -> Result<String, String> {
    use crate::store::diff::FileDiff;
    let sd = p.store.as_ref().ok_or("the state directory could not be opened")?;
    let diffs = crate::store::diff::diff_snapshot_vs_current(sd, id, None).map_err(|e| e.to_string())?;
    if diffs.is_empty() {
        return Ok("No change since this snapshot.".into());
    }
    let mut s = format!("{}\n\n", crate::store::diff::stat(&diffs));
    for d in &diffs {
        match &d.diff {
            FileDiff::Text { unified, .. } => s += unified,
            FileDiff::Binary { old_size, new_size, .. } => {
                s += &format!("{}: binary file ({old_size} -> {new_size} bytes)\n", d.path)
            }
            FileDiff::Summary { old_lines, new_lines, .. } => {
                s += &format!("{}: too large to diff quickly ({old_lines} -> {new_lines} lines)\n", d.path)
            }
        }
        if let Some(n) = &d.note {
            s += &format!("({n})\n");
        }
        s += "\n";
    }
    Ok(s)
}

/// Open the project (config, scan, ledger), read the system facts the checklist checks, and
/// journal the decision it opened with (when writable).
pub fn load(
    opts: &crate::app::project::OpenOptions,
    progress: &(dyn Fn(crate::core::ingest::discover::Progress) + Sync),
) -> Result<super::effects::Loaded, String> {
    let mut p = Project::open_with_progress(opts, progress).map_err(|e| e.to_string())?;
    p.check_facts();
    if p.read_only_reason().is_none() {
        if let Some(d) = &p.decision {
            let _ = p.journal(commands::decided_event(d));
        }
    }
    let journal = journal(&p);
    Ok(super::effects::Loaded { project: Box::new(p), journal })
}

/// The journal's readable entries (its unreadable lines are the project's load warnings).
fn journal(p: &Project) -> Vec<JournalEntry> {
    p.store.as_ref().map(|sd| crate::store::journal::read(sd).0).unwrap_or_default()
}
