//! The state directory's `lock` file: one writer at a time.
//!
//! The lock holds JSON `{pid, started_at, hostname, token}`. It is published complete and
//! exclusively (written to a private temp file, then hard-linked to `lock`, which fails if the
//! lock exists; `create_new` where hard links are not supported). An existing lock whose pid is
//! alive means read-only; one whose pid is dead (`kill(pid, 0)` fails with ESRCH) or that is
//! unreadable garbage is taken over by writing a new lock to a temp file and renaming it over,
//! then re-reading it to confirm it is ours; takeovers take turns under an `flock` of
//! `lock.takeover`, re-reading the lock first, so two processes never both take over the same
//! stale lock. Dropping a [`Lock`] removes the file only if it is
//! still ours.

use super::{Result, StoreError};
use crate::core::model::Clock;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a lock file says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    pub pid: u32,
    pub started_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Distinguishes two holders with the same pid and start time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl LockInfo {
    /// `in use by pid 4242 (started 2026-11-25 14:03:11 UTC)`, naming the host when it is not
    /// this one.
    pub fn describe(&self) -> String {
        let host = match (&self.hostname, hostname()) {
            (Some(theirs), Some(ours)) if *theirs != ours => format!(" on host {theirs}"),
            _ => String::new(),
        };
        format!("in use by pid {}{host} (started {})", self.pid, self.started_at.format("%Y-%m-%d %H:%M:%S UTC"))
    }
}

/// A held lock; released on drop.
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    bytes: Vec<u8>,
    info: LockInfo,
}

impl Lock {
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The lock file still holds what this process wrote.
    pub fn is_ours(&self) -> bool {
        std::fs::read(&self.path).map(|b| b == self.bytes).unwrap_or(false)
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        if self.is_ours() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// The outcome of [`acquire`].
#[derive(Debug)]
pub enum Acquired {
    Ours(Lock),
    /// Another live process holds it.
    Held(LockInfo),
    /// The lock cannot be created (read-only filesystem, permissions): why.
    NotWritable(String),
}

/// Take the lock of the state directory `dir`.
pub fn acquire(dir: &Path, clock: &dyn Clock) -> Result<Acquired> {
    let path = dir.join("lock");
    let info =
        LockInfo { pid: std::process::id(), started_at: clock.now(), hostname: hostname(), token: Some(new_token()) };
    let bytes =
        serde_json::to_vec(&info).map_err(|e| StoreError::Corrupt { path: path.clone(), message: e.to_string() })?;
    for _ in 0..5 {
        match create_exclusive(dir, &path, &bytes) {
            Ok(true) => return Ok(Acquired::Ours(Lock { path, bytes, info })),
            Ok(false) => {}
            Err(e) if is_not_writable(&e) => return Ok(Acquired::NotWritable(format!("{}: {e}", path.display()))),
            Err(e) => return Err(StoreError::io(&path, e)),
        }
        // It exists: whose is it?
        let existing = match read_existing(&path) {
            Existing::Gone => continue,
            Existing::Info(other, raw) => {
                if holder_alive(&other) {
                    return Ok(Acquired::Held(other));
                }
                raw
            }
            Existing::Garbage(raw) => raw,
        };
        // Dead or garbage: take it over, unless it changed under us.
        match take_over(dir, &path, &bytes, &existing) {
            Ok(true) => return Ok(Acquired::Ours(Lock { path, bytes, info })),
            Ok(false) => continue,
            Err(e) if is_not_writable(&e) => return Ok(Acquired::NotWritable(format!("{}: {e}", path.display()))),
            Err(e) => return Err(StoreError::io(&path, e)),
        }
    }
    // Someone keeps changing it: report whoever holds it now.
    match read_existing(&path) {
        Existing::Info(other, _) => Ok(Acquired::Held(other)),
        _ => Err(StoreError::Corrupt {
            path,
            message: "the lock keeps changing; another process is fighting for it".into(),
        }),
    }
}

/// Whether a live process holds the lock of state directory `dir` (reads only).
pub fn held(dir: &Path) -> bool {
    matches!(read_existing(&dir.join("lock")), Existing::Info(info, _) if holder_alive(&info))
}

enum Existing {
    Gone,
    Info(LockInfo, Vec<u8>),
    Garbage(Vec<u8>),
}

/// Read the lock. An empty or unparsable lock that is younger than a second may be one that
/// another process is still writing (the `create_new` fallback), so it is re-read a few times.
fn read_existing(path: &Path) -> Existing {
    for attempt in 0..10 {
        let raw = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Existing::Gone,
            Err(_) => Vec::new(),
        };
        if let Ok(info) = serde_json::from_slice::<LockInfo>(&raw) {
            return Existing::Info(info, raw);
        }
        let young = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age < Duration::from_secs(1));
        if !young || attempt == 9 {
            return Existing::Garbage(raw);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Existing::Garbage(Vec::new())
}

/// Publish `bytes` as `path` if it does not exist. `Ok(false)` = it exists.
fn create_exclusive(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<bool> {
    let tmp = dir.join(format!(".lock.tmp-{}-{}", std::process::id(), new_token()));
    let linked = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::hard_link(&tmp, path)
    })();
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => {
            super::atomic::sync_dir(dir)?;
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) if is_not_writable(&e) => Err(e),
        Err(_) => {
            // No hard links here (some network or FAT filesystems): plain O_EXCL create.
            match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
                Ok(mut f) => {
                    f.write_all(bytes)?;
                    f.sync_all()?;
                    super::atomic::sync_dir(dir)?;
                    Ok(true)
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
                Err(e) => Err(e),
            }
        }
    }
}

/// Held while a stale lock is replaced: an exclusive `flock` of `lock.takeover` (released by
/// the kernel if this process dies). Processes that found the same stale lock take turns, and
/// each re-reads the lock under it, so only the first replaces it and the others see the new
/// holder. Without it, a racer whose rename landed after another's confirmation replaced a
/// lock that was already taken over. `None` where `flock` is not available.
struct TakeoverGuard(#[allow(dead_code)] std::fs::File);

impl TakeoverGuard {
    fn acquire(dir: &Path) -> Option<TakeoverGuard> {
        let f = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join("lock.takeover"))
            .ok()?;
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            loop {
                // SAFETY: the fd is valid for the lifetime of `f`; flock has no other preconditions.
                if unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX) } == 0 {
                    return Some(TakeoverGuard(f));
                }
                if std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                    return None;
                }
            }
        }
        #[cfg(not(unix))]
        {
            Some(TakeoverGuard(f))
        }
    }
}

/// Replace a stale lock whose content was `stale`: temp file + rename, then confirm.
fn take_over(dir: &Path, path: &Path, bytes: &[u8], stale: &[u8]) -> std::io::Result<bool> {
    let _turn = TakeoverGuard::acquire(dir);
    match std::fs::read(path) {
        Ok(now) if now == stale => {}
        Ok(_) => return Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(_) if stale.is_empty() => {}
        Err(e) => return Err(e),
    }
    let tmp = dir.join(format!(".lock.tmp-{}-{}", std::process::id(), new_token()));
    let result = (|| {
        let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        super::atomic::sync_dir(dir)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    // Another process taking over at the same moment may have renamed its own over ours.
    std::thread::sleep(Duration::from_millis(10));
    Ok(std::fs::read(path).map(|b| b == bytes).unwrap_or(false))
}

fn is_not_writable(e: &std::io::Error) -> bool {
    matches!(e.kind(), std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem)
}

/// Whether the holder of a lock may still be running. A lock from another host cannot be
/// checked and counts as alive.
fn holder_alive(info: &LockInfo) -> bool {
    if let (Some(theirs), Some(ours)) = (&info.hostname, hostname()) {
        if *theirs != ours {
            return true;
        }
    }
    pid_alive(info.pid)
}

/// `kill(pid, 0)`: alive unless it fails with ESRCH. Pid 0 and pids beyond `i32` are not
/// processes (and `kill(0, ..)` would address our own process group).
pub fn pid_alive(pid: u32) -> bool {
    let Ok(p) = i32::try_from(pid) else { return false };
    if p <= 0 {
        return false;
    }
    #[cfg(unix)]
    {
        // SAFETY: kill with signal 0 sends nothing; it only checks that the pid exists.
        let r = unsafe { libc::kill(p, 0) };
        if r == 0 {
            return true;
        }
        std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// This machine's host name.
pub fn hostname() -> Option<String> {
    #[cfg(unix)]
    {
        let mut buf = [0u8; 256];
        // SAFETY: the buffer is valid for its length; gethostname writes at most that many bytes.
        let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
        if r != 0 {
            return None;
        }
        let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
        let name = String::from_utf8_lossy(&buf[..end]).into_owned();
        (!name.is_empty()).then_some(name)
    }
    #[cfg(not(unix))]
    {
        std::env::var("COMPUTERNAME").ok()
    }
}

/// A token unique to this process and call.
pub(crate) fn new_token() -> String {
    use sha2::{Digest, Sha256};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let mut h = Sha256::new();
    h.update(std::process::id().to_le_bytes());
    h.update(n.to_le_bytes());
    h.update(nanos.to_le_bytes());
    h.update((&n as *const u64 as usize).to_le_bytes());
    let d = h.finalize();
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::FixedClock;
    use chrono::TimeZone;

    fn clock() -> FixedClock {
        FixedClock(Utc.with_ymd_and_hms(2026, 11, 25, 14, 3, 11).unwrap())
    }

    fn dead_pid() -> u32 {
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    #[test]
    fn second_acquire_sees_the_holder() {
        let d = tempfile::tempdir().unwrap();
        let Acquired::Ours(lock) = acquire(d.path(), &clock()).unwrap() else { panic!("first acquire") };
        assert_eq!(lock.info().pid, std::process::id());
        let on_disk: LockInfo = serde_json::from_slice(&std::fs::read(d.path().join("lock")).unwrap()).unwrap();
        assert_eq!(on_disk, *lock.info());
        match acquire(d.path(), &clock()).unwrap() {
            Acquired::Held(info) => {
                assert_eq!(info.pid, std::process::id());
                assert_eq!(
                    info.describe(),
                    format!("in use by pid {} (started 2026-11-25 14:03:11 UTC)", std::process::id())
                );
            }
            other => panic!("expected Held, got {other:?}"),
        }
        // No temp files left behind.
        let names: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["lock".to_string()]);
    }

    #[test]
    fn lock_of_a_dead_pid_is_taken_over() {
        let d = tempfile::tempdir().unwrap();
        let pid = dead_pid();
        assert!(!pid_alive(pid));
        let stale = LockInfo { pid, started_at: clock().0, hostname: hostname(), token: None };
        std::fs::write(d.path().join("lock"), serde_json::to_vec(&stale).unwrap()).unwrap();
        let Acquired::Ours(lock) = acquire(d.path(), &clock()).unwrap() else { panic!("expected takeover") };
        let on_disk: LockInfo = serde_json::from_slice(&std::fs::read(d.path().join("lock")).unwrap()).unwrap();
        assert_eq!(on_disk.pid, std::process::id());
        assert!(lock.is_ours());
        drop(lock);
        assert!(!d.path().join("lock").exists());
    }

    #[test]
    fn garbage_lock_is_taken_over() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("lock"), b"\x00\x01not json").unwrap();
        assert!(matches!(acquire(d.path(), &clock()).unwrap(), Acquired::Ours(_)));
    }

    #[test]
    fn lock_from_another_host_counts_as_held() {
        let d = tempfile::tempdir().unwrap();
        let other = LockInfo {
            pid: dead_pid(),
            started_at: clock().0,
            hostname: Some("some-other-host.invalid".into()),
            token: None,
        };
        std::fs::write(d.path().join("lock"), serde_json::to_vec(&other).unwrap()).unwrap();
        match acquire(d.path(), &clock()).unwrap() {
            Acquired::Held(info) => assert!(info.describe().contains("on host some-other-host.invalid"), "{info:?}"),
            other => panic!("expected Held, got {other:?}"),
        }
    }

    #[test]
    fn drop_leaves_a_lock_that_is_no_longer_ours() {
        let d = tempfile::tempdir().unwrap();
        let Acquired::Ours(lock) = acquire(d.path(), &clock()).unwrap() else { panic!() };
        std::fs::write(d.path().join("lock"), b"{\"pid\":1,\"started_at\":\"2026-01-01T00:00:00Z\"}").unwrap();
        drop(lock);
        assert!(d.path().join("lock").exists());
    }

    #[test]
    fn pid_zero_and_huge_pids_are_not_alive() {
        assert!(!pid_alive(0));
        assert!(!pid_alive(u32::MAX));
        assert!(pid_alive(std::process::id()));
    }
}
