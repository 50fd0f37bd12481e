//! Shared by the lifecycle tests (`whole_recovery`, `lifecycle_signals`): private copies of the
//! scenario projects, the real binary with an isolated environment, fake generators (Python
//! scripts written outside the project), readers for the state files, and polling with a
//! deadline.
#![allow(dead_code)]

#[path = "../cli_common/mod.rs"]
mod cli_common;
#[allow(unused_imports)]
pub use cli_common::{age, code, copy_dir, json, stderr, stdout};

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Output, Stdio};
use std::time::{Duration, Instant};

/// Where a scenario lives: the lifecycle scenarios, the bundled fixtures, or the public ones
/// beside the repository (`../shared/fixtures`, present on developer machines and in CI).
pub fn source(name: &str) -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["tests/data/lifecycle", "tests/data/fixtures", "../shared/fixtures"] {
        let p = manifest.join(dir).join(name);
        if p.is_dir() {
            return p;
        }
    }
    panic!("no scenario named {name}");
}

/// Whether a scenario can be found (the public fixtures live outside the repository).
pub fn exists(name: &str) -> bool {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["tests/data/lifecycle", "tests/data/fixtures", "../shared/fixtures"]
        .iter()
        .any(|d| manifest.join(d).join(name).is_dir())
}

/// A temp dir holding a copy of scenario `name` at `<tmp>/<name>`, every file dated an hour
/// back so the checklist does not see outputs "still changing".
pub struct Scenario {
    pub tmp: tempfile::TempDir,
    pub root: PathBuf,
}

impl Scenario {
    pub fn copy(name: &str) -> Scenario {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join(name);
        copy_dir(&source(name), &root);
        Scenario { tmp, root }
    }

    /// The binary, run with the user's config dir pointed at an empty temp dir.
    pub fn cmd(&self) -> Command {
        let mut c = Command::cargo_bin("recover-tui").unwrap();
        self.isolate(&mut c);
        c
    }

    /// The same as a `std::process::Command`, to spawn and signal it.
    pub fn spawn(&self, sub: &str, args: &[&str]) -> Child {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("recover-tui"));
        c.env("XDG_CONFIG_HOME", self.tmp.path().join("xdg")).env("USER", "tester").env_remove("NO_COLOR");
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("RECOVER_TUI_")) {
            c.env_remove(k);
        }
        c.arg(sub)
            .arg(&self.root)
            .args(args)
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(self.tmp.path().join(format!("{sub}.stdout"))).unwrap())
            .stderr(std::fs::File::create(self.tmp.path().join(format!("{sub}.stderr"))).unwrap())
            .spawn()
            .unwrap()
    }

    /// What a spawned command printed on stderr.
    pub fn spawned_stderr(&self, sub: &str) -> String {
        std::fs::read_to_string(self.tmp.path().join(format!("{sub}.stderr"))).unwrap_or_default()
    }

    fn isolate(&self, c: &mut Command) {
        c.env("XDG_CONFIG_HOME", self.tmp.path().join("xdg")).env("USER", "tester").env_remove("NO_COLOR");
        for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("RECOVER_TUI_")) {
            c.env_remove(k);
        }
    }

    /// `recover-tui <sub> <root> <args...>`.
    pub fn run(&self, sub: &str, args: &[&str]) -> Output {
        self.cmd().arg(sub).arg(&self.root).args(args).output().unwrap()
    }

    /// `plan --json`, which must exit 0.
    pub fn plan(&self) -> Value {
        let out = self.run("plan", &["--json"]);
        assert_eq!(code(&out), 0, "plan --json: {}{}", stdout(&out), stderr(&out));
        json(&out)
    }

    /// `inspect --json`, which must exit 0.
    pub fn inspect(&self) -> Value {
        let out = self.run("inspect", &["--json"]);
        assert_eq!(code(&out), 0, "inspect --json: {}{}", stdout(&out), stderr(&out));
        json(&out)
    }

    pub fn state(&self) -> PathBuf {
        self.root.join(".recover")
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap()
    }

    /// Every journal line, parsed.
    pub fn journal(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(self.state().join("journal.jsonl")).unwrap_or_default();
        text.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
    }

    pub fn events(&self) -> Vec<String> {
        self.journal().iter().map(|e| e["event"].as_str().unwrap_or_default().to_string()).collect()
    }

    pub fn ledger(&self) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.state().join("ledger.json")).unwrap()).unwrap()
    }

    /// The raw bytes of a state file (empty when it does not exist).
    pub fn state_bytes(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.state().join(rel)).unwrap_or_default()
    }

    /// Every attempt in the ledger, as (job, attempt).
    pub fn attempts(&self) -> Vec<(String, Value)> {
        let ledger = self.ledger();
        let mut out = Vec::new();
        if let Some(map) = ledger["attempts"].as_object() {
            for (job, list) in map {
                for a in list.as_array().into_iter().flatten() {
                    out.push((job.clone(), a.clone()));
                }
            }
        }
        out
    }

    /// The prompt recover-tui sent for attempt `n` of `job`.
    pub fn sent_prompt(&self, job: &str, n: u32) -> String {
        let p = self.state().join(format!("attempts/{job}/{n}/prompt.md"));
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    /// Configure the generator: a Python script (written outside the project) with this body,
    /// called as `python3 SCRIPT {output} {job}` with the prompt on stdin. `CALLS` in the body
    /// is replaced by the path of a JSON-lines file the script may append to.
    pub fn generator(&self, body: &str) {
        let script = self.tmp.path().join("generator.py");
        let body = body.replace("CALLS", &format!("{:?}", self.calls_file().display().to_string()));
        let body = body.replace("PIDFILE", &format!("{:?}", self.pid_file().display().to_string()));
        std::fs::write(&script, body).unwrap();
        std::fs::create_dir_all(self.state()).unwrap();
        let toml = format!(
            "[commands]\ngenerator = [\"python3\", {:?}, \"{{output}}\", \"{{job}}\"]\n",
            script.display().to_string()
        );
        // The user's own config: a project's `.recover/config.toml` cannot choose what runs.
        let user = self.tmp.path().join("xdg/recover-tui");
        std::fs::create_dir_all(&user).unwrap();
        std::fs::write(user.join("config.toml"), toml).unwrap();
    }

    pub fn calls_file(&self) -> PathBuf {
        self.tmp.path().join("calls.jsonl")
    }

    pub fn pid_file(&self) -> PathBuf {
        self.tmp.path().join("generator.pid")
    }

    /// What the generator was called with, in order: one object per call with `job`,
    /// `output` and `prompt`.
    pub fn calls(&self) -> Vec<Value> {
        std::fs::read_to_string(self.calls_file())
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The jobs the generator was called for, in order.
    pub fn called_jobs(&self) -> Vec<String> {
        self.calls().iter().map(|c| c["job"].as_str().unwrap().to_string()).collect()
    }

    /// The pid the generator wrote, once it has.
    pub fn generator_pid(&self) -> Option<i32> {
        std::fs::read_to_string(self.pid_file()).ok()?.trim().parse().ok()
    }
}

/// Writes a valid version of `{output}` (Python, Markdown or anything else) and records the
/// call with the prompt it got on stdin.
pub const GOOD: &str = r##"import json, pathlib, sys
out, job = sys.argv[1], sys.argv[2]
prompt = sys.stdin.read()
with open(CALLS, "a") as fh:
    fh.write(json.dumps({"job": job, "output": out, "prompt": prompt}) + "\n")
p = pathlib.Path(out)
p.parent.mkdir(parents=True, exist_ok=True)
if p.name.startswith("test_") and out.endswith(".py"):
    p.write_text('"""%s, written again for %s."""\n\n\ndef test_ready():\n    assert True\n' % (out, job))
elif out.endswith(".py"):
    p.write_text('"""%s, written again for %s."""\n\n\ndef ready() -> bool:\n    return True\n' % (out, job))
else:
    p.write_text("# %s\n\nWritten again for %s.\n" % (out, job))
print("wrote", out)
"##;

/// Writes a file that still does not compile.
pub const STILL_BROKEN: &str = r#"import json, pathlib, sys
out, job = sys.argv[1], sys.argv[2]
prompt = sys.stdin.read()
with open(CALLS, "a") as fh:
    fh.write(json.dumps({"job": job, "output": out, "prompt": prompt}) + "\n")
pathlib.Path(out).write_text("def broken(:\n    return None\n")
"#;

/// Writes its pid, then sleeps five minutes (until it is ended).
pub const SLEEPER: &str = r#"import os, sys, time
sys.stdin.read()
with open(PIDFILE + ".tmp", "w") as fh:
    fh.write(str(os.getpid()))
os.replace(PIDFILE + ".tmp", PIDFILE)
time.sleep(300)
"#;

/// Poll `cond` every 20 ms until it holds; panic naming `what` after `secs` seconds.
pub fn wait_for(secs: u64, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out after {secs} s waiting for {what}");
}

/// Wait for a spawned child to exit (deadline `secs`), returning its status.
pub fn wait_exit(child: &mut Child, secs: u64) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            panic!("pid {} did not exit within {secs} s", child.id());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether `pid` is a live process (a zombie is not).
pub fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    if unsafe { libc::kill(pid, 0) } != 0 {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => stat.rsplit_once(')').and_then(|(_, r)| r.trim_start().chars().next()) != Some('Z'),
        Err(_) => false,
    }
}

pub fn signal(pid: i32, sig: i32) {
    // SAFETY: a signal to a process this test started.
    unsafe { libc::kill(pid, sig) };
}

/// Kills what a test started if the test fails half-way, so no process outlives it.
#[derive(Default)]
pub struct Reaper {
    pub pids: Vec<i32>,
    pub children: Vec<Child>,
}

impl Drop for Reaper {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for &p in &self.pids {
            if alive(p) {
                signal(p, libc::SIGKILL);
            }
        }
    }
}

/// Checks that do not stop at the first failure: a test reports everything that is wrong.
#[derive(Default)]
pub struct Soft {
    failures: Vec<String>,
}

impl Soft {
    pub fn eq<T: PartialEq + std::fmt::Debug>(&mut self, got: T, want: T, what: &str) {
        if got != want {
            self.failures.push(format!("{what}:\n    got  {got:?}\n    want {want:?}"));
        }
    }

    pub fn check(&mut self, ok: bool, what: impl Into<String>) {
        if !ok {
            self.failures.push(what.into());
        }
    }

    pub fn fail(&mut self, what: impl Into<String>) {
        self.failures.push(what.into());
    }

    /// Panic with every failure, if any.
    pub fn finish(self) {
        assert!(self.failures.is_empty(), "{} check(s) failed:\n- {}", self.failures.len(), self.failures.join("\n- "));
    }
}
