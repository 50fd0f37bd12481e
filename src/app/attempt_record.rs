//! The journal is the record of attempts; the ledger is its cache (DESIGN.md §12). From the
//! journal: how many repairs of each job failed (so no corrupt or rolled-back ledger can allow
//! a third recovery), and, when the ledger could not be used, the attempts, checklist marks and
//! overrides it lost.

use crate::core::checklist::{ItemState, Recorded};
use crate::core::decide::{Override, StepId};
use crate::core::model::{Attempt, AttemptKind, AttemptOutcome};
use crate::store::journal::{JournalEntry, JournalEvent};
use crate::store::ledger::Ledger;
use std::collections::BTreeMap;

/// Every attempt the journal knows, by (job, number), as far as the journal tells it.
fn attempts(entries: &[JournalEntry]) -> BTreeMap<(String, u32), Attempt> {
    let mut out: BTreeMap<(String, u32), Attempt> = BTreeMap::new();
    for e in entries {
        match &e.event {
            JournalEvent::AttemptStarted { job, number, kind, snapshot } => {
                out.insert(
                    (job.clone(), *number),
                    Attempt {
                        job: job.clone(),
                        number: *number,
                        snapshot: snapshot.clone(),
                        recovery_prompt: None,
                        revised_prompt: None,
                        kind: *kind,
                        command: Vec::new(),
                        started_at: e.at,
                        ended_at: None,
                        exit_code: None,
                        findings: Vec::new(),
                        outcome: AttemptOutcome::Running,
                        changes: None,
                        prompt_origin: None,
                    },
                );
            }
            JournalEvent::AttemptEnded { job, number, outcome, exit_code, changes } => {
                if let Some(a) = out.get_mut(&(job.clone(), *number)) {
                    a.outcome = *outcome;
                    a.ended_at = Some(e.at);
                    a.exit_code = *exit_code;
                    a.changes = changes.clone();
                }
            }
            _ => {}
        }
    }
    out
}

/// Failed repairs per job according to the journal (re-runs never count).
pub fn failed_repairs(entries: &[JournalEntry]) -> BTreeMap<String, u32> {
    let mut out: BTreeMap<String, u32> = BTreeMap::new();
    for a in attempts(entries).values() {
        if a.kind != AttemptKind::Rerun && a.outcome.counts_as_failed() {
            *out.entry(a.job.clone()).or_default() += 1;
        }
    }
    out
}

/// Put back into `ledger` what the journal recorded and it lacks: attempts, checklist marks,
/// overrides. Returns how many attempts were put back.
pub fn rebuild(ledger: &mut Ledger, entries: &[JournalEntry]) -> usize {
    let mut restored = 0;
    for ((job, number), a) in attempts(entries) {
        let known = ledger.attempts.get_mut(&job).and_then(|l| l.iter_mut().find(|x| x.number == number));
        match known {
            // An older copy that still has it running: the journal knows how it ended.
            Some(x) if x.outcome == AttemptOutcome::Running && a.outcome != AttemptOutcome::Running => {
                x.outcome = a.outcome;
                x.ended_at = a.ended_at;
                x.exit_code = a.exit_code;
                x.changes = a.changes.clone();
                restored += 1;
            }
            Some(_) => {}
            None => {
                ledger.record_attempt(a);
                restored += 1;
            }
        }
    }
    for e in entries {
        match &e.event {
            JournalEvent::Confirmed { item, by, reason } => {
                let r =
                    Recorded { state: ItemState::Confirmed, reason: reason.clone(), by: by.clone(), at: Some(e.at) };
                ledger.checklist.entry(item.clone()).or_insert(r);
            }
            JournalEvent::Waived { item, reason, by } => {
                let r =
                    Recorded { state: ItemState::Waived, reason: Some(reason.clone()), by: by.clone(), at: Some(e.at) };
                ledger.checklist.entry(item.clone()).or_insert(r);
            }
            JournalEvent::Overridden { question, answer, reason } if !reason.starts_with("override removed") => {
                if let Ok(step) = question.parse::<StepId>() {
                    ledger.overrides.answers.insert(step, Override { answer: *answer, reason: reason.clone() });
                }
            }
            JournalEvent::Overridden { question, .. } => {
                if let Ok(step) = question.parse::<StepId>() {
                    ledger.overrides.answers.remove(&step);
                }
            }
            _ => {}
        }
    }
    restored
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn entry(s: u32, event: JournalEvent) -> JournalEntry {
        JournalEntry { at: chrono::Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, s).unwrap(), event }
    }

    fn started(job: &str, number: u32, kind: AttemptKind) -> JournalEvent {
        JournalEvent::AttemptStarted { job: job.into(), number, kind, snapshot: Some("s1".into()) }
    }

    fn ended(job: &str, number: u32, outcome: AttemptOutcome) -> JournalEvent {
        JournalEvent::AttemptEnded { job: job.into(), number, outcome, exit_code: Some(1), changes: None }
    }

    fn journal() -> Vec<JournalEntry> {
        vec![
            entry(
                1,
                JournalEvent::Confirmed { item: "dependencies_reviewed".into(), by: Some("ana".into()), reason: None },
            ),
            entry(2, started("b2-1", 1, AttemptKind::TargetedRecovery)),
            entry(3, ended("b2-1", 1, AttemptOutcome::Failed)),
            entry(4, started("b2-1", 2, AttemptKind::TargetedRecovery)),
            entry(5, ended("b2-1", 2, AttemptOutcome::TimedOut)),
            entry(6, started("b3-1", 1, AttemptKind::Rerun)),
            entry(7, ended("b3-1", 1, AttemptOutcome::Failed)),
            entry(8, started("b2-2", 1, AttemptKind::TargetedRecovery)),
            entry(9, ended("b2-2", 1, AttemptOutcome::Interrupted)),
        ]
    }

    #[test]
    fn failed_repairs_come_from_the_journal_and_re_runs_or_interruptions_never_count() {
        let counts = failed_repairs(&journal());
        assert_eq!(counts, BTreeMap::from([("b2-1".to_string(), 2)]));
    }

    #[test]
    fn an_older_copy_with_an_attempt_still_running_learns_how_it_ended() {
        let mut l = Ledger::default();
        let mut running = attempts(&journal()).remove(&("b2-1".to_string(), 2)).unwrap();
        running.outcome = AttemptOutcome::Running;
        running.ended_at = None;
        l.record_attempt(running);
        rebuild(&mut l, &journal());
        let a = l.attempts["b2-1"].iter().find(|a| a.number == 2).unwrap();
        assert_eq!(a.outcome, AttemptOutcome::TimedOut);
        assert_eq!(l.history().failed_recoveries["b2-1"], 2);
    }

    #[test]
    fn a_lost_ledger_is_rebuilt_with_its_attempts_and_marks() {
        let mut l = Ledger::default();
        assert_eq!(rebuild(&mut l, &journal()), 4);
        assert_eq!(l.attempts["b2-1"].len(), 2);
        assert_eq!(l.attempts["b2-1"][1].outcome, AttemptOutcome::TimedOut);
        assert_eq!(l.history().failed_recoveries["b2-1"], 2);
        assert_eq!(l.checklist["dependencies_reviewed"].by.as_deref(), Some("ana"));
        assert_eq!(rebuild(&mut l, &journal()), 0, "nothing twice");
    }
}
