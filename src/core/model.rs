//! The domain: a Run of Batches of Jobs, their results and findings.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// One phase as loaded from logs or a manifest.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Run {
    pub id: String,
    pub title: String,
    /// Absolute (or as given) root of the project the jobs wrote into.
    pub project_root: PathBuf,
    /// Ordered by `number`.
    pub batches: Vec<Batch>,
    /// Every input file that contributed facts, relative to the loaded path where possible.
    pub sources: Vec<String>,
    /// Optional planning / validation cost figures from the manifest.
    pub costs: Costs,
    /// Things that were unmatched, ambiguous or malformed; shown to the user.
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Costs {
    /// Tokens spent generating the prompts of one batch (a full restart pays this again).
    pub restart_tokens_per_batch: Option<u64>,
    /// Tokens one validation of one job costs.
    pub validate_tokens_per_job: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    /// 1-based order in the phase.
    pub number: u32,
    pub name: String,
    /// `None` = not declared (inferred later); `Some(vec![])` = declared independent.
    pub depends_on: Option<Vec<u32>>,
    pub jobs: Vec<Job>,
    /// The batch scripts or command lists that define it (relative to the project root), as
    /// found: what continues the phase from this batch.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scripts: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Job {
    /// Stable and unique in the run.
    pub id: String,
    pub batch: u32,
    /// Paths relative to `project_root`.
    pub outputs: Vec<String>,
    pub prompt: Option<Prompt>,
    /// The generator invocation (argv).
    pub command: Vec<String>,
    /// Validation commands (argv each).
    pub validate: Vec<Vec<String>>,
    pub result: JobResult,
    /// How each input was matched to this job ("joblog row 3 redirect names logs/b1-3.jsonl").
    pub matched_by: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Prompt {
    pub text: String,
    /// Where the text came from: `file:line` of a script, a prompt file, a session file.
    pub source: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Passed,
    Failed,
    #[default]
    NotRun,
    Running,
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::NotRun => "not_run",
            Status::Running => "running",
            Status::Unknown => "unknown",
        }
    }

    /// The job produced a result (it is not `not_run`).
    pub fn ran(self) -> bool {
        !matches!(self, Status::NotRun)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobResult {
    pub status: Status,
    pub exit_code: Option<i32>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    pub duration_s: Option<f64>,
    pub tokens: TokenUsage,
    /// The logs gave no token figures for this job (killed before its first usage event, no
    /// log, a Claude result whose usage is all zeros): `tokens` is then 0 meaning *unknown*,
    /// never a measured zero, and a cost estimate must stand in for it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tokens_unknown: bool,
    pub findings: Vec<Finding>,
    /// Worth showing, but not a failure on its own: commands the agent ran that failed,
    /// retry notices, tool errors it recovered from.
    pub evidence: Vec<Finding>,
    /// Log files of this job (stdout stream, stderr, ...).
    pub logs: Vec<String>,
    /// Agent-level failure text (turn.failed, no final event, is_error result ...).
    pub agent_error: Option<String>,
    /// Earlier attempts of the same job seen in the logs (joblog rows with the same Seq).
    pub earlier_attempts: u32,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    pub input: u64,
    pub cached_input: u64,
    pub output: u64,
}

impl TokenUsage {
    /// The cost measure used everywhere: input + output.
    pub fn total(&self) -> u64 {
        self.input.saturating_add(self.output)
    }

    pub fn is_zero(&self) -> bool {
        self.input == 0 && self.output == 0 && self.cached_input == 0
    }
}

/// One thing that is wrong, from a validation report, a tool's output or an agent log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Path relative to project_root when known (as written in the report before matching).
    pub file: Option<String>,
    pub line: Option<u32>,
    /// `SyntaxError`, `ModuleNotFoundError`, `E0432`, `TS2307`, `turn.failed` ...
    pub error_type: String,
    pub message: String,
    /// `path:line` of the log line that said it.
    pub source: String,
    /// Failure class name (see classify); filled in after ingest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
}

impl Finding {
    /// `path:line`, `path`, or `None` when the finding names no file.
    pub fn location(&self) -> Option<String> {
        match (&self.file, self.line) {
            (Some(p), Some(l)) => Some(format!("{p}:{l}")),
            (Some(p), None) => Some(p.clone()),
            _ => None,
        }
    }
}

impl AttemptOutcome {
    /// The outcome in the user's words.
    pub fn word(self) -> &'static str {
        match self {
            AttemptOutcome::Passed => "passed",
            AttemptOutcome::Failed => "failed",
            AttemptOutcome::Aborted => "aborted",
            AttemptOutcome::TimedOut => "timed out",
            AttemptOutcome::Running => "running",
            AttemptOutcome::Interrupted => "interrupted",
        }
    }

    /// A failed recovery for escalation (DESIGN.md §6 rule 1): it ran to the end and did not pass.
    pub fn counts_as_failed(self) -> bool {
        matches!(self, AttemptOutcome::Failed | AttemptOutcome::TimedOut)
    }
}

impl Run {
    pub fn job(&self, id: &str) -> Option<&Job> {
        self.jobs().find(|j| j.id == id)
    }

    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.batches.iter().flat_map(|b| b.jobs.iter())
    }

    pub fn batch(&self, number: u32) -> Option<&Batch> {
        self.batches.iter().find(|b| b.number == number)
    }
}

impl Batch {
    /// Aggregate status: failed if any job failed, passed if all passed, not_run if none ran.
    pub fn status(&self) -> Status {
        if self.jobs.iter().any(|j| j.result.status == Status::Failed) {
            Status::Failed
        } else if self.jobs.is_empty() || self.jobs.iter().all(|j| !j.result.status.ran()) {
            Status::NotRun
        } else if self.jobs.iter().all(|j| j.result.status == Status::Passed) {
            Status::Passed
        } else if self.jobs.iter().any(|j| j.result.status == Status::Running) {
            Status::Running
        } else {
            Status::Unknown
        }
    }

    pub fn ran(&self) -> bool {
        self.jobs.iter().any(|j| j.result.status.ran())
    }
}

/// How a recovery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    Passed,
    Failed,
    Aborted,
    TimedOut,
    /// Started and not ended yet.
    Running,
    /// Started, never ended: the tool was killed while it ran (found at the next writable open).
    Interrupted,
}

/// What an attempt was for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptKind {
    /// A revised prompt for a failed job of the failing batch.
    TargetedRecovery,
    /// The original prompt again (a transient failure).
    RetryAsIs,
    /// A later job re-run with its original prompt because what it reads was repaired; never
    /// counted towards escalation.
    Rerun,
}

impl AttemptKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptKind::TargetedRecovery => "targeted_recovery",
            AttemptKind::RetryAsIs => "retry_as_is",
            AttemptKind::Rerun => "rerun",
        }
    }

    /// A repair of a failed job (not a re-run of a stale one).
    pub fn is_repair(self) -> bool {
        !matches!(self, AttemptKind::Rerun)
    }
}

/// Where the generation prompt an attempt sent came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptOrigin {
    /// The configured reviser rewrote the recovery prompt.
    Reviser,
    /// The user edited it in `$EDITOR`.
    Edit,
    /// The job's original prompt, unchanged (a retry as is, a re-run of a stale job).
    Original,
    /// Built from the original prompt and the recovery prompt's fix, with no reviser or edit.
    Direct,
}

impl PromptOrigin {
    /// "the reviser", "your edit", "the original prompt", "the recovery prompt's fix".
    pub fn word(self) -> &'static str {
        match self {
            PromptOrigin::Reviser => "the reviser",
            PromptOrigin::Edit => "your edit",
            PromptOrigin::Original => "the original prompt",
            PromptOrigin::Direct => "the original prompt with the recovery prompt's fix",
        }
    }
}

/// One recovery try of one job (DESIGN.md §2).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    pub job: String,
    /// 1-based per job.
    pub number: u32,
    /// Snapshot taken before the attempt ran.
    pub snapshot: Option<String>,
    /// Files under the state dir holding the recovery prompt and the revised prompt.
    pub recovery_prompt: Option<String>,
    pub revised_prompt: Option<String>,
    pub kind: AttemptKind,
    pub command: Vec<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub exit_code: Option<i32>,
    pub findings: Vec<Finding>,
    pub outcome: AttemptOutcome,
    /// Short summary of what the attempt changed (diff stat), for the next attempt's prompt.
    #[serde(default)]
    pub changes: Option<String>,
    /// Where the prompt it sent came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt_origin: Option<PromptOrigin>,
}

/// Injected time, so that state and exports are deterministic in tests.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same time (tests).
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}
