//! The state directory's `lock` file: one writer at a time.
//!
//! The lock is an OS advisory lock (`flock` through std's [`File::try_lock`]) on the file
//! `lock`, opened relative to the state directory without following a symlink. The kernel
//! releases it when its holder exits or dies, however it dies: there is no stale lock to take
//! over, so no pid-reuse or takeover race. The file also holds JSON `{pid, started_at,
//! hostname}` of the holder, only for the "in use by pid N" message; its content decides
//! nothing. The file is never deleted (deleting a lock file lets two processes lock two
//! different files); on release it is emptied.

use super::{fsx, Result, StoreError};
use crate::core::model::Clock;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};
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
    /// this one; `in use by another process` when the holder has not said who it is.
    pub fn describe(&self) -> String {
        if self.pid == 0 {
            return "in use by another process".into();
        }
        let host = match (&self.hostname, hostname()) {
            (Some(theirs), Some(ours)) if *theirs != ours => format!(" on host {theirs}"),
            _ => String::new(),
        };
        format!("in use by pid {}{host} (started {})", self.pid, self.started_at.format("%Y-%m-%d %H:%M:%S UTC"))
    }
}

/// A held lock; released on drop (and by the kernel if this process dies).
#[derive(Debug)]
pub struct Lock {
    path: PathBuf,
    file: File,
    info: LockInfo,
}

impl Lock {
    pub fn info(&self) -> &LockInfo {
        &self.info
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// This process holds the lock (always, while the `Lock` lives: the kernel keeps it).
    pub fn is_ours(&self) -> bool {
        true
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        // Say nobody holds it; closing the file releases the lock.
        let _ = self.file.set_len(0);
        let _ = self.file.unlock();
    }
}

/// The outcome of [`acquire`].
#[derive(Debug)]
pub enum Acquired {
    Ours(Lock),
    /// Another live process holds it (pid 0: it has not written who it is).
    Held(LockInfo),
    /// The lock cannot be created or taken (read-only filesystem, permissions, no locking): why.
    NotWritable(String),
}

/// Take the lock of the state directory `dir` (opened here without following a symlink).
pub fn acquire(dir: &Path, clock: &dyn Clock) -> Result<Acquired> {
    let d = fsx::Dir::open_ambient(dir).map_err(|e| StoreError::io(dir, e))?;
    acquire_in(&d, clock)
}

fn is_not_writable(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem)
}

/// Take the lock of the opened state directory `dir`.
pub(crate) fn acquire_in(dir: &fsx::Dir, clock: &dyn Clock) -> Result<Acquired> {
    let rel = Path::new("lock");
    let path = dir.display(rel);
    let mut file = match dir.open_rw(rel) {
        Ok(f) => f,
        Err(e) if is_not_writable(&e) => {
            // Cannot write here: still tell who holds it, when someone does.
            if let Ok(f) = dir.open_read(rel) {
                if let Err(std::fs::TryLockError::WouldBlock) = f.try_lock_shared() {
                    return Ok(Acquired::Held(read_holder(&f, clock)));
                }
            }
            return Ok(Acquired::NotWritable(format!("{}: {e}", path.display())));
        }
        Err(e) => return Err(StoreError::io(&path, e)),
    };
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Ok(Acquired::Held(read_holder(&file, clock))),
        Err(std::fs::TryLockError::Error(e)) => {
            return Ok(Acquired::NotWritable(format!("{}: cannot be locked: {e}", path.display())))
        }
    }
    let info =
        LockInfo { pid: std::process::id(), started_at: clock.now(), hostname: hostname(), token: Some(new_token()) };
    let bytes =
        serde_json::to_vec(&info).map_err(|e| StoreError::Corrupt { path: path.clone(), message: e.to_string() })?;
    let written = (|| {
        file.set_len(0)?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&bytes)?;
        file.sync_data()
    })();
    if let Err(e) = written {
        if is_not_writable(&e) {
            return Ok(Acquired::NotWritable(format!("{}: {e}", path.display())));
        }
        return Err(StoreError::io(&path, e));
    }
    Ok(Acquired::Ours(Lock { path, file, info }))
}

/// Who holds the lock, from what it wrote. A holder that has just taken it may not have
/// written yet: re-read for up to half a second, then say "another process".
/// Who holds the lock, as its file says. The holder writes itself in just after it took the
/// lock, so until then the file may still name an earlier, dead holder: such a name is not
/// believed (read again, then "another process").
fn read_holder(f: &File, clock: &dyn Clock) -> LockInfo {
    for _ in 0..10 {
        let mut raw = Vec::new();
        let mut r = f;
        if r.seek(SeekFrom::Start(0)).is_ok() && r.take(64 * 1024).read_to_end(&mut raw).is_ok() {
            if let Ok(info) = serde_json::from_slice::<LockInfo>(&raw) {
                let elsewhere = info.hostname.is_some() && info.hostname != hostname();
                if elsewhere || pid_alive(info.pid) {
                    return info;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    LockInfo { pid: 0, started_at: clock.now(), hostname: None, token: None }
}

/// Whether a live process holds the lock of state directory `dir` (reads only, creates
/// nothing). A symlinked or missing lock is held by nobody.
pub fn held(dir: &Path) -> bool {
    let Ok(d) = fsx::Dir::open_ambient(dir) else { return false };
    let Ok(f) = d.open_read(Path::new("lock")) else { return false };
    match f.try_lock_shared() {
        Ok(()) => {
            let _ = f.unlock();
            false
        }
        Err(std::fs::TryLockError::WouldBlock) => true,
        Err(std::fs::TryLockError::Error(_)) => false,
    }
}

/// `kill(pid, 0)`: alive unless it fails with ESRCH. Pid 0 and pids beyond `i32` are not
/// processes (and `kill(0, ..)` would address our own process group).
pub fn pid_alive(pid: u32) -> bool {
    let Ok(p) = i32::try_from(pid) else { return false };
    if p <= 0 {
        return false;
    }
    // SAFETY: kill with signal 0 sends nothing; it only checks that the pid exists.
    let r = unsafe { libc::kill(p, 0) };
    if r == 0 {
        return true;
    }
    std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

/// This machine's host name.
pub fn hostname() -> Option<String> {
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

    #[test]
    fn second_acquire_sees_the_holder_and_release_frees_it() {
        let d = tempfile::tempdir().unwrap();
        let Acquired::Ours(lock) = acquire(d.path(), &clock()).unwrap() else { panic!("first acquire") };
        assert_eq!(lock.info().pid, std::process::id());
        let on_disk: LockInfo = serde_json::from_slice(&std::fs::read(d.path().join("lock")).unwrap()).unwrap();
        assert_eq!(on_disk, *lock.info());
        assert!(held(d.path()));
        match acquire(d.path(), &clock()).unwrap() {
            Acquired::Held(info) => {
                assert_eq!(
                    info.describe(),
                    format!("in use by pid {} (started 2026-11-25 14:03:11 UTC)", std::process::id())
                );
            }
            other => panic!("expected Held, got {other:?}"),
        }
        drop(lock);
        assert!(!held(d.path()));
        assert_eq!(std::fs::read(d.path().join("lock")).unwrap(), b"", "emptied, not deleted");
        assert!(matches!(acquire(d.path(), &clock()).unwrap(), Acquired::Ours(_)));
        let names: Vec<String> = std::fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, vec!["lock".to_string()]);
    }

    #[test]
    fn content_naming_a_live_pid_decides_nothing() {
        // A lock file shipped with a project (or left by a dead holder whose pid was reused)
        // names a live process, but nobody holds the kernel lock: it is ours.
        let d = tempfile::tempdir().unwrap();
        let other = LockInfo { pid: 1, started_at: clock().0, hostname: hostname(), token: None };
        std::fs::write(d.path().join("lock"), serde_json::to_vec(&other).unwrap()).unwrap();
        assert!(!held(d.path()));
        let Acquired::Ours(lock) = acquire(d.path(), &clock()).unwrap() else { panic!("expected ours") };
        assert_eq!(lock.info().pid, std::process::id());
        std::fs::write(d.path().join("lock"), b"\x00garbage").unwrap();
        match acquire(d.path(), &clock()).unwrap() {
            Acquired::Held(info) => assert_eq!(info.describe(), "in use by another process"),
            other => panic!("expected Held, got {other:?}"),
        }
    }

    #[test]
    fn a_symlinked_lock_is_refused_and_its_target_untouched() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("victim"), b"precious").unwrap();
        let d = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path().join("victim"), d.path().join("lock")).unwrap();
        let err = acquire(d.path(), &clock()).unwrap_err().to_string();
        assert!(err.contains("lock is a symlink"), "{err}");
        assert!(!held(d.path()));
        assert_eq!(std::fs::read(outside.path().join("victim")).unwrap(), b"precious");
    }

    #[test]
    fn pid_zero_and_huge_pids_are_not_alive() {
        assert!(!pid_alive(0));
        assert!(!pid_alive(u32::MAX));
        assert!(pid_alive(std::process::id()));
    }
}
