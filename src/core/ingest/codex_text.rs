//! Human-readable `codex exec` output captured to a file (formats/README.md §2).

use super::agent::{AgentLog, AgentLogKind};

pub fn parse(text: &str, source: &str) -> AgentLog {
    let _ = (text, source);
    AgentLog::new(AgentLogKind::CodexText)
}

/// True when the text looks like a codex human-readable log (`OpenAI Codex v...` header,
/// `[timestamp] OpenAI Codex`, `User instructions:`...), ANSI colour codes allowed.
pub fn looks_like(head: &str) -> bool {
    let _ = head;
    false
}
