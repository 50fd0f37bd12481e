//! Effects: what `update` asks the runner to do (work on the project, commands, the editor),
//! and the messages that come back. `update` never does IO itself; the runner performs these
//! off the UI task and feeds the results back as [`Msg`]s.

use super::recovery::{Prepared, PromptView, ReviseRequest, Started, Summary};
use crate::app::commands::{CommandError, Mark, Question};
use crate::app::project::Project;
use crate::core::ingest::discover::Progress as LoadProgress;
use crate::core::model::PromptOrigin;
use crate::store::journal::JournalEntry;
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use std::path::PathBuf;

/// Work on the project. The runner moves the project out of the app into a blocking task,
/// does the work there (every write through `app::commands`), and sends it back with the
/// result in [`Msg::Back`]. One at a time, in the order asked; keys wait meanwhile.
#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    Mark(Vec<Mark>),
    Override {
        question: Question,
        answer: Option<bool>,
        reason: String,
    },
    /// Snapshot the outputs of the jobs to repair.
    Snapshot,
    /// Approve the validation commands written in the project for these jobs (journalled).
    ApproveValidation {
        jobs: Vec<String>,
    },
    Restore {
        id: String,
    },
    /// Write the rationale log (Markdown) into the state directory, or into `dir` when given
    /// (the directory the demo was started in: its state directory is removed on quit).
    Export {
        dir: Option<PathBuf>,
    },
    /// Save the generation prompt to send for a job (from the editor or the reviser).
    SavePrompt {
        job: String,
        text: String,
        origin: PromptOrigin,
    },
    /// Render the recovery prompt and the generation prompt to send (reads code context).
    PromptView {
        inputs: super::screens::prompt::Inputs,
    },
    /// The diff of a snapshot against the current files.
    Diff {
        id: String,
    },
    /// What `R` would run: the jobs of the next step and every command (dry run).
    PrepareRecovery,
    /// Snapshot first, then record the attempts of these jobs as running.
    BeginRecovery {
        jobs: Vec<String>,
    },
    /// Record the outcomes of attempts that ended (aborted ones too).
    FinishRecovery {
        started: Started,
        results: Vec<crate::app::recovery::Ended>,
    },
    /// The reviser's input: the job's recovery prompt (never an earlier revision).
    PrepareRevise {
        job: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Project(Job),
    /// Run the attempts `Job::BeginRecovery` recorded (async; lines and the end come back).
    RunAttempts(Started),
    /// Run the configured reviser (async).
    Revise(ReviseRequest),
    /// Edit text in `$VISUAL`/`$EDITOR` (the runner hands the terminal over meanwhile).
    Edit {
        job: String,
        text: String,
    },
    /// Copy text to the clipboard (OSC 52), and to a file when given: (state directory, the
    /// file's path inside it).
    Copy {
        text: String,
        file: Option<(PathBuf, PathBuf)>,
    },
    /// Cancel running attempts and the reviser.
    Cancel,
    SetMouse(bool),
}

/// What a [`Job`] gave.
#[derive(Debug)]
pub enum Done {
    /// A write through `app::commands`: what it said, or its refusal.
    Said(Result<String, CommandError>),
    Saved {
        job: String,
        origin: PromptOrigin,
        result: Result<PathBuf, CommandError>,
    },
    Exported(Result<PathBuf, CommandError>),
    PromptView(Box<PromptView>),
    Diff {
        id: String,
        result: Result<String, String>,
    },
    Prepared(Result<Prepared, String>),
    Began(Result<Started, String>),
    Finished(Result<Summary, String>),
    ReviseReady {
        job: String,
        result: Result<ReviseRequest, String>,
    },
}

/// A loaded project and its journal.
pub struct Loaded {
    pub project: Box<Project>,
    pub journal: Vec<JournalEntry>,
}

/// Input, results of effects, and events from background work.
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// The terminal's size (at start and on resize).
    Resize(u16, u16),
    Tick,
    Progress(LoadProgress),
    Loaded(Result<Loaded, String>),
    /// The project is back from a [`Job`], with what it gave and (after a job that journals)
    /// the journal.
    Back {
        project: Box<Project>,
        done: Done,
        journal: Option<Vec<JournalEntry>>,
    },
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
    AttemptsDone {
        started: Started,
        results: Vec<crate::app::recovery::Ended>,
    },
    /// SIGTERM, SIGHUP, SIGINT, or the terminal closed: stop everything and leave.
    Interrupted(String),
}
