//! `kill -9` at random moments: every state file still parses, no committed snapshot, journal
//! line, ledger save or attempt is lost, an export file is either absent or complete, and an
//! interrupted restore can be completed (`resume_restore`) or undone (then restoring its undo
//! snapshot), leaving the project exactly as the snapshot (or the undo snapshot) has it.
//!
//! The parent test re-runs this test binary with only the ignored `crash_writer` test selected;
//! the writer snapshots, journals, records attempts in the ledger, writes an export file and
//! restores in a loop, printing `begin <op>` before each operation and each commit after it
//! returns, until it is killed; every third trial the writer only restores, back and forth
//! between two states of 60 files. 30 trials by default, 300 with `RECOVER_TUI_LONG_TESTS=1`
//! (or `RECOVER_TUI_CRASH_TRIALS=N`).

use super::journal::{self, JournalEvent};
use super::ledger::Ledger;
use super::restore;
use super::snapshot::{self, SnapshotManifest, SnapshotMeta};
use super::{atomic, check, StateDir};
use crate::core::model::{Attempt, AttemptOutcome, SystemClock};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;
use std::time::Duration;

const ENV: &str = "RECOVER_TUI_CRASH_DIR";
const EXPORT: &str = "RECOVERY-NOTE.md";
/// `restore`: the writer only restores (see [`restore_loop`]).
const MODE: &str = "RECOVER_TUI_CRASH_MODE";

/// The export file the writer writes at step `i`: long enough to take more than one write.
fn export_text(i: u64) -> String {
    let mut s = format!("# Recovery note {i}\n\n");
    for k in 0..(200 + i % 50) {
        s += &format!("- line {k} of export {i}: the decision, the trail, the cost and the outcome\n");
    }
    s + &format!("\n## Outcome: IN_PROGRESS (export {i})\n")
}

fn attempt(i: u64) -> Attempt {
    Attempt {
        job: format!("b2-{}", i % 3),
        number: (i / 3 + 1) as u32,
        snapshot: None,
        recovery_prompt: None,
        revised_prompt: None,
        kind: crate::core::model::AttemptKind::TargetedRecovery,
        command: vec!["codex".into(), "exec".into(), "-".into()],
        started_at: chrono::Utc::now(),
        ended_at: Some(chrono::Utc::now()),
        exit_code: Some(1),
        findings: vec![],
        outcome: AttemptOutcome::Failed,
        changes: Some(format!("step {i}")),
        prompt_origin: None,
    }
}

#[test]
#[ignore = "run by kill_9_at_random_moments_loses_nothing_committed"]
fn crash_writer() {
    let Ok(dir) = std::env::var(ENV) else { return };
    let root = Path::new(&dir);
    let sd = StateDir::open(&root.join(".recover"), root, &SystemClock).unwrap();
    assert!(sd.read_only_reason().is_none());
    if std::env::var(MODE).is_ok_and(|m| m == "restore") {
        return restore_loop(&sd, root);
    }
    let (mut ledger, _) = Ledger::load(&sd).unwrap();
    let mut ids: Vec<String> = Vec::new();
    for i in 0u64.. {
        let body: Vec<u8> = format!("{i}\n").repeat((i % 7 + 1) as usize * 300).into_bytes();
        std::fs::write(root.join(format!("f{}.txt", i % 5)), &body).unwrap();
        if i % 4 == 3 {
            let _ = std::fs::remove_file(root.join(format!("f{}.txt", (i + 2) % 5)));
        }
        // Many small files, so that a restore has many moves to make.
        std::fs::create_dir_all(root.join("many")).unwrap();
        for k in 0..40 {
            std::fs::write(root.join(format!("many/m{k}.py")), format!("X = {i}\n")).unwrap();
        }
        println!("begin snapshot");
        let m = snapshot::take(
            &sd,
            &["f0.txt".into(), "f1.txt".into(), "f2.txt".into(), "f3.txt".into(), "f4.txt".into(), "many".into()],
            SnapshotMeta { reason: format!("r{i}"), ..Default::default() },
            &SystemClock,
        )
        .unwrap();
        println!("snapshot {}", m.id);
        println!("begin journal");
        journal::append(
            &sd,
            &SystemClock,
            JournalEvent::Snapshot {
                id: m.id.clone(),
                reason: m.reason.clone(),
                job: None,
                batch: None,
                attempt: None,
                files: m.files.len() as u32,
                bytes: m.total_size(),
            },
        )
        .unwrap();
        println!("journal {i}");
        ids.push(m.id);
        println!("begin ledger");
        ledger.supplied.insert("n".into(), i.to_string());
        ledger.record_attempt(attempt(i));
        ledger.save(&sd).unwrap();
        println!("ledger {i}");
        println!("begin export");
        atomic::write(&root.join(EXPORT), export_text(i).as_bytes()).unwrap();
        println!("export {i}");
        if i % 2 == 1 {
            // Alternate between the oldest and a recent snapshot, so restores change files.
            let target = if i % 4 == 1 { ids[0].clone() } else { ids[ids.len() / 2].clone() };
            println!("begin restore");
            let r = restore::restore(&sd, &target, &SystemClock).unwrap();
            println!("snapshot {}", r.undo_snapshot);
            println!("restored {}", r.snapshot);
        }
    }
}

/// The writer of every third trial: two states of 60 files, restored in turn, so that most
/// kills land inside a restore (and some between its plan and its last move).
fn restore_loop(sd: &StateDir, root: &Path) {
    let mut ids = Vec::new();
    for state in 0..2 {
        std::fs::create_dir_all(root.join("many")).unwrap();
        for k in 0..60 {
            let p = root.join(format!("many/m{k}.py"));
            if state == 1 && k % 4 == 0 {
                let _ = std::fs::remove_file(&p);
            } else {
                std::fs::write(&p, format!("STATE = {state}\n").repeat(k + 1)).unwrap();
            }
        }
        let m = snapshot::take(
            sd,
            &["many".into()],
            SnapshotMeta { reason: format!("state {state}"), ..Default::default() },
            &SystemClock,
        )
        .unwrap();
        println!("snapshot {}", m.id);
        ids.push(m.id);
    }
    for i in 0usize.. {
        println!("begin restore");
        let r = restore::restore(sd, &ids[i % 2], &SystemClock).unwrap();
        println!("snapshot {}", r.undo_snapshot);
        println!("restored {}", r.snapshot);
    }
}

/// A pseudo-random number from the clock (no rand crate needed).
fn jitter(max: u64) -> u64 {
    let n = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    (n as u64 / 1000) % max
}

fn trials() -> u64 {
    if let Some(n) = std::env::var("RECOVER_TUI_CRASH_TRIALS").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    let long = std::env::var("RECOVER_TUI_LONG_TESTS").is_ok_and(|v| !v.is_empty() && v != "0");
    if long {
        300
    } else {
        30
    }
}

/// The project files are exactly as the snapshot records them.
fn assert_matches(root: &Path, m: &SnapshotManifest, what: &str) {
    for f in &m.files {
        let p = root.join(&f.path);
        match &f.sha256 {
            Some(sha) => {
                let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{what}: {} is missing: {e}", f.path));
                assert_eq!(&snapshot::sha256_hex(&bytes), sha, "{what}: {} differs from the snapshot", f.path);
            }
            None => assert!(!p.exists(), "{what}: {} should not exist", f.path),
        }
    }
}

#[test]
fn kill_9_at_random_moments_loses_nothing_committed() {
    let exe = std::env::current_exe().unwrap();
    let trials = trials();
    let (mut resumed, mut undone, mut commits) = (0, 0, 0);
    let mut killed_in: BTreeMap<String, u32> = BTreeMap::new();
    for trial in 0..trials {
        let d = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(&exe)
            .args(["--exact", "store::crash_tests::crash_writer", "--ignored", "--nocapture", "--test-threads=1"])
            .env(ENV, d.path())
            .env(MODE, if trial % 3 == 2 { "restore" } else { "all" })
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(40 + jitter(260) + (trial % 10) * 7));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let mut out = String::new();
        child.stdout.take().unwrap().read_to_string(&mut out).unwrap();

        let sd = StateDir::open(&d.path().join(".recover"), d.path(), &SystemClock).unwrap();
        assert_eq!(sd.read_only_reason(), None, "trial {trial}: the dead writer's lock is taken over");
        // What was the writer doing when it died?
        let last_begin = out.lines().rev().find_map(|l| l.strip_prefix("begin ")).unwrap_or("start").to_string();
        let last_line = out.lines().last().unwrap_or("");
        let op = if out.is_empty() {
            "start-up".to_string()
        } else if last_line.starts_with("begin ") {
            last_begin
        } else {
            "changing project files".to_string()
        };
        *killed_in.entry(op).or_default() += 1;

        // An interrupted restore: complete it, or (every other one) complete it and undo it.
        if let Some(id) = restore::pending_restore(&sd) {
            let target = snapshot::load(&sd, &id).unwrap();
            // A new restore waits for the pending one, and says how to get out.
            let err = restore::restore(&sd, &id, &SystemClock).unwrap_err().to_string();
            assert!(err.contains("complete it (resume) first; then `restore "), "{err}");
            let r = restore::resume_restore(&sd).unwrap_or_else(|e| panic!("trial {trial}: resume failed: {e}"));
            assert_matches(d.path(), &target, &format!("trial {trial}: completed restore of {id}"));
            resumed += 1;
            if resumed % 2 == 1 {
                let undo = snapshot::load(&sd, &r.undo_snapshot).unwrap();
                restore::restore(&sd, &r.undo_snapshot, &SystemClock).unwrap();
                assert_matches(d.path(), &undo, &format!("trial {trial}: undone restore of {id}"));
                undone += 1;
            }
        }
        let report = check::check(&sd);
        assert!(report.problems.is_empty(), "trial {trial}: {:#?}", report.problems);
        let (journal, warnings) = journal::read(&sd);
        assert!(warnings.is_empty(), "trial {trial}: {warnings:?}");
        let (ledger, warnings) = Ledger::load(&sd).unwrap();
        assert!(warnings.is_empty(), "trial {trial}: {warnings:?}");

        let journaled: BTreeSet<String> = journal
            .iter()
            .filter_map(|e| match &e.event {
                JournalEvent::Snapshot { reason, .. } => Some(reason.clone()),
                _ => None,
            })
            .collect();
        let mut saved: Option<u64> = None;
        let mut exported: Option<u64> = None;
        commits += out.lines().filter(|l| !l.starts_with("begin ")).count();
        for line in out.lines() {
            if let Some(id) = line.strip_prefix("snapshot ") {
                snapshot::load(&sd, id).unwrap_or_else(|e| panic!("trial {trial}: committed snapshot lost: {e}"));
            } else if let Some(i) = line.strip_prefix("journal ") {
                assert!(journaled.contains(&format!("r{i}")), "trial {trial}: committed journal line r{i} lost");
            } else if let Some(n) = line.strip_prefix("ledger ") {
                let n: u64 = n.parse().unwrap();
                saved = Some(n);
                let a = attempt(n);
                let kept = ledger.attempts.get(&a.job).is_some_and(|l| l.iter().any(|x| x.number == a.number));
                assert!(kept, "trial {trial}: committed attempt {} #{} lost", a.job, a.number);
            } else if let Some(n) = line.strip_prefix("export ") {
                exported = n.parse().ok();
            }
        }
        if let Some(n) = saved {
            let on_disk: u64 = ledger.supplied.get("n").and_then(|v| v.parse().ok()).unwrap_or(0);
            assert!(on_disk >= n, "trial {trial}: ledger has n={on_disk}, {n} was saved");
        }
        // The export file is one complete export: the last committed one or the one after it.
        match std::fs::read_to_string(d.path().join(EXPORT)) {
            Ok(text) => {
                let ok = [exported.map(|n| n + 1).unwrap_or(0), exported.unwrap_or(u64::MAX)]
                    .iter()
                    .any(|&k| k != u64::MAX && text == export_text(k));
                assert!(ok, "trial {trial}: the export file is torn (last committed: {exported:?})");
            }
            Err(_) => assert_eq!(exported, None, "trial {trial}: a committed export file is gone"),
        }
    }
    let kills: Vec<String> = killed_in.iter().map(|(k, v)| format!("{k} {v}")).collect();
    eprintln!(
        "crash trials: {trials} kill -9, {commits} commits checked, {resumed} interrupted restores completed ({undone} then undone); killed during: {}",
        kills.join(", ")
    );
    assert!(commits > trials as usize, "the writer got to commit things before being killed");
}
