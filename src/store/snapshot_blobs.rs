//! Storing the files of a snapshot: each copied into a temp file while it is hashed (spread
//! over the machine's cores), published as a content-addressed blob when no blob with that hash
//! exists, and the stat cache that lets an unchanged file skip the copy.

use super::*;

/// [`store_file`] for `entries[i]`, `i` in `todo`, spread over the machine's cores. The result
/// has one slot per entry (`None` for those not in `todo`).
pub(super) fn store_files(
    sd: &StateDir,
    tmp_dir: &Dir,
    entries: &[Entry],
    todo: &[usize],
) -> Vec<Option<std::io::Result<Stored>>> {
    let mut out: Vec<Option<std::io::Result<Stored>>> = entries.iter().map(|_| None).collect();
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(todo.len());
    let one = |sub: &Path, i: usize| {
        entries[i].meta.as_ref().map(|md| (i, store_file(sd, tmp_dir, sub, &entries[i].full, md)))
    };
    // Each worker creates its temp files in a directory of its own: creating thousands of
    // files in one directory from several threads serializes them on its lock.
    let dirs: Vec<PathBuf> = (0..threads).map(|w| PathBuf::from(format!("w{w}"))).collect();
    if threads <= 1 || dirs.iter().any(|d| tmp_dir.dir(d, true).is_err()) {
        for (i, r) in todo.iter().filter_map(|&i| one(Path::new(""), i)) {
            out[i] = Some(r);
        }
        return out;
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: Vec<Vec<(usize, std::io::Result<Stored>)>> = std::thread::scope(|s| {
        let workers: Vec<_> = dirs
            .iter()
            .map(|dir| {
                let (one, next) = (&one, &next);
                s.spawn(move || {
                    let mut mine = Vec::new();
                    while let Some(&i) = todo.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                        mine.extend(one(dir, i));
                    }
                    mine
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    for (i, r) in done.into_iter().flatten() {
        out[i] = Some(r);
    }
    out
}

pub(super) struct Stored {
    pub(super) sha: String,
    /// (temp file relative to the temp dir, final blob relative to the state dir) to publish.
    pub(super) publish: Option<(PathBuf, PathBuf)>,
    /// The file changed while it was read (every try).
    pub(super) changed: bool,
}

/// Tests: make the copy of a file whose path ends like this fail as a full disk would (seen by
/// the worker threads too).
#[cfg(test)]
pub(super) static FAIL_WRITE_OF: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Hash `full` while copying it into a temp file in `tmp_dir/sub`; the temp file is kept for
/// publishing only when no blob with that hash exists yet.
pub(super) fn store_file(
    sd: &StateDir,
    tmp_dir: &Dir,
    sub: &Path,
    full: &Path,
    before: &std::fs::Metadata,
) -> std::io::Result<Stored> {
    let mut before = StatKey::of(before);
    let mut tries = 0;
    loop {
        tries += 1;
        let tmp = sub.join(format!("blob-{}", crate::store::lock::new_token()));
        let (sha, after) = match copy_hashing(full, tmp_dir, &tmp) {
            Ok(r) => r,
            Err(e) => {
                let _ = tmp_dir.remove_file(&tmp);
                return Err(e);
            }
        };
        let changed = after != before;
        if changed && tries < 3 {
            let _ = tmp_dir.remove_file(&tmp);
            before = after;
            continue;
        }
        let dst = blob_rel(&sha);
        let exists = sd
            .dir()
            .stat(&dst)
            .ok()
            .flatten()
            .is_some_and(|m| m.kind == crate::store::fsx::Kind::File && m.size == after.size);
        let publish = if exists {
            let _ = tmp_dir.remove_file(&tmp);
            None
        } else {
            Some((tmp, dst))
        };
        return Ok(Stored { sha, publish, changed });
    }
}

/// A read of the project file failed (as opposed to the write of its copy).
#[derive(Debug)]
pub(super) struct ReadFailed(std::io::Error);

impl std::fmt::Display for ReadFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read it: {}", self.0)
    }
}

impl std::error::Error for ReadFailed {}

pub(super) fn copy_hashing(src: &Path, tmp_dir: &Dir, tmp: &Path) -> std::io::Result<(String, StatKey)> {
    let read_failed = |e: std::io::Error| std::io::Error::new(e.kind(), ReadFailed(e));
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let mut f = opts.open(src).map_err(read_failed)?;
    let md = f.metadata().map_err(read_failed)?;
    if !md.is_file() {
        return Err(read_failed(std::io::Error::other("not a regular file")));
    }
    let mut out = tmp_dir
        .create_new(tmp, 0o600)
        .map_err(|e| std::io::Error::new(e.kind(), format!("cannot store its copy: {e}")))?;
    #[cfg(test)]
    let fail = FAIL_WRITE_OF.lock().ok().and_then(|g| g.clone()).is_some_and(|n| src.to_string_lossy().ends_with(&n));
    #[cfg(not(test))]
    let fail = false;
    let (hash, _) = paths::hash_stream(
        &mut f,
        |c| {
            if fail {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    "No space left on device (os error 28)",
                ));
            }
            out.write_all(c)
        },
        read_failed,
    )
    .map_err(|e| {
        if e.get_ref().is_some_and(|i| i.is::<ReadFailed>()) {
            e
        } else {
            std::io::Error::new(e.kind(), format!("cannot store its copy: {e}"))
        }
    })?;
    out.flush().map_err(|e| std::io::Error::new(e.kind(), format!("cannot store its copy: {e}")))?;
    let after = StatKey::of(&f.metadata().map_err(read_failed)?);
    Ok((hash, after))
}

/// Make the temp blobs durable, then rename them into place and sync their directories.
pub(super) fn publish_blobs(sd: &StateDir, tmp_dir: &Dir, pending: &[(PathBuf, PathBuf)]) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    let d = sd.dir();
    tmp_dir.syncfs().map_err(|e| StoreError::io(tmp_dir.path(), e))?;
    let mut dirs = BTreeSet::new();
    for (tmp, dst) in pending {
        let full_tmp = Path::new(TMP).join(tmp);
        d.rename(&full_tmp, dst).map_err(|e| StoreError::io(sd.path().join(dst), e))?;
        if let Some(parent) = dst.parent() {
            dirs.insert(parent.to_path_buf());
        }
    }
    for rel in dirs.iter().chain(std::iter::once(&PathBuf::from(BLOBS))) {
        d.dir(rel, false).and_then(|x| x.sync()).map_err(|e| StoreError::io(sd.path().join(rel), e))?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The stat cache.

/// Times are `i64` nanoseconds (enough until 2262): the index entry flattens this struct, and
/// serde's `flatten` cannot carry `i128` (an index holding them never read back, so every
/// re-snapshot re-read every file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct StatKey {
    pub(super) size: u64,
    pub(super) mtime_ns: i64,
    pub(super) ctime_ns: i64,
    pub(super) inode: u64,
    pub(super) dev: u64,
    #[serde(default)]
    pub(super) mode: u32,
}

impl StatKey {
    pub(super) fn of(md: &std::fs::Metadata) -> StatKey {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let ns = |secs: i64, nsec: i64| secs.saturating_mul(1_000_000_000).saturating_add(nsec);
            StatKey {
                size: md.len(),
                mtime_ns: ns(md.mtime(), md.mtime_nsec()),
                ctime_ns: ns(md.ctime(), md.ctime_nsec()),
                inode: md.ino(),
                dev: md.dev(),
                mode: md.mode() & 0o7777,
            }
        }
        #[cfg(not(unix))]
        {
            let mtime_ns = md
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
                .unwrap_or(0);
            StatKey {
                size: md.len(),
                mtime_ns,
                ctime_ns: 0,
                inode: 0,
                dev: 0,
                mode: if md.permissions().readonly() { 0o444 } else { 0o644 },
            }
        }
    }

    /// Modified so recently that a later write in the same timestamp tick would go unnoticed.
    pub(super) fn is_racy(&self) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            .unwrap_or(i64::MAX);
        now.saturating_sub(self.mtime_ns) < 2_000_000_000
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct IndexEntry {
    #[serde(flatten)]
    pub(super) stat: StatKey,
    pub(super) sha256: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub(super) struct Index {
    pub(super) entries: BTreeMap<String, IndexEntry>,
}

impl Index {
    /// A missing or unreadable cache is an empty one.
    pub(super) fn load(sd: &StateDir) -> Index {
        sd.dir().read(Path::new(INDEX)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }
}
