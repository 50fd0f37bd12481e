//! `journal.jsonl`: append-only, one event per line, `{"at": "<RFC 3339 UTC>", "event": ..}`.
//!
//! An append opens the file with `O_APPEND`, writes the whole line in one `write_all` and fsyncs.
//! When the file does not end in `\n` (a line torn by a crash), the new line starts with one so
//! it stands on its own line. Reading skips unreadable lines and names them.

use super::{Result, StateDir, StoreError};
use crate::core::model::{AttemptOutcome, Clock};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Everything that happens, one variant per event type of DESIGN.md §12.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum JournalEvent {
    /// A run was loaded.
    Loaded {
        source: String,
        #[serde(default)]
        run_id: Option<String>,
        #[serde(default)]
        batches: u32,
        #[serde(default)]
        jobs: u32,
        #[serde(default)]
        warnings: u32,
    },
    /// The decision tree gave a verdict.
    Decided {
        verdict: String,
        scope: String,
        failing_batch: u32,
        #[serde(default)]
        escalated: bool,
        #[serde(default)]
        rerun_jobs: Vec<String>,
        #[serde(default)]
        summary: Option<String>,
    },
    /// The user answered a question differently from the tree.
    Overridden { question: String, answer: bool, reason: String },
    /// A checklist item was confirmed.
    Confirmed {
        item: String,
        #[serde(default)]
        by: Option<String>,
        #[serde(default)]
        reason: Option<String>,
    },
    /// A checklist item was waived.
    Waived {
        item: String,
        reason: String,
        #[serde(default)]
        by: Option<String>,
    },
    /// A snapshot was committed.
    Snapshot {
        id: String,
        reason: String,
        #[serde(default)]
        job: Option<String>,
        #[serde(default)]
        batch: Option<u32>,
        #[serde(default)]
        attempt: Option<u32>,
        #[serde(default)]
        files: u32,
        #[serde(default)]
        bytes: u64,
    },
    /// A snapshot was restored.
    Restore {
        snapshot: String,
        undo_snapshot: String,
        #[serde(default)]
        written: u32,
        #[serde(default)]
        deleted: u32,
    },
    AttemptStarted {
        job: String,
        number: u32,
        kind: crate::core::model::AttemptKind,
        #[serde(default)]
        snapshot: Option<String>,
    },
    AttemptEnded {
        job: String,
        number: u32,
        outcome: AttemptOutcome,
        #[serde(default)]
        exit_code: Option<i32>,
        #[serde(default)]
        changes: Option<String>,
    },
    /// Recovery gave way to a full restart.
    Escalated {
        #[serde(default)]
        job: Option<String>,
        reason: String,
        #[serde(default)]
        failed_recoveries: u32,
    },
    /// The rationale log was exported.
    Exported {
        format: String,
        #[serde(default)]
        path: Option<String>,
    },
    /// An inferred dependency edge was confirmed by the user.
    EdgeConfirmed {
        edge: String,
        #[serde(default)]
        reason: Option<String>,
    },
    /// An inferred dependency edge was rejected by the user.
    EdgeRejected {
        edge: String,
        #[serde(default)]
        reason: Option<String>,
    },
    /// The user approved a job's own validation commands (written in the project) to run.
    ValidationApproved { job: String, commands: Vec<Vec<String>> },
}

impl JournalEvent {
    /// The `event` tag.
    pub fn name(&self) -> &'static str {
        match self {
            JournalEvent::Loaded { .. } => "loaded",
            JournalEvent::Decided { .. } => "decided",
            JournalEvent::Overridden { .. } => "overridden",
            JournalEvent::Confirmed { .. } => "confirmed",
            JournalEvent::Waived { .. } => "waived",
            JournalEvent::Snapshot { .. } => "snapshot",
            JournalEvent::Restore { .. } => "restore",
            JournalEvent::AttemptStarted { .. } => "attempt_started",
            JournalEvent::AttemptEnded { .. } => "attempt_ended",
            JournalEvent::Escalated { .. } => "escalated",
            JournalEvent::Exported { .. } => "exported",
            JournalEvent::EdgeConfirmed { .. } => "edge_confirmed",
            JournalEvent::EdgeRejected { .. } => "edge_rejected",
            JournalEvent::ValidationApproved { .. } => "validation_approved",
        }
    }
}

/// One line of the journal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub at: DateTime<Utc>,
    #[serde(flatten)]
    pub event: JournalEvent,
}

/// Append `event` stamped with `clock.now()`; durable when this returns. The journal is opened
/// without following a symlink and must be a plain file with a single link.
pub fn append(sd: &StateDir, clock: &dyn Clock, event: JournalEvent) -> Result<JournalEntry> {
    let path = sd.journal_path();
    sd.ensure_writable(&path)?;
    let entry = JournalEntry { at: clock.now(), event };
    let mut line =
        serde_json::to_vec(&entry).map_err(|e| StoreError::Corrupt { path: path.clone(), message: e.to_string() })?;
    line.push(b'\n');
    let (mut f, created) = sd.dir().open_append(Path::new(JOURNAL)).map_err(|e| StoreError::io(&path, e))?;
    let len = f.metadata().map_err(|e| StoreError::io(&path, e))?.len();
    if len > 0 {
        let mut last = [0u8; 1];
        f.seek(SeekFrom::Start(len - 1)).and_then(|_| f.read_exact(&mut last)).map_err(|e| StoreError::io(&path, e))?;
        if last[0] != b'\n' {
            line.insert(0, b'\n');
        }
    }
    f.write_all(&line).map_err(|e| StoreError::io(&path, e))?;
    f.sync_data().map_err(|e| StoreError::io(&path, e))?;
    if created {
        sd.dir().sync().map_err(|e| StoreError::io(sd.path(), e))?;
    }
    Ok(entry)
}

/// The journal's name in the state directory.
pub const JOURNAL: &str = "journal.jsonl";

/// Every readable entry, in file order, and a warning naming each unreadable line.
pub fn read(sd: &StateDir) -> (Vec<JournalEntry>, Vec<String>) {
    let path = sd.journal_path();
    let bytes = match sd.dir().read(Path::new(JOURNAL)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (Vec::new(), Vec::new()),
        Err(e) => return (Vec::new(), vec![StoreError::io(&path, e).to_string()]),
    };
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    let ends_torn = bytes.last().is_some_and(|b| *b != b'\n');
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let last_index = lines.len().saturating_sub(1);
    for (i, raw) in lines.iter().enumerate() {
        if raw.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<JournalEntry>(raw) {
            Ok(e) => entries.push(e),
            Err(err) => {
                let what =
                    if ends_torn && i == last_index { "torn last line skipped" } else { "unreadable line skipped" };
                warnings.push(format!("{}:{}: {what}: {err}", path.display(), i + 1));
            }
        }
    }
    (entries, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::snapshot::tests::{clock, fixture};

    fn all_events() -> Vec<JournalEvent> {
        vec![
            JournalEvent::Loaded {
                source: "logs/".into(),
                run_id: Some("phase-2".into()),
                batches: 5,
                jobs: 40,
                warnings: 1,
            },
            JournalEvent::Decided {
                verdict: "targeted_recovery".into(),
                scope: "fix_batch_only".into(),
                failing_batch: 3,
                escalated: false,
                rerun_jobs: vec!["b3-api".into()],
                summary: None,
            },
            JournalEvent::Overridden { question: "Q3".into(), answer: false, reason: "typo".into() },
            JournalEvent::Confirmed { item: "outputs-backed-up".into(), by: Some("luce".into()), reason: None },
            JournalEvent::Waived { item: "tests-green".into(), reason: "no tests".into(), by: None },
            JournalEvent::Snapshot {
                id: "20261125T140311Z-0a1b2c3d".into(),
                reason: "before attempt 1".into(),
                job: Some("b3-api".into()),
                batch: Some(3),
                attempt: Some(1),
                files: 2,
                bytes: 120,
            },
            JournalEvent::Restore { snapshot: "a".into(), undo_snapshot: "b".into(), written: 2, deleted: 1 },
            JournalEvent::AttemptStarted {
                job: "b3-api".into(),
                number: 1,
                kind: crate::core::model::AttemptKind::TargetedRecovery,
                snapshot: None,
            },
            JournalEvent::AttemptEnded {
                job: "b3-api".into(),
                number: 1,
                outcome: AttemptOutcome::TimedOut,
                exit_code: Some(124),
                changes: Some("1 file changed, +3 -1".into()),
            },
            JournalEvent::Escalated {
                job: Some("b3-api".into()),
                reason: "2 failed recoveries".into(),
                failed_recoveries: 2,
            },
            JournalEvent::Exported { format: "md".into(), path: Some("NOTE.md".into()) },
            JournalEvent::EdgeConfirmed { edge: "b4<-b3".into(), reason: None },
            JournalEvent::EdgeRejected { edge: "b5<-b3".into(), reason: Some("mentions only".into()) },
        ]
    }

    #[test]
    fn every_event_round_trips_one_per_line() {
        let fx = fixture();
        for e in all_events() {
            append(&fx.sd, &clock(), e).unwrap();
        }
        let text = std::fs::read_to_string(fx.sd.journal_path()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 13);
        assert_eq!(lines[10], r#"{"at":"2026-11-25T14:03:11Z","event":"exported","format":"md","path":"NOTE.md"}"#);
        assert!(lines[8].contains(r#""event":"attempt_ended""#) && lines[8].contains(r#""outcome":"timed_out""#));
        let (entries, warnings) = read(&fx.sd);
        assert!(warnings.is_empty(), "{warnings:?}");
        let events: Vec<JournalEvent> = entries.iter().map(|e| e.event.clone()).collect();
        assert_eq!(events, all_events());
        for (e, l) in entries.iter().zip(&lines) {
            assert!(l.contains(&format!("\"event\":\"{}\"", e.event.name())));
        }
    }

    #[test]
    fn torn_last_line_is_skipped_and_the_next_append_starts_a_new_line() {
        let fx = fixture();
        append(&fx.sd, &clock(), JournalEvent::Exported { format: "md".into(), path: None }).unwrap();
        let mut f = std::fs::OpenOptions::new().append(true).open(fx.sd.journal_path()).unwrap();
        f.write_all(br#"{"at":"2026-11-25T14:03:11Z","event":"snap"#).unwrap();
        drop(f);
        let (entries, warnings) = read(&fx.sd);
        assert_eq!(entries.len(), 1);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with(&format!("{}:2: torn last line skipped", fx.sd.journal_path().display())),
            "{}",
            warnings[0]
        );
        append(&fx.sd, &clock(), JournalEvent::Exported { format: "json".into(), path: None }).unwrap();
        let text = std::fs::read_to_string(fx.sd.journal_path()).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.ends_with("\"event\":\"exported\",\"format\":\"json\",\"path\":null}\n"), "{text}");
        let (entries, warnings) = read(&fx.sd);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].event, JournalEvent::Exported { format: "json".into(), path: None });
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains(":2: unreadable line skipped"), "{}", warnings[0]);
    }

    #[test]
    fn unknown_events_and_garbage_lines_are_named() {
        let fx = fixture();
        std::fs::write(
            fx.sd.journal_path(),
            b"{\"at\":\"2026-11-25T14:03:11Z\",\"event\":\"from_the_future\"}\n\xff\xfe\n\n{\"at\":\"2026-11-25T14:03:11Z\",\"event\":\"exported\",\"format\":\"md\"}\n",
        )
        .unwrap();
        let (entries, warnings) = read(&fx.sd);
        assert_eq!(entries.len(), 1);
        assert_eq!(warnings.len(), 2);
        assert!(warnings[0].contains("journal.jsonl:1: unreadable line skipped"), "{}", warnings[0]);
        assert!(warnings[1].contains("journal.jsonl:2: unreadable line skipped"), "{}", warnings[1]);
    }

    #[test]
    fn text_with_newlines_stays_on_one_line() {
        let fx = fixture();
        append(
            &fx.sd,
            &clock(),
            JournalEvent::Waived { item: "x".into(), reason: "a\nb\r\n\u{1b}[31m".into(), by: None },
        )
        .unwrap();
        assert_eq!(std::fs::read_to_string(fx.sd.journal_path()).unwrap().lines().count(), 1);
        assert_eq!(read(&fx.sd).0.len(), 1);
    }

    #[test]
    fn read_only_append_is_refused() {
        let fx = fixture();
        let ro = StateDir::open(fx.sd.path(), fx.sd.project_root(), &clock()).unwrap();
        let err = append(&ro, &clock(), JournalEvent::Exported { format: "md".into(), path: None }).unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly { .. }));
        assert!(!fx.sd.journal_path().exists());
    }
}
