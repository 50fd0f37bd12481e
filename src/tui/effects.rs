//! Effects: what `update` asks the driver to do (IO, commands, the editor), and the
//! messages that come back. `update` never does IO itself.

use crate::app::project::Project;
use crate::core::export::SnapshotInfo;
use crate::store::journal::JournalEvent;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Save the ledger (what the user recorded) and journal `event`.
    Record {
        event: JournalEvent,
    },
    /// Snapshot the failed jobs' outputs.
    Snapshot {
        paths: Vec<String>,
        reason: String,
    },
    /// Write the rationale log (Markdown) into the state dir.
    Export,
    /// Edit a prompt in `$VISUAL`/`$EDITOR` (the driver suspends the terminal).
    Edit {
        job: String,
        text: String,
    },
    /// Copy text to the clipboard (OSC 52) and to a file as a fallback.
    Copy {
        job: String,
        text: String,
    },
    /// Run the configured reviser on a recovery prompt.
    Revise {
        job: String,
        prompt: String,
    },
    /// Run recovery attempts of these jobs (prompts: `crate::app::recovery::generation_prompt`).
    StartRecovery {
        jobs: Vec<String>,
    },
    /// Record the outcomes of the attempts that just ended.
    FinishAttempts {
        results: Vec<crate::app::recovery::Ended>,
    },
    Cancel,
    Restore {
        id: String,
    },
    Diff {
        id: String,
    },
    Quit,
}

/// Results of effects, and events from background work.
pub enum Msg {
    Key(ratatui::crossterm::event::KeyEvent),
    Mouse(ratatui::crossterm::event::MouseEvent),
    Resize,
    Tick,
    Progress(crate::core::ingest::discover::Progress),
    Loaded(Result<Box<Project>, String>),
    Recorded(Result<String, String>),
    Snapshotted(Result<SnapshotInfo, String>),
    Exported(Result<PathBuf, String>),
    Edited {
        job: String,
        result: Result<String, String>,
    },
    Copied(Result<String, String>),
    Revised {
        job: String,
        result: Result<String, String>,
    },
    /// A line of live output (or a state change) of one job's attempt.
    AttemptLine {
        job: String,
        line: String,
    },
    /// The attempts ended (`Err` for one that never ran).
    AttemptsDone(Vec<crate::app::recovery::Ended>),
    Restored(Result<String, String>),
    /// The snapshot list changed (after a restore).
    Snapshots(Vec<SnapshotInfo>),
    /// SIGTERM / SIGHUP: leave now.
    Terminate,
    DiffReady(Result<String, String>),
    Journal(Vec<String>),
}
