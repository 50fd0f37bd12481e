//! Human-readable `codex exec` output captured to a file (formats/README.md §2).
//!
//! Shape (colour codes stripped first):
//! ```text
//! OpenAI Codex v0.63.0 (research preview)
//! --------
//! workdir: /home/dev/app
//! session id: 0199b5c2-...
//! --------
//! user
//! <the prompt>
//! thinking | exec | codex | file update | tokens used | ERROR: ... | warning: ...
//! ```
//! Very old builds prefix event lines with `[2025-08-01T10:00:00] ` and put the prompt under
//! `User instructions:`; their `exec` and `tokens used:` carry the value on the same line.

use super::codex_json::NO_FINAL_EVENT;
use crate::core::ingest::agent::{AgentLog, AgentLogKind};
use crate::core::ingest::evidence::failed_command_finding;
use crate::core::model::{Finding, TokenUsage};
use chrono::{DateTime, NaiveDateTime, Utc};
use regex::Regex;
use std::sync::OnceLock;

/// Read a text log. `tokens` holds the one number the log gives (`tokens used`, a blended
/// total) as `input`, with `output` and `cached_input` 0: the text format has no split.
/// `finished` means a `tokens used` line or a final `codex` message was seen; `failure` is the
/// last `ERROR:` line (or `task interrupted`), else "no final event" when the log just stops.
/// The process exit code is not in the log.
pub fn parse(text: &str, source: &str) -> AgentLog {
    let text = strip_ansi(text);
    let mut p = TextParser::new(source);
    for (i, raw) in text.lines().enumerate() {
        p.line(i + 1, raw.trim_end_matches('\r'));
    }
    p.finish()
}

/// True when the text looks like a codex human-readable log (`OpenAI Codex v...` header,
/// `[timestamp] OpenAI Codex`, `User instructions:`...), ANSI colour codes allowed.
pub fn looks_like(head: &str) -> bool {
    strip_ansi(head).lines().take(40).any(|l| {
        let (_, l) = split_timestamp(l.trim_end_matches('\r'));
        let l = l.trim();
        l.starts_with("OpenAI Codex") || l == "User instructions:"
    })
}

/// Remove ANSI escape sequences: CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL|ESC \`) and
/// two-byte escapes.
pub fn strip_ansi(text: &str) -> String {
    if !text.contains('\u{1b}') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\u{1b}' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('[') => {
                // Parameters and intermediates, then one final byte in @..~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                while let Some(c) = chars.next() {
                    if c == '\u{7}' {
                        break;
                    }
                    if c == '\u{1b}' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn timestamp_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^\[(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\] ?")
            .expect("constant pattern")
    })
}

/// `<command> [in <cwd>] succeeded in 12ms:` / `... exited 1 in 2.1s:`.
fn result_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?P<head>.*?) ?(?:succeeded|exited (?P<code>-?\d+))(?: in [^:]*)?:$").expect("constant pattern")
    })
}

/// `[2025-08-01T10:00:00] rest` -> (Some(time), "rest"); other lines unchanged.
fn split_timestamp(line: &str) -> (Option<DateTime<Utc>>, &str) {
    if !line.starts_with('[') {
        return (None, line);
    }
    let Some(caps) = timestamp_re().captures(line) else {
        return (None, line);
    };
    let (Some(all), Some(ts)) = (caps.get(0), caps.get(1)) else {
        return (None, line);
    };
    let ts = ts.as_str();
    let time = DateTime::parse_from_rfc3339(ts)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| NaiveDateTime::parse_from_str(ts, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc()));
    (time, &line[all.end()..])
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    /// Before the second `--------` rule.
    Header {
        rules: u8,
    },
    Prompt,
    Thinking,
    Codex,
    /// `exec` seen; the command line may follow.
    Exec,
    /// Output of a failed command.
    ExecOutput,
    FileUpdate,
    /// `apply patch` announced; the `patch: completed|failed|declined` line follows.
    ApplyPatch,
    /// After `patch: <status>`: the paths it touched, one per line (`applied` = completed).
    PatchPaths {
        applied: bool,
    },
    Tokens,
    Other,
}

struct FailedExec {
    command: String,
    code: Option<i64>,
    line: usize,
    output: String,
    output_lines: usize,
}

struct TextParser<'s> {
    log: AgentLog,
    source: &'s str,
    block: Block,
    prompt: Vec<String>,
    exec_command: Option<String>,
    failed: Option<FailedExec>,
    tokens_seen: bool,
    /// The last block that said something was the agent's message.
    ends_with_message: bool,
    /// Lines of the latest `codex` block (the agent's message).
    message: Vec<String>,
    /// A current build (`OpenAI Codex v…` without "(research preview)"): reasoning is printed
    /// without a `thinking` header.
    unheaded_reasoning: bool,
}

impl<'s> TextParser<'s> {
    fn new(source: &'s str) -> Self {
        TextParser {
            log: AgentLog::new(AgentLogKind::CodexText),
            source,
            block: Block::Header { rules: 0 },
            prompt: Vec::new(),
            exec_command: None,
            failed: None,
            tokens_seen: false,
            ends_with_message: false,
            message: Vec::new(),
            unheaded_reasoning: false,
        }
    }

    fn line(&mut self, n: usize, raw: &str) {
        self.log.lines = n;
        let (time, line) = split_timestamp(raw);
        if let Some(t) = time {
            self.log.started_at.get_or_insert(t);
            self.log.ended_at = Some(t);
        }
        let trimmed = line.trim();

        if let Block::Header { rules } = self.block {
            if trimmed.starts_with("OpenAI Codex v") {
                self.unheaded_reasoning = !trimmed.contains("(research preview)");
            }
            if trimmed == "--------" {
                self.block = if rules == 0 { Block::Header { rules: 1 } } else { Block::Other };
                return;
            }
            if rules == 1 {
                if let Some((key, value)) = trimmed.split_once(": ") {
                    match key {
                        "workdir" => self.log.cwd = Some(value.trim().to_string()),
                        "session id" => self.log.thread_id = Some(value.trim().to_string()),
                        _ => {}
                    }
                    return;
                }
            }
            // Before the header ("Reading prompt from stdin...") lines are noise until one
            // starts a block (a log without the header, or an early `ERROR:`).
            if rules == 1 || !self.starts_block(trimmed, false) {
                return;
            }
            self.block = Block::Other;
        }

        // A new block starts at a keyword line, or at any timestamped line (old builds).
        if self.starts_block(trimmed, time.is_some()) {
            self.end_block();
            self.block_start(n, trimmed);
            return;
        }
        match self.block {
            Block::Prompt => self.prompt.push(line.to_string()),
            Block::Exec => {
                if !trimmed.is_empty() {
                    if !self.exec_result(n, trimmed) {
                        self.exec_command = Some(strip_cwd(trimmed).to_string());
                    }
                    if self.block == Block::Exec {
                        self.block = Block::Other;
                    }
                }
            }
            Block::ExecOutput => {
                if let Some(f) = self.failed.as_mut() {
                    if f.output_lines < 40 {
                        f.output.push_str(line);
                        f.output.push('\n');
                        f.output_lines += 1;
                    }
                }
            }
            Block::ApplyPatch => {
                if let Some(status) = trimmed.strip_prefix("patch: ") {
                    self.patch_status(n, status.trim());
                }
            }
            Block::PatchPaths { applied } => {
                if trimmed.is_empty() || trimmed.starts_with("diff --git") {
                    self.block = Block::Other;
                } else if let Some(path) = patch_path(trimmed) {
                    if applied {
                        self.log.add_file(path);
                    } else {
                        self.patch_not_applied(path);
                    }
                }
            }
            Block::FileUpdate => {
                if !self.exec_result(n, trimmed) {
                    if let Some(path) = changed_path(trimmed) {
                        self.log.add_file(path);
                    }
                }
            }
            Block::Tokens => {
                if !trimmed.is_empty() {
                    self.tokens(trimmed);
                    self.block = Block::Other;
                }
            }
            Block::Other => {
                if trimmed.starts_with("Reconnecting") || trimmed.starts_with("stream error") {
                    self.log.notices.push(trimmed.to_string());
                } else {
                    self.exec_result(n, trimmed);
                }
            }
            Block::Codex => {
                if !trimmed.is_empty() {
                    self.message.push(trimmed.to_string());
                }
            }
            Block::Thinking | Block::Header { .. } => {}
        }
    }

    fn starts_block(&self, line: &str, timestamped: bool) -> bool {
        if timestamped {
            return true;
        }
        let exact = matches!(
            line,
            "thinking" | "exec" | "codex" | "tokens used" | "file update" | "file update:" | "user" | "apply patch"
        );
        let prefixed = ["ERROR:", "warning:", "tokens used:", "mcp startup:", "mcp:", "deprecated:"]
            .iter()
            .any(|p| line.starts_with(p));
        match self.block {
            // A prompt ends only at an unmistakable block line.
            // Current builds print reasoning without a `thinking` header: a bold summary line
            // after a blank line ends the echoed prompt.
            Block::Prompt => {
                (exact && line != "user")
                    || prefixed
                    || line.starts_with("model rerouted:")
                    || (self.unheaded_reasoning
                        && is_reasoning_summary(line)
                        && self.prompt.last().is_some_and(|l| l.trim().is_empty()))
            }
            _ => {
                exact
                    || prefixed
                    || line == "task interrupted"
                    || line == "turn interrupted"
                    || line.starts_with("patch: ")
                    || line.starts_with("model rerouted:")
                    || line.starts_with("hook: ")
                    || line.starts_with("web search: ")
                    || line.starts_with("task aborted")
                    || line.starts_with("tool ")
                    || line.starts_with("codex session ")
                    || line == "Plan update"
                    || line == "User instructions:"
                    || line.starts_with("Agent message:")
                    || line.starts_with("apply_patch auto_approved=")
                    || line.starts_with("exec ")
            }
        }
    }

    fn block_start(&mut self, n: usize, line: &str) {
        self.block = Block::Other;
        let said_something = !line.is_empty();
        if line == "user" || line == "User instructions:" {
            if self.log.prompt.is_none() && self.prompt.is_empty() {
                self.block = Block::Prompt;
            }
        } else if line == "thinking" || (self.unheaded_reasoning && is_reasoning_summary(line)) {
            self.block = Block::Thinking;
        } else if line == "codex" {
            self.block = Block::Codex;
            self.message.clear();
            self.ends_with_message = true;
            return;
        } else if line.starts_with("Agent message:") {
            self.ends_with_message = true;
            return;
        } else if line == "exec" {
            self.block = Block::Exec;
            self.exec_command = None;
        } else if let Some(rest) = line.strip_prefix("exec ") {
            // Old builds: `exec <command> in <cwd>` on one line.
            self.exec_command = Some(strip_cwd(rest.trim()).to_string());
        } else if line == "file update" || line.starts_with("apply_patch auto_approved=") {
            self.block = Block::FileUpdate;
        } else if line == "apply patch" {
            self.block = Block::ApplyPatch;
        } else if let Some(status) = line.strip_prefix("patch: ") {
            self.patch_status(n, status.trim());
        } else if let Some(note) = line.strip_prefix("model rerouted:") {
            self.log.notices.push(format!("model rerouted: {}", note.trim()));
        } else if let Some(rest) = line.strip_prefix("tokens used") {
            let rest = rest.trim_start_matches(':').trim();
            if rest.is_empty() {
                self.block = Block::Tokens;
            } else {
                self.tokens(rest);
            }
            // The token count closes the run: it does not replace the final message.
            return;
        } else if let Some(msg) = line.strip_prefix("ERROR:") {
            self.log.failure = Some(msg.trim().to_string());
        } else if let Some(msg) = line.strip_prefix("warning:") {
            self.log.notices.push(msg.trim().to_string());
        } else if line == "task interrupted" || line == "turn interrupted" || line.starts_with("task aborted") {
            self.log.failure = Some(line.to_string());
        } else if let Some(id) = line.strip_prefix("codex session ") {
            self.log.thread_id.get_or_insert_with(|| id.trim().to_string());
        } else if self.exec_result(n, line) {
            // An old-build result line `[ts] <command> exited 1 in 2s:`.
        } else if line.starts_with("Reconnecting") || line.starts_with("stream error") {
            self.log.notices.push(line.to_string());
        }
        if said_something {
            self.ends_with_message = false;
        }
    }

    /// `<command> [in <cwd>] succeeded in 12ms:` / `... exited 1 in 2.1s:`. Returns true when
    /// the line was one; a failure opens an output block.
    fn exec_result(&mut self, n: usize, line: &str) -> bool {
        let exited = line.contains(" exited ") || line.starts_with("exited ");
        if !line.ends_with(':') || !(exited || line.contains("succeeded")) {
            return false;
        }
        let Some(caps) = result_re().captures(line) else {
            return false;
        };
        let head = caps.name("head").map_or("", |m| m.as_str()).trim();
        let code: Option<i64> = caps.name("code").and_then(|m| m.as_str().parse().ok());
        let command =
            if head.is_empty() { self.exec_command.clone().unwrap_or_default() } else { strip_cwd(head).to_string() };
        self.end_block();
        self.exec_command = None;
        if code.is_some_and(|c| c != 0) {
            self.failed = Some(FailedExec { command, code, line: n, output: String::new(), output_lines: 0 });
            self.block = Block::ExecOutput;
        } else {
            self.block = Block::Other;
        }
        true
    }

    fn tokens(&mut self, text: &str) {
        let digits: String = text
            .chars()
            .take_while(|c| c.is_ascii_digit() || matches!(c, ',' | '_' | '.' | ' ' | '\''))
            .filter(char::is_ascii_digit)
            .collect();
        if let Ok(total) = digits.parse::<u64>() {
            self.tokens_seen = true;
            self.log.tokens = Some(TokenUsage { input: total, cached_input: 0, output: 0 });
        }
    }

    /// `patch: completed` (the paths that follow were written), `failed` or `declined`.
    fn patch_status(&mut self, n: usize, status: &str) {
        let applied = status == "completed";
        if !applied {
            self.log.evidence.push(Finding {
                error_type: "patch_failed".to_string(),
                message: format!("apply patch {status}"),
                source: format!("{}:{n}", self.source),
                ..Finding::default()
            });
        }
        self.block = Block::PatchPaths { applied };
    }

    /// A path of a patch that failed or was declined: named in the patch's finding.
    fn patch_not_applied(&mut self, path: &str) {
        if let Some(f) = self.log.evidence.last_mut().filter(|f| f.error_type == "patch_failed") {
            f.file.get_or_insert_with(|| path.to_string());
            f.message.push_str(if f.message.contains(": ") { ", " } else { ": " });
            f.message.push_str(path);
        }
    }

    fn end_block(&mut self) {
        if self.block == Block::Codex && !self.message.is_empty() {
            let text = self.message.join("\n");
            self.log.set_final_message(&text);
        }
        if self.block == Block::Prompt {
            while self.prompt.last().is_some_and(|l| l.trim().is_empty()) {
                self.prompt.pop();
            }
            if !self.prompt.is_empty() {
                self.log.prompt = Some(self.prompt.join("\n"));
            }
            self.prompt.clear();
        }
        if let Some(f) = self.failed.take() {
            let source = format!("{}:{}", self.source, f.line);
            let finding = failed_command_finding(&f.command, f.code, &f.output, source);
            self.log.evidence.push(finding);
        }
    }

    fn finish(mut self) -> AgentLog {
        self.end_block();
        self.log.finished = self.tokens_seen || self.ends_with_message;
        if !self.log.finished && self.log.failure.is_none() {
            self.log.failure = Some(NO_FINAL_EVENT.to_string());
        }
        self.log
    }
}

/// `bash -lc 'ls' in /home/dev/app` -> `bash -lc 'ls'`.
fn strip_cwd(command: &str) -> &str {
    match command.rfind(" in ") {
        Some(i) if command[i + 4..].starts_with(['/', '~', '.']) => &command[..i],
        _ => command,
    }
}

/// A header line of a `file update` block: `A path`, `M path`, `R old -> new` (not `D`).
/// `**Planning the parser module**`: a reasoning summary as current builds print it.
fn is_reasoning_summary(line: &str) -> bool {
    line.len() > 4 && line.starts_with("**") && line.ends_with("**")
}

/// A path under `patch: <status>`: the path alone, or with a kind mark (`A path`, `M path`).
fn patch_path(line: &str) -> Option<&str> {
    if let Some(p) = changed_path(line) {
        return Some(p);
    }
    let path = line.trim_start_matches("- ").trim();
    let plausible = !path.is_empty()
        && !path.contains(char::is_whitespace)
        && !path.ends_with(':')
        && (path.contains('/') || path.contains('.'));
    plausible.then_some(path)
}

fn changed_path(line: &str) -> Option<&str> {
    let (mark, rest) = line.split_at_checked(2)?;
    let path = match mark {
        "A " | "M " => rest.trim(),
        "R " => rest.rsplit(" -> ").next()?.trim(),
        _ => return None,
    };
    let plausible =
        !path.is_empty() && !path.contains(char::is_whitespace) && (path.contains('/') || path.contains('.'));
    plausible.then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSI: &str = include_str!("../../../../tests/data/formats/codex_exec_text_ansi.log");
    const OLD: &str = include_str!("../../../../tests/data/formats/codex_exec_text_old.log");

    #[test]
    fn strips_colour_codes() {
        assert_eq!(
            strip_ansi("\u{1b}[1m\u{1b}[33mwarning:\u{1b}[39m\u{1b}[22m x \u{1b}]8;;http://a\u{7}link\u{1b}]8;;\u{1b}\\ \u{1b}[1A\u{1b}[2Kdone"),
            "warning: x link done"
        );
        assert!(!strip_ansi(ANSI).contains('\u{1b}'));
    }

    #[test]
    fn current_text_log_with_colour_codes() {
        let log = parse(ANSI, "logs/b1-2.err");
        assert_eq!(log.kind, AgentLogKind::CodexText);
        assert_eq!(log.thread_id.as_deref(), Some("0199b5c2-3f1e-7d40-9a7c-2c1f0e8d4b11"));
        assert_eq!(log.cwd.as_deref(), Some("/home/dev/app"));
        assert_eq!(
            log.prompt.as_deref(),
            Some("Create src/parser.rs implementing a recursive-descent parser for the Token stream in src/lexer.rs.\n\nFile to create: src/parser.rs\nValidation: cargo check")
        );
        assert!(log.finished);
        assert_eq!(log.failure.as_deref(), Some("exceeded retry limit, last status: 429 Too Many Requests"));
        assert_eq!(log.tokens, Some(TokenUsage { input: 12345, cached_input: 0, output: 0 }));
        assert_eq!(log.files_written, vec!["/home/dev/app/src/parser.rs", "/home/dev/app/src/lib.rs"]);
        assert_eq!(log.evidence.len(), 1);
        let ev = &log.evidence[0];
        assert_eq!(
            ev.message,
            "`bash -lc 'cargo check'` exited 101: error[E0425]: cannot find value `tok` in this scope"
        );
        assert_eq!(ev.file.as_deref(), Some("src/parser.rs"));
        assert_eq!(ev.line, Some(14));
        assert_eq!(ev.source, "logs/b1-2.err:23");
        assert_eq!(
            log.notices,
            vec![
                "Under-development features enabled: unified_exec.".to_string(),
                "Reconnecting... 1/5 (stream disconnected before completion: error sending request for url (https://api.example.invalid/v1/responses))".to_string(),
            ]
        );
        assert_eq!(log.lines, 51);
    }

    #[test]
    fn old_timestamped_text_log() {
        let log = parse(OLD, "b1.log");
        assert_eq!(log.started_at.map(|t| t.to_rfc3339()), Some("2025-08-01T10:00:00+00:00".to_string()));
        assert_eq!(log.ended_at.map(|t| t.to_rfc3339()), Some("2025-08-01T10:00:31+00:00".to_string()));
        assert_eq!(
            log.prompt.as_deref(),
            Some("Create src/lexer.rs: a Token enum and a Lexer iterator over &str.\n\nFile to create: src/lexer.rs\nRequirements:\n- Token::Ident, Token::Number, Token::Op")
        );
        assert_eq!(log.cwd.as_deref(), Some("/home/dev/app"));
        assert_eq!(log.thread_id, None);
        assert_eq!(log.files_written, vec!["/home/dev/app/src/lexer.rs"]);
        assert!(log.finished);
        assert_eq!(log.failure, None);
        assert_eq!(log.tokens.map(|t| t.input), Some(8112));
        assert_eq!(log.evidence.len(), 1);
        let ev = &log.evidence[0];
        assert_eq!(
            ev.message,
            "`bash -lc 'cargo build'` exited 101: error[E0599]: no method named `peek` found for struct `Chars` in the current scope"
        );
        assert_eq!((ev.file.as_deref(), ev.line), (Some("src/lexer.rs"), Some(22)));
        assert_eq!(ev.source, "b1.log:29");
    }

    #[test]
    fn killed_text_log_has_no_final_event() {
        let cut: String = ANSI.lines().take(30).map(|l| format!("{l}\n")).collect();
        let log = parse(&cut, "k.err");
        assert!(!log.finished);
        assert_eq!(log.failure.as_deref(), Some(NO_FINAL_EVENT));
        assert_eq!(log.evidence.len(), 1);
        assert_eq!(log.tokens, None);
        assert!(log.prompt.is_some());
    }

    #[test]
    fn final_message_without_token_count_is_finished() {
        let text = "OpenAI Codex v0.46.0 (research preview)\n--------\nworkdir: /w\nsession id: abc\n--------\nuser\nWrite a.py\n\ncodex\nCreated a.py.\n";
        let log = parse(text, "a.err");
        assert!(log.finished);
        assert_eq!(log.failure, None);
        assert_eq!(log.prompt.as_deref(), Some("Write a.py"));
        assert_eq!(log.thread_id.as_deref(), Some("abc"));
        // An error after the message is still the failure.
        let text = format!("{text}ERROR: unexpected status 401 Unauthorized\n");
        let log = parse(&text, "a.err");
        assert!(!log.finished);
        assert_eq!(log.failure.as_deref(), Some("unexpected status 401 Unauthorized"));
    }

    #[test]
    fn token_count_on_the_same_line() {
        let log = parse("OpenAI Codex v0.30.0\n--------\n--------\nuser\nx\ntokens used: 1,204,331\n", "t");
        assert_eq!(log.tokens.map(|t| t.input), Some(1_204_331));
        assert!(log.finished);
    }

    #[test]
    fn looks_like_codex_text_only() {
        assert!(looks_like(ANSI));
        assert!(looks_like(OLD));
        assert!(looks_like("[2025-08-01T10:00:00] User instructions:\nWrite x\n"));
        assert!(!looks_like("{\"type\":\"thread.started\",\"thread_id\":\"x\"}\n"));
        assert!(!looks_like("============ test session starts ============\n"));
        assert!(!looks_like(""));
    }
}
