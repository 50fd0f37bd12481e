//! `ledger.json`: attempts per job, checklist state, the user's overrides and supplied facts.
//!
//! Saved atomically, after copying the current file to `ledger.json.prev`. A corrupt ledger is
//! never overwritten: it is moved aside to `ledger.json.corrupt-<time>`, reported, and
//! `ledger.json.prev` is used when it parses. A ledger written by a newer program
//! (`schema_version` above ours) is neither read nor overwritten.

use super::{compact_time, Result, StateDir, StoreError};
use crate::core::decide::{History, Overrides};
use crate::core::model::Attempt;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

pub const SCHEMA_VERSION: u32 = 1;

/// Checklist states and entries are the checklist's own types.
pub use crate::core::checklist::{ItemState as ChecklistState, Recorded as ChecklistEntry};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    #[serde(default = "schema_version_default")]
    pub schema_version: u32,
    /// Job id -> its recovery attempts, in order.
    #[serde(default)]
    pub attempts: BTreeMap<String, Vec<Attempt>>,
    /// Checklist item id -> state.
    #[serde(default)]
    pub checklist: BTreeMap<String, ChecklistEntry>,
    /// Answers to Q2/Q3 and dependency confirmations.
    #[serde(default)]
    pub overrides: Overrides,
    /// Free-form facts the user supplied.
    #[serde(default)]
    pub supplied: BTreeMap<String, String>,
    /// Job id -> its own validation commands (from its prompt or `run.json`) as the user
    /// approved them; an approval holds only while the commands are exactly these.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub approved_validation: BTreeMap<String, Vec<Vec<String>>>,
    /// Job id -> where its saved generation prompt (`prompts/<job>.md`) came from.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub saved_prompts: BTreeMap<String, crate::core::model::PromptOrigin>,
}

fn schema_version_default() -> u32 {
    SCHEMA_VERSION
}

impl Default for Ledger {
    fn default() -> Self {
        Ledger {
            schema_version: SCHEMA_VERSION,
            attempts: BTreeMap::new(),
            checklist: BTreeMap::new(),
            overrides: Overrides::default(),
            supplied: BTreeMap::new(),
            saved_prompts: BTreeMap::new(),
            approved_validation: BTreeMap::new(),
        }
    }
}

/// Why ledger bytes could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("schema_version {0} is newer than this program supports ({SCHEMA_VERSION}); not read, not overwritten")]
    Newer(u32),
    #[error("invalid ledger: {0}")]
    Invalid(String),
}

impl Ledger {
    pub fn parse(bytes: &[u8]) -> std::result::Result<Ledger, ParseError> {
        let l: Ledger = serde_json::from_slice(bytes).map_err(|e| ParseError::Invalid(e.to_string()))?;
        if l.schema_version > SCHEMA_VERSION {
            return Err(ParseError::Newer(l.schema_version));
        }
        if l.schema_version == 0 {
            return Err(ParseError::Invalid("schema_version 0".into()));
        }
        Ok(l)
    }

    /// Failed recoveries per job: repair attempts that ran to the end and did not pass (a
    /// re-run of a stale job, an aborted or interrupted attempt never counts).
    pub fn history(&self) -> History {
        let mut h = History::default();
        for (job, attempts) in &self.attempts {
            let n = attempts.iter().filter(|a| a.kind.is_repair() && a.outcome.counts_as_failed()).count();
            if n > 0 {
                h.failed_recoveries.insert(job.clone(), u32::try_from(n).unwrap_or(u32::MAX));
            }
        }
        h
    }

    /// The number the next attempt of `job` gets (1-based).
    pub fn next_attempt_number(&self, job: &str) -> u32 {
        self.attempts.get(job).and_then(|a| a.iter().map(|a| a.number).max()).map_or(1, |n| n.saturating_add(1))
    }

    /// Add an attempt, or replace the one of the same job and number (an attempt that ended).
    pub fn record_attempt(&mut self, attempt: Attempt) {
        let list = self.attempts.entry(attempt.job.clone()).or_default();
        match list.iter_mut().find(|a| a.number == attempt.number) {
            Some(slot) => *slot = attempt,
            None => list.push(attempt),
        }
    }

    /// Load the ledger. Missing = empty. The warnings tell what was moved aside or fallen back on.
    pub fn load(sd: &StateDir) -> Result<(Ledger, Vec<String>)> {
        let path = sd.ledger_path();
        let d = sd.dir();
        let mut warnings = Vec::new();
        let bytes = match d.read(Path::new(LEDGER)) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if d.stat(Path::new(PREV)).map_err(|e| StoreError::io(sd.path().join(PREV), e))?.is_some() {
                    warnings.push(format!("{}: missing", path.display()));
                    return Ok((fall_back(sd, &mut warnings), warnings));
                }
                return Ok((Ledger::default(), warnings));
            }
            Err(e) => return Err(StoreError::io(&path, e)),
        };
        match Ledger::parse(&bytes) {
            Ok(l) => Ok((l, warnings)),
            Err(e @ ParseError::Newer(_)) => Err(StoreError::Corrupt { path, message: e.to_string() }),
            Err(ParseError::Invalid(msg)) => {
                match sd.ensure_writable(&path) {
                    Ok(()) => {
                        let aside = move_aside(sd)?;
                        warnings.push(format!("{}: corrupt ({msg}); moved aside to {aside}", path.display()));
                    }
                    Err(_) => warnings.push(format!("{}: corrupt ({msg}); left in place (read-only)", path.display())),
                }
                Ok((fall_back(sd, &mut warnings), warnings))
            }
        }
    }

    /// Save: the current file (when it parses) becomes `ledger.json.prev`, then an atomic write.
    pub fn save(&self, sd: &StateDir) -> Result<()> {
        let path = sd.ledger_path();
        sd.ensure_writable(&path)?;
        let d = sd.dir();
        let bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| StoreError::Corrupt { path: path.clone(), message: e.to_string() })?;
        match d.read(Path::new(LEDGER)) {
            Ok(current) => match Ledger::parse(&current) {
                Ok(_) => {
                    d.write_atomic(Path::new(PREV), &current).map_err(|e| StoreError::io(sd.path().join(PREV), e))?;
                }
                Err(e @ ParseError::Newer(_)) => return Err(StoreError::Corrupt { path, message: e.to_string() }),
                Err(ParseError::Invalid(_)) => {
                    move_aside(sd)?;
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io(&path, e)),
        }
        d.write_atomic(Path::new(LEDGER), &bytes).map_err(|e| StoreError::io(&path, e))
    }
}

const LEDGER: &str = "ledger.json";
const PREV: &str = "ledger.json.prev";

/// Rename a corrupt ledger to `ledger.json.corrupt-<UTC time>` (never replacing another).
/// Returns the new name.
fn move_aside(sd: &StateDir) -> Result<String> {
    let d = sd.dir();
    let stamp = compact_time(&Utc::now());
    let mut aside = format!("ledger.json.corrupt-{stamp}");
    let mut n = 1;
    while d.stat(Path::new(&aside)).map_err(|e| StoreError::io(sd.path().join(&aside), e))?.is_some() {
        aside = format!("ledger.json.corrupt-{stamp}-{n}");
        n += 1;
    }
    d.rename(Path::new(LEDGER), Path::new(&aside)).map_err(|e| StoreError::io(sd.ledger_path(), e))?;
    let _ = d.sync();
    Ok(aside)
}

fn fall_back(sd: &StateDir, warnings: &mut Vec<String>) -> Ledger {
    let prev = sd.path().join(PREV);
    match sd.dir().read(Path::new(PREV)) {
        Ok(b) => match Ledger::parse(&b) {
            Ok(l) => {
                warnings.push(format!("using the previous version {}", prev.display()));
                l
            }
            Err(e) => {
                warnings.push(format!("{}: {e}; starting with an empty ledger", prev.display()));
                Ledger::default()
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            warnings.push("no previous version; starting with an empty ledger".into());
            Ledger::default()
        }
        Err(e) => {
            warnings.push(format!("{}; starting with an empty ledger", StoreError::io(&prev, e)));
            Ledger::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::decide::Override;
    use crate::core::deps::EdgeVerdict;
    use crate::core::model::AttemptOutcome;
    use crate::store::snapshot::tests::{clock, fixture};

    fn attempt(job: &str, number: u32, outcome: AttemptOutcome) -> Attempt {
        Attempt {
            job: job.into(),
            number,
            snapshot: None,
            recovery_prompt: None,
            revised_prompt: None,
            kind: crate::core::model::AttemptKind::TargetedRecovery,
            command: vec!["codex".into(), "exec".into()],
            started_at: clock().0,
            ended_at: None,
            exit_code: None,
            findings: vec![],
            outcome,
            changes: None,
            prompt_origin: None,
        }
    }

    fn sample() -> Ledger {
        let mut l = Ledger::default();
        l.record_attempt(attempt("b3-api", 1, AttemptOutcome::Failed));
        l.record_attempt(attempt("b3-api", 2, AttemptOutcome::TimedOut));
        l.record_attempt(attempt("b3-api", 3, AttemptOutcome::Passed));
        l.record_attempt(attempt("b3-db", 1, AttemptOutcome::Aborted));
        l.checklist.insert(
            "snapshot-taken".into(),
            ChecklistEntry {
                state: ChecklistState::Waived,
                reason: Some("no outputs".into()),
                by: Some("luce".into()),
                at: Some(clock().0),
            },
        );
        l.overrides
            .answers
            .insert(crate::core::decide::StepId::Q3, Override { answer: false, reason: "one-off typo".into() });
        l.overrides.edges.insert("b4-e2e<-b3-api".into(), EdgeVerdict::Rejected);
        l.supplied.insert("budget".into(), "20 USD".into());
        l
    }

    #[test]
    fn history_counts_failed_and_timed_out_attempts() {
        let h = sample().history();
        assert_eq!(h.failed_recoveries, BTreeMap::from([("b3-api".to_string(), 2)]));
        assert_eq!(sample().next_attempt_number("b3-api"), 4);
        assert_eq!(sample().next_attempt_number("new"), 1);
    }

    #[test]
    fn save_and_load_round_trip_keeping_the_previous_version() {
        let fx = fixture();
        assert_eq!(Ledger::load(&fx.sd).unwrap(), (Ledger::default(), vec![]));
        let mut l = sample();
        l.save(&fx.sd).unwrap();
        assert!(!fx.sd.path().join("ledger.json.prev").exists());
        let (loaded, warnings) = Ledger::load(&fx.sd).unwrap();
        assert_eq!(loaded, l);
        assert!(warnings.is_empty());
        let text = std::fs::read_to_string(fx.sd.ledger_path()).unwrap();
        assert!(text.contains("\"schema_version\": 1"), "{text}");
        let first = std::fs::read(fx.sd.ledger_path()).unwrap();
        l.supplied.insert("more".into(), "x".into());
        l.save(&fx.sd).unwrap();
        assert_eq!(std::fs::read(fx.sd.path().join("ledger.json.prev")).unwrap(), first);
    }

    #[test]
    fn corrupt_ledger_is_moved_aside_reported_and_prev_used() {
        let fx = fixture();
        let l = sample();
        l.save(&fx.sd).unwrap();
        l.save(&fx.sd).unwrap(); // now ledger.json.prev == sample
        std::fs::write(fx.sd.ledger_path(), b"{\"schema_version\": 1, \"attempts\": {").unwrap();
        let (loaded, warnings) = Ledger::load(&fx.sd).unwrap();
        assert_eq!(loaded, l);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(warnings[0].starts_with(&format!("{}: corrupt (", fx.sd.ledger_path().display())), "{}", warnings[0]);
        assert!(warnings[0].contains("moved aside to ledger.json.corrupt-"), "{}", warnings[0]);
        assert_eq!(
            warnings[1],
            format!("using the previous version {}", fx.sd.path().join("ledger.json.prev").display())
        );
        let aside: Vec<String> = std::fs::read_dir(fx.sd.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("ledger.json.corrupt-"))
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(std::fs::read(fx.sd.path().join(&aside[0])).unwrap(), b"{\"schema_version\": 1, \"attempts\": {");
        // Loading again (no save in between) still finds the previous version.
        let (again, w2) = Ledger::load(&fx.sd).unwrap();
        assert_eq!(again, l);
        assert_eq!(w2.len(), 2, "{w2:?}");
    }

    #[test]
    fn corrupt_without_prev_starts_empty_and_newer_schema_is_refused() {
        let fx = fixture();
        std::fs::write(fx.sd.ledger_path(), b"\x00\x00").unwrap();
        let (l, w) = Ledger::load(&fx.sd).unwrap();
        assert_eq!(l, Ledger::default());
        assert_eq!(w[1], "no previous version; starting with an empty ledger");
        std::fs::write(fx.sd.ledger_path(), b"{\"schema_version\": 7}").unwrap();
        let err = Ledger::load(&fx.sd).unwrap_err().to_string();
        assert!(
            err.ends_with(
                "ledger.json: schema_version 7 is newer than this program supports (1); not read, not overwritten"
            ),
            "{err}"
        );
        assert!(Ledger::default().save(&fx.sd).is_err());
        assert_eq!(std::fs::read(fx.sd.ledger_path()).unwrap(), b"{\"schema_version\": 7}");
    }

    #[test]
    fn read_only_save_is_refused() {
        let fx = fixture();
        let ro = StateDir::open(fx.sd.path(), fx.sd.project_root(), &clock()).unwrap();
        assert!(matches!(sample().save(&ro).unwrap_err(), StoreError::ReadOnly { .. }));
        assert!(!fx.sd.ledger_path().exists());
    }
}
