//! Group 1 of issue 8 (DESIGN.md §18): escape sequences in logs never reach the human-readable
//! CLI output or the Markdown export; JSON outputs carry them escaped.
//!
//! The two bundled scenarios are copied and every kind of input gets the hostile payload
//! (`common::PAYLOAD`: CSI, OSC 0/2/52/8, DCS, 8-bit C1, bidi, NUL, DEL, BEL): prompts inside
//! batch scripts and prompt files, codex JSON agent messages, errors and command output,
//! validation report messages (pytest transcript and Haiku report), GNU parallel joblog
//! commands, and a log whose *file name* holds escapes.

mod common;

use common::*;
use recover_tui::app::project::{OpenOptions, Project};
use std::path::{Path, PathBuf};

fn append(path: &Path, bytes: &[u8]) {
    let mut b = std::fs::read(path).unwrap();
    b.extend_from_slice(bytes);
    std::fs::write(path, b).unwrap();
}

fn replace(path: &Path, from: &str, to: &[u8]) {
    let b = std::fs::read(path).unwrap();
    let i = b
        .windows(from.len())
        .position(|w| w == from.as_bytes())
        .unwrap_or_else(|| panic!("{} has no {from:?}", path.display()));
    let mut out = b[..i].to_vec();
    out.extend_from_slice(to);
    out.extend_from_slice(&b[i + from.len()..]);
    std::fs::write(path, out).unwrap();
}

/// A JSON codex event line whose strings carry the payload.
fn codex_lines(job_file: &str) -> String {
    let p = payload_json();
    let inner = &p[1..p.len() - 1];
    format!(
        "{{\"type\":\"item.completed\",\"item\":{{\"id\":\"item_8\",\"type\":\"agent_message\",\"text\":\"Done {inner}\"}}}}\n\
{{\"type\":\"item.completed\",\"item\":{{\"id\":\"item_9\",\"type\":\"error\",\"message\":\"tool warning {inner}\"}}}}\n\
{{\"type\":\"item.completed\",\"item\":{{\"id\":\"item_10\",\"type\":\"command_execution\",\"command\":\"bash -lc 'pytest -q {job_file} {inner}'\",\"aggregated_output\":\"E   AssertionError: {inner}\\nFAILED {job_file}::test_x - AssertionError: {inner}\\n\",\"exit_code\":1,\"status\":\"failed\"}}}}\n"
    )
}

/// notes-joblog with the payload everywhere.
fn hostile_notes(tmp: &Path) -> PathBuf {
    let root = tmp.join("notes-joblog");
    copy_dir(&fixtures().join("notes-joblog"), &root);
    let b = root.join("_build");
    // Validation transcript: the SyntaxError message.
    let mut msg = b"expected ':' ".to_vec();
    msg.extend(payload_bytes());
    replace(&b.join("validation-batch2.txt"), "expected ':'", &msg);
    // The prompt file of the failed job.
    append(&b.join("prompts/b2-1.md"), &payload_bytes());
    // The failed job's codex stream: messages, a tool error, a failing command's output.
    let log = b.join("logs/b2-1.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    let (head, last) = text.trim_end().rsplit_once('\n').unwrap();
    std::fs::write(&log, format!("{head}\n{}{last}\n", codex_lines("notes/render.py"))).unwrap();
    // The joblog's command column (raw bytes in a TSV cell).
    let mut cmd = b"\t# ".to_vec();
    cmd.extend(payload_bytes().into_iter().filter(|&c| c != b'\t' && c != b'\n'));
    replace(
        &b.join("joblog-batch2.tsv"),
        "2> _build/logs/b2-1.err",
        &[b"2> _build/logs/b2-1.err ".to_vec(), cmd].concat(),
    );
    // A log nobody names, whose file name is an escape sequence (shown in the warnings).
    std::fs::write(
        b.join("logs/stray-\u{1b}]0;title\u{7}\u{1b}[2J\u{9b}1m\u{202e}MARK-NAME.jsonl"),
        "{\"type\":\"thread.started\",\"thread_id\":\"t\"}\n{\"type\":\"turn.started\"}\n",
    )
    .unwrap();
    root
}

/// sparkq-phase6 with the payload in the inline prompt of a batch script, the prompt file, the
/// Haiku report and the failed job's codex stream.
fn hostile_sparkq(tmp: &Path) -> PathBuf {
    let root = tmp.join("sparkq-phase6");
    copy_dir(&fixtures().join("sparkq-phase6"), &root);
    let pb = root.join("_build/prompts-build");
    let logs = root.join("_build/logs/phase6");
    let mut inline = b"Task: Create integration tests for storage.py CRUD operations ".to_vec();
    inline.extend(payload_bytes());
    replace(
        &pb.join("phase6-codex-batch3.sh"),
        "Task: Create integration tests for storage.py CRUD operations",
        &inline,
    );
    append(&pb.join("prompts/b3-api-tests.md"), &[b"\nNote: ".to_vec(), payload_bytes(), b"\n".to_vec()].concat());
    let mut report = b"No module named 'sparkq.api' ".to_vec();
    report.extend(payload_bytes());
    replace(&logs.join("batch3-validation.md"), "No module named 'sparkq.api'", &report);
    let log = logs.join("b3-api-tests.jsonl");
    let text = std::fs::read_to_string(&log).unwrap();
    let (head, last) = text.trim_end().rsplit_once('\n').unwrap();
    std::fs::write(&log, format!("{head}\n{}{last}\n", codex_lines("sparkq/tests/test_api.py"))).unwrap();
    // The failed job's log (and so its id) gets a hostile name: the id is in every output.
    for ext in ["jsonl", "err"] {
        std::fs::rename(logs.join(format!("b3-api-tests.{ext}")), logs.join(format!("{HOSTILE_ID}.{ext}"))).unwrap();
    }
    replace(
        &pb.join("phase6-codex-batch3.sh"),
        "$LOGS/b3-api-tests.jsonl",
        format!("$LOGS/{HOSTILE_ID}.jsonl").as_bytes(),
    );
    replace(&pb.join("phase6-codex-batch3.sh"), "$LOGS/b3-api-tests.err", format!("$LOGS/{HOSTILE_ID}.err").as_bytes());
    root
}

/// A job id (from a log file name) with escapes; no `.` or `/`, as it is a file name stem.
const HOSTILE_ID: &str = "b3-api-\u{1b}]0;pwned-title\u{7}\u{1b}[2J\u{9b}31m\u{202e}\u{2066}MARK-ID";

fn scenarios(tmp: &Path) -> Vec<PathBuf> {
    vec![hostile_notes(tmp), hostile_sparkq(tmp)]
}

#[test]
fn human_cli_output_has_no_escapes() {
    let tmp = tempfile::tempdir().unwrap();
    for root in scenarios(tmp.path()) {
        for cmd in ["inspect", "plan"] {
            let (out, err, code, _) = run_cli(&[os(cmd), root.as_os_str()], None);
            assert_eq!(code, 0, "{cmd} {}: {}", root.display(), String::from_utf8_lossy(&err));
            assert_clean(&format!("{cmd} stdout"), &out);
            assert_clean(&format!("{cmd} stderr"), &err);
            let text = String::from_utf8(out).unwrap();
            // The escapes went, the words around them stayed.
            if cmd == "inspect" {
                assert!(
                    text.contains("MARK-A") && text.contains("MARK-B"),
                    "the hostile message is shown (cleaned):\n{text}"
                );
            }
            if root.ends_with("sparkq-phase6") {
                assert!(text.contains("b3-api-MARK-ID"), "{cmd}: the hostile job id is shown (cleaned):\n{text}");
            } else if cmd == "inspect" {
                assert!(text.contains("stray-MARK-NAME.jsonl"), "the hostile file name is shown (cleaned):\n{text}");
            }
            // Only an exact command line keeps the id, quoted as `$'...'` with its escapes
            // written out (never raw), so that it still names the job.
            let shown: String = text.lines().filter(|l| !l.starts_with("    $ recover-tui ")).collect();
            assert!(
                !shown.contains("pwned-title") && !shown.contains("cm0gLXJmIH4="),
                "OSC payloads are removed whole:\n{text}"
            );
            for l in text.lines().filter(|l| l.contains("pwned-title")) {
                assert!(l.contains("--job $'b3-api-\\x1b]0;pwned-title\\x07"), "quoted, escapes written out: {l}");
            }
        }
    }
}

fn any_string(v: &serde_json::Value, f: &dyn Fn(&str) -> bool) -> bool {
    match v {
        serde_json::Value::String(s) => f(s),
        serde_json::Value::Array(a) => a.iter().any(|x| any_string(x, f)),
        serde_json::Value::Object(m) => m.iter().any(|(k, x)| f(k) || any_string(x, f)),
        _ => false,
    }
}

#[test]
fn json_cli_output_escapes_every_control() {
    let tmp = tempfile::tempdir().unwrap();
    for root in scenarios(tmp.path()) {
        for cmd in ["inspect", "plan"] {
            let (out, err, code, _) = run_cli(&[os(cmd), root.as_os_str(), os("--json")], None);
            assert_eq!(code, 0, "{cmd}: {}", String::from_utf8_lossy(&err));
            assert_clean(&format!("{cmd} --json"), &out);
            let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
            assert!(v["schema"].as_str().unwrap().starts_with("recover-tui/"));
            let text = String::from_utf8(out).unwrap();
            for esc in ["\\u001b", "\\u009b", "\\u202e", "\\u0007"] {
                assert!(text.contains(esc), "{cmd} --json of {} carries {esc}", root.display());
            }
            // The raw string survives a round trip: nothing was lost, only escaped.
            assert!(any_string(&v, &|s| s.contains("\u{1b}]0;")), "{cmd}");
        }
    }
}

#[test]
fn markdown_and_json_export_are_clean() {
    let tmp = tempfile::tempdir().unwrap();
    for root in scenarios(tmp.path()) {
        let opts = OpenOptions {
            path: Some(root.clone()),
            state_dir: Some(tmp.path().join("state")),
            config: None,
            read_only: false,
        };
        let s = Project::open(&opts).unwrap();
        let now = chrono::Utc::now();
        let md = s.export_markdown(now).expect("a failed batch gives a decision");
        assert_clean("markdown export", md.as_bytes());
        let marker = if root.ends_with("sparkq-phase6") { "b3-api-MARK-ID" } else { "MARK-A" };
        assert!(md.contains(marker), "{md}");
        let js = s.export_json(now).unwrap();
        assert_clean("json export", js.as_bytes());
        let v: serde_json::Value = serde_json::from_str(&js).unwrap();
        assert_eq!(v["schema"], "recover-tui/export@1");
        assert!(js.contains("\\u001b") && js.contains("\\u009b") && js.contains("\\u202e"), "{js}");
    }
}

#[test]
fn error_messages_naming_hostile_paths_are_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("no-such-\u{1b}]0;title\u{7}\u{202e}dir");
    let (out, err, code, _) = run_cli(&[os("plan"), missing.as_os_str()], None);
    assert_eq!(code, 2);
    assert_clean("stdout", &out);
    assert_clean("stderr", &err);
    assert!(String::from_utf8_lossy(&err).contains("no such file or directory"));
}

#[test]
fn hostile_project_directory_name_is_cleaned() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("proj-\u{1b}]0;title\u{7}\u{1b}[2J\u{9b}1m\u{202e}");
    std::fs::create_dir(&dir).unwrap();
    let root = hostile_notes(&dir);
    for cmd in ["inspect", "plan"] {
        let (out, err, code, _) = run_cli(&[os(cmd), root.as_os_str()], None);
        assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
        assert_clean(cmd, &out);
    }
    let opts = OpenOptions {
        path: Some(root.clone()),
        state_dir: Some(tmp.path().join("state")),
        config: None,
        read_only: false,
    };
    let md = Project::open(&opts).unwrap().export_markdown(chrono::Utc::now()).unwrap();
    assert_clean("markdown", md.as_bytes());
}
