//! The registry: every format is sniffed by exactly one reader, in the documented order.

use super::*;

/// A fixture of `tests/data/formats`, built into the test (core reads no files).
macro_rules! fixture {
    ($rel:literal) => {
        ($rel, &include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/formats/", $rel))[..])
    };
}

#[test]
fn each_reader_of_the_registry_is_listed_once() {
    for (i, r) in REGISTRY.iter().enumerate() {
        assert!(REGISTRY[i + 1..].iter().all(|o| o.format() != r.format()), "{} twice", r.name());
        assert_eq!(reader(r.format()).map(|x| x.name()), Some(r.name()));
    }
    // The generator names live here only.
    let named: Vec<&str> = REGISTRY.iter().filter_map(|r| r.generator()).collect();
    assert!(GENERATORS.iter().all(|g| named.contains(g)), "{named:?}");
}

#[test]
fn fixtures_are_sniffed_by_their_reader() {
    for (fixture, format) in [
        (fixture!("codex_exec_json_ok.jsonl"), Format::CodexJson),
        (fixture!("codex_exec_json_oldest.jsonl"), Format::CodexJson),
        (fixture!("codex_rollout.jsonl"), Format::CodexSession),
        (fixture!("claude_json_api_error.json"), Format::Claude),
        (fixture!("claude_stream_json_error.jsonl"), Format::Claude),
        (fixture!("codex_exec_text_old.log"), Format::CodexText),
    ] {
        let (rel, bytes) = fixture;
        assert_eq!(sniff(rel, bytes, &[]), format, "{rel}");
    }
    assert_eq!(sniff("empty.log", b"  \n", &[]), Format::Unknown);
    assert_eq!(sniff("notes.md", b"# Notes\nnothing to see\n", &[]), Format::Unknown);
}

#[test]
fn a_log_that_shows_a_run_manifest_is_a_log_and_a_manifest_is_a_manifest() {
    let manifest: &[u8] =
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/decisions/declared-manifest/run.json"));
    assert_eq!(sniff("run.json", manifest, &[]), Format::Manifest);
    let minified = br#"{"schema":"recover-tui/run@1","id":"r","batches":[]}"#;
    assert_eq!(sniff("run.json", minified, &[]), Format::Manifest);
    // A job that wrote (and printed) the project's run.json: its stream names the schema.
    let (rel, stream) = fixture!("codex_exec_json_ok.jsonl");
    let shown = r#"{"type":"item.completed","item":{"id":"item_9","type":"command_execution","command":"/bin/bash -lc 'cat run.json'","aggregated_output":"{\"schema\": \"recover-tui/run@1\", \"batches\": []}\n","exit_code":0,"status":"completed"}}"#;
    let mut log = stream.to_vec();
    log.extend_from_slice(shown.as_bytes());
    log.push(b'\n');
    assert_eq!(sniff(rel, &log, &[]), Format::CodexJson);
}

#[test]
fn live_lines_come_from_the_reader_of_the_line() {
    let codex = r#"{"type":"item.completed","item":{"id":"item_1","type":"file_change","changes":[{"path":"notes/render.py","kind":"update"}],"status":"completed"}}"#;
    assert_eq!(live_line(codex).as_deref(), Some("wrote notes/render.py"));
    let usage =
        r#"{"type":"turn.completed","usage":{"input_tokens":4234,"cached_input_tokens":2048,"output_tokens":380}}"#;
    assert_eq!(live_line(usage).as_deref(), Some("turn completed: 4234 input + 380 output tokens"));
    assert_eq!(live_line(r#"{"type":"item.updated","item":{"id":"item_2","type":"command_execution"}}"#), None);
    let retry = r#"{"type":"system","subtype":"api_retry","attempt":2,"max_retries":10,"retry_delay_ms":1200,"error_status":529,"error":"overloaded"}"#;
    assert_eq!(live_line(retry).as_deref(), Some("API retry 2/10 in 1.2s: overloaded (529)"));
    assert_eq!(live_line("plain text").as_deref(), Some("plain text"));
    assert_eq!(live_line(r#"{"not":"an event"}"#).as_deref(), Some(r#"{"not":"an event"}"#));
}

#[test]
fn a_generator_command_names_the_format_of_its_output() {
    let argv = |s: &str| s.split(' ').map(String::from).collect::<Vec<_>>();
    assert_eq!(output_format(&argv("codex exec --full-auto --json -C . -")), Some(Format::CodexJson));
    assert_eq!(output_format(&argv("/usr/local/bin/codex exec --experimental-json x")), Some(Format::CodexJson));
    assert_eq!(output_format(&argv("codex exec --full-auto -")), Some(Format::CodexText));
    assert_eq!(output_format(&argv("claude -p --output-format stream-json --verbose")), Some(Format::Claude));
    assert_eq!(output_format(&argv("claude --print --output-format=json")), Some(Format::Claude));
    assert_eq!(output_format(&argv("claude -p --output-format text")), None);
    assert_eq!(output_format(&argv("aider --message x")), None);
}
