//! Issue 12, findings 5 and 10 (DESIGN.md §17/§18): bounded reading never changes a decision,
//! and no input is dropped quietly. Formats that carry results (joblogs, validation reports)
//! are read whole, line by line, in bounded memory: a failed row or finding in the middle of a
//! big file is seen. An explicit FIFO or device path is an error, never a hang; FIFOs, devices,
//! sockets, unreadable files and directories and symlinks out of the project met by the scan
//! are warnings naming them; a broken `run.json` is one warning and the rest loads.
//!
//! `RECOVER_TUI_LONG_TESTS=1` runs the full 1,000,000-row / 180 MB joblog of §17.

mod common;

use common::*;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

const MIB: u64 = 1 << 20;
const HEADER: &str = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";

/// One GNU parallel joblog row (formats/README.md §5), as the notes-joblog fixture has them.
fn row(seq: u64, start: f64, exitval: i64, batch: u32) -> String {
    format!(
        "{seq}\t:\t{start:.3}\t{:>10.3}\t0\t0\t{exitval}\t0\tcodex exec --full-auto --json -C /home/dev/notes - < _build/prompts/b{batch}-{seq}.md > _build/logs/b{batch}-{seq}.jsonl 2> _build/logs/b{batch}-{seq}.err\n",
        0.061
    )
}

/// A joblog of `jobs` Seqs, each run `attempts` times (`--joblog +file` re-runs append rows
/// with the same Seq), every row exit 0 except the last attempt of Seq `failed`.
fn write_joblog(path: &Path, batch: u32, jobs: u64, attempts: u64, failed: u64) -> u64 {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut f = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path).unwrap());
    f.write_all(HEADER.as_bytes()).unwrap();
    let mut t = 1795467326.617;
    for a in 0..attempts {
        for seq in 1..=jobs {
            t += 0.01;
            let exit = if seq == failed && a + 1 == attempts { 1 } else { 0 };
            f.write_all(row(seq, t, exit, batch).as_bytes()).unwrap();
        }
    }
    f.flush().unwrap();
    drop(f);
    std::fs::metadata(path).unwrap().len()
}

fn plan_json(dir: &Path) -> (serde_json::Value, u64) {
    let (out, err, code, rss) = run_cli(&[os("plan"), dir.as_os_str(), os("--json")], None);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    (serde_json::from_slice(&out).unwrap(), rss)
}

fn rerun_jobs(v: &serde_json::Value) -> Vec<String> {
    v["rerun_jobs"].as_array().unwrap().iter().map(|j| j["job"].as_str().unwrap().to_string()).collect()
}

fn warnings(v: &serde_json::Value) -> Vec<String> {
    v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap().to_string()).collect()
}

#[test]
fn a_failed_row_in_the_middle_of_a_100000_row_joblog_is_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("big");
    let size = write_joblog(&root.join("_build/joblog-batch1.tsv"), 1, 100_000, 1, 50_000);
    assert!(size > 16 * MIB, "{size}");
    let (v, _) = plan_json(&root);
    assert_eq!(v["failing_batch"], 1, "{v:#}");
    assert_eq!(rerun_jobs(&v), ["b1-50000"], "the failed middle row names its job");
    let r = &v["rerun_jobs"][0];
    assert!(r["reason"].as_str().unwrap().contains("exited with status 1"), "{r}");
    // Nothing was left unread.
    assert!(!warnings(&v).iter().any(|w| w.contains("not read")), "{:?}", warnings(&v));
}

#[test]
fn a_failing_finding_in_the_middle_of_a_big_validation_report_is_seen() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("notes-joblog");
    copy_dir(&fixtures().join("notes-joblog"), &root);
    // The fixture's batch 2 report, its one failure put in the middle of 12 MB of passes.
    let report = root.join("_build/validation-batch2.txt");
    let original = std::fs::read_to_string(&report).unwrap();
    assert!(original.contains("SyntaxError"));
    let mut f = std::io::BufWriter::new(std::fs::File::create(&report).unwrap());
    let pass = "$ python -m py_compile notes/search.py\n";
    let mut n = 0;
    while n < 6 * MIB {
        f.write_all(pass.as_bytes()).unwrap();
        n += pass.len() as u64;
    }
    f.write_all(original.as_bytes()).unwrap();
    while n < 12 * MIB {
        f.write_all(pass.as_bytes()).unwrap();
        n += pass.len() as u64;
    }
    drop(f);
    let (v, _) = plan_json(&root);
    let b21 = v["rerun_jobs"].as_array().unwrap().iter().find(|j| j["job"] == "b2-1");
    let b21 = b21.unwrap_or_else(|| panic!("b2-1 is still failed by the middle finding: {v:#}"));
    assert!(b21["reason"].as_str().unwrap().contains("SyntaxError in notes/render.py:4"), "{b21}");
    assert_eq!(v["failing_batch"], 2);
}

/// Peak RSS of `plan --json` on a project holding one big joblog, against §17's bound.
fn joblog_memory(jobs: u64, attempts: u64) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("rerun");
    let failed = jobs / 2 + 1;
    let input = write_joblog(&root.join("_build/joblog-batch1.tsv"), 1, jobs, attempts, failed);
    let started = Instant::now();
    let (v, rss_kib) = plan_json(&root);
    let took = started.elapsed();
    assert_eq!(rerun_jobs(&v), [format!("b1-{failed}")], "every row read: the last attempt of Seq {failed} failed");
    let limit_kib = (64 * MIB + input / 10) / 1024;
    eprintln!(
        "joblog memory: {} rows ({jobs} jobs x {attempts} attempts), {:.1} MiB in, peak RSS {:.1} MiB, limit {:.1} MiB, {:.1} s",
        jobs * attempts,
        input as f64 / MIB as f64,
        rss_kib as f64 / 1024.0,
        limit_kib as f64 / 1024.0,
        took.as_secs_f64()
    );
    assert!(rss_kib <= limit_kib, "peak RSS {rss_kib} KiB over the limit {limit_kib} KiB");
}

#[test]
fn a_big_joblog_is_read_whole_within_the_memory_bound() {
    if long() {
        // §17: 1,000,000 rows, about 180 MB.
        joblog_memory(10_000, 100);
    } else {
        // About 20 MB.
        joblog_memory(2_000, 60);
    }
}

/// Run the binary, ending it if it is still running after `limit` (a hang is a failure).
fn run_with_timeout(args: &[&std::ffi::OsStr], limit: Duration) -> (String, i32) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_recover-tui"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
            return (err, status.code().unwrap_or(-1));
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("recover-tui {args:?} hung for {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "{}", std::io::Error::last_os_error());
}

#[test]
fn an_explicit_fifo_or_device_path_is_a_clear_error_not_a_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("joblog.tsv");
    mkfifo(&fifo);
    let link = tmp.path().join("link-to-fifo.jsonl");
    std::os::unix::fs::symlink(&fifo, &link).unwrap();
    let cases: [(&Path, &str); 4] = [
        (&fifo, "a FIFO"),
        (&link, "a FIFO"),
        (Path::new("/dev/zero"), "a character device"),
        (Path::new("/dev/null"), "a character device"),
    ];
    for cmd in ["plan", "inspect"] {
        for (p, kind) in cases {
            let (err, code) = run_with_timeout(&[os(cmd), p.as_os_str()], Duration::from_secs(20));
            assert_eq!(code, 2, "{cmd} {}: {err}", p.display());
            assert_eq!(err.lines().count(), 1, "one sentence: {err}");
            assert!(err.contains(&p.display().to_string()) && err.contains(kind), "{cmd} {}: {err}", p.display());
        }
    }
}

/// The user tests that need an unreadable file run as: ourselves when not root, else
/// `nobody` through `setpriv` (root reads everything).
fn unprivileged() -> Option<Vec<String>> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some(Vec::new());
    }
    let ok = std::process::Command::new("setpriv")
        .args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "true"])
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"].map(String::from).to_vec())
}

fn open_up(dir: &Path) {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            open_up(&e.path());
        } else if ft.is_file() {
            std::fs::set_permissions(e.path(), std::fs::Permissions::from_mode(0o644)).unwrap();
        }
    }
}

#[test]
fn special_unreadable_and_outside_inputs_met_by_the_scan_are_warnings_naming_them() {
    let Some(prefix) = unprivileged() else {
        // Stated reason: running as root with no way to drop to an unprivileged user.
        eprintln!("skipped: root, and `setpriv --reuid=nobody` does not work here");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("notes-joblog");
    copy_dir(&fixtures().join("notes-joblog"), &root);
    let logs = root.join("_build/logs");
    // Outside the project: a joblog that would make a failed job b7-1 if it were read.
    let outside = tmp.path().join("outside");
    write_joblog(&outside.join("joblog-batch7.tsv"), 7, 3, 1, 1);
    open_up(tmp.path());
    mkfifo(&logs.join("b3-9.jsonl"));
    let _socket = std::os::unix::net::UnixListener::bind(logs.join("agent.sock")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", logs.join("zero.log")).unwrap();
    std::os::unix::fs::symlink(outside.join("joblog-batch7.tsv"), root.join("_build/joblog-batch7.tsv")).unwrap();
    std::os::unix::fs::symlink(logs.join("b1-1.jsonl"), logs.join("inside-link.jsonl")).unwrap();
    // Unreadable: a log, a prompt and a directory of logs.
    std::fs::set_permissions(logs.join("b2-3.jsonl"), std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(root.join("_build/prompts/b3-1.md"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let hidden = root.join("_build/more-logs");
    std::fs::create_dir(&hidden).unwrap();
    std::fs::write(hidden.join("b9-1.jsonl"), "{\"type\":\"turn.started\"}\n").unwrap();
    std::fs::set_permissions(&hidden, std::fs::Permissions::from_mode(0o000)).unwrap();

    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let mut argv: Vec<String> = prefix.clone();
    argv.extend([bin.to_string(), "inspect".into(), root.display().to_string(), "--json".into()]);
    let mut child = std::process::Command::new(&argv[0])
        .args(&argv[1..])
        .env("NO_COLOR", "1")
        .env("HOME", tmp.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("inspect hung on a FIFO in the project");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    std::fs::set_permissions(&hidden, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let w = warnings(&v);
    let has = |name: &str, what: &str| {
        assert!(w.iter().any(|x| x.starts_with(name) && x.contains(what)), "a warning `{name}: …{what}…` in {w:#?}")
    };
    has("_build/logs/b3-9.jsonl", "FIFO");
    has("_build/logs/agent.sock", "socket");
    has("_build/logs/zero.log", "outside the project");
    has("_build/joblog-batch7.tsv", "outside the project");
    has("_build/logs/b2-3.jsonl", "cannot read");
    has("_build/prompts/b3-1.md", "cannot read");
    assert!(w.iter().any(|x| x.contains("prompt file _build/prompts/b3-1.md cannot be read")), "{w:#?}");
    has("_build/more-logs/", "cannot read this directory");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("b7-1"), "the outside joblog was not read");
    // Everything else still loads.
    let ids: Vec<&str> = v["batches"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["jobs"].as_array().unwrap().iter().map(|j| j["id"].as_str().unwrap()))
        .collect();
    for id in ["b1-1", "b1-2", "b2-1", "b2-2", "b2-3", "b3-1", "b3-2"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
}

#[test]
fn a_broken_run_json_is_a_warning_and_the_rest_loads() {
    let cases: [(&str, &str, usize); 3] = [
        ("invalid JSON", "{\n  \"schema\": \"recover-tui/run@1\",\n  \"batches\": [\n    {\"number\": 1,,}\n  ]\n}\n", 4),
        (
            "a wrong field",
            "{\n  \"schema\": \"recover-tui/run@1\",\n  \"batches\": [\n    {\"number\": \"one\", \"jobs\": []}\n  ]\n}\n",
            4,
        ),
        ("an unknown field", "{\n  \"schema\": \"recover-tui/run@1\",\n  \"batches\": [],\n  \"bogus\": 1\n}\n", 4),
    ];
    for (what, text, line) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("notes-joblog");
        copy_dir(&fixtures().join("notes-joblog"), &root);
        std::fs::write(root.join("run.json"), text).unwrap();
        let (out, err, code, _) = run_cli(&[os("inspect"), root.as_os_str(), os("--json")], None);
        assert_eq!(code, 0, "{what}: {}", String::from_utf8_lossy(&err));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        let w = warnings(&v);
        assert!(w.iter().any(|x| x.starts_with(&format!("run.json:{line}: "))), "{what}: {w:#?}");
        let jobs: usize = v["batches"].as_array().unwrap().iter().map(|b| b["jobs"].as_array().unwrap().len()).sum();
        assert!(jobs >= 7, "{what}: the rest of the directory loaded ({jobs} jobs)");
        // And plan says it too.
        let (out, _, code, _) = run_cli(&[os("plan"), root.as_os_str()], None);
        assert_eq!(code, 0);
        assert!(String::from_utf8_lossy(&out).contains("run.json:"), "{what}");
    }
}
