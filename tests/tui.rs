//! The app driven by scripted keys on the demo run: state + message -> state + effects, and
//! every screen rendered on a TestBackend (insta snapshots at 100x30).

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use recover_tui::app::project::{OpenOptions, Project};
use recover_tui::store::journal::JournalEvent;
use recover_tui::tui::action::Screen;
use recover_tui::tui::app::{App, Modal};
use recover_tui::tui::effects::{Effect, Msg};
use recover_tui::tui::keymap::Keymap;
use recover_tui::tui::theme::Theme;
use recover_tui::tui::update::update;
use recover_tui::tui::{demo, view};

struct Demo {
    _dir: tempfile::TempDir,
    app: App,
}

fn demo_app() -> Demo {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("notes");
    demo::write_all(&project).unwrap();
    let config = project.join("recover-demo.toml");
    let text = std::fs::read_to_string(&config).unwrap().replace("{demo}", &project.display().to_string());
    std::fs::write(&config, text).unwrap();
    let opts = OpenOptions { path: Some(project), config: Some(config), state_dir: None, read_only: false };
    let mut project = Project::open(&opts).unwrap();
    project.check_facts();
    let mut app = App::new(Keymap::default(), Theme::plain(), false);
    let effects = update(&mut app, Msg::Loaded(Ok(Box::new(project))));
    assert!(effects.is_empty());
    Demo { _dir: dir, app }
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn code(k: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(k, KeyModifiers::NONE))
}

/// Press each character of `keys` (`\n` = Enter, `\x1b` = Esc), collecting the effects.
fn press(app: &mut App, keys: &str) -> Vec<Effect> {
    let mut out = Vec::new();
    for c in keys.chars() {
        let msg = match c {
            '\n' => code(KeyCode::Enter),
            '\x1b' => code(KeyCode::Esc),
            c => key(c),
        };
        out.extend(update(app, msg));
    }
    out
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| view::draw(f, app)).unwrap();
    let buf = t.backend().buffer().clone();
    let mut s = String::new();
    for y in 0..h {
        for x in 0..w {
            s.push_str(buf[(x, y)].symbol());
        }
        s.push('\n');
    }
    s
}

/// Run the effects a test cares about with the same library calls the driver uses.
fn run_effects(app: &mut App, effects: Vec<Effect>) {
    for e in effects {
        let msg = match e {
            Effect::Snapshot { paths, reason } => {
                let sd = app.project.as_ref().unwrap().writable_store().unwrap();
                Msg::Snapshotted(recover_tui::app::project::snapshot_paths(
                    &sd,
                    &paths,
                    &reason,
                    None,
                    None,
                    &recover_tui::core::model::SystemClock,
                ))
            }
            _ => continue,
        };
        let more = update(app, msg);
        run_effects(app, more);
    }
}

#[test]
fn the_first_screen_shows_the_failure() {
    let d = demo_app();
    let s = screen(&d.app, 120, 40);
    assert!(s.contains("notes Phase 2 — batches"), "{s}");
    assert!(s.contains("2 ✗✓✓"), "{s}");
    assert!(s.contains("✗ b2   b2-1"), "{s}");
    assert!(s.contains("notes/render.py"), "{s}");
    assert!(s.contains("SyntaxError: expected ':'"), "{s}");
    assert!(s.contains("TARGETED RECOVERY"), "{s}");
    // The failed job is selected.
    assert_eq!(d.app.selected_job().unwrap().id, "b2-1");
}

#[test]
fn overriding_q3_re_decides_live_and_is_recorded() {
    let mut d = demo_app();
    press(&mut d.app, "2jj ");
    assert!(matches!(d.app.modal, Some(Modal::Reason { .. })));
    let effects = press(&mut d.app, "spec names the wrong module\n");
    let s = d.app.project.as_ref().unwrap();
    assert_eq!(s.decision.as_ref().unwrap().verdict.as_str(), "full_restart");
    assert_eq!(s.ledger.overrides.answers["Q3"].reason, "spec names the wrong module");
    assert!(
        matches!(&effects[0], Effect::Record { event: JournalEvent::Overridden { question, answer: true, .. } } if question == "Q3")
    );
    assert!(screen(&d.app, 100, 30).contains("FULL RESTART"));
    // Toggling again removes the override.
    press(&mut d.app, " ");
    assert_eq!(d.app.project.as_ref().unwrap().decision.as_ref().unwrap().verdict.as_str(), "targeted_recovery");
}

#[test]
fn an_override_needs_a_reason_and_esc_cancels() {
    let mut d = demo_app();
    press(&mut d.app, "2jj \n");
    assert!(matches!(d.app.modal, Some(Modal::Reason { .. })), "empty reason keeps the box open");
    assert_eq!(d.app.status.as_ref().unwrap().text, "a reason is required");
    press(&mut d.app, "\x1b");
    assert!(d.app.modal.is_none());
    assert!(d.app.project.as_ref().unwrap().ledger.overrides.answers.is_empty());
}

#[test]
fn checklist_confirm_waive_and_snapshot_action() {
    let mut d = demo_app();
    press(&mut d.app, "3jjjj");
    let effects = press(&mut d.app, "c");
    assert!(
        matches!(&effects[0], Effect::Record { event: JournalEvent::Confirmed { item, .. } } if item == "dependencies_reviewed")
    );
    // Item 6 is now selected: waive it with a reason.
    press(&mut d.app, "w");
    press(&mut d.app, "schema unchanged since batch 1\n");
    let s = d.app.project.as_ref().unwrap();
    assert_eq!(s.checklist[5].state.as_str(), "waived");
    assert_eq!(s.checklist[5].reason.as_deref(), Some("schema unchanged since batch 1"));
    // Item 7: its action takes the snapshot.
    press(&mut d.app, "j");
    let effects = press(&mut d.app, "a");
    assert!(matches!(&effects[0], Effect::Snapshot { paths, .. } if paths == &vec!["notes/render.py".to_string()]));
    run_effects(&mut d.app, effects);
    let s = d.app.project.as_ref().unwrap();
    assert_eq!(s.checklist[6].state.as_str(), "passed");
    assert!(recover_tui::core::checklist::satisfied(&s.checklist));
    assert!(d.app.status.as_ref().unwrap().text.starts_with("snapshot "));
}

#[test]
fn recovery_is_refused_until_the_checklist_is_done_then_confirmed() {
    let mut d = demo_app();
    let effects = press(&mut d.app, "5R");
    assert!(effects.is_empty());
    let status = d.app.status.clone().unwrap();
    assert!(status.error);
    assert!(status.text.starts_with("checklist not done: 5 Dependencies"), "{}", status.text);
    press(&mut d.app, "3jjjjcc");
    let e = press(&mut d.app, "a");
    run_effects(&mut d.app, e);
    press(&mut d.app, "5R");
    assert!(matches!(d.app.modal, Some(Modal::Confirm { .. })));
    let effects = press(&mut d.app, "y");
    let Effect::StartRecovery { jobs } = &effects[0] else { panic!("{effects:?}") };
    assert_eq!(jobs, &vec!["b2-1".to_string()]);
    // Without a revised prompt, recovery sends the original prompt with the fix spelled out.
    let s = d.app.project.as_ref().unwrap();
    let gp = recover_tui::app::recovery::generation_prompt(s, "b2-1").unwrap();
    let (prompt, rendered) = (gp.text, gp.recovery_prompt);
    assert_eq!(gp.origin, recover_tui::core::model::PromptOrigin::Direct);
    assert!(prompt.starts_with("Context: notes Phase 2 Batch 2"));
    assert!(prompt.contains("## Fix required (recovery attempt)"));
    assert!(prompt.contains("SyntaxError: expected ':' (notes/render.py:4)"));
    assert!(rendered.unwrap().contains("## The syntax error"));
}

#[test]
fn a_revised_prompt_is_what_recovery_sends() {
    let mut d = demo_app();
    update(
        &mut d.app,
        Msg::Revised {
            job: "b2-1".into(),
            result: Ok("Write notes/render.py with `def render(note: Note) -> str:`".into()),
        },
    );
    assert!(d.app.show_prompt_diff);
    press(&mut d.app, "4");
    let s = screen(&d.app, 100, 30);
    assert!(s.contains("+ Write notes/render.py with `def render(note: Note) -> str:`"), "{s}");
    assert!(s.contains("- Context: notes Phase 2 Batch 2"), "{s}");
}

#[test]
fn help_is_generated_from_the_keymap_and_searchable() {
    let mut d = demo_app();
    press(&mut d.app, "?/snap");
    let s = screen(&d.app, 100, 30);
    assert!(s.contains("search: snap"), "{s}");
    assert!(s.contains("take snapshot"), "{s}");
    // The overlay lists exactly the keymap rows that match.
    let rows = d.app.keymap.help_rows("snap");
    assert_eq!(rows.iter().map(|r| r.1).collect::<Vec<_>>(), ["snapshots", "take snapshot", "diff", "restore"]);
    assert!(s.contains("s                take snapshot                everywhere"), "{s}");
    press(&mut d.app, "\x1b\x1b");
    assert!(d.app.modal.is_none());
}

#[test]
fn filter_narrows_the_job_list() {
    let mut d = demo_app();
    press(&mut d.app, "/search\n");
    assert_eq!(d.app.visible_jobs().len(), 1);
    assert_eq!(d.app.selected_job().unwrap().id, "b2-3");
    press(&mut d.app, "/\x1b");
    assert_eq!(d.app.visible_jobs().len(), 7);
}

#[test]
fn quit_asks_while_attempts_run() {
    let mut d = demo_app();
    d.app.running = true;
    let e = press(&mut d.app, "q");
    assert!(e.is_empty());
    assert!(matches!(d.app.modal, Some(Modal::Confirm { .. })));
    let e = press(&mut d.app, "y");
    assert_eq!(e, vec![Effect::Quit]);
    assert!(d.app.should_quit);
}

#[test]
fn attempts_done_records_and_escalates_after_two_failures() {
    use recover_tui::core::model::{Attempt, AttemptOutcome};
    let mut d = demo_app();
    let failed = |n: u32| Attempt {
        job: "b2-1".into(),
        number: n,
        snapshot: None,
        recovery_prompt: None,
        revised_prompt: None,
        kind: recover_tui::core::model::AttemptKind::TargetedRecovery,
        command: vec!["codex".into()],
        started_at: chrono::Utc::now(),
        ended_at: None,
        exit_code: Some(0),
        findings: vec![],
        outcome: AttemptOutcome::Failed,
        changes: None,
        prompt_origin: None,
    };
    let specs = |app: &App| {
        let s = app.project.as_ref().unwrap();
        let prepared = recover_tui::app::recovery::Prepared {
            step: recover_tui::core::status::StepKind::Repair,
            jobs: vec!["b2-1".to_string()],
        };
        recover_tui::app::recovery::specs(s, &prepared).unwrap().into_iter().map(|(sp, _)| sp).collect::<Vec<_>>()
    };
    let effects = update(&mut d.app, Msg::AttemptsDone(vec![Ok(failed(1))]));
    assert!(matches!(&effects[0], Effect::FinishAttempts { results } if results.len() == 1));
    let sp = specs(&d.app);
    recover_tui::tui::recovery::finish(&mut d.app, &sp, vec![Ok(failed(1))]);
    assert!(!d.app.project.as_ref().unwrap().decision.as_ref().unwrap().escalated);
    let sp = specs(&d.app);
    recover_tui::tui::recovery::finish(&mut d.app, &sp, vec![Ok(failed(2))]);
    let dec = d.app.project.as_ref().unwrap().decision.as_ref().unwrap();
    assert!(dec.escalated);
    assert_eq!(dec.verdict.as_str(), "full_restart");
    assert!(
        d.app.status.as_ref().unwrap().text.starts_with("ESCALATED: b2-1 failed 2 recovery attempt(s) (limit 2)"),
        "{:?}",
        d.app.status
    );
    let (journal, _) = d.app.project.as_ref().unwrap().journal_lines();
    assert!(journal.last().unwrap().contains("escalated"), "{journal:?}");
    press(&mut d.app, "5");
    let s = screen(&d.app, 120, 30);
    assert!(s.contains("ESCALATED TO FULL RESTART"), "{s}");
    assert!(s.contains("failed recoveries 2/2"), "{s}");
}

#[test]
fn mouse_click_on_a_tab_switches_screen() {
    use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
    let mut d = demo_app();
    screen(&d.app, 120, 30);
    // " recover-tui " is 13 columns; tab 1 " 1 Overview " then a space: tab 2 starts at 26.
    update(
        &mut d.app,
        Msg::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 28,
            row: 0,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(d.app.screen, Screen::Decision);
}

#[test]
fn every_screen_at_100x30() {
    let mut d = demo_app();
    for (k, name) in [
        ('1', "overview"),
        ('2', "decision"),
        ('3', "checklist"),
        ('4', "prompt"),
        ('5', "run"),
        ('6', "snapshots"),
        ('7', "log"),
    ] {
        press(&mut d.app, &k.to_string());
        d.app.status = None;
        insta::assert_snapshot!(name, screen(&d.app, 100, 30));
    }
}

#[test]
fn escape_sequences_in_logs_never_reach_the_screen() {
    let mut d = demo_app();
    {
        let s = d.app.project.as_mut().unwrap();
        let j = &mut s.run.batches[1].jobs[0];
        j.result.findings[0].message = "expected ':'\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31m\u{202e}evil".into();
    }
    let s = screen(&d.app, 120, 40);
    assert!(!s.contains('\u{1b}') && !s.contains('\u{9b}') && !s.contains('\u{202e}') && !s.contains('\u{7}'));
    // The 8-bit CSI takes its parameters with it; the text around survives.
    assert!(s.contains("SyntaxError: expected ':'evil"), "{s}");
    press(&mut d.app, "?");
    let _ = press(&mut d.app, "\x1b");
}

/// The whole walk on the demo: decide -> checklist -> snapshot -> recovery with the demo's
/// scripted generator -> validation -> export. Effects run with the same library calls the
/// driver makes; the test waits on the message queue, never on a timer.
#[test]
fn the_full_walk_from_failure_to_an_exported_success() {
    let mut d = demo_app();
    // Decision: targeted recovery of b2-1.
    assert_eq!(d.app.project.as_ref().unwrap().decision.as_ref().unwrap().verdict.as_str(), "targeted_recovery");
    // Checklist: confirm 5 and 6, take the snapshot (7).
    press(&mut d.app, "3jjjjcc");
    let e = press(&mut d.app, "a");
    run_effects(&mut d.app, e);
    assert!(recover_tui::core::checklist::satisfied(&d.app.project.as_ref().unwrap().checklist));
    // Run: start and confirm.
    press(&mut d.app, "5R");
    let effects = press(&mut d.app, "y");
    let Some(Effect::StartRecovery { jobs }) = effects.into_iter().next() else { panic!("no recovery started") };
    let rt = tokio::runtime::Runtime::new().unwrap();
    let _enter = rt.enter();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let (_cancel, cancel_rx) = tokio::sync::watch::channel(false);
    let specs = recover_tui::tui::recovery::start(&mut d.app, tx, cancel_rx, jobs).unwrap();
    assert!(d.app.running);
    // Drain the queue: live lines, the snapshot list, then the end of the attempts.
    loop {
        let msg = rt.block_on(rx.recv()).expect("the recovery task ends with AttemptsDone");
        let last = matches!(msg, Msg::AttemptsDone(_));
        for e in update(&mut d.app, msg) {
            if let Effect::FinishAttempts { results } = e {
                recover_tui::tui::recovery::finish(&mut d.app, &specs, results);
            }
        }
        if last {
            break;
        }
    }
    assert!(!d.app.running);
    assert_eq!(d.app.status.as_ref().unwrap().text, "1 of 1 attempt(s) passed validation");
    let lines = &d.app.run_views["b2-1"].lines;
    assert!(lines.iter().any(|l| l == "wrote notes/render.py"), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.starts_with("■ validation python3 -m py_compile notes/render.py exited 0")),
        "{lines:?}"
    );
    let s = d.app.project.as_ref().unwrap();
    assert_eq!(s.job_state("b2-1"), Some(recover_tui::core::status::JobState::Repaired));
    let attempt = &s.ledger.attempts["b2-1"][0];
    assert_eq!(attempt.outcome.word(), "passed");
    assert_eq!(attempt.changes.as_deref(), Some("1 file changed, +2 -1"));
    let fixed = std::fs::read_to_string(s.run.project_root.join("notes/render.py")).unwrap();
    assert!(fixed.contains("def render(note: Note) -> str:"));
    // Export: the note records the attempt and the outcome.
    let md = s.export_markdown(chrono::Utc::now()).unwrap();
    assert!(md.contains("### b2-1 attempt 1 — passed"), "{md}");
    assert!(md.contains("Changed: 1 file changed, +2 -1"), "{md}");
    assert!(md.trim_end().ends_with("## Outcome: SUCCESS"), "{md}");
    let (journal, _) = s.journal_lines();
    let events: Vec<&str> = journal.iter().map(|l| l.split_whitespace().nth(2).unwrap_or("")).collect();
    assert_eq!(events, ["snapshot", "attempt_started", "attempt_ended"], "{journal:?}");
}
