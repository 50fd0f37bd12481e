//! The state directory is untrusted input, and restore and snapshot keep their promises
//! (DESIGN.md §12, §18; issue 12 items 1 and 8). Every test plants the attack in a real copy of
//! the notes scenario, runs the real binary, and checks the files outside the project byte for
//! byte. `RECOVER_TUI_LONG_TESTS=1` runs every command on every planted symlink and more lock
//! trials.

mod cli_common;
use cli_common::{code, stderr, stdout, Project};
use std::collections::BTreeMap;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

fn long() -> bool {
    std::env::var_os("RECOVER_TUI_LONG_TESTS").is_some()
}

/// Everything under `dir`, never following a symlink: path -> kind, content or link target, mode.
fn fingerprint(dir: &Path) -> BTreeMap<PathBuf, (String, Vec<u8>, u32)> {
    fn walk(base: &Path, here: &Path, out: &mut BTreeMap<PathBuf, (String, Vec<u8>, u32)>) {
        let Ok(rd) = std::fs::read_dir(here) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let md = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(base).unwrap().to_path_buf();
            let mode = md.permissions().mode();
            if md.file_type().is_symlink() {
                let t = std::fs::read_link(&p).unwrap();
                out.insert(rel, ("link".into(), t.into_os_string().into_encoded_bytes(), mode));
            } else if md.is_dir() {
                out.insert(rel, ("dir".into(), Vec::new(), mode));
                walk(base, &p, out);
            } else {
                out.insert(rel, ("file".into(), std::fs::read(&p).unwrap(), mode));
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

const SECRET: &str = "SECRET-4b1d: never sent to a generator";

/// A project with a recording generator (configured in the user config, outside the project):
/// it appends its stdin to `<tmp>/generator-stdin` and repairs the file.
fn project() -> (Project, PathBuf) {
    let p = Project::copy("notes-joblog");
    let script = p.tmp.path().join("gen.py");
    let record = p.tmp.path().join("generator-stdin");
    std::fs::write(
        &script,
        format!(
            "import sys, pathlib\nprompt = sys.stdin.read()\nopen({:?}, 'a').write(prompt)\npathlib.Path(sys.argv[1]).write_text('def render(note):\\n    return note.title\\n')\n",
            record.display().to_string()
        ),
    )
    .unwrap();
    let cfg = p.tmp.path().join("xdg/recover-tui");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        format!("[commands]\ngenerator = [\"python3\", {:?}, \"{{output}}\"]\n", script.display().to_string()),
    )
    .unwrap();
    (p, record)
}

/// An outside directory standing for the user's home: files, a subdirectory, a "shell rc".
fn outside(p: &Project) -> PathBuf {
    let o = p.tmp.path().join("home");
    std::fs::create_dir_all(o.join("sub/deeper")).unwrap();
    std::fs::write(o.join(".bashrc"), b"export PATH=/usr/bin\n").unwrap();
    std::fs::write(o.join("secret.txt"), SECRET).unwrap();
    std::fs::write(o.join("sub/deeper/keep.bin"), [0u8, 1, 2, 255]).unwrap();
    o
}

/// Where a project ships a symlink, and whether it points at the outside directory (else at a
/// file in it).
const PLANTED: &[(&str, bool)] = &[
    ("", true), // `.recover` itself
    ("snapshots/tmp", true),
    ("snapshots", true),
    ("snapshots/blobs", true),
    ("snapshots/manifests", true),
    ("snapshots/index.json", false),
    ("attempts/b2-1/1/prompt.md", false),
    ("attempts/b2-1/1/generator.stdout", false),
    ("attempts/b2-1/1/recovery-prompt.md", false),
    ("attempts/b2-1", true),
    ("attempts", true),
    ("journal.jsonl", false),
    ("ledger.json", false),
    ("ledger.json.prev", false),
    ("prompts/b2-1.md", false),
    ("prompts", true),
    ("restore-staging", true),
    ("lock", false),
    (".gitignore", false),
    ("recover-tui.log", false),
];

fn plant(p: &Project, home: &Path, rel: &str, dir: bool) -> PathBuf {
    let at = if rel.is_empty() { p.state() } else { p.state().join(rel) };
    std::fs::create_dir_all(at.parent().unwrap()).unwrap();
    let target = if dir {
        home.to_path_buf()
    } else if rel.contains("prompts") {
        home.join("secret.txt")
    } else {
        home.join(".bashrc")
    };
    symlink(target, &at).unwrap();
    at
}

#[test]
fn a_symlink_anywhere_in_the_state_dir_is_refused_and_nothing_outside_changes() {
    let mut runs = 0;
    for (rel, dir) in PLANTED {
        let (p, record) = project();
        let home = outside(&p);
        let at = plant(&p, &home, rel, *dir);
        let before = fingerprint(&home);
        let project_before = fingerprint(&p.root.join("notes"));
        let mut commands: Vec<(&str, Vec<&str>)> =
            vec![("snapshot", vec![]), ("recover", vec!["--job", "b2-1", "--yes"])];
        if long() || rel.is_empty() || rel.starts_with("restore") || rel.starts_with("snap") {
            commands.push(("restore", vec!["20261125T140311Z-0a1b2c3d"]));
        }
        if long() {
            commands.push(("checklist", vec!["--confirm", "dependencies_reviewed"]));
            commands.push(("snapshots", vec![]));
            commands.push(("check", vec![]));
        }
        for (sub, args) in &commands {
            let out = p.cmd().arg("-v").arg(sub).arg(&p.root).args(args).output().unwrap();
            runs += 1;
            let err = stderr(&out);
            let shown = at.strip_prefix(&p.root).unwrap().display().to_string();
            if *sub != "snapshots" {
                assert_ne!(code(&out), 0, "{rel}: `{sub}` succeeded: {}{err}", stdout(&out));
                assert!(err.contains(&format!("{shown} is a symlink")), "{rel}: `{sub}` does not name it: {err}");
            }
            assert_eq!(fingerprint(&home), before, "{rel}: `{sub}` changed a file outside the project");
            assert_eq!(fingerprint(&p.root.join("notes")), project_before, "{rel}: `{sub}` changed the project");
            let sent = std::fs::read_to_string(&record).unwrap_or_default();
            assert!(!sent.contains("SECRET-4b1d"), "{rel}: `{sub}` sent the secret to the generator");
            assert!(sent.is_empty(), "{rel}: `{sub}` ran the generator on a refused state directory");
        }
    }
    eprintln!("state-dir symlinks: {} planted, {runs} commands run, nothing outside changed", PLANTED.len());
}

#[test]
fn a_state_dir_of_hard_links_and_fifos_is_refused() {
    let (p, _) = project();
    let home = outside(&p);
    std::fs::create_dir_all(p.state()).unwrap();
    // A FIFO where the ledger is read would hang the app.
    let c = std::ffi::CString::new(p.state().join("ledger.json").into_os_string().into_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let out = p.run("snapshot", &[]);
    assert_ne!(code(&out), 0);
    assert!(stderr(&out).contains(".recover/ledger.json is not a regular file"), "{}", stderr(&out));
    std::fs::remove_file(p.state().join("ledger.json")).unwrap();
    // A journal hard-linked to a file outside (same filesystem) is never appended to.
    std::fs::hard_link(home.join(".bashrc"), p.state().join("journal.jsonl")).unwrap();
    let before = fingerprint(&home);
    for (sub, args) in [("snapshot", vec![]), ("recover", vec!["--job", "b2-1", "--yes"])] {
        let out = p.run(sub, &args);
        assert_ne!(code(&out), 0, "{sub}: {}", stdout(&out));
        assert!(stderr(&out).contains("journal.jsonl has other hard links"), "{sub}: {}", stderr(&out));
    }
    assert_eq!(fingerprint(&home), before);
}

#[test]
fn the_lock_is_the_kernels_a_dead_holder_frees_it_and_its_pid_decides_nothing() {
    let trials = if long() { 20 } else { 3 };
    for t in 0..trials {
        let (p, _) = project();
        std::fs::create_dir_all(p.state()).unwrap();
        let lock = p.state().join("lock");
        // A lock file naming a live pid (ours; a reused pid looks the same) but held by nobody.
        std::fs::write(&lock, format!("{{\"pid\":{},\"started_at\":\"2026-01-01T00:00:00Z\"}}", std::process::id()))
            .unwrap();
        let out = p.run("snapshot", &[]);
        assert_eq!(code(&out), 0, "trial {t}: a lock nobody holds is free: {}", stderr(&out));
        // Held by another live process (flock, the kernel's lock): read-only, refused, named.
        let script = "import fcntl, os, sys, time\nf = open(sys.argv[1], 'r+')\nfcntl.flock(f, fcntl.LOCK_EX)\nf.truncate(0)\nf.write('{\"pid\": %d, \"started_at\": \"2026-11-25T14:03:11Z\"}' % os.getpid())\nf.flush()\nprint('locked', flush=True)\ntime.sleep(60)\n";
        let mut holder = std::process::Command::new("python3")
            .args(["-c", script])
            .arg(&lock)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(holder.stdout.take().unwrap()), &mut line).unwrap();
        assert_eq!(line, "locked\n");
        let out = p.run("snapshot", &[]);
        assert_ne!(code(&out), 0, "trial {t}: written while another process held the lock");
        let want = format!("in use by pid {} (started 2026-11-25 14:03:11 UTC); opened read-only", holder.id());
        assert!(stderr(&out).contains(&want), "trial {t}: {}", stderr(&out));
        // kill -9: the kernel releases it, whatever the file says.
        holder.kill().unwrap();
        holder.wait().unwrap();
        let out = p.run("snapshot", &[]);
        assert_eq!(code(&out), 0, "trial {t}: the dead holder's lock is free: {}", stderr(&out));
    }
    eprintln!("lock trials: {trials}, kernel lock released on kill -9 every time");
}

/// Take a snapshot with the CLI; its id.
fn snapshot(p: &Project, args: &[&str]) -> String {
    let out = p.run("snapshot", args);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    stdout(&out).lines().last().unwrap().to_string()
}

fn forge(p: &Project, id: &str, edit: impl Fn(&mut serde_json::Value)) {
    let path = p.state().join("snapshots/manifests").join(format!("{id}.json"));
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut m);
    std::fs::write(&path, serde_json::to_vec(&m).unwrap()).unwrap();
}

#[test]
fn a_forged_manifest_writes_nothing_into_git_or_the_state_dir_and_no_setuid_bit() {
    let (p, _) = project();
    std::fs::create_dir_all(p.root.join(".git/hooks")).unwrap();
    std::fs::write(p.root.join(".git/config"), b"[core]\n").unwrap();
    let id = snapshot(&p, &["--job", "b2-1"]);
    p.write("notes/render.py", b"changed by the attempt\n");
    let git_before = fingerprint(&p.root.join(".git"));
    let bad = [
        ".git/hooks/pre-commit",
        ".git/config",
        "notes/.git/hooks/post-checkout",
        ".GIT/hooks/pre-push",
        ".recover/config.toml",
        ".recover/ledger.json",
    ];
    for path in bad {
        forge(&p, &id, |m| {
            let mut f = m["files"][0].clone();
            f["path"] = path.into();
            f["mode"] = 0o4777.into();
            m["files"].as_array_mut().unwrap().push(f);
        });
        let out = p.run("restore", &[&id]);
        assert_ne!(code(&out), 0, "{path}: {}", stdout(&out));
        assert!(stderr(&out).contains(&format!("{path}: refused")), "{path}: {}", stderr(&out));
        assert_eq!(p.read("notes/render.py"), "changed by the attempt\n", "{path}: nothing written");
        assert_eq!(fingerprint(&p.root.join(".git")), git_before, "{path}");
        assert!(!p.root.join(".GIT").exists() && !p.root.join("notes/.git").exists());
        assert!(!p.state().join("config.toml").exists());
        forge(&p, &id, |m| {
            m["files"].as_array_mut().unwrap().truncate(1);
        });
    }
    // setuid, setgid and sticky asked for: at most rwxrwxrwx restored.
    forge(&p, &id, |m| m["files"][0]["mode"] = 0o7755.into());
    let out = p.run("restore", &[&id]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mode = std::fs::metadata(p.root.join("notes/render.py")).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o755, "restored as {mode:o}");
}

/// Run the binary with a resource limit on the size of files it writes (a write past it fails
/// with EFBIG, as on a full disk), SIGXFSZ ignored.
fn run_with_fsize_limit(p: &Project, limit: u64, args: &[&str]) -> std::process::Output {
    use std::os::unix::process::CommandExt;
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("recover-tui"));
    c.env("XDG_CONFIG_HOME", p.tmp.path().join("xdg")).env("USER", "tester");
    c.arg("snapshot").arg(&p.root).args(args);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        c.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let r = libc::rlimit { rlim_cur: limit, rlim_max: limit };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &r) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    c.output().unwrap()
}

fn manifests(p: &Project) -> usize {
    std::fs::read_dir(p.state().join("snapshots/manifests")).map(|r| r.count()).unwrap_or(0)
}

#[test]
fn a_snapshot_that_could_not_store_a_file_is_not_committed_and_says_which() {
    let (p, _) = project();
    // A write failure (the blob of a 300 kB output cannot be written past a 64 kB limit).
    let big: String = "x = 1\n".repeat(50_000);
    p.write("notes/render.py", big.as_bytes());
    let out = run_with_fsize_limit(&p, 64 * 1024, &["--job", "b2-1"]);
    assert_ne!(code(&out), 0, "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("snapshot not taken: notes/render.py: cannot store its copy: File too large"), "{err}");
    assert!(err.contains("nothing was committed"), "{err}");
    assert_eq!(manifests(&p), 0, "no manifest written");
    assert!(!p.journal().iter().any(|e| e["event"] == "snapshot"), "no snapshot journalled");
    // Without the limit the same snapshot is taken.
    let id = snapshot(&p, &["--job", "b2-1"]);
    assert_eq!(manifests(&p), 1, "{id}");
}

#[test]
fn a_snapshot_of_an_unreadable_file_is_not_committed_and_names_it() {
    use std::os::unix::process::CommandExt;
    let (p, _) = project();
    let root_user = unsafe { libc::geteuid() } == 0;
    if root_user {
        // root reads anything: run the binary as nobody, the project theirs to write.
        for e in walk_all(p.tmp.path()) {
            let mode = if e.is_dir() { 0o777 } else { 0o666 };
            std::fs::set_permissions(&e, std::fs::Permissions::from_mode(mode)).unwrap();
        }
        std::fs::set_permissions(p.tmp.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    }
    std::fs::set_permissions(p.root.join("notes/render.py"), std::fs::Permissions::from_mode(0o000)).unwrap();
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("recover-tui"));
    c.env("XDG_CONFIG_HOME", p.tmp.path().join("xdg")).env("USER", "tester").env("HOME", p.tmp.path());
    c.arg("snapshot").arg(&p.root).args(["--job", "b2-1"]);
    if root_user {
        c.uid(65534).gid(65534);
    }
    let out = c.output().unwrap();
    assert_ne!(code(&out), 0, "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("snapshot not taken: notes/render.py: cannot read it: Permission denied"), "{err}");
    assert_eq!(manifests(&p), 0, "no manifest written");
}

fn walk_all(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if std::fs::symlink_metadata(&p).unwrap().is_dir() {
            out.extend(walk_all(&p));
        }
        out.push(p);
    }
    out
}
