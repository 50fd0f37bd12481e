//! A loaded project: the run, the config, the state directory's facts, and everything the
//! core derives from them (decision, checklist, prompts). The CLI and the TUI are two front
//! ends over this one object, so they always show the same facts and decisions.

use crate::config::Config;
use crate::core::checklist::{self, ChecklistItem, Facts, Recorded};
use crate::core::classify::Classifier;
use crate::core::cost::Prices;
use crate::core::decide::{self, Decision, History, Overrides};
use crate::core::export::{self, ExportInput, SnapshotInfo};
use crate::core::ingest::discover::{self, LoadOptions, Progress};
use crate::core::model::{Attempt, Run, Status};
use crate::core::prompt::{self, RenderedPrompt, Templates};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where to load from and how.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub path: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
    pub config: Option<PathBuf>,
}

/// What the user recorded (kept in the ledger).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UserRecord {
    pub overrides: Overrides,
    pub checklist: BTreeMap<String, Recorded>,
    pub attempts: Vec<Attempt>,
}

pub struct Session {
    pub run: Run,
    pub config: Config,
    pub state_dir: PathBuf,
    pub templates: Templates,
    pub recorded: UserRecord,
    pub facts: Facts,
    pub decision: Option<Decision>,
    pub checklist: Vec<ChecklistItem>,
    pub snapshots: Vec<SnapshotInfo>,
    /// Problems found while opening (config, templates, state files), shown to the user.
    pub warnings: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Load(#[from] discover::LoadError),
    #[error("{0}")]
    Other(String),
}

impl OpenOptions {
    pub fn path(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(|| PathBuf::from("."))
    }

    /// The directory the state dir defaults under: the path itself, or a file's directory.
    pub fn project_dir(&self) -> PathBuf {
        let p = self.path();
        let dir = if p.is_dir() { p } else { p.parent().map(Path::to_path_buf).unwrap_or_default() };
        if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        }
    }

    pub fn state_dir(&self) -> PathBuf {
        self.state_dir.clone().unwrap_or_else(|| self.project_dir().join(".recover"))
    }
}

impl Session {
    pub fn open(opts: &OpenOptions) -> Result<Session, SessionError> {
        Self::open_with_progress(opts, &|_| {})
    }

    pub fn open_with_progress(opts: &OpenOptions, progress: &(dyn Fn(Progress) + Sync)) -> Result<Session, SessionError> {
        let state_dir = opts.state_dir();
        let config = Config::load(opts.config.as_deref(), Some(&state_dir))?;
        let classifier = Classifier::with_extra(&config.classify_rules()).map_err(|e| SessionError::Other(e.to_string()))?;
        let load = LoadOptions {
            generators: config.commands.generator_names(),
            state_dir_name: state_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| ".recover".into()),
            threads: 0,
        };
        let mut run = discover::load_with_progress(&opts.path(), &load, progress)?;
        crate::core::failure::classify_run(&mut run, &classifier);
        let mut dirs = Vec::new();
        if let Some(user) = Config::user_path().and_then(|p| p.parent().map(|d| d.join("templates"))) {
            dirs.push(user);
        }
        dirs.push(prompt::override_dir(&state_dir));
        let (templates, mut warnings) = Templates::load(&dirs);
        for e in templates.validate() {
            warnings.push(e.to_string());
        }
        let mut s = Session {
            run,
            config,
            state_dir,
            templates,
            recorded: UserRecord::default(),
            facts: Facts::default(),
            decision: None,
            checklist: Vec::new(),
            snapshots: Vec::new(),
            warnings,
        };
        s.refresh_facts();
        s.redecide();
        Ok(s)
    }

    pub fn history(&self) -> History {
        let mut h = History::default();
        for a in &self.recorded.attempts {
            if matches!(a.outcome, crate::core::model::AttemptOutcome::Failed | crate::core::model::AttemptOutcome::TimedOut) {
                *h.failed_recoveries.entry(a.job.clone()).or_insert(0) += 1;
            }
        }
        h
    }

    pub fn prices(&self) -> Prices {
        Prices { input_per_mtok: self.config.prices.input_per_mtok, output_per_mtok: self.config.prices.output_per_mtok }
    }

    /// Recompute the decision and the checklist from the current facts and overrides.
    pub fn redecide(&mut self) {
        let history = self.history();
        let input = decide::Input {
            run: &self.run,
            history: &history,
            thresholds: self.config.decision.thresholds(),
            overrides: &self.recorded.overrides,
            prices: self.prices(),
        };
        self.decision = decide::decide(&input);
        self.checklist = match &self.decision {
            Some(d) => checklist::evaluate(&self.run, d, &self.facts, &self.recorded.checklist),
            None => Vec::new(),
        };
    }

    /// Re-read the system facts the checklist checks (processes, mtimes, git).
    pub fn refresh_facts(&mut self) {
        let root = self.run.project_root.clone();
        let mut programs: Vec<String> = vec!["codex".into(), "claude".into()];
        programs.extend(self.config.commands.generator_names());
        let failed_outputs: Vec<String> =
            self.run.jobs().filter(|j| j.result.status == Status::Failed).flat_map(|j| j.outputs.iter().cloned()).collect();
        self.facts.generators_running = crate::core::facts::generators_running(&root, &programs);
        self.facts.recently_modified = crate::core::facts::recently_modified(&root, &failed_outputs, Duration::from_secs(5));
        self.facts.git_status = crate::core::facts::git_status(&root);
    }

    /// The recovery prompt of a job, with its earlier attempts.
    pub fn prompt_for(&self, job: &str) -> Result<RenderedPrompt, prompt::PromptError> {
        let attempts: Vec<Attempt> = self.recorded.attempts.iter().filter(|a| a.job == job).cloned().collect();
        let full = self.decision.as_ref().is_some_and(|d| d.verdict == decide::Verdict::FullRestart);
        prompt::recovery_prompt(&self.run, job, &self.templates, &attempts, full)
    }

    /// Jobs the decision repairs (failed jobs of the failing batch), else none.
    pub fn jobs_to_repair(&self) -> Vec<String> {
        match &self.decision {
            Some(d) if d.verdict != decide::Verdict::FullRestart => d.rerun_jobs.iter().map(|r| r.job.clone()).collect(),
            Some(d) => self.run.batch(d.failing_batch).map(|b| b.jobs.iter().filter(|j| j.result.status == Status::Failed).map(|j| j.id.clone()).collect()).unwrap_or_default(),
            None => Vec::new(),
        }
    }

    pub fn export_markdown(&self, now: DateTime<Utc>) -> Option<String> {
        let d = self.decision.as_ref()?;
        Some(export::markdown(&self.export_input(d, now)))
    }

    pub fn export_json(&self, now: DateTime<Utc>) -> Option<String> {
        let d = self.decision.as_ref()?;
        let plan = crate::cli::plan::plan_json(d);
        Some(export::to_safe_json(&export::json(&self.export_input(d, now), plan)))
    }

    fn export_input<'a>(&'a self, d: &'a Decision, now: DateTime<Utc>) -> ExportInput<'a> {
        ExportInput { run: &self.run, decision: d, checklist: &self.checklist, snapshots: &self.snapshots, attempts: &self.recorded.attempts, generated_at: now }
    }
}
