//! Helpers shared by the exec tests.
//!
//! Tests that start processes hold [`shared`]; the test of `kill_all_groups` (which ends every
//! registered group in the test binary) holds [`exclusive`], so it never kills another test's
//! children.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::sync::{watch, RwLock, RwLockReadGuard, RwLockWriteGuard};

fn lock() -> &'static RwLock<()> {
    static LOCK: OnceLock<RwLock<()>> = OnceLock::new();
    LOCK.get_or_init(|| RwLock::new(()))
}

pub async fn shared() -> RwLockReadGuard<'static, ()> {
    lock().read().await
}

pub async fn exclusive() -> RwLockWriteGuard<'static, ()> {
    lock().write().await
}

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// A cancel receiver whose sender is gone (never cancels).
pub fn no_cancel() -> watch::Receiver<bool> {
    watch::channel(false).1
}

pub fn read_pid(path: &Path) -> i32 {
    std::fs::read_to_string(path).unwrap().trim().parse().unwrap()
}

/// The process exists and is not a zombie.
pub fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    if unsafe { libc::kill(pid, 0) } != 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next()) != Some('Z'),
        Err(_) => false,
    }
}

/// Give the reaper (init) a moment; true once `pid` is gone.
pub async fn wait_gone(pid: i32) -> bool {
    for _ in 0..100 {
        if !alive(pid) {
            return true;
        }
        tokio::time::sleep(millis(20)).await;
    }
    false
}

pub async fn wait_for_file(path: &Path) {
    for _ in 0..500 {
        if std::fs::metadata(path).map(|m| m.len() > 0).unwrap_or(false) {
            // The writer may still be mid-line.
            tokio::time::sleep(millis(20)).await;
            return;
        }
        tokio::time::sleep(millis(10)).await;
    }
    panic!("{} never appeared", path.display());
}
