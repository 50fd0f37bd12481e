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
        Tmux::start_sized(name, cmd, 120, 40)
    }

    fn start_sized(name: &str, cmd: &str, w: u16, h: u16) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            return None;
        }
        let session = format!("rt-{name}-{}", std::process::id());
        let (w, h) = (w.to_string(), h.to_string());
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", &session, "-x", &w, "-y", &h, cmd])
            .env("NO_COLOR", "1")
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then_some(Tmux { session })
    }

    /// `run` (the app's command line) in `home`, with it as a private HOME so the user's config
    /// stays out; `after` runs in the pane once the app has ended.
    fn app(name: &str, home: &std::path::Path, run: &str, after: &str) -> Tmux {
        let cmd = format!("cd {h} && HOME={h} XDG_CONFIG_HOME={h}/cfg {run}; {after}", h = home.display());
        Tmux::start(name, &cmd).expect("tmux is required for this test (.ci/run installs it)")
    }

    /// [`Tmux::app`] in a terminal of `w`x`h`, without colours (`NO_COLOR=1`).
    fn app_sized(name: &str, home: &std::path::Path, run: &str, after: &str, w: u16, h: u16) -> Tmux {
        let cmd = format!("cd {h} && HOME={h} XDG_CONFIG_HOME={h}/cfg NO_COLOR=1 {run}; {after}", h = home.display());
        Tmux::start_sized(name, &cmd, w, h).expect("tmux is required for this test (.ci/run installs it)")
    }

    fn resize(&self, w: u16, h: u16) {
        let (w, h) = (w.to_string(), h.to_string());
        Command::new("tmux").args(["resize-window", "-t", &self.session, "-x", &w, "-y", &h]).status().unwrap();
    }

    /// Wait until the screen satisfies `done` and stays the same for one more look (a frame
    /// read while the terminal is still drawing it does not count).
    fn wait_until(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        let mut last = String::new();
        loop {
            let s = self.screen();
            if done(&s) && s == last {
                return s;
            }
            last = s.clone();
            assert!(start.elapsed() < Duration::from_secs(45), "timed out waiting for {what}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// On the Checklist: confirm items 5 and 6, take the snapshot, wait until all ten are done.
    fn finish_checklist(&self) {
        self.keys(&["3", "j", "j", "j", "j", "c", "c", "a"]);
        self.wait_for("Pre-recovery checklist 10/10");
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
            assert!(start.elapsed() < Duration::from_secs(45), "timed out waiting for {text:?}; screen:\n{s}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.session])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

#[test]
fn demo_walk_from_failure_to_recovery_and_export() {
    const NAME: &str = "walk";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    // Keep the user's config out of it; print the exit status after the app ends.
    std::fs::create_dir(home.path().join("tmp")).unwrap();
    let run = format!("TMPDIR={}/tmp {bin} --demo", home.path().display());
    let t = Tmux::app(NAME, home.path(), &run, "echo APP-EXITED-$?; sleep 30");
    let s = t.wait_for("loaded: 1 failed job(s)");
    assert!(s.contains("SyntaxError: expected ':'"), "{s}");
    t.finish_checklist();
    t.keys(&["4", "r"]);
    t.wait_for("original → revised prompt");
    t.keys(&["5", "R"]);
    t.wait_for("Run targeted recovery of 1 job(s)");
    t.keys(&["y"]);
    t.wait_for("1 of 1 attempt passed validation");
    t.keys(&["X"]);
    let s = t.wait_for("(it stays after quit)");
    let line = s.lines().find_map(|l| l.split("rationale log written to ").nth(1)).unwrap();
    let path = std::path::PathBuf::from(line.split(" (it stays after quit)").next().unwrap().trim());
    // Written where the demo was started, not in its temporary copy.
    assert_eq!(path.parent(), Some(home.path()), "{s}");
    t.keys(&["q"]);
    let s = t.wait_for("APP-EXITED-0");
    // Back on the main screen: the app's frame is gone; the export is named, and it survived.
    assert!(!s.contains("1 Over"), "{s}");
    assert!(s.contains(&format!("its rationale log is kept:\n  {}", path.display())), "{s}");
    let note = std::fs::read_to_string(&path).unwrap();
    assert!(note.contains("### b2-1 attempt 1 — passed"), "{note}");
    assert!(note.trim_end().ends_with("## Outcome: SUCCESS"), "{note}");
    let left: Vec<_> = std::fs::read_dir(home.path().join("tmp")).unwrap().flatten().map(|e| e.path()).collect();
    assert!(left.is_empty(), "the demo's copy is left: {left:?}");
}

#[test]
fn sigterm_restores_the_terminal_and_exits() {
    const NAME: &str = "sigterm";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let pidfile = home.path().join("pid");
    let run = format!("sh -c 'echo $$ > {p}; exec {bin} --demo'", p = pidfile.display());
    let t = Tmux::app(NAME, home.path(), &run, "echo APP-EXITED; sleep 30");
    t.wait_for("loaded: 1 failed job(s)");
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let s = t.wait_for("APP-EXITED");
    assert!(!s.contains("1 Over"), "{s}");
}

/// Write a small failing project whose logs carry terminal escape sequences, and whose
/// configured generator hangs after forking a child (both record their pids).
fn hostile_project(root: &std::path::Path) {
    let then = std::time::SystemTime::now() - Duration::from_secs(3600);
    let w = |rel: &str, text: &str| {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        std::fs::File::options().write(true).open(&p).unwrap().set_modified(then).unwrap();
    };
    w("pkg/a.py", "x = 1\n");
    w("pkg/b.py", "def f(\n");
    w("pkg/c.py", "y = 2\n");
    w(
        "run-batch1.sh",
        "#!/bin/sh\n# Batch 1\ncodex exec --json \"File to create: pkg/a.py\" > logs/b1-a.jsonl &\ncodex exec --json \"File to create: pkg/c.py\" > logs/b1-c.jsonl &\nwait\n",
    );
    w("validation-batch1.txt", "$ python -m py_compile pkg/a.py\n\n$ python -m py_compile pkg/c.py\n");
    w(
        "run-batch2.sh",
        "#!/bin/sh\n# Batch 2\ncodex exec --json \"File to create: pkg/b.py\" > logs/b2-b.jsonl &\nwait\n",
    );
    let ok = |out: &str| {
        format!("{{\"type\":\"thread.started\",\"thread_id\":\"t\"}}\n{{\"type\":\"turn.started\"}}\n{{\"type\":\"item.completed\",\"item\":{{\"id\":\"i\",\"type\":\"agent_message\",\"text\":\"Created {out}\"}}}}\n{{\"type\":\"turn.completed\",\"usage\":{{\"input_tokens\":20000,\"cached_input_tokens\":0,\"output_tokens\":900}}}}\n")
    };
    w("logs/b1-a.jsonl", &ok("pkg/a.py"));
    w("logs/b1-c.jsonl", &ok("pkg/c.py"));
    w("logs/b2-b.jsonl", &ok("pkg/b.py \u{1b}]0;PWNED-TITLE\u{7}\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J"));
    w(
        "validation-batch2.txt",
        "$ python -m py_compile pkg/b.py\n  File \"pkg/b.py\", line 1\n    def f(\n         ^\nSyntaxError: '(' was never closed \u{1b}]0;PWNED-TITLE\u{7}\u{1b}[2J\u{1b}]52;c;cHduZWQ=\u{7}\n",
    );
    let gen = format!(
        "[commands]\ngenerator = [\"sh\", \"-c\", \"sleep 300 & echo $! > {r}/child.pid; echo $$ > {r}/gen.pid; wait\"]\ntimeout_s = 600\n",
        r = root.display()
    );
    // The user's own config (`XDG_CONFIG_HOME` of `Tmux::app`): a project's cannot choose what runs.
    let user = root.parent().unwrap().join("cfg/recover-tui");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(user.join("config.toml"), gen).unwrap();
}

fn alive(pid_file: &std::path::Path) -> Option<bool> {
    let pid = std::fs::read_to_string(pid_file).ok()?.trim().to_string();
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok();
    // Gone, or a zombie waiting for its parent: not running.
    Some(stat.is_some_and(|s| !s.split(") ").nth(1).unwrap_or("").starts_with('Z')))
}

fn wait_dead(pid_file: &std::path::Path) {
    let start = Instant::now();
    while alive(pid_file) == Some(true) {
        assert!(start.elapsed() < Duration::from_secs(10), "{} still alive", pid_file.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Start a recovery of the hostile project's job (its generator hangs) in the app and wait
/// until the generator and its child run.
fn start_hanging_recovery(t: &Tmux, project: &std::path::Path, both: bool) {
    t.wait_for("loaded: 1 failed job(s)");
    t.finish_checklist();
    t.keys(&["5", "R"]);
    t.wait_for("Run targeted recovery of 1 job(s)");
    t.keys(&["y"]);
    let start = Instant::now();
    let running =
        || alive(&project.join("child.pid")) == Some(true) && (!both || alive(&project.join("gen.pid")) == Some(true));
    while !running() {
        assert!(start.elapsed() < Duration::from_secs(10), "the generator did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn escapes_in_logs_do_not_touch_title_screen_or_clipboard() {
    const NAME: &str = "escapes";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("p");
    hostile_project(&project);
    let t = Tmux::app(NAME, home.path(), &format!("{bin} {}", project.display()), "echo APP-EXITED; sleep 30");
    let s = t.wait_for("SyntaxError: '(' was never closed");
    assert!(s.contains("1 Over"), "the screen was cleared:\n{s}");
    let title =
        Command::new("tmux").args(["display-message", "-p", "-t", &t.session, "#{pane_title}"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&title.stdout).contains("PWNED"), "title changed");
    let buffers = Command::new("tmux").args(["list-buffers"]).output().unwrap();
    assert!(!String::from_utf8_lossy(&buffers.stdout).contains("pwned"), "clipboard written");
    t.keys(&["q"]);
    t.wait_for("APP-EXITED");
}

#[test]
fn a_hanging_generator_and_its_children_die_when_the_app_quits() {
    const NAME: &str = "hang-quit";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("p");
    hostile_project(&project);
    let t = Tmux::app(NAME, home.path(), &format!("{bin} {}", project.display()), "echo APP-EXITED; sleep 30");
    start_hanging_recovery(&t, &project, false);
    t.keys(&["q"]);
    t.wait_for("Recovery attempts are running");
    t.keys(&["y"]);
    let s = t.wait_for("APP-EXITED");
    assert!(!s.contains("1 Over"), "{s}");
    wait_dead(&project.join("gen.pid"));
    wait_dead(&project.join("child.pid"));
}

#[test]
fn a_panic_restores_the_terminal() {
    const NAME: &str = "panic";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let run = format!("RUST_BACKTRACE=0 RECOVER_TUI_TEST_PANIC=1 {bin} --demo");
    let t = Tmux::app(NAME, home.path(), &run, "echo APP-EXITED-$?; exec sh");
    let s = t.wait_for("APP-EXITED-101");
    assert!(s.contains("panicking after load"), "{s}");
    assert!(!s.contains("1 Over"), "alternate screen left on:\n{s}");
    // Cooked mode again: the shell reads a line and runs it (typed line + its output).
    t.keys(&["echo cooked-$((40+2))", "Enter"]);
    t.wait_for("cooked-42");
}

#[test]
fn edit_in_editor_and_copy_with_osc52() {
    const NAME: &str = "edit";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let editor = home.path().join("ed.sh");
    std::fs::write(&editor, "#!/bin/sh\nprintf '\\nEvery def line ends with a colon.\\n' >> \"$1\"\n").unwrap();
    std::fs::set_permissions(&editor, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let run = format!("TMPDIR={h} EDITOR={e} {bin} --demo", h = home.path().display(), e = editor.display());
    let t = Tmux::app(NAME, home.path(), &run, "echo APP-EXITED; sleep 30");
    Command::new("tmux").args(["set-option", "-t", &t.session, "set-clipboard", "on"]).status().unwrap();
    t.wait_for("loaded: 1 failed job(s)");
    t.keys(&["4", "e"]);
    t.wait_for("revised prompt for b2-1 kept (from your edit)");
    // The end of the diff: the line the editor added.
    t.keys(&["G"]);
    let s = t.wait_for("+ Every def line ends with a colon.");
    assert!(s.contains("Recovery sends: your edit") || s.contains("original → revised prompt (from your edit)"), "{s}");
    t.keys(&["y"]);
    t.wait_for("copied with OSC 52");
    let demo = std::fs::read_dir(home.path())
        .unwrap()
        .flatten()
        .find(|e| e.file_name().to_string_lossy().starts_with("recover-tui-demo-"))
        .unwrap()
        .path();
    let prompts = demo.join("notes/.recover/prompts");
    let revised = std::fs::read_to_string(prompts.join("b2-1.md")).unwrap();
    assert!(revised.starts_with("Context: notes Phase 2 Batch 2"), "{revised}");
    assert!(revised.ends_with("Every def line ends with a colon.\n"), "{revised}");
    assert_eq!(std::fs::read_to_string(prompts.join("b2-1.copied.md")).unwrap(), revised);
    let buf = Command::new("tmux").args(["show-buffer"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&buf.stdout).contains("Every def line ends with a colon."),
        "the clipboard did not get the prompt"
    );
    t.keys(&["q"]);
    t.wait_for("APP-EXITED");
}

/// Closing the terminal (the tmux session is killed: SIGHUP, then EIO on the tty) while the app
/// runs a recovery with a generator that hangs: every child ends, the attempt is recorded
/// `aborted` (not left `running`), and the lock is released.
#[test]
fn closing_the_terminal_mid_recovery_aborts_the_attempt_and_releases_the_lock() {
    const NAME: &str = "close";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("p");
    hostile_project(&project);
    let t = Tmux::app(NAME, home.path(), &format!("{bin} {}", project.display()), "echo APP-EXITED; sleep 30");
    start_hanging_recovery(&t, &project, true);
    assert!(project.join(".recover/lock").exists(), "the app holds the lock while it runs");
    // Close the terminal.
    Command::new("tmux").args(["kill-session", "-t", &t.session]).status().unwrap();
    wait_dead(&project.join("gen.pid"));
    wait_dead(&project.join("child.pid"));
    let lock = project.join(".recover/lock");
    let start = Instant::now();
    // The lock file stays (emptied); the kernel lock on it is what must be released.
    while recover_tui::store::lock::held(lock.parent().unwrap()) {
        assert!(start.elapsed() < Duration::from_secs(15), "the lock is still held");
        std::thread::sleep(Duration::from_millis(50));
    }
    let ledger: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(project.join(".recover/ledger.json")).unwrap()).unwrap();
    let outcomes: Vec<&str> = ledger["attempts"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|v| v.as_array().unwrap())
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["aborted"], "{ledger}");
    let journal = std::fs::read_to_string(project.join(".recover/journal.jsonl")).unwrap();
    assert!(journal.contains("\"attempt_ended\""), "{journal}");
    assert!(journal.contains("\"aborted\""), "{journal}");
}

/// SIGTERM to the app while its recovery runs: the same as a closed terminal — no child left,
/// the attempt `aborted`, the lock gone — and the terminal restored.
#[test]
fn sigterm_mid_recovery_aborts_the_attempt_and_restores_the_terminal() {
    const NAME: &str = "term-run";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("p");
    hostile_project(&project);
    let pidfile = home.path().join("app.pid");
    let run = format!("sh -c 'echo $$ > {}; exec {bin} {}'", pidfile.display(), project.display());
    let t = Tmux::app(NAME, home.path(), &run, "echo APP-EXITED-$?; sleep 30");
    start_hanging_recovery(&t, &project, true);
    let pid = std::fs::read_to_string(&pidfile).unwrap().trim().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let s = t.wait_for("APP-EXITED-0");
    assert!(!s.contains("1 Over"), "the app's frame is still on screen:\n{s}");
    wait_dead(&project.join("gen.pid"));
    wait_dead(&project.join("child.pid"));
    assert!(!recover_tui::store::lock::held(&project.join(".recover")), "the lock is still held");
    let ledger = std::fs::read_to_string(project.join(".recover/ledger.json")).unwrap();
    assert!(ledger.contains("\"outcome\": \"aborted\"") || ledger.contains("\"outcome\":\"aborted\""), "{ledger}");
    assert!(!ledger.contains("\"running\""), "{ledger}");
}

/// (first, last, total) of the "lines F-L of T" on the line of the screen holding `title`.
fn lines_shown(s: &str, title: &str) -> (usize, usize, usize) {
    shown_at(s, title).unwrap_or_else(|| panic!("no position after {title:?}:\n{s}"))
}

/// [`lines_shown`], `None` while the screen does not show it (yet).
fn shown_at(s: &str, title: &str) -> Option<(usize, usize, usize)> {
    let re = regex::Regex::new(&format!(r"{} · lines (\d+)-(\d+) of (\d+)", regex::escape(title))).unwrap();
    let c = s.lines().find_map(|l| re.captures(l))?;
    Some((c[1].parse().ok()?, c[2].parse().ok()?, c[3].parse().ok()?))
}

/// Box-drawing characters the app's frame is made of.
fn has_box_lines(s: &str) -> bool {
    s.chars().any(|c| "─│┌┐└┘".contains(c))
}

#[test]
fn at_80x24_the_whole_verdict_shows_and_the_help_scrolls() {
    const NAME: &str = "small";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let t = Tmux::app_sized(NAME, home.path(), &format!("{bin} --demo"), "echo APP-EXITED; sleep 30", 80, 24);
    let s = t.wait_for("loaded: 1 failed job(s)");
    let lines: Vec<&str> = s.lines().collect();
    assert!(lines[0].contains("TARGETED RECOVERY · in progress"), "{s}");
    assert!(lines[22].contains("?  help") && lines[22].contains("q  quit"), "{s}");
    assert!(s.contains("b2-1 notes/render.py"), "{s}");
    t.keys(&["?"]);
    let s = t.wait_until("the help", |s| shown_at(s, "Keys").is_some_and(|p| p.0 == 1));
    let (_, shown, total) = lines_shown(&s, "Keys");
    assert!(shown < total, "{s}");
    t.keys(&["G"]);
    let s =
        t.wait_until("the end of the help", |s| s.contains(&format!("of {total} ")) && !s.contains("Keys · lines 1-"));
    assert_eq!(lines_shown(&s, "Keys").1, total, "{s}");
    // The last key of the table is reachable (it was not before G).
    let last = "G End            bottom                       help";
    assert!(s.contains(last), "{s}");
    t.keys(&["k"]);
    let s = t.wait_until("one line up", |s| shown_at(s, "Keys").is_some_and(|p| p.1 == total - 1));
    assert!(!s.contains(last), "{s}");
    t.keys(&["Escape", "q"]);
    t.wait_for("APP-EXITED");
}

#[test]
fn bottom_then_up_never_leaves_an_empty_pane() {
    const NAME: &str = "scroll";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let t = Tmux::app_sized(NAME, home.path(), &format!("{bin} --demo"), "echo APP-EXITED; sleep 30", 100, 30);
    t.wait_for("loaded: 1 failed job(s)");
    // The selected job's details (focus moved there), then the Prompt.
    for (keys, title) in
        [(&["Tab"][..], "▶ b2-1"), (&["4"][..], "▶ b2-1: recovery prompt from recovery-templates/syntax.md (built in)")]
    {
        t.keys(keys);
        let s = t.wait_for(&format!("{title} · lines 1-"));
        let (_, _, total) = lines_shown(&s, title);
        t.keys(&["G"]);
        // The row above the pane's bottom border holds text: the pane is not empty (the frame
        // is read once it is all on screen: the status line under it is there).
        let filled = |s: &str| {
            let rows: Vec<&str> = s.lines().collect();
            let bottom = rows.iter().rposition(|l| l.contains('└'));
            bottom.is_some_and(|b| b > 0 && rows[b - 1].chars().any(|c| c.is_alphanumeric()))
        };
        let s = t.wait_until("the last line", |s| shown_at(s, title).is_some_and(|p| p.1 == total) && filled(s));
        let (first, last, _) = lines_shown(&s, title);
        t.keys(&["k"]);
        let s = t.wait_until("one line up", |s| shown_at(s, title).is_some_and(|p| p.0 == first - 1));
        assert_eq!(lines_shown(&s, title), (first - 1, last - 1, total), "{s}");
        t.keys(&["PageDown", "PageDown", "PageDown"]);
        t.wait_until("PgDn to stop at the end", |s| shown_at(s, title) == Some((first, last, total)));
    }
    t.keys(&["q"]);
    t.wait_for("APP-EXITED");
}

#[test]
fn tab_moves_the_focus_visibly_without_colour() {
    const NAME: &str = "focus";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let t = Tmux::app_sized(NAME, home.path(), &format!("{bin} --demo"), "echo APP-EXITED; sleep 30", 100, 30);
    let s = t.wait_for("loaded: 1 failed job(s)");
    assert!(s.contains("┌ ▶ Jobs 7/7") && s.contains("┌ b2-1 · lines"), "{s}");
    // The capture has no colours at all (bold and reverse only): the marker shows the focus.
    let styled = Command::new("tmux").args(["capture-pane", "-p", "-e", "-t", &t.session]).output().unwrap();
    let styled = String::from_utf8_lossy(&styled.stdout);
    let sgr = regex::Regex::new(r"\x1b\[([0-9;]*)m").unwrap();
    let colour = |p: &str| matches!(p.parse::<u32>(), Ok(30..=37 | 38 | 40..=47 | 48 | 90..=97 | 100..=107));
    let coloured = sgr.captures_iter(&styled).any(|c| c[1].split(';').any(colour));
    assert!(!coloured, "colours under NO_COLOR:\n{styled}");
    t.keys(&["Tab"]);
    let s = t.wait_for("┌ ▶ b2-1 · lines");
    assert!(s.contains("┌ Jobs 7/7"), "{s}");
    t.keys(&["Escape"]);
    t.wait_for("┌ ▶ Jobs 7/7");
    t.keys(&["q"]);
    t.wait_for("APP-EXITED");
}

/// The demo written into `root` as a project of its own (so two instances share it).
fn demo_in(root: &std::path::Path) -> std::path::PathBuf {
    recover_tui::tui::demo::write_all(root).unwrap();
    let config = root.join("recover-demo.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace("{demo}", &root.display().to_string());
    std::fs::write(&config, text).unwrap();
    config
}

#[test]
fn a_second_instance_shows_read_only_and_refuses_a_write() {
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let root = home.path().join("notes");
    let config = demo_in(&root);
    let run = format!("{bin} --config {} {}", config.display(), root.display());
    let first = Tmux::app_sized("ro-first", home.path(), &run, "echo APP-EXITED; sleep 30", 100, 30);
    first.wait_for("loaded: 1 failed job(s)");
    let second = Tmux::app_sized("ro-second", home.path(), &run, "echo APP-EXITED; sleep 30", 100, 30);
    // The header names it, and the footer offers only what works (a frame drawn whole).
    second.wait_until("READ-ONLY in the header and the footer", |s| {
        s.lines().next().is_some_and(|l| l.contains("READ-ONLY (pid"))
            && s.lines().any(|l| l.starts_with(" READ-ONLY  view only") && l.contains("q  quit"))
            && !s.contains("take snapshot")
    });
    second.keys(&["3", "j", "j", "j", "j", "c"]);
    let s = second.wait_for("nothing was saved");
    assert!(s.contains("read-only: "), "{s}");
    let ledger = std::fs::read_to_string(root.join(".recover/ledger.json")).unwrap_or_default();
    assert!(!ledger.contains("dependencies_reviewed"), "{ledger}");
    second.keys(&["q"]);
    second.wait_for("APP-EXITED");
    // The first instance still writes.
    first.keys(&["3", "j", "j", "j", "j", "c"]);
    first.wait_for("confirmed dependencies_reviewed");
    first.keys(&["q"]);
    first.wait_for("APP-EXITED");
}

#[test]
fn the_terminal_comes_back_as_it_was_after_a_resize_and_quit() {
    const NAME: &str = "resize";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let run = format!("echo BEFORE-APP; {bin} --demo");
    let t = Tmux::app_sized(NAME, home.path(), &run, "echo APP-EXITED-$?; sleep 30", 120, 40);
    t.wait_for("loaded: 1 failed job(s)");
    t.resize(90, 30);
    t.wait_until("the frame at 90 columns", |s| s.lines().next().is_some_and(|l| l.trim_end().chars().count() <= 90));
    t.resize(130, 45);
    t.wait_until("the frame at 45 rows", |s| {
        let rows: Vec<&str> = s.lines().collect();
        rows.len() >= 45 && rows[40..].iter().any(|l| l.contains("q  quit"))
    });
    t.keys(&["q"]);
    let s = t.wait_for("APP-EXITED-0");
    assert!(!has_box_lines(&s), "the app's frame is left on the shell's screen:\n{s}");
    let lines: Vec<&str> = s.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines, ["BEFORE-APP", "APP-EXITED-0"], "{s}");
}

#[test]
fn a_load_error_exits_2_and_says_why_on_the_restored_terminal() {
    const NAME: &str = "load-error";
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let home = tempfile::tempdir().unwrap();
    let missing = home.path().join("missing");
    let t = Tmux::app_sized(
        NAME,
        home.path(),
        &format!("{bin} {}", missing.display()),
        "echo APP-EXITED-$?; sleep 30",
        100,
        30,
    );
    t.wait_for("Could not load the run");
    t.keys(&["X"]);
    t.keys(&["q"]);
    let s = t.wait_for("APP-EXITED-2");
    assert!(!has_box_lines(&s), "{s}");
    assert!(s.contains("could not load the run:"), "{s}");
}
