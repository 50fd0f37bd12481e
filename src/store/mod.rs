//! The state directory (DESIGN.md §12).
//!
//! ```text
//! <state dir>/
//!   .gitignore            "*"
//!   lock                  {pid, started_at, hostname, token} of the writer (lock.rs)
//!   lock.takeover         flock'ed while a stale lock is replaced (lock.rs)
//!   ledger.json           attempts, checklist, overrides (ledger.rs); ledger.json.prev
//!   journal.jsonl         append-only events (journal.rs)
//!   snapshots/blobs/      content-addressed file contents (snapshot.rs)
//!   snapshots/manifests/  one manifest per snapshot, written last = commit point
//!   snapshots/index.json  (path, size, mtime, ctime, inode) -> hash cache
//!   restore-staging/<id>/ files of a restore in progress + plan.json (restore.rs)
//! ```
//!
//! One process writes (the one holding the lock); any other opens read-only and every write
//! method then refuses with [`StoreError::ReadOnly`].

pub mod atomic;
pub mod check;
#[cfg(test)]
mod crash_tests;
pub mod diff;
pub mod journal;
pub mod ledger;
pub mod lock;
mod paths;
pub mod restore;
pub mod snapshot;

use crate::core::model::Clock;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in the state directory. Every message names the file.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Corrupt { path: PathBuf, message: String },
    #[error("{}:{line}: {message}", path.display())]
    CorruptLine { path: PathBuf, line: usize, message: String },
    #[error("{}: not written: the state directory is {reason}", path.display())]
    ReadOnly { path: PathBuf, reason: String },
    #[error("{}: no snapshot with id or id prefix `{id}`", dir.display())]
    NotFound { dir: PathBuf, id: String },
    #[error("{}: snapshot id prefix `{id}` is ambiguous: {}", dir.display(), candidates.join(", "))]
    Ambiguous { dir: PathBuf, id: String, candidates: Vec<String> },
    #[error("{path}: refused: {reason}")]
    Refused { path: String, reason: String },
    #[error("{}: blob of {file} is corrupt: {message}; nothing was written", blob.display())]
    BlobCorrupt { blob: PathBuf, file: String, message: String },
    #[error("restore of snapshot {id} refused, nothing was written: {}", problems.join("; "))]
    RestoreRefused { id: String, problems: Vec<String> },
    #[error("{}: an interrupted restore of snapshot {id} is pending: complete it (resume) first; then `restore {undo}` undoes it", plan.display())]
    RestorePending { plan: PathBuf, id: String, undo: String },
}

impl StoreError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        StoreError::Io { path: path.into(), source }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An opened state directory.
#[derive(Debug)]
pub struct StateDir {
    path: PathBuf,
    project_root: PathBuf,
    lock: Option<lock::Lock>,
    read_only: Option<String>,
    /// The pid of the other instance that holds the lock, when that is why it is read-only.
    held_by: Option<u32>,
}

impl StateDir {
    /// Create (if needed) and open the state directory for `project_root`. Takes the lock; when
    /// another live process holds it (or the directory is not writable) the result is read-only,
    /// see [`StateDir::read_only_reason`].
    pub fn open(state_dir: &Path, project_root: &Path, clock: &dyn Clock) -> Result<StateDir> {
        let project_root = std::fs::canonicalize(project_root).map_err(|e| StoreError::io(project_root, e))?;
        if let Err(e) = std::fs::create_dir_all(state_dir) {
            if !state_dir.is_dir() {
                return Err(StoreError::io(state_dir, e));
            }
        }
        let path = std::fs::canonicalize(state_dir).map_err(|e| StoreError::io(state_dir, e))?;
        let gitignore = path.join(".gitignore");
        let mut not_writable = None;
        if !gitignore.exists() {
            if let Err(e) = atomic::write(&gitignore, b"*\n") {
                not_writable = Some(format!("not writable ({}: {e}); opened read-only", gitignore.display()));
            }
        }
        let (lock, read_only, held_by) = match not_writable {
            Some(reason) => (None, Some(reason), None),
            None => match lock::acquire(&path, clock)? {
                lock::Acquired::Ours(l) => (Some(l), None, None),
                lock::Acquired::Held(info) => {
                    (None, Some(format!("{}; opened read-only", info.describe())), Some(info.pid))
                }
                lock::Acquired::NotWritable(why) => {
                    (None, Some(format!("not writable ({why}); opened read-only")), None)
                }
            },
        };
        Ok(StateDir { path, project_root, lock, read_only, held_by })
    }

    /// Open without trying to take the lock (for `check`, listing, diffs). Never writes.
    pub fn open_read_only(state_dir: &Path, project_root: &Path) -> Result<StateDir> {
        let project_root = std::fs::canonicalize(project_root).map_err(|e| StoreError::io(project_root, e))?;
        let path = std::fs::canonicalize(state_dir).map_err(|e| StoreError::io(state_dir, e))?;
        Ok(StateDir {
            path,
            project_root,
            lock: None,
            read_only: Some("opened read-only on request".into()),
            held_by: None,
        })
    }

    /// Why this instance may not write (`None` = it holds the lock).
    pub fn read_only_reason(&self) -> Option<String> {
        self.read_only.clone()
    }

    /// The pid of the instance that holds the state directory, when another one does.
    pub fn held_by(&self) -> Option<u32> {
        self.held_by
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only.is_some()
    }

    /// The state directory (canonical).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The project root (canonical).
    pub fn project_root(&self) -> &Path {
        &self.project_root
    }

    /// The lock this instance holds, if any.
    pub fn lock(&self) -> Option<&lock::Lock> {
        self.lock.as_ref()
    }

    /// Refuse a write of `file` when read-only.
    pub(crate) fn ensure_writable(&self, file: &Path) -> Result<()> {
        match &self.read_only {
            Some(reason) => Err(StoreError::ReadOnly { path: file.to_path_buf(), reason: reason.clone() }),
            None => Ok(()),
        }
    }

    pub fn ledger_path(&self) -> PathBuf {
        self.path.join("ledger.json")
    }

    pub fn journal_path(&self) -> PathBuf {
        self.path.join("journal.jsonl")
    }

    pub fn snapshots_path(&self) -> PathBuf {
        self.path.join("snapshots")
    }

    pub fn restore_staging_path(&self) -> PathBuf {
        self.path.join("restore-staging")
    }
}

/// `2026-11-25T14:03:11Z` -> `20261125T140311Z` (file names, snapshot ids).
pub(crate) fn compact_time(t: &chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::FixedClock;
    use chrono::TimeZone;

    pub(crate) fn clock() -> FixedClock {
        FixedClock(chrono::Utc.with_ymd_and_hms(2026, 11, 25, 14, 3, 11).unwrap())
    }

    #[test]
    fn open_creates_dir_with_gitignore_and_lock() {
        let root = tempfile::tempdir().unwrap();
        let sd = StateDir::open(&root.path().join(".recover"), root.path(), &clock()).unwrap();
        assert_eq!(sd.read_only_reason(), None);
        assert_eq!(std::fs::read(sd.path().join(".gitignore")).unwrap(), b"*\n");
        assert!(sd.path().join("lock").exists());
        assert_eq!(sd.project_root(), std::fs::canonicalize(root.path()).unwrap());
        let lock_path = sd.path().join("lock");
        drop(sd);
        assert!(!lock_path.exists(), "lock released on drop");
    }

    #[test]
    fn second_open_is_read_only_and_writes_refuse() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join(".recover");
        let first = StateDir::open(&dir, root.path(), &clock()).unwrap();
        let second = StateDir::open(&dir, root.path(), &clock()).unwrap();
        let reason = second.read_only_reason().unwrap();
        assert_eq!(
            reason,
            format!("in use by pid {} (started 2026-11-25 14:03:11 UTC); opened read-only", std::process::id())
        );
        let err = second.ensure_writable(&second.ledger_path()).unwrap_err().to_string();
        assert!(err.contains("ledger.json: not written: the state directory is in use by pid"), "{err}");
        drop(second);
        assert!(dir.join("lock").exists(), "the read-only instance does not remove the writer's lock");
        drop(first);
        assert!(!dir.join("lock").exists());
    }
}
