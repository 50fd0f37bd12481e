//! The app's state. Drawing reads it (`&App`); `update` changes it and returns effects.
//! Each screen's own state lives in its file (`screens/<name>.rs`), gathered in `screens`.

use super::keymap::{Keymap, KeysNow};
use super::modal::Modal;
use super::screens::{Screen, States};
use super::theme::Theme;
use crate::app::project::Project;
use crate::core::decide::Verdict;
use crate::core::ingest::discover::Progress as LoadProgress;

#[derive(Debug, Clone, PartialEq)]
pub struct StatusLine {
    pub text: String,
    pub error: bool,
    /// The screen it was said on (it is shown there only).
    pub screen: Screen,
}

/// Why nothing can be written: another instance holds the state directory (its pid), or the
/// directory cannot be written.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadOnly {
    pub reason: String,
    pub pid: Option<u32>,
}

pub struct App {
    pub screen: Screen,
    pub screens: States,
    pub keymap: Keymap,
    pub theme: Theme,
    pub mouse: bool,
    /// The loaded project; `None` while loading, or while a project job has it (the runner
    /// holds the keys back until it is back).
    pub project: Option<Project>,
    pub loading: Option<LoadProgress>,
    pub load_error: Option<String>,
    pub read_only: Option<ReadOnly>,
    /// The journal's entries (read by the project jobs; the Log screen says them as sentences).
    pub journal: Vec<crate::store::journal::JournalEntry>,
    pub modal: Option<Modal>,
    pub status: Option<StatusLine>,
    /// Label of the work in progress (spinner shown while set).
    pub busy: Option<String>,
    /// Jobs whose attempts are running now.
    pub running: Vec<String>,
    pub tick: u64,
    /// Leave once nothing is in flight (attempts recorded, the project back).
    pub should_quit: bool,
    /// The terminal's size (from `Msg::Resize`).
    pub size: (u16, u16),
    /// Where `X` writes the rationale log instead of the state directory (the demo: the
    /// directory it was started in, since its copy is removed on quit).
    pub export_dir: Option<std::path::PathBuf>,
    /// The rationale logs written in this session.
    pub exported: Vec<std::path::PathBuf>,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme, mouse: bool) -> App {
        App {
            screen: Screen::Overview,
            screens: States::default(),
            keymap,
            theme,
            mouse,
            project: None,
            loading: Some(LoadProgress::default()),
            load_error: None,
            read_only: None,
            journal: Vec::new(),
            modal: None,
            status: None,
            busy: None,
            running: Vec::new(),
            tick: 0,
            should_quit: false,
            size: (80, 24),
            export_dir: None,
            exported: Vec::new(),
        }
    }

    pub fn set_status(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(StatusLine { text: text.into(), error, screen: self.screen });
    }

    /// The status line of the screen shown now.
    pub fn status_here(&self) -> Option<&StatusLine> {
        self.status.as_ref().filter(|s| s.screen == self.screen)
    }

    /// Lines of the body (the page for PgUp/PgDn): the screen less header, footer and status.
    pub fn page(&self) -> u16 {
        self.size.1.saturating_sub(8).max(2)
    }

    /// Why the app ends in error (the run could not be loaded): said after the terminal is
    /// restored, and the exit status is 2, as the CLI's.
    pub fn exit_error(&self) -> Option<String> {
        self.load_error.clone()
    }

    /// What the keys can do now (the footer and the header follow it).
    pub fn keys_now(&self) -> KeysNow {
        let can_recover = self.project.as_ref().is_some_and(|p| {
            let decided = p.decision.as_ref().is_some_and(|d| !d.escalated && d.verdict != Verdict::FullRestart);
            decided && p.progress.as_ref().is_some_and(|pr| pr.runnable_now().is_some())
        });
        KeysNow { read_only: self.read_only.is_some(), running: !self.running.is_empty(), can_recover }
    }

    /// Something moves on screen (the spinner): ticks are wanted.
    pub fn animating(&self) -> bool {
        self.busy.is_some() || self.loading.is_some() || !self.running.is_empty()
    }
}
