//! Content-addressed snapshots of project files.
//!
//! Blobs live at `snapshots/blobs/<first 2 hex>/<sha256 hex>`; a blob that already exists is not
//! written again. Each snapshot is one manifest, `snapshots/manifests/<id>.json`, written last
//! with an atomic write: a snapshot exists once its manifest does, and every blob a manifest names
//! was durable before the manifest was written. `snapshots/index.json` caches
//! (path, size, mtime, ctime, inode, device) -> hash so that unchanged files are not even read
//! on a re-snapshot; an entry is trusted only when all of those match and the blob exists with
//! the right size, and entries for files modified in the last two seconds are not recorded
//! (their timestamps could still change within the same tick).

use super::paths;
use super::{atomic, compact_time, Result, StateDir, StoreError};
use crate::core::model::Clock;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const SCHEMA: &str = "recover-tui/snapshot@1";

/// One file of a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotFile {
    /// Relative to the project root, `/`-separated (lossy when the name is not UTF-8).
    pub path: String,
    /// Hex of the raw path bytes, present only when the name is not valid UTF-8.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_hex: Option<String>,
    pub size: u64,
    /// Permission bits (`st_mode & 0o7777`).
    pub mode: u32,
    /// `None` = the file did not exist (restoring deletes it).
    pub sha256: Option<String>,
}

impl SnapshotFile {
    /// The relative path, checked (see `paths`).
    pub fn rel_path(&self) -> std::result::Result<PathBuf, String> {
        let p = paths::from_record(&self.path, self.path_hex.as_deref())?;
        if p.as_os_str().is_empty() {
            return Err("names the project root itself".into());
        }
        Ok(p)
    }

    /// Key that is unique per path (raw bytes when not UTF-8).
    pub(crate) fn key(&self) -> String {
        match &self.path_hex {
            Some(h) => format!("\u{0}{h}"),
            None => self.path.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotManifest {
    pub schema: String,
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub reason: String,
    pub job: Option<String>,
    pub batch: Option<u32>,
    pub attempt: Option<u32>,
    /// The paths that were asked for (normalized); directories among them were walked.
    #[serde(default)]
    pub roots: Vec<String>,
    /// Sorted by path.
    pub files: Vec<SnapshotFile>,
    /// Paths refused or skipped, each with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl SnapshotManifest {
    /// Total bytes of the files present.
    pub fn total_size(&self) -> u64 {
        self.files.iter().filter(|f| f.sha256.is_some()).map(|f| f.size).sum()
    }
}

/// What a snapshot is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotMeta {
    pub reason: String,
    pub job: Option<String>,
    pub batch: Option<u32>,
    pub attempt: Option<u32>,
}

pub fn blobs_dir(sd: &StateDir) -> PathBuf {
    sd.snapshots_path().join("blobs")
}

pub fn manifests_dir(sd: &StateDir) -> PathBuf {
    sd.snapshots_path().join("manifests")
}

/// Where the blob with this digest lives (`sha` must be 64 lowercase hex; see `is_valid_sha`).
pub fn blob_path(sd: &StateDir, sha: &str) -> PathBuf {
    blobs_dir(sd).join(sha.get(..2).unwrap_or("xx")).join(sha)
}

/// Snapshot `paths` (relative to the project root; directories are walked). Refused paths are
/// skipped and named in `problems` of the result; paths that do not exist are recorded as missing.
pub fn take(sd: &StateDir, paths: &[String], meta: SnapshotMeta, clock: &dyn Clock) -> Result<SnapshotManifest> {
    let inputs = paths.iter().map(|p| (p.clone(), paths::normalize(p))).collect();
    take_inputs(sd, inputs, meta, clock)
}

/// [`take`] of already-relative paths (which may have non-UTF-8 names).
pub(crate) fn take_rel(
    sd: &StateDir,
    rels: &[PathBuf],
    meta: SnapshotMeta,
    clock: &dyn Clock,
) -> Result<SnapshotManifest> {
    let inputs = rels.iter().map(|r| (paths::to_record(r).0, paths::normalize_os(r.as_os_str()))).collect();
    take_inputs(sd, inputs, meta, clock)
}

/// A path as given (for messages) and its normalized form or why it is refused.
pub(crate) type Input = (String, std::result::Result<PathBuf, String>);

fn take_inputs(sd: &StateDir, inputs: Vec<Input>, meta: SnapshotMeta, clock: &dyn Clock) -> Result<SnapshotManifest> {
    let mdir = manifests_dir(sd);
    sd.ensure_writable(&mdir)?;
    let bdir = blobs_dir(sd);
    let tmp_dir = sd.snapshots_path().join("tmp");
    for d in [&mdir, &bdir, &tmp_dir] {
        std::fs::create_dir_all(d).map_err(|e| StoreError::io(d, e))?;
    }
    clear_dir(&tmp_dir);
    let collected = collect(sd, inputs);
    let mut problems = collected.problems;
    let index_path = sd.snapshots_path().join("index.json");
    let mut index = Index::load(&index_path);
    let mut pending: Vec<(PathBuf, PathBuf)> = Vec::new();
    // Blob paths already pending (two files with the same content publish one blob).
    let mut pending_dst: std::collections::HashSet<PathBuf> = std::collections::HashSet::new();
    let mut files = Vec::with_capacity(collected.entries.len());
    let mut fresh: Vec<(String, IndexEntry)> = Vec::new();
    // First the stat cache: which files need reading at all.
    let cached: Vec<Option<String>> = collected
        .entries
        .iter()
        .map(|e| {
            let md = e.meta.as_ref()?;
            let stat = StatKey::of(md);
            let c = index.entries.get(&index_key(&e.rel)).filter(|c| c.stat == stat)?;
            let ok = paths::is_sha256_hex(&c.sha256)
                && std::fs::symlink_metadata(blob_path(sd, &c.sha256))
                    .is_ok_and(|m| m.is_file() && m.len() == stat.size);
            ok.then(|| c.sha256.clone())
        })
        .collect();
    // Then read, hash and copy the others, on every core (each file is independent).
    let todo: Vec<usize> =
        (0..collected.entries.len()).filter(|&i| cached[i].is_none() && collected.entries[i].meta.is_some()).collect();
    let mut stored = store_files(sd, &tmp_dir, &collected.entries, &todo);
    for (i, e) in collected.entries.iter().enumerate() {
        let (path, path_hex) = paths::to_record(&e.rel);
        let Some(md) = &e.meta else {
            files.push(SnapshotFile { path, path_hex, size: 0, mode: 0, sha256: None });
            continue;
        };
        let key = match &path_hex {
            Some(h) => format!("\u{0}{h}"),
            None => path.clone(),
        };
        let stat = StatKey::of(md);
        let sha = match cached[i].clone() {
            Some(sha) => sha,
            None => match stored[i].take().unwrap_or_else(|| store_file(sd, &tmp_dir, &e.full, md)) {
                Ok(Stored { sha, publish, changed }) => {
                    if let Some(p) = publish {
                        if pending_dst.insert(p.1.clone()) {
                            pending.push(p);
                        } else {
                            let _ = std::fs::remove_file(&p.0);
                        }
                    }
                    if changed {
                        problems.push(format!("{path}: changed while being read; the snapshot holds what was read"));
                    } else if !stat.is_racy() {
                        fresh.push((key, IndexEntry { stat: stat.clone(), sha256: sha.clone() }));
                    }
                    sha
                }
                Err(err) => {
                    problems.push(format!("{path}: not snapshotted: {err}"));
                    continue;
                }
            },
        };
        files.push(SnapshotFile { path, path_hex, size: stat.size, mode: stat.mode, sha256: Some(sha) });
    }
    publish_blobs(&tmp_dir, &pending)?;
    // Only the (now empty) per-worker temp directories are left.
    clear_dir(&tmp_dir);
    files.sort_by(|a, b| a.path.cmp(&b.path).then_with(|| a.path_hex.cmp(&b.path_hex)));
    let mut m = SnapshotManifest {
        schema: SCHEMA.into(),
        id: String::new(),
        created_at: clock.now(),
        reason: meta.reason,
        job: meta.job,
        batch: meta.batch,
        attempt: meta.attempt,
        roots: collected.roots,
        files,
        problems,
    };
    let body =
        serde_json::to_vec(&m).map_err(|e| StoreError::Corrupt { path: mdir.clone(), message: e.to_string() })?;
    let mut salt = 0u32;
    let manifest_path = loop {
        let mut h = Sha256::new();
        h.update(&body);
        if salt > 0 {
            h.update(salt.to_le_bytes());
        }
        let digest = paths::hex(&h.finalize());
        let id = format!("{}-{}", compact_time(&m.created_at), &digest[..8]);
        let p = mdir.join(format!("{id}.json"));
        if !p.exists() {
            m.id = id;
            break p;
        }
        salt += 1;
    };
    let text = serde_json::to_vec_pretty(&m)
        .map_err(|e| StoreError::Corrupt { path: manifest_path.clone(), message: e.to_string() })?;
    atomic::write(&manifest_path, &text).map_err(|e| StoreError::io(&manifest_path, e))?;
    // The cache is only an optimization: failing to update it loses nothing.
    for (k, v) in fresh {
        index.entries.insert(k, v);
    }
    for f in m.files.iter().filter(|f| f.sha256.is_none()) {
        index.entries.remove(&f.key());
    }
    if let Ok(bytes) = serde_json::to_vec(&index) {
        let _ = atomic::write(&index_path, &bytes);
    }
    Ok(m)
}

/// Every manifest, sorted by `created_at` then id, and the manifests that could not be read
/// (each named with why).
pub fn list(sd: &StateDir) -> Result<(Vec<SnapshotManifest>, Vec<String>)> {
    let dir = manifests_dir(sd);
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for name in manifest_names(&dir)? {
        let p = dir.join(format!("{name}.json"));
        match read_manifest(&p, &name) {
            Ok(m) => out.push(m),
            Err(e) => problems.push(e.to_string()),
        }
    }
    out.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.id.cmp(&b.id)));
    Ok((out, problems))
}

/// The snapshot with this id, or with the unique id that starts with it.
pub fn load(sd: &StateDir, id: &str) -> Result<SnapshotManifest> {
    let dir = manifests_dir(sd);
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(StoreError::NotFound { dir, id: id.into() });
    }
    let exact = dir.join(format!("{id}.json"));
    if exact.is_file() {
        return read_manifest(&exact, id);
    }
    let mut candidates: Vec<String> = manifest_names(&dir)?.into_iter().filter(|n| n.starts_with(id)).collect();
    match candidates.len() {
        0 => Err(StoreError::NotFound { dir, id: id.into() }),
        1 => {
            let name = candidates.remove(0);
            read_manifest(&dir.join(format!("{name}.json")), &name)
        }
        _ => Err(StoreError::Ambiguous { dir, id: id.into(), candidates }),
    }
}

/// The content of a file of a snapshot, verified against its hash. `None` = recorded missing.
pub fn read_blob(sd: &StateDir, f: &SnapshotFile) -> Result<Option<Vec<u8>>> {
    let Some(sha) = &f.sha256 else { return Ok(None) };
    let p = blob_path(sd, sha);
    let bytes = std::fs::read(&p).map_err(|e| StoreError::BlobCorrupt {
        blob: p.clone(),
        file: f.path.clone(),
        message: format!("cannot read: {e}"),
    })?;
    let actual = sha256_hex(&bytes);
    if actual != *sha {
        return Err(StoreError::BlobCorrupt {
            blob: p,
            file: f.path.clone(),
            message: format!("content hashes to {actual}, expected {sha}"),
        });
    }
    Ok(Some(bytes))
}

/// Number of blob files in the store.
pub fn blob_count(sd: &StateDir) -> usize {
    let Ok(rd) = std::fs::read_dir(blobs_dir(sd)) else { return 0 };
    rd.flatten().filter_map(|d| std::fs::read_dir(d.path()).ok()).map(|r| r.flatten().count()).sum()
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    paths::hex(&Sha256::digest(bytes))
}

/// Check a manifest's own consistency: schema, id, paths and digests well formed.
pub(crate) fn validate(m: &SnapshotManifest, stem: &str) -> std::result::Result<(), String> {
    if m.schema != SCHEMA {
        return Err(format!("schema is `{}`, expected `{SCHEMA}`", m.schema));
    }
    if m.id != stem {
        return Err(format!("id `{}` does not match the file name", m.id));
    }
    for f in &m.files {
        if let Some(sha) = &f.sha256 {
            if !paths::is_sha256_hex(sha) {
                return Err(format!("{}: sha256 `{sha}` is not a SHA-256 hex digest", f.path));
            }
        }
    }
    Ok(())
}

pub(crate) fn read_manifest(path: &Path, stem: &str) -> Result<SnapshotManifest> {
    let bytes = std::fs::read(path).map_err(|e| StoreError::io(path, e))?;
    let m: SnapshotManifest = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
        path: path.to_path_buf(),
        message: format!("invalid snapshot manifest: {e}"),
    })?;
    validate(&m, stem).map_err(|message| StoreError::Corrupt { path: path.to_path_buf(), message })?;
    Ok(m)
}

/// Stems of `*.json` files in the manifests dir (temp files start with a dot and are skipped).
pub(crate) fn manifest_names(dir: &Path) -> Result<Vec<String>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(dir, e)),
    };
    let mut names: Vec<String> = rd
        .flatten()
        .filter_map(|d| d.file_name().to_str().map(str::to_string))
        .filter(|n| !n.starts_with('.'))
        .filter_map(|n| n.strip_suffix(".json").map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

// ---------------------------------------------------------------------------------------------
// Collecting the files a list of paths stands for.

pub(crate) struct Entry {
    pub rel: PathBuf,
    pub full: PathBuf,
    /// `None` = does not exist.
    pub meta: Option<std::fs::Metadata>,
}

pub(crate) struct Collected {
    /// Sorted by relative path, unique.
    pub entries: Vec<Entry>,
    pub problems: Vec<String>,
    pub roots: Vec<String>,
}

/// Resolve `paths` to regular files (walking directories, never following symlinks) and missing
/// paths. Refused paths are only named in `problems`: nothing is read from them.
pub(crate) fn collect(sd: &StateDir, inputs: Vec<Input>) -> Collected {
    let root = sd.project_root();
    let state = sd.path();
    let mut map: BTreeMap<PathBuf, Entry> = BTreeMap::new();
    let mut problems = Vec::new();
    let mut roots = BTreeSet::new();
    for (raw, rel) in inputs {
        let rel = match rel {
            Ok(r) => r,
            Err(why) => {
                problems.push(format!("{raw}: refused: {why}"));
                continue;
            }
        };
        let full = match paths::inside(root, state, &rel) {
            Ok(f) => f,
            Err(why) => {
                problems.push(format!("{raw}: refused: {why}"));
                continue;
            }
        };
        roots.insert(paths::to_record(&rel).0);
        match std::fs::symlink_metadata(&full) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !rel.as_os_str().is_empty() {
                    map.insert(rel.clone(), Entry { rel, full, meta: None });
                }
            }
            Err(e) => problems.push(format!("{raw}: cannot inspect: {e}")),
            Ok(md) if md.is_dir() => walk(&rel, &full, state, &mut map, &mut problems),
            Ok(md) => add_entry(rel, full, md, &mut map, &mut problems),
        }
    }
    Collected { entries: map.into_values().collect(), problems, roots: roots.into_iter().collect() }
}

fn add_entry(
    rel: PathBuf,
    full: PathBuf,
    md: std::fs::Metadata,
    map: &mut BTreeMap<PathBuf, Entry>,
    problems: &mut Vec<String>,
) {
    let shown = paths::to_record(&rel).0;
    if md.file_type().is_symlink() {
        problems.push(format!("{shown}: skipped: is a symlink (symlinks are never followed)"));
    } else if md.is_file() {
        map.insert(rel.clone(), Entry { rel, full, meta: Some(md) });
    } else {
        problems.push(format!("{shown}: skipped: not a regular file"));
    }
}

fn walk(rel: &Path, full: &Path, state: &Path, map: &mut BTreeMap<PathBuf, Entry>, problems: &mut Vec<String>) {
    if full.starts_with(state) {
        return;
    }
    let rd = match std::fs::read_dir(full) {
        Ok(rd) => rd,
        Err(e) => {
            problems.push(format!("{}: cannot list: {e}", paths::to_record(rel).0));
            return;
        }
    };
    let mut children: Vec<_> = rd.flatten().collect();
    children.sort_by_key(|d| d.file_name());
    for d in children {
        let child_rel = rel.join(d.file_name());
        let child_full = full.join(d.file_name());
        match std::fs::symlink_metadata(&child_full) {
            Ok(md) if md.is_dir() => walk(&child_rel, &child_full, state, map, problems),
            Ok(md) => add_entry(child_rel, child_full, md, map, problems),
            Err(e) => problems.push(format!("{}: cannot inspect: {e}", paths::to_record(&child_rel).0)),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Blobs.

/// The index key of a relative path (as [`SnapshotFile::key`]).
fn index_key(rel: &Path) -> String {
    let (path, path_hex) = paths::to_record(rel);
    match path_hex {
        Some(h) => format!("\u{0}{h}"),
        None => path,
    }
}

/// [`store_file`] for `entries[i]`, `i` in `todo`, spread over the machine's cores. The result
/// has one slot per entry (`None` for those not in `todo`).
fn store_files(
    sd: &StateDir,
    tmp_dir: &Path,
    entries: &[Entry],
    todo: &[usize],
) -> Vec<Option<std::io::Result<Stored>>> {
    let mut out: Vec<Option<std::io::Result<Stored>>> = entries.iter().map(|_| None).collect();
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(todo.len());
    let one = |dir: &Path, i: usize| entries[i].meta.as_ref().map(|md| (i, store_file(sd, dir, &entries[i].full, md)));
    // Each worker creates its temp files in a directory of its own: creating thousands of
    // files in one directory from several threads serializes them on its lock.
    let dirs: Vec<PathBuf> = (0..threads).map(|w| tmp_dir.join(format!("w{w}"))).collect();
    if threads <= 1 || dirs.iter().any(|d| std::fs::create_dir_all(d).is_err()) {
        for (i, r) in todo.iter().filter_map(|&i| one(tmp_dir, i)) {
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

struct Stored {
    sha: String,
    /// (temp file, final blob path) still to publish.
    publish: Option<(PathBuf, PathBuf)>,
    /// The file changed while it was read (every try).
    changed: bool,
}

/// Hash `full` while copying it into a temp file; the temp file is kept for publishing only when
/// no blob with that hash exists yet.
fn store_file(sd: &StateDir, tmp_dir: &Path, full: &Path, before: &std::fs::Metadata) -> std::io::Result<Stored> {
    let mut before = StatKey::of(before);
    let mut tries = 0;
    loop {
        tries += 1;
        let tmp = tmp_dir.join(format!("blob-{}", super::lock::new_token()));
        let (sha, after) = match copy_hashing(full, &tmp) {
            Ok(r) => r,
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                return Err(e);
            }
        };
        let changed = after != before;
        if changed && tries < 3 {
            let _ = std::fs::remove_file(&tmp);
            before = after;
            continue;
        }
        let dst = blob_path(sd, &sha);
        let exists = std::fs::symlink_metadata(&dst).is_ok_and(|m| m.is_file() && m.len() == after.size);
        let publish = if exists {
            let _ = std::fs::remove_file(&tmp);
            None
        } else {
            Some((tmp, dst))
        };
        return Ok(Stored { sha, publish, changed });
    }
}

fn copy_hashing(src: &Path, tmp: &Path) -> std::io::Result<(String, StatKey)> {
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let mut f = opts.open(src)?;
    let md = f.metadata()?;
    if !md.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let mut out = std::fs::OpenOptions::new().write(true).create_new(true).open(tmp)?;
    let (hash, _) = paths::hash_stream(&mut f, |c| out.write_all(c), |e| e)?;
    out.flush()?;
    let after = StatKey::of(&f.metadata()?);
    Ok((hash, after))
}

/// Make the temp blobs durable, then rename them into place and sync their directories.
fn publish_blobs(tmp_dir: &Path, pending: &[(PathBuf, PathBuf)]) -> Result<()> {
    if pending.is_empty() {
        return Ok(());
    }
    sync_files(tmp_dir, pending.iter().map(|(t, _)| t.as_path()))?;
    let mut dirs = BTreeSet::new();
    for (tmp, dst) in pending {
        let Some(dir) = dst.parent() else { continue };
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        std::fs::rename(tmp, dst).map_err(|e| StoreError::io(dst, e))?;
        dirs.insert(dir.to_path_buf());
    }
    for d in &dirs {
        atomic::sync_dir(d).map_err(|e| StoreError::io(d, e))?;
    }
    if let Some(parent) = dirs.iter().next().and_then(|d| d.parent()) {
        atomic::sync_dir(parent).map_err(|e| StoreError::io(parent, e))?;
    }
    Ok(())
}

/// fsync many files: one `syncfs` of their filesystem on Linux, else each file.
fn sync_files<'a>(dir: &Path, files: impl Iterator<Item = &'a Path>) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let _ = files;
        let d = std::fs::File::open(dir).map_err(|e| StoreError::io(dir, e))?;
        // SAFETY: the fd is valid for the lifetime of `d`.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(StoreError::io(dir, std::io::Error::last_os_error()));
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        for f in files {
            std::fs::File::open(f).and_then(|h| h.sync_all()).map_err(|e| StoreError::io(f, e))?;
        }
        Ok(())
    }
}

/// Remove leftovers of an interrupted run (only the lock holder calls this).
/// (Temp files are in `dir` and in its per-worker subdirectories `w0`, `w1`, ...)
fn clear_dir(dir: &Path) {
    if let Ok(rd) = std::fs::read_dir(dir) {
        for d in rd.flatten() {
            if d.file_type().is_ok_and(|t| t.is_dir()) {
                clear_dir(&d.path());
                let _ = std::fs::remove_dir(d.path());
            } else {
                let _ = std::fs::remove_file(d.path());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The stat cache.

/// Times are `i64` nanoseconds (enough until 2262): the index entry flattens this struct, and
/// serde's `flatten` cannot carry `i128` (an index holding them never read back, so every
/// re-snapshot re-read every file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StatKey {
    size: u64,
    mtime_ns: i64,
    ctime_ns: i64,
    inode: u64,
    dev: u64,
    #[serde(default)]
    mode: u32,
}

impl StatKey {
    fn of(md: &std::fs::Metadata) -> StatKey {
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
    fn is_racy(&self) -> bool {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
            .unwrap_or(i64::MAX);
        now.saturating_sub(self.mtime_ns) < 2_000_000_000
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct IndexEntry {
    #[serde(flatten)]
    stat: StatKey,
    sha256: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    entries: BTreeMap<String, IndexEntry>,
}

impl Index {
    /// A missing or unreadable cache is an empty one.
    fn load(path: &Path) -> Index {
        std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::model::FixedClock;
    use chrono::TimeZone;
    use std::os::unix::fs::PermissionsExt;

    pub(crate) fn clock() -> FixedClock {
        FixedClock(Utc.with_ymd_and_hms(2026, 11, 25, 14, 3, 11).unwrap())
    }

    pub(crate) struct Fixture {
        pub _root: tempfile::TempDir,
        pub sd: StateDir,
    }

    pub(crate) fn fixture() -> Fixture {
        let root = tempfile::tempdir().unwrap();
        let sd = StateDir::open(&root.path().join(".recover"), root.path(), &clock()).unwrap();
        Fixture { _root: root, sd }
    }

    impl Fixture {
        pub fn write(&self, rel: &str, bytes: &[u8], mode: u32) {
            let p = self.sd.project_root().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, bytes).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        pub fn read(&self, rel: &str) -> Vec<u8> {
            std::fs::read(self.sd.project_root().join(rel)).unwrap()
        }
        pub fn mode(&self, rel: &str) -> u32 {
            std::fs::metadata(self.sd.project_root().join(rel)).unwrap().permissions().mode() & 0o7777
        }
        pub fn meta(reason: &str) -> SnapshotMeta {
            SnapshotMeta { reason: reason.into(), ..Default::default() }
        }
        pub fn take(&self, paths: &[&str]) -> SnapshotManifest {
            let p: Vec<String> = paths.iter().map(|s| s.to_string()).collect();
            take(&self.sd, &p, Self::meta("test"), &clock()).unwrap()
        }
    }

    #[test]
    fn take_records_files_missing_paths_and_walks_directories() {
        let fx = fixture();
        fx.write("src/a.py", b"print(1)\n", 0o644);
        fx.write("src/pkg/b.py", b"", 0o600);
        fx.write("run.sh", b"#!/bin/sh\n", 0o755);
        let m = take(
            &fx.sd,
            &["src".into(), "run.sh".into(), "gone.txt".into()],
            SnapshotMeta {
                reason: "before attempt 1 of b3".into(),
                job: Some("b3".into()),
                batch: Some(3),
                attempt: Some(1),
            },
            &clock(),
        )
        .unwrap();
        assert_eq!(m.schema, SCHEMA);
        assert!(m.id.starts_with("20261125T140311Z-"), "{}", m.id);
        assert_eq!(m.id.len(), "20261125T140311Z-".len() + 8);
        assert_eq!(m.job.as_deref(), Some("b3"));
        assert_eq!(m.roots, vec!["gone.txt", "run.sh", "src"]);
        let got: Vec<(&str, u64, u32, Option<&str>)> =
            m.files.iter().map(|f| (f.path.as_str(), f.size, f.mode, f.sha256.as_deref())).collect();
        assert_eq!(
            got,
            vec![
                ("gone.txt", 0, 0, None),
                ("run.sh", 10, 0o755, Some(sha256_hex(b"#!/bin/sh\n").as_str())),
                ("src/a.py", 9, 0o644, Some(sha256_hex(b"print(1)\n").as_str())),
                ("src/pkg/b.py", 0, 0o600, Some(sha256_hex(b"").as_str())),
            ]
        );
        assert!(m.problems.is_empty(), "{:?}", m.problems);
        assert_eq!(blob_count(&fx.sd), 3);
        assert_eq!(std::fs::read(blob_path(&fx.sd, &sha256_hex(b"print(1)\n"))).unwrap(), b"print(1)\n");
        // The manifest on disk is the commit point.
        assert_eq!(load(&fx.sd, &m.id).unwrap(), m);
        assert_eq!(load(&fx.sd, &m.id[..20]).unwrap(), m);
        // No temp files left.
        assert_eq!(std::fs::read_dir(fx.sd.snapshots_path().join("tmp")).unwrap().count(), 0);
    }

    #[test]
    fn resnapshot_of_unchanged_files_writes_no_new_blob() {
        let fx = fixture();
        fx.write("a.txt", b"alpha", 0o644);
        fx.write("b.txt", b"beta", 0o644);
        let first = fx.take(&["a.txt", "b.txt"]);
        assert_eq!(blob_count(&fx.sd), 2);
        let second = fx.take(&["a.txt", "b.txt"]);
        assert_eq!(blob_count(&fx.sd), 2);
        assert_ne!(first.id, second.id, "ids are unique even at the same second with the same content");
        assert_eq!(first.files, second.files);
        fx.write("b.txt", b"beta 2", 0o644);
        let third = fx.take(&["a.txt", "b.txt"]);
        assert_eq!(blob_count(&fx.sd), 3);
        assert_eq!(third.files[1].sha256.as_deref(), Some(sha256_hex(b"beta 2").as_str()));
        let (all, problems) = list(&fx.sd).unwrap();
        assert!(problems.is_empty());
        let mut ids = vec![first.id.clone(), second.id.clone(), third.id.clone()];
        ids.sort();
        assert_eq!(all.iter().map(|m| m.id.clone()).collect::<Vec<_>>(), ids);
    }

    #[test]
    fn the_stat_cache_reads_back_what_it_wrote() {
        let fx = fixture();
        fx.write("a.txt", b"one", 0o644);
        fx.write("b/c.txt", b"two", 0o600);
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        for rel in ["a.txt", "b/c.txt"] {
            let p = fx.sd.project_root().join(rel);
            std::fs::File::options().write(true).open(&p).unwrap().set_modified(old).unwrap();
        }
        fx.take(&["a.txt", "b"]);
        let index_path = fx.sd.snapshots_path().join("index.json");
        let index = Index::load(&index_path);
        assert_eq!(index.entries.len(), 2, "{}", std::fs::read_to_string(&index_path).unwrap());
        let md = std::fs::symlink_metadata(fx.sd.project_root().join("a.txt")).unwrap();
        assert_eq!(index.entries["a.txt"].stat, StatKey::of(&md));
        assert_eq!(index.entries["a.txt"].sha256, sha256_hex(b"one"));
    }

    #[test]
    fn stale_cache_entry_is_not_trusted() {
        let fx = fixture();
        fx.write("a.txt", b"one", 0o644);
        let p = fx.sd.project_root().join("a.txt");
        // Make the file old enough to be cached.
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(60);
        std::fs::File::options().write(true).open(&p).unwrap().set_modified(old).unwrap();
        let first = fx.take(&["a.txt"]);
        let idx = std::fs::read_to_string(fx.sd.snapshots_path().join("index.json")).unwrap();
        assert!(idx.contains(&sha256_hex(b"one")), "{idx}");
        // Same size, same mtime, different content: ctime (and the racy check) catch it.
        std::fs::write(&p, b"two").unwrap();
        std::fs::File::options().write(true).open(&p).unwrap().set_modified(old).unwrap();
        let second = fx.take(&["a.txt"]);
        assert_ne!(first.files[0].sha256, second.files[0].sha256);
        assert_eq!(second.files[0].sha256.as_deref(), Some(sha256_hex(b"two").as_str()));
        // A cached hash whose blob was deleted is re-read and the blob rewritten.
        std::fs::remove_file(blob_path(&fx.sd, &sha256_hex(b"two"))).unwrap();
        let third = fx.take(&["a.txt"]);
        assert_eq!(third.files[0].sha256.as_deref(), Some(sha256_hex(b"two").as_str()));
        assert_eq!(std::fs::read(blob_path(&fx.sd, &sha256_hex(b"two"))).unwrap(), b"two");
    }

    #[test]
    fn refused_paths_are_named_and_never_read() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), b"s3cret").unwrap();
        let fx = fixture();
        std::os::unix::fs::symlink(outside.path(), fx.sd.project_root().join("link")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), fx.sd.project_root().join("direct")).unwrap();
        fx.write("ok.txt", b"ok", 0o644);
        let m = fx.take(&["../../.bashrc", "/etc/passwd", "a/../../b", "link/secret", "direct", "ok.txt", "x\0y"]);
        assert_eq!(m.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), vec!["ok.txt"]);
        assert_eq!(m.problems.len(), 6, "{:?}", m.problems);
        assert_eq!(m.problems[0], "../../.bashrc: refused: `..` escapes the project root");
        assert_eq!(m.problems[1], "/etc/passwd: refused: is an absolute path");
        assert_eq!(m.problems[2], "a/../../b: refused: `..` escapes the project root");
        assert!(m.problems[3].starts_with("link/secret: refused: resolves through a symlink to"), "{}", m.problems[3]);
        assert_eq!(m.problems[4], "direct: skipped: is a symlink (symlinks are never followed)");
        assert_eq!(m.problems[5], "x\0y: refused: contains a NUL byte");
        assert_eq!(blob_count(&fx.sd), 1, "nothing from outside was stored");
    }

    #[test]
    fn walking_the_root_skips_the_state_dir() {
        let fx = fixture();
        fx.write("a.txt", b"a", 0o644);
        let m = fx.take(&["."]);
        assert_eq!(m.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), vec!["a.txt"]);
        assert_eq!(m.roots, vec![""]);
    }

    #[test]
    fn non_utf8_names_are_recorded_with_their_bytes() {
        use std::os::unix::ffi::OsStrExt;
        let fx = fixture();
        let name = std::ffi::OsStr::from_bytes(b"caf\xe9.txt");
        std::fs::create_dir(fx.sd.project_root().join("d")).unwrap();
        std::fs::write(fx.sd.project_root().join("d").join(name), b"x").unwrap();
        let m = fx.take(&["d"]);
        assert_eq!(m.files.len(), 1);
        assert_eq!(m.files[0].path, "d/caf\u{fffd}.txt");
        assert_eq!(m.files[0].rel_path().unwrap(), Path::new("d").join(name));
    }

    #[test]
    fn list_names_unreadable_manifests_and_load_resolves_prefixes() {
        let fx = fixture();
        fx.write("a.txt", b"a", 0o644);
        let m = fx.take(&["a.txt"]);
        let bad = manifests_dir(&fx.sd).join("20260101T000000Z-deadbeef.json");
        std::fs::write(&bad, b"{not json").unwrap();
        let (all, problems) = list(&fx.sd).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with(&format!("{}: invalid snapshot manifest", bad.display())), "{}", problems[0]);
        assert!(matches!(load(&fx.sd, "2026").unwrap_err(), StoreError::Ambiguous { .. }));
        assert!(matches!(load(&fx.sd, "1999").unwrap_err(), StoreError::NotFound { .. }));
        assert!(matches!(load(&fx.sd, "../x").unwrap_err(), StoreError::NotFound { .. }));
        assert_eq!(load(&fx.sd, "20261125").unwrap().id, m.id);
    }

    #[test]
    fn read_only_state_dir_refuses_to_snapshot() {
        let fx = fixture();
        let ro = StateDir::open(fx.sd.path(), fx.sd.project_root(), &clock()).unwrap();
        let err = take(&ro, &["a".into()], Fixture::meta("x"), &clock()).unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly { .. }), "{err}");
    }
}
