//! Group 6 of issue 8 (DESIGN.md §12): two instances on one state directory — the second is
//! read-only with a clear "in use by pid N" and every write it tries is refused; the lock of a
//! process killed with `kill -9` is taken over; when several processes race for a stale lock,
//! exactly one wins. The other processes are this test binary re-run with `lock_holder`.

mod common;

use recover_tui::core::model::SystemClock;
use recover_tui::store::journal::{self, JournalEvent};
use recover_tui::store::ledger::Ledger;
use recover_tui::store::snapshot::{self, SnapshotMeta};
use recover_tui::store::{restore, StateDir, StoreError};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const ENV: &str = "RECOVER_TUI_LOCK_DIR";
const HOLD: &str = "RECOVER_TUI_LOCK_HOLD_MS";

/// Run by the tests below in a child process: open the state dir, say whether we hold the
/// lock, then keep it for a while.
#[test]
#[ignore = "run as a child process by the concurrency tests"]
fn lock_holder() {
    let Ok(dir) = std::env::var(ENV) else { return };
    let root = Path::new(&dir);
    let sd = StateDir::open(&root.join(".recover"), root, &SystemClock).unwrap();
    match sd.read_only_reason() {
        None => println!("ours {}", std::process::id()),
        Some(r) => println!("held {r}"),
    }
    let ms = std::env::var(HOLD).ok().and_then(|v| v.parse().ok()).unwrap_or(60_000);
    std::thread::sleep(Duration::from_millis(ms));
}

fn spawn_holder(root: &Path, hold_ms: u64) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "lock_holder", "--ignored", "--nocapture", "--test-threads=1", "-q"])
        .env(ENV, root)
        .env(HOLD, hold_ms.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// The first line the holder prints about the lock.
fn first_report(child: &mut Child) -> String {
    let out = child.stdout.take().unwrap();
    for line in BufReader::new(out).lines() {
        let line = line.unwrap();
        if line.starts_with("ours ") || line.starts_with("held ") {
            return line;
        }
    }
    panic!("the holder said nothing about the lock");
}

fn kill9(child: &mut Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn second_instance_is_read_only_naming_the_pid_and_a_killed_holder_is_taken_over() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(root.join("a.py"), b"x = 1\n").unwrap();
    let mut holder = spawn_holder(root, 60_000);
    let said = first_report(&mut holder);
    assert_eq!(said, format!("ours {}", holder.id()));

    // The second instance: read-only, and the message names the holder's pid.
    let sd = StateDir::open(&root.join(".recover"), root, &SystemClock).unwrap();
    let reason = sd.read_only_reason().expect("read-only while another process holds the lock");
    assert!(reason.starts_with(&format!("in use by pid {} (started ", holder.id())), "{reason}");
    assert!(reason.ends_with("; opened read-only"), "{reason}");
    // Every write is refused, naming the file and why.
    let refused = |r: Result<(), StoreError>, what: &str| match r {
        Err(StoreError::ReadOnly { reason: why, .. }) => assert_eq!(why, reason, "{what}"),
        other => panic!("{what}: expected a read-only refusal, got {other:?}"),
    };
    refused(
        journal::append(&sd, &SystemClock, JournalEvent::Exported { format: "md".into(), path: None }).map(drop),
        "journal",
    );
    refused(Ledger::default().save(&sd), "ledger");
    refused(snapshot::take(&sd, &["a.py".into()], SnapshotMeta::default(), &SystemClock).map(drop), "snapshot");
    refused(restore::restore(&sd, "x", &SystemClock).map(drop), "restore");
    let msg = journal::append(&sd, &SystemClock, JournalEvent::Exported { format: "md".into(), path: None })
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains(&format!("journal.jsonl: not written: the state directory is in use by pid {}", holder.id())),
        "{msg}"
    );
    drop(sd);
    assert!(root.join(".recover/lock").exists(), "the read-only instance leaves the holder's lock alone");

    // kill -9 the holder: its lock stays behind, and is taken over by the next instance.
    let dead = holder.id();
    kill9(&mut holder);
    let stale = std::fs::read_to_string(root.join(".recover/lock")).unwrap();
    assert!(stale.contains(&format!("\"pid\":{dead}")), "{stale}");
    let sd = StateDir::open(&root.join(".recover"), root, &SystemClock).unwrap();
    assert_eq!(sd.read_only_reason(), None, "the dead holder's lock is taken over");
    let now = std::fs::read_to_string(root.join(".recover/lock")).unwrap();
    assert!(now.contains(&format!("\"pid\":{}", std::process::id())), "{now}");
    journal::append(&sd, &SystemClock, JournalEvent::Exported { format: "md".into(), path: None }).unwrap();
    snapshot::take(&sd, &["a.py".into()], SnapshotMeta::default(), &SystemClock).unwrap();

    // And while we hold it, a new process is the read-only one.
    let mut third = spawn_holder(root, 0);
    let said = first_report(&mut third);
    assert!(said.starts_with(&format!("held in use by pid {} ", std::process::id())), "{said}");
    third.wait().unwrap();
}

#[test]
fn processes_racing_for_a_stale_lock_elect_exactly_one_writer() {
    let rounds = if common::long() { 20 } else { 3 };
    let racers = 6;
    for round in 0..rounds {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        // A stale lock: its holder was killed.
        let mut first = spawn_holder(root, 60_000);
        assert!(first_report(&mut first).starts_with("ours "));
        kill9(&mut first);
        // Everyone at once; each keeps what it got long enough for the others to look.
        let mut kids: Vec<Child> = (0..racers).map(|_| spawn_holder(root, 1_500)).collect();
        let reports: Vec<(u32, String)> = kids.iter_mut().map(|k| (k.id(), first_report(k))).collect();
        for k in &mut kids {
            k.wait().unwrap();
        }
        let winners: Vec<&(u32, String)> = reports.iter().filter(|(_, r)| r.starts_with("ours ")).collect();
        assert_eq!(winners.len(), 1, "round {round}: exactly one writer: {reports:#?}");
        let winner = winners[0].0;
        for (pid, r) in &reports {
            if *pid != winner {
                assert!(r.starts_with(&format!("held in use by pid {winner} ")), "round {round}: {r}");
            }
        }
    }
    eprintln!("lock races: {rounds} rounds of {racers} processes for a stale lock, one writer each time");
}
