//! The app's state. Rendering reads it (`&App`); `update` changes it and returns effects.

use super::action::Screen;
use super::keymap::Keymap;
use super::theme::Theme;
use crate::app::project::Project;
use crate::core::ingest::discover::Progress;
use ratatui::layout::Rect;
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::time::Instant;

/// Positions of jobs in the run: (batch index, job index in the batch).
pub type JobList = std::rc::Rc<Vec<(usize, usize)>>;

/// What a mouse click at a place of the last frame means (written while rendering).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    Tab(Screen),
    /// A list whose row at `top` shows item `first`.
    Row {
        first: usize,
        top: u16,
    },
}

/// Why the reason box is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasonFor {
    /// Override question `step` (`Q2`/`Q3`) with `answer`.
    Override { step: String, answer: bool },
    /// Waive checklist item `id`.
    Waive { id: String },
}

/// A box over the screen that takes the keys while open.
#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    Reason { purpose: ReasonFor, text: String },
    Filter { text: String },
    Confirm { question: String, effect: Box<super::effects::Effect> },
    Help { query: String, searching: bool },
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusLine {
    pub text: String,
    pub error: bool,
}

/// Live output of one job's attempt on the Run screen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobRunView {
    pub lines: Vec<String>,
    pub state: String,
}

pub struct App {
    pub screen: Screen,
    pub keymap: Keymap,
    pub theme: Theme,
    pub mouse: bool,
    pub project: Option<Project>,
    pub loading: Option<Progress>,
    pub load_error: Option<String>,
    pub started: Instant,
    /// Overview: focused pane (0 jobs, 1 details) and the selected row of the filtered job list.
    pub pane: usize,
    pub job_sel: usize,
    pub filter: String,
    pub detail_scroll: u16,
    pub decision_sel: usize,
    pub checklist_sel: usize,
    pub prompt_job: usize,
    pub prompt_scroll: u16,
    /// Revised prompts by job (from the editor or the reviser).
    pub revised: BTreeMap<String, String>,
    pub show_prompt_diff: bool,
    pub run_views: BTreeMap<String, JobRunView>,
    pub running: bool,
    pub snapshot_sel: usize,
    pub diff_text: Option<String>,
    pub diff_scroll: u16,
    pub journal: Vec<String>,
    pub log_scroll: u16,
    pub modal: Option<Modal>,
    pub status: Option<StatusLine>,
    /// Label of the command in progress (spinner shown while set).
    pub busy: Option<String>,
    pub tick: u64,
    pub should_quit: bool,
    /// Last known body area height, for page up/down.
    pub page: u16,
    /// Click targets of the last frame (render-time cache).
    pub hits: RefCell<Vec<(Rect, Hit)>>,
    /// The filtered job list for `filter` (derived-data cache).
    filtered: RefCell<Option<(String, JobList)>>,
}

impl App {
    pub fn new(keymap: Keymap, theme: Theme, mouse: bool) -> App {
        App {
            screen: Screen::Overview,
            keymap,
            theme,
            mouse,
            project: None,
            loading: Some(Progress::default()),
            load_error: None,
            started: Instant::now(),
            pane: 0,
            job_sel: 0,
            filter: String::new(),
            detail_scroll: 0,
            decision_sel: 0,
            checklist_sel: 0,
            prompt_job: 0,
            prompt_scroll: 0,
            revised: BTreeMap::new(),
            show_prompt_diff: false,
            run_views: BTreeMap::new(),
            running: false,
            snapshot_sel: 0,
            diff_text: None,
            diff_scroll: 0,
            journal: Vec::new(),
            log_scroll: 0,
            modal: None,
            status: None,
            busy: None,
            tick: 0,
            should_quit: false,
            page: 20,
            hits: RefCell::new(Vec::new()),
            filtered: RefCell::new(None),
        }
    }

    /// Jobs shown on the overview, after the filter: (batch index, job index in batch).
    /// The filter matches id, outputs, status and `batchN`. Cached per filter text, so a run of
    /// 100,000 jobs is not re-filtered on every frame.
    pub fn visible_jobs(&self) -> JobList {
        if let Some((f, v)) = self.filtered.borrow().as_ref() {
            if *f == self.filter {
                return v.clone();
            }
        }
        let v = std::rc::Rc::new(self.filter_jobs());
        *self.filtered.borrow_mut() = Some((self.filter.clone(), v.clone()));
        v
    }

    fn filter_jobs(&self) -> Vec<(usize, usize)> {
        let Some(s) = &self.project else { return Vec::new() };
        let f = self.filter.to_ascii_lowercase();
        let mut out = Vec::new();
        for (bi, b) in s.run.batches.iter().enumerate() {
            for (ji, j) in b.jobs.iter().enumerate() {
                let hit = f.is_empty()
                    || j.id.to_ascii_lowercase().contains(&f)
                    || j.outputs.iter().any(|o| o.to_ascii_lowercase().contains(&f))
                    || j.result.status.as_str() == f
                    || format!("batch{}", b.number) == f;
                if hit {
                    out.push((bi, ji));
                }
            }
        }
        out
    }

    /// Forget cached derived data (after the run changes).
    pub fn invalidate(&self) {
        *self.filtered.borrow_mut() = None;
    }

    pub fn selected_job(&self) -> Option<&crate::core::model::Job> {
        let s = self.project.as_ref()?;
        let (bi, ji) = *self.visible_jobs().get(self.job_sel)?;
        s.run.batches.get(bi)?.jobs.get(ji)
    }

    /// The job the Prompt screen shows.
    pub fn prompt_job_id(&self) -> Option<String> {
        let s = self.project.as_ref()?;
        s.jobs_to_repair().get(self.prompt_job).cloned()
    }

    pub fn set_status(&mut self, text: impl Into<String>, error: bool) {
        self.status = Some(StatusLine { text: text.into(), error });
    }
}
