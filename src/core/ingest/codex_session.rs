//! Codex session files `rollout-*.jsonl` (formats/README.md §3): used to recover a prompt by thread id.

use super::ParseWarning;
use crate::core::model::TokenUsage;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Session {
    /// `session_meta.id` (= thread id of the exec stream), else from the file name.
    pub id: Option<String>,
    pub cwd: Option<String>,
    pub originator: Option<String>,
    /// The first `event_msg` `user_message` (else the first user `response_item` input_text).
    pub prompt: Option<String>,
    pub started_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Last `token_count.info.total_token_usage`.
    pub tokens: Option<TokenUsage>,
    /// Last `error` event message (with `codex_error_info` when present), or `turn_aborted` reason.
    pub error: Option<String>,
    /// `task_complete`/`turn_complete` seen.
    pub completed: bool,
    pub warnings: Vec<ParseWarning>,
}

pub fn parse(text: &str, source: &str) -> Session {
    let _ = (text, source);
    Session::default()
}

/// The thread id at the end of `rollout-2025-11-20T14-03-11-<thread_id>.jsonl`.
pub fn thread_id_from_file_name(name: &str) -> Option<String> {
    let _ = name;
    None
}

/// True when the first line is a session line (`{"timestamp":..,"type":"session_meta",...}`).
pub fn looks_like(head: &[u8]) -> bool {
    let _ = head;
    false
}
