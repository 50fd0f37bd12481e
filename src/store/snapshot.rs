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

use super::fsx::Dir;
use super::paths;
use super::{compact_time, Result, StateDir, StoreError};
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
    /// Those of `roots` that were directories: restoring puts each back as it was, deleting the
    /// files the snapshot did not hold under it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dirs: Vec<String>,
    /// Sorted by path.
    pub files: Vec<SnapshotFile>,
    /// Paths refused or skipped, each with why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl SnapshotManifest {
    /// Whether this snapshot holds `output` as it was: a file it recorded (present or missing),
    /// a directory it walked, or a path under one.
    pub fn covers(&self, output: &str) -> bool {
        let held: Vec<&str> =
            self.files.iter().map(|f| f.path.as_str()).chain(self.dirs.iter().map(String::as_str)).collect();
        covers(&held, output)
    }

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

/// Whether the paths a snapshot holds (its files and walked directories) cover `output`: it is
/// one of them or lies under one (after normalizing `./`, `a/../b`, a trailing `/`).
pub fn covers<S: AsRef<str>>(held: &[S], output: &str) -> bool {
    let Ok(want) = paths::normalize(output) else { return false };
    held.iter().any(|h| paths::normalize(h.as_ref()).is_ok_and(|h| want.starts_with(&h) && !h.as_os_str().is_empty()))
}

const BLOBS: &str = "snapshots/blobs";
const MANIFESTS: &str = "snapshots/manifests";
const TMP: &str = "snapshots/tmp";
const INDEX: &str = "snapshots/index.json";

/// The blob with this digest, relative to the state directory.
pub(crate) fn blob_rel(sha: &str) -> PathBuf {
    Path::new(BLOBS).join(sha.get(..2).unwrap_or("xx")).join(sha)
}

fn manifest_rel(id: &str) -> PathBuf {
    Path::new(MANIFESTS).join(format!("{id}.json"))
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
    let d = sd.dir();
    for rel in [MANIFESTS, BLOBS] {
        d.dir(Path::new(rel), true).map_err(|e| StoreError::io(sd.path().join(rel), e))?;
    }
    let tmp_dir = d.scratch(Path::new(TMP)).map_err(|e| StoreError::io(sd.path().join(TMP), e))?;
    let collected = collect(sd, inputs);
    if let Some((path, reason)) = collected.failures.into_iter().next() {
        return Err(StoreError::SnapshotIncomplete { path, reason });
    }
    let mut problems = collected.problems;
    let mut index = Index::load(sd);
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
                && d.stat(&blob_rel(&c.sha256))
                    .ok()
                    .flatten()
                    .is_some_and(|m| m.kind == super::fsx::Kind::File && m.size == stat.size);
            ok.then(|| c.sha256.clone())
        })
        .collect();
    // Then read, hash and copy the others, on every core (each file is independent).
    let todo: Vec<usize> =
        (0..collected.entries.len()).filter(|&i| cached[i].is_none() && collected.entries[i].meta.is_some()).collect();
    let mut stored = store_files(sd, &tmp_dir, &collected.entries, &todo);
    let mut failure = None;
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
            None => match stored[i].take().unwrap_or_else(|| store_file(sd, &tmp_dir, Path::new(""), &e.full, md)) {
                Ok(Stored { sha, publish, changed }) => {
                    if let Some(p) = publish {
                        if pending_dst.insert(p.1.clone()) {
                            pending.push(p);
                        } else {
                            let _ = tmp_dir.remove_file(&p.0);
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
                    // Every file or none: a snapshot missing one cannot undo an attempt.
                    failure.get_or_insert((path, err.to_string()));
                    continue;
                }
            },
        };
        files.push(SnapshotFile { path, path_hex, size: stat.size, mode: stat.mode, sha256: Some(sha) });
    }
    let published = match failure {
        Some((path, reason)) => Err(StoreError::SnapshotIncomplete { path, reason }),
        None => publish_blobs(sd, &tmp_dir, &pending),
    };
    // Only the (now empty) per-worker temp directories are left, or the temp blobs of a
    // snapshot that failed.
    let _ = d.scratch(Path::new(TMP));
    published?;
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
        dirs: collected.dirs,
        files,
        problems,
    };
    let body =
        serde_json::to_vec(&m).map_err(|e| StoreError::Corrupt { path: mdir.clone(), message: e.to_string() })?;
    let mut salt = 0u32;
    let manifest = loop {
        let mut h = Sha256::new();
        h.update(&body);
        if salt > 0 {
            h.update(salt.to_le_bytes());
        }
        let digest = paths::hex(&h.finalize());
        let id = format!("{}-{}", compact_time(&m.created_at), &digest[..8]);
        let rel = manifest_rel(&id);
        if d.stat(&rel).map_err(|e| StoreError::io(sd.path().join(&rel), e))?.is_none() {
            m.id = id;
            break rel;
        }
        salt += 1;
    };
    let manifest_path = sd.path().join(&manifest);
    let text = serde_json::to_vec_pretty(&m)
        .map_err(|e| StoreError::Corrupt { path: manifest_path.clone(), message: e.to_string() })?;
    d.write_atomic(&manifest, &text).map_err(|e| StoreError::io(&manifest_path, e))?;
    // The cache is only an optimization: failing to update it loses nothing.
    for (k, v) in fresh {
        index.entries.insert(k, v);
    }
    for f in m.files.iter().filter(|f| f.sha256.is_none()) {
        index.entries.remove(&f.key());
    }
    if let Ok(bytes) = serde_json::to_vec(&index) {
        let _ = d.write_atomic(Path::new(INDEX), &bytes);
    }
    Ok(m)
}

/// Every manifest, sorted by `created_at` then id, and the manifests that could not be read
/// (each named with why).
pub fn list(sd: &StateDir) -> Result<(Vec<SnapshotManifest>, Vec<String>)> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for name in manifest_names(sd)? {
        match read_manifest(sd, &name) {
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
    if sd.dir().stat(&manifest_rel(id)).ok().flatten().is_some() {
        return read_manifest(sd, id);
    }
    let mut candidates: Vec<String> = manifest_names(sd)?.into_iter().filter(|n| n.starts_with(id)).collect();
    match candidates.len() {
        0 => Err(StoreError::NotFound { dir, id: id.into() }),
        1 => read_manifest(sd, &candidates.remove(0)),
        _ => Err(StoreError::Ambiguous { dir, id: id.into(), candidates }),
    }
}

/// Open the blob of `sha` for reading (never through a symlink).
pub(crate) fn open_blob(sd: &StateDir, sha: &str) -> std::io::Result<std::fs::File> {
    if !paths::is_sha256_hex(sha) {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "not a SHA-256 hex digest"));
    }
    sd.dir().open_read(&blob_rel(sha))
}

/// The content of a file of a snapshot, verified against its hash. `None` = recorded missing.
pub fn read_blob(sd: &StateDir, f: &SnapshotFile) -> Result<Option<Vec<u8>>> {
    let Some(sha) = &f.sha256 else { return Ok(None) };
    let p = blob_path(sd, sha);
    let bytes = open_blob(sd, sha)
        .and_then(|mut h| {
            let mut b = Vec::new();
            std::io::Read::read_to_end(&mut h, &mut b).map(|_| b)
        })
        .map_err(|e| StoreError::BlobCorrupt {
            blob: p.clone(),
            file: f.path.clone(),
            message: format!("cannot read: {}", StoreError::io(&p, e)),
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
    let d = sd.dir();
    let Ok(prefixes) = d.list(Path::new(BLOBS)) else { return 0 };
    prefixes.iter().filter_map(|(p, _)| d.list(&Path::new(BLOBS).join(p)).ok()).map(|v| v.len()).sum()
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

pub(crate) fn read_manifest(sd: &StateDir, stem: &str) -> Result<SnapshotManifest> {
    let rel = manifest_rel(stem);
    let path = sd.path().join(&rel);
    let bytes = sd.dir().read(&rel).map_err(|e| StoreError::io(&path, e))?;
    let m: SnapshotManifest = serde_json::from_slice(&bytes)
        .map_err(|e| StoreError::Corrupt { path: path.clone(), message: format!("invalid snapshot manifest: {e}") })?;
    validate(&m, stem).map_err(|message| StoreError::Corrupt { path, message })?;
    Ok(m)
}

/// Stems of `*.json` files in the manifests dir (temp files start with a dot and are skipped).
pub(crate) fn manifest_names(sd: &StateDir) -> Result<Vec<String>> {
    let entries = sd.dir().list(Path::new(MANIFESTS)).map_err(|e| StoreError::io(manifests_dir(sd), e))?;
    let mut names: Vec<String> = entries
        .into_iter()
        .filter_map(|(n, _)| n.to_str().map(str::to_string))
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
    /// Paths refused or skipped (outside the root, symlinks, special files), each with why.
    pub problems: Vec<String>,
    /// Paths that should have been read and could not be (a directory that cannot be listed, an
    /// entry that cannot be inspected): (path, why). A snapshot with any is not taken.
    pub failures: Vec<(String, String)>,
    pub roots: Vec<String>,
    /// Roots that are directories.
    pub dirs: Vec<String>,
}

/// Resolve `paths` to regular files (walking directories, never following symlinks) and missing
/// paths. Refused paths are only named in `problems`: nothing is read from them.
pub(crate) fn collect(sd: &StateDir, inputs: Vec<Input>) -> Collected {
    let root = sd.project_root();
    let state = sd.path();
    let mut map: BTreeMap<PathBuf, Entry> = BTreeMap::new();
    let mut c = Collected {
        entries: Vec::new(),
        problems: Vec::new(),
        failures: Vec::new(),
        roots: Vec::new(),
        dirs: Vec::new(),
    };
    let mut roots = BTreeSet::new();
    let mut dirs = BTreeSet::new();
    for (raw, rel) in inputs {
        let rel = match rel {
            Ok(r) => r,
            Err(why) => {
                c.problems.push(format!("{raw}: refused: {why}"));
                continue;
            }
        };
        let full = match paths::inside(root, state, &rel) {
            Ok(f) => f,
            Err(why) => {
                c.problems.push(format!("{raw}: refused: {why}"));
                continue;
            }
        };
        let shown = paths::to_record(&rel).0;
        roots.insert(shown.clone());
        match std::fs::symlink_metadata(&full) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if !rel.as_os_str().is_empty() {
                    map.insert(rel.clone(), Entry { rel, full, meta: None });
                }
            }
            Err(e) => c.failures.push((raw, format!("cannot inspect: {e}"))),
            Ok(md) if md.is_dir() => {
                dirs.insert(shown);
                walk(&rel, &full, state, &mut map, &mut c);
            }
            Ok(md) => add_entry(rel, full, md, &mut map, &mut c.problems),
        }
    }
    c.entries = map.into_values().collect();
    c.roots = roots.into_iter().collect();
    c.dirs = dirs.into_iter().collect();
    c
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

fn walk(rel: &Path, full: &Path, state: &Path, map: &mut BTreeMap<PathBuf, Entry>, c: &mut Collected) {
    if full.starts_with(state) {
        return;
    }
    let rd = match std::fs::read_dir(full) {
        Ok(rd) => rd,
        Err(e) => {
            c.failures.push((paths::to_record(rel).0, format!("cannot list: {e}")));
            return;
        }
    };
    let mut children = Vec::new();
    for d in rd {
        match d {
            Ok(d) => children.push(d),
            Err(e) => {
                c.failures.push((paths::to_record(rel).0, format!("cannot list: {e}")));
                return;
            }
        }
    }
    children.sort_by_key(|d| d.file_name());
    for d in children {
        let child_rel = rel.join(d.file_name());
        let child_full = full.join(d.file_name());
        match std::fs::symlink_metadata(&child_full) {
            Ok(md) if md.is_dir() => walk(&child_rel, &child_full, state, map, c),
            Ok(md) => add_entry(child_rel, child_full, md, map, &mut c.problems),
            Err(e) => c.failures.push((paths::to_record(&child_rel).0, format!("cannot inspect: {e}"))),
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

struct Stored {
    sha: String,
    /// (temp file relative to the temp dir, final blob relative to the state dir) to publish.
    publish: Option<(PathBuf, PathBuf)>,
    /// The file changed while it was read (every try).
    changed: bool,
}

/// Tests: make the copy of a file whose path ends like this fail as a full disk would (seen by
/// the worker threads too).
#[cfg(test)]
static FAIL_WRITE_OF: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Hash `full` while copying it into a temp file in `tmp_dir/sub`; the temp file is kept for
/// publishing only when no blob with that hash exists yet.
fn store_file(
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
        let tmp = sub.join(format!("blob-{}", super::lock::new_token()));
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
            .is_some_and(|m| m.kind == super::fsx::Kind::File && m.size == after.size);
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
struct ReadFailed(std::io::Error);

impl std::fmt::Display for ReadFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot read it: {}", self.0)
    }
}

impl std::error::Error for ReadFailed {}

fn copy_hashing(src: &Path, tmp_dir: &Dir, tmp: &Path) -> std::io::Result<(String, StatKey)> {
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
fn publish_blobs(sd: &StateDir, tmp_dir: &Dir, pending: &[(PathBuf, PathBuf)]) -> Result<()> {
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
    fn load(sd: &StateDir) -> Index {
        sd.dir().read(Path::new(INDEX)).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
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
        let index = Index::load(&fx.sd);
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
    fn a_snapshot_that_cannot_store_every_file_is_not_committed() {
        let fx = fixture();
        fx.write("a.txt", b"alpha", 0o644);
        fx.write("out/b-disk-full.bin", &[7u8; 300_000], 0o644);
        *FAIL_WRITE_OF.lock().unwrap() = Some("out/b-disk-full.bin".into());
        let err = take(&fx.sd, &["a.txt".into(), "out".into()], Fixture::meta("t"), &clock());
        *FAIL_WRITE_OF.lock().unwrap() = None;
        let err = err.unwrap_err().to_string();
        assert!(
            err.starts_with("snapshot not taken: out/b-disk-full.bin: cannot store its copy: No space left"),
            "{err}"
        );
        assert!(err.ends_with("nothing was committed"), "{err}");
        assert_eq!(list(&fx.sd).unwrap().0.len(), 0, "no manifest");
        assert_eq!(std::fs::read_dir(fx.sd.snapshots_path().join("tmp")).unwrap().count(), 0, "no temp left");
        // With the disk back, the same snapshot is taken.
        let m = fx.take(&["a.txt", "out"]);
        assert_eq!(m.files.len(), 2);
    }

    #[test]
    fn a_directory_output_is_held_and_covered() {
        let fx = fixture();
        fx.write("out/a.py", b"a", 0o644);
        fx.write("out/sub/b.py", b"b", 0o644);
        let m = fx.take(&["out/"]);
        assert_eq!(m.dirs, vec!["out"]);
        assert_eq!(m.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>(), vec!["out/a.py", "out/sub/b.py"]);
        for o in ["out", "out/", "./out", "out/a.py", "out/new.py", "out/sub/b.py"] {
            assert!(m.covers(o), "{o}");
        }
        for o in ["outside", "other/a.py", "", "../out", "ou"] {
            assert!(!m.covers(o), "{o}");
        }
    }

    #[test]
    fn read_only_state_dir_refuses_to_snapshot() {
        let fx = fixture();
        let ro = StateDir::open(fx.sd.path(), fx.sd.project_root(), &clock()).unwrap();
        let err = take(&ro, &["a".into()], Fixture::meta("x"), &clock()).unwrap_err();
        assert!(matches!(err, StoreError::ReadOnly { .. }), "{err}");
    }
}
