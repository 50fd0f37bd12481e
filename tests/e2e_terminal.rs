//! The real binary in a real terminal (tmux): the demo walked from the failure to a passing
//! recovery and an export, then quit with the terminal restored. Waits for text, never sleeps
//! a fixed time for it.

use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    session: String,
}

impl Tmux {
    fn start(name: &str, cmd: &str) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            return None;
        }
        let session = format!("rt-{name}-{}", std::process::id());
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", &session, "-x", "120", "-y", "40", cmd])
            .env("NO_COLOR", "1")
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then_some(Tmux { session })
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", &self.session]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            Command::new("tmux").args(["send-keys", "-t", &self.session, k]).status().unwrap();
        }
    }

    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "timed out waiting for {text:?}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.session]).status();
    }
}

#[test]
fn demo_walk_from_failure_to_recovery_and_export() {
    const NAME: &str = "walk";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    // Keep the user's config out of it; print the exit status after the app ends.
    let cmd = format!("HOME={} XDG_CONFIG_HOME={}/cfg {bin} --demo; echo APP-EXITED-$?; sleep 30", home.path().display(), home.path().display());
    let Some(t) = Tmux::start(NAME, &cmd) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    let s = t.wait_for("loaded: 1 failed job(s)");
    assert!(s.contains("SyntaxError: expected ':'"), "{s}");
    t.keys(&["3", "j", "j", "j", "j", "c", "c", "a"]);
    t.wait_for("Pre-recovery checklist 10/10");
    t.keys(&["4", "r"]);
    t.wait_for("original → revised prompt");
    t.keys(&["5", "R"]);
    t.wait_for("Run targeted recovery of 1 job(s)");
    t.keys(&["y"]);
    t.wait_for("1 of 1 attempt(s) passed validation");
    t.keys(&["X"]);
    let s = t.wait_for("rationale log written to");
    let path = s.lines().find_map(|l| l.split("rationale log written to ").nth(1)).unwrap().trim().to_string();
    let note = std::fs::read_to_string(&path).unwrap();
    assert!(note.contains("### b2-1 attempt 1 — passed"), "{note}");
    assert!(note.trim_end().ends_with("## Outcome: SUCCESS"), "{note}");
    t.keys(&["q"]);
    let s = t.wait_for("APP-EXITED-0");
    // Back on the main screen: the app's frame is gone.
    assert!(!s.contains("1 Overview"), "{s}");
}

#[test]
fn sigterm_restores_the_terminal_and_exits() {
    const NAME: &str = "sigterm";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let pidfile = home.path().join("pid");
    let cmd = format!(
        "HOME={h} XDG_CONFIG_HOME={h}/cfg sh -c 'echo $$ > {p}; exec {bin} --demo'; echo APP-EXITED; sleep 30",
        h = home.path().display(),
        p = pidfile.display()
    );
    let Some(t) = Tmux::start(NAME, &cmd) else {
        panic!("tmux is required for this test (.ci/run installs it)");
    };
    t.wait_for("loaded: 1 failed job(s)");
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let s = t.wait_for("APP-EXITED");
    assert!(!s.contains("1 Overview"), "{s}");
}
