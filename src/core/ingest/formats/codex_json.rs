//! `codex exec --json` event streams, all three generations (formats/README.md §1).
//!
//! The reader streams: lines come one at a time out of one reusable buffer, the event
//! type is read from the first bytes of each line, and lines that only repeat what a
//! later line says (`item.updated`, `*_delta`) are skipped without being parsed, however
//! long they are. Other lines are parsed into small borrowed structs that skip the
//! fields they do not need; a command's `aggregated_output` is only read (by a second
//! parse of its line) when the command failed. Only the summary is kept in memory.

use super::LiveLine;
use crate::core::ingest::agent::{AgentLog, AgentLogKind};
use crate::core::ingest::evidence::{clip, failed_command_finding};
use crate::core::ingest::jsonl::{first_type_value, scan_bytes, scan_lines, trim_ascii, ErrText, Line, Str, MAX_HELD};
use crate::core::ingest::ParseWarning;
use crate::core::model::{Finding, TokenUsage};
use chrono::{DateTime, Utc};
use memchr::memmem;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::io::Read;

/// The failure recorded when a stream ends without a final event.
pub const NO_FINAL_EVENT: &str = "no final event: the stream stopped before the turn ended (interrupted or killed)";

/// Read a whole stream from any reader without keeping it in memory:
/// lines are processed one at a time; `item.updated` payloads are skipped unparsed.
pub fn read(reader: impl Read, source: &str) -> std::io::Result<AgentLog> {
    read_with(reader, source, true)
}

/// [`read`], with or without the [`Quick`] reading of the common lines (tests compare both).
fn read_with(reader: impl Read, source: &str, quick: bool) -> std::io::Result<AgentLog> {
    let mut state = StreamState::new(source);
    state.quick = quick;
    scan_lines(reader, |line| state.on(line))?;
    Ok(state.finish())
}

/// Parse a stream held in memory: [`read`], its lines read where they lie.
pub fn parse(bytes: &[u8], source: &str) -> AgentLog {
    let mut state = StreamState::new(source);
    match scan_bytes(bytes, |line| state.on(line)) {
        Ok(()) => state.finish(),
        Err(_) => AgentLog::new(AgentLogKind::CodexJson),
    }
}

/// True when the first line(s) look like any generation of a codex exec JSON stream.
pub fn looks_like(head: &[u8]) -> bool {
    let mut lines = head.split(|&b| b == b'\n').map(trim_ascii).filter(|l| !l.is_empty());
    let Some(first) = lines.next() else {
        return false;
    };
    if first.first() != Some(&b'{') {
        return false;
    }
    let second = lines.next();
    // The current generations' first line, `{"type":"thread.started",…}`: its top-level type is
    // its first, and with no `payload` key anywhere the parse below would say the same.
    if first.starts_with(b"{\"type\":\"") && memmem::find(first, b"\"payload\"").is_none() {
        if let Some(t) = first_type_value(first).and_then(|t| std::str::from_utf8(t).ok()) {
            if is_stream_type(t) {
                return true;
            }
        }
    }
    match serde_json::from_slice::<serde_json::Value>(first) {
        Ok(serde_json::Value::Object(obj)) => {
            if let Some(t) = obj.get("type") {
                return t.as_str().is_some_and(is_stream_type) && !obj.contains_key("payload");
            }
            if obj.contains_key("msg") && obj.contains_key("id") {
                return true;
            }
            if obj.contains_key("prompt") && obj.len() == 1 {
                return true;
            }
            let summary_keys = ["model", "provider", "approval", "sandbox", "workdir"]
                .iter()
                .filter(|k| obj.contains_key(**k))
                .count();
            summary_keys >= 2
                && obj.values().all(|v| v.is_string())
                && second.is_none_or(|l| l.starts_with(b"{\"prompt\""))
        }
        Ok(_) => false,
        // The head may end inside a long first line: decide from its first bytes.
        Err(_) => {
            if let Some(t) = first_type_value(first) {
                return std::str::from_utf8(t).is_ok_and(is_stream_type)
                    && memmem::find(first, b"\"payload\"").is_none();
            }
            (first.starts_with(b"{\"id\":") && memmem::find(first, b"\"msg\":{").is_some())
                || first.starts_with(b"{\"prompt\":")
        }
    }
}

fn is_stream_type(t: &str) -> bool {
    matches!(t, "error" | "session.created")
        || t.starts_with("thread.")
        || t.starts_with("turn.")
        || t.starts_with("item.")
}

// ---------------------------------------------------------------------------------------
// Minimal, borrowed event shapes. Fields not named here are skipped unread.

#[derive(Deserialize, Default, Clone, Copy)]
pub(super) struct Usage {
    input_tokens: Option<u64>,
    cached_input_tokens: Option<u64>,
    output_tokens: Option<u64>,
}

impl Usage {
    pub(super) fn tokens(self) -> TokenUsage {
        TokenUsage {
            input: self.input_tokens.unwrap_or(0),
            cached_input: self.cached_input_tokens.unwrap_or(0),
            output: self.output_tokens.unwrap_or(0),
        }
    }
}

/// `item` and `msg` are boxed: inline they made every event a kilobyte that serde moves
/// around for each line, most of which carry neither.
#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    thread_id: Option<Str<'a>>,
    #[serde(borrow)]
    session_id: Option<Str<'a>>,
    #[serde(borrow)]
    timestamp: Option<Str<'a>>,
    usage: Option<Usage>,
    error: Option<ErrText>,
    message: Option<ErrText>,
    #[serde(borrow)]
    item: Option<Box<Item<'a>>>,
    #[serde(borrow)]
    msg: Option<Box<Msg<'a>>>,
    prompt: Option<String>,
    // Keys of the oldest generation's first line (the config summary).
    #[serde(borrow)]
    workdir: Option<Str<'a>>,
    model: Option<IgnoredAny>,
    provider: Option<IgnoredAny>,
    approval: Option<IgnoredAny>,
    sandbox: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Item<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
    /// The early experimental generation tags the kind with `item_type`.
    #[serde(borrow)]
    item_type: Option<Str<'a>>,
    command: Option<CommandText>,
    exit_code: Option<i64>,
    #[serde(borrow)]
    status: Option<Str<'a>>,
    changes: Option<Paths>,
    message: Option<ErrText>,
    #[serde(borrow)]
    server: Option<Str<'a>>,
    #[serde(borrow)]
    tool: Option<Str<'a>>,
    error: Option<ErrText>,
    #[serde(borrow)]
    text: Option<Str<'a>>,
}

/// The oldest generation's `msg` object.
#[derive(Deserialize)]
struct Msg<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
    message: Option<ErrText>,
    #[serde(borrow)]
    session_id: Option<Str<'a>>,
    #[serde(borrow)]
    call_id: Option<Str<'a>>,
    command: Option<CommandText>,
    exit_code: Option<i64>,
    #[serde(borrow)]
    stdout: Option<Str<'a>>,
    #[serde(borrow)]
    stderr: Option<Str<'a>>,
    #[serde(borrow)]
    aggregated_output: Option<Str<'a>>,
    success: Option<bool>,
    changes: Option<Paths>,
    input_tokens: Option<u64>,
    cached_input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    info: Option<TokenInfo>,
    reason: Option<ErrText>,
}

#[derive(Deserialize)]
pub(super) struct TokenInfo {
    pub(super) total_token_usage: Option<Usage>,
}

/// Second look at a failed command's line: only its output.
#[derive(Deserialize)]
struct OutputLine<'a> {
    #[serde(borrow)]
    item: Option<OutputItem<'a>>,
}

#[derive(Deserialize)]
struct OutputItem<'a> {
    #[serde(borrow)]
    aggregated_output: Option<Str<'a>>,
}

/// A command given as a string or as an argv array (joined with spaces).
struct CommandText(Option<String>);

impl<'de> Deserialize<'de> for CommandText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CommandText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a command string or argv array")
            }
            fn visit_str<E>(self, v: &str) -> Result<CommandText, E> {
                Ok(CommandText(Some(v.to_string())))
            }
            fn visit_unit<E>(self) -> Result<CommandText, E> {
                Ok(CommandText(None))
            }
            fn visit_none<E>(self) -> Result<CommandText, E> {
                Ok(CommandText(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CommandText, A::Error> {
                let mut parts: Vec<String> = Vec::new();
                while let Some(part) = seq.next_element::<ErrText>()? {
                    parts.extend(part.0);
                }
                Ok(CommandText(Some(parts.join(" "))))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CommandText, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(CommandText(None))
            }
        }
        d.deserialize_any(V)
    }
}

/// File paths of a change set: `[{path, kind}]` (current) or `{path: change}` (oldest).
struct Paths(Vec<String>);

impl<'de> Deserialize<'de> for Paths {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Change {
            path: Option<String>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Paths;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of changes or a map keyed by path")
            }
            fn visit_unit<E>(self) -> Result<Paths, E> {
                Ok(Paths(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Paths, A::Error> {
                let mut paths = Vec::new();
                while let Some(change) = seq.next_element::<Change>()? {
                    paths.extend(change.path);
                }
                Ok(Paths(paths))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Paths, A::Error> {
                let mut paths = Vec::new();
                while let Some(path) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    paths.push(path);
                }
                Ok(Paths(paths))
            }
        }
        d.deserialize_any(V)
    }
}

/// The most common lines of a current stream, told by their first and last bytes and read
/// without a parse (most of a stream's bytes are in them: a started file change carries its
/// whole diff, a command its whole output). Anything else takes the full parse: the early
/// generation's items (`item_type`, not `type`, after the id), any item that does not begin
/// with its id and type, any other ending. The ends leave no room for a `timestamp` or `msg`
/// beside the item: one could only come with a second object at the top, which no
/// generation writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quick {
    /// `{"type":"turn.started"}`.
    TurnStarted,
    /// `item.started` of an item still in progress: it records nothing until it completes.
    InProgress,
    /// `item.completed` of a command that exited 0, or of a reasoning summary: each only ends
    /// a run of agent messages.
    NotAMessage,
}

/// The starts of a started and of a completed item event, up to the item's id.
const STARTED_ITEM: &[u8] = b"{\"type\":\"item.started\",\"item\":{\"id\":";
const COMPLETED_ITEM: &[u8] = b"{\"type\":\"item.completed\",\"item\":{\"id\":";

impl Quick {
    fn of(line: &[u8]) -> Option<Quick> {
        if line == b"{\"type\":\"turn.started\"}" {
            return Some(Quick::TurnStarted);
        }
        if let Some(item) = line.strip_prefix(STARTED_ITEM) {
            let plain = line.ends_with(b",\"status\":\"in_progress\"}}") && item_type(item).is_some();
            return plain.then_some(Quick::InProgress);
        }
        let item = line.strip_prefix(COMPLETED_ITEM)?;
        let passed = match item_type(item)? {
            b"command_execution" => line.ends_with(b",\"exit_code\":0,\"status\":\"completed\"}}"),
            b"reasoning" => line.ends_with(b"\"}}"),
            _ => false,
        };
        passed.then_some(Quick::NotAMessage)
    }
}

/// The type of an item written `"<id>","type":"<type>",…`: its id, then its own type (the
/// early generation wrote `item_type` there). Ids and types are short plain words.
fn item_type(item: &[u8]) -> Option<&[u8]> {
    let plain_word = |s: &[u8]| s.iter().take(64).position(|&b| b == b'"' || b == b'\\').filter(|&n| s[n] == b'"');
    let id = item.strip_prefix(b"\"")?;
    let rest = id[plain_word(id)?..].strip_prefix(b"\",\"type\":\"")?;
    let n = plain_word(rest)?;
    rest[n..].starts_with(b"\",").then_some(&rest[..n])
}

// ---------------------------------------------------------------------------------------
// The summary being built

struct StreamState<'s> {
    log: AgentLog,
    source: &'s str,
    line_no: usize,
    /// A final event (turn.completed / turn.failed / task_complete / turn_aborted) was seen.
    saw_final: bool,
    /// A turn started after the last final event.
    open_turn: bool,
    /// Any turn.* event was seen (the first early builds wrote none).
    saw_turn_events: bool,
    /// The last meaningful event was the agent's message.
    last_was_agent_message: bool,
    /// Oldest generation: `error` events of the task in progress.
    turn_error: Option<String>,
    /// An unparsable line not yet known to be the last one: (line number, starts like JSON, error).
    pending_invalid: Option<(usize, bool, String)>,
    /// Oldest generation: commands and patches begun but not yet ended, by call id.
    calls: HashMap<String, String>,
    patches: HashMap<String, Vec<String>>,
    /// Read the common lines by their shape ([`Quick`]) instead of parsing them.
    quick: bool,
}

impl<'s> StreamState<'s> {
    fn new(source: &'s str) -> Self {
        StreamState {
            log: AgentLog::new(AgentLogKind::CodexJson),
            source,
            line_no: 0,
            saw_final: false,
            open_turn: false,
            saw_turn_events: false,
            last_was_agent_message: false,
            turn_error: None,
            pending_invalid: None,
            calls: HashMap::new(),
            patches: HashMap::new(),
            quick: true,
        }
    }

    fn warn(&mut self, line: usize, message: String) {
        crate::core::ingest::push_warning(
            &mut self.log.warnings,
            ParseWarning { source: self.source.to_string(), line: Some(line), message },
        );
    }

    fn set_kind(&mut self, kind: AgentLogKind) {
        if self.log.kind == AgentLogKind::CodexJson {
            self.log.kind = kind;
        }
    }

    /// A bad line followed by more lines was not cut off by a kill: say so and go on.
    fn flush_invalid(&mut self) {
        if let Some((line, _, err)) = self.pending_invalid.take() {
            self.warn(line, format!("line {line} is not valid JSON ({err}); skipped"));
        }
    }

    /// One line of the stream, as the scanner hands it out.
    fn on(&mut self, line: Line<'_>) {
        match line {
            Line::Text(bytes) => self.on_line(bytes),
            Line::Skipped { complete } => self.on_skipped(complete),
            Line::TooLong { bytes } => self.on_too_long(bytes),
        }
    }

    fn on_too_long(&mut self, bytes: u64) {
        self.line_no += 1;
        self.log.lines += 1;
        self.flush_invalid();
        let line = self.line_no;
        self.warn(
            line,
            format!(
                "line {line} is {} MiB, more than {} MiB of it outside strings; skipped",
                bytes >> 20,
                MAX_HELD >> 20
            ),
        );
    }

    fn on_skipped(&mut self, complete: bool) {
        self.line_no += 1;
        self.log.lines += 1;
        self.flush_invalid();
        if !complete {
            self.pending_invalid = Some((self.line_no, true, "unterminated".to_string()));
        }
    }

    fn on_line(&mut self, raw: &[u8]) {
        self.line_no += 1;
        self.log.lines += 1;
        let line = trim_ascii(raw);
        if line.is_empty() {
            return;
        }
        self.flush_invalid();
        if line[0] != b'{' {
            self.pending_invalid = Some((self.line_no, false, "not a JSON object".to_string()));
            return;
        }
        if let Some(quick) = Quick::of(line).filter(|_| self.quick) {
            return self.on_quick(quick);
        }
        let err = match serde_json::from_slice::<Event<'_>>(line) {
            Ok(ev) => return self.on_event(ev, line),
            Err(err) => err,
        };
        // Invalid UTF-8 inside a string: read the line lossily rather than lose it.
        let err = if std::str::from_utf8(line).is_err() {
            let lossy = String::from_utf8_lossy(line);
            match serde_json::from_str::<Event<'_>>(&lossy) {
                Ok(ev) => return self.on_event(ev, lossy.as_bytes()),
                Err(err) => err,
            }
        } else {
            err
        };
        if err.is_data() {
            let line_no = self.line_no;
            self.warn(line_no, format!("line {line_no} has an unexpected shape ({err}); skipped"));
        } else {
            self.pending_invalid = Some((self.line_no, true, err.to_string()));
        }
    }

    fn on_event(&mut self, ev: Event<'_>, line: &[u8]) {
        if let Some(ts) = ev.timestamp.as_ref().and_then(|t| parse_time(t.as_str())) {
            self.log.started_at.get_or_insert(ts);
            self.log.ended_at = Some(ts);
        }
        if let Some(msg) = ev.msg.map(|m| *m) {
            self.set_kind(AgentLogKind::CodexJsonOldest);
            return self.on_msg(msg);
        }
        let Some(kind) = ev.kind else {
            if let Some(prompt) = ev.prompt {
                self.set_kind(AgentLogKind::CodexJsonOldest);
                self.log.prompt.get_or_insert(prompt);
            } else if ev.workdir.is_some()
                || ev.model.is_some()
                || ev.provider.is_some()
                || ev.approval.is_some()
                || ev.sandbox.is_some()
            {
                self.set_kind(AgentLogKind::CodexJsonOldest);
                if let Some(dir) = ev.workdir {
                    self.log.cwd.get_or_insert_with(|| dir.0.into_owned());
                }
            }
            return;
        };
        match kind.as_str() {
            "thread.started" => {
                if let Some(id) = ev.thread_id {
                    self.log.thread_id.get_or_insert_with(|| id.0.into_owned());
                }
            }
            "session.created" => {
                self.set_kind(AgentLogKind::CodexJsonEarly);
                if let Some(id) = ev.session_id {
                    self.log.thread_id.get_or_insert_with(|| id.0.into_owned());
                }
            }
            "turn.started" => self.turn_started(),
            "turn.completed" => {
                if let Some(usage) = ev.usage {
                    self.log.tokens = Some(usage.tokens());
                }
                self.final_event(None);
            }
            "turn.failed" => {
                // Without a turn error, codex falls back to the last top-level error.
                let message = ev
                    .error
                    .and_then(|e| e.0)
                    .or_else(|| self.log.notices.iter().rev().find(|n| !n.starts_with("Reconnecting")).cloned())
                    .unwrap_or_else(|| "turn failed (no message)".to_string());
                self.final_event(Some(message));
            }
            "item.started" | "item.completed" => {
                if let Some(item) = ev.item.map(|i| *i) {
                    self.on_item(item, kind.as_str() == "item.completed", line);
                }
            }
            "error" => {
                if let Some(message) = ev.message.and_then(|m| m.0) {
                    if message.starts_with("Reconnecting") {
                        self.log.retries += 1;
                    }
                    self.log.notices.push(message);
                }
            }
            _ => {}
        }
    }

    fn on_quick(&mut self, quick: Quick) {
        match quick {
            Quick::TurnStarted => self.turn_started(),
            Quick::InProgress => {}
            Quick::NotAMessage => self.last_was_agent_message = false,
        }
    }

    fn turn_started(&mut self) {
        self.saw_turn_events = true;
        self.open_turn = true;
        self.last_was_agent_message = false;
    }

    fn final_event(&mut self, failure: Option<String>) {
        self.saw_turn_events = true;
        self.saw_final = true;
        self.open_turn = false;
        self.log.finished = true;
        self.log.failure = failure;
    }

    fn here(&self) -> String {
        format!("{}:{}", self.source, self.line_no)
    }

    fn on_item(&mut self, item: Item<'_>, completed: bool, line: &[u8]) {
        if item.item_type.is_some() {
            self.set_kind(AgentLogKind::CodexJsonEarly);
        }
        let Some(kind) = item.kind.or(item.item_type) else {
            return;
        };
        let status = item.status.as_ref().map(Str::as_str).unwrap_or("");
        if completed {
            self.last_was_agent_message = matches!(kind.as_str(), "agent_message" | "assistant_message");
            if self.last_was_agent_message {
                if let Some(text) = item.text.as_ref() {
                    self.log.set_final_message(text.as_str());
                }
            }
        }
        match kind.as_str() {
            "file_change" => {
                // A failed or declined patch still names the job's outputs (its finding says
                // the change was not made); `item.started` / `item.updated` are in progress.
                if completed || status == "completed" {
                    for path in item.changes.iter().flat_map(|c| c.0.iter()) {
                        self.log.add_file(path);
                    }
                }
                if completed && matches!(status, "failed" | "declined") {
                    let paths = item.changes.map(|c| c.0.join(", ")).unwrap_or_default();
                    let finding = Finding {
                        error_type: "patch_failed".to_string(),
                        message: format!("file change {status}: {paths}"),
                        source: self.here(),
                        ..Finding::default()
                    };
                    self.log.evidence.push(finding);
                }
            }
            "command_execution" => {
                let failed = item.exit_code.is_some_and(|c| c != 0) || status == "failed";
                if completed && failed {
                    let output = serde_json::from_slice::<OutputLine<'_>>(line)
                        .ok()
                        .and_then(|l| l.item)
                        .and_then(|i| i.aggregated_output)
                        .map(|s| s.0)
                        .unwrap_or_default();
                    let command = item.command.and_then(|c| c.0).unwrap_or_default();
                    let finding = failed_command_finding(&command, item.exit_code, &output, self.here());
                    self.log.evidence.push(finding);
                }
            }
            "mcp_tool_call" => {
                let error = item.error.and_then(|e| e.0);
                if completed && (status == "failed" || error.is_some()) {
                    let server = item.server.as_ref().map(Str::as_str).unwrap_or("?");
                    let tool = item.tool.as_ref().map(Str::as_str).unwrap_or("?");
                    let detail = error.unwrap_or_else(|| "no message".to_string());
                    let finding = Finding {
                        error_type: "tool_failed".to_string(),
                        message: format!("`{server}.{tool}` failed: {}", clip(&detail, 300)),
                        source: self.here(),
                        ..Finding::default()
                    };
                    self.log.evidence.push(finding);
                }
            }
            "error" => {
                if let Some(message) = item.message.and_then(|m| m.0).filter(|_| completed) {
                    let finding = Finding {
                        error_type: "agent_warning".to_string(),
                        message: clip(&message, 300),
                        source: self.here(),
                        ..Finding::default()
                    };
                    self.log.evidence.push(finding);
                }
            }
            _ => {}
        }
    }

    fn on_msg(&mut self, msg: Msg<'_>) {
        let Some(kind) = msg.kind else {
            return;
        };
        let call_id = msg.call_id.map(|c| c.0.into_owned()).unwrap_or_default();
        let message = msg.message.and_then(|m| m.0);
        match kind.as_str() {
            "session_configured" => {
                if let Some(id) = msg.session_id {
                    self.log.thread_id.get_or_insert_with(|| id.0.into_owned());
                }
            }
            "task_started" | "turn_started" => {
                self.open_turn = true;
                self.turn_error = None;
                self.last_was_agent_message = false;
            }
            "agent_message" => {
                self.last_was_agent_message = true;
                if let Some(m) = &message {
                    self.log.set_final_message(m);
                }
            }
            "exec_command_begin" => {
                let command = msg.command.and_then(|c| c.0).unwrap_or_default();
                self.calls.insert(call_id, command);
                self.last_was_agent_message = false;
            }
            "exec_command_end" => {
                let command = self.calls.remove(&call_id).unwrap_or_default();
                if msg.exit_code.is_some_and(|c| c != 0) {
                    let output = non_blank(msg.aggregated_output)
                        .or_else(|| non_blank(msg.stderr))
                        .or_else(|| non_blank(msg.stdout))
                        .unwrap_or_default();
                    let finding = failed_command_finding(&command, msg.exit_code, &output, self.here());
                    self.log.evidence.push(finding);
                }
                self.last_was_agent_message = false;
            }
            "patch_apply_begin" => {
                self.patches.insert(call_id, msg.changes.map(|c| c.0).unwrap_or_default());
            }
            "patch_apply_end" => {
                let paths = self.patches.remove(&call_id).unwrap_or_default();
                for path in &paths {
                    self.log.add_file(path);
                }
                if msg.success == Some(false) {
                    let finding = Finding {
                        error_type: "patch_failed".to_string(),
                        message: format!("file change failed: {}", paths.join(", ")),
                        source: self.here(),
                        ..Finding::default()
                    };
                    self.log.evidence.push(finding);
                }
                self.last_was_agent_message = false;
            }
            "error" => {
                let message = message.unwrap_or_else(|| "error (no message)".to_string());
                self.turn_error = Some(message);
            }
            "stream_error" | "background_event" | "warning" => {
                self.log.notices.extend(message);
            }
            "token_count" => {
                let usage = match msg.info.and_then(|i| i.total_token_usage) {
                    Some(u) => Some(u),
                    None if msg.input_tokens.is_some() || msg.output_tokens.is_some() => Some(Usage {
                        input_tokens: msg.input_tokens,
                        cached_input_tokens: msg.cached_input_tokens,
                        output_tokens: msg.output_tokens,
                    }),
                    None => None,
                };
                if let Some(usage) = usage {
                    self.log.tokens = Some(usage.tokens());
                }
            }
            "task_complete" | "turn_complete" => {
                let failure = self.turn_error.take();
                self.final_event(failure);
            }
            "turn_aborted" => {
                let reason = msg.reason.and_then(|r| r.0).unwrap_or_default();
                self.final_event(Some(format!("turn aborted: {reason}")));
            }
            _ => {}
        }
    }

    fn finish(mut self) -> AgentLog {
        if let Some((line, object, err)) = self.pending_invalid.take() {
            let message = if object {
                format!("line {line} is cut off (the process was probably killed); kept what parsed before it")
            } else {
                format!("line {line} is not valid JSON ({err}); skipped")
            };
            self.warn(line, message);
        }
        if self.open_turn || !self.saw_final {
            // The first early builds wrote no turn events, and some of the oldest builds
            // never printed task_complete: a stream that ends on the agent's message is
            // then as finished as those builds could say.
            let silent_build = match self.log.kind {
                AgentLogKind::CodexJsonEarly => !self.saw_turn_events,
                AgentLogKind::CodexJsonOldest => !self.saw_final,
                _ => false,
            };
            if silent_build && self.last_was_agent_message && self.turn_error.is_none() {
                self.log.finished = true;
                self.log.failure = None;
                self.log.warnings.push(ParseWarning {
                    source: self.source.to_string(),
                    line: None,
                    message: "no final event (this older codex build may not write one); \
                              the stream ends with the agent's message, so it is taken as finished"
                        .to_string(),
                });
            } else {
                self.log.finished = false;
                self.log.failure = Some(self.turn_error.take().unwrap_or_else(|| NO_FINAL_EVENT.to_string()));
            }
        }
        self.log
    }
}

/// A `codex exec --json` event as a line for the Run screen: `Quiet` for events not worth a
/// line (`item.started`, `item.updated`, deltas), `NotMine` for what is not a Codex event.
pub fn live_line(line: &str) -> LiveLine {
    let t = line.trim();
    if !t.starts_with('{') {
        return LiveLine::NotMine;
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(t) else { return LiveLine::NotMine };
    let ty = v["type"].as_str().unwrap_or("");
    if !is_stream_type(ty) {
        return LiveLine::NotMine;
    }
    let item = &v["item"];
    let text = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
    let s = match (ty, item["type"].as_str().unwrap_or("")) {
        ("thread.started", _) => format!("session {}", v["thread_id"].as_str().unwrap_or("?")),
        ("turn.completed", _) => {
            let u = &v["usage"];
            format!(
                "turn completed: {} input + {} output tokens",
                u["input_tokens"].as_u64().unwrap_or(0),
                u["output_tokens"].as_u64().unwrap_or(0)
            )
        }
        ("turn.failed", _) => format!("TURN FAILED: {}", text(&v["error"]["message"])),
        ("error", _) => format!("notice: {}", text(&v["message"])),
        ("item.completed", "agent_message") => format!("codex: {}", text(&item["text"])),
        ("item.completed", "reasoning") => format!("thinking: {}", text(&item["text"]).trim_matches('*')),
        ("item.completed", "error") => format!("notice: {}", text(&item["message"])),
        ("item.completed", "file_change") => {
            let paths: Vec<&str> = item["changes"]
                .as_array()
                .map(|c| c.iter().filter_map(|x| x["path"].as_str()).collect())
                .unwrap_or_default();
            match item["status"].as_str() {
                Some("failed") | Some("declined") => format!("patch failed: {}", paths.join(", ")),
                _ => format!("wrote {}", paths.join(", ")),
            }
        }
        ("item.completed", "command_execution") => format!(
            "$ {} (exit {})",
            text(&item["command"]),
            item["exit_code"].as_i64().map(|c| c.to_string()).unwrap_or_else(|| "-".into())
        ),
        _ => return LiveLine::Quiet,
    };
    LiveLine::Show(s)
}

fn non_blank(s: Option<Str<'_>>) -> Option<Cow<'_, str>> {
    s.map(|s| s.0).filter(|s| !s.trim().is_empty())
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
#[path = "codex_json_tests.rs"]
mod tests;
