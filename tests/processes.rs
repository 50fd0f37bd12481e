//! Group 7 of issue 8, the process part (DESIGN.md §11): a hanging generator that forks a tree
//! of children — grandchildren, an orphan left by a double fork, and a branch that ignores
//! SIGTERM — is fully killed on timeout, on cancel, when its future is dropped, by
//! `kill_all_groups` (the quit / SIGTERM / panic path of the app), and when the leader exits
//! leaving the tree behind; through `run_command` and through a whole recovery attempt.
//! (Restoring the terminal on quit, SIGTERM and panic is the TUI's part, see RELIABILITY.md.)

mod common;

use recover_tui::app::recovery::run_one;
use recover_tui::core::model::{AttemptOutcome, Job, SystemClock};
use recover_tui::exec::attempt::AttemptSpec;
use recover_tui::exec::process::{self, run_command, CommandSpec, TERM_GRACE};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Process tests share the process-wide registry of groups: one at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Leader + 3 children, each with 2 `sleep` grandchildren and a double-forked orphan `sleep`;
/// child 2 and everything it starts ignore SIGTERM. 13 processes, every pid in `pids`.
const TREE: &str = r#"
echo $$ >> pids
for i in 1 2 3; do
  sh -c '
    [ "$1" = 2 ] && trap "" TERM
    echo $$ >> pids
    sleep 300 & echo $! >> pids
    sleep 300 & echo $! >> pids
    sh -c "sleep 300 & echo \$! >> pids"
    wait
  ' child $i &
done
echo started
while :; do sleep 1; done
"#;
const TREE_SIZE: usize = 13;

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    if unsafe { libc::kill(pid, 0) } != 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, r)| r.trim_start().chars().next()) != Some('Z'),
        Err(_) => false,
    }
}

fn pids(dir: &Path) -> Vec<i32> {
    std::fs::read_to_string(dir.join("pids"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect()
}

async fn wait_for_tree(dir: &Path) -> Vec<i32> {
    for _ in 0..500 {
        let p = pids(dir);
        if p.len() >= TREE_SIZE {
            tokio::time::sleep(Duration::from_millis(50)).await;
            return pids(dir);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the tree never started: {:?}", pids(dir));
}

/// Every pid of the tree is gone within a few seconds (orphans are reaped by init).
async fn assert_all_gone(pids: &[i32], what: &str) {
    for _ in 0..250 {
        if pids.iter().all(|&p| !alive(p)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let left: Vec<i32> = pids.iter().copied().filter(|&p| alive(p)).collect();
    // Do not leave them behind for the next test.
    for &p in &left {
        // SAFETY: plain kill of a pid we started.
        unsafe { libc::kill(p, libc::SIGKILL) };
    }
    panic!("{what}: {} of {} processes survived: {left:?}", left.len(), pids.len());
}

fn spec(dir: &Path, timeout: Duration) -> CommandSpec {
    CommandSpec {
        argv: vec!["sh".into(), "-c".into(), TREE.into()],
        cwd: dir.to_path_buf(),
        stdin: None,
        timeout,
        stdout_file: dir.join("out.txt"),
        stderr_file: dir.join("err.txt"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeout_kills_the_whole_tree() {
    let _serial = SERIAL.lock().await;
    let d = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let timeout = Duration::from_millis(1500);
    let task = tokio::spawn(run_command(spec(d.path(), timeout), watch::channel(false).1, |_, _| {}));
    let tree = wait_for_tree(d.path()).await;
    assert_eq!(tree.len(), TREE_SIZE);
    let r = task.await.unwrap().unwrap();
    assert!(r.timed_out && !r.cancelled, "{r:?}");
    let took = started.elapsed();
    assert!(took < timeout + TERM_GRACE + Duration::from_secs(3), "{took:?}");
    assert_all_gone(&tree, "timeout").await;
    assert!(process::live_groups().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_kills_the_whole_tree() {
    let _serial = SERIAL.lock().await;
    let d = tempfile::tempdir().unwrap();
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(run_command(spec(d.path(), Duration::from_secs(120)), rx, |_, _| {}));
    let tree = wait_for_tree(d.path()).await;
    let started = Instant::now();
    tx.send(true).unwrap();
    let r = tokio::time::timeout(Duration::from_secs(15), task).await.unwrap().unwrap().unwrap();
    assert!(r.cancelled && !r.timed_out, "{r:?}");
    assert!(started.elapsed() < TERM_GRACE + Duration::from_secs(3), "{:?}", started.elapsed());
    assert_all_gone(&tree, "cancel").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_run_kills_the_whole_tree() {
    let _serial = SERIAL.lock().await;
    let d = tempfile::tempdir().unwrap();
    let task = tokio::spawn(run_command(spec(d.path(), Duration::from_secs(120)), watch::channel(false).1, |_, _| {}));
    let tree = wait_for_tree(d.path()).await;
    task.abort();
    let _ = task.await;
    assert_all_gone(&tree, "drop").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_all_groups_kills_every_tree() {
    let _serial = SERIAL.lock().await;
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let ta = tokio::spawn(run_command(spec(a.path(), Duration::from_secs(120)), watch::channel(false).1, |_, _| {}));
    let tb = tokio::spawn(run_command(spec(b.path(), Duration::from_secs(120)), watch::channel(false).1, |_, _| {}));
    let mut tree = wait_for_tree(a.path()).await;
    tree.extend(wait_for_tree(b.path()).await);
    assert_eq!(process::live_groups().len(), 2);
    let started = Instant::now();
    tokio::task::spawn_blocking(|| process::kill_all_groups_with_grace(Duration::from_millis(500))).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_all_gone(&tree, "kill_all_groups").await;
    for t in [ta, tb] {
        let r = tokio::time::timeout(Duration::from_secs(15), t).await.unwrap().unwrap().unwrap();
        assert!(r.signal.is_some(), "{r:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leader_that_exits_takes_its_tree_with_it() {
    let _serial = SERIAL.lock().await;
    let d = tempfile::tempdir().unwrap();
    // The same tree, but the leader returns as soon as it is started.
    let quick = TREE.replace("while :; do sleep 1; done", "sleep 0.3; exit 0");
    let s = CommandSpec { argv: vec!["sh".into(), "-c".into(), quick], ..spec(d.path(), Duration::from_secs(120)) };
    let started = Instant::now();
    let r = run_command(s, watch::channel(false).1, |_, _| {}).await.unwrap();
    assert_eq!(r.exit_code, Some(0));
    assert!(started.elapsed() < TERM_GRACE + Duration::from_secs(3), "{:?}", started.elapsed());
    let tree = pids(d.path());
    assert_eq!(tree.len(), TREE_SIZE);
    assert_all_gone(&tree, "leader exit").await;
}

fn attempt_spec(root: &Path, dir: PathBuf, timeout: Duration) -> AttemptSpec {
    AttemptSpec {
        job: Job { id: "b2-hang".into(), outputs: vec!["src/out.py".into()], ..Job::default() },
        number: 1,
        kind: recover_tui::core::model::AttemptKind::TargetedRecovery,
        prompt: "write src/out.py".into(),
        prompt_origin: recover_tui::core::model::PromptOrigin::Direct,
        attempt_dir: dir,
        project_root: root.to_path_buf(),
        generator: vec!["sh".into(), "-c".into(), TREE.into()],
        validate_defaults: [("py".to_string(), vec!["touch".into(), "validated".into()])].into(),
        timeout,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_generator_in_an_attempt_times_out_or_is_cancelled_with_its_tree() {
    let _serial = SERIAL.lock().await;
    let d = tempfile::tempdir().unwrap();
    // Timeout.
    let s = attempt_spec(d.path(), d.path().join(".recover/attempts/b2-hang/1"), Duration::from_millis(1500));
    let task = tokio::spawn(async move { run_one(s, "s1", watch::channel(false).1, &SystemClock, |_| {}).await });
    let tree = wait_for_tree(d.path()).await;
    let r = task.await.unwrap().unwrap();
    assert_eq!(r.outcome, AttemptOutcome::TimedOut);
    assert!(r.findings.iter().any(|f| f.error_type == "timeout"), "{:?}", r.findings);
    assert!(!d.path().join("validated").exists(), "no validation after a timeout");
    assert_all_gone(&tree, "attempt timeout").await;
    // Cancel.
    std::fs::remove_file(d.path().join("pids")).unwrap();
    let (tx, rx) = watch::channel(false);
    let s = attempt_spec(d.path(), d.path().join(".recover/attempts/b2-hang/2"), Duration::from_secs(120));
    let task = tokio::spawn(async move { run_one(s, "s1", rx, &SystemClock, |_| {}).await });
    let tree = wait_for_tree(d.path()).await;
    tx.send(true).unwrap();
    let r = tokio::time::timeout(Duration::from_secs(15), task).await.unwrap().unwrap().unwrap();
    assert_eq!(r.outcome, AttemptOutcome::Aborted);
    assert!(!d.path().join("validated").exists());
    assert_all_gone(&tree, "attempt cancel").await;
}

/// A generator whose children leave its process group: one `setsid`s, one is double-forked
/// into a new session (its parent exits at once, so it is an orphan outside the tree).
const ESCAPES: &str = r#"
echo $$ >> pids
setsid sh -c 'echo $$ >> pids; exec sleep 300' &
(setsid sh -c 'echo $$ >> pids; exec sleep 300' &)
echo started
while :; do sleep 1; done
"#;

fn escapes_spec(dir: &Path, timeout: Duration) -> CommandSpec {
    CommandSpec { argv: vec!["sh".into(), "-c".into(), ESCAPES.into()], ..spec(dir, timeout) }
}

async fn wait_for(dir: &Path, n: usize) -> Vec<i32> {
    for _ in 0..500 {
        let p = pids(dir);
        if p.len() >= n {
            return p;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the processes never started: {:?}", pids(dir));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn children_that_left_the_group_end_on_timeout_cancel_and_quit() {
    let _serial = SERIAL.lock().await;
    recover_tui::exec::descendants::become_subreaper();
    // 1 trial of each (10 with RECOVER_TUI_LONG_TESTS=1).
    let trials = if common::long() { 10 } else { 1 };
    for _ in 0..trials {
        escapes_end_once().await;
    }
    eprintln!("setsid escapes: {trials} trial(s) of timeout, cancel and quit; none survived");
}

async fn escapes_end_once() {
    // Timeout.
    let d = tempfile::tempdir().unwrap();
    let task = tokio::spawn(run_command(
        escapes_spec(d.path(), Duration::from_millis(1200)),
        watch::channel(false).1,
        |_, _| {},
    ));
    let escaped = wait_for(d.path(), 3).await;
    let r = task.await.unwrap().unwrap();
    assert!(r.timed_out, "{r:?}");
    assert_all_gone(&escaped, "setsid children after a timeout").await;
    // Cancel.
    let d = tempfile::tempdir().unwrap();
    let (tx, rx) = watch::channel(false);
    let task = tokio::spawn(run_command(escapes_spec(d.path(), Duration::from_secs(120)), rx, |_, _| {}));
    let escaped = wait_for(d.path(), 3).await;
    tx.send(true).unwrap();
    let r = task.await.unwrap().unwrap();
    assert!(r.cancelled, "{r:?}");
    assert_all_gone(&escaped, "setsid children after a cancel").await;
    // Quit (the app's and recover's exit paths).
    let d = tempfile::tempdir().unwrap();
    let task =
        tokio::spawn(run_command(escapes_spec(d.path(), Duration::from_secs(120)), watch::channel(false).1, |_, _| {}));
    let escaped = wait_for(d.path(), 3).await;
    tokio::task::spawn_blocking(|| process::kill_all_groups_with_grace(Duration::from_millis(500))).await.unwrap();
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    assert_all_gone(&escaped, "setsid children at quit").await;
}
