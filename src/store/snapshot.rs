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

#[path = "snapshot_blobs.rs"]
mod blobs;
use blobs::*;

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

#[cfg(test)]
#[path = "snapshot_tests.rs"]
pub(crate) mod tests;
