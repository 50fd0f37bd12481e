//! The state directory (DESIGN.md §12).
//!
//! ```text
//! <state dir>/
//!   .gitignore            "*"
//!   lock                  OS advisory lock of the writer; {pid, started_at, hostname} for messages
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
//!
//! The state directory is untrusted input (a project handed over may ship its own `.recover/`):
//! it is refused when it is a symlink or holds one (or a FIFO, device or socket) anywhere, and
//! every state file is opened relative to the directory's own descriptor without following a
//! symlink ([`fsx`]), so nothing outside it is ever written, emptied or read.

pub mod atomic;
pub mod check;
#[cfg(test)]
mod crash_tests;
pub mod diff;
pub mod fsx;
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
    #[error("{} {what}: recover-tui follows no symlink and uses no special file in its state directory, so it refused it and read or wrote nothing through it (remove it, then run again)", path.display())]
    Unsafe { path: PathBuf, what: fsx::Unsafe },
    #[error("snapshot not taken: {path}: {reason}; nothing was committed")]
    SnapshotIncomplete { path: String, reason: String },
    #[error("{}: an interrupted restore of snapshot {id} is pending: complete it (resume) first; then `restore {undo}` undoes it", plan.display())]
    RestorePending { plan: PathBuf, id: String, undo: String },
}

impl StoreError {
    /// An I/O error on `path`; one from [`fsx`] refusing an entry names that entry's refusal.
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        match fsx::unsafe_reason(&source) {
            Some(what) => StoreError::Unsafe { path: path.into(), what },
            None => StoreError::Io { path: path.into(), source },
        }
    }

    /// The I/O error kind underneath, if this is an I/O error.
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            StoreError::Io { source, .. } => Some(source.kind()),
            _ => None,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// An opened state directory.
#[derive(Debug)]
pub struct StateDir {
    path: PathBuf,
    project_root: PathBuf,
    /// The directory itself, opened without following a symlink: every state file is reached
    /// from here.
    dir: fsx::Dir,
    lock: Option<lock::Lock>,
    read_only: Option<String>,
    /// The pid of the other instance that holds the lock, when that is why it is read-only.
    held_by: Option<u32>,
}

/// Open (and with `create`, make) the state directory `state_dir` without following a symlink:
/// when it lies in the project, from the project root down, one component at a time; else its
/// last component. Then refuse it when it holds a symlink or special file anywhere.
fn open_dir(state_dir: &Path, project_root: &Path, canonical_root: &Path, create: bool) -> Result<fsx::Dir> {
    let abs = std::path::absolute(state_dir).map_err(|e| StoreError::io(state_dir, e))?;
    let inside = [project_root, canonical_root]
        .iter()
        .filter_map(|r| std::path::absolute(r).ok())
        .find_map(|r| abs.strip_prefix(&r).ok().map(Path::to_path_buf));
    let dir = match inside {
        Some(rel) if !rel.as_os_str().is_empty() => {
            let root = fsx::Dir::open_ambient(canonical_root).map_err(|e| StoreError::io(canonical_root, e))?;
            // The name of the first refused component, for the message.
            root.dir(&rel, create).map_err(|e| {
                let mut at = canonical_root.to_path_buf();
                for c in rel.components() {
                    at.push(c);
                    if std::fs::symlink_metadata(&at).map(|m| !m.is_dir()).unwrap_or(true) {
                        break;
                    }
                }
                StoreError::io(at, e)
            })?
        }
        _ => {
            if create {
                if let Some(parent) = abs.parent() {
                    let _ = std::fs::create_dir_all(parent);
                }
                let _ = std::fs::create_dir(&abs);
            }
            fsx::Dir::open_ambient(&abs).map_err(|e| StoreError::io(state_dir, e))?
        }
    };
    let path = std::fs::canonicalize(&abs).map_err(|e| StoreError::io(state_dir, e))?;
    let dir = fsx::Dir::reopen(dir, path.clone());
    if let Some((rel, what)) = dir.find_unsafe().map_err(|e| StoreError::io(&path, e))? {
        return Err(StoreError::Unsafe { path: path.join(rel), what });
    }
    // Files written in place: another link to one would be written too.
    for name in ["journal.jsonl", "lock", "recover-tui.log"] {
        if let Ok(Some(e)) = dir.stat(Path::new(name)) {
            if e.nlink > 1 {
                return Err(StoreError::Unsafe { path: path.join(name), what: fsx::Unsafe::HardLinked });
            }
        }
    }
    Ok(dir)
}

impl StateDir {
    /// Create (if needed) and open the state directory for `project_root`. Takes the lock; when
    /// another live process holds it (or the directory is not writable) the result is read-only,
    /// see [`StateDir::read_only_reason`]. A state directory that is a symlink or holds one is
    /// refused ([`StoreError::Unsafe`]).
    pub fn open(state_dir: &Path, project_root: &Path, clock: &dyn Clock) -> Result<StateDir> {
        let canonical_root = std::fs::canonicalize(project_root).map_err(|e| StoreError::io(project_root, e))?;
        let dir = open_dir(state_dir, project_root, &canonical_root, true)?;
        let path = dir.path().to_path_buf();
        let mut not_writable = None;
        if !dir.is_file(Path::new(".gitignore")) {
            if let Err(e) = dir.write_atomic(Path::new(".gitignore"), b"*\n") {
                let gitignore = path.join(".gitignore");
                if fsx::unsafe_reason(&e).is_some() {
                    return Err(StoreError::io(gitignore, e));
                }
                not_writable = Some(format!("not writable ({}: {e}); opened read-only", gitignore.display()));
            }
        }
        let (lock, read_only, held_by) = match not_writable {
            Some(reason) => (None, Some(reason), None),
            None => match lock::acquire_in(&dir, clock)? {
                lock::Acquired::Ours(l) => (Some(l), None, None),
                lock::Acquired::Held(info) => {
                    let pid = (info.pid != 0).then_some(info.pid);
                    (None, Some(format!("{}; opened read-only", info.describe())), pid)
                }
                lock::Acquired::NotWritable(why) => {
                    (None, Some(format!("not writable ({why}); opened read-only")), None)
                }
            },
        };
        Ok(StateDir { path, project_root: canonical_root, dir, lock, read_only, held_by })
    }

    /// Open without trying to take the lock (for `check`, listing, diffs). Never writes. Refused
    /// like [`StateDir::open`] when it is or holds a symlink.
    pub fn open_read_only(state_dir: &Path, project_root: &Path) -> Result<StateDir> {
        let canonical_root = std::fs::canonicalize(project_root).map_err(|e| StoreError::io(project_root, e))?;
        let dir = open_dir(state_dir, project_root, &canonical_root, false)?;
        Ok(StateDir {
            path: dir.path().to_path_buf(),
            project_root: canonical_root,
            dir,
            lock: None,
            read_only: Some("opened read-only on request".into()),
            held_by: None,
        })
    }

    /// The state directory's descriptor: every state file is opened through it.
    pub(crate) fn dir(&self) -> &fsx::Dir {
        &self.dir
    }

    /// Read the state file `rel` (relative to the state directory) without following a symlink;
    /// `None` when it does not exist.
    pub fn read_file(&self, rel: &Path) -> Result<Option<Vec<u8>>> {
        self.dir.read_opt(rel).map_err(|e| StoreError::io(self.path.join(rel), e))
    }

    /// Replace the state file `rel` atomically (parents made), never writing through a symlink.
    /// Returns its full path. Refused when read-only.
    pub fn write_file(&self, rel: &Path, bytes: &[u8]) -> Result<PathBuf> {
        let full = self.path.join(rel);
        self.ensure_writable(&full)?;
        self.dir.write_atomic(rel, bytes).map_err(|e| StoreError::io(&full, e))?;
        Ok(full)
    }

    /// Create (or truncate) the state file `rel` for writing (parents made), refusing a symlink,
    /// a special file or one with other hard links. Refused when read-only.
    pub fn create_file(&self, rel: &Path) -> Result<std::fs::File> {
        let full = self.path.join(rel);
        self.ensure_writable(&full)?;
        self.dir.create_truncate(rel, 0o644).map_err(|e| StoreError::io(&full, e))
    }

    /// Make the directory `rel` of the state directory (every component a real directory, none a
    /// symlink) and check that nothing in it is a symlink or special file. Returns its full path.
    pub fn create_dir(&self, rel: &Path) -> Result<PathBuf> {
        let full = self.path.join(rel);
        self.ensure_writable(&full)?;
        let d = self.dir.dir(rel, true).map_err(|e| StoreError::io(&full, e))?;
        if let Some((inner, what)) = d.find_unsafe().map_err(|e| StoreError::io(&full, e))? {
            return Err(StoreError::Unsafe { path: full.join(inner), what });
        }
        Ok(full)
    }

    /// The directory of attempt `number` of a job, `attempts/<name>/<number>/` (`name`: the
    /// job id's file name, `app::project::safe_name`), made as [`StateDir::create_dir`] does.
    /// Files written into it by path are safe from a planted symlink as long as they are opened
    /// with `O_NOFOLLOW` (or through [`StateDir::create_file`]).
    pub fn attempt_dir(&self, name: &str, number: u32) -> Result<PathBuf> {
        let plain = !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0']);
        if !plain {
            return Err(StoreError::Refused {
                path: name.to_string(),
                reason: "is not a plain file name for an attempt directory".into(),
            });
        }
        self.create_dir(&Path::new("attempts").join(name).join(number.to_string()))
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

/// Read `rel` from the state directory `state_dir` without a [`StateDir`] (no lock, no
/// creation): the directory and every component under it are opened without following a
/// symlink. `None` when the directory or the file does not exist.
pub fn read_state_file(state_dir: &Path, rel: &Path) -> Result<Option<Vec<u8>>> {
    let dir = match fsx::Dir::open_ambient(state_dir) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(StoreError::io(state_dir, e)),
    };
    dir.read_opt(rel).map_err(|e| StoreError::io(state_dir.join(rel), e))
}

/// Replace `rel` in the state directory `state_dir` atomically without a [`StateDir`] (a
/// background write of the app's): the directory and every component are opened without
/// following a symlink. Returns the full path.
pub fn write_state_file(state_dir: &Path, rel: &Path, bytes: &[u8]) -> Result<PathBuf> {
    let dir = fsx::Dir::open_ambient(state_dir).map_err(|e| StoreError::io(state_dir, e))?;
    dir.write_atomic(rel, bytes).map_err(|e| StoreError::io(state_dir.join(rel), e))?;
    Ok(state_dir.join(rel))
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
        let dir = sd.path().to_path_buf();
        assert!(lock::held(&dir));
        drop(sd);
        assert!(!lock::held(&dir), "lock released on drop");
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
        assert_eq!(second.held_by(), Some(std::process::id()));
        drop(second);
        assert!(lock::held(&dir), "the read-only instance does not release the writer's lock");
        drop(first);
        assert!(!lock::held(&dir));
    }

    #[test]
    fn a_symlinked_state_dir_or_a_symlink_in_it_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join(".recover")).unwrap();
        let err = StateDir::open(&root.path().join(".recover"), root.path(), &clock()).unwrap_err().to_string();
        assert!(err.contains(".recover is a symlink: recover-tui follows no symlink"), "{err}");
        assert!(StateDir::open_read_only(&root.path().join(".recover"), root.path()).is_err());
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0, "nothing written outside");
        std::fs::remove_file(root.path().join(".recover")).unwrap();
        std::fs::create_dir_all(root.path().join(".recover/attempts/j/1")).unwrap();
        std::os::unix::fs::symlink(outside.path(), root.path().join(".recover/attempts/j/1/prompt.md")).unwrap();
        let err = StateDir::open(&root.path().join(".recover"), root.path(), &clock()).unwrap_err().to_string();
        assert!(err.contains("attempts/j/1/prompt.md is a symlink"), "{err}");
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    }

    #[test]
    fn attempt_dirs_are_made_safely() {
        let outside = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let sd = StateDir::open(&root.path().join(".recover"), root.path(), &clock()).unwrap();
        let d = sd.attempt_dir("b3-api", 2).unwrap();
        assert_eq!(d, sd.path().join("attempts/b3-api/2"));
        assert!(d.is_dir());
        for bad in ["", "..", ".hidden", "a/b", "../../x"] {
            assert!(sd.attempt_dir(bad, 1).is_err(), "{bad:?}");
        }
        // A symlink planted after the open is refused too, and never followed.
        std::os::unix::fs::symlink(outside.path(), sd.path().join("attempts/j")).unwrap();
        let err = sd.attempt_dir("j", 1).unwrap_err().to_string();
        assert!(err.contains("attempts/j/1 is a symlink") || err.contains("attempts/j is a symlink"), "{err}");
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
        std::fs::write(outside.path().join("secret"), b"s3cret").unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), sd.path().join("prompts.md")).unwrap();
        assert!(sd.read_file(Path::new("prompts.md")).unwrap_err().to_string().contains("is a symlink"));
        sd.write_file(Path::new("prompts/x.md"), b"mine").unwrap();
        assert_eq!(read_state_file(sd.path(), Path::new("prompts/x.md")).unwrap().unwrap(), b"mine");
        assert!(read_state_file(sd.path(), Path::new("prompts.md")).is_err());
        assert_eq!(std::fs::read(outside.path().join("secret")).unwrap(), b"s3cret");
    }
}
