//! The common summary every agent log reader (Codex JSONL, Codex text, Claude) returns.

use super::ParseWarning;
use crate::core::model::{Finding, TokenUsage};
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentLogKind {
    /// `codex exec --json`, current thread/turn/item generation.
    CodexJson,
    /// Early experimental JSON (`session.created`, `item_type`).
    CodexJsonEarly,
    /// Oldest raw `--json` (`{"id","msg"}` events, carries the prompt).
    CodexJsonOldest,
    /// Human-readable `codex exec` output (stderr, tee'd).
    CodexText,
    /// `claude -p --output-format json` or `stream-json`.
    Claude,
}

/// What one agent log says about its job.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentLog {
    pub kind: AgentLogKind,
    /// `thread_id` / session id when the log carries one.
    pub thread_id: Option<String>,
    /// The prompt, for the formats that carry it (oldest JSON, text log).
    pub prompt: Option<String>,
    /// Working directory the agent reported (text log `workdir:`, Claude `cwd`).
    pub cwd: Option<String>,
    /// A final event (turn.completed / turn.failed / task_complete / result) was seen.
    pub finished: bool,
    /// Agent-level failure: `turn.failed` message, `is_error` result text, `ERROR:` line,
    /// or "no final event" when the stream stops early. `None` = the agent finished cleanly.
    pub failure: Option<String>,
    /// Token usage (the last running total seen).
    pub tokens: Option<TokenUsage>,
    /// The agent's final message (Codex's last `agent_message`, the text log's last `codex`
    /// block, Claude's `result` text): what a false success (DESIGN.md §2) is read from.
    pub final_message: Option<String>,
    /// The run was retried by the tool itself (Claude `api_retry` / `rate_limit_event` frames,
    /// Codex reconnect notices): how many times. Retries in progress are not failures.
    pub retries: usize,
    /// Files the agent wrote, as written in the log (often absolute), in first-seen order, no repeats.
    pub files_written: Vec<String>,
    /// Evidence worth showing that did not fail the turn: failed commands the agent ran,
    /// tool errors, warnings. `file`/`line` are filled when the text names them.
    pub evidence: Vec<Finding>,
    /// Retry notices (`Reconnecting... 1/5 ...`): not failures on their own.
    pub notices: Vec<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Duration reported by the log itself (Claude `duration_ms`), in seconds.
    pub duration_s: Option<f64>,
    /// Number of lines read.
    pub lines: usize,
    pub warnings: Vec<ParseWarning>,
}

impl AgentLog {
    pub fn new(kind: AgentLogKind) -> Self {
        AgentLog {
            kind,
            thread_id: None,
            prompt: None,
            cwd: None,
            finished: false,
            failure: None,
            tokens: None,
            final_message: None,
            retries: 0,
            files_written: Vec::new(),
            evidence: Vec::new(),
            notices: Vec::new(),
            started_at: None,
            ended_at: None,
            duration_s: None,
            lines: 0,
            warnings: Vec::new(),
        }
    }

    /// Record the agent's latest message (the last one is its final message).
    pub fn set_final_message(&mut self, text: &str) {
        let t = text.trim();
        if !t.is_empty() {
            self.final_message = Some(crate::core::ingest::evidence::clip(t, 2000));
        }
    }

    /// Add a written file once.
    pub fn add_file(&mut self, path: &str) {
        if !path.is_empty() && !self.files_written.iter().any(|p| p == path) {
            self.files_written.push(path.to_string());
        }
    }
}
