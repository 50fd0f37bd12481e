//! Claude Code headless output: `-p --output-format json` and `stream-json` (formats/README.md §4).

use super::agent::{AgentLog, AgentLogKind};

/// Parse either form. `failure` holds the error text chosen in the order of formats §4
/// (`errors`, then `result`, then `subtype`, then `api_error_status`) when `is_error` is true.
pub fn parse(text: &str, source: &str) -> AgentLog {
    let _ = (text, source);
    AgentLog::new(AgentLogKind::Claude)
}

/// The revised prompt of a successful reviser run: the `result` text of a `result` object
/// that is not an error. `None` when the output holds no successful result.
pub fn result_text(text: &str) -> Option<String> {
    let _ = text;
    None
}

pub fn looks_like(head: &[u8]) -> bool {
    let _ = head;
    false
}
