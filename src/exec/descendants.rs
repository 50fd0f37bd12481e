//! Every process a command started, wherever it went (DESIGN.md §11): a child that left its
//! process group (`setsid`) or was orphaned by a double fork is still ended. Each command runs
//! with a mark in its environment (`RECOVER_TUI_RUN=<our pid>-<n>`) that every descendant
//! inherits, and recover-tui is the child subreaper of what it starts, so orphans come back to
//! it instead of to init. Linux `/proc`; elsewhere only the process groups are ended.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// The environment variable every command and its descendants carry.
pub const MARK: &str = "RECOVER_TUI_RUN";

static NEXT: AtomicU64 = AtomicU64::new(1);

/// A fresh mark for one command: `<our pid>-<n>`.
pub fn new_mark() -> String {
    format!("{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// The prefix every mark of this process starts with.
fn our_prefix() -> String {
    format!("{}-", std::process::id())
}

/// Make this process the child subreaper of everything it starts (orphans are reparented to
/// it, not to init). Harmless to call more than once.
pub fn become_subreaper() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_CHILD_SUBREAPER takes an integer flag and touches no memory.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Live processes whose environment carries a mark `matches` accepts (zombies left out).
fn marked(matches: impl Fn(&str) -> bool) -> Vec<i32> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else { return out };
    let me = std::process::id();
    for e in entries.flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Ok(env) = std::fs::read(e.path().join("environ")) else { continue };
        let prefix = format!("{MARK}=");
        let mark = env
            .split(|b| *b == 0)
            .find_map(|kv| kv.strip_prefix(prefix.as_bytes()))
            .map(|v| String::from_utf8_lossy(v).into_owned());
        let zombie = std::fs::read_to_string(e.path().join("stat"))
            .ok()
            .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with('Z')))
            .unwrap_or(false);
        if mark.as_deref().is_some_and(&matches) && !zombie {
            if let Ok(pid) = i32::try_from(pid) {
                out.push(pid);
            }
        }
    }
    out
}

/// End the processes of `mark` that are still alive: SIGTERM, `grace`, then SIGKILL.
pub fn end(mark: &str, grace: Duration) {
    end_matching(|m| m == mark, grace);
}

/// End every process started by any command of this recover-tui (quit, signals, panic).
pub fn end_all(grace: Duration) {
    let prefix = our_prefix();
    end_matching(|m| m.starts_with(&prefix), grace);
}

fn end_matching(matches: impl Fn(&str) -> bool, grace: Duration) {
    let pids = marked(&matches);
    if pids.is_empty() {
        return;
    }
    for &p in &pids {
        signal(p, libc::SIGTERM);
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline && !marked(&matches).is_empty() {
        std::thread::sleep(Duration::from_millis(25));
    }
    for p in marked(&matches) {
        signal(p, libc::SIGKILL);
    }
    reap(&pids);
}

fn signal(pid: i32, sig: libc::c_int) {
    if pid > 1 {
        // SAFETY: kill has no memory-safety preconditions.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// Reap those of `pids` that became our zombies (orphans reparented to us); never waits for
/// any other child (tokio reaps its own).
fn reap(pids: &[i32]) {
    for &p in pids {
        let mut status = 0;
        // SAFETY: waitpid on one pid with WNOHANG; `status` is a valid out pointer.
        unsafe {
            libc::waitpid(p, &mut status, libc::WNOHANG);
        }
    }
}
