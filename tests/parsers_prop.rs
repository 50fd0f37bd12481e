//! Group 2 of issue 8: property tests for every reader of untrusted input. Each target gets
//! two inputs streams for a fixed budget: arbitrary bytes, and the realistic inputs under
//! `tests/data/` (codex/claude logs, batch scripts, joblogs, validation reports) mutated by
//! byte flips, deletions, truncations, duplicated spans and inserted hostile tokens (escape
//! sequences, quotes, braces, heredoc markers, invalid UTF-8). No input may panic.
//!
//! Budget: 2,000 cases per target by default (half arbitrary bytes, half mutated fixtures),
//! 100,000 with `RECOVER_TUI_LONG_TESTS=1`, or any count with `RECOVER_TUI_PROP_CASES=N`.
//! Each test prints the number of cases it ran.

mod common;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};
use recover_tui::core::ingest::formats::{self, job_table};
use recover_tui::core::ingest::{
    claude, codex_json, codex_session, codex_text, discover, joblog, merge, paths, prompt_text, script, shell,
    validation, NoFiles,
};
use recover_tui::scan;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

fn cases() -> u32 {
    if let Some(n) = std::env::var("RECOVER_TUI_PROP_CASES").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    if common::long() {
        100_000
    } else {
        2_000
    }
}

/// Every text file under tests/data, by kind (the directory it is in).
fn corpus() -> &'static Vec<(String, Vec<u8>)> {
    static C: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    C.get_or_init(|| {
        let mut out = Vec::new();
        fn walk(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
            let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().flatten().collect();
            entries.sort_by_key(|e| e.path());
            for e in entries {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x != "py" && x != "toml") {
                    let bytes = std::fs::read(&p).unwrap();
                    if bytes.len() <= 64 << 10 {
                        out.push((p.to_string_lossy().into_owned(), bytes));
                    }
                }
            }
        }
        walk(&common::data(), &mut out);
        assert!(out.len() > 50, "the corpus has the fixtures");
        out
    })
}

/// The corpus entries whose path contains one of `kinds` (all when empty).
fn seeds(kinds: &[&str]) -> Vec<Vec<u8>> {
    let v: Vec<Vec<u8>> = corpus()
        .iter()
        .filter(|(p, _)| kinds.is_empty() || kinds.iter().any(|k| p.contains(k)))
        .map(|(_, b)| b.clone())
        .collect();
    assert!(!v.is_empty(), "no seeds for {kinds:?}");
    v
}

const TOKENS: &[&[u8]] = &[
    b"\x1b[2J",
    b"\x1b]0;title\x07",
    b"\x1b]52;c;cHduZWQ=\x1b\\",
    b"\x1b]8;;http://x/\x1b\\",
    b"\x1bP+q\x1b\\",
    b"\xc2\x9b31m",
    b"\xe2\x80\xae",
    b"\x00",
    b"\xff\xfe",
    b"\xe2\x82",
    b"\"",
    b"\\",
    b"\\u",
    b"\\ud800",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b",",
    b"\n",
    b"\r\n",
    b"\t",
    b"'",
    b"$(",
    b"`",
    b"${",
    b"<<'EOF'\n",
    b"\nEOF\n",
    b" & ",
    b" | ",
    b" > ",
    b"2>&1",
    b"\\\n",
    b"{\"type\":\"turn.failed\",\"error\":{\"message\":\"x\"}}\n",
    b"{\"type\":\"item.updated\",\"item\":{",
    b"{\"msg\":{\"type\":\"exec_command_end\"",
    b"FAILED a.py::t - E\n",
    b"  File \"a.py\", line 99999999999999999999\n",
    b"a.rs:4294967296:1: error",
    b"\xe2\x9d\x8c FAIL: ",
    b"Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n",
    b"-1e999",
    b"18446744073709551616",
    b"../../",
    b"/etc/passwd",
    b"codex exec --full-auto \"",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Insert(Index, usize),
    Delete(Index, u16),
    Truncate(Index),
    Duplicate(Index, Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<Index>(), 0..TOKENS.len()).prop_map(|(i, t)| Mutation::Insert(i, t)),
        (any::<Index>(), 1u16..512).prop_map(|(i, n)| Mutation::Delete(i, n)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<Index>()).prop_map(|(i, j)| Mutation::Duplicate(i, j)),
    ]
}

fn apply(mut b: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let at = |i: &Index, len: usize| if len == 0 { 0 } else { i.index(len + 1) };
        match m {
            Mutation::Flip(i, v) if !b.is_empty() => {
                let k = i.index(b.len());
                b[k] = *v;
            }
            Mutation::Flip(..) => {}
            Mutation::Insert(i, t) => {
                let k = at(i, b.len());
                b.splice(k..k, TOKENS[*t].iter().copied());
            }
            Mutation::Delete(i, n) => {
                let k = at(i, b.len());
                let end = (k + *n as usize).min(b.len());
                b.drain(k..end);
            }
            Mutation::Truncate(i) => {
                let k = at(i, b.len());
                b.truncate(k);
            }
            Mutation::Duplicate(i, j) => {
                let k = at(i, b.len());
                let end = (k + at(j, 256)).min(b.len());
                let span: Vec<u8> = b[k..end].to_vec();
                b.splice(end..end, span);
            }
        }
    }
    b
}

/// Arbitrary bytes, biased towards the tokens that matter to the readers.
fn arbitrary_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..2048),
        proptest::collection::vec(
            prop_oneof![any::<u8>().prop_map(|b| vec![b]), (0..TOKENS.len()).prop_map(|t| TOKENS[t].to_vec())],
            0..256
        )
        .prop_map(|parts| parts.concat()),
    ]
}

fn mutated(kinds: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let s = seeds(kinds);
    (0..s.len(), proptest::collection::vec(mutation(), 0..10)).prop_map(move |(i, m)| apply(s[i].clone(), &m))
}

/// Run `target` on `cases()` inputs of each stream; a panic fails with the shrunk input.
fn fuzz(name: &str, kinds: &'static [&'static str], target: impl Fn(&[u8])) {
    let started = std::time::Instant::now();
    let mut total = 0u64;
    for (stream, strategy) in [("bytes", arbitrary_bytes().boxed()), ("mutated", mutated(kinds).boxed())] {
        let mut runner =
            TestRunner::new(Config { cases: cases().div_ceil(2), failure_persistence: None, ..Config::default() });
        let count = std::cell::Cell::new(0u64);
        let r = runner.run(&strategy, |input| {
            target(&input);
            count.set(count.get() + 1);
            Ok(())
        });
        if let Err(e) = r {
            panic!("{name} ({stream}): {e}");
        }
        total += count.get();
    }
    eprintln!(
        "property cases: {name}: {total} inputs (half arbitrary, half mutated), no panic, {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A reader handing out 1..=7 bytes at a time, to cross every buffer boundary.
struct Trickle<'a>(&'a [u8], usize);

impl Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.1 = self.1 % 7 + 1;
        let n = self.1.min(buf.len()).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn codex_json_never_panics() {
    fuzz("codex_json", &["codex_exec_json", ".jsonl"], |b| {
        let _ = codex_json::looks_like(b);
        let a = codex_json::parse(b, "x.jsonl");
        let t = codex_json::read(Trickle(b, 0), "x.jsonl").unwrap();
        assert_eq!(a.lines, t.lines, "the same lines however the bytes arrive");
        assert_eq!(a.failure, t.failure);
    });
}

#[test]
fn codex_text_never_panics() {
    fuzz("codex_text", &["codex_exec_text", ".log"], |b| {
        let s = text(b);
        let _ = codex_text::looks_like(&s);
        let _ = codex_text::strip_ansi(&s);
        let _ = codex_text::parse(&s, "x.log");
    });
}

#[test]
fn codex_session_never_panics() {
    fuzz("codex_session", &["rollout", ".jsonl"], |b| {
        let _ = codex_session::looks_like(b);
        let _ = codex_session::parse(&text(b), "rollout.jsonl");
        let _ = codex_session::thread_id_from_file_name(&text(&b[..b.len().min(80)]));
    });
}

#[test]
fn claude_never_panics() {
    fuzz("claude", &["claude"], |b| {
        let s = text(b);
        let _ = claude::looks_like(b);
        let _ = claude::parse(&s, "c.json");
        let _ = claude::result_text(&s);
    });
}

#[test]
fn joblog_never_panics() {
    fuzz("joblog", &["joblog", ".tsv"], |b| {
        let _ = joblog::looks_like(b);
        let j = joblog::parse(b, "joblog.tsv");
        let _ = j.jobs();
    });
}

#[test]
fn script_never_panics() {
    let gens = vec!["aider".to_string()];
    fuzz("script", &["scripts", ".sh", ".cmds"], move |b| {
        let s = text(b);
        let _ = script::looks_like(&s, &gens);
        let _ = script::parse(&s, "b.sh", "phase6-codex-batch3.sh", &gens);
        let _ = script::parse_command_list(&s, "batch2.cmds", "batch2.cmds", &gens);
        let _ = script::batch_number_from_name(&s.chars().take(64).collect::<String>());
    });
}

#[test]
fn shell_never_panics() {
    fuzz("shell", &["scripts", ".sh", ".cmds", "joblog"], |b| {
        let s = text(b);
        let mut vars = HashMap::new();
        vars.insert("PROJECT".to_string(), "/home/dev/app".to_string());
        let _ = shell::commands(&s, &mut vars);
        let _ = shell::parse_command_checked(&s, &HashMap::new());
    });
}

#[test]
fn validation_never_panics() {
    fuzz("validation", &["validation", ".md", ".txt"], |b| {
        let s = text(b);
        let _ = validation::looks_like(&s);
        let _ = validation::parse(&s, "report.txt");
    });
}

#[test]
fn prompt_text_never_panics() {
    fuzz("prompt_text", &["prompts", ".md"], |b| {
        let s = text(b);
        let _ = prompt_text::outputs(&s);
        let _ = prompt_text::validation(&s);
    });
}

#[test]
fn job_table_never_panics() {
    fuzz("job_table", &["job_table", ".tsv", ".csv"], |b| {
        let _ = job_table::looks_like(b);
        let _ = job_table::read(b, "jobs.tsv");
    });
}

#[test]
fn sniff_never_panics() {
    fuzz("sniff", &[], |b| {
        let names = ["x.jsonl", "x.sh", "batch2.cmds", "x.tsv", "x.log", "x.md"];
        let _ = formats::sniff(names[b.len() % names.len()], b, &["aider".to_string()]);
    });
}

/// Every reader of the registry, through the registry: sniff, read and live lines.
#[test]
fn every_registered_reader_never_panics() {
    let gens = vec!["aider".to_string()];
    fuzz("registry", &[], move |b| {
        let names = ["x.jsonl", "x.sh", "batch2.cmds", "x.tsv", "x.csv", "x.log", "x.md", "run.json"];
        let name = names[b.len() % names.len()];
        let file = formats::FileInfo { rel: name, name, generators: &gens };
        for r in formats::REGISTRY {
            let _ = r.sniff(b, &file);
            let _ = r.read(&mut &b[..], &file);
            for line in text(b).lines().take(20) {
                let _ = r.live_line(line);
            }
        }
        let _ = formats::read_bytes(b, &file);
    });
}

#[test]
fn paths_never_escape_the_root() {
    let root = PathBuf::from("/home/dev/app");
    fuzz("paths", &["scripts", "codex_exec_json"], |b| {
        let mut rb = paths::Rebaser::new(&root);
        rb.add_foreign_root("/home/luce/apps/sparkqueue");
        for raw in text(b).split(['\n', ' ', '"', '\'']).take(64) {
            if let Some(rel) = rb.rel(raw) {
                assert!(!rel.starts_with('/') && !rel.split('/').any(|c| c == ".."), "{raw:?} -> {rel:?}");
                assert!(!rel.contains('\0'));
            }
            let _ = paths::module_forms(raw);
        }
    });
}

#[test]
fn manifest_never_panics() {
    fuzz("manifest", &["expected.json", ".json"], |b| {
        let _ = recover_tui::core::manifest::looks_like(b);
        let _ = recover_tui::core::manifest::parse(
            &text(b),
            Path::new("run.json"),
            Path::new("/nonexistent-dir"),
            &NoFiles,
        );
    });
}

#[test]
fn sanitize_output_is_always_clean() {
    fuzz("sanitize", &[], |b| {
        let s = text(b);
        let out = recover_tui::core::sanitize::clean(&s);
        let line = recover_tui::core::sanitize::clean_line(&s);
        let _ = recover_tui::core::sanitize::strip_ansi(&s);
        assert!(common::forbidden(out.as_bytes()).is_none(), "{s:?} -> {out:?}");
        assert!(common::forbidden(line.as_bytes()).is_none() && !line.contains('\n'), "{s:?} -> {line:?}");
        let js = recover_tui::core::export::to_safe_json(&serde_json::json!({ "s": s }));
        assert!(common::forbidden(js.as_bytes()).is_none(), "{js:?}");
        let back: serde_json::Value = serde_json::from_str(&js).unwrap();
        assert_eq!(back["s"].as_str(), Some(s.as_str()));
    });
}

#[test]
fn state_files_never_panic() {
    use recover_tui::store::{journal::JournalEntry, ledger::Ledger, snapshot::SnapshotManifest};
    fuzz("state files", &["expected.json", ".json", ".jsonl"], |b| {
        let _ = Ledger::parse(b);
        let _ = serde_json::from_slice::<SnapshotManifest>(b);
        for line in b.split(|c| *c == b'\n') {
            let _ = serde_json::from_slice::<JournalEntry>(line);
        }
    });
}

/// Discovery end to end: a project of mutated logs, scripts, joblogs and reports is read by
/// content and merged. Fewer cases (each writes a small project).
#[test]
fn discover_and_merge_never_panic() {
    let started = std::time::Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("p");
    let names = [
        "_build/b.sh",
        "_build/batch2.cmds",
        "_build/joblog.tsv",
        "_build/logs/b2-1.jsonl",
        "_build/logs/b2-2.log",
        "_build/v.txt",
    ];
    let kinds: [&'static [&'static str]; 6] = [
        &["scripts/phase6", "run-batch"],
        &[".cmds"],
        &["joblog"],
        &["codex_exec_json", "b2-1.jsonl"],
        &["codex_exec_text", "claude"],
        &["validation"],
    ];
    let strategies: Vec<_> = kinds.iter().map(|k| mutated(k)).collect();
    let mut runner =
        TestRunner::new(Config { cases: (cases() / 10).max(50), failure_persistence: None, ..Config::default() });
    let count = std::cell::Cell::new(0u64);
    let r = runner.run(&strategies, |files| {
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("_build/logs")).unwrap();
        for (name, bytes) in names.iter().zip(&files) {
            std::fs::write(root.join(name), bytes).unwrap();
        }
        let mut inputs = Vec::new();
        for name in names {
            let path = root.join(name);
            let parsed = scan::read_one(&path, name, &[]);
            inputs.push(discover::Input { rel: name.to_string(), parsed });
        }
        let run = merge::merge(&root, inputs, &[], &scan::Disk);
        for j in run.jobs() {
            for o in &j.outputs {
                assert!(!o.starts_with('/') && !o.split('/').any(|c| c == ".."), "output {o:?} escapes the root");
            }
        }
        let _ = scan::load(&root, &discover::LoadOptions::default());
        count.set(count.get() + 1);
        Ok(())
    });
    if let Err(e) = r {
        panic!("discover/merge: {e}");
    }
    eprintln!(
        "property cases: discover+merge: {} projects of 6 mutated files, no panic, {:.1} s",
        count.get(),
        started.elapsed().as_secs_f64()
    );
}
