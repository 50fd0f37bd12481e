//! The journal as sentences for the Log screen: one function per kind of event, so each reads
//! as a note a person would write ("Decided: targeted recovery of b2-1 (scope fix_batch_only).")
//! rather than a `key=value` dump. Every text from the journal is sanitized here.

use crate::core::checklist::ChecklistItem;
use crate::core::model::{AttemptKind, AttemptOutcome};
use crate::core::sanitize::clean_line;
use crate::store::journal::{JournalEntry, JournalEvent};

/// `2026-11-25 15:02:11  Decided: …` for an entry; `items` name the checklist items.
pub fn line(e: &JournalEntry, items: &[ChecklistItem]) -> String {
    format!("{}  {}", e.at.format("%Y-%m-%d %H:%M:%S"), sentence(&e.event, items))
}

/// The event as one sentence.
pub fn sentence(e: &JournalEvent, items: &[ChecklistItem]) -> String {
    match e {
        JournalEvent::Loaded { source, batches, jobs, warnings, .. } => loaded(source, *batches, *jobs, *warnings),
        JournalEvent::Decided { verdict, scope, failing_batch, escalated, rerun_jobs, .. } => {
            decided(verdict, scope, *failing_batch, *escalated, rerun_jobs)
        }
        JournalEvent::Overridden { question, answer, reason } => overridden(question, *answer, reason),
        JournalEvent::Confirmed { item, by, reason } => confirmed(&item_name(item, items), by, reason),
        JournalEvent::Waived { item, reason, by } => waived(&item_name(item, items), reason, by),
        JournalEvent::Snapshot { id, reason, job, batch, files, .. } => snapshot(id, reason, job, *batch, *files),
        JournalEvent::Restore { snapshot, undo_snapshot, written, deleted } => {
            restored(snapshot, undo_snapshot, *written, *deleted)
        }
        JournalEvent::AttemptStarted { job, number, kind, .. } => attempt_started(job, *number, *kind),
        JournalEvent::AttemptEnded { job, number, outcome, exit_code, .. } => {
            attempt_ended(job, *number, *outcome, *exit_code)
        }
        JournalEvent::Escalated { job, reason, failed_recoveries } => escalated(job, reason, *failed_recoveries),
        JournalEvent::Exported { format, path } => exported(format, path),
        JournalEvent::EdgeConfirmed { edge, reason } => edge_decided("confirmed", edge, reason),
        JournalEvent::EdgeRejected { edge, reason } => edge_decided("rejected", edge, reason),
        JournalEvent::ValidationApproved { job, commands } => validation_approved(job, commands),
    }
}

/// "1 file", "2 files".
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `, by X` / `: reason` pieces, empty when not recorded.
fn by(who: &Option<String>) -> String {
    who.as_deref().map(|w| format!(" by {}", clean_line(w))).unwrap_or_default()
}

fn because(reason: &Option<String>) -> String {
    reason.as_deref().filter(|r| !r.trim().is_empty()).map(|r| format!(": {}", clean_line(r))).unwrap_or_default()
}

/// "item 6 (Failure is not architectural)" for a known id, else the id.
fn item_name(id: &str, items: &[ChecklistItem]) -> String {
    match items.iter().find(|i| i.id == id) {
        Some(i) => format!("item {} ({})", i.number, i.title),
        None => format!("item {}", clean_line(id)),
    }
}

fn loaded(source: &str, batches: u32, jobs: u32, warnings: u32) -> String {
    let warned =
        if warnings > 0 { format!(", {}", count(warnings.into(), "warning", "warnings")) } else { String::new() };
    format!(
        "Loaded {}: {}, {}{warned}.",
        clean_line(source),
        count(batches.into(), "batch", "batches"),
        count(jobs.into(), "job", "jobs")
    )
}

fn decided(verdict: &str, scope: &str, failing_batch: u32, escalated: bool, rerun: &[String]) -> String {
    let verdict = clean_line(&verdict.replace('_', " "));
    let what = if rerun.is_empty() || verdict == "full restart" {
        format!("{verdict} (batch {failing_batch} failed")
    } else {
        format!("{verdict} of {} (batch {failing_batch}", clean_line(&rerun.join(", ")))
    };
    let escalated = if escalated { ", escalated" } else { "" };
    format!("Decided: {what}, scope {}{escalated}).", clean_line(scope))
}

fn overridden(question: &str, answer: bool, reason: &str) -> String {
    let answer = if answer { "yes" } else { "no" };
    format!("{} answered {answer} by you: {}.", clean_line(question), clean_line(reason))
}

fn confirmed(item: &str, who: &Option<String>, reason: &Option<String>) -> String {
    format!("Checklist {item} confirmed{}{}.", by(who), because(reason))
}

fn waived(item: &str, reason: &str, who: &Option<String>) -> String {
    format!("Checklist {item} waived{}: {}.", by(who), clean_line(reason))
}

fn snapshot(id: &str, reason: &str, job: &Option<String>, batch: Option<u32>, files: u32) -> String {
    let of = match (job, batch) {
        (Some(j), _) => format!(" of {}", clean_line(j)),
        (None, Some(b)) => format!(" of batch {b}"),
        (None, None) => String::new(),
    };
    let files = count(files.into(), "file", "files");
    let why = if reason.trim().is_empty() { String::new() } else { format!(", {}", clean_line(reason)) };
    format!("Snapshot {}{of} taken ({files}{why}).", clean_line(id))
}

fn restored(snapshot: &str, undo: &str, written: u32, deleted: u32) -> String {
    format!(
        "Snapshot {} restored ({} written, {deleted} deleted); snapshot {} undoes it.",
        clean_line(snapshot),
        count(written.into(), "file", "files"),
        clean_line(undo)
    )
}

fn attempt_started(job: &str, number: u32, kind: AttemptKind) -> String {
    let kind = match kind {
        AttemptKind::TargetedRecovery => "a targeted recovery",
        AttemptKind::RetryAsIs => "a retry with the same prompt",
        AttemptKind::Rerun => "a re-run with its original prompt",
    };
    format!("Attempt {number} of {} started: {kind}.", clean_line(job))
}

fn attempt_ended(job: &str, number: u32, outcome: AttemptOutcome, exit_code: Option<i32>) -> String {
    let code = match (outcome, exit_code) {
        (AttemptOutcome::Passed, _) | (_, None) => String::new(),
        (_, Some(c)) => format!(" (the generator exited {c})"),
    };
    format!("Attempt {number} of {} {}{code}.", clean_line(job), outcome.word())
}

fn escalated(job: &Option<String>, reason: &str, failed: u32) -> String {
    let who = match job {
        Some(j) => {
            format!(" after {} of {}", count(failed.into(), "failed recovery", "failed recoveries"), clean_line(j))
        }
        None => String::new(),
    };
    format!("Escalated to a full restart{who}: {}.", clean_line(reason))
}

fn exported(format: &str, path: &Option<String>) -> String {
    let to = path.as_deref().map(|p| format!(" to {}", clean_line(p))).unwrap_or_default();
    format!("Rationale log exported ({}){to}.", clean_line(format))
}

fn edge_decided(what: &str, edge: &str, reason: &Option<String>) -> String {
    format!("Dependency {} {what} by you{}.", clean_line(edge), because(reason))
}

fn validation_approved(job: &str, commands: &[Vec<String>]) -> String {
    let cmds: Vec<String> = commands.iter().map(|c| format!("`{}`", clean_line(&c.join(" ")))).collect();
    format!("Validation commands of {} approved: {}.", clean_line(job), cmds.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_reads_as_a_sentence() {
        let s = |e: JournalEvent| sentence(&e, &[]);
        assert_eq!(
            s(JournalEvent::Decided {
                verdict: "targeted_recovery".into(),
                scope: "fix_batch_only".into(),
                failing_batch: 2,
                escalated: false,
                rerun_jobs: vec!["b2-1".into()],
                summary: None,
            }),
            "Decided: targeted recovery of b2-1 (batch 2, scope fix_batch_only)."
        );
        assert_eq!(
            s(JournalEvent::Decided {
                verdict: "full_restart".into(),
                scope: "restart_phase".into(),
                failing_batch: 2,
                escalated: true,
                rerun_jobs: vec!["b2-1".into()],
                summary: None,
            }),
            "Decided: full restart (batch 2 failed, scope restart_phase, escalated)."
        );
        assert_eq!(
            s(JournalEvent::Snapshot {
                id: "s3".into(),
                reason: "before recovery".into(),
                job: Some("b2-1".into()),
                batch: Some(2),
                attempt: None,
                files: 2,
                bytes: 10,
            }),
            "Snapshot s3 of b2-1 taken (2 files, before recovery)."
        );
        assert_eq!(
            s(JournalEvent::AttemptEnded {
                job: "b2-1".into(),
                number: 1,
                outcome: AttemptOutcome::Failed,
                exit_code: Some(3),
                changes: None
            }),
            "Attempt 1 of b2-1 failed (the generator exited 3)."
        );
        assert_eq!(
            s(JournalEvent::Overridden { question: "Q3".into(), answer: true, reason: "spec is wrong".into() }),
            "Q3 answered yes by you: spec is wrong."
        );
        assert_eq!(
            s(JournalEvent::Restore { snapshot: "s1".into(), undo_snapshot: "s2".into(), written: 1, deleted: 0 }),
            "Snapshot s1 restored (1 file written, 0 deleted); snapshot s2 undoes it."
        );
        // Untrusted text is cleaned.
        let e = JournalEvent::Waived { item: "x\u{1b}]0;t\u{7}".into(), reason: "ok\u{1b}[2J".into(), by: None };
        assert!(!s(e).contains('\u{1b}'));
    }
}
