//! `update`: a message changes the state and returns the effects to run. No IO here: no
//! files, no clock, no re-deciding (the project jobs do that off the UI task and send the
//! project back), no processes. Screen keys go to the shown screen's file; the boxes' keys to
//! `modal.rs`; what is left (moving between screens, quitting, help) is handled here.

use super::action::Action;
use super::app::{App, ReadOnly};
use super::effects::{Done, Effect, Job, Msg};
use super::modal::{Modal, Then};
use super::screens::{self, checklist, overview, prompt, run, snapshots, Screen};
use crate::app::commands::CommandError;
use crate::core::model::{PromptOrigin, Status};
use ratatui::crossterm::event::{KeyEventKind, MouseButton, MouseEventKind};

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    let mut effects = on_msg(app, msg);
    if app.project.is_some() && !app.should_quit {
        effects.extend(screens::derive(app));
    }
    effects
}

fn on_msg(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(k) if k.kind == KeyEventKind::Press && !app.should_quit => match app.modal.take() {
            Some(m) => super::modal::on_key(app, m, k),
            None => match app.keymap.action(app.screen, &k) {
                Some(a) => on_action(app, a),
                None => vec![],
            },
        },
        Msg::Key(_) => vec![],
        Msg::Mouse(_) if app.should_quit || app.project.is_none() || app.modal.is_some() => vec![],
        Msg::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => wheel(app, m.column, m.row, Action::Down),
            MouseEventKind::ScrollUp => wheel(app, m.column, m.row, Action::Up),
            MouseEventKind::Down(MouseButton::Left) => click(app, m.column, m.row),
            _ => vec![],
        },
        Msg::Resize(w, h) => {
            app.size = (w, h);
            vec![]
        }
        Msg::Tick => {
            app.tick = app.tick.wrapping_add(1);
            vec![]
        }
        Msg::Progress(p) => {
            if app.project.is_none() {
                app.loading = Some(p);
            }
            vec![]
        }
        Msg::Loaded(Ok(l)) => {
            let p = *l.project;
            let failed = p.run.jobs().filter(|j| j.result.status == Status::Failed).count();
            let warnings = p.run.warnings.len() + p.warnings.len();
            let verdict = p.decision.as_ref().map(|d| d.verdict.as_str()).unwrap_or("nothing failed");
            let mut text = format!("loaded: {failed} failed job(s); verdict {verdict}");
            if warnings > 0 {
                text += &format!("; {warnings} warning(s): see Log (7)");
            }
            app.read_only = p.read_only_reason().map(|reason| ReadOnly { reason, pid: p.held_by() });
            if let Some(ro) = &app.read_only {
                text += &format!("; READ-ONLY: {}", ro.reason);
            }
            app.project = Some(p);
            app.journal = l.journal;
            app.loading = None;
            overview::on_loaded(app);
            app.set_status(text, false);
            vec![]
        }
        Msg::Loaded(Err(e)) => {
            app.loading = None;
            app.load_error = Some(e);
            vec![]
        }
        Msg::Back { project, done, journal } => {
            app.project = Some(*project);
            if let Some(j) = journal {
                app.journal = j;
            }
            on_done(app, done)
        }
        Msg::Edited { job, result } => prompt::on_new_prompt(app, job, PromptOrigin::Edit, result),
        Msg::Revised { .. } if app.should_quit => vec![],
        Msg::Revised { job, result } => prompt::on_new_prompt(app, job, PromptOrigin::Reviser, result),
        Msg::Copied(r) => {
            match r {
                Ok(m) => app.set_status(m, false),
                Err(e) => app.set_status(e, true),
            }
            vec![]
        }
        Msg::AttemptLine { job, line } => {
            run::on_line(app, job, line);
            vec![]
        }
        Msg::AttemptsDone { started, results } => {
            app.running.clear();
            app.busy = Some("recording the attempts".into());
            vec![Effect::Project(Job::FinishRecovery { started, results })]
        }
        Msg::Interrupted(why) => interrupt(app, &why),
    }
}

/// What a project job gave.
fn on_done(app: &mut App, done: Done) -> Vec<Effect> {
    match done {
        Done::Said(r) => {
            app.busy = None;
            checklist::on_recorded(app, r.is_ok());
            match r {
                Ok(text) => app.set_status(text, false),
                Err(e) => app.set_status(e.to_string(), true),
            }
            vec![]
        }
        Done::Saved { job, origin, result } => {
            prompt::on_saved(app, &job, origin, result);
            vec![]
        }
        Done::Exported(r) => {
            app.busy = None;
            match r {
                Ok(p) => {
                    let kept = if app.export_dir.is_some() { " (it stays after quit)" } else { "" };
                    app.set_status(format!("rationale log written to {}{kept}", p.display()), false);
                    app.exported.push(p);
                }
                Err(e) => app.set_status(format!("export refused: {e}"), true),
            }
            vec![]
        }
        Done::PromptView(v) => {
            prompt::on_view(app, *v);
            vec![]
        }
        Done::Diff { id, result } => {
            snapshots::on_diff(app, id, result);
            vec![]
        }
        Done::Prepared(_) if app.should_quit => vec![],
        Done::Prepared(r) => {
            run::on_prepared(app, r);
            vec![]
        }
        Done::Began(Ok(started)) => {
            app.busy = None;
            app.running = started.jobs();
            app.set_status(format!("running {}", crate::core::words::count(app.running.len(), "attempt")), false);
            vec![Effect::RunAttempts(started)]
        }
        Done::Began(Err(e)) => {
            app.busy = None;
            for v in app.screens.run.views.values_mut().filter(|v| v.state == "starting") {
                v.state = "did not start".into();
            }
            app.set_status(format!("recovery could not start: {e}"), true);
            vec![]
        }
        Done::Finished(r) => {
            run::on_finished(app, r);
            vec![]
        }
        Done::ReviseReady { result: Ok(req), .. } if !app.should_quit => vec![Effect::Revise(req)],
        Done::ReviseReady { result, .. } => {
            app.busy = None;
            if let Err(e) = result {
                app.set_status(e, true);
            }
            vec![]
        }
    }
}

/// When read-only, answer a write with the refusal (`app::commands`' wording) and say so.
pub fn read_only_refusal(app: &mut App) -> bool {
    let Some(ro) = &app.read_only else { return false };
    let text = CommandError::ReadOnly(ro.reason.clone()).to_string();
    app.set_status(text, true);
    true
}

pub fn on_action(app: &mut App, a: Action) -> Vec<Effect> {
    match a {
        Action::Interrupt => return interrupt(app, "Ctrl-C"),
        Action::Quit => return quit(app),
        Action::Help => {
            app.modal = Some(Modal::Help { query: String::new(), searching: false, scroll: Default::default() });
            return vec![];
        }
        Action::ToggleMouse => {
            app.mouse = !app.mouse;
            app.set_status(if app.mouse { "mouse on" } else { "mouse off (terminal selection works)" }, false);
            return vec![Effect::SetMouse(app.mouse)];
        }
        _ => {}
    }
    if app.project.is_none() {
        return vec![];
    }
    if let Some(effects) = screens::on_action(app, a) {
        return effects;
    }
    match a {
        Action::Back => go(app, Screen::Overview),
        Action::NextScreen => go(app, Screen::ALL[(app.screen.index() + 1) % Screen::ALL.len()]),
        Action::PrevScreen => go(app, Screen::ALL[(app.screen.index() + Screen::ALL.len() - 1) % Screen::ALL.len()]),
        Action::Go(s) => go(app, s),
        Action::Snapshot => {
            app.busy = Some("taking a snapshot".into());
            vec![Effect::Project(Job::Snapshot)]
        }
        Action::Export => {
            app.busy = Some("exporting".into());
            vec![Effect::Project(Job::Export { dir: app.export_dir.clone() })]
        }
        _ => vec![],
    }
}

fn go(app: &mut App, screen: Screen) -> Vec<Effect> {
    app.screen = screen;
    vec![]
}

fn quit(app: &mut App) -> Vec<Effect> {
    if !app.running.is_empty() {
        app.modal = Some(Modal::Confirm {
            question: "Recovery attempts are running. Stop them (they are recorded as aborted) and quit?".into(),
            lines: vec![],
            then: Then::Quit,
        });
        return vec![];
    }
    app.should_quit = true;
    vec![Effect::Cancel]
}

/// Stop everything and leave: running commands are cancelled (their attempts are recorded
/// `aborted`), then the runner ends once nothing is in flight.
pub fn interrupt(app: &mut App, why: &str) -> Vec<Effect> {
    app.modal = None;
    app.should_quit = true;
    if app.running.is_empty() {
        app.set_status(format!("{why}: leaving"), false);
    } else {
        app.busy = Some(format!("{why}: stopping the attempts (recorded as aborted)"));
    }
    vec![Effect::Cancel]
}

/// A "yes" to a question.
pub fn then(app: &mut App, t: Then) -> Vec<Effect> {
    match t {
        Then::Quit => interrupt(app, "quit"),
        Then::Restore { id } => snapshots::restore(app, id),
        Then::Recover { jobs } => run::begin(app, jobs),
        Then::Revise { job } => prompt::start_revise(app, job),
        Then::Approve { jobs } => vec![Effect::Project(Job::ApproveValidation { jobs })],
    }
}

fn wheel(app: &mut App, col: u16, row: u16, a: Action) -> Vec<Effect> {
    let body = super::view::body(app);
    if body.contains(ratatui::layout::Position { x: col, y: row }) {
        return screens::wheel(app, body, col, row, a);
    }
    vec![]
}

fn click(app: &mut App, col: u16, row: u16) -> Vec<Effect> {
    if row == 0 {
        return match super::view::tab_at(app, col) {
            Some(s) => go(app, s),
            None => vec![],
        };
    }
    let body = super::view::body(app);
    if body.contains(ratatui::layout::Position { x: col, y: row }) {
        return screens::click(app, body, col, row);
    }
    vec![]
}
