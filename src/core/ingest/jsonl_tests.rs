use super::*;
use crate::core::ingest::formats::codex_json::read;

fn condense(line: &[u8]) -> Vec<u8> {
    let mut c = Condenser::default();
    c.feed(line);
    assert!(!c.overflow);
    c.out
}

#[test]
fn cut_strings_still_parse_at_every_alignment() {
    // Escapes and multi-byte characters of every length straddle the cut point.
    for unit in ["\\u001b[2J", "\\\\", "\\\"", "é", "€", "😀", "a\\n"] {
        for pad in 0..12 {
            let body = format!("{}{}", "x".repeat(pad), unit.repeat(STRING_KEEP / unit.len() + 20));
            let line = format!("{{\"type\":\"item.completed\",\"text\":\"{body}\",\"n\":1}}");
            let out = condense(line.as_bytes());
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap_or_else(|e| {
                panic!("{unit:?} pad {pad}: {e}: {}", String::from_utf8_lossy(&out[out.len() - 80..]))
            });
            let text = v["text"].as_str().unwrap();
            assert!(text.ends_with("bytes cut by recover-tui]"), "{unit:?} {pad}");
            assert_eq!(v["n"], 1);
            assert!(out.len() < STRING_KEEP + 200);
        }
    }
}

#[test]
fn short_strings_and_structure_are_kept() {
    let line = br#"{"type":"item.completed","item":{"id":"i","exit_code":1,"status":"failed"}}"#;
    assert_eq!(condense(line), line.to_vec());
}

#[test]
fn a_huge_failed_command_line_is_read_in_bounded_memory() {
    let mut out = String::from("E   ModuleNotFoundError: No module named 'sparkq.api'\\n");
    while out.len() < MAX_HELD * 2 {
        out.push_str("\\u001b[31mnoise line\\u001b[0m\\n");
    }
    let stream = format!(
        "{{\"type\":\"turn.started\"}}\n{{\"type\":\"item.completed\",\"item\":{{\"id\":\"item_1\",\"type\":\"command_execution\",\"command\":\"bash -lc 'pytest -q'\",\"aggregated_output\":\"{out}\",\"exit_code\":1,\"status\":\"failed\"}}}}\n{{\"type\":\"turn.completed\",\"usage\":{{\"input_tokens\":5,\"output_tokens\":1}}}}\n"
    );
    let log = read(stream.as_bytes(), "b.jsonl").unwrap();
    assert!(log.warnings.is_empty(), "{:?}", log.warnings);
    assert!(log.finished);
    assert_eq!(log.evidence.len(), 1);
    assert!(log.evidence[0].message.contains("ModuleNotFoundError"), "{}", log.evidence[0].message);
    assert_eq!(log.lines, 3);
}

#[test]
fn a_huge_line_outside_strings_is_skipped_with_a_warning() {
    let mut line = String::from("{\"type\":\"item.completed\",\"item\":{\"id\":\"x\",\"nums\":[");
    while line.len() < MAX_HELD + 1000 {
        line.push_str("1,");
    }
    line.push_str("1]}}");
    let stream = format!(
        "{{\"type\":\"turn.started\"}}\n{line}\n{{\"type\":\"turn.failed\",\"error\":{{\"message\":\"boom\"}}}}\n"
    );
    let log = read(stream.as_bytes(), "b.jsonl").unwrap();
    assert_eq!(log.failure.as_deref(), Some("boom"));
    assert_eq!(log.warnings.len(), 1);
    assert_eq!(log.warnings[0].line, Some(2));
    assert!(log.warnings[0].message.contains("outside strings; skipped"), "{:?}", log.warnings);
}

/// The lines `scan` hands out, as owned values.
fn lines_of(scan: impl FnOnce(&mut dyn FnMut(Line<'_>))) -> Vec<(u8, Vec<u8>)> {
    let mut out = Vec::new();
    scan(&mut |l| {
        out.push(match l {
            Line::Text(t) => (0, t.to_vec()),
            Line::Skipped { complete } => (1, vec![complete as u8]),
            Line::TooLong { bytes } => (2, bytes.to_le_bytes().to_vec()),
        })
    });
    out
}

proptest::proptest! {
    #[test]
    fn a_stream_in_memory_gives_the_lines_the_streaming_scan_gives(
        parts in proptest::collection::vec(0usize..9, 0..40),
        pads in proptest::collection::vec(0usize..2000, 0..40),
    ) {
        const PIECES: [&str; 9] = [
            r#"{"type":"item.updated","item":{"id":"i","aggregated_output":"#,
            r#"{"type":"turn.completed","usage":{"input_tokens":1}}"#,
            r#"{"type":"agent_message_delta","delta":"x"#,
            "\n",
            "\n\n",
            "}",
            "  ",
            "not json at all",
            r#"{"type" : "response.output_text.delta"}"#,
        ];
        let mut text = String::new();
        for (i, p) in parts.iter().enumerate() {
            text.push_str(PIECES[*p]);
            text.push_str(&"a".repeat(pads.get(i).copied().unwrap_or(0)));
        }
        let bytes = text.as_bytes();
        let streamed = lines_of(|f| scan_lines(bytes, f).unwrap());
        let in_memory = lines_of(|f| scan_bytes(bytes, f).unwrap());
        proptest::prop_assert_eq!(in_memory, streamed);
    }
}

#[test]
fn a_stream_in_memory_gives_its_last_line_without_a_newline_and_no_empty_one_after_it() {
    let lines = lines_of(|f| scan_bytes(b"{\"type\":\"turn.started\"}\n\n{\"type\":\"item.updated\"}", f).unwrap());
    assert_eq!(lines, vec![(0, b"{\"type\":\"turn.started\"}".to_vec()), (0, Vec::new()), (1, vec![1])]);
    assert_eq!(lines_of(|f| scan_bytes(b"a\n", f).unwrap()), vec![(0, b"a".to_vec())]);
    assert!(lines_of(|f| scan_bytes(b"", f).unwrap()).is_empty());
}
