//! Group 2 of issue 8 (DESIGN.md §17/§18): huge and broken input. A codex JSONL of 20 MB with a
//! 5 MB single line (200 MB with a 50 MB line under `RECOVER_TUI_LONG_TESTS=1`), invalid UTF-8,
//! a cut-off last line and files of random bytes named like logs: `recover-tui inspect` does
//! not panic, still loads every other job, and its peak RSS (from `wait4` on the child) stays
//! under 64 MiB + 10% of the input bytes.

mod common;

use common::*;
use std::io::Write;
use std::path::Path;

/// xorshift64*: reproducible "random" bytes without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            chunk.copy_from_slice(&v[..chunk.len()]);
        }
    }
}

const MIB: u64 = 1 << 20;

struct Sizes {
    total: u64,
    long_line: u64,
}

fn sizes() -> Sizes {
    if long() {
        Sizes { total: 200 * MIB, long_line: 50 * MIB }
    } else {
        Sizes { total: 20 * MIB, long_line: 5 * MIB }
    }
}

/// A codex `exec --json` stream of about `total` bytes that looks like a long real session
/// (reasoning, commands with output, `item.updated` churn), with one line of `long_line` bytes
/// (a failed command whose `aggregated_output` is huge, with escapes and ANSI colour codes),
/// a line of invalid UTF-8, and a last line cut off in the middle.
fn write_big_codex_log(path: &Path, s: &Sizes) -> u64 {
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    let n = std::cell::Cell::new(0u64);
    let put = |f: &mut std::io::BufWriter<std::fs::File>, b: &[u8]| {
        f.write_all(b).unwrap();
        n.set(n.get() + b.len() as u64);
        n.get()
    };
    put(&mut f, b"{\"type\":\"thread.started\",\"thread_id\":\"0199adc1-1c2d-7e3f-8a9b-161533f0b22b\"}\n");
    put(&mut f, b"{\"type\":\"turn.started\"}\n");
    put(&mut f, b"{\"type\":\"item.completed\",\"item\":{\"id\":\"item_0\",\"type\":\"file_change\",\"changes\":[{\"path\":\"/home/dev/notes/notes/export.py\",\"kind\":\"add\"}],\"status\":\"completed\"}}\n");
    // The huge line: pytest output repeated, JSON-escaped (quotes, newlines, ANSI).
    let unit =
        "\\u001b[31mE   AssertionError: assert 'a' == 'b'\\u001b[0m\\n  \\\"x\\\" notes/export.py:12: in export\\n";
    let head = "{\"type\":\"item.completed\",\"item\":{\"id\":\"item_1\",\"type\":\"command_execution\",\"command\":\"bash -lc 'pytest -q'\",\"aggregated_output\":\"";
    let tail = "\",\"exit_code\":1,\"status\":\"failed\"}}\n";
    let mut len = put(&mut f, head.as_bytes());
    let target = len + s.long_line;
    while len < target {
        len = put(&mut f, unit.as_bytes());
    }
    put(&mut f, tail.as_bytes());
    // Invalid UTF-8 inside a string, and a line that is not JSON at all.
    put(&mut f, b"{\"type\":\"item.completed\",\"item\":{\"id\":\"item_2\",\"type\":\"agent_message\",\"text\":\"caf\xe9 \xff\xfe broken\"}}\n");
    put(&mut f, b"\x00\x01\x02 not json \x9b2J\n");
    // Filler up to the total: the usual churn of a long session.
    let mut i = 3u64;
    while n.get() < s.total {
        let line = format!(
            "{{\"type\":\"item.started\",\"item\":{{\"id\":\"item_{i}\",\"type\":\"command_execution\",\"command\":\"bash -lc 'sed -n 1,80p notes/export.py'\",\"aggregated_output\":\"\",\"exit_code\":null,\"status\":\"in_progress\"}}}}\n\
{{\"type\":\"item.updated\",\"item\":{{\"id\":\"item_{i}\",\"type\":\"command_execution\",\"command\":\"bash -lc 'sed -n 1,80p notes/export.py'\",\"aggregated_output\":\"import json\\nfrom notes.model import Note\\n\",\"exit_code\":null,\"status\":\"in_progress\"}}}}\n\
{{\"type\":\"item.completed\",\"item\":{{\"id\":\"item_{i}\",\"type\":\"command_execution\",\"command\":\"bash -lc 'sed -n 1,80p notes/export.py'\",\"aggregated_output\":\"import json\\nfrom notes.model import Note\\n\\ndef export(notes):\\n    return json.dumps([n.__dict__ for n in notes])\\n\",\"exit_code\":0,\"status\":\"completed\"}}}}\n\
{{\"type\":\"item.completed\",\"item\":{{\"id\":\"item_{}\",\"type\":\"reasoning\",\"text\":\"**Checking the export format against the spec**\"}}}}\n",
            i + 1
        );
        put(&mut f, line.as_bytes());
        i += 2;
    }
    // Cut off mid-line: the process writing it was killed.
    put(&mut f, b"{\"type\":\"item.completed\",\"item\":{\"id\":\"item_last\",\"type\":\"agent_mess");
    f.flush().unwrap();
    drop(f);
    std::fs::metadata(path).unwrap().len()
}

fn write_random(path: &Path, rng: &mut Rng, len: usize, prefix: &[u8]) -> u64 {
    let mut buf = vec![0u8; len];
    rng.fill(&mut buf);
    buf[..prefix.len()].copy_from_slice(prefix);
    std::fs::write(path, &buf).unwrap();
    len as u64
}

fn all_job_ids(v: &serde_json::Value) -> Vec<String> {
    v["batches"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["jobs"].as_array().unwrap().iter().map(|j| j["id"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn huge_broken_and_random_inputs_load_in_bounded_memory() {
    let s = sizes();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("notes-joblog");
    copy_dir(&fixtures().join("notes-joblog"), &root);
    let logs = root.join("_build/logs");
    let mut input = 0u64;
    // The log of b2-2 becomes the huge one.
    input += write_big_codex_log(&logs.join("b2-2.jsonl"), &s);
    // Random bytes named like every kind of input, and random bytes after a valid-looking head.
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let noise = 256 * 1024;
    for name in ["noise.jsonl", "noise.log", "noise.sh", "noise.tsv", "noise.txt", "noise.cmds", "noise.md"] {
        input += write_random(&logs.join(name), &mut rng, noise, b"");
    }
    input += write_random(&logs.join("b3-9.jsonl"), &mut rng, noise, b"{\"type\":\"turn.started\"}\n");
    input += write_random(
        &root.join("_build/noise-joblog.tsv"),
        &mut rng,
        noise,
        b"Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n",
    );
    input +=
        write_random(&root.join("_build/noise-batch9.sh"), &mut rng, noise, b"#!/bin/bash\ncodex exec --full-auto \"");
    input += write_random(
        &root.join("_build/validation-noise.txt"),
        &mut rng,
        noise,
        b"$ python -m py_compile notes/x.py\n  File \"notes/x.py\", line ",
    );
    // Invalid UTF-8 and a cut-off line in a validation transcript and a joblog.
    let mut v = std::fs::read(root.join("_build/validation-batch2.txt")).unwrap();
    v.extend_from_slice(b"\n$ python -m py_compile notes/search.py\n  File \"notes/search.py\", line 9\n    x = '\xff\xfe\n SyntaxError: unterminated str");
    std::fs::write(root.join("_build/validation-batch2.txt"), &v).unwrap();
    let mut j = std::fs::read(root.join("_build/joblog-batch1.tsv")).unwrap();
    j.extend_from_slice(b"9\t:\t1795467326.9\t   \xff\t0\t0\t1");
    std::fs::write(root.join("_build/joblog-batch1.tsv"), &j).unwrap();

    let started = std::time::Instant::now();
    let (out, err, code, maxrss_kib) = run_cli(&[os("inspect"), root.as_os_str(), os("--json")], None);
    let took = started.elapsed();
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    assert!(!String::from_utf8_lossy(&err).contains("panicked"), "{}", String::from_utf8_lossy(&err));
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let ids = all_job_ids(&v);
    for id in ["b1-1", "b1-2", "b2-1", "b2-2", "b2-3", "b3-1", "b3-2"] {
        assert!(ids.iter().any(|i| i == id), "job {id} is still loaded: {ids:?}");
    }
    let warnings: Vec<&str> = v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert!(
        warnings.iter().any(|w| w.starts_with("_build/logs/b2-2.jsonl:6: line 6 is not valid JSON")),
        "{warnings:#?}"
    );
    assert!(
        warnings.iter().any(|w| w.starts_with("_build/logs/b2-2.jsonl:") && w.contains("is cut off")),
        "{warnings:#?}"
    );
    // The huge log was read: its failed command is evidence of b2-2.
    let b22 = v["batches"][1]["jobs"].as_array().unwrap().iter().find(|j| j["id"] == "b2-2").unwrap();
    assert!(b22["logs"].as_array().unwrap().iter().any(|l| l == "_build/logs/b2-2.jsonl"), "{b22:#}");
    let limit_kib = (64 * MIB + input / 10) / 1024;
    eprintln!(
        "huge input: {:.1} MiB in ({:.1} MiB codex log with a {} MiB line, {} random files), peak RSS {:.1} MiB, limit {:.1} MiB, {:.1} s",
        input as f64 / MIB as f64,
        (s.total as f64) / MIB as f64,
        s.long_line / MIB,
        11,
        maxrss_kib as f64 / 1024.0,
        limit_kib as f64 / 1024.0,
        took.as_secs_f64()
    );
    assert!(maxrss_kib <= limit_kib, "peak RSS {maxrss_kib} KiB over the limit {limit_kib} KiB");
}

/// Text formats are read whole by their parsers: a big codex text log, a Claude stream-json
/// log with one huge tool result, and a long pytest transcript stay within the same bound,
/// what was left out is named in a warning, and the end of each file (where the final
/// result and the failure summary are) is still read.
#[test]
fn big_text_logs_of_every_format_stay_in_bounds() {
    let each = if long() { 100 * MIB } else { 12 * MIB };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("notes-joblog");
    copy_dir(&fixtures().join("notes-joblog"), &root);
    let b = root.join("_build");
    let mut input = 0u64;
    // Codex text log (`codex exec` without --json) with a long command output.
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(b.join("logs/b3-9.log")).unwrap());
        let old = std::fs::read_to_string(data().join("formats/codex_exec_text_old.log")).unwrap();
        f.write_all(old.split("[2025-08-01T10:00:15]").next().unwrap().as_bytes()).unwrap();
        f.write_all(b"[2025-08-01T10:00:15] exec bash -lc 'pytest -q' in /home/dev/notes\n[2025-08-01T10:00:19] bash -lc 'pytest -q' exited 1 in 3.9s:\n").unwrap();
        let mut n = 0;
        while n < each {
            let l = b"notes/cli.py ........................................................ [ 42%]\n";
            f.write_all(l).unwrap();
            n += l.len() as u64;
        }
        f.write_all(b"[2025-08-01T10:09:00] ERROR: stream disconnected before completion: MARK-TAIL-CODEX\n").unwrap();
    }
    input += std::fs::metadata(b.join("logs/b3-9.log")).unwrap().len();
    // Claude Code stream-json with one huge tool result line, then the final result.
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(b.join("logs/b3-8.jsonl")).unwrap());
        f.write_all(b"{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s1\",\"model\":\"claude-sonnet-4-5\",\"cwd\":\"/home/dev/notes\",\"tools\":[\"Bash\"]}\n").unwrap();
        f.write_all(b"{\"type\":\"user\",\"message\":{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t1\",\"is_error\":true,\"content\":\"").unwrap();
        let mut n = 0;
        while n < each {
            let l = b"Traceback (most recent call last):\\n  File \\\"notes/cli.py\\\", line 3\\n";
            f.write_all(l).unwrap();
            n += l.len() as u64;
        }
        f.write_all(b"\"}]}}\n").unwrap();
        f.write_all(b"{\"type\":\"result\",\"subtype\":\"error_max_turns\",\"is_error\":true,\"num_turns\":11,\"session_id\":\"s1\",\"usage\":{\"input_tokens\":3021,\"output_tokens\":5120},\"errors\":[\"MARK-TAIL-CLAUDE\"]}\n").unwrap();
    }
    input += std::fs::metadata(b.join("logs/b3-8.jsonl")).unwrap().len();
    // A long pytest transcript whose failure summary is at the end.
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(b.join("validation-batch3.txt")).unwrap());
        f.write_all(b"$ python -m pytest -q notes\n").unwrap();
        let mut n = 0;
        while n < each {
            let l = b"notes/tests/test_search.py::test_case PASSED                              [ 50%]\n";
            f.write_all(l).unwrap();
            n += l.len() as u64;
        }
        f.write_all(b"=========================== short test summary info ============================\nFAILED notes/cli.py::test_main - AssertionError: MARK-TAIL-PYTEST\n1 failed, 99999 passed in 12.34s\n").unwrap();
    }
    input += std::fs::metadata(b.join("validation-batch3.txt")).unwrap().len();

    let started = std::time::Instant::now();
    let (out, err, code, maxrss_kib) = run_cli(&[os("inspect"), root.as_os_str(), os("--json")], None);
    let took = started.elapsed();
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let text = String::from_utf8(out).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let ids = all_job_ids(&v);
    for id in ["b1-1", "b1-2", "b2-1", "b2-2", "b2-3", "b3-1", "b3-2"] {
        assert!(ids.iter().any(|i| i == id), "job {id} is still loaded: {ids:?}");
    }
    for mark in ["MARK-TAIL-CODEX", "MARK-TAIL-CLAUDE", "MARK-TAIL-PYTEST"] {
        assert!(text.contains(mark), "the end of the big file was read: {mark}");
    }
    let warnings: Vec<&str> = v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert!(warnings.iter().any(|w| w.contains("b3-9.log") && w.contains("were not read")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("b3-8.jsonl") && w.contains("shortened")), "{warnings:?}");
    let limit_kib = (64 * MIB + input / 10) / 1024;
    eprintln!(
        "big text logs: {:.1} MiB in (codex text, claude stream-json, pytest transcript), peak RSS {:.1} MiB, limit {:.1} MiB, {:.1} s",
        input as f64 / MIB as f64,
        maxrss_kib as f64 / 1024.0,
        limit_kib as f64 / 1024.0,
        took.as_secs_f64()
    );
    assert!(maxrss_kib <= limit_kib, "peak RSS {maxrss_kib} KiB over the limit {limit_kib} KiB");
}

/// Millions of short broken lines: every reader reports its first problems and counts the rest,
/// instead of keeping one warning per line (which took 17 GiB for 69 MB of `{` lines).
#[test]
fn millions_of_broken_lines_give_a_bounded_list_of_warnings() {
    let each = if long() { 100 * MIB } else { 3 * MIB };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("notes-joblog");
    copy_dir(&fixtures().join("notes-joblog"), &root);
    let logs = root.join("_build/logs");
    let mut input = 0u64;
    let heads: [(&str, &[u8]); 3] = [
        ("b3-7.jsonl", b"{\"type\":\"thread.started\",\"thread_id\":\"t7\"}\n"),
        ("claude-b3.jsonl", b"{\"type\":\"system\",\"subtype\":\"init\",\"session_id\":\"s\",\"model\":\"m\",\"cwd\":\"/home/dev/notes\",\"tools\":[]}\n"),
        (
            "rollout-2025-08-01T10-00-00-0199adc1-1c2d-7e3f-8a9b-161533f0211f.jsonl",
            b"{\"timestamp\":\"2025-08-01T10:00:00Z\",\"type\":\"session_meta\",\"payload\":{\"id\":\"0199adc1-1c2d-7e3f-8a9b-161533f0211f\",\"cwd\":\"/home/dev/notes\"}}\n",
        ),
    ];
    for (name, head) in heads {
        let mut f = std::io::BufWriter::new(std::fs::File::create(logs.join(name)).unwrap());
        f.write_all(head).unwrap();
        let chunk = b"{\n\xff\n{\"a\":\n".repeat(4096);
        let mut n = 0u64;
        while n < each {
            f.write_all(&chunk).unwrap();
            n += chunk.len() as u64;
        }
        drop(f);
        input += std::fs::metadata(logs.join(name)).unwrap().len();
    }
    let started = std::time::Instant::now();
    let (out, err, code, maxrss_kib) = run_cli(&[os("inspect"), root.as_os_str(), os("--json")], None);
    let took = started.elapsed();
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let ids = all_job_ids(&v);
    for id in ["b1-1", "b1-2", "b2-1", "b2-2", "b2-3", "b3-1", "b3-2"] {
        assert!(ids.iter().any(|i| i == id), "job {id} is still loaded: {ids:?}");
    }
    let warnings: Vec<&str> = v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    for (name, _) in heads {
        let of_file = warnings.iter().filter(|w| w.starts_with(&format!("_build/logs/{name}:"))).count();
        // 50 listed, the count of the rest, and at most the note of what a large file left
        // unread and the file's own matching warning.
        assert!(of_file <= 50 + 3, "{name}: {of_file} warnings");
        assert!(
            warnings.iter().any(|w| w.starts_with(&format!("_build/logs/{name}:"))
                && w.ends_with("more problem(s) in this file, not listed")),
            "{name}: the rest is counted"
        );
    }
    let limit_kib = (64 * MIB + input / 10) / 1024;
    eprintln!(
        "broken lines: {:.1} MiB in (codex JSON, claude stream-json, codex session), {} warnings, peak RSS {:.1} MiB, limit {:.1} MiB, {:.1} s",
        input as f64 / MIB as f64,
        warnings.len(),
        maxrss_kib as f64 / 1024.0,
        limit_kib as f64 / 1024.0,
        took.as_secs_f64()
    );
    assert!(maxrss_kib <= limit_kib, "peak RSS {maxrss_kib} KiB over the limit {limit_kib} KiB");
}
