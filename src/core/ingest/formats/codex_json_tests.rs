use super::*;
use crate::core::ingest::evidence::{clip, first_meaningful_line, locate};
use std::io;

const OK: &str = include_str!("../../../../tests/data/formats/codex_exec_json_ok.jsonl");
const FAILED: &str = include_str!("../../../../tests/data/formats/codex_exec_json_failed.jsonl");
const EARLY: &str = include_str!("../../../../tests/data/formats/codex_exec_json_early.jsonl");
const OLDEST: &str = include_str!("../../../../tests/data/formats/codex_exec_json_oldest.jsonl");
const SPARKQ: &str = include_str!("../../../../tests/data/fixtures/sparkq-phase6/_build/logs/phase6/b1-storage.jsonl");

/// A reader that hands out a few bytes at a time, to cross every buffer boundary.
struct Trickle<'a> {
    data: &'a [u8],
    step: usize,
}

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.step.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

#[test]
fn current_generation_success() {
    let log = parse(OK.as_bytes(), "logs/b1-1.jsonl");
    assert_eq!(log.kind, AgentLogKind::CodexJson);
    assert_eq!(log.thread_id.as_deref(), Some("0199b5c2-4a07-7b12-8e55-90d1c3f2aa07"));
    assert!(log.finished);
    assert_eq!(log.failure, None);
    assert_eq!(log.tokens, Some(TokenUsage { input: 18234, cached_input: 12800, output: 911 }));
    assert_eq!(log.files_written, vec!["/home/dev/app/src/lexer.rs"]);
    assert!(log.evidence.is_empty());
    assert!(log.warnings.is_empty());
    assert_eq!(log.lines, 6);
    assert_eq!(log.prompt, None);
}

#[test]
fn turn_failed_429_with_retry_notice_and_failed_command() {
    let log = parse(FAILED.as_bytes(), "logs/b1-2.jsonl");
    assert!(log.finished);
    assert_eq!(log.failure.as_deref(), Some("exceeded retry limit, last status: 429 Too Many Requests"));
    assert_eq!(log.notices.len(), 1);
    assert!(log.notices[0].starts_with("Reconnecting... 1/5 (stream disconnected"));
    assert_eq!(log.files_written, vec!["/home/dev/app/src/parser.rs"]);
    assert_eq!(log.tokens, None);
    assert_eq!(log.evidence.len(), 1);
    let ev = &log.evidence[0];
    assert_eq!(ev.error_type, "command_failed");
    assert_eq!(ev.message, "`bash -lc 'cargo check'` exited 101: error[E0425]: cannot find value `tok` in this scope");
    assert_eq!(ev.source, "logs/b1-2.jsonl:4");
}

#[test]
fn retry_notice_alone_is_not_a_failure() {
    let text = concat!(
        r#"{"type":"thread.started","thread_id":"0199b5c2-aaaa-7b12-8e55-90d1c3f2aa07"}"#,
        "\n",
        r#"{"type":"turn.started"}"#,
        "\n",
        r#"{"type":"error","message":"Reconnecting... 1/5 (stream disconnected before completion: idle timeout waiting for SSE)"}"#,
        "\n",
        r#"{"type":"error","message":"Reconnecting... 2/5 (stream disconnected before completion: idle timeout waiting for SSE)"}"#,
        "\n",
        r#"{"type":"item.completed","item":{"id":"item_0","type":"agent_message","text":"Done."}}"#,
        "\n",
        r#"{"type":"turn.completed","usage":{"input_tokens":4100,"cached_input_tokens":0,"output_tokens":120}}"#,
        "\n"
    );
    let log = parse(text.as_bytes(), "a.jsonl");
    assert!(log.finished);
    assert_eq!(log.failure, None);
    assert_eq!(log.notices.len(), 2);
    assert!(log.notices[1].starts_with("Reconnecting... 2/5"));
}

#[test]
fn cut_off_last_line_keeps_what_parsed() {
    let mut text = String::from(FAILED);
    // Drop the final turn.failed and cut the line before it mid-JSON.
    let lines: Vec<&str> = FAILED.lines().collect();
    text.clear();
    for l in &lines[..5] {
        text.push_str(l);
        text.push('\n');
    }
    text.push_str(&lines[5][..40]);
    let log = parse(text.as_bytes(), "b1-2.jsonl");
    assert_eq!(log.failure.as_deref(), Some(NO_FINAL_EVENT));
    assert!(!log.finished);
    assert_eq!(log.thread_id.as_deref(), Some("0199b5c2-3f1e-7d40-9a7c-2c1f0e8d4b11"));
    assert_eq!(log.files_written, vec!["/home/dev/app/src/parser.rs"]);
    assert_eq!(log.warnings.len(), 1);
    assert_eq!(log.warnings[0].line, Some(6));
    assert_eq!(
        log.warnings[0].message,
        "line 6 is cut off (the process was probably killed); kept what parsed before it"
    );
    assert_eq!(
        log.warnings[0].to_string(),
        "b1-2.jsonl:6: line 6 is cut off (the process was probably killed); kept what parsed before it"
    );
}

#[test]
fn invalid_line_mid_file_is_named_and_skipped() {
    let text = concat!(
        r#"{"type":"thread.started","thread_id":"t-1"}"#,
        "\n",
        "Reading prompt from stdin...\n",
        r#"{"type":"turn.started"}"#,
        "\n",
        r#"{"type":"item.completed","item":{"id":"item_0","type":"agent_message","te"#,
        "\n",
        r#"{"type":"turn.completed","usage":{"input_tokens":10,"cached_input_tokens":0,"output_tokens":5}}"#,
        "\n"
    );
    let log = parse(text.as_bytes(), "x.jsonl");
    assert!(log.finished);
    assert_eq!(log.failure, None);
    let lines: Vec<Option<usize>> = log.warnings.iter().map(|w| w.line).collect();
    assert_eq!(lines, vec![Some(2), Some(4)]);
    assert!(log.warnings[0].message.starts_with("line 2 is not valid JSON"));
    assert!(log.warnings[1].message.starts_with("line 4 is not valid JSON"));
}

fn huge_stream(output_bytes: usize, cut_last: bool) -> Vec<u8> {
    let mut out = String::from("pytest output line that passes\n");
    let filler = "tests/test_api.py::test_list_queues PASSED                                [ 42%]\n";
    while out.len() < output_bytes {
        out.push_str(filler);
    }
    out.push_str("FAILED tests/test_api.py::test_create - KeyError: 'name'\n");
    let escaped = serde_json::to_string(&out).unwrap();
    let mut s = String::new();
    s.push_str(r#"{"type":"thread.started","thread_id":"0199c0de-1111-7000-8000-000000000001"}"#);
    s.push('\n');
    s.push_str(r#"{"type":"turn.started"}"#);
    s.push('\n');
    for kind in ["item.updated", "item.updated", "item.completed"] {
        let status = if kind == "item.completed" { "failed" } else { "in_progress" };
        let exit = if kind == "item.completed" { "1" } else { "null" };
        s.push_str(&format!(
            r#"{{"type":"{kind}","item":{{"id":"item_3","type":"command_execution","command":"bash -lc 'pytest -x'","aggregated_output":{escaped},"exit_code":{exit},"status":"{status}"}}}}"#
        ));
        s.push('\n');
    }
    s.push_str(
        r#"{"type":"turn.completed","usage":{"input_tokens":52011,"cached_input_tokens":40960,"output_tokens":2301}}"#,
    );
    s.push('\n');
    if cut_last {
        s.push_str(&format!(
            r#"{{"type":"item.updated","item":{{"id":"item_4","type":"command_execution","aggregated_output":{}"#,
            &escaped[..escaped.len() / 2]
        ));
    }
    s.into_bytes()
}

#[test]
fn lines_over_one_mib_are_read_whole() {
    let bytes = huge_stream(2 << 20, false);
    assert!(bytes.len() > 6 << 20);
    let log = parse(&bytes, "big.jsonl");
    assert!(log.warnings.is_empty(), "{:?}", log.warnings);
    assert_eq!(log.lines, 6);
    assert!(log.finished);
    assert_eq!(log.failure, None);
    assert_eq!(log.tokens.map(|t| t.input), Some(52011));
    assert_eq!(log.evidence.len(), 1);
    assert_eq!(
        log.evidence[0].message,
        "`bash -lc 'pytest -x'` exited 1: FAILED tests/test_api.py::test_create - KeyError: 'name'"
    );
    assert_eq!(log.evidence[0].source, "big.jsonl:5");
    // The same through a reader that gives 4 KiB at a time.
    let trickled = read(Trickle { data: &bytes, step: 4096 }, "big.jsonl").unwrap();
    assert_eq!(trickled, log);
}

#[test]
fn cut_off_huge_skipped_line_is_reported() {
    let bytes = huge_stream(2 << 20, true);
    let log = parse(&bytes, "big.jsonl");
    assert_eq!(log.lines, 7);
    // The turn had completed: the cut line does not undo it.
    assert!(log.finished);
    assert_eq!(log.warnings.len(), 1);
    assert_eq!(log.warnings[0].line, Some(7));
    assert!(log.warnings[0].message.contains("cut off"));
}

#[test]
fn missing_final_event_and_empty_file() {
    let text: String = OK.lines().take(5).map(|l| format!("{l}\n")).collect();
    let log = parse(text.as_bytes(), "k.jsonl");
    assert!(!log.finished);
    assert_eq!(log.failure.as_deref(), Some(NO_FINAL_EVENT));
    assert_eq!(log.files_written, vec!["/home/dev/app/src/lexer.rs"]);
    assert!(log.warnings.is_empty());

    let empty = parse(b"", "empty.jsonl");
    assert!(!empty.finished);
    assert_eq!(empty.failure.as_deref(), Some(NO_FINAL_EVENT));
    assert_eq!(empty.lines, 0);
}

#[test]
fn resume_last_final_event_wins_and_tokens_are_the_last_total() {
    let text = concat!(
        r#"{"type":"thread.started","thread_id":"0199d1aa-0000-7000-8000-00000000abcd"}"#,
        "\n",
        r#"{"type":"turn.started"}"#,
        "\n",
        r#"{"type":"turn.completed","usage":{"input_tokens":1000,"cached_input_tokens":100,"output_tokens":50}}"#,
        "\n",
        r#"{"type":"turn.started"}"#,
        "\n",
        r#"{"type":"turn.failed","error":{"message":"stream disconnected before completion: error sending request"}}"#,
        "\n",
        r#"{"type":"thread.started","thread_id":"0199d1aa-0000-7000-8000-00000000abcd"}"#,
        "\n",
        r#"{"type":"turn.started"}"#,
        "\n",
        r#"{"type":"turn.completed","usage":{"input_tokens":3400,"cached_input_tokens":2900,"output_tokens":410}}"#,
        "\n"
    );
    let log = parse(text.as_bytes(), "r.jsonl");
    assert!(log.finished);
    assert_eq!(log.failure, None);
    assert_eq!(log.tokens, Some(TokenUsage { input: 3400, cached_input: 2900, output: 410 }));
    // The other order: completed, then a resumed turn that failed.
    let failed_last: String = text.lines().take(5).map(|l| format!("{l}\n")).collect();
    let log = parse(failed_last.as_bytes(), "r.jsonl");
    assert_eq!(log.failure.as_deref(), Some("stream disconnected before completion: error sending request"));
    assert_eq!(log.tokens.map(|t| t.output), Some(50));
    // A resumed turn that never ended.
    let open: String = text.lines().take(7).map(|l| format!("{l}\n")).collect();
    let log = parse(open.as_bytes(), "r.jsonl");
    assert!(!log.finished);
    assert_eq!(log.failure.as_deref(), Some(NO_FINAL_EVENT));
}

#[test]
fn file_change_paths_in_first_seen_order_without_repeats() {
    let text = concat!(
        r#"{"type":"thread.started","thread_id":"t"}"#,
        "\n",
        r#"{"type":"item.started","item":{"id":"item_1","type":"file_change","changes":[{"path":"/p/notes/store.py","kind":"add"}],"status":"in_progress"}}"#,
        "\n",
        r#"{"type":"item.completed","item":{"id":"item_1","type":"file_change","changes":[{"path":"/p/notes/store.py","kind":"add"},{"path":"/p/notes/__init__.py","kind":"update"}],"status":"completed"}}"#,
        "\n",
        r#"{"type":"item.completed","item":{"id":"item_2","type":"file_change","changes":[{"path":"/p/tests/test_store.py","kind":"add"},{"path":"/p/notes/store.py","kind":"update"}],"status":"completed","diff":"--- a\n+++ b\n"}}"#,
        "\n",
        r#"{"type":"item.completed","item":{"id":"item_3","type":"file_change","changes":[{"path":"/p/notes/cli.py","kind":"update"}],"status":"failed"}}"#,
        "\n",
        r#"{"type":"turn.completed","usage":{"input_tokens":1,"cached_input_tokens":0,"output_tokens":1}}"#,
        "\n"
    );
    let log = parse(text.as_bytes(), "f.jsonl");
    assert_eq!(
        log.files_written,
        vec!["/p/notes/store.py", "/p/notes/__init__.py", "/p/tests/test_store.py", "/p/notes/cli.py"]
    );
    assert_eq!(log.evidence.len(), 1);
    assert_eq!(log.evidence[0].error_type, "patch_failed");
    assert_eq!(log.evidence[0].message, "file change failed: /p/notes/cli.py");
}

#[test]
fn invalid_utf8_is_read_lossily() {
    // `<FF>` / `<E9>` stand for the raw bytes 0xFF / 0xE9 (Latin-1 output in a UTF-8 stream).
    let text = concat!(
        r#"{"type":"thread.started","thread_id":"0199e000-0000-7000-8000-000000000042"}"#,
        "\n",
        r#"{"type":"item.completed","item":{"id":"item_0","type":"command_execution","command":"bash -lc 'python gen.py <FF><FF>'","aggregated_output":"Traceback (most recent call last):\n  File \"gen.py\", line 12, in <module>\nUnicodeDecodeError: 'utf-8' codec can't decode byte <FF>\n","exit_code":1,"status":"failed"}}"#,
        "\n",
        r#"{"type":"item.completed","item":{"id":"item_1","type":"agent_message","text":"caf<E9>"}}"#,
        "\n",
        r#"{"type":"turn.completed","usage":{"input_tokens":7,"cached_input_tokens":0,"output_tokens":3}}"#,
        "\n"
    );
    let mut bytes = Vec::new();
    for (i, part) in text.split("<FF>").enumerate() {
        if i > 0 {
            bytes.push(0xFF);
        }
        for (j, piece) in part.split("<E9>").enumerate() {
            if j > 0 {
                bytes.push(0xE9);
            }
            bytes.extend_from_slice(piece.as_bytes());
        }
    }
    assert!(std::str::from_utf8(&bytes).is_err());
    let log = parse(&bytes, "u.jsonl");
    assert!(log.warnings.is_empty(), "{:?}", log.warnings);
    assert!(log.finished);
    assert_eq!(log.evidence.len(), 1);
    let ev = &log.evidence[0];
    assert_eq!(
        ev.message,
        "`bash -lc 'python gen.py \u{fffd}\u{fffd}'` exited 1: UnicodeDecodeError: 'utf-8' codec can't decode byte \u{fffd}"
    );
    assert_eq!(ev.file.as_deref(), Some("gen.py"));
    assert_eq!(ev.line, Some(12));
}

#[test]
fn early_generation() {
    let log = parse(EARLY.as_bytes(), "early.jsonl");
    assert_eq!(log.kind, AgentLogKind::CodexJsonEarly);
    assert_eq!(log.thread_id.as_deref(), Some("0199a213-81c0-7800-8aa1-bbab2a035a53"));
    assert!(log.finished);
    assert_eq!(log.failure, None);
    assert_eq!(log.files_written, vec!["/home/dev/calc/calc.py"]);
    assert_eq!(log.tokens.map(|t| t.total()), Some(9012 + 733));
    assert_eq!(log.notices.len(), 1);
    assert_eq!(log.evidence.len(), 1);
    assert_eq!(log.evidence[0].message, "`bash -lc 'pytest -q'` exited 1: E   assert 4 == 5");
    assert_eq!(log.evidence[0].file.as_deref(), Some("tests/test_calc.py"));
    assert_eq!(log.evidence[0].line, Some(4));
}

#[test]
fn early_build_without_turn_events_ends_on_the_agent_message() {
    let text: String = EARLY.lines().filter(|l| !l.contains("\"turn.")).map(|l| format!("{l}\n")).collect();
    let log = parse(text.as_bytes(), "early.jsonl");
    assert!(log.finished);
    assert_eq!(log.failure, None);
    assert_eq!(log.warnings.len(), 1);
    assert!(log.warnings[0].message.contains("older codex build"));
    // Killed before the agent's message: no final event.
    let cut: String = text.lines().take(4).map(|l| format!("{l}\n")).collect();
    let log = parse(cut.as_bytes(), "early.jsonl");
    assert_eq!(log.failure.as_deref(), Some(NO_FINAL_EVENT));
}

#[test]
fn oldest_generation() {
    let log = parse(OLDEST.as_bytes(), "oldest.jsonl");
    assert_eq!(log.kind, AgentLogKind::CodexJsonOldest);
    assert_eq!(
        log.prompt.as_deref(),
        Some("Create src/tokens.rs: a Token enum for the lexer.\n\nFile to create: src/tokens.rs\nValidation: cargo build")
    );
    assert_eq!(log.cwd.as_deref(), Some("/home/dev/app"));
    assert_eq!(log.thread_id.as_deref(), Some("5b0f7a0e-2f1c-4f5e-9c1d-2b7d1e0c9a34"));
    assert!(log.finished);
    assert_eq!(
        log.failure.as_deref(),
        Some("stream disconnected before completion: Transport error: error decoding response body")
    );
    assert_eq!(log.tokens, Some(TokenUsage { input: 5120, cached_input: 2048, output: 640 }));
    assert_eq!(log.files_written, vec!["/home/dev/app/src/tokens.rs"]);
    assert_eq!(log.evidence.len(), 1);
    let ev = &log.evidence[0];
    assert_eq!(ev.message, "`bash -lc cargo build` exited 101: error[E0432]: unresolved import `crate::lexer`");
    assert_eq!(ev.file.as_deref(), Some("src/tokens.rs"));
    assert_eq!(ev.line, Some(1));
    assert_eq!(ev.source, "oldest.jsonl:10");
    assert!(log.warnings.is_empty(), "{:?}", log.warnings);
}

#[test]
fn oldest_generation_clean_and_killed() {
    let clean: String =
        OLDEST.lines().filter(|l| !l.contains("\"type\":\"error\"")).map(|l| format!("{l}\n")).collect();
    let log = parse(clean.as_bytes(), "o.jsonl");
    assert!(log.finished);
    assert_eq!(log.failure, None);
    // Killed after the error, before task_complete: the error is the failure.
    let killed: String = OLDEST.lines().take(12).map(|l| format!("{l}\n")).collect();
    let log = parse(killed.as_bytes(), "o.jsonl");
    assert!(!log.finished);
    assert_eq!(
        log.failure.as_deref(),
        Some("stream disconnected before completion: Transport error: error decoding response body")
    );
    // Killed mid-task without an error.
    let killed: String = OLDEST.lines().take(9).map(|l| format!("{l}\n")).collect();
    let log = parse(killed.as_bytes(), "o.jsonl");
    assert_eq!(log.failure.as_deref(), Some(NO_FINAL_EVENT));
}

#[test]
fn realistic_fixture_log() {
    let log = parse(SPARKQ.as_bytes(), "logs/phase6/b1-storage.jsonl");
    assert_eq!(log.thread_id.as_deref(), Some("0199a6ce-612e-7c9e-35bf-7ce418072e8c"));
    assert_eq!(log.files_written, vec!["/home/luce/apps/sparkqueue/sparkq/src/storage.py"]);
    assert_eq!(log.tokens.map(|t| t.total()), Some(27467 + 1567));
    assert!(log.finished && log.failure.is_none() && log.evidence.is_empty());
    // Byte-at-a-time reading gives the same summary.
    let trickled = read(Trickle { data: SPARKQ.as_bytes(), step: 1 }, "logs/phase6/b1-storage.jsonl").unwrap();
    assert_eq!(trickled, log);
}

#[test]
fn crlf_line_ends_and_timestamps() {
    let text = "{\"type\":\"thread.started\",\"thread_id\":\"t-9\",\"timestamp\":\"2025-11-20T14:03:11Z\"}\r\n{\"type\":\"turn.started\"}\r\n{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":5,\"cached_input_tokens\":0,\"output_tokens\":2},\"timestamp\":\"2025-11-20T14:05:00.500Z\"}\r\n";
    let log = parse(text.as_bytes(), "c.jsonl");
    assert!(log.warnings.is_empty());
    assert_eq!(log.thread_id.as_deref(), Some("t-9"));
    assert_eq!(log.started_at.map(|t| t.to_rfc3339()), Some("2025-11-20T14:03:11+00:00".to_string()));
    assert_eq!(log.ended_at.map(|t| t.timestamp_millis()), Some(1_763_647_500_500));
}

#[test]
fn mcp_and_error_items_are_evidence() {
    let text = concat!(
        r#"{"type":"item.completed","item":{"id":"item_5","type":"mcp_tool_call","server":"docs","tool":"search","arguments":{"q":"x"},"result":null,"error":{"message":"tool call timed out after 60s"},"status":"failed"}}"#,
        "\n",
        r#"{"type":"item.completed","item":{"id":"item_6","type":"error","message":"command output was truncated"}}"#,
        "\n",
        r#"{"type":"turn.completed","usage":{"input_tokens":1,"cached_input_tokens":0,"output_tokens":1}}"#,
        "\n"
    );
    let log = parse(text.as_bytes(), "m.jsonl");
    let got: Vec<(&str, &str)> = log.evidence.iter().map(|f| (f.error_type.as_str(), f.message.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("tool_failed", "`docs.search` failed: tool call timed out after 60s"),
            ("agent_warning", "command output was truncated"),
        ]
    );
    assert_eq!(log.failure, None);
}

#[test]
fn looks_like_every_generation_and_nothing_else() {
    assert!(looks_like(OK.as_bytes()));
    assert!(looks_like(FAILED.as_bytes()));
    assert!(looks_like(EARLY.as_bytes()));
    assert!(looks_like(OLDEST.as_bytes()));
    assert!(looks_like(b"\n\n{\"id\":\"0\",\"msg\":{\"type\":\"task_started\"}}\n"));
    assert!(looks_like(b"{\"prompt\":\"Create src/a.rs\"}\n"));
    // A head that ends inside a long first line.
    assert!(looks_like(b"{\"type\":\"item.updated\",\"item\":{\"id\":\"item_0\",\"aggregated_output\":\"aaaa"));
    let claude = include_str!("../../../../tests/data/formats/claude_stream_json_error.jsonl");
    assert!(!looks_like(claude.as_bytes()));
    let claude_json = include_str!("../../../../tests/data/formats/claude_json_api_error.json");
    assert!(!looks_like(claude_json.as_bytes()));
    let rollout = include_str!("../../../../tests/data/formats/codex_rollout.jsonl");
    assert!(!looks_like(rollout.as_bytes()));
    assert!(!looks_like(&rollout.as_bytes()[..60]));
    assert!(!looks_like(b"OpenAI Codex v0.63.0 (research preview)\n--------\n"));
    assert!(!looks_like(b"{\"model\":\"gpt-5\",\"cwd\":\"/x\"}\n{\"other\":1}\n"));
    assert!(!looks_like(b""));
}

#[test]
fn evidence_helpers() {
    assert_eq!(
        locate("error[E0432]: unresolved import `x`\n --> src/lib.rs:3:5\n"),
        Some(("src/lib.rs".to_string(), 3))
    );
    assert_eq!(
        locate("sparkq/src/models.py:12: error: Name \"Queue\" is not defined  [name-defined]"),
        Some(("sparkq/src/models.py".to_string(), 12))
    );
    assert_eq!(locate("src/x.ts(3,5): error TS2307: Cannot find module './y'"), Some(("src/x.ts".to_string(), 3)));
    assert_eq!(locate("./main.go:3:5: undefined: y"), Some(("./main.go".to_string(), 3)));
    assert_eq!(locate("at 12:30:45 nothing here\nsee https://x.io:443/a.b"), None);
    assert_eq!(first_meaningful_line("\n======\nCompiling x\nerror: linking failed\n"), Some("error: linking failed"));
    assert_eq!(first_meaningful_line("\n  just text  \n"), Some("just text"));
    assert_eq!(first_meaningful_line(" \n----\n"), None);
    assert_eq!(clip("ééééé", 3), "ééé…");
}

/// A stream of `tests/data`, built into the test (core reads no files).
macro_rules! stream {
    ($rel:literal) => {
        ($rel, &include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/", $rel))[..])
    };
}

#[test]
fn quick_lines_read_the_same_as_parsed_ones() {
    let streams = [
        stream!("fixtures/real-codex-current/_build/logs/phase3/b2-journal-tests.jsonl"),
        stream!("fixtures/real-codex-current/_build/logs/phase3/b1-money.jsonl"),
        stream!("fixtures/sparkq-phase6/_build/logs/phase6/b2-api.jsonl"),
        stream!("fixtures/sparkq-phase6/_build/logs/phase6/b3-api-tests.jsonl"),
        stream!("formats/codex_json/interrupted.jsonl"),
        stream!("formats/codex_json/declined_and_telemetry.jsonl"),
        stream!("formats/codex_exec_json_early.jsonl"),
        stream!("formats/codex_exec_json_failed.jsonl"),
        stream!("decisions/interface-mismatch/_build/logs/b2-middleware.jsonl"),
    ];
    let mut quick_lines = 0;
    for (rel, bytes) in streams {
        quick_lines += bytes.split(|&b| b == b'\n').filter(|l| Quick::of(l).is_some()).count();
        let quick = read_with(bytes, rel, true).expect("read");
        let parsed = read_with(bytes, rel, false).expect("read");
        assert_eq!(quick, parsed, "{rel}");
    }
    assert!(quick_lines > 20, "the fixtures hold lines of both quick shapes: {quick_lines}");
}

#[test]
fn only_the_plain_shapes_are_quick() {
    let started = br#"{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"ls","aggregated_output":"","exit_code":null,"status":"in_progress"}}"#;
    let passed = br#"{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"ls","aggregated_output":"a\n","exit_code":0,"status":"completed"}}"#;
    let reasoning =
        br#"{"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"**Reading the spec**"}}"#;
    assert_eq!(Quick::of(br#"{"type":"turn.started"}"#), Some(Quick::TurnStarted));
    assert_eq!(Quick::of(started), Some(Quick::InProgress));
    assert_eq!(Quick::of(passed), Some(Quick::NotAMessage));
    assert_eq!(Quick::of(reasoning), Some(Quick::NotAMessage));
    // A failed command, a completed file change or agent message, a timestamped or
    // early-generation line, an item whose type does not follow its id, a cut line: parsed.
    let failed = br#"{"type":"item.completed","item":{"id":"item_1","type":"command_execution","command":"ls","aggregated_output":"","exit_code":1,"status":"failed"}}"#;
    let change = br#"{"type":"item.completed","item":{"id":"item_2","type":"file_change","changes":[],"exit_code":0,"status":"completed"}}"#;
    let message = br#"{"type":"item.completed","item":{"id":"item_3","type":"agent_message","text":"Done."}}"#;
    let stamped =
        br#"{"type":"item.started","timestamp":"2025-01-01T00:00:00Z","item":{"id":"item_1","status":"in_progress"}}"#;
    let stamped_after = br#"{"type":"item.completed","item":{"id":"item_0","type":"reasoning","text":"x"},"timestamp":"2025-01-01T00:00:00Z"}"#;
    let early =
        br#"{"type":"item.started","item":{"id":"item_1","item_type":"command_execution","status":"in_progress"}}"#;
    let early_reasoning = br#"{"type":"item.completed","item":{"id":"itm_0","item_type":"reasoning","text":"x"}}"#;
    let reordered = br#"{"type":"item.started","item":{"status":"x","id":"item_1","type":"command_execution","status":"in_progress"}}"#;
    let escaped_id = br#"{"type":"item.completed","item":{"id":"a\"b","type":"reasoning","text":"x"}}"#;
    let turn_stamped = br#"{"type":"turn.started","timestamp":"2025-01-01T00:00:00Z"}"#;
    let cut = br#"{"type":"item.started","item":{"id":"item_1","type":"command_execution","command":"ls","#;
    for line in [
        &failed[..],
        change,
        message,
        stamped,
        stamped_after,
        early,
        early_reasoning,
        reordered,
        escaped_id,
        turn_stamped,
        cut,
    ] {
        assert_eq!(Quick::of(line), None, "{}", String::from_utf8_lossy(line));
    }
}
