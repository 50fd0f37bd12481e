//! Restore a snapshot into the project, so that a crash at any moment loses nothing.
//!
//! 1. Every path of the manifest is checked (inside the project root, outside the state dir, no
//!    symlinked ancestor leading out, not a directory now); any refusal aborts before a write.
//! 2. Every blob is copied into `restore-staging/<id>/files/` while its SHA-256 and size are
//!    verified; a corrupt or missing blob aborts (the staging dir is removed, nothing written).
//! 3. The current state of the same paths is snapshotted ("before restore of <id>"): restoring
//!    that snapshot undoes this restore.
//! 4. `restore-staging/<id>/plan.json` lists the moves and deletes (the commit point).
//! 5. Each staged file is renamed into place (already carrying its mode); when the state dir is
//!    on another filesystem the file is copied to a temp file next to the target and renamed.
//!    Files the snapshot recorded as missing are deleted. Then the staging dir is removed.
//!
//! A crash after step 4 leaves `plan.json`: [`pending_restore`] names it, [`resume_restore`]
//! completes it (idempotently), and restoring the undo snapshot undoes it.

use super::fsx::Dir;
use super::paths;
use super::snapshot::{self, SnapshotFile, SnapshotMeta};
use super::{atomic, Result, StateDir, StoreError};
use crate::core::model::Clock;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};

pub const PLAN_SCHEMA: &str = "recover-tui/restore-plan@1";

/// What a restore did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RestoreReport {
    /// The snapshot restored (full id).
    pub snapshot: String,
    /// Restoring this snapshot undoes the restore.
    pub undo_snapshot: String,
    /// Paths written (their content or mode differed).
    pub written: Vec<String>,
    /// Paths deleted (recorded missing in the snapshot, present before the restore).
    pub deleted: Vec<String>,
    /// Paths already as the snapshot has them.
    pub unchanged: Vec<String>,
    /// Things worth telling (e.g. paths the undo snapshot could not cover).
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Plan {
    schema: String,
    snapshot: String,
    undo_snapshot: String,
    created_at: DateTime<Utc>,
    moves: Vec<Move>,
    deletes: Vec<Delete>,
    #[serde(default)]
    unchanged: Vec<String>,
    #[serde(default)]
    problems: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Move {
    /// File name under `files/` of the staging dir.
    staged: String,
    path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path_hex: Option<String>,
    mode: u32,
    size: u64,
    sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Delete {
    path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    path_hex: Option<String>,
}

const STAGING: &str = "restore-staging";

/// Permission bits a restore may set: `rwxrwxrwx`, never setuid, setgid or sticky.
pub const MODE_MASK: u32 = 0o777;

fn stage_rel(id: &str) -> PathBuf {
    Path::new(STAGING).join(id)
}

/// Restore snapshot `id` (or unique id prefix). See the module docs for the order of steps.
pub fn restore(sd: &StateDir, id: &str, clock: &dyn Clock) -> Result<RestoreReport> {
    let staging_root = sd.restore_staging_path();
    sd.ensure_writable(&staging_root)?;
    if let Some(pending) = pending_restore(sd) {
        let plan_path = staging_root.join(&pending).join("plan.json");
        let undo = read_plan(sd, &pending).map(|p| p.undo_snapshot).unwrap_or_else(|_| "?".into());
        return Err(StoreError::RestorePending { plan: plan_path, id: pending, undo });
    }
    let m = snapshot::load(sd, id)?;

    // 1. Check every path before anything else.
    let mut problems = Vec::new();
    let mut targets: Vec<(&SnapshotFile, PathBuf)> = Vec::new();
    let mut seen = BTreeSet::new();
    for f in &m.files {
        match check_target(sd, f) {
            Ok((rel, _full)) => {
                if seen.insert(rel.clone()) {
                    targets.push((f, rel));
                } else {
                    problems.push(format!("{}: recorded twice", f.path));
                }
            }
            Err(why) => problems.push(format!("{}: {why}", f.path)),
        }
    }
    // Directories the snapshot walked: the files now under them that it did not hold are
    // deleted (after the undo snapshot took them), so the directory is as it was.
    let mut extras: Vec<PathBuf> = Vec::new();
    let mut left: Vec<String> = Vec::new();
    for d in &m.dirs {
        let rel = match paths::normalize(d).map_err(|why| format!("refused: {why}")).and_then(|rel| {
            forbidden(&rel).map_err(|why| format!("refused: {why}"))?;
            paths::inside(sd.project_root(), sd.path(), &rel).map(|_| rel).map_err(|why| format!("refused: {why}"))
        }) {
            Ok(rel) => rel,
            Err(why) => {
                problems.push(format!("{d}: {why}"));
                continue;
            }
        };
        extra_files(sd, &rel, &seen, &mut extras, &mut left);
    }
    if !problems.is_empty() {
        return Err(StoreError::RestoreRefused { id: m.id, problems });
    }

    // 2. Stage every blob, verifying it.
    let stage = stage_rel(&m.id);
    let files_rel = stage.join("files");
    let d = sd.dir();
    d.remove_tree(&stage).map_err(|e| StoreError::io(sd.path().join(&stage), e))?;
    let files_dir = d.dir(&files_rel, true).map_err(|e| StoreError::io(sd.path().join(&files_rel), e))?;
    let mut plan_problems: Vec<String> = Vec::new();
    let moves = match stage_all(sd, &targets, &files_dir, &mut plan_problems) {
        Ok(mv) => mv,
        Err(e) => {
            remove_stage(sd, &stage);
            return Err(e);
        }
    };

    // 3. Snapshot the current state of the same paths (and of the files to delete under the
    // snapshot's directories).
    let rels: Vec<PathBuf> = targets.iter().map(|(_, r)| r.clone()).chain(extras.iter().cloned()).collect();
    let meta = SnapshotMeta {
        reason: format!("before restore of {}", m.id),
        job: m.job.clone(),
        batch: m.batch,
        attempt: m.attempt,
    };
    let undo = match snapshot::take_rel(sd, &rels, meta, clock) {
        Ok(u) => u,
        Err(e) => {
            remove_stage(sd, &stage);
            return Err(e);
        }
    };
    plan_problems.extend(undo.problems.iter().map(|p| format!("undo snapshot: {p}")));
    plan_problems.extend(left.into_iter().map(|p| format!("{p}: left in place: not a regular file")));
    let current: BTreeMap<String, &SnapshotFile> = undo.files.iter().map(|f| (f.key(), f)).collect();

    // Skip what is already as the snapshot has it.
    let mut plan_moves = Vec::new();
    let mut unchanged = Vec::new();
    for mv in moves {
        let key = mv.path_hex.as_ref().map(|h| format!("\u{0}{h}")).unwrap_or_else(|| mv.path.clone());
        let same =
            current.get(&key).is_some_and(|c| c.sha256.as_deref() == Some(mv.sha256.as_str()) && c.mode == mv.mode);
        if same {
            let _ = files_dir.remove_file(Path::new(&mv.staged));
            unchanged.push(mv.path);
        } else {
            plan_moves.push(mv);
        }
    }
    let mut deletes = Vec::new();
    for (f, _) in targets.iter().filter(|(f, _)| f.sha256.is_none()) {
        let present = current.get(&f.key()).is_some_and(|c| c.sha256.is_some());
        let undo_missed = !current.contains_key(&f.key());
        if present || undo_missed {
            deletes.push(Delete { path: f.path.clone(), path_hex: f.path_hex.clone() });
        } else {
            unchanged.push(f.path.clone());
        }
    }
    for rel in &extras {
        let (path, path_hex) = paths::to_record(rel);
        deletes.push(Delete { path, path_hex });
    }
    if deletes
        .iter()
        .any(|d| !current.contains_key(&d.path_hex.as_ref().map(|h| format!("\u{0}{h}")).unwrap_or(d.path.clone())))
    {
        plan_problems.push("some paths to delete are not covered by the undo snapshot".into());
    }

    // 4. The plan: the commit point.
    let plan = Plan {
        schema: PLAN_SCHEMA.into(),
        snapshot: m.id.clone(),
        undo_snapshot: undo.id.clone(),
        created_at: clock.now(),
        moves: plan_moves,
        deletes,
        unchanged,
        problems: plan_problems,
    };
    let plan_rel = stage.join("plan.json");
    let plan_path = sd.path().join(&plan_rel);
    let written = serde_json::to_vec_pretty(&plan)
        .map_err(|e| StoreError::Corrupt { path: plan_path.clone(), message: e.to_string() })
        .and_then(|bytes| {
            files_dir.syncfs().and_then(|_| files_dir.sync()).map_err(|e| StoreError::io(files_dir.path(), e))?;
            d.write_atomic(&plan_rel, &bytes).map_err(|e| StoreError::io(&plan_path, e))
        });
    if let Err(e) = written {
        remove_stage(sd, &stage);
        return Err(e);
    }

    // 5. Move into place.
    execute(sd, &plan, &stage, false)
}

/// The regular files under the project directory `rel` that are not in `held` (walked without
/// following symlinks; the state directory and `.git` are never entered). Anything else found
/// there that is not a directory is named in `left`.
fn extra_files(sd: &StateDir, rel: &Path, held: &BTreeSet<PathBuf>, extras: &mut Vec<PathBuf>, left: &mut Vec<String>) {
    let full = sd.project_root().join(rel);
    if full.starts_with(sd.path()) || forbidden(rel).is_err() {
        return;
    }
    let Ok(md) = std::fs::symlink_metadata(&full) else { return };
    if !md.is_dir() {
        return;
    }
    let Ok(rd) = std::fs::read_dir(&full) else { return };
    let mut names: Vec<_> = rd.flatten().map(|d| d.file_name()).collect();
    names.sort();
    for n in names {
        let child = rel.join(&n);
        match std::fs::symlink_metadata(full.join(&n)) {
            Ok(md) if md.is_dir() => extra_files(sd, &child, held, extras, left),
            Ok(md) if md.is_file() => {
                if !held.contains(&child) {
                    extras.push(child);
                }
            }
            Ok(_) => {
                if !held.contains(&child) {
                    left.push(paths::to_record(&child).0);
                }
            }
            Err(_) => {}
        }
    }
}

/// A path a restore never writes: anything in a `.git` directory (hooks, config: they run).
fn forbidden(rel: &Path) -> std::result::Result<(), String> {
    if rel.components().any(|c| c.as_os_str().to_str().is_some_and(|s| s.eq_ignore_ascii_case(".git"))) {
        return Err("lies inside a .git directory (nothing is restored there)".into());
    }
    Ok(())
}

/// The snapshot id of an interrupted restore (its `plan.json` is still there), if any.
pub fn pending_restore(sd: &StateDir) -> Option<String> {
    let d = sd.dir();
    let entries = d.list(Path::new(STAGING)).ok()?;
    let mut ids: Vec<String> = entries
        .into_iter()
        .filter(|(_, k)| *k == super::fsx::Kind::Dir)
        .filter_map(|(n, _)| n.to_str().map(str::to_string))
        .filter(|n| d.is_file(&stage_rel(n).join("plan.json")))
        .collect();
    ids.sort();
    ids.into_iter().next()
}

/// Complete an interrupted restore. Steps already done are skipped.
pub fn resume_restore(sd: &StateDir) -> Result<RestoreReport> {
    let staging_root = sd.restore_staging_path();
    sd.ensure_writable(&staging_root)?;
    let Some(id) = pending_restore(sd) else {
        return Err(StoreError::Corrupt { path: staging_root, message: "no interrupted restore to resume".into() });
    };
    let plan = read_plan(sd, &id)?;
    execute(sd, &plan, &stage_rel(&id), true)
}

fn read_plan(sd: &StateDir, id: &str) -> Result<Plan> {
    let rel = stage_rel(id).join("plan.json");
    let path = sd.path().join(&rel);
    let bytes = sd.dir().read(&rel).map_err(|e| StoreError::io(&path, e))?;
    let plan: Plan = serde_json::from_slice(&bytes)
        .map_err(|e| StoreError::Corrupt { path: path.clone(), message: format!("invalid restore plan: {e}") })?;
    if plan.schema != PLAN_SCHEMA {
        return Err(StoreError::Corrupt {
            path,
            message: format!("schema is `{}`, expected `{PLAN_SCHEMA}`", plan.schema),
        });
    }
    Ok(plan)
}

/// A manifest path -> (relative, full) if it may be written, else why not.
fn check_target(sd: &StateDir, f: &SnapshotFile) -> std::result::Result<(PathBuf, PathBuf), String> {
    let rel = f.rel_path().map_err(|why| format!("refused: {why}"))?;
    forbidden(&rel).map_err(|why| format!("refused: {why}"))?;
    let full = paths::inside(sd.project_root(), sd.path(), &rel).map_err(|why| format!("refused: {why}"))?;
    match std::fs::symlink_metadata(&full) {
        Ok(md) if md.is_dir() => Err("refused: is a directory now".into()),
        Ok(_) => Ok((rel, full)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((rel, full)),
        Err(e) => Err(format!("cannot inspect: {e}")),
    }
}

fn stage_all(
    sd: &StateDir,
    targets: &[(&SnapshotFile, PathBuf)],
    files_dir: &Dir,
    problems: &mut Vec<String>,
) -> Result<Vec<Move>> {
    let mut moves = Vec::new();
    for (i, (f, _)) in targets.iter().enumerate() {
        let Some(sha) = &f.sha256 else { continue };
        let name = format!("{i}");
        let blob = snapshot::blob_path(sd, sha);
        let corrupt = |message: String| StoreError::BlobCorrupt { blob: blob.clone(), file: f.path.clone(), message };
        let mode = f.mode & MODE_MASK;
        if mode != f.mode & 0o7777 {
            problems.push(format!(
                "{}: mode {:04o} has setuid, setgid or sticky bits; restored as {mode:04o}",
                f.path,
                f.mode & 0o7777
            ));
        }
        let mut input = snapshot::open_blob(sd, sha).map_err(|e| corrupt(format!("cannot read: {e}")))?;
        let dst = files_dir.path().join(&name);
        let mut out = files_dir.create_new(Path::new(&name), 0o600).map_err(|e| StoreError::io(&dst, e))?;
        let (actual, size) =
            paths::hash_stream(&mut input, |c| out.write_all(c).map_err(CopyError::Dst), CopyError::Src).map_err(
                |e| match e {
                    CopyError::Src(e) => corrupt(format!("cannot read: {e}")),
                    CopyError::Dst(e) => StoreError::io(&dst, e),
                },
            )?;
        if actual != *sha {
            return Err(corrupt(format!("content hashes to {actual}, expected {sha}")));
        }
        if size != f.size {
            return Err(corrupt(format!("size is {size}, the manifest says {}", f.size)));
        }
        set_mode(&out, mode).map_err(|e| StoreError::io(&dst, e))?;
        moves.push(Move {
            staged: name,
            path: f.path.clone(),
            path_hex: f.path_hex.clone(),
            mode,
            size: f.size,
            sha256: sha.clone(),
        });
    }
    Ok(moves)
}

enum CopyError {
    Src(std::io::Error),
    Dst(std::io::Error),
}

fn set_mode(f: &std::fs::File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    f.set_permissions(std::fs::Permissions::from_mode(mode & MODE_MASK))
}

fn remove_stage(sd: &StateDir, stage: &Path) {
    let _ = sd.dir().remove_tree(stage);
    sd.dir().remove_empty_dir(Path::new(STAGING));
}

/// Check every entry of a plan before any of it is carried out (a plan read back from disk may
/// have been edited): staged names are the plain numbers `stage_all` gives, paths lie inside.
fn check_plan(sd: &StateDir, plan: &Plan) -> Result<()> {
    for mv in &plan.moves {
        if mv.staged.is_empty() || !mv.staged.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StoreError::Refused {
                path: mv.path.clone(),
                reason: format!("the staged name `{}` is not a file of the staging directory", mv.staged),
            });
        }
    }
    let entries =
        plan.moves.iter().map(|m| (&m.path, &m.path_hex)).chain(plan.deletes.iter().map(|d| (&d.path, &d.path_hex)));
    for (path, path_hex) in entries {
        let rel = paths::from_record(path, path_hex.as_deref())
            .map_err(|why| StoreError::Refused { path: path.clone(), reason: why })?;
        if rel.as_os_str().is_empty() {
            return Err(StoreError::Refused { path: path.clone(), reason: "names the project root itself".into() });
        }
        forbidden(&rel).map_err(|why| StoreError::Refused { path: path.clone(), reason: why })?;
        paths::inside(sd.project_root(), sd.path(), &rel)
            .map_err(|why| StoreError::Refused { path: path.clone(), reason: why })?;
    }
    Ok(())
}

/// Carry out a plan. `resume`: the plan may be partly done, and staged files are re-verified.
fn execute(sd: &StateDir, plan: &Plan, stage: &Path, resume: bool) -> Result<RestoreReport> {
    check_plan(sd, plan)?;
    let d = sd.dir();
    let files_rel = stage.join("files");
    let mut written = Vec::new();
    let mut deleted = Vec::new();
    let mut dirs: BTreeSet<PathBuf> = BTreeSet::new();
    for mv in &plan.moves {
        let rel = paths::from_record(&mv.path, mv.path_hex.as_deref())
            .map_err(|why| StoreError::Refused { path: mv.path.clone(), reason: why })?;
        let full = paths::inside(sd.project_root(), sd.path(), &rel)
            .map_err(|why| StoreError::Refused { path: mv.path.clone(), reason: why })?;
        let staged_rel = files_rel.join(&mv.staged);
        let staged = sd.path().join(&staged_rel);
        let mode = mv.mode & MODE_MASK;
        if d.stat(&staged_rel).map_err(|e| StoreError::io(&staged, e))?.is_some() {
            let f = d.open_read(&staged_rel).map_err(|e| StoreError::io(&staged, e))?;
            if resume {
                let mut r = &f;
                let (actual, _) =
                    paths::hash_stream(&mut r, |_| Ok(()), |e| e).map_err(|e| StoreError::io(&staged, e))?;
                if actual != mv.sha256 {
                    return Err(StoreError::Corrupt {
                        path: staged,
                        message: format!("staged copy of {} hashes to {actual}, expected {}", mv.path, mv.sha256),
                    });
                }
            }
            if let Some(parent) = full.parent() {
                std::fs::create_dir_all(parent).map_err(|e| StoreError::io(parent, e))?;
                dirs.insert(parent.to_path_buf());
            }
            set_mode(&f, mode).map_err(|e| StoreError::io(&staged, e))?;
            move_into_place(sd, &staged_rel, &full, mode)?;
        } else {
            // Moved by the interrupted run: the target must hold the content.
            let actual = hash_target(&full).map_err(|e| StoreError::io(&full, e))?;
            if actual != mv.sha256 {
                return Err(StoreError::Corrupt {
                    path: staged,
                    message: format!("staged copy is gone and {} does not hold the snapshot's content", mv.path),
                });
            }
            let f = open_target(&full).map_err(|e| StoreError::io(&full, e))?;
            set_mode(&f, mode).map_err(|e| StoreError::io(&full, e))?;
        }
        written.push(mv.path.clone());
    }
    for del in &plan.deletes {
        let rel = paths::from_record(&del.path, del.path_hex.as_deref())
            .map_err(|why| StoreError::Refused { path: del.path.clone(), reason: why })?;
        let full = paths::inside(sd.project_root(), sd.path(), &rel)
            .map_err(|why| StoreError::Refused { path: del.path.clone(), reason: why })?;
        match std::fs::symlink_metadata(&full) {
            Ok(md) if md.is_dir() => {
                return Err(StoreError::Refused {
                    path: del.path.clone(),
                    reason: "is a directory; not deleted".into(),
                })
            }
            Ok(_) => {
                std::fs::remove_file(&full).map_err(|e| StoreError::io(&full, e))?;
                if let Some(parent) = full.parent() {
                    dirs.insert(parent.to_path_buf());
                }
                deleted.push(del.path.clone());
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io(&full, e)),
        }
    }
    for dir in &dirs {
        atomic::sync_dir(dir).map_err(|e| StoreError::io(dir, e))?;
    }
    // Done: drop the plan first (so a crash now leaves nothing pending), then the rest.
    let plan_rel = stage.join("plan.json");
    d.remove_file(&plan_rel).map_err(|e| StoreError::io(sd.path().join(&plan_rel), e))?;
    if let Ok(s) = d.dir(stage, false) {
        let _ = s.sync();
    }
    remove_stage(sd, stage);
    Ok(RestoreReport {
        snapshot: plan.snapshot.clone(),
        undo_snapshot: plan.undo_snapshot.clone(),
        written,
        deleted,
        unchanged: plan.unchanged.clone(),
        problems: plan.problems.clone(),
    })
}

/// A project file, opened without following a symlink.
fn open_target(p: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK).open(p)
}

fn hash_target(p: &Path) -> std::io::Result<String> {
    let mut f = open_target(p)?;
    paths::hash_stream(&mut f, |_| Ok(()), |e| e).map(|(h, _)| h)
}

/// Rename the staged file onto `target`; across filesystems, copy to a temp file next to the
/// target and rename that.
fn move_into_place(sd: &StateDir, staged: &Path, target: &Path, mode: u32) -> Result<()> {
    let d = sd.dir();
    let staged_full = sd.path().join(staged);
    match d.rename_out(staged, target) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::CrossesDevices => {
            use std::os::unix::fs::OpenOptionsExt;
            let dir = target.parent().unwrap_or(Path::new("."));
            let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let tmp = dir.join(format!(".{name}.recover-tmp-{}-{}", std::process::id(), super::lock::new_token()));
            let result = (|| {
                let mut input = d.open_read(staged).map_err(|e| StoreError::io(&staged_full, e))?;
                let mut out = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .custom_flags(libc::O_NOFOLLOW)
                    .open(&tmp)
                    .map_err(|e| StoreError::io(&tmp, e))?;
                std::io::copy(&mut input, &mut out).map_err(|e| StoreError::io(&tmp, e))?;
                set_mode(&out, mode).map_err(|e| StoreError::io(&tmp, e))?;
                out.sync_all().map_err(|e| StoreError::io(&tmp, e))?;
                std::fs::rename(&tmp, target).map_err(|e| StoreError::io(target, e))
            })();
            if result.is_err() {
                let _ = std::fs::remove_file(&tmp);
            } else {
                let _ = d.remove_file(staged);
            }
            result
        }
        Err(e) => Err(StoreError::io(target, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::check;
    use crate::store::snapshot::tests::{clock, fixture, Fixture};
    use crate::store::snapshot::{blob_path, sha256_hex};

    #[test]
    fn round_trip_restores_bytes_and_modes_exactly() {
        let fx = fixture();
        let binary: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
        fx.write("src/app.py", b"def f():\n    return 1\n", 0o644);
        fx.write("bin/run", b"#!/bin/sh\necho hi\n", 0o755);
        fx.write("data/blob.bin", &binary, 0o600);
        fx.write("empty", b"", 0o640);
        let snap = fx.take(&["src", "bin", "data", "empty"]);
        // The attempt changes everything.
        fx.write("src/app.py", b"def f(:\n", 0o666);
        fx.write("bin/run", b"broken", 0o644);
        fx.write("data/blob.bin", b"\x00", 0o644);
        fx.write("empty", b"not empty", 0o644);
        let report = restore(&fx.sd, &snap.id, &clock()).unwrap();
        assert_eq!(fx.read("src/app.py"), b"def f():\n    return 1\n");
        assert_eq!(fx.read("bin/run"), b"#!/bin/sh\necho hi\n");
        assert_eq!(fx.read("data/blob.bin"), binary);
        assert_eq!(fx.read("empty"), b"");
        assert_eq!(fx.mode("src/app.py"), 0o644);
        assert_eq!(fx.mode("bin/run"), 0o755);
        assert_eq!(fx.mode("data/blob.bin"), 0o600);
        assert_eq!(fx.mode("empty"), 0o640);
        assert_eq!(report.snapshot, snap.id);
        assert_eq!(report.written, vec!["bin/run", "data/blob.bin", "empty", "src/app.py"]);
        assert!(report.deleted.is_empty());
        assert!(pending_restore(&fx.sd).is_none());
        assert!(!fx.sd.restore_staging_path().exists(), "staging removed");
        // The undo snapshot holds the attempt's state.
        let undo = snapshot::load(&fx.sd, &report.undo_snapshot).unwrap();
        assert_eq!(undo.reason, format!("before restore of {}", snap.id));
        let report2 = restore(&fx.sd, &report.undo_snapshot, &clock()).unwrap();
        assert_eq!(fx.read("src/app.py"), b"def f(:\n");
        assert_eq!(fx.mode("src/app.py"), 0o666);
        assert_eq!(fx.read("data/blob.bin"), b"\x00");
        assert_eq!(report2.written.len(), 4);
        // Restoring again what is already there writes nothing.
        let report3 = restore(&fx.sd, &report.undo_snapshot, &clock()).unwrap();
        assert!(report3.written.is_empty());
        assert_eq!(report3.unchanged.len(), 4);
    }

    #[test]
    fn restore_deletes_a_file_recorded_missing() {
        let fx = fixture();
        fx.write("keep.py", b"k", 0o644);
        let snap = fx.take(&["keep.py", "new/created.py"]);
        assert_eq!(snap.files[1].sha256, None);
        fx.write("new/created.py", b"made by the attempt", 0o644);
        let report = restore(&fx.sd, &snap.id, &clock()).unwrap();
        assert_eq!(report.deleted, vec!["new/created.py"]);
        assert!(!fx.sd.project_root().join("new/created.py").exists());
        assert_eq!(report.unchanged, vec!["keep.py"]);
        // And the undo brings it back.
        restore(&fx.sd, &report.undo_snapshot, &clock()).unwrap();
        assert_eq!(fx.read("new/created.py"), b"made by the attempt");
    }

    #[test]
    fn corrupt_blob_aborts_before_any_write_and_check_names_it() {
        let fx = fixture();
        fx.write("a.txt", b"original a", 0o644);
        fx.write("b.txt", b"original b", 0o644);
        let snap = fx.take(&["a.txt", "b.txt"]);
        fx.write("a.txt", b"attempt a", 0o644);
        fx.write("b.txt", b"attempt b", 0o644);
        let blob = blob_path(&fx.sd, &sha256_hex(b"original b"));
        let mut bytes = std::fs::read(&blob).unwrap();
        bytes[0] ^= 1;
        std::fs::write(&blob, &bytes).unwrap();
        let snapshots_before = snapshot::list(&fx.sd).unwrap().0.len();
        let err = restore(&fx.sd, &snap.id, &clock()).unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, StoreError::BlobCorrupt { .. }));
        assert!(msg.starts_with(&blob.display().to_string()), "{msg}");
        assert!(msg.contains("blob of b.txt is corrupt"), "{msg}");
        assert!(msg.ends_with("nothing was written"), "{msg}");
        assert_eq!(fx.read("a.txt"), b"attempt a");
        assert_eq!(fx.read("b.txt"), b"attempt b");
        assert!(!fx.sd.restore_staging_path().exists());
        assert_eq!(snapshot::list(&fx.sd).unwrap().0.len(), snapshots_before, "no undo snapshot taken");
        let report = check::check(&fx.sd);
        assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
        assert!(report.problems[0].starts_with(&blob.display().to_string()), "{}", report.problems[0]);
    }

    fn forge(fx: &Fixture, id: &str, edit: impl Fn(&mut snapshot::SnapshotManifest)) -> String {
        let p = snapshot::manifests_dir(&fx.sd).join(format!("{id}.json"));
        let mut m: snapshot::SnapshotManifest = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        edit(&mut m);
        std::fs::write(&p, serde_json::to_vec(&m).unwrap()).unwrap();
        id.to_string()
    }

    #[test]
    fn edited_manifests_naming_outside_paths_are_refused_before_any_write() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("victim"), b"precious").unwrap();
        let fx = fixture();
        fx.write("a.txt", b"snap", 0o644);
        let snap = fx.take(&["a.txt"]);
        fx.write("a.txt", b"current", 0o644);
        std::os::unix::fs::symlink(outside.path(), fx.sd.project_root().join("out")).unwrap();
        for bad in ["../../.bashrc", "/etc/passwd", "a/../../b", "out/victim", "out/new/file", ".recover/ledger.json"] {
            let id = forge(&fx, &snap.id, |m| {
                let mut f = m.files[0].clone();
                f.path = bad.into();
                m.files.push(f);
            });
            let err = restore(&fx.sd, &id, &clock()).unwrap_err();
            assert!(matches!(err, StoreError::RestoreRefused { .. }), "{bad}: {err}");
            assert!(err.to_string().contains(&format!("{bad}: refused")), "{err}");
            assert_eq!(fx.read("a.txt"), b"current", "{bad}: nothing written");
            assert_eq!(std::fs::read(outside.path().join("victim")).unwrap(), b"precious");
            assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
            forge(&fx, &snap.id, |m| m.files.truncate(1));
        }
        assert!(!fx.sd.project_root().join("b").exists());
        // A missing-file record pointing outside is refused too (no delete outside).
        forge(&fx, &snap.id, |m| {
            m.files.push(SnapshotFile { path: "out/victim".into(), path_hex: None, size: 0, mode: 0, sha256: None })
        });
        assert!(restore(&fx.sd, &snap.id, &clock()).is_err());
        assert_eq!(std::fs::read(outside.path().join("victim")).unwrap(), b"precious");
        // A digest that is not one cannot name a path.
        forge(&fx, &snap.id, |m| {
            m.files.truncate(1);
            m.files[0].sha256 = Some("../../../../etc/passwd".into());
        });
        assert!(matches!(restore(&fx.sd, &snap.id, &clock()).unwrap_err(), StoreError::Corrupt { .. }));
        assert_eq!(fx.read("a.txt"), b"current");
    }

    #[test]
    fn forged_modes_are_masked_and_git_and_state_paths_refused_before_any_write() {
        let fx = fixture();
        fx.write("run.sh", b"#!/bin/sh\n", 0o755);
        let snap = fx.take(&["run.sh"]);
        fx.write("run.sh", b"changed", 0o644);
        forge(&fx, &snap.id, |m| m.files[0].mode = 0o7777);
        let report = restore(&fx.sd, &snap.id, &clock()).unwrap();
        assert_eq!(fx.mode("run.sh"), 0o777, "setuid, setgid and sticky never restored");
        assert!(report.problems.iter().any(|p| p.contains("run.sh: mode 7777")), "{:?}", report.problems);
        fx.write("run.sh", b"changed again", 0o644);
        for bad in [
            ".git/hooks/pre-commit",
            ".git/config",
            "sub/.git/hooks/post-checkout",
            ".GIT/config",
            ".recover/ledger.json",
        ] {
            let id = forge(&fx, &snap.id, |m| {
                let mut f = m.files[0].clone();
                f.path = bad.into();
                f.mode = 0o755;
                m.files.push(f);
            });
            let err = restore(&fx.sd, &id, &clock()).unwrap_err();
            assert!(matches!(err, StoreError::RestoreRefused { .. }), "{bad}: {err}");
            assert!(err.to_string().contains(&format!("{bad}: refused")), "{err}");
            assert_eq!(fx.read("run.sh"), b"changed again", "{bad}: nothing written");
            forge(&fx, &snap.id, |m| m.files.truncate(1));
        }
        assert!(!fx.sd.project_root().join(".git").exists());
        assert!(!fx.sd.project_root().join("sub").exists());
    }

    #[test]
    fn a_directory_output_is_restored_as_the_files_under_it() {
        let fx = fixture();
        fx.write("out/a.py", b"a0", 0o644);
        fx.write("out/sub/b.py", b"b0", 0o644);
        let snap = fx.take(&["out"]);
        // The attempt rewrites one file, deletes one, and adds two.
        fx.write("out/a.py", b"a1", 0o644);
        std::fs::remove_file(fx.sd.project_root().join("out/sub/b.py")).unwrap();
        fx.write("out/new.py", b"new", 0o644);
        fx.write("out/sub/deeper/x.py", b"x", 0o644);
        let report = restore(&fx.sd, &snap.id, &clock()).unwrap();
        assert_eq!(fx.read("out/a.py"), b"a0");
        assert_eq!(fx.read("out/sub/b.py"), b"b0");
        assert!(!fx.sd.project_root().join("out/new.py").exists());
        assert!(!fx.sd.project_root().join("out/sub/deeper/x.py").exists());
        assert_eq!(report.deleted, vec!["out/new.py", "out/sub/deeper/x.py"]);
        // Nothing lost: the undo brings the attempt's files back.
        restore(&fx.sd, &report.undo_snapshot, &clock()).unwrap();
        assert_eq!(fx.read("out/new.py"), b"new");
        assert_eq!(fx.read("out/sub/deeper/x.py"), b"x");
        assert_eq!(fx.read("out/a.py"), b"a1");
    }

    #[test]
    fn interrupted_restore_is_pending_and_can_be_resumed() {
        let fx = fixture();
        fx.write("a.txt", b"A0", 0o644);
        fx.write("b.txt", b"B0", 0o644);
        let snap = fx.take(&["a.txt", "b.txt", "c.txt"]);
        fx.write("a.txt", b"A1", 0o644);
        fx.write("b.txt", b"B1", 0o644);
        fx.write("c.txt", b"C1", 0o644);
        // Stage a plan by hand as if the process died right after writing it and moving a.txt.
        let stage = fx.sd.restore_staging_path().join(&snap.id);
        std::fs::create_dir_all(stage.join("files")).unwrap();
        std::fs::write(stage.join("files/1"), b"B0").unwrap();
        std::fs::write(fx.sd.project_root().join("a.txt"), b"A0").unwrap();
        let plan = Plan {
            schema: PLAN_SCHEMA.into(),
            snapshot: snap.id.clone(),
            undo_snapshot: "undo-id".into(),
            created_at: clock().0,
            moves: vec![
                Move {
                    staged: "0".into(),
                    path: "a.txt".into(),
                    path_hex: None,
                    mode: 0o644,
                    size: 2,
                    sha256: sha256_hex(b"A0"),
                },
                Move {
                    staged: "1".into(),
                    path: "b.txt".into(),
                    path_hex: None,
                    mode: 0o600,
                    size: 2,
                    sha256: sha256_hex(b"B0"),
                },
            ],
            deletes: vec![Delete { path: "c.txt".into(), path_hex: None }],
            unchanged: vec![],
            problems: vec![],
        };
        std::fs::write(stage.join("plan.json"), serde_json::to_vec(&plan).unwrap()).unwrap();
        assert_eq!(pending_restore(&fx.sd), Some(snap.id.clone()));
        let err = restore(&fx.sd, &snap.id, &clock()).unwrap_err();
        assert!(matches!(err, StoreError::RestorePending { .. }), "{err}");
        assert!(err.to_string().contains("restore undo-id"), "{err}");
        let report = resume_restore(&fx.sd).unwrap();
        assert_eq!(report.written, vec!["a.txt", "b.txt"]);
        assert_eq!(report.deleted, vec!["c.txt"]);
        assert_eq!(fx.read("a.txt"), b"A0");
        assert_eq!(fx.read("b.txt"), b"B0");
        assert_eq!(fx.mode("b.txt"), 0o600);
        assert!(!fx.sd.project_root().join("c.txt").exists());
        assert_eq!(pending_restore(&fx.sd), None);
    }

    #[test]
    fn state_dir_on_another_filesystem_falls_back_to_copy() {
        let Ok(shm) = tempfile::tempdir_in("/dev/shm") else { return };
        let root = tempfile::tempdir().unwrap();
        use std::os::unix::fs::MetadataExt;
        if std::fs::metadata(shm.path()).unwrap().dev() == std::fs::metadata(root.path()).unwrap().dev() {
            return; // no second filesystem here
        }
        let sd = StateDir::open(shm.path(), root.path(), &clock()).unwrap();
        std::fs::write(root.path().join("f"), b"v1").unwrap();
        let snap = snapshot::take(&sd, &["f".into()], Fixture::meta("t"), &clock()).unwrap();
        std::fs::write(root.path().join("f"), b"v2").unwrap();
        let report = restore(&sd, &snap.id, &clock()).unwrap();
        assert_eq!(report.written, vec!["f"]);
        assert_eq!(std::fs::read(root.path().join("f")).unwrap(), b"v1");
        assert_eq!(std::fs::read_dir(root.path()).unwrap().count(), 1, "no temp file left next to the target");
    }

    #[test]
    fn non_utf8_names_round_trip() {
        use std::os::unix::ffi::OsStrExt;
        let fx = fixture();
        let name = std::ffi::OsStr::from_bytes(b"r\xe9sum\xe9.bin");
        let dir = fx.sd.project_root().join("out");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join(name), b"\x00\x01\x02").unwrap();
        let snap = fx.take(&["out"]);
        assert_eq!(snap.files.len(), 1);
        std::fs::write(dir.join(name), b"changed").unwrap();
        let report = restore(&fx.sd, &snap.id, &clock()).unwrap();
        assert_eq!(report.written, vec!["out/r\u{fffd}sum\u{fffd}.bin"]);
        assert_eq!(std::fs::read(dir.join(name)).unwrap(), b"\x00\x01\x02");
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    }

    #[test]
    fn a_directory_where_a_file_was_is_refused() {
        let fx = fixture();
        fx.write("x", b"file", 0o644);
        let snap = fx.take(&["x"]);
        std::fs::remove_file(fx.sd.project_root().join("x")).unwrap();
        fx.write("x/inner", b"now a dir", 0o644);
        let err = restore(&fx.sd, &snap.id, &clock()).unwrap_err().to_string();
        assert!(err.contains("x: refused: is a directory now"), "{err}");
        assert_eq!(fx.read("x/inner"), b"now a dir");
    }
}
