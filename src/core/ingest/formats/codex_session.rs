//! Codex session files `rollout-*.jsonl` (formats/README.md §3): used to recover a prompt by thread id.

use super::codex_json::TokenInfo;
use crate::core::ingest::evidence::failed_command_finding;
use crate::core::ingest::jsonl::{first_type_value, trim_ascii, ErrText, Str};
use crate::core::ingest::ParseWarning;
use crate::core::model::{Finding, TokenUsage};
use chrono::{DateTime, Utc};
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

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
    /// Files its `apply_patch` calls added or updated (`*** Add File:` / `*** Update File:`,
    /// relative to `cwd` in 0.46+ builds), first-seen order, no repeats.
    pub files_written: Vec<String>,
    /// Commands whose `function_call_output` metadata gave a non-zero exit code.
    pub evidence: Vec<Finding>,
    pub warnings: Vec<ParseWarning>,
}

/// Read a session file. `source` is the name to report; when it is a rollout file name
/// (or path) and the file has no `session_meta`, the id is taken from the name.
/// Lines without the `{timestamp, type, payload}` wrapper (very old flat `sessions/` files:
/// a meta line `{id, timestamp, ...}`, then bare `{"type":"message",...}` items) are read too.
pub fn parse(text: &str, source: &str) -> Session {
    let mut s = Session::default();
    let mut fallback_prompt: Option<String> = None;
    // An unparsable line not yet known to be the last one.
    let mut pending: Option<(usize, String)> = None;
    let mut first_object = true;
    // call id -> command, for naming a failed command's output.
    let mut calls: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some((l, err)) = pending.take() {
            crate::core::ingest::push_warning(
                &mut s.warnings,
                warning(source, l, format!("line {l} is not valid JSON ({err}); skipped")),
            );
        }
        let rec: Record<'_> = match serde_json::from_str(line) {
            Ok(rec) => rec,
            Err(err) if err.is_data() => {
                let message = format!("line {n} has an unexpected shape ({err}); skipped");
                crate::core::ingest::push_warning(&mut s.warnings, warning(source, n, message));
                continue;
            }
            Err(err) => {
                pending = Some((n, err.to_string()));
                continue;
            }
        };
        let was_first = std::mem::replace(&mut first_object, false);
        if let Some(t) = rec.timestamp.as_ref().and_then(|t| parse_time(&t.0)) {
            s.started_at.get_or_insert(t);
            s.ended_at = Some(t);
        }
        let kind = rec.kind.as_ref().map(|k| k.0.as_ref()).unwrap_or("");
        let Some(p) = rec.payload else {
            // Very old files: bare items and a bare meta line.
            if kind == "message" {
                let item = Payload { role: rec.role, content: rec.content, ..Payload::default() };
                note_user_input(&item, &mut fallback_prompt);
            } else if was_first && kind.is_empty() {
                if let Some(id) = rec.id {
                    s.id = Some(id.0.into_owned());
                }
            }
            continue;
        };
        let ptype = p.kind.as_ref().map(|k| k.0.as_ref()).unwrap_or("");
        match (kind, ptype) {
            ("session_meta", _) => {
                if let Some(id) = &p.id {
                    s.id.get_or_insert_with(|| id.0.to_string());
                }
                if let Some(cwd) = &p.cwd {
                    s.cwd = Some(cwd.0.to_string());
                }
                if let Some(o) = &p.originator {
                    s.originator = Some(o.0.to_string());
                }
            }
            ("turn_context", _) if s.cwd.is_none() => {
                s.cwd = p.cwd.as_ref().map(|c| c.0.to_string());
            }
            ("response_item", "message") => note_user_input(&p, &mut fallback_prompt),
            ("event_msg", "user_message") if s.prompt.is_none() => {
                s.prompt = p.message.and_then(|m| m.0);
            }
            ("event_msg", "token_count") => {
                if let Some(usage) = p.info.and_then(|i| i.total_token_usage) {
                    s.tokens = Some(usage.tokens());
                }
            }
            ("event_msg", "error") => {
                let message = p.message.and_then(|m| m.0).unwrap_or_else(|| "error".to_string());
                s.error = Some(match p.codex_error_info.and_then(|i| i.0) {
                    Some(info) => format!("{message} ({info})"),
                    None => message,
                });
            }
            ("event_msg", "turn_aborted") => {
                let reason = p.reason.and_then(|r| r.0).unwrap_or_default();
                s.error = Some(format!("turn aborted: {reason}"));
            }
            ("event_msg", "task_complete" | "turn_complete") => s.completed = true,
            ("response_item", "custom_tool_call" | "function_call") => {
                let name = p.name.as_ref().map(|n| n.0.as_ref()).unwrap_or("");
                if name == "apply_patch" {
                    let patch = p.input.as_ref().map(|i| i.0.as_ref()).or(p.arguments.as_ref().map(|a| a.0.as_ref()));
                    for path in patch.map(patched_files).unwrap_or_default() {
                        if !s.files_written.contains(&path) {
                            s.files_written.push(path);
                        }
                    }
                } else if let Some(call) = &p.call_id {
                    let command = p.arguments.as_ref().map(|a| command_of(&a.0)).unwrap_or_default();
                    calls.insert(call.0.to_string(), command);
                }
            }
            ("response_item", "function_call_output" | "custom_tool_call_output") => {
                let command = p.call_id.as_ref().and_then(|c| calls.remove(c.0.as_ref())).unwrap_or_default();
                if let Some(out) = p.output.as_ref().and_then(|o| o.0.as_deref()) {
                    if let Some((code, text)) = failed_output(out) {
                        let src = format!("{source}:{n}");
                        s.evidence.push(failed_command_finding(&command, Some(code), &text, src));
                    }
                }
            }
            _ => {}
        }
    }
    if let Some((l, _)) = pending {
        let message = format!("line {l} is cut off (the process was probably killed); kept what parsed before it");
        crate::core::ingest::push_warning(&mut s.warnings, warning(source, l, message));
    }
    if s.prompt.is_none() {
        s.prompt = fallback_prompt;
    }
    if s.id.is_none() {
        s.id = thread_id_from_file_name(source);
    }
    s
}

/// The thread id at the end of `rollout-2025-11-20T14-03-11-<thread_id>.jsonl`.
pub fn thread_id_from_file_name(name: &str) -> Option<String> {
    let file = name.rsplit(['/', '\\']).next()?;
    let stem = file.strip_suffix(".jsonl").or_else(|| file.strip_suffix(".json"))?;
    if !stem.starts_with("rollout-") || stem.len() < "rollout-".len() + 37 {
        return None;
    }
    let (before, id) = stem.split_at_checked(stem.len() - 36)?;
    if !before.ends_with('-') {
        return None;
    }
    let shape_ok =
        id.split('-').map(str::len).eq([8, 4, 4, 4, 12]) && id.chars().all(|c| c == '-' || c.is_ascii_hexdigit());
    shape_ok.then(|| id.to_string())
}

/// True when the first line is a session line (`{"timestamp":..,"type":"session_meta",...}`).
pub fn looks_like(head: &[u8]) -> bool {
    let Some(first) = head.split(|&b| b == b'\n').map(trim_ascii).find(|l| !l.is_empty()) else {
        return false;
    };
    const KINDS: [&str; 5] = ["session_meta", "turn_context", "response_item", "event_msg", "compacted"];
    // Without a `payload` key anywhere it is no session line, whole or cut (the common case:
    // every other JSON log), and needs no parse to say so.
    if !first.starts_with(b"{\"timestamp\":") && memchr::memmem::find(first, b"\"payload\"").is_none() {
        return false;
    }
    match serde_json::from_slice::<serde_json::Value>(first) {
        Ok(serde_json::Value::Object(obj)) => {
            obj.contains_key("timestamp")
                && obj.contains_key("payload")
                && obj.get("type").and_then(|t| t.as_str()).is_some_and(|t| KINDS.contains(&t))
        }
        Ok(_) => false,
        // A head that ends inside a long first line.
        Err(_) => {
            first.starts_with(b"{\"timestamp\":")
                && first_type_value(first).and_then(|t| std::str::from_utf8(t).ok()).is_some_and(|t| KINDS.contains(&t))
        }
    }
}

/// The files a patch adds or updates: `*** Add File: path` / `*** Update File: path` lines
/// (and the target of a `*** Move to: path`).
fn patched_files(patch: &str) -> Vec<String> {
    patch
        .lines()
        .filter_map(|l| {
            let l = l.trim();
            l.strip_prefix("*** Add File:")
                .or_else(|| l.strip_prefix("*** Update File:"))
                .or_else(|| l.strip_prefix("*** Move to:"))
        })
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The command of a `function_call` (`{"command": ["bash", "-lc", "pytest -q"], ...}`).
fn command_of(arguments: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(arguments) else { return String::new() };
    match &v["command"] {
        serde_json::Value::String(c) => c.clone(),
        serde_json::Value::Array(parts) => {
            let parts: Vec<&str> = parts.iter().filter_map(|p| p.as_str()).collect();
            // `bash -lc "<script>"`: the script is the command.
            match parts.as_slice() {
                [_, "-lc" | "-c", script] => script.to_string(),
                _ => parts.join(" "),
            }
        }
        _ => String::new(),
    }
}

/// A tool output that is a JSON string `{"output": "...", "metadata": {"exit_code": N, ...}}`
/// with a non-zero exit code: the code and the output text.
fn failed_output(output: &str) -> Option<(i64, String)> {
    let v: serde_json::Value = serde_json::from_str(output.trim()).ok()?;
    let code = v["metadata"]["exit_code"].as_i64()?;
    (code != 0).then(|| (code, v["output"].as_str().unwrap_or("").to_string()))
}

fn warning(source: &str, line: usize, message: String) -> ParseWarning {
    ParseWarning { source: source.to_string(), line: Some(line), message }
}

fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

/// The first user text that is the prompt, not the context codex adds before it.
fn note_user_input(item: &Payload<'_>, prompt: &mut Option<String>) {
    if prompt.is_some() || item.role.as_ref().map(|r| r.0.as_ref()) != Some("user") {
        return;
    }
    let Some(content) = &item.content else {
        return;
    };
    let text = content.0.iter().find(|t| {
        let t = t.trim_start();
        !(t.starts_with("<environment_context>")
            || t.starts_with("<user_instructions>")
            || t.starts_with("# AGENTS.md instructions"))
    });
    *prompt = text.cloned();
}

#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow)]
    timestamp: Option<Str<'a>>,
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    payload: Option<Payload<'a>>,
    // Very old files: bare items.
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    role: Option<Str<'a>>,
    content: Option<Texts>,
}

#[derive(Deserialize, Default)]
struct Payload<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Str<'a>>,
    #[serde(borrow)]
    id: Option<Str<'a>>,
    #[serde(borrow)]
    cwd: Option<Str<'a>>,
    #[serde(borrow)]
    originator: Option<Str<'a>>,
    message: Option<ErrText>,
    #[serde(borrow)]
    role: Option<Str<'a>>,
    content: Option<Texts>,
    info: Option<TokenInfo>,
    codex_error_info: Option<InfoName>,
    reason: Option<ErrText>,
    #[serde(borrow)]
    name: Option<Str<'a>>,
    /// `custom_tool_call` input (the patch text of `apply_patch`).
    #[serde(borrow)]
    input: Option<Str<'a>>,
    /// `function_call` arguments (a JSON string).
    #[serde(borrow)]
    arguments: Option<Str<'a>>,
    #[serde(borrow)]
    call_id: Option<Str<'a>>,
    /// `function_call_output.output`: a string (in 0.46+ a JSON string with `metadata`).
    output: Option<ErrText>,
}

/// The texts of a message `content`: `[{type: input_text|output_text, text}]` or a string.
struct Texts(Vec<String>);

impl<'de> Deserialize<'de> for Texts {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Part {
            text: Option<ErrText>,
        }
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Texts;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("message content")
            }
            fn visit_str<E>(self, v: &str) -> Result<Texts, E> {
                Ok(Texts(vec![v.to_string()]))
            }
            fn visit_unit<E>(self) -> Result<Texts, E> {
                Ok(Texts(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Texts, A::Error> {
                let mut texts = Vec::new();
                while let Some(part) = seq.next_element::<Part>()? {
                    texts.extend(part.text.and_then(|t| t.0));
                }
                Ok(Texts(texts))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Texts, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Texts(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `codex_error_info`: a name (`"usage_limit_exceeded"`) or an object keyed by the name
/// (`{"response_stream_disconnected": {"http_status_code": 502}}`).
struct InfoName(Option<String>);

impl<'de> Deserialize<'de> for InfoName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = InfoName;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an error kind")
            }
            fn visit_str<E>(self, v: &str) -> Result<InfoName, E> {
                Ok(InfoName(Some(v.to_string())))
            }
            fn visit_unit<E>(self) -> Result<InfoName, E> {
                Ok(InfoName(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<InfoName, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(InfoName(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<InfoName, A::Error> {
                let mut name = None;
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    name.get_or_insert(key);
                }
                Ok(InfoName(name))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROLLOUT: &str = include_str!("../../../../tests/data/formats/codex_rollout.jsonl");
    const NAME: &str = "sessions/2025/11/20/rollout-2025-11-20T14-03-11-0199b5c2-3f1e-7d40-9a7c-2c1f0e8d4b11.jsonl";

    #[test]
    fn rollout_example() {
        let s = parse(ROLLOUT, NAME);
        assert_eq!(s.id.as_deref(), Some("0199b5c2-3f1e-7d40-9a7c-2c1f0e8d4b11"));
        assert_eq!(s.cwd.as_deref(), Some("/home/dev/app"));
        assert_eq!(s.originator.as_deref(), Some("codex_exec"));
        assert_eq!(
            s.prompt.as_deref(),
            Some("Create src/parser.rs implementing a recursive-descent parser for the Token stream in src/lexer.rs.")
        );
        assert_eq!(s.tokens, Some(TokenUsage { input: 18234, cached_input: 12800, output: 911 }));
        assert_eq!(s.error.as_deref(), Some("You've hit your usage limit. Try again later. (usage_limit_exceeded)"));
        assert!(!s.completed);
        assert_eq!(s.started_at.map(|t| t.to_rfc3339()), Some("2025-11-20T14:03:11.482+00:00".to_string()));
        assert_eq!(s.ended_at.map(|t| t.to_rfc3339()), Some("2025-11-20T14:03:30.771+00:00".to_string()));
        assert!(s.warnings.is_empty());
    }

    #[test]
    fn completion_abort_and_structured_error_info() {
        let text = concat!(
            r#"{"timestamp":"2025-10-29T00:59:38.317Z","type":"session_meta","payload":{"id":"019a2d7a-41c4-78b1-b7cc-a45d62a89cd5","timestamp":"2025-10-29T00:59:38.308Z","cwd":"/tmp/t","originator":"codex_exec","cli_version":"0.46.0","instructions":null,"source":"exec","git":{}}}"#,
            "\n",
            r#"{"timestamp":"2025-10-29T00:59:39.000Z","type":"event_msg","payload":{"type":"error","message":"stream disconnected before completion","codex_error_info":{"response_stream_disconnected":{"http_status_code":502}}}}"#,
            "\n",
            r#"{"timestamp":"2025-10-29T00:59:40.000Z","type":"event_msg","payload":{"type":"task_complete","last_agent_message":"Done."}}"#,
            "\n"
        );
        let s = parse(text, "x.jsonl");
        assert!(s.completed);
        assert_eq!(s.error.as_deref(), Some("stream disconnected before completion (response_stream_disconnected)"));
        let aborted = format!(
            "{text}{}\n",
            r#"{"timestamp":"2025-10-29T01:00:00.000Z","type":"event_msg","payload":{"type":"turn_aborted","reason":"interrupted"}}"#
        );
        assert_eq!(parse(&aborted, "x.jsonl").error.as_deref(), Some("turn aborted: interrupted"));
    }

    #[test]
    fn prompt_from_response_item_skips_added_context() {
        let text = concat!(
            r#"{"timestamp":"2025-10-29T00:59:38.317Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"<environment_context>\n  <cwd>/tmp/t</cwd>\n</environment_context>"}]}}"#,
            "\n",
            r#"{"timestamp":"2025-10-29T00:59:38.318Z","type":"response_item","payload":{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hi"}]}}"#,
            "\n",
            r#"{"timestamp":"2025-10-29T00:59:38.319Z","type":"response_item","payload":{"type":"message","role":"user","content":[{"type":"input_text","text":"Write notes/store.py"}]}}"#,
            "\n"
        );
        let s = parse(text, NAME);
        assert_eq!(s.prompt.as_deref(), Some("Write notes/store.py"));
        // No session_meta: the id comes from the file name.
        assert_eq!(s.id.as_deref(), Some("0199b5c2-3f1e-7d40-9a7c-2c1f0e8d4b11"));
    }

    #[test]
    fn cut_off_last_line() {
        let cut = &ROLLOUT[..ROLLOUT.len() - 40];
        let s = parse(cut, NAME);
        assert_eq!(s.error, None);
        assert_eq!(s.tokens.map(|t| t.output), Some(911));
        assert_eq!(s.warnings.len(), 1);
        assert_eq!(s.warnings[0].line, Some(8));
        assert_eq!(
            s.warnings[0].message,
            "line 8 is cut off (the process was probably killed); kept what parsed before it"
        );
    }

    #[test]
    fn very_old_flat_session_file() {
        let text = concat!(
            r#"{"id":"5b0f7a0e-2f1c-4f5e-9c1d-2b7d1e0c9a34","timestamp":"2025-07-01T09:00:00.000Z","instructions":null}"#,
            "\n",
            r#"{"record_type":"state"}"#,
            "\n",
            r#"{"type":"message","role":"user","content":[{"type":"input_text","text":"Create src/tokens.rs"}]}"#,
            "\n"
        );
        let s = parse(text, "sessions/rollout-2025-07-01-5b0f7a0e.jsonl");
        assert_eq!(s.id.as_deref(), Some("5b0f7a0e-2f1c-4f5e-9c1d-2b7d1e0c9a34"));
        assert_eq!(s.prompt.as_deref(), Some("Create src/tokens.rs"));
    }

    #[test]
    fn thread_id_from_names() {
        assert_eq!(
            thread_id_from_file_name("rollout-2025-11-20T14-03-11-0199b5c2-3f1e-7d40-9a7c-2c1f0e8d4b11.jsonl")
                .as_deref(),
            Some("0199b5c2-3f1e-7d40-9a7c-2c1f0e8d4b11")
        );
        assert_eq!(thread_id_from_file_name(NAME).as_deref(), Some("0199b5c2-3f1e-7d40-9a7c-2c1f0e8d4b11"));
        assert_eq!(thread_id_from_file_name("rollout-2025-11-20T14-03-11.jsonl"), None);
        assert_eq!(thread_id_from_file_name("b1-2.jsonl"), None);
        assert_eq!(
            thread_id_from_file_name("rollout-2025-11-20T14-03-11-0199b5c2-3f1e-7d40-9a7c-2c1f0e8d4b1z.jsonl"),
            None
        );
    }

    #[test]
    fn looks_like_session_files_only() {
        assert!(looks_like(ROLLOUT.as_bytes()));
        assert!(looks_like(&ROLLOUT.as_bytes()[..100]));
        let exec = include_str!("../../../../tests/data/formats/codex_exec_json_ok.jsonl");
        assert!(!looks_like(exec.as_bytes()));
        let claude = include_str!("../../../../tests/data/formats/claude_stream_json_error.jsonl");
        assert!(!looks_like(claude.as_bytes()));
        assert!(!looks_like(b""));
    }
}
