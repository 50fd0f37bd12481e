//! Claude Code headless output: `-p --output-format json` and `stream-json` (formats/README.md §4).

use super::LiveLine;
use crate::core::ingest::agent::{AgentLog, AgentLogKind};
use crate::core::ingest::evidence::{clip, first_meaningful_line, locate};
use crate::core::ingest::jsonl::{first_type_value, trim_ascii};
use crate::core::ingest::ParseWarning;
use crate::core::model::{Finding, TokenUsage};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// The failure recorded when a stream-json log has no `result` line.
pub const NO_RESULT: &str = "no result: the run stopped before it finished";

/// Parse either form. `failure` holds the error text chosen in the order of formats §4
/// (`errors`, then `result`, then `subtype`, then `api_error_status`) when `is_error` is true.
///
/// Tokens follow the Codex meaning of [`TokenUsage`] (cached tokens are part of `input`):
/// `input = input_tokens + cache_creation_input_tokens + cache_read_input_tokens`,
/// `cached_input = cache_read_input_tokens`, `output = output_tokens`. The `result` usage
/// (the run's total) wins; without a result the assistant messages' usage is summed.
pub fn parse(text: &str, source: &str) -> AgentLog {
    read(text, source).log
}

/// The revised prompt of a successful reviser run: the `result` text of a `result` object
/// that is not an error. `None` when the output holds no successful result.
pub fn result_text(text: &str) -> Option<String> {
    read(text, "").ok_result
}

pub fn looks_like(head: &[u8]) -> bool {
    let head = trim_ascii(head);
    let is_claude = |v: &Value| v.get("type").and_then(Value::as_str).is_some_and(is_claude_type);
    // One document: `--output-format json` (maybe pretty-printed) or a `--verbose` array.
    match serde_json::from_slice::<Value>(head) {
        Ok(Value::Array(items)) => return items.first().is_some_and(is_claude),
        Ok(v) => return is_claude(&v),
        Err(_) => {}
    }
    let first = head.split(|&b| b == b'\n').next().unwrap_or(head);
    match serde_json::from_slice::<Value>(first) {
        Ok(v) => is_claude(&v),
        // A head cut inside a long line or a pretty-printed object.
        Err(_) => {
            matches!(head.first(), Some(b'{' | b'['))
                && first_type_value(head).and_then(|t| std::str::from_utf8(t).ok()).is_some_and(is_claude_type)
        }
    }
}

/// A `claude -p --output-format stream-json` line for the Run screen.
pub fn live_line(line: &str) -> LiveLine {
    let t = line.trim();
    if !t.starts_with('{') {
        return LiveLine::NotMine;
    }
    let Ok(Value::Object(obj)) = serde_json::from_str::<Value>(t) else { return LiveLine::NotMine };
    let Some(kind) = str_of(&obj, "type").filter(|k| is_claude_type(k) || *k == "rate_limit_event") else {
        return LiveLine::NotMine;
    };
    let s = match (kind, str_of(&obj, "subtype")) {
        ("system", Some("init")) => format!("session {}", str_of(&obj, "session_id").unwrap_or("?")),
        ("system", Some("api_retry")) => {
            let n = |k: &str| obj.get(k).and_then(Value::as_u64);
            format!(
                "API retry {}/{} in {:.1}s: {} ({})",
                n("attempt").unwrap_or(0),
                n("max_retries").map_or("?".into(), |m| m.to_string()),
                n("retry_delay_ms").unwrap_or(0) as f64 / 1000.0,
                obj.get("error").and_then(text_of).unwrap_or_else(|| "error".into()),
                obj.get("error_status").and_then(text_of).unwrap_or_else(|| "-".into())
            )
        }
        ("rate_limit_event", _) => "rate limited: waiting".to_string(),
        ("assistant", _) => {
            let message = obj.get("message").and_then(Value::as_object);
            let blocks = message.map(content_blocks).unwrap_or_default();
            let text: Vec<String> = blocks
                .iter()
                .filter_map(|b| match str_of(b, "type") {
                    Some("text") => str_of(b, "text").map(|t| format!("claude: {}", clip(t.trim(), 300))),
                    Some("tool_use") => Some(format!("tool: {}", str_of(b, "name").unwrap_or("?"))),
                    _ => None,
                })
                .collect();
            if text.is_empty() {
                return LiveLine::Quiet;
            }
            text.join(" · ")
        }
        ("result", sub) => {
            let is_error = obj.get("is_error").and_then(Value::as_bool) == Some(true);
            if is_error {
                format!("RESULT FAILED: {}", error_text(&obj))
            } else {
                format!("result: {}", sub.unwrap_or(""))
            }
        }
        _ => return LiveLine::Quiet,
    };
    LiveLine::Show(s)
}

fn is_claude_type(t: &str) -> bool {
    matches!(t, "system" | "assistant" | "user" | "result")
}

struct ClaudeState<'s> {
    log: AgentLog,
    source: &'s str,
    /// Text of the last successful result.
    ok_result: Option<String>,
    /// tool_use id -> (tool name, file path, command) for naming failed tool results.
    tools: HashMap<String, (String, Option<String>, Option<String>)>,
    /// Sum of assistant usage by message, the last message's usage kept apart because
    /// stream-json repeats one message (one line per content block) with the same usage.
    usage_sum: TokenUsage,
    last_message: Option<(String, TokenUsage)>,
    saw_result: bool,
}

fn read<'s>(text: &str, source: &'s str) -> ClaudeState<'s> {
    let mut st = ClaudeState {
        log: AgentLog::new(AgentLogKind::Claude),
        source,
        ok_result: None,
        tools: HashMap::new(),
        usage_sum: TokenUsage::default(),
        last_message: None,
        saw_result: false,
    };
    st.log.lines = text.lines().count();
    let whole = text.trim();
    match serde_json::from_str::<Value>(whole) {
        Ok(Value::Array(items)) => {
            for item in &items {
                st.event(item, 1);
            }
        }
        Ok(v) => st.event(&v, 1),
        Err(_) => st.lines(text),
    }
    st.finish();
    st
}

impl ClaudeState<'_> {
    fn warn(&mut self, line: usize, message: String) {
        crate::core::ingest::push_warning(
            &mut self.log.warnings,
            ParseWarning { source: self.source.to_string(), line: Some(line), message },
        );
    }

    fn lines(&mut self, text: &str) {
        let mut pending: Option<(usize, String)> = None;
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some((l, err)) = pending.take() {
                self.warn(l, format!("line {l} is not valid JSON ({err}); skipped"));
            }
            match serde_json::from_str::<Value>(line) {
                Ok(v) => self.event(&v, i + 1),
                Err(err) => pending = Some((i + 1, err.to_string())),
            }
        }
        if let Some((l, _)) = pending {
            let message = format!("line {l} is cut off (the process was probably killed); kept what parsed before it");
            self.warn(l, message);
        }
    }

    fn event(&mut self, v: &Value, line: usize) {
        let Some(obj) = v.as_object() else {
            return;
        };
        if self.log.thread_id.is_none() {
            self.log.thread_id = str_of(obj, "session_id").map(str::to_string);
        }
        match str_of(obj, "type") {
            Some("system") if str_of(obj, "subtype") == Some("init") => {
                if let Some(cwd) = str_of(obj, "cwd") {
                    self.log.cwd = Some(cwd.to_string());
                }
            }
            Some("system") if str_of(obj, "subtype") == Some("api_retry") => self.api_retry(obj),
            // A limit reached and waited on: a retry in progress, not a failure.
            Some("rate_limit_event") => {
                self.log.retries += 1;
                let info = obj.get("rate_limit_info").and_then(Value::as_object);
                let status = info.and_then(|i| str_of(i, "status")).unwrap_or("limited");
                let resets = info.and_then(|i| i.get("resetsAt").or_else(|| i.get("resets_at"))).and_then(reset_text);
                self.log.notices.push(match resets {
                    Some(at) => format!("rate limit {status} (resets at {at})"),
                    None => format!("rate limit {status}"),
                });
            }
            Some("assistant") => self.assistant(obj),
            Some("user") => self.user(obj, line),
            Some("result") => self.result(obj),
            _ => {}
        }
    }

    fn assistant(&mut self, obj: &Map<String, Value>) {
        let message = obj.get("message").and_then(Value::as_object);
        for block in message.map(content_blocks).unwrap_or_default() {
            if str_of(block, "type") != Some("tool_use") {
                continue;
            }
            let name = str_of(block, "name").unwrap_or("tool").to_string();
            let input = block.get("input").and_then(Value::as_object);
            let path =
                input.and_then(|i| str_of(i, "file_path").or_else(|| str_of(i, "notebook_path"))).map(str::to_string);
            let command = input.and_then(|i| str_of(i, "command")).map(str::to_string);
            if matches!(name.as_str(), "Write" | "Edit" | "MultiEdit" | "NotebookEdit") {
                if let Some(p) = &path {
                    self.log.add_file(p);
                }
            }
            if let Some(id) = str_of(block, "id") {
                self.tools.insert(id.to_string(), (name, path, command));
            }
        }
        if let Some(usage) = message.and_then(|m| m.get("usage")).and_then(Value::as_object) {
            let id = message.and_then(|m| str_of(m, "id")).unwrap_or("").to_string();
            let tokens = tokens_of(usage);
            match self.last_message.take() {
                // The same message again: its usage replaces the earlier copy.
                Some((last_id, _)) if !id.is_empty() && last_id == id => {}
                Some((_, last)) => self.usage_sum = add(self.usage_sum, last),
                None => {}
            }
            self.last_message = Some((id, tokens));
            if !self.saw_result {
                let last = self.last_message.as_ref().map(|m| m.1).unwrap_or_default();
                self.log.tokens = Some(add(self.usage_sum, last));
            }
        }
        if let Some(error) = obj.get("error").and_then(text_of) {
            self.log.notices.push(format!("assistant error: {error}"));
        }
    }

    fn user(&mut self, obj: &Map<String, Value>, line: usize) {
        let message = obj.get("message").and_then(Value::as_object);
        for block in message.map(content_blocks).unwrap_or_default() {
            if str_of(block, "type") != Some("tool_result")
                || block.get("is_error").and_then(Value::as_bool) != Some(true)
            {
                continue;
            }
            let content = block.get("content").map(content_text).unwrap_or_default();
            let content = content.replace("<tool_use_error>", "").replace("</tool_use_error>", "");
            let tool = str_of(block, "tool_use_id").and_then(|id| self.tools.get(id));
            let label = match tool {
                Some((_, _, Some(command))) => clip(command.lines().next().unwrap_or(""), 160),
                Some((name, _, None)) => name.clone(),
                None => "tool".to_string(),
            };
            let located = locate(&content);
            let file = tool.and_then(|t| t.1.clone()).or_else(|| located.as_ref().map(|l| l.0.clone()));
            let detail = first_meaningful_line(&content).unwrap_or("no message");
            let finding = Finding {
                file,
                line: located.map(|l| l.1),
                error_type: "tool_error".to_string(),
                message: format!("`{label}` failed: {}", clip(detail, 300)),
                source: format!("{}:{line}", self.source),
                class: None,
            };
            self.log.evidence.push(finding);
        }
    }

    /// `{"type":"system","subtype":"api_retry","attempt":1,"max_retries":10,...}`.
    fn api_retry(&mut self, obj: &Map<String, Value>) {
        self.log.retries += 1;
        let n = |k: &str| obj.get(k).and_then(Value::as_u64);
        let error = obj.get("error").and_then(text_of).unwrap_or_else(|| "error".into());
        let status = obj.get("error_status").and_then(text_of).map(|s| format!(" ({s})")).unwrap_or_default();
        self.log.notices.push(format!(
            "API retry {}/{}: {error}{status}",
            n("attempt").unwrap_or(0),
            n("max_retries").map_or("?".into(), |m| m.to_string())
        ));
    }

    fn result(&mut self, obj: &Map<String, Value>) {
        self.saw_result = true;
        if let Some(text) = str_of(obj, "result") {
            self.log.set_final_message(text);
        }
        self.log.finished = true;
        if let Some(ms) = obj.get("duration_ms").and_then(Value::as_f64) {
            self.log.duration_s = Some(ms / 1000.0);
        }
        if let Some(usage) = obj.get("usage").and_then(Value::as_object) {
            self.log.tokens = Some(tokens_of(usage));
        }
        let subtype = str_of(obj, "subtype").unwrap_or("");
        let is_error = obj.get("is_error").and_then(Value::as_bool) == Some(true) || subtype.starts_with("error");
        if is_error {
            self.log.failure = Some(error_text(obj));
        } else {
            self.log.failure = None;
            if let Some(text) = str_of(obj, "result") {
                self.ok_result = Some(text.to_string());
            }
        }
    }

    fn finish(&mut self) {
        if !self.saw_result {
            self.log.finished = false;
            self.log.failure = Some(NO_RESULT.to_string());
        }
    }
}

/// The error text of an `is_error` result: `errors`, then `result`, then `subtype`
/// (other than `success`), then `api_error_status`.
fn error_text(obj: &Map<String, Value>) -> String {
    let errors: Vec<String> =
        obj.get("errors").and_then(Value::as_array).map(|a| a.iter().filter_map(text_of).collect()).unwrap_or_default();
    if !errors.is_empty() {
        return errors.join("; ");
    }
    if let Some(result) = str_of(obj, "result").filter(|r| !r.trim().is_empty()) {
        return result.to_string();
    }
    if let Some(subtype) = str_of(obj, "subtype").filter(|s| !s.is_empty() && *s != "success") {
        return subtype.to_string();
    }
    match obj.get("api_error_status").and_then(text_of) {
        Some(status) => format!("API error status {status}"),
        None => "the run ended with an error (no message)".to_string(),
    }
}

/// A reset time given as epoch seconds (or milliseconds) or as text, as UTC text.
fn reset_text(v: &Value) -> Option<String> {
    if let Some(s) = v.as_str() {
        return Some(s.to_string());
    }
    let n = v.as_f64()?;
    let secs = if n > 1e11 { n / 1000.0 } else { n };
    chrono::DateTime::from_timestamp(secs as i64, 0).map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn str_of<'v>(obj: &'v Map<String, Value>, key: &str) -> Option<&'v str> {
    obj.get(key).and_then(Value::as_str)
}

/// A string, number, or an object's `message`, as text; `None` for null and empty.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Object(o) => Some(str_of(o, "message").map(str::to_string).unwrap_or_else(|| v.to_string())),
        _ => None,
    }
}

fn content_blocks(message: &Map<String, Value>) -> Vec<&Map<String, Value>> {
    match message.get("content") {
        Some(Value::Array(blocks)) => blocks.iter().filter_map(Value::as_object).collect(),
        _ => Vec::new(),
    }
}

/// A tool result's content: a string, or `[{type: text, text}]`.
fn content_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(parts) => {
            parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect::<Vec<_>>().join("\n")
        }
        _ => String::new(),
    }
}

fn tokens_of(usage: &Map<String, Value>) -> TokenUsage {
    let n = |k: &str| usage.get(k).and_then(Value::as_u64).unwrap_or(0);
    let cache_read = n("cache_read_input_tokens");
    TokenUsage {
        input: n("input_tokens").saturating_add(n("cache_creation_input_tokens")).saturating_add(cache_read),
        cached_input: cache_read,
        output: n("output_tokens"),
    }
}

fn add(a: TokenUsage, b: TokenUsage) -> TokenUsage {
    TokenUsage {
        input: a.input.saturating_add(b.input),
        cached_input: a.cached_input.saturating_add(b.cached_input),
        output: a.output.saturating_add(b.output),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const API_ERROR: &str = include_str!("../../../../tests/data/formats/claude_json_api_error.json");
    const STREAM: &str = include_str!("../../../../tests/data/formats/claude_stream_json_error.jsonl");

    #[test]
    fn json_api_error_is_the_result_text() {
        let log = parse(API_ERROR, "review/b3.json");
        assert_eq!(log.kind, AgentLogKind::Claude);
        assert!(log.finished);
        assert_eq!(
            log.failure.as_deref(),
            Some(r#"API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#)
        );
        assert_eq!(log.thread_id.as_deref(), Some("5d2c9e1f-8a7b-4c6d-b3e2-1f0a9b8c7d6e"));
        assert_eq!(log.duration_s, Some(4.12));
        assert_eq!(log.tokens, Some(TokenUsage::default()));
        assert_eq!(result_text(API_ERROR), None);
    }

    #[test]
    fn stream_json_max_turns() {
        let log = parse(STREAM, "logs/b2-1.jsonl");
        assert!(log.finished);
        assert_eq!(log.failure.as_deref(), Some("Reached maximum number of turns (10)"));
        assert_eq!(log.thread_id.as_deref(), Some("7c1e2b9a-5f0d-4c3e-9a11-3b6f2d8e0c44"));
        assert_eq!(log.cwd.as_deref(), Some("/home/dev/app"));
        assert_eq!(log.files_written, vec!["/home/dev/app/src/parser.rs"]);
        assert_eq!(log.duration_s, Some(91.234));
        assert_eq!(log.tokens, Some(TokenUsage { input: 3021 + 10442 + 88310, cached_input: 88310, output: 5120 }));
        assert_eq!(log.evidence.len(), 1);
        let ev = &log.evidence[0];
        assert_eq!(ev.error_type, "tool_error");
        assert_eq!(ev.message, "`Write` failed: File has not been read yet. Read it first before writing to it.");
        assert_eq!(ev.file.as_deref(), Some("/home/dev/app/src/parser.rs"));
        assert_eq!(ev.source, "logs/b2-1.jsonl:3");
        assert_eq!(log.lines, 4);
        assert!(log.warnings.is_empty());
    }

    fn result_line(fields: &str) -> String {
        format!(
            r#"{{"type":"result","duration_ms":1200,"duration_api_ms":1100,"num_turns":3,"session_id":"s-1",{fields}}}"#
        )
    }

    #[test]
    fn error_text_order() {
        let both = result_line(
            r#""subtype":"error_during_execution","is_error":true,"errors":["Tool permission denied: Bash(rm -rf build)","Aborted by hook"],"result":"I could not finish.","api_error_status":null"#,
        );
        assert_eq!(
            parse(&both, "r").failure.as_deref(),
            Some("Tool permission denied: Bash(rm -rf build); Aborted by hook")
        );
        let result_only = result_line(
            r#""subtype":"success","is_error":true,"errors":[],"result":"API Error: 500 Internal server error""#,
        );
        assert_eq!(parse(&result_only, "r").failure.as_deref(), Some("API Error: 500 Internal server error"));
        let subtype_only = result_line(r#""subtype":"error_max_budget_usd","is_error":true"#);
        assert_eq!(parse(&subtype_only, "r").failure.as_deref(), Some("error_max_budget_usd"));
        let status_only = result_line(r#""subtype":"success","is_error":true,"result":"","api_error_status":429"#);
        assert_eq!(parse(&status_only, "r").failure.as_deref(), Some("API error status 429"));
        let ok = result_line(r#""subtype":"success","is_error":false,"result":"Done.""#);
        let log = parse(&ok, "r");
        assert!(log.finished);
        assert_eq!(log.failure, None);
    }

    #[test]
    fn stream_without_result_did_not_finish() {
        let cut: String = STREAM.lines().take(3).map(|l| format!("{l}\n")).collect();
        let log = parse(&cut, "s.jsonl");
        assert!(!log.finished);
        assert_eq!(log.failure.as_deref(), Some(NO_RESULT));
        // Tokens from the assistant message seen so far.
        assert_eq!(log.tokens, Some(TokenUsage { input: 12, cached_input: 0, output: 48 }));
        // A line cut by a kill is reported.
        let killed = format!("{cut}{}", &STREAM.lines().nth(3).unwrap_or("")[..50]);
        let log = parse(&killed, "s.jsonl");
        assert_eq!(log.failure.as_deref(), Some(NO_RESULT));
        assert_eq!(log.warnings.len(), 1);
        assert_eq!(log.warnings[0].line, Some(4));
        assert!(log.warnings[0].message.contains("cut off"));
    }

    #[test]
    fn repeated_message_usage_is_counted_once() {
        let line = |id: &str, block: &str, input: u64, output: u64| {
            format!(
                r#"{{"type":"assistant","message":{{"id":"{id}","role":"assistant","content":[{block}],"usage":{{"input_tokens":{input},"cache_read_input_tokens":100,"output_tokens":{output}}}}},"session_id":"s"}}"#
            )
        };
        let text = [
            line("msg_1", r#"{"type":"text","text":"Let me look."}"#, 10, 5),
            line("msg_1", r#"{"type":"tool_use","id":"t1","name":"Bash","input":{"command":"pytest -q tests/test_store.py"}}"#, 10, 7),
            line("msg_2", r#"{"type":"tool_use","id":"t2","name":"Edit","input":{"file_path":"/p/notes/store.py","old_string":"a","new_string":"b"}}"#, 20, 9),
            r#"{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[{"type":"text","text":"Exit code 1\nnotes/store.py:12: in save\nE   KeyError: 'title'"}],"is_error":true}]},"session_id":"s"}"#.to_string(),
        ]
        .join("\n");
        let log = parse(&text, "s.jsonl");
        assert_eq!(log.tokens, Some(TokenUsage { input: 110 + 120, cached_input: 200, output: 7 + 9 }));
        assert_eq!(log.files_written, vec!["/p/notes/store.py"]);
        assert_eq!(log.evidence.len(), 1);
        assert_eq!(log.evidence[0].message, "`pytest -q tests/test_store.py` failed: E   KeyError: 'title'");
        assert_eq!(log.evidence[0].file.as_deref(), Some("notes/store.py"));
        assert_eq!(log.evidence[0].line, Some(12));
        assert_eq!(log.evidence[0].source, "s.jsonl:4");
    }

    #[test]
    fn reviser_result_text() {
        let pretty = "{\n  \"type\": \"result\",\n  \"subtype\": \"success\",\n  \"is_error\": false,\n  \"duration_ms\": 8123,\n  \"num_turns\": 1,\n  \"result\": \"Context: notes app\\nTask: fix notes/store.py\\nFile to create/modify: notes/store.py\",\n  \"session_id\": \"r-1\"\n}\n";
        assert_eq!(
            result_text(pretty).as_deref(),
            Some("Context: notes app\nTask: fix notes/store.py\nFile to create/modify: notes/store.py")
        );
        let log = parse(pretty, "reviser.json");
        assert!(log.finished);
        assert_eq!(log.failure, None);
        assert_eq!(log.duration_s, Some(8.123));
        assert_eq!(result_text(STREAM), None);
        assert_eq!(result_text(""), None);
        // `--verbose --output-format json`: an array of every message.
        let array = format!(
            "[{},{}]",
            STREAM.lines().next().unwrap_or(""),
            result_line(r#""subtype":"success","is_error":false,"result":"Revised prompt""#)
        );
        assert_eq!(result_text(&array).as_deref(), Some("Revised prompt"));
        assert_eq!(parse(&array, "a").cwd.as_deref(), Some("/home/dev/app"));
    }

    #[test]
    fn looks_like_claude_only() {
        assert!(looks_like(API_ERROR.as_bytes()));
        assert!(looks_like(STREAM.as_bytes()));
        assert!(looks_like(&STREAM.as_bytes()[..120]));
        assert!(looks_like(b"{\n  \"type\": \"result\",\n  \"subtype\": \"succ"));
        let codex = include_str!("../../../../tests/data/formats/codex_exec_json_failed.jsonl");
        assert!(!looks_like(codex.as_bytes()));
        let rollout = include_str!("../../../../tests/data/formats/codex_rollout.jsonl");
        assert!(!looks_like(rollout.as_bytes()));
        assert!(!looks_like(b"OpenAI Codex v0.63.0\n"));
        assert!(!looks_like(b""));
    }
}
