//! A loaded project: the run, the config, the state directory (ledger, journal, snapshots),
//! and everything the core derives from them (decision, checklist, prompts). The CLI and the
//! TUI are two front ends over this one object, so they always show the same facts.

use crate::app::attempt_record;
use crate::config::Config;
use crate::core::checklist::{self, ChecklistItem, Facts};
use crate::core::classify::Classifier;
use crate::core::cost::Prices;
use crate::core::decide::{self, Decision, Verdict};
use crate::core::export::{self, ExportInput, SnapshotInfo};
use crate::core::ingest::discover::{self, LoadOptions, Progress as LoadProgress};
use crate::core::model::{Attempt, AttemptOutcome, Clock, Run, Status, SystemClock};
use crate::core::prompt::{self, RenderedPrompt, Templates};
use crate::core::status::{self, JobState, Progress};
use crate::core::words::count;
use crate::store::journal::{self, JournalEvent};
use crate::store::ledger::Ledger;
use crate::store::snapshot::{self, SnapshotManifest, SnapshotMeta};
use crate::store::StateDir;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Where to load from and how.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    pub path: Option<PathBuf>,
    pub state_dir: Option<PathBuf>,
    pub config: Option<PathBuf>,
    /// Only read: create no state directory, take no lock, write nothing (`plan`, `inspect` ...).
    pub read_only: bool,
}

impl OpenOptions {
    pub fn path(&self) -> PathBuf {
        self.path.clone().unwrap_or_else(|| PathBuf::from("."))
    }

    /// The directory the state dir defaults under: the path itself, a manifest's directory, or
    /// for a single log file the current directory (its project root, never the log's folder).
    pub fn project_dir(&self) -> PathBuf {
        let p = self.path();
        let dir = if p.is_dir() {
            p
        } else if crate::scan::is_manifest_file(&p) {
            p.parent().map(Path::to_path_buf).unwrap_or_default()
        } else {
            PathBuf::from(".")
        };
        if dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            dir
        }
    }

    pub fn state_dir(&self, config: Option<&Config>) -> PathBuf {
        self.state_dir
            .clone()
            .or_else(|| {
                config.and_then(|c| c.state_dir.clone()).map(|d| {
                    if d.is_absolute() {
                        d
                    } else {
                        self.project_dir().join(d)
                    }
                })
            })
            .unwrap_or_else(|| self.project_dir().join(".recover"))
    }
}

pub struct Project {
    pub run: Run,
    pub config: Config,
    pub state_dir: PathBuf,
    /// `None` when the state directory could not be opened at all (see `warnings`).
    pub store: Option<Arc<StateDir>>,
    pub templates: Templates,
    pub ledger: Ledger,
    pub facts: Facts,
    pub decision: Option<Decision>,
    /// The recovery's progress beside the decision (the run as it stands, DESIGN.md §2).
    pub progress: Option<Progress>,
    pub checklist: Vec<ChecklistItem>,
    pub snapshots: Vec<SnapshotInfo>,
    /// Problems found while opening (config, templates, state files), shown to the user.
    pub warnings: Vec<String>,
    /// Failed repairs per job as the journal records them: a floor under the ledger's counts.
    pub journal_failed_recoveries: BTreeMap<String, u32>,
    /// Set when the ledger could not be used (corrupt, newer, missing) and was rebuilt from the
    /// journal: no recovery runs in this invocation, so the user sees it first.
    pub ledger_problem: Option<String>,
    /// The text of earlier batches' outputs the decision needs to find interface mismatches
    /// (read once at open, only when a failure is shaped like one).
    pub output_texts: decide::OutputTexts,
}

/// The outputs `decide` asks for, read from the project (bounded, never outside the root).
fn output_texts(run: &Run) -> decide::OutputTexts {
    use crate::core::context::ProjectFiles;
    if !decide::interface::wanted(run) {
        return decide::OutputTexts::new();
    }
    let files = crate::app::files::DiskFiles::new(&run.project_root);
    decide::interface::texts_wanted(run).into_iter().filter_map(|rel| files.read(&rel).map(|t| (rel, t))).collect()
}

#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Load(#[from] discover::LoadError),
    #[error("{0}")]
    Other(String),
}

impl Project {
    pub fn open(opts: &OpenOptions) -> Result<Project, ProjectError> {
        Self::open_with_progress(opts, &|_| {})
    }

    pub fn open_with_progress(
        opts: &OpenOptions,
        progress: &(dyn Fn(LoadProgress) + Sync),
    ) -> Result<Project, ProjectError> {
        let first_state_dir = opts.state_dir(None);
        let config = Config::load(opts.config.as_deref(), Some(&first_state_dir))?;
        let state_dir = opts.state_dir(Some(&config));
        let load = LoadOptions {
            generators: config.commands.generator_names(),
            state_dir_name: state_dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| ".recover".into()),
            threads: 0,
        };
        // The built-in rules compile as they are first used; only the config's extra rules
        // (few, usually none) compile here, before anything is read, so a bad one is told at once.
        let classifier =
            Classifier::with_extra(&config.classify_rules()).map_err(|e| ProjectError::Other(e.to_string()))?;
        let mut run = crate::scan::read_with_progress(&opts.path(), &load, progress).and_then(|r| match r {
            crate::scan::Scan::Manifest(run) => Ok(run),
            crate::scan::Scan::Files(files) => files.merge(&load),
        })?;
        crate::core::failure::classify_run(&mut run, &classifier);

        let mut dirs = Vec::new();
        if let Some(user) = Config::user_path().and_then(|p| p.parent().map(|d| d.join("templates"))) {
            dirs.push(user);
        }
        dirs.push(prompt::override_dir(&state_dir));
        let (templates, mut warnings) = crate::app::files::templates(&dirs);
        warnings.extend(config.notes.iter().cloned());
        warnings.extend(templates.validate().iter().map(|e| e.to_string()));

        let store = open_store(&state_dir, &run.project_root, opts.read_only, &mut warnings);
        let mut ledger = Ledger::default();
        let mut ledger_problem = None;
        let entries = store.as_deref().map(|sd| journal::read(sd).0).unwrap_or_default();
        if let Some(sd) = &store {
            match Ledger::load(sd) {
                Ok((l, w)) => {
                    ledger = l;
                    ledger_problem = (!w.is_empty()).then(|| w.join("; "));
                    warnings.extend(w);
                }
                Err(e) => {
                    ledger_problem = Some(e.to_string());
                    warnings.push(e.to_string());
                }
            }
        }
        if let Some(problem) = &ledger_problem {
            let n = attempt_record::rebuild(&mut ledger, &entries);
            warnings.push(format!(
                "the ledger was rebuilt from the journal ({} put back) after: {problem}",
                count(n, "attempt")
            ));
            if let Some(sd) = store.as_deref().filter(|sd| !sd.is_read_only()) {
                if let Err(e) = ledger.save(sd) {
                    warnings.push(e.to_string());
                }
            }
        }
        let journal_failed_recoveries = attempt_record::failed_repairs(&entries);
        let interrupted = match &store {
            Some(sd) if !sd.is_read_only() => reconcile(sd, &mut ledger, &mut warnings),
            // Read only, with nobody holding the lock: a running attempt is an interrupted one.
            Some(sd) if !crate::store::lock::held(sd.path()) => mark_interrupted(&mut ledger),
            _ => Vec::new(),
        };
        if !interrupted.is_empty() {
            let what = if interrupted.len() == 1 { "an interrupted attempt" } else { "interrupted attempts" };
            warnings.push(format!(
                "{what} found and recorded: {} (recover-tui was stopped while they ran; they do not count as failed recoveries)",
                interrupted.join(", ")
            ));
        }
        let output_texts = output_texts(&run);
        let mut s = Project {
            run,
            output_texts,
            config,
            state_dir,
            store,
            templates,
            ledger,
            facts: Facts::default(),
            decision: None,
            progress: None,
            checklist: Vec::new(),
            snapshots: Vec::new(),
            warnings,
            journal_failed_recoveries,
            ledger_problem,
        };
        s.reload_snapshots();
        s.redecide();
        Ok(s)
    }

    /// A project over a run already in memory, with no state directory (benchmarks, tests).
    pub fn from_run(run: Run, config: Config, state_dir: PathBuf) -> Project {
        let mut p = Project {
            output_texts: output_texts(&run),
            run,
            config,
            state_dir,
            store: None,
            templates: Templates::embedded(),
            ledger: Ledger::default(),
            facts: Facts::default(),
            decision: None,
            progress: None,
            checklist: Vec::new(),
            snapshots: Vec::new(),
            warnings: Vec::new(),
            journal_failed_recoveries: BTreeMap::new(),
            ledger_problem: None,
        };
        p.redecide();
        p
    }

    pub fn prices(&self) -> Prices {
        Prices {
            input_per_mtok: self.config.prices.input_per_mtok,
            output_per_mtok: self.config.prices.output_per_mtok,
        }
    }

    /// Recompute the decision and the checklist from the current facts and ledger.
    pub fn redecide(&mut self) {
        let mut history = self.ledger.history();
        for (job, n) in &self.journal_failed_recoveries {
            let count = history.failed_recoveries.entry(job.clone()).or_default();
            *count = (*count).max(*n);
        }
        let input = decide::Input {
            run: &self.run,
            history: &history,
            thresholds: self.config.decision.thresholds(),
            overrides: &self.ledger.overrides,
            prices: self.prices(),
            outputs: &self.output_texts,
        };
        self.decision = decide::decide(&input);
        let max = self.config.decision.max_failed_recoveries;
        self.progress = self.decision.as_ref().map(|d| status::progress(&self.run, d, &self.ledger.attempts, max));
        self.facts.snapshot = self.covering_snapshot();
        self.checklist = match &self.decision {
            Some(d) => checklist::evaluate(&self.run, d, &self.facts, &self.ledger.checklist),
            None => Vec::new(),
        };
    }

    /// Read the system facts the checklist checks and decide again with them. `open` leaves
    /// them out (a plan does not need them); the checklist, recover, export and the app call this.
    pub fn check_facts(&mut self) {
        self.refresh_facts();
        self.redecide();
    }

    /// Re-read the system facts the checklist checks (processes, mtimes, git). They depend on
    /// the outputs to repair, which the decision names.
    pub fn refresh_facts(&mut self) {
        let root = self.run.project_root.clone();
        let mut programs: Vec<String> =
            crate::core::ingest::formats::GENERATORS.iter().map(|g| g.to_string()).collect();
        programs.extend(self.config.commands.generator_names());
        let outputs = self.repair_outputs();
        self.facts.generators_running = crate::app::facts::generators_running(&root, &programs);
        let ours_until = self
            .ledger
            .attempts
            .values()
            .flatten()
            .filter_map(|a| a.ended_at)
            .max()
            .map(|t| std::time::SystemTime::from(t) + Duration::from_secs(1));
        self.facts.recently_modified =
            crate::app::facts::recently_modified(&root, &outputs, Duration::from_secs(5), ours_until);
        self.facts.git_status = crate::app::facts::git_status(&root);
    }

    pub fn reload_snapshots(&mut self) {
        self.snapshots.clear();
        if let Some(sd) = &self.store {
            match snapshot::list(sd) {
                Ok((list, problems)) => {
                    self.snapshots = list.iter().map(snapshot_info).collect();
                    self.warnings.extend(problems);
                }
                Err(e) => self.warnings.push(e.to_string()),
            }
        }
    }

    /// The latest snapshot holding every output of the jobs to repair.
    fn covering_snapshot(&self) -> Option<String> {
        let outputs = self.repair_outputs();
        if outputs.is_empty() {
            return None;
        }
        // Any snapshot holding them: the failed outputs are kept even once a repair changed
        // them (each attempt still takes its own snapshot of the files as they are then).
        let covers = |s: &&SnapshotInfo| outputs.iter().all(|o| snapshot::covers(&s.paths, o));
        self.snapshots.iter().rev().find(covers).map(|s| s.id.clone())
    }

    /// The state of job `id` now (`None` when it is not in the run).
    pub fn job_state(&self, id: &str) -> Option<JobState> {
        let job = self.run.job(id)?;
        Some(self.progress.as_ref().map_or_else(|| JobState::from_logs(job.result.status), |p| p.state(job)))
    }

    /// Jobs the decision repairs: the failed jobs of the failing batch.
    pub fn jobs_to_repair(&self) -> Vec<String> {
        match &self.decision {
            Some(d) => self
                .run
                .batch(d.failing_batch)
                .map(|b| b.jobs.iter().filter(|j| j.result.status == Status::Failed).map(|j| j.id.clone()).collect())
                .unwrap_or_default(),
            None => Vec::new(),
        }
    }

    /// Output files of the jobs to repair.
    pub fn repair_outputs(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .jobs_to_repair()
            .iter()
            .filter_map(|j| self.run.job(j))
            .flat_map(|j| j.outputs.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Every attempt of every job, oldest first.
    pub fn attempts(&self) -> Vec<Attempt> {
        let mut v: Vec<Attempt> = self.ledger.attempts.values().flatten().cloned().collect();
        v.sort_by(|a, b| (a.started_at, &a.job, a.number).cmp(&(b.started_at, &b.job, b.number)));
        v
    }

    /// The recovery prompt of a job, with its earlier attempts.
    pub fn prompt_for(&self, job: &str) -> Result<RenderedPrompt, prompt::PromptError> {
        let attempts: Vec<Attempt> = self.ledger.attempts.get(job).cloned().unwrap_or_default();
        let full = self.decision.as_ref().is_some_and(|d| d.verdict == Verdict::FullRestart);
        let files = crate::app::files::DiskFiles::new(&self.run.project_root);
        prompt::recovery_prompt(&self.run, job, &self.templates, &attempts, full, &files)
    }

    /// Why nothing can be written (`None` when this instance holds the state directory).
    pub fn read_only_reason(&self) -> Option<String> {
        self.writable_store().err()
    }

    /// The pid of the other instance holding the state directory, when that is why it is read-only.
    pub fn held_by(&self) -> Option<u32> {
        self.store.as_ref().and_then(|s| s.held_by())
    }

    /// The writable store, or why there is none.
    pub fn writable_store(&self) -> Result<Arc<StateDir>, String> {
        let sd = self.store.clone().ok_or_else(|| {
            // Say why (a refused symlink in it, say): the warning open_store left.
            let why = self
                .warnings
                .iter()
                .find_map(|w| w.strip_prefix("state directory unavailable, nothing will be recorded: "));
            why.map(str::to_string)
                .unwrap_or_else(|| format!("{}: the state directory could not be opened", self.state_dir.display()))
        })?;
        if let Some(r) = sd.read_only_reason() {
            return Err(format!("{}: {r}", self.state_dir.display()));
        }
        Ok(sd)
    }

    /// Append an event to the journal (ignored with a warning when read-only).
    pub fn journal(&self, event: JournalEvent) -> Result<(), String> {
        let sd = self.writable_store()?;
        journal::append(&sd, &SystemClock, event).map(|_| ()).map_err(|e| e.to_string())
    }

    /// Save the ledger atomically.
    pub fn save_ledger(&self) -> Result<(), String> {
        let sd = self.writable_store()?;
        self.ledger.save(&sd).map_err(|e| e.to_string())
    }

    /// Journal lines for display: `2026-11-25 15:02:11  confirmed  item=dependencies_reviewed`.
    pub fn journal_lines(&self) -> (Vec<String>, Vec<String>) {
        let Some(sd) = &self.store else { return (Vec::new(), Vec::new()) };
        let (entries, warnings) = journal::read(sd);
        (entries.iter().map(journal_line).collect(), warnings)
    }

    /// Snapshot the outputs of the jobs to repair (or `paths`), journal it, and re-decide.
    pub fn take_snapshot(
        &mut self,
        paths: Option<Vec<String>>,
        reason: &str,
        job: Option<String>,
        batch: Option<u32>,
    ) -> Result<SnapshotInfo, String> {
        let sd = self.writable_store()?;
        let paths = paths.unwrap_or_else(|| self.repair_outputs());
        if paths.is_empty() {
            return Err("nothing to snapshot: no failed job names an output".into());
        }
        let info = snapshot_paths(&sd, &paths, reason, job, batch, &SystemClock)?;
        self.snapshots.push(info.clone());
        self.redecide();
        Ok(info)
    }

    pub fn export_markdown(&self, now: DateTime<Utc>) -> Option<String> {
        let d = self.decision.as_ref()?;
        let attempts = self.attempts();
        Some(export::markdown(&self.export_input(d, &attempts, now)))
    }

    pub fn export_json(&self, now: DateTime<Utc>) -> Option<String> {
        let d = self.decision.as_ref()?;
        let attempts = self.attempts();
        let plan = crate::core::export::plan_json(d, self.progress.as_ref());
        Some(export::to_safe_json(&export::json(&self.export_input(d, &attempts, now), plan)))
    }

    fn export_input<'a>(&'a self, d: &'a Decision, attempts: &'a [Attempt], now: DateTime<Utc>) -> ExportInput<'a> {
        ExportInput {
            run: &self.run,
            decision: d,
            checklist: &self.checklist,
            snapshots: &self.snapshots,
            attempts,
            progress: self.progress.as_ref(),
            generated_at: now,
        }
    }
}

/// The state directory: for a read-only open only an existing one, opened without a lock.
fn open_store(state_dir: &Path, root: &Path, read_only: bool, warnings: &mut Vec<String>) -> Option<Arc<StateDir>> {
    if read_only {
        // A symlink or a file there is refused by the store, which says why; nothing there is fine.
        if std::fs::symlink_metadata(state_dir).is_err() {
            return None;
        }
        return match StateDir::open_read_only(state_dir, root) {
            Ok(sd) => Some(Arc::new(sd)),
            Err(e) => {
                warnings.push(format!("the state directory is not used: {e}"));
                None
            }
        };
    }
    match StateDir::open(state_dir, root, &SystemClock) {
        Ok(sd) => {
            if let Some(r) = sd.read_only_reason() {
                warnings.push(format!("{}: {r}", state_dir.display()));
            }
            Some(Arc::new(sd))
        }
        Err(e) => {
            warnings.push(format!("state directory unavailable, nothing will be recorded: {e}"));
            None
        }
    }
}

/// Attempts left `running` (in the ledger, or started in the journal and never ended) become
/// `interrupted`, in memory. Returns them as `job #n`.
fn mark_interrupted(ledger: &mut Ledger) -> Vec<String> {
    let mut found = Vec::new();
    for a in ledger.attempts.values_mut().flatten().filter(|a| a.outcome == AttemptOutcome::Running) {
        a.outcome = AttemptOutcome::Interrupted;
        found.push(format!("{} #{}", a.job, a.number));
    }
    found
}

/// At a writable open nothing of ours runs, so every attempt still `running` was interrupted:
/// the journal is told (`attempt_ended`, `interrupted`) and the ledger saved, so the two agree.
fn reconcile(sd: &StateDir, ledger: &mut Ledger, warnings: &mut Vec<String>) -> Vec<String> {
    let (entries, _) = journal::read(sd);
    let ended: std::collections::BTreeSet<(String, u32)> = entries
        .iter()
        .filter_map(|e| match &e.event {
            JournalEvent::AttemptEnded { job, number, .. } => Some((job.clone(), *number)),
            _ => None,
        })
        .collect();
    let running: Vec<(String, u32)> = ledger
        .attempts
        .values()
        .flatten()
        .filter(|a| a.outcome == AttemptOutcome::Running)
        .map(|a| (a.job.clone(), a.number))
        .collect();
    let found = mark_interrupted(ledger);
    if found.is_empty() {
        return found;
    }
    for (job, number) in running.into_iter().filter(|k| !ended.contains(k)) {
        let event = JournalEvent::AttemptEnded {
            job,
            number,
            outcome: AttemptOutcome::Interrupted,
            exit_code: None,
            changes: None,
        };
        if let Err(e) = journal::append(sd, &SystemClock, event) {
            warnings.push(e.to_string());
        }
    }
    if let Err(e) = ledger.save(sd) {
        warnings.push(e.to_string());
    }
    found
}

/// Take a snapshot and journal it (usable off the UI thread with a shared StateDir).
pub fn snapshot_paths(
    sd: &StateDir,
    paths: &[String],
    reason: &str,
    job: Option<String>,
    batch: Option<u32>,
    clock: &dyn Clock,
) -> Result<SnapshotInfo, String> {
    let meta = SnapshotMeta { reason: reason.to_string(), job: job.clone(), batch, attempt: None };
    let m = snapshot::take(sd, paths, meta, clock).map_err(|e| e.to_string())?;
    let bytes = m.total_size();
    let event = JournalEvent::Snapshot {
        id: m.id.clone(),
        reason: reason.to_string(),
        job,
        batch,
        attempt: None,
        files: u32::try_from(m.files.len()).unwrap_or(u32::MAX),
        bytes,
    };
    journal::append(sd, clock, event)
        .map_err(|e| format!("snapshot {} was taken but could not be journalled: {e}", m.id))?;
    Ok(snapshot_info(&m))
}

/// One journal entry as a display line.
pub fn journal_line(e: &journal::JournalEntry) -> String {
    let detail = serde_json::to_value(&e.event)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .map(|o| {
            o.iter()
                .filter(|(k, v)| *k != "event" && !v.is_null())
                .map(|(k, v)| format!("{k}={}", v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    format!("{}  {:<16} {detail}", e.at.format("%Y-%m-%d %H:%M:%S"), e.event.name())
}

/// A job id as a file or directory name, through one collision-free mapping (DESIGN.md §12):
/// an id made only of ASCII letters, digits, `-`, `_` and `.` (not starting with `.`, at most
/// 64 bytes) is its own name; any other id becomes its readable part, `~`, and a hash of the
/// exact id. `~` never appears in a name of the first kind, so no two ids share a file.
pub fn safe_name(id: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
    if !id.is_empty() && id.len() <= 64 && !id.starts_with('.') && id.chars().all(plain) {
        return id.to_string();
    }
    use sha2::Digest;
    let hash = sha2::Sha256::digest(id.as_bytes());
    let readable: String = id.chars().filter(|c| plain(*c)).take(40).collect();
    let readable = readable.trim_start_matches('.');
    let hex: String = hash.iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("{readable}~{hex}")
}

pub fn snapshot_info(m: &SnapshotManifest) -> SnapshotInfo {
    SnapshotInfo {
        id: m.id.clone(),
        created_at: m.created_at,
        reason: m.reason.clone(),
        files: m.files.len(),
        job: m.job.clone(),
        paths: m.files.iter().map(|f| f.path.clone()).chain(m.dirs.iter().cloned()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_name;

    #[test]
    fn plain_ids_keep_their_names_and_others_never_collide() {
        assert_eq!(safe_name("b2-1"), "b2-1");
        assert_eq!(safe_name("b3-api_tests.v2"), "b3-api_tests.v2");
        let odd =
            ["fix one", "fix_one~0", "fix/one", "fix\\one", "../fix_one", ".fix_one", "fix\u{200b}_one", "ﬁx_one", ""];
        let mut names: Vec<String> = odd.iter().map(|id| safe_name(id)).collect();
        names.push(safe_name("fix_one"));
        let mut unique = names.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        for n in &names {
            assert!(!n.is_empty() && !n.contains('/') && !n.starts_with('.'), "{n}");
        }
        assert!(safe_name("fix one").starts_with("fixone~"));
        assert_eq!(safe_name(&"x".repeat(65)).len(), 40 + 1 + 16);
    }
}
