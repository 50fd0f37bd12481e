//! Snapshots: content addressing, the stat cache, incomplete snapshots, directory outputs.

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
    assert!(err.starts_with("snapshot not taken: out/b-disk-full.bin: cannot store its copy: No space left"), "{err}");
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
