//! Shared by the `cli_*` tests: private copies of the fixtures, the binary with an isolated
//! environment, and readers for the state files.
#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixtures")
}

/// A temp dir holding a copy of fixture `name` (at `<tmp>/<name>`), every file dated an hour
/// ago so the checklist does not see outputs "still changing".
pub struct Project {
    pub tmp: tempfile::TempDir,
    pub root: PathBuf,
}

impl Project {
    pub fn copy(name: &str) -> Project {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join(name);
        copy_dir(&fixtures().join(name), &root);
        Project { tmp, root }
    }

    /// The binary, run with the user's config dir pointed at an empty temp dir.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("recover-tui").unwrap();
        c.env("XDG_CONFIG_HOME", self.tmp.path().join("xdg")).env("USER", "tester").env_remove("NO_COLOR");
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("RECOVER_TUI_")) {
            c.env_remove(k);
        }
        c
    }

    /// `recover-tui <args...>` with the project path appended after the subcommand.
    pub fn run(&self, sub: &str, args: &[&str]) -> Output {
        self.cmd().arg(sub).arg(&self.root).args(args).output().unwrap()
    }

    pub fn state(&self) -> PathBuf {
        self.root.join(".recover")
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap()
    }

    pub fn write(&self, rel: &str, bytes: &[u8]) {
        std::fs::write(self.root.join(rel), bytes).unwrap();
        age(&self.root.join(rel));
    }

    /// Every journal line, parsed.
    pub fn journal(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.state().join("journal.jsonl")).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }

    pub fn events(&self) -> Vec<String> {
        self.journal().iter().map(|e| e["event"].as_str().unwrap_or_default().to_string()).collect()
    }

    pub fn ledger(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.state().join("ledger.json")).unwrap()).unwrap()
    }

    /// Point the generator at a Python script (written outside the project) with this body.
    pub fn generator(&self, name: &str, body: &str) {
        let script = self.tmp.path().join(name);
        std::fs::write(&script, body).unwrap();
        std::fs::create_dir_all(self.state()).unwrap();
        let toml =
            format!("[commands]\ngenerator = [\"python3\", {:?}, \"{{output}}\"]\n", script.display().to_string());
        // The user's own config: a project's `.recover/config.toml` cannot choose what runs.
        let user = self.tmp.path().join("xdg/recover-tui");
        std::fs::create_dir_all(&user).unwrap();
        std::fs::write(user.join("config.toml"), toml).unwrap();
    }
}

/// Copy a fixture tree, every file writable and dated an hour back.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
            // The public fixtures are read-only; the copy must not be.
            let mut perm = std::fs::metadata(&dst).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            std::fs::set_permissions(&dst, perm).unwrap();
            age(&dst);
        }
    }
}

/// Date a file an hour back.
pub fn age(p: &Path) {
    let f = std::fs::File::options().write(true).open(p).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(3600)).unwrap();
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", stdout(o), stderr(o)))
}
