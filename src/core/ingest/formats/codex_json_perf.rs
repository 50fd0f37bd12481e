use super::*;

/// 800 commands with a 256 KiB output each: `updates` item.updated lines and one
/// item.completed per command (every 50th failed), plus small lines.
fn stream(updates: usize) -> Vec<u8> {
    let mut out = String::new();
    while out.len() < 256 * 1024 {
        out.push_str("tests/test_api.py::test_list_queues PASSED \"quoted\" \t [ 42%]\n");
    }
    let esc = serde_json::to_string(&out).unwrap_or_default();
    let mut s = String::from("{\"type\":\"thread.started\",\"thread_id\":\"t\"}\n{\"type\":\"turn.started\"}\n");
    for i in 0..800 {
        let item = |kind: &str, output: &str, code: &str, status: &str| {
            format!(
                "{{\"type\":\"{kind}\",\"item\":{{\"id\":\"item_{i}\",\"type\":\"command_execution\",\"command\":\"bash -lc 'pytest'\",\"aggregated_output\":{output},\"exit_code\":{code},\"status\":\"{status}\"}}}}\n"
            )
        };
        s.push_str(&item("item.started", "\"\"", "null", "in_progress"));
        for _ in 0..updates {
            s.push_str(&item("item.updated", &esc, "null", "in_progress"));
        }
        let (code, status) = if i % 50 == 0 { ("1", "failed") } else { ("0", "completed") };
        s.push_str(&item("item.completed", &esc, code, status));
        s.push_str(&format!(
            "{{\"type\":\"item.completed\",\"item\":{{\"id\":\"m{i}\",\"type\":\"agent_message\",\"text\":\"step {i}\"}}}}\n"
        ));
    }
    s.push_str(
        "{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":1,\"cached_input_tokens\":0,\"output_tokens\":1}}\n",
    );
    s.into_bytes()
}

#[test]
#[ignore]
fn at_least_one_gigabyte_per_second() {
    for updates in [4, 0] {
        let bytes = stream(updates);
        let t = std::time::Instant::now();
        let log = parse(&bytes, "p.jsonl");
        let rate = bytes.len() as f64 / t.elapsed().as_secs_f64() / 1e9;
        eprintln!("{} MB with {updates} updates per command: {rate:.2} GB/s", bytes.len() >> 20);
        assert_eq!(log.evidence.len(), 16);
        assert!(rate >= 1.0, "{rate:.2} GB/s");
    }
}
