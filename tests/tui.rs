//! The app on the demo run, driven through `Runner<TestBackend>` with scripted keys: every
//! assertion is made after the runner's queue drained (`run_until_idle`), never after a sleep.
//! The effects run for real (project writes, the demo's offline generator and reviser);
//! nothing is re-implemented here. Plus pure `update` tests (state + message -> state +
//! effects) and every screen as an insta snapshot at 100x30.

mod common;

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use recover_tui::app::commands::{CommandError, Mark};
use recover_tui::app::project::{OpenOptions, Project};
use recover_tui::core::status::JobState;
use recover_tui::tui::app::App;
use recover_tui::tui::effects::{Done, Effect, Job, Msg};
use recover_tui::tui::keymap::Keymap;
use recover_tui::tui::modal::{Modal, Then};
use recover_tui::tui::runner::{scripted, NoHost, Runner};
use recover_tui::tui::screens::Screen;
use recover_tui::tui::theme::Theme;
use recover_tui::tui::update::update;
use recover_tui::tui::{demo, view};
use tokio::sync::mpsc::UnboundedSender;

/// The demo project written into a temporary directory: (guard, open options).
fn demo_project() -> (tempfile::TempDir, OpenOptions) {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("notes");
    demo::write_all(&project).unwrap();
    let config = demo::write_config(&project, std::path::Path::new(env!("CARGO_BIN_EXE_recover-tui"))).unwrap();
    (dir, OpenOptions { path: Some(project), config: Some(config), state_dir: None, read_only: false })
}

/// The app as the binary runs it, on a TestBackend, with keys from a script.
struct Harness {
    rt: tokio::runtime::Runtime,
    runner: Runner<TestBackend>,
    keys: Option<UnboundedSender<Event>>,
}

impl Harness {
    fn open(opts: &OpenOptions) -> Harness {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let (input, keys) = scripted();
        let app = App::new(Keymap::default(), Theme::plain(), false);
        let mut runner = Runner::new(Terminal::new(TestBackend::new(100, 30)).unwrap(), app, input, Box::new(NoHost));
        let opts = opts.clone();
        rt.block_on(async {
            runner.load(opts);
            runner.run_until_idle().await;
        });
        assert!(runner.app.project.is_some(), "loaded: {:?}", runner.app.load_error);
        Harness { rt, runner, keys: Some(keys) }
    }

    fn app(&self) -> &App {
        &self.runner.app
    }

    fn project(&self) -> &Project {
        self.runner.app.project.as_ref().unwrap()
    }

    /// Press each character of `keys` (`\n` = Enter, `\x1b` = Esc, `\t` = Tab), then let the queue drain.
    fn press(&mut self, keys: &str) {
        let tx = self.keys.as_ref().expect("the input is open");
        for c in keys.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\x1b' => KeyCode::Esc,
                '\t' => KeyCode::Tab,
                c => KeyCode::Char(c),
            };
            tx.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))).unwrap();
        }
        self.idle();
    }

    fn event(&mut self, e: Event) {
        self.keys.as_ref().unwrap().send(e).unwrap();
        self.idle();
    }

    fn idle(&mut self) {
        let Harness { rt, runner, .. } = self;
        rt.block_on(runner.run_until_idle());
    }

    fn status(&self) -> String {
        self.app().status.as_ref().map(|s| s.text.clone()).unwrap_or_default()
    }

    /// What the runner last drew.
    fn drawn(&self) -> String {
        buffer_text(self.runner.terminal().backend().buffer())
    }
}

fn buffer_text(buf: &ratatui::buffer::Buffer) -> String {
    let mut s = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// A fresh frame of `app` at `w`x`h`, with clock times masked (the journal's).
fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(f, app)).unwrap();
    let s = buffer_text(t.backend().buffer());
    let re = regex::Regex::new(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}").unwrap();
    re.replace_all(&s, "YYYY-MM-DD hh:mm:ss").into_owned()
}

fn journal_events(p: &Project) -> Vec<String> {
    let (journal, _) = p.journal_lines();
    journal.iter().map(|l| l.split_whitespace().nth(2).unwrap_or("").to_string()).collect()
}

#[test]
fn the_first_screen_shows_the_failure() {
    let (_d, opts) = demo_project();
    let h = Harness::open(&opts);
    let s = h.drawn();
    assert!(s.contains("notes Phase 2 — batches"), "{s}");
    assert!(s.contains("  2 ✗ b2-1 ▓▓▓"), "{s}");
    assert!(s.contains("✗ b2   b2-1"), "{s}");
    assert!(s.contains("notes/render.py"), "{s}");
    assert!(s.contains("TARGETED RECOVERY · in progress"), "{s}");
    assert!(h.status().starts_with("loaded: 1 failed job(s); verdict targeted_recovery"), "{}", h.status());
    // The failed job is selected, and its state is the one the project gives.
    let j = recover_tui::tui::screens::overview::selected(h.app()).unwrap();
    assert_eq!(j.id, "b2-1");
    assert_eq!(h.project().job_state("b2-1"), Some(JobState::Failed));
    let s = screen(h.app(), 120, 40);
    assert!(s.contains("✗ failed  batch 2"), "{s}");
    assert!(s.contains("SyntaxError: expected ':'"), "{s}");
}

#[test]
fn overriding_q3_re_decides_and_is_recorded() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.press("2jj ");
    assert!(matches!(h.app().modal, Some(Modal::Reason { .. })));
    h.press("spec names the wrong module\n");
    assert_eq!(h.project().decision.as_ref().unwrap().verdict.as_str(), "full_restart");
    assert_eq!(
        h.project().ledger.overrides.answers[&recover_tui::core::decide::StepId::Q3].reason,
        "spec names the wrong module"
    );
    assert_eq!(h.status(), "Q3 overridden to yes; verdict now full_restart");
    assert!(h.drawn().contains("FULL RESTART"), "{}", h.drawn());
    assert_eq!(journal_events(h.project()), ["decided", "overridden", "decided"]);
    // Toggling again clears the override.
    h.press(" ");
    assert_eq!(h.project().decision.as_ref().unwrap().verdict.as_str(), "targeted_recovery");
    assert_eq!(h.status(), "override of Q3 removed; verdict now targeted_recovery");
}

#[test]
fn an_override_needs_a_reason_and_esc_cancels() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.press("2jj \n");
    assert!(matches!(h.app().modal, Some(Modal::Reason { .. })), "an empty reason keeps the box open");
    assert_eq!(h.status(), "a reason is required");
    // `q` in a text box is typed, not quit.
    h.press("q");
    assert!(matches!(&h.app().modal, Some(Modal::Reason { text, .. }) if text == "q"));
    h.press("\x1b");
    assert!(h.app().modal.is_none());
    assert!(!h.app().should_quit);
    assert!(h.project().ledger.overrides.answers.is_empty());
}

#[test]
fn checklist_confirm_waive_and_snapshot_action() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.press("3jjjjc");
    assert_eq!(h.status(), "confirmed dependencies_reviewed");
    assert_eq!(h.app().screens.checklist.sel, 5, "moves on to the next item once recorded");
    h.press("w");
    h.press("schema unchanged since batch 1\n");
    let p = h.project();
    assert_eq!(p.checklist[5].state.as_str(), "waived");
    assert_eq!(p.checklist[5].reason.as_deref(), Some("schema unchanged since batch 1"));
    // Item 7: its action takes the snapshot, and the item passes.
    h.press("ja");
    let p = h.project();
    assert_eq!(p.checklist[6].state.as_str(), "passed");
    assert!(recover_tui::core::checklist::satisfied(&p.checklist));
    assert!(h.status().starts_with("snapshot "), "{}", h.status());
    assert!(h.drawn().contains("Pre-recovery checklist 10/10"), "{}", h.drawn());
    assert_eq!(journal_events(h.project()), ["decided", "confirmed", "waived", "snapshot"]);
}

#[test]
fn recovery_is_refused_until_the_checklist_is_done_then_lists_every_command() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.press("5R");
    let status = h.app().status.clone().unwrap();
    assert!(status.error);
    assert!(status.text.starts_with("checklist not done: 5 Dependencies"), "{}", status.text);
    h.press("3jjjjcca5R");
    let Some(Modal::Confirm { question, lines, then }) = h.app().modal.clone() else {
        panic!("no confirmation: {:?}", h.app().modal)
    };
    assert_eq!(question, "Run targeted recovery of 1 job(s) now with the configured generator?");
    assert_eq!(then, Then::Recover { jobs: vec!["b2-1".into()] });
    assert_eq!(lines[0], "b2-1: prompt from the original prompt with the recovery prompt's fix");
    assert!(lines.iter().any(|l| l.contains("demo-tool codex notes/render.py <")), "{lines:?}");
    assert!(lines.iter().any(|l| l.trim() == "b2-1: python3 -m py_compile notes/render.py"), "{lines:?}");
    assert!(h.drawn().contains("b2-1: python3 -m py_compile notes/render.py"), "{}", h.drawn());
    // No: nothing ran.
    h.press("n");
    assert!(h.project().ledger.attempts.is_empty());
    assert_eq!(h.status(), "cancelled");
}

#[test]
fn help_is_generated_from_the_keymap_and_searchable() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.press("?/snap");
    let s = screen(h.app(), 100, 30);
    assert!(s.contains("search: snap"), "{s}");
    let rows = h.app().keymap.help_rows("snap");
    assert_eq!(
        rows.iter().map(|r| r.1.as_str()).collect::<Vec<_>>(),
        ["take snapshot", "snapshots", "diff", "restore"]
    );
    assert!(s.contains("s                take snapshot                everywhere"), "{s}");
    // The keys of the boxes are in the table too.
    let rows = h.app().keymap.help_rows("questions");
    assert_eq!(rows.iter().map(|r| r.0.as_str()).collect::<Vec<_>>(), ["y Y Enter", "n N Esc"]);
    h.press("\x1b\x1b");
    assert!(h.app().modal.is_none());
}

#[test]
fn filter_narrows_the_job_list() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.press("/search\n");
    assert_eq!(h.app().screens.overview.visible.len(), 1);
    assert_eq!(recover_tui::tui::screens::overview::selected(h.app()).unwrap().id, "b2-3");
    h.press("/\x1b");
    assert_eq!(h.app().screens.overview.visible.len(), 7);
    // The state now is a filter word.
    h.press("/failed\n");
    assert_eq!(recover_tui::tui::screens::overview::selected(h.app()).unwrap().id, "b2-1");
}

#[test]
fn mouse_click_on_a_tab_switches_screen() {
    use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    // Where the header drew tab 2 (the same layout the click is read with).
    let header = h.drawn().lines().next().unwrap().to_string();
    let col = header.chars().collect::<String>().find("2 Deci").map(|b| header[..b].chars().count()).unwrap() as u16;
    let click = |column| {
        Event::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column,
            row: 0,
            modifiers: KeyModifiers::NONE,
        })
    };
    h.event(click(col + 1));
    assert_eq!(h.app().screen, Screen::Decision);
    // A click on a checklist row selects it (the same layout as drawing).
    h.press("3");
    h.event(Event::Mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 10,
        row: 2 + 4,
        modifiers: KeyModifiers::NONE,
    }));
    assert_eq!(h.app().screens.checklist.sel, 4);
}

#[test]
fn every_screen_at_100x30() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    for s in Screen::ALL {
        h.press(s.key());
        h.runner.app.status = None;
        insta::assert_snapshot!(s.title().to_lowercase(), screen(h.app(), 100, 30));
    }
}

#[test]
fn escape_sequences_in_logs_never_reach_the_screen() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    {
        let p = h.runner.app.project.as_mut().unwrap();
        let j = &mut p.run.batches[1].jobs[0];
        j.result.findings[0].message = "expected ':'\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}evil".into();
    }
    let s = screen(h.app(), 120, 40);
    assert!(!s.contains('\u{1b}') && !s.contains('\u{9b}') && !s.contains('\u{202e}') && !s.contains('\u{7}'));
    // The 8-bit CSI takes its parameters with it; the text around survives.
    assert!(s.contains("SyntaxError: expected ':'evil"), "{s}");
}

/// A second instance on the same project: the header names the pid holding the lock, the
/// footer leaves the writes out, and every write is answered with the refusal.
#[test]
fn a_second_instance_is_read_only_and_refuses_every_write() {
    let (_d, opts) = demo_project();
    let first = Harness::open(&opts);
    let mut second = Harness::open(&opts);
    let pid = std::process::id();
    assert_eq!(second.project().held_by(), Some(pid));
    let s = second.drawn();
    assert!(s.contains(&format!("READ-ONLY (pid {pid})")), "{s}");
    assert!(second.status().contains(&format!("in use by pid {pid}")), "{}", second.status());
    // Confirm goes to app::commands, which refuses: nothing recorded, the refusal shown.
    second.press("3jjjjc");
    let refusal = second.status();
    assert!(refusal.starts_with("read-only: ") && refusal.ends_with("; nothing was saved"), "{refusal}");
    assert!(refusal.contains(&format!("in use by pid {pid}")), "{refusal}");
    assert!(second.app().status.as_ref().unwrap().error);
    assert!(second.project().ledger.checklist.is_empty());
    assert_eq!(second.app().screens.checklist.sel, 4, "a refused confirm does not move on");
    let drawn = second.drawn();
    // The refusal is long: the status line wraps (two rows) so its end shows; the footer is above.
    let rows: Vec<&str> = drawn.lines().collect();
    assert!(rows[29].contains("nothing was saved"), "{drawn}");
    let footer = rows[27];
    assert!(footer.contains("READ-ONLY  view only"), "{footer}");
    assert!(!footer.contains("confirm item"), "{footer}");
    // The other writes: the same refusal, nothing changed.
    for keys in ["w", "jja", "2jj ", "4e", "4r", "5R", "X", "s"] {
        second.runner.app.status = None;
        second.press(keys);
        assert!(second.app().modal.is_none(), "{keys}: a box opened");
        let said = second.status();
        assert!(said.starts_with("read-only: ") || said.starts_with("export refused: read-only: "), "{keys}: {said}");
    }
    assert!(second.project().ledger.overrides.answers.is_empty());
    assert!(second.project().snapshots.is_empty());
    assert!(second.project().ledger.saved_prompts.is_empty());
    // The first instance alone wrote anything: the decision it opened with.
    assert_eq!(journal_events(first.project()), ["decided"]);
}

/// `r` revises the recovery prompt; with an edited prompt saved it asks first, and a "no"
/// keeps the edit.
#[test]
fn the_reviser_never_replaces_an_edited_prompt_without_a_yes() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.press("4");
    let edited = "Write notes/render.py.\n\nFile to create: notes/render.py\nMy own edit.\n".to_string();
    // What the editor gives back arrives as a message (the editor itself needs a terminal).
    h.runner.sender().send(Msg::Edited { job: "b2-1".into(), result: Ok(edited.clone()) }).unwrap();
    h.idle();
    let p = h.project();
    assert_eq!(p.ledger.saved_prompts.get("b2-1"), Some(&recover_tui::core::model::PromptOrigin::Edit));
    let file = recover_tui::tui::recovery::saved_prompt_file(&p.state_dir, "b2-1");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited);
    assert!(h.status().starts_with("revised prompt for b2-1 kept (from your edit)"), "{}", h.status());
    assert!(h.drawn().contains("Recovery sends: your edit"), "{}", h.drawn());
    h.press("r");
    let Some(Modal::Confirm { question, then, .. }) = h.app().modal.clone() else { panic!("no question") };
    assert_eq!(
        question,
        "b2-1 has a saved generation prompt from your edit. Run the reviser on the recovery prompt and replace it?"
    );
    assert_eq!(then, Then::Revise { job: "b2-1".into() });
    h.press("n");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), edited, "a no keeps the edit");
    assert_eq!(h.project().ledger.saved_prompts.get("b2-1"), Some(&recover_tui::core::model::PromptOrigin::Edit));
    // Yes: the reviser reads the recovery prompt (not the edit) and its answer replaces it.
    h.press("ry");
    let revised = std::fs::read_to_string(&file).unwrap();
    assert!(!revised.contains("My own edit."), "{revised}");
    assert!(revised.contains("Clarification (from the failed validation):"), "{revised}");
    assert!(revised.contains("def render(note: Note) -> str:"), "{revised}");
    let dir = h.project().state_dir.join("reviser");
    let input = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| std::fs::read_to_string(e.path().join("recovery-prompt.md")).unwrap_or_default())
        .next()
        .unwrap();
    assert!(input.contains("## The original generation prompt"), "the reviser got the recovery prompt: {input}");
    assert!(!input.contains("My own edit."), "{input}");
    assert_eq!(h.project().ledger.saved_prompts.get("b2-1"), Some(&recover_tui::core::model::PromptOrigin::Reviser));
    let s = h.drawn();
    assert!(s.contains("original → revised prompt (from the reviser)"), "{s}");
    assert!(s.contains("Recovery sends: the reviser"), "{s}");
}

/// The whole walk on the demo with keys only: checklist -> reviser -> recovery with the demo's
/// offline generator -> validation -> export of a SUCCESS note; every screen shows the job repaired.
#[test]
fn the_full_walk_from_failure_to_an_exported_success() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    assert_eq!(h.project().decision.as_ref().unwrap().verdict.as_str(), "targeted_recovery");
    // Checklist: confirm 5 and 6, take the snapshot (7).
    h.press("3jjjjcca");
    assert!(recover_tui::core::checklist::satisfied(&h.project().checklist));
    // Prompt: the reviser writes the generation prompt to send.
    h.press("4r");
    assert!(h.status().starts_with("revised prompt for b2-1 kept (from the reviser)"), "{}", h.status());
    // Run: the next step, confirmed; the runner waits for the attempt to be recorded.
    h.press("5R");
    assert!(
        matches!(&h.app().modal, Some(Modal::Confirm { lines, .. }) if lines[0] == "b2-1: prompt from the reviser")
    );
    h.press("y");
    assert!(h.app().running.is_empty());
    assert_eq!(h.status(), "1 of 1 attempt passed validation");
    let lines = &h.app().screens.run.views["b2-1"].lines;
    assert!(lines.iter().any(|l| l == "wrote notes/render.py"), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.starts_with("■ validation python3 -m py_compile notes/render.py exited 0")),
        "{lines:?}"
    );
    let p = h.project();
    assert_eq!(p.job_state("b2-1"), Some(JobState::Repaired));
    assert_eq!(p.progress.as_ref().unwrap().outcome.as_str(), "recovered");
    let attempt = &p.ledger.attempts["b2-1"][0];
    assert_eq!(attempt.outcome.word(), "passed");
    assert_eq!(attempt.changes.as_deref(), Some("1 file changed, +2 -1"));
    let fixed = std::fs::read_to_string(p.run.project_root.join("notes/render.py")).unwrap();
    assert!(fixed.contains("def render(note: Note) -> str:"));
    // Every screen shows the same state.
    let run = h.drawn();
    assert!(run.contains("TARGETED RECOVERY · recovered"), "{run}");
    assert!(run.contains("✓ done  repair b2-1 (attempt 1)"), "{run}");
    assert!(run.contains("✚ repaired"), "{run}");
    assert!(run.contains("prompt: the reviser"), "{run}");
    h.press("1");
    let s = screen(h.app(), 120, 40);
    assert!(s.contains("  2 ✚ b2-1 ███"), "{s}");
    assert!(s.contains("✚ b2   b2-1"), "{s}");
    assert!(s.contains("✚ repaired  batch 2"), "{s}");
    assert!(s.contains("Repaired by recovery attempt 1"), "{s}");
    assert!(!s.contains("Why it failed"), "{s}");
    // R now: nothing left to run.
    h.press("5R");
    assert!(h.status().starts_with("recovered"), "{}", h.status());
    // Export: the note records the attempt and the outcome.
    h.press("X");
    let status = h.status();
    let path = status.strip_prefix("rationale log written to ").expect(&status);
    let md = std::fs::read_to_string(path).unwrap();
    assert!(md.contains("### b2-1 attempt 1 — passed"), "{md}");
    assert!(md.contains("Changed: 1 file changed, +2 -1"), "{md}");
    assert!(md.trim_end().ends_with("## Outcome: SUCCESS"), "{md}");
    assert_eq!(
        journal_events(h.project()),
        ["decided", "confirmed", "confirmed", "snapshot", "attempt_started", "attempt_ended", "exported"]
    );
}

/// The terminal closing (the input stream ends) while an attempt runs: the generator is ended,
/// the attempt is recorded `aborted` through the finish path, and the runner stops.
#[test]
fn a_closed_terminal_aborts_the_running_attempt_and_records_it() {
    let (dir, opts) = demo_project();
    let root = opts.path.clone().unwrap();
    let pidfile = dir.path().join("gen.pid");
    let config = opts.config.clone().unwrap();
    let text = format!(
        "[commands]\ngenerator = [\"sh\", \"-c\", \"echo $$ > {}; exec sleep 300\"]\ntimeout_s = 600\n",
        pidfile.display()
    );
    std::fs::write(&config, text).unwrap();
    let mut h = Harness::open(&opts);
    h.press("3jjjjcca5R");
    assert!(matches!(h.app().modal, Some(Modal::Confirm { .. })));
    // Yes, and the terminal goes away once the generator runs.
    let tx = h.keys.take().unwrap();
    tx.send(Event::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE))).unwrap();
    let Harness { rt, runner, .. } = &mut h;
    rt.block_on(async {
        let close = async {
            while !pidfile.exists() {
                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            }
            drop(tx);
        };
        // `run` returns once the attempt is recorded and the app has left.
        tokio::join!(runner.run(), close);
    });
    assert!(runner.app.should_quit);
    let p = h.project();
    assert_eq!(p.ledger.attempts["b2-1"][0].outcome.word(), "aborted");
    let pid: i32 = std::fs::read_to_string(&pidfile).unwrap().trim().parse().unwrap();
    // SAFETY: kill(pid, 0) only checks whether the process exists.
    let alive = unsafe { libc::kill(pid, 0) } == 0;
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat")).map(|s| s.contains(") Z")).unwrap_or(true);
    assert!(!alive || zombie, "the generator {pid} is still running");
    let events = journal_events(p);
    assert_eq!(events[events.len() - 2..], ["attempt_started", "attempt_ended"], "{events:?}");
    assert!(root.join(".recover/lock").exists(), "the project is held until the runner is dropped");
    drop(h);
    assert!(!recover_tui::store::lock::held(&root.join(".recover")), "dropping the runner releases the lock");
}

/// A phase whose batch 4 read the file batch 3 failed on (the scenario of tests/scenarios.rs),
/// with a generator that writes a valid file: `R` repairs b3-schema, then `R` re-runs the stale
/// b4-docs with its original prompt, and the run is recovered.
fn stale_project() -> (tempfile::TempDir, OpenOptions) {
    let d = tempfile::tempdir().unwrap();
    let r = d.path().join("app");
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let write = |rel: &str, text: &str| {
        let p = r.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        std::fs::File::options().write(true).open(&p).unwrap().set_modified(then).unwrap();
    };
    for (b, job, out, extra) in [
        (1, "b1-models", "app/models.py", ""),
        (1, "b1-storage", "app/storage.py", ""),
        (2, "b2-api", "app/api.py", "- Import TaskRepository from app.storage\n"),
        (3, "b3-schema", "app/schema.py", ""),
        (4, "b4-docs", "docs/SCHEMA.md", "- Document every field defined in app/schema.py\n"),
        (4, "b4-readme", "README.md", ""),
    ] {
        let script = format!(
            "#!/usr/bin/env bash\n# App Phase 2 - Batch {b}\nPROJECT=/srv/app\ncodex exec --full-auto --json -C \"$PROJECT\" \"\nContext: App Phase 2 Batch {b}\n\nFile to create: {out}\n\nRequirements:\n{extra}- Keep it small\n\" > \"$PROJECT/logs/{job}.jsonl\" 2> \"$PROJECT/logs/{job}.err\" &\nwait\n"
        );
        write(&format!("scripts/phase2-batch{b}-{job}.sh"), &script);
        let stream = format!(
            "{{\"type\":\"thread.started\",\"thread_id\":\"{job}\"}}\n{{\"type\":\"turn.started\"}}\n\
{{\"type\":\"item.completed\",\"item\":{{\"id\":\"item_0\",\"type\":\"file_change\",\"changes\":[{{\"path\":\"/srv/app/{out}\",\"kind\":\"add\"}}],\"status\":\"completed\"}}}}\n\
{{\"type\":\"turn.completed\",\"usage\":{{\"input_tokens\":30000,\"cached_input_tokens\":4000,\"output_tokens\":900}}}}\n"
        );
        write(&format!("logs/{job}.jsonl"), &stream);
        write(out, "x = 1\n");
    }
    write(
        "logs/validation-batch1.md",
        "Haiku Validation Report - Batch 1:\n✅ PASS: app/models.py\n✅ PASS: app/storage.py\n",
    );
    write("logs/validation-batch2.md", "Haiku Validation Report - Batch 2:\n✅ PASS: app/api.py\n");
    write("logs/validation-batch3.md", "Haiku Validation Report - Batch 3:\n❌ FAIL: app/schema.py\n   - NameError: name 'Field' is not defined (line 7)\n");
    write(
        "logs/validation-batch4.md",
        "Haiku Validation Report - Batch 4:\n✅ PASS: docs/SCHEMA.md\n✅ PASS: README.md\n",
    );
    // The user's own config (a project's `.recover/config.toml` cannot choose what runs).
    let config = d.path().join("user-config.toml");
    std::fs::write(
        &config,
        "[commands]\ngenerator = [\"sh\", \"-c\", \"printf 'x = 2\\\\n' > \\\"$1\\\"\", \"sh\", \"{output}\"]\n",
    )
    .unwrap();
    (d, OpenOptions { path: Some(r), config: Some(config), state_dir: None, read_only: false })
}

#[test]
fn the_run_screen_repairs_then_re_runs_the_stale_jobs_with_keys() {
    let (_d, opts) = stale_project();
    let mut h = Harness::open(&opts);
    assert_eq!(h.project().decision.as_ref().unwrap().scope.as_str(), "fix_then_continue");
    h.press("3jjjjcca5");
    assert!(recover_tui::core::checklist::satisfied(&h.project().checklist), "{:#?}", h.project().checklist);
    let s = h.drawn();
    assert!(s.contains("▶ next  repair: b3-schema"), "{s}");
    assert!(s.contains("· then  re-run (original prompts): b4-docs"), "{s}");
    // Repairs first.
    h.press("Ry");
    assert_eq!(h.status(), "1 of 1 attempt passed validation");
    assert_eq!(h.project().job_state("b3-schema"), Some(JobState::Repaired));
    assert_eq!(h.project().job_state("b4-docs"), Some(JobState::Stale));
    let s = h.drawn();
    assert!(s.contains("✓ done  repair b3-schema (attempt 1)"), "{s}");
    assert!(s.contains("▶ next  re-run (original prompts): b4-docs"), "{s}");
    assert!(s.contains("TARGETED RECOVERY · in progress"), "{s}");
    h.press("1");
    let s = screen(h.app(), 120, 40);
    assert!(s.contains("~ b4   b4-docs"), "{s}");
    // A snapshot of the outputs as they are now, then the re-run.
    h.press("3a5R");
    let Some(Modal::Confirm { question, lines, then }) = h.app().modal.clone() else {
        panic!("no confirmation: {} {:?}", h.status(), h.app().modal)
    };
    assert_eq!(question, "Re-run 1 stale job(s) now with their original prompts?");
    assert_eq!(lines[0], "b4-docs: prompt from the original prompt");
    assert_eq!(then, Then::Recover { jobs: vec!["b4-docs".into()] });
    h.press("y");
    let p = h.project();
    assert_eq!(p.job_state("b4-docs"), Some(JobState::RerunPassed));
    assert_eq!(p.progress.as_ref().unwrap().outcome.as_str(), "recovered");
    assert_eq!(p.ledger.attempts["b4-docs"][0].kind, recover_tui::core::model::AttemptKind::Rerun);
    let s = h.drawn();
    assert!(s.contains("TARGETED RECOVERY · recovered"), "{s}");
    assert!(s.contains("✓ done  re-run b4-docs (attempt 1)"), "{s}");
    assert!(s.contains("↻ re-run passed"), "{s}");
}

// ---- update alone: state + message -> state + effects, no IO ----

fn loaded_app() -> (tempfile::TempDir, App) {
    let (dir, opts) = demo_project();
    let mut p = Project::open(&opts).unwrap();
    p.check_facts();
    let mut app = App::new(Keymap::default(), Theme::plain(), false);
    let msg = Msg::Loaded(Ok(recover_tui::tui::effects::Loaded { project: Box::new(p), journal: vec![] }));
    assert!(update(&mut app, msg).is_empty());
    (dir, app)
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

#[test]
fn update_confirm_asks_for_a_write_and_changes_nothing_itself() {
    let (_d, mut app) = loaded_app();
    for c in "3jjjj".chars() {
        assert!(update(&mut app, key(c)).is_empty());
    }
    let effects = update(&mut app, key('c'));
    assert_eq!(
        effects,
        vec![Effect::Project(Job::Mark(vec![Mark::Confirm { item: "dependencies_reviewed".into(), reason: None }]))]
    );
    let p = app.project.as_ref().unwrap();
    assert!(p.ledger.checklist.is_empty(), "update wrote nothing");
    assert_eq!(app.screens.checklist.sel, 4, "moves on only once recorded");
    // The refusal comes back as the job's result and is shown as it is.
    let project = Box::new(app.project.take().unwrap());
    let refusal = CommandError::ReadOnly("/x/.recover: in use by pid 42".into());
    let done = Done::Said(Err(refusal.clone()));
    assert!(update(&mut app, Msg::Back { project, done, journal: None }).is_empty());
    assert_eq!(app.status.as_ref().unwrap().text, refusal.to_string());
    assert_eq!(app.screens.checklist.sel, 4);
}

#[test]
fn update_prompt_screen_asks_for_its_view_once_and_keeps_it_by_inputs() {
    let (_d, mut app) = loaded_app();
    let effects = update(&mut app, key('4'));
    let [Effect::Project(Job::PromptView { inputs })] = effects.as_slice() else { panic!("{effects:?}") };
    assert_eq!(inputs.job, "b2-1");
    let inputs = inputs.clone();
    // Asked for already: not again while it is on its way.
    assert!(update(&mut app, key('j')).is_empty());
    assert!(recover_tui::tui::screens::prompt::fresh_view(&app).is_none());
    // Drawing without the view does no work either: it says it is on its way.
    assert!(screen(&app, 100, 30).contains("…rendering the recovery prompt"));
    let view = recover_tui::tui::recovery::prompt_view(app.project.as_ref().unwrap(), inputs);
    let project = Box::new(app.project.take().unwrap());
    let done = Done::PromptView(Box::new(view));
    assert!(update(&mut app, Msg::Back { project, done, journal: None }).is_empty());
    assert!(screen(&app, 100, 30).contains("b2-1: recovery prompt from"));
    assert!(update(&mut app, key('k')).is_empty(), "up to date: nothing asked");
}

#[test]
fn update_run_refuses_before_the_checklist_and_quit_asks_while_running() {
    let (_d, mut app) = loaded_app();
    assert!(update(&mut app, key('5')).is_empty());
    assert!(update(&mut app, key('R')).is_empty());
    assert!(app.status.as_ref().unwrap().error);
    app.running = vec!["b2-1".into()];
    assert!(update(&mut app, key('q')).is_empty());
    assert!(matches!(app.modal, Some(Modal::Confirm { then: Then::Quit, .. })));
    assert_eq!(update(&mut app, key('y')), vec![Effect::Cancel]);
    assert!(app.should_quit);
    // Ctrl-C stops at once, asking nothing.
    let (_d, mut app) = loaded_app();
    app.running = vec!["b2-1".into()];
    let ctrl_c = Msg::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(update(&mut app, ctrl_c), vec![Effect::Cancel]);
    assert!(app.should_quit && app.modal.is_none());
}

#[test]
fn update_read_only_refuses_a_waive_before_asking_for_a_reason() {
    let (_d, mut app) = loaded_app();
    app.read_only =
        Some(recover_tui::tui::app::ReadOnly { reason: "/p/.recover: in use by pid 7".into(), pid: Some(7) });
    for c in "3jjjjj".chars() {
        update(&mut app, key(c));
    }
    assert!(update(&mut app, key('w')).is_empty());
    assert!(app.modal.is_none());
    assert_eq!(app.status.as_ref().unwrap().text, "read-only: /p/.recover: in use by pid 7; nothing was saved");
    assert!(screen(&app, 100, 30).contains("READ-ONLY (pid 7)"));
}

#[test]
fn at_80x24_the_header_keeps_the_verdict_and_the_badge() {
    let (_d, opts) = demo_project();
    let _first = Harness::open(&opts);
    let mut second = Harness::open(&opts);
    for s in Screen::ALL {
        second.press(s.key());
        let shot = screen(second.app(), 80, 24);
        let header = shot.lines().next().unwrap();
        assert!(header.contains("TARGETED RECOVERY · in progress"), "{header}");
        assert!(header.contains(&format!("READ-ONLY pid {}", std::process::id())), "{header}");
        if std::env::var_os("SHOW").is_some() {
            println!("{shot}");
        }
        let footer = shot.lines().find(|l| l.contains("view only")).unwrap_or_default();
        assert!(footer.starts_with(" READ-ONLY  view only") && footer.contains("q  quit"), "{shot}");
    }
}

#[test]
fn validation_written_in_the_project_runs_only_once_approved_in_the_app() {
    let (_d, opts) = demo_project();
    let root = opts.path.clone().unwrap();
    let prompt = root.join("_build/prompts/b2-1.md");
    let text = std::fs::read_to_string(&prompt).unwrap();
    let own = "Validation: python3 -c 'import notes.render'";
    std::fs::write(&prompt, text.replace("Validation: python3 -m py_compile notes/render.py", own)).unwrap();
    let mut h = Harness::open(&opts);
    h.press("3jjjjcca");
    h.press("5R");
    let Some(Modal::Confirm { question, lines, then }) = h.app().modal.clone() else { panic!("no question") };
    assert_eq!(question, "Approve these validation commands to run?");
    assert!(lines.iter().any(|l| l == "  b2-1: python3 -c 'import notes.render'"), "{lines:?}");
    assert_eq!(then, Then::Approve { jobs: vec!["b2-1".into()] });
    h.press("y");
    assert!(h.status().starts_with("b2-1: approved python3 -c 'import notes.render'"), "{}", h.status());
    let journal = std::fs::read_to_string(h.project().state_dir.join("journal.jsonl")).unwrap();
    assert!(journal.contains("\"validation_approved\""), "{journal}");
    // Now the recovery runs it, and says so before it starts.
    h.press("R");
    let Some(Modal::Confirm { question, lines, .. }) = h.app().modal.clone() else { panic!("no question") };
    assert!(question.starts_with("Run targeted recovery of 1 job(s)"), "{question}");
    assert!(lines.iter().any(|l| l == "  b2-1: python3 -c 'import notes.render'"), "{lines:?}");
    assert!(!lines.iter().any(|l| l.contains("not approved")), "{lines:?}");
}

/// The title of the pane whose title starts with `base`: "b2-1 · lines 1-20 of 48".
fn pane_title(s: &str, base: &str) -> String {
    let line = s.lines().find(|l| l.contains(&format!("▶ {base}"))).unwrap_or_else(|| panic!("no {base} pane:\n{s}"));
    let start = line.find(&format!("▶ {base}")).unwrap();
    line[start..].split(" ─").next().unwrap_or("").trim_end_matches('─').trim().to_string()
}

/// (first, last, total) of "lines F-L of T" in a title.
fn lines_shown(title: &str) -> (usize, usize, usize) {
    let re = regex::Regex::new(r"lines (\d+)-(\d+) of (\d+)").unwrap();
    let c = re.captures(title).unwrap_or_else(|| panic!("no position in {title:?}"));
    (c[1].parse().unwrap(), c[2].parse().unwrap(), c[3].parse().unwrap())
}

#[test]
fn every_scrolled_pane_stops_at_its_last_line_and_comes_back() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    // A journal longer than the screen: overrides of Q3, each cleared again.
    for _ in 0..14 {
        h.press("2jj ");
        h.press("a reason\n ");
    }
    // The details of the failed job (focus moved there with Tab), the Prompt and the Log.
    for (keys, base) in [("1\t", "b2-1"), ("4", "b2-1: recovery prompt"), ("7", "Log")] {
        h.press(keys);
        h.press("G");
        let (first, last, total) = lines_shown(&pane_title(&h.drawn(), base));
        assert_eq!(last, total, "{base}: G shows the last line");
        assert!(first > 1, "{base}: there is more than a screenful");
        h.press("k");
        assert_eq!(lines_shown(&pane_title(&h.drawn(), base)), (first - 1, last - 1, total), "{base}: k after G");
        // PgDn stops at the end; g and PgUp go back to the top.
        use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        for code in [KeyCode::PageDown, KeyCode::PageDown, KeyCode::PageDown] {
            h.event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        }
        assert_eq!(lines_shown(&pane_title(&h.drawn(), base)), (first, last, total), "{base}: PgDn past the end");
        h.event(Event::Key(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE)));
        let (after_pgup, _, _) = lines_shown(&pane_title(&h.drawn(), base));
        assert!(after_pgup < first, "{base}: PgUp moves up");
        h.event(Event::Key(KeyEvent::new(KeyCode::End, KeyModifiers::NONE)));
        assert_eq!(lines_shown(&pane_title(&h.drawn(), base)).1, total, "{base}: End");
        h.event(Event::Key(KeyEvent::new(KeyCode::Home, KeyModifiers::NONE)));
        assert_eq!(lines_shown(&pane_title(&h.drawn(), base)).0, 1, "{base}: Home");
        h.press("G");
        // The last row inside the pane is the content's last line, never an empty pane.
        let s = h.drawn();
        let rows: Vec<&str> = s.lines().collect();
        let bottom = rows.iter().rposition(|l| l.contains('└')).unwrap();
        let inside = rows[bottom - 1];
        assert!(inside.trim_matches(|c| c == '│' || c == ' ').chars().count() > 0, "{base}: empty last row:\n{s}");
    }
}

fn wheel(down: bool, column: u16, row: u16) -> Event {
    use ratatui::crossterm::event::{MouseEvent, MouseEventKind};
    let kind = if down { MouseEventKind::ScrollDown } else { MouseEventKind::ScrollUp };
    Event::Mouse(MouseEvent { kind, column, row, modifiers: KeyModifiers::NONE })
}

#[test]
fn focus_moves_with_enter_tab_and_esc_and_is_marked_without_colour() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    // Theme::plain is the NO_COLOR theme: the focused pane is the one marked ▶.
    assert!(h.drawn().contains("┌ ▶ Jobs 7/7"), "{}", h.drawn());
    h.press("\n");
    assert_eq!(h.app().screens.overview.pane, 1);
    assert!(h.drawn().contains("┌ ▶ b2-1") && h.drawn().contains("┌ Jobs 7/7"), "{}", h.drawn());
    h.press("\x1b");
    assert_eq!(h.app().screens.overview.pane, 0, "Esc gives the focus back to the job list");
    assert_eq!(h.app().screen, Screen::Overview);
    // Snapshots: Tab moves between the list and the diff, and back.
    h.press("s6\n");
    assert!(h.app().screens.snapshots.diff.is_some());
    assert!(h.drawn().contains("┌ ▶ Diff of"), "{}", h.drawn());
    h.press("\t");
    assert!(h.drawn().contains("┌ ▶ Snapshots") && h.drawn().contains("┌ Diff of"), "{}", h.drawn());
    h.press("\t");
    assert!(h.drawn().contains("┌ ▶ Diff of"), "{}", h.drawn());
}

#[test]
fn the_wheel_scrolls_the_pane_under_the_pointer() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    let before = recover_tui::tui::screens::overview::selected(h.app()).unwrap().id.clone();
    // Over the details (right half, below the batches): the details scroll, the job stays.
    h.event(wheel(true, 70, 12));
    h.event(wheel(true, 70, 12));
    assert_eq!(recover_tui::tui::screens::overview::selected(h.app()).unwrap().id, before);
    assert_eq!(lines_shown(&pane_title(&h.drawn().replace("┌ b2-1", "┌ ▶ b2-1"), "b2-1")).0, 3);
    h.event(wheel(false, 70, 12));
    assert_eq!(lines_shown(&pane_title(&h.drawn().replace("┌ b2-1", "┌ ▶ b2-1"), "b2-1")).0, 2);
    // Over the job list: the selection moves.
    h.event(wheel(true, 10, 12));
    assert_eq!(recover_tui::tui::screens::overview::selected(h.app()).unwrap().id, "b2-2");
}

#[test]
fn clearing_the_filter_keeps_the_selected_job() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.press("/b3");
    assert_eq!(h.app().screens.overview.visible.len(), 2);
    h.press("j\x1b");
    // `j` was typed into the filter ("b3j" matches nothing); clear it and pick a job instead.
    h.press("/b3\njj");
    assert_eq!(recover_tui::tui::screens::overview::selected(h.app()).unwrap().id, "b3-2");
    h.press("/\x1b");
    assert_eq!(h.app().screens.overview.visible.len(), 7);
    assert_eq!(recover_tui::tui::screens::overview::selected(h.app()).unwrap().id, "b3-2");
}

#[test]
fn a_restore_recomputes_the_diff_shown() {
    let (_d, opts) = demo_project();
    let root = opts.path.clone().unwrap();
    let mut h = Harness::open(&opts);
    h.press("s");
    std::fs::write(root.join("notes/render.py"), "changed after the snapshot\n").unwrap();
    h.press("6\n");
    let (_, before) = h.app().screens.snapshots.diff.clone().unwrap();
    assert!(before.contains("+changed after the snapshot"), "{before}");
    h.press("u");
    let Some(Modal::Confirm { .. }) = &h.app().modal else { panic!("no question") };
    assert!(h.drawn().contains("y / Y / Enter: yes    n / N / Esc: no"), "{}", h.drawn());
    h.press("y");
    assert!(h.status().starts_with("restored"), "{}", h.status());
    let (_, after) = h.app().screens.snapshots.diff.clone().unwrap();
    assert_eq!(after, "No change since this snapshot.");
    assert!(h.drawn().contains("No change since this snapshot."), "{}", h.drawn());
}

impl Harness {
    /// Let the runner work until `done` holds (attempts may still be running then).
    fn until(&mut self, what: &str, done: impl Fn(&App) -> bool) {
        let start = std::time::Instant::now();
        while !done(self.app()) {
            assert!(start.elapsed() < std::time::Duration::from_secs(30), "timed out waiting for {what}");
            let Harness { rt, runner, .. } = self;
            let _ = rt.block_on(async {
                tokio::time::timeout(std::time::Duration::from_millis(50), runner.run_until_idle()).await
            });
        }
    }
}

fn line_with<'a>(s: &'a str, what: &str) -> &'a str {
    s.lines().find(|l| l.contains(what)).unwrap_or_else(|| panic!("no line with {what:?}:\n{s}"))
}

/// The Run screen, its header and its footer name the state — running, aborted (also after
/// reopening), escalated — and offer only the keys that work in it.
#[test]
fn the_run_screen_header_and_footer_follow_the_state() {
    let (dir, opts) = demo_project();
    let config = opts.config.clone().unwrap();
    let go = dir.path().join("running");
    let hang = format!("[commands]\ngenerator = [\"sh\", \"-c\", \"touch {}; exec sleep 300\"]\n", go.display());
    std::fs::write(&config, &hang).unwrap();
    let mut h = Harness::open(&opts);
    h.press("3jjjjcca5R");
    assert!(line_with(&h.drawn(), " R ").contains("run the next step"), "{}", h.drawn());
    h.keys.as_ref().unwrap().send(Event::Key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE))).unwrap();
    h.until("the attempt to run", |app| !app.running.is_empty() && app.busy.is_none());
    while !go.exists() {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    h.until("the frame", |_| true);
    let s = h.drawn();
    assert!(line_with(&s, "failed recoveries").contains("attempt 1 running now"), "{s}");
    assert!(!s.contains("starting"), "{s}");
    assert!(s.lines().next().unwrap().contains("RUNNING"), "{s}");
    let footer = s.lines().nth(28).unwrap();
    assert!(footer.contains("x  cancel run") && !footer.contains("run the next step"), "{footer}");
    assert!(footer.contains("?  help") && footer.contains("q  quit"), "{footer}");
    h.press("x");
    let s = h.drawn();
    assert!(line_with(&s, "failed recoveries").contains("last attempt 1: aborted"), "{s}");
    assert!(s.lines().next().unwrap().contains("ATTEMPT ABORTED"), "{s}");
    drop(h);
    // Reopened: the same words.
    let mut h = Harness::open(&opts);
    h.press("5");
    let s = h.drawn();
    assert!(line_with(&s, "failed recoveries").contains("last attempt 1: aborted"), "{s}");
    assert!(s.lines().next().unwrap().contains("ATTEMPT ABORTED"), "{s}");
    drop(h);
    // Two failed recoveries escalate: the hint and the footer no longer offer R.
    std::fs::write(&config, "[commands]\ngenerator = [\"sh\", \"-c\", \"exit 3\"]\n").unwrap();
    let mut h = Harness::open(&opts);
    h.press("5Ry");
    h.press("Ry");
    assert!(h.project().decision.as_ref().unwrap().escalated, "{}", h.status());
    h.press("G");
    let s = h.drawn();
    assert!(s.lines().next().unwrap().contains("ESCALATED"), "{s}");
    assert!(s.contains("no recovery to run: export the rationale (X) and restart the phase"), "{s}");
    assert!(!s.contains("R: run the next step"), "{s}");
    let footer = s.lines().nth(28).unwrap();
    assert!(!footer.contains("run the next step") && footer.contains("q  quit"), "{footer}");
}

#[test]
fn at_80x24_every_screen_keeps_the_verdict_the_output_files_help_and_quit() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    for s in Screen::ALL {
        h.press(s.key());
        let shot = screen(h.app(), 80, 24);
        assert!(shot.lines().next().unwrap().contains("TARGETED RECOVERY · in progress"), "{shot}");
        let footer = shot.lines().nth(22).unwrap();
        assert!(footer.contains("?  help") && footer.contains("q  quit"), "{}: {footer}", s.title());
        if *s == Screen::Overview {
            assert!(line_with(&shot, "b2   b2-1").contains("notes/render.py"), "{shot}");
        }
    }
    // And at 40 columns, still help and quit.
    let shot = screen(h.app(), 40, 12);
    let footer = shot.lines().nth(10).unwrap();
    assert!(footer.contains("?  help") && footer.contains("q  quit"), "{footer}");
}

#[test]
fn the_help_scrolls_to_every_key_and_shows_where_it_is() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    let rows = h.app().keymap.help_rows("");
    let last = rows.last().unwrap().clone();
    h.press("?");
    let s = h.drawn();
    let (first, shown_last, total) = lines_shown(line_with(&s, " Keys · "));
    assert_eq!((first, total), (1, rows.len()), "{s}");
    let last_row = format!("{:<16} {:<28} {}", last.0, last.1, last.2);
    assert!(!s.contains(&last_row), "{s}");
    h.press("G");
    let s = h.drawn();
    assert_eq!(lines_shown(line_with(&s, " Keys · ")), (rows.len() - shown_last + 1, rows.len(), rows.len()));
    assert!(s.contains(&last_row), "{s}");
    h.press("k");
    assert_eq!(lines_shown(line_with(&h.drawn(), " Keys · ")).1, rows.len() - 1);
    h.press("g");
    assert_eq!(lines_shown(line_with(&h.drawn(), " Keys · ")).0, 1);
    h.press("q");
    assert!(h.app().modal.is_none() && !h.app().should_quit);
}

#[test]
fn a_status_message_stays_on_the_screen_it_was_made_on() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.press("2 ");
    let said = "only Q2 and Q3 can be overridden";
    assert!(h.drawn().lines().nth(29).unwrap().contains(said), "{}", h.drawn());
    h.press("3");
    assert!(!h.drawn().contains(said), "{}", h.drawn());
    assert!(h.drawn().lines().nth(29).unwrap().contains("? help · q quit"), "{}", h.drawn());
    h.press("2");
    assert!(h.drawn().contains(said), "back on the Decision screen it is still there");
}

#[test]
fn the_waive_box_names_the_item_and_questions_wrap_with_their_answer_keys() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.press("3jjjjjw");
    let s = h.drawn();
    assert!(s.contains("Waive checklist item 6. Failure is not architectural"), "{s}");
    assert!(!s.contains("not_architectural"), "{s}");
    h.press("\x1b");
    // At 80x24 a long question wraps (nothing cut) and the y / n line shows.
    h.press("s6u");
    let s = screen(h.app(), 80, 24);
    assert!(s.contains("The current files are") && s.contains("│snapshotted first, so this can be undone."), "{s}");
    assert!(s.contains("y / Y / Enter: yes    n / N / Esc: no"), "{s}");
}

#[test]
fn the_log_reads_the_journal_as_sentences() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.press("3jjjjcw");
    h.press("schema unchanged\n");
    h.press("ja7");
    let s = screen(h.app(), 120, 40);
    assert!(s.contains("Decided: targeted recovery of b2-1 (batch 2, scope fix_batch_only)."), "{s}");
    assert!(
        s.contains("Checklist item 5 (Dependencies of later batches on the failing batch reviewed) confirmed"),
        "{s}"
    );
    assert!(s.contains("Checklist item 6 (Failure is not architectural) waived"), "{s}");
    assert!(s.contains(": schema unchanged."), "{s}");
    let snap = &h.project().snapshots[0];
    assert!(s.contains(&format!("Snapshot {} of batch 2 taken (1 file, before recovery).", snap.id)), "{s}");
    assert!(!s.contains("rerun_jobs=") && !s.contains("item=") && !s.contains("=\""), "{s}");
}

#[test]
fn keys_on_the_load_error_screen_do_nothing_but_quit() {
    let dir = tempfile::tempdir().unwrap();
    let opts = OpenOptions { path: Some(dir.path().join("missing")), config: None, state_dir: None, read_only: false };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (input, keys) = scripted();
    let app = App::new(Keymap::default(), Theme::plain(), false);
    let mut runner = Runner::new(Terminal::new(TestBackend::new(80, 24)).unwrap(), app, input, Box::new(NoHost));
    rt.block_on(async {
        runner.load(opts);
        runner.run_until_idle().await;
    });
    let error = runner.app.load_error.clone().expect("a load error");
    for c in "Xs?\x1b1R5Rq".chars() {
        let code = if c == '\x1b' { KeyCode::Esc } else { KeyCode::Char(c) };
        keys.send(Event::Key(KeyEvent::new(code, KeyModifiers::NONE))).unwrap();
        rt.block_on(runner.run_until_idle());
        if c == 'q' {
            break;
        }
        assert!(runner.app.busy.is_none() && !runner.app.animating(), "{c}: spinning");
        let s = buffer_text(runner.terminal().backend().buffer());
        assert!(c == '?' || s.contains("Could not load the run"), "{c}: {s}");
        // Only the keys that do something there are offered.
        assert!(c == '?' || s.lines().nth(22).unwrap().trim_end() == " ?  help   q  quit", "{c}: {s}");
    }
    assert!(runner.app.should_quit);
    assert_eq!(runner.app.exit_error(), Some(error));
}

#[test]
fn the_demo_exports_where_it_was_started_and_says_so() {
    let (_d, opts) = demo_project();
    let start = tempfile::tempdir().unwrap();
    let mut h = Harness::open(&opts);
    h.runner.app.export_dir = Some(start.path().to_path_buf());
    h.press("7");
    assert!(h.drawn().contains(&format!("into {} (the demo's copy", start.path().display())), "{}", h.drawn());
    h.press("X");
    let written: Vec<_> = std::fs::read_dir(start.path()).unwrap().flatten().map(|e| e.path()).collect();
    assert_eq!(written.len(), 1, "{written:?}");
    let note = std::fs::read_to_string(&written[0]).unwrap();
    assert!(note.contains("b2-1"), "{note}");
    assert_eq!(h.status(), format!("rationale log written to {} (it stays after quit)", written[0].display()));
    assert_eq!(h.app().exported, written);
    assert!(!h
        .project()
        .state_dir
        .read_dir()
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with("rationale")));
}

#[test]
fn long_paths_are_shortened_in_the_middle_keeping_the_file_name() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("sparkq-phase6");
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixtures");
    common::copy_dir(&fixtures.join("sparkq-phase6"), &root);
    let opts = OpenOptions { path: Some(root), config: None, state_dir: None, read_only: false };
    let h = Harness::open(&opts);
    let s = screen(h.app(), 120, 40);
    if std::env::var_os("SHOW").is_some() {
        println!("{s}");
    }
    let row = line_with(&s, "b3   b3-api-tests");
    assert!(row.contains("sparkq/…/test_api.py") || row.contains("sparkq/tests/test_api.py"), "{s}");
    let s = screen(h.app(), 80, 24);
    if std::env::var_os("SHOW").is_some() {
        println!("{s}");
    }
    assert!(line_with(&s, "b3   b3-api-tests").contains("…/test_api.py"), "{s}");
}

#[test]
fn at_80_columns_the_prompt_title_keeps_its_position_by_shortening_the_template_path() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.press("4");
    let s = screen(h.app(), 80, 24);
    let title = s.lines().nth(1).unwrap();
    assert!(title.contains("b2-1: recovery prompt from …/syntax.md (built in) · lines 1-"), "{s}");
}

#[test]
fn the_checklist_item_pane_scrolls_to_its_last_line() {
    let (_d, opts) = demo_project();
    let mut h = Harness::open(&opts);
    h.runner.app.size = (80, 14);
    h.press("3jjjj\t");
    let s = screen(h.app(), 80, 14);
    let (first, _, total) = lines_shown(&pane_title(&s, "Item"));
    assert_eq!(first, 1, "{s}");
    h.press("G");
    let s = screen(h.app(), 80, 14);
    assert_eq!(lines_shown(&pane_title(&s, "Item")).1, total, "{s}");
    assert!(s.contains("✗ b2-1 failed"), "the last lines (the jobs) show:\n{s}");
    // Tab gives the keys back to the list; j moves the selection and the pane starts at its top.
    h.press("\tj");
    assert_eq!(h.app().screens.checklist.sel, 5);
    assert!(screen(h.app(), 80, 14).contains("┌ ▶ Pre-recovery checklist"));
}
