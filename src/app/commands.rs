//! Every write to a project's state, for both front ends (DESIGN.md §1): confirm, waive,
//! override, snapshot, restore, export, and saving an edited or revised prompt. Each one
//! checks first that the state directory is ours to write (a second instance is refused with
//! the pid that holds it, never answered with a success that was not saved), records the
//! ledger and the journal, and decides again.

use super::project::Project;
use crate::core::checklist::{ItemKind, ItemState, Recorded};
use crate::core::decide::{Decision, Override, StepId};
use crate::core::export::SnapshotInfo;
use crate::core::model::{PromptOrigin, SystemClock};
use crate::core::sanitize::clean_line;
use crate::store::journal::JournalEvent;
use chrono::{DateTime, Utc};
use std::path::PathBuf;

/// Why a write did not happen. One sentence for the user.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Another instance holds the state directory, or it cannot be written.
    #[error("read-only: {0}; nothing was saved")]
    ReadOnly(String),
    /// The request itself is wrong (unknown item, empty reason ...).
    #[error("{0}")]
    Refused(String),
    /// There is nothing to do (nothing failed, already repaired).
    #[error("{0}")]
    NothingToDo(String),
    /// It was allowed but did not succeed (disk full ...).
    #[error("{0}")]
    Failed(String),
}

pub type Result<T> = std::result::Result<T, CommandError>;

/// The questions a user can answer differently (the rules follow from them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// Do later batches depend on what the repair changes?
    Q2,
    /// Is the failure systemic?
    Q3,
}

impl Question {
    pub fn as_str(self) -> &'static str {
        match self {
            Question::Q2 => "Q2",
            Question::Q3 => "Q3",
        }
    }

    /// The trail step this question is.
    pub fn step(self) -> StepId {
        match self {
            Question::Q2 => StepId::Q2,
            Question::Q3 => StepId::Q3,
        }
    }

    /// The question a trail step is, if it can be overridden.
    pub fn of(step: StepId) -> Option<Question> {
        match step {
            StepId::Q2 => Some(Question::Q2),
            StepId::Q3 => Some(Question::Q3),
            _ => None,
        }
    }

    pub fn parse(s: &str) -> Option<Question> {
        match s.trim().to_ascii_uppercase().as_str() {
            "Q2" => Some(Question::Q2),
            "Q3" => Some(Question::Q3),
            _ => None,
        }
    }
}

/// Who is acting (`$USER`, else `$LOGNAME`), for the checklist's who/when.
pub fn user() -> Option<String> {
    ["USER", "LOGNAME"].iter().find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
}

/// Refuse unless the state directory is ours to write.
fn writable(p: &Project) -> Result<()> {
    p.writable_store().map(|_| ()).map_err(CommandError::ReadOnly)
}

fn failed(e: impl std::fmt::Display) -> CommandError {
    CommandError::Failed(e.to_string())
}

/// The `decided` journal event for a decision.
pub fn decided_event(d: &Decision) -> JournalEvent {
    JournalEvent::Decided {
        verdict: d.verdict.as_str().into(),
        scope: d.scope.as_str().into(),
        failing_batch: d.failing_batch,
        escalated: d.escalated,
        rerun_jobs: d.rerun_jobs.iter().map(|r| r.job.clone()).collect(),
        summary: d.rationale.iter().find(|r| r.decided == Some(true)).map(|r| format!("{}: {}", r.step, r.answer)),
    }
}

/// Save the ledger, journal `events` in order, and decide again.
fn commit(p: &mut Project, events: Vec<JournalEvent>) -> Result<()> {
    p.save_ledger().map_err(failed)?;
    for e in events {
        p.journal(e).map_err(failed)?;
    }
    p.redecide();
    Ok(())
}

/// A checklist item by id or number.
fn item<'a>(p: &'a Project, id: &str) -> Result<&'a crate::core::checklist::ChecklistItem> {
    p.checklist.iter().find(|i| i.id == id || i.number.to_string() == id).ok_or_else(|| {
        CommandError::Refused(format!(
            "there is no checklist item `{}`: the items are {} (or their numbers 1-{})",
            clean_line(id),
            crate::core::checklist::IDS.join(", "),
            crate::core::checklist::IDS.len()
        ))
    })
}

/// One confirmation or waiver, checked against the checklist before anything is written.
#[derive(Debug, Clone, PartialEq)]
pub enum Mark {
    Confirm { item: String, reason: Option<String> },
    Waive { item: String, reason: String },
}

/// Record confirmations and waivers together: every one is checked first, then all are saved
/// (the ledger once), each journalled. Returns one line per mark ("confirmed dependencies_reviewed").
pub fn mark(p: &mut Project, marks: &[Mark], at: DateTime<Utc>) -> Result<Vec<String>> {
    writable(p)?;
    let by = user();
    let mut records = Vec::new();
    for m in marks {
        match m {
            Mark::Confirm { item: id, reason } => {
                let it = item(p, id)?;
                if it.kind == ItemKind::Auto {
                    return Err(CommandError::Refused(format!(
                        "checklist item {} ({}) is checked automatically and cannot be confirmed; waive it with --waive {} --reason TEXT",
                        it.number, it.id, it.id
                    )));
                }
                let r = Recorded { state: ItemState::Confirmed, reason: reason.clone(), by: by.clone(), at: Some(at) };
                let event = JournalEvent::Confirmed { item: it.id.to_string(), by: by.clone(), reason: reason.clone() };
                records.push((it.id, r, event, format!("confirmed {}", it.id)));
            }
            Mark::Waive { item: id, reason } => {
                let it = item(p, id)?;
                let reason = clean_line(reason.trim());
                if reason.is_empty() {
                    return Err(CommandError::Refused(format!(
                        "the reason for waiving checklist item {} ({}) is empty",
                        it.number, it.id
                    )));
                }
                let r =
                    Recorded { state: ItemState::Waived, reason: Some(reason.clone()), by: by.clone(), at: Some(at) };
                let said = format!("waived {}: {reason}", it.id);
                let event = JournalEvent::Waived { item: it.id.to_string(), reason, by: by.clone() };
                records.push((it.id, r, event, said));
            }
        }
    }
    let mut events = Vec::new();
    let mut said = Vec::new();
    for (id, r, e, s) in records {
        p.ledger.checklist.insert(id.to_string(), r);
        events.push(e);
        said.push(s);
    }
    commit(p, events)?;
    Ok(said)
}

/// Answer `q` with `answer` (and a reason), or clear the override (`answer: None`). Journalled
/// with the decision it leads to. Returns "Q2 overridden to yes; verdict now targeted_recovery".
pub fn set_override(p: &mut Project, q: Question, answer: Option<bool>, reason: &str) -> Result<String> {
    writable(p)?;
    if p.decision.is_none() {
        return Err(CommandError::Refused("nothing failed: there is no decision to override".into()));
    }
    let key = q.as_str().to_string();
    let event = match answer {
        Some(answer) => {
            let reason = clean_line(reason.trim());
            if reason.is_empty() {
                return Err(CommandError::Refused(format!("overriding {key} needs a reason (--reason TEXT)")));
            }
            p.ledger.overrides.answers.insert(q.step(), Override { answer, reason: reason.clone() });
            JournalEvent::Overridden { question: key.clone(), answer, reason }
        }
        None => {
            let Some(old) = p.ledger.overrides.answers.remove(&q.step()) else {
                return Err(CommandError::Refused(format!("{key} is not overridden: there is nothing to clear")));
            };
            JournalEvent::Overridden {
                question: key.clone(),
                answer: !old.answer,
                reason: format!("override removed (it was: {})", old.reason),
            }
        }
    };
    commit(p, vec![event])?;
    let Some(d) = p.decision.as_ref() else { return Ok(format!("{key} changed")) };
    let decided = decided_event(d);
    let verdict = d.verdict.as_str();
    p.journal(decided).map_err(failed)?;
    Ok(match answer {
        Some(a) => format!("{key} overridden to {}; verdict now {verdict}", if a { "yes" } else { "no" }),
        None => format!("override of {key} removed; verdict now {verdict}"),
    })
}

/// Snapshot `paths` (default: the outputs of the jobs to repair), journalled.
pub fn snapshot(
    p: &mut Project,
    paths: Option<Vec<String>>,
    reason: &str,
    job: Option<String>,
    batch: Option<u32>,
) -> Result<SnapshotInfo> {
    writable(p)?;
    p.take_snapshot(paths, reason, job, batch).map_err(failed)
}

/// Restore snapshot `id` (the current files are snapshotted first, so it can be undone).
pub fn restore(p: &mut Project, id: &str) -> Result<String> {
    writable(p)?;
    let sd = p.writable_store().map_err(CommandError::ReadOnly)?;
    let rep =
        crate::store::restore::restore(&sd, id, &SystemClock).map_err(|e| failed(format!("restore refused: {e}")))?;
    let event = JournalEvent::Restore {
        snapshot: rep.snapshot.clone(),
        undo_snapshot: rep.undo_snapshot.clone(),
        written: u32::try_from(rep.written.len()).unwrap_or(u32::MAX),
        deleted: u32::try_from(rep.deleted.len()).unwrap_or(u32::MAX),
    };
    p.journal(event).map_err(failed)?;
    p.reload_snapshots();
    p.check_facts();
    Ok(format!(
        "restored {}: {} written, {} deleted; undo with snapshot {}",
        rep.snapshot,
        rep.written.len(),
        rep.deleted.len(),
        rep.undo_snapshot
    ))
}

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Markdown,
    Json,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Markdown => "md",
            ExportFormat::Json => "json",
        }
    }
}

/// The rationale log as text (reads only).
pub fn export_text(p: &Project, format: ExportFormat, now: DateTime<Utc>) -> Result<String> {
    let text = match format {
        ExportFormat::Markdown => p.export_markdown(now),
        ExportFormat::Json => p.export_json(now),
    };
    let mut text =
        text.ok_or_else(|| CommandError::Refused("nothing failed: there is no recovery to export".into()))?;
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(text)
}

/// Write the rationale log to `path` (atomically) and journal it. Returns the bytes written.
pub fn export_to(p: &Project, format: ExportFormat, path: &std::path::Path, now: DateTime<Utc>) -> Result<usize> {
    let text = export_text(p, format, now)?;
    crate::store::atomic::write(path, text.as_bytes())
        .map_err(|e| failed(format!("cannot write {}: {e}", path.display())))?;
    journal_export(p, format, Some(path));
    Ok(text.len())
}

/// Write the rationale log into the state directory (`rationale-<time>.md`, never through a
/// symlink) and journal it. Refused when read-only: it is another instance's directory.
pub fn export_to_state_dir(p: &Project, format: ExportFormat, now: DateTime<Utc>) -> Result<PathBuf> {
    let sd = p.writable_store().map_err(CommandError::ReadOnly)?;
    let text = export_text(p, format, now)?;
    let rel = PathBuf::from(format!("rationale-{}.{}", now.format("%Y%m%dT%H%M%SZ"), format.as_str()));
    let path = sd.write_file(&rel, text.as_bytes()).map_err(failed)?;
    journal_export(p, format, Some(&path));
    Ok(path)
}

/// Journal an export (a read-only instance cannot, and the export itself still stands).
pub fn journal_export(p: &Project, format: ExportFormat, path: Option<&std::path::Path>) {
    let event = JournalEvent::Exported { format: format.as_str().into(), path: path.map(|p| p.display().to_string()) };
    let _ = p.journal(event);
}

/// Save the generation prompt to send for `job` (from the editor or the reviser). Returns the file.
pub fn save_prompt(p: &mut Project, job: &str, text: &str, source: PromptOrigin) -> Result<PathBuf> {
    writable(p)?;
    super::recovery::save_generation_prompt(p, job, text, source).map_err(failed)
}

/// Approve the validation commands written in the project (a prompt's `Validation:` section, a
/// `run.json` `validate` list) of `jobs`, exactly as they are now; journalled. Returns the jobs
/// approved with their commands shown.
pub fn approve_validation(p: &mut Project, jobs: &[String]) -> Result<Vec<String>> {
    writable(p)?;
    let mut events = Vec::new();
    let mut said = Vec::new();
    for id in jobs {
        let Some(job) = p.run.job(id) else { continue };
        let own: Vec<Vec<String>> = job.validate.iter().filter(|v| !v.is_empty()).cloned().collect();
        if own.is_empty() || p.ledger.approved_validation.get(id) == Some(&own) {
            continue;
        }
        let shown: Vec<String> = own.iter().map(|v| crate::core::sanitize::display_argv(v)).collect();
        said.push(format!("{}: approved {}", clean_line(id), shown.join("; ")));
        p.ledger.approved_validation.insert(id.clone(), own.clone());
        events.push(JournalEvent::ValidationApproved { job: id.clone(), commands: own });
    }
    if !events.is_empty() {
        commit(p, events)?;
    }
    Ok(said)
}

/// A job's own validation commands when the user approved exactly these, else `None`.
pub fn approved_validation(p: &Project, job: &crate::core::model::Job) -> Option<Vec<Vec<String>>> {
    let own: Vec<Vec<String>> = job.validate.iter().filter(|v| !v.is_empty()).cloned().collect();
    (!own.is_empty() && p.ledger.approved_validation.get(&job.id) == Some(&own)).then_some(own)
}
