//! Decide which reader a file needs, by its content (formats are sniffed, not trusted by name).

use super::{claude, codex_json, codex_session, codex_text, joblog, script, validation};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Manifest,
    CodexJson,
    CodexSession,
    Claude,
    CodexText,
    Joblog,
    /// A shell script that calls a generator (or GNU parallel with a joblog).
    Script,
    /// One command per line, fed to GNU parallel or xargs.
    CommandList,
    Validation,
    Unknown,
}

/// `name` is the file name (only used to tell a script from a command list), `head` the first bytes.
pub fn sniff(name: &str, head: &[u8], generators: &[String]) -> Format {
    if head.is_empty() {
        return Format::Unknown;
    }
    if crate::core::manifest::looks_like(head) {
        return Format::Manifest;
    }
    let first = head.iter().position(|b| !b.is_ascii_whitespace()).map(|i| head[i]);
    if first == Some(b'{') {
        if codex_session::looks_like(head) {
            return Format::CodexSession;
        }
        if codex_json::looks_like(head) {
            return Format::CodexJson;
        }
        if claude::looks_like(head) {
            return Format::Claude;
        }
        return Format::Unknown;
    }
    if joblog::looks_like(head) {
        return Format::Joblog;
    }
    let text = String::from_utf8_lossy(head);
    if script::looks_like(&text, generators) {
        let is_script = name.ends_with(".sh") || name.ends_with(".bash") || text.starts_with("#!");
        return if is_script { Format::Script } else { Format::CommandList };
    }
    if codex_text::looks_like(&text) {
        return Format::CodexText;
    }
    if validation::looks_like(&text) {
        return Format::Validation;
    }
    Format::Unknown
}
