//! `update`: a message changes the state and returns the effects to run. No IO here.

use super::action::{Action, Screen};
use super::app::{App, JobRunView, Modal, ReasonFor};
use super::effects::{Effect, Msg};
use crate::core::checklist::{ItemKind, ItemState, Recorded};
use crate::core::decide::{Override, Verdict};
use crate::core::model::Status;
use crate::store::journal::JournalEvent;
use ratatui::crossterm::event::{KeyCode, KeyEventKind, MouseEventKind};

pub fn update(app: &mut App, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Key(k) if k.kind == KeyEventKind::Press => on_key(app, k),
        Msg::Key(_) | Msg::Resize => vec![],
        Msg::Mouse(m) => match m.kind {
            MouseEventKind::ScrollDown => on_action(app, Action::Down),
            MouseEventKind::ScrollUp => on_action(app, Action::Up),
            MouseEventKind::Down(_) => on_click(app, m.column, m.row),
            _ => vec![],
        },
        Msg::Tick => {
            app.tick = app.tick.wrapping_add(1);
            vec![]
        }
        Msg::Progress(p) => {
            app.loading = Some(p);
            vec![]
        }
        Msg::Loaded(Ok(s)) => {
            let failed = s.run.jobs().filter(|j| j.result.status == Status::Failed).count();
            let warnings = s.run.warnings.len() + s.warnings.len();
            let verdict = s.decision.as_ref().map(|d| d.verdict.as_str()).unwrap_or("nothing failed");
            app.project = Some(*s);
            app.invalidate();
            app.loading = None;
            // Open on the first failed job.
            app.job_sel = app
                .visible_jobs()
                .iter()
                .position(|&(b, j)| {
                    app.project
                        .as_ref()
                        .and_then(|s| s.run.batches.get(b))
                        .and_then(|b| b.jobs.get(j))
                        .is_some_and(|j| j.result.status == Status::Failed)
                })
                .unwrap_or(0);
            let w = if warnings > 0 { format!("; {warnings} warning(s): see Log (7)") } else { String::new() };
            app.set_status(format!("loaded: {failed} failed job(s); verdict {verdict}{w}"), false);
            vec![]
        }
        Msg::Loaded(Err(e)) => {
            app.loading = None;
            app.load_error = Some(e);
            vec![]
        }
        Msg::Recorded(r) | Msg::Restored(r) | Msg::Copied(r) => {
            match r {
                Ok(m) if m.is_empty() => {}
                Ok(m) => app.set_status(m, false),
                Err(e) => app.set_status(e, true),
            }
            app.busy = None;
            vec![]
        }
        Msg::Snapshotted(r) => {
            app.busy = None;
            match r {
                Ok(info) => {
                    app.set_status(format!("snapshot {} taken ({} files)", info.id, info.files), false);
                    if let Some(s) = app.project.as_mut() {
                        s.facts.snapshot = Some(info.id.clone());
                        s.snapshots.push(info);
                        s.redecide();
                    }
                }
                Err(e) => app.set_status(format!("snapshot failed: {e}"), true),
            }
            vec![]
        }
        Msg::Exported(r) => {
            app.busy = None;
            match r {
                Ok(p) => app.set_status(format!("rationale log written to {}", p.display()), false),
                Err(e) => app.set_status(format!("export failed: {e}"), true),
            }
            vec![]
        }
        Msg::Edited { job, result } | Msg::Revised { job, result } => {
            app.busy = None;
            match result {
                Ok(text) if !text.trim().is_empty() => {
                    app.revised.insert(job.clone(), text);
                    app.show_prompt_diff = true;
                    app.set_status(
                        format!("revised prompt for {job} kept; it is what the recovery will send (d: diff)"),
                        false,
                    );
                }
                Ok(_) => app.set_status("the revised prompt is empty; nothing kept", true),
                Err(e) => app.set_status(e, true),
            }
            vec![]
        }
        Msg::AttemptLine { job, line } => {
            let v = app.run_views.entry(job).or_default();
            v.lines.push(line);
            if v.lines.len() > 2000 {
                v.lines.drain(..1000);
            }
            vec![]
        }
        Msg::AttemptsDone(results) => vec![Effect::FinishAttempts { results }],
        Msg::DiffReady(r) => {
            app.busy = None;
            match r {
                Ok(t) => {
                    app.diff_text = Some(t);
                    app.diff_scroll = 0;
                }
                Err(e) => app.set_status(e, true),
            }
            vec![]
        }
        Msg::Snapshots(list) => {
            if let Some(s) = app.project.as_mut() {
                s.snapshots = list;
                s.redecide();
            }
            vec![]
        }
        Msg::Terminate => {
            app.should_quit = true;
            vec![Effect::Quit]
        }
        Msg::Journal(lines) => {
            app.journal = lines;
            vec![]
        }
    }
}

fn on_key(app: &mut App, k: ratatui::crossterm::event::KeyEvent) -> Vec<Effect> {
    if let Some(modal) = app.modal.take() {
        return on_modal_key(app, modal, k);
    }
    match app.keymap.action(&k) {
        Some(a) => on_action(app, a),
        None => vec![],
    }
}

fn on_modal_key(app: &mut App, modal: Modal, k: ratatui::crossterm::event::KeyEvent) -> Vec<Effect> {
    use ratatui::crossterm::event::KeyModifiers;
    if k.code == KeyCode::Char('c') && k.modifiers.contains(KeyModifiers::CONTROL) {
        return vec![];
    }
    match modal {
        Modal::Reason { purpose, mut text } => match k.code {
            KeyCode::Esc => {
                app.set_status("cancelled", false);
                vec![]
            }
            KeyCode::Enter if !text.trim().is_empty() => submit_reason(app, purpose, text.trim().to_string()),
            KeyCode::Enter => {
                app.modal = Some(Modal::Reason { purpose, text });
                app.set_status("a reason is required", true);
                vec![]
            }
            KeyCode::Backspace => {
                text.pop();
                app.modal = Some(Modal::Reason { purpose, text });
                vec![]
            }
            KeyCode::Char(c) => {
                text.push(c);
                app.modal = Some(Modal::Reason { purpose, text });
                vec![]
            }
            _ => {
                app.modal = Some(Modal::Reason { purpose, text });
                vec![]
            }
        },
        Modal::Filter { mut text } => {
            match k.code {
                KeyCode::Esc => {
                    app.filter.clear();
                    return vec![];
                }
                KeyCode::Enter => return vec![],
                KeyCode::Backspace => {
                    text.pop();
                }
                KeyCode::Char(c) => text.push(c),
                _ => {}
            }
            app.filter = text.clone();
            app.job_sel = 0;
            app.modal = Some(Modal::Filter { text });
            vec![]
        }
        Modal::Confirm { question, effect } => match k.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                if *effect == Effect::Quit {
                    app.should_quit = true;
                }
                vec![*effect]
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                app.set_status("cancelled", false);
                vec![]
            }
            _ => {
                app.modal = Some(Modal::Confirm { question, effect });
                vec![]
            }
        },
        Modal::Help { mut query, searching } => {
            if searching {
                match k.code {
                    KeyCode::Esc | KeyCode::Enter => app.modal = Some(Modal::Help { query, searching: false }),
                    KeyCode::Backspace => {
                        query.pop();
                        app.modal = Some(Modal::Help { query, searching: true });
                    }
                    KeyCode::Char(c) => {
                        query.push(c);
                        app.modal = Some(Modal::Help { query, searching: true });
                    }
                    _ => app.modal = Some(Modal::Help { query, searching }),
                }
            } else {
                match k.code {
                    KeyCode::Char('/') => app.modal = Some(Modal::Help { query, searching: true }),
                    KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') => {}
                    _ => app.modal = Some(Modal::Help { query, searching }),
                }
            }
            vec![]
        }
    }
}

fn submit_reason(app: &mut App, purpose: ReasonFor, reason: String) -> Vec<Effect> {
    let Some(s) = app.project.as_mut() else { return vec![] };
    let (event, said) = match purpose {
        ReasonFor::Override { step, answer } => {
            s.ledger.overrides.answers.insert(step.clone(), Override { answer, reason: reason.clone() });
            let said = format!("{step} overridden to {}", if answer { "yes" } else { "no" });
            (JournalEvent::Overridden { question: step, answer, reason }, said)
        }
        ReasonFor::Waive { id } => {
            s.ledger.checklist.insert(
                id.clone(),
                Recorded {
                    state: ItemState::Waived,
                    reason: Some(reason.clone()),
                    by: user(),
                    at: Some(chrono::Utc::now()),
                },
            );
            let said = format!("item {id} waived");
            (JournalEvent::Waived { item: id, reason, by: user() }, said)
        }
    };
    s.redecide();
    let verdict = s.decision.as_ref().map(|d| d.verdict.as_str()).unwrap_or("-");
    let text = format!("{said}; verdict now {verdict}");
    let effects = vec![Effect::Record { event }, Effect::Record { event: decided_event(d_of(s)) }];
    app.set_status(text, false);
    effects
}

fn d_of(s: &crate::app::project::Project) -> Option<&crate::core::decide::Decision> {
    s.decision.as_ref()
}

/// The `decided` journal event for the current decision.
pub fn decided_event(d: Option<&crate::core::decide::Decision>) -> JournalEvent {
    match d {
        Some(d) => JournalEvent::Decided {
            verdict: d.verdict.as_str().into(),
            scope: d.scope.as_str().into(),
            failing_batch: d.failing_batch,
            escalated: d.escalated,
            rerun_jobs: d.rerun_jobs.iter().map(|r| r.job.clone()).collect(),
            summary: d.rationale.iter().find(|r| r.fired == Some(true)).map(|r| format!("{}: {}", r.step, r.answer)),
        },
        None => JournalEvent::Decided {
            verdict: "none".into(),
            scope: "-".into(),
            failing_batch: 0,
            escalated: false,
            rerun_jobs: vec![],
            summary: Some("nothing failed".into()),
        },
    }
}

fn user() -> Option<String> {
    std::env::var("USER").ok().or_else(|| std::env::var("LOGNAME").ok())
}

fn clamp_move(sel: &mut usize, len: usize, delta: isize) {
    if len == 0 {
        *sel = 0;
        return;
    }
    let n = (*sel as isize + delta).clamp(0, len as isize - 1);
    *sel = n as usize;
}

fn scroll(v: &mut u16, delta: isize) {
    *v = (*v as isize + delta).clamp(0, u16::MAX as isize) as u16;
}

/// Move the selection (or scroll) of the current screen.
fn navigate(app: &mut App, delta: isize) {
    let s = app.project.as_ref();
    match app.screen {
        Screen::Overview if app.pane == 0 => {
            let len = app.visible_jobs().len();
            clamp_move(&mut app.job_sel, len, delta);
            app.detail_scroll = 0;
        }
        Screen::Overview => scroll(&mut app.detail_scroll, delta),
        Screen::Decision => {
            let len = s.and_then(|s| s.decision.as_ref()).map(|d| d.rationale.len()).unwrap_or(0);
            clamp_move(&mut app.decision_sel, len, delta);
        }
        Screen::Checklist => {
            let len = s.map(|s| s.checklist.len()).unwrap_or(0);
            clamp_move(&mut app.checklist_sel, len, delta);
        }
        Screen::Prompt => scroll(&mut app.prompt_scroll, delta),
        Screen::Snapshots if app.diff_text.is_some() => scroll(&mut app.diff_scroll, delta),
        Screen::Snapshots => {
            let len = s.map(|s| s.snapshots.len()).unwrap_or(0);
            clamp_move(&mut app.snapshot_sel, len, delta);
        }
        Screen::Run | Screen::Log => scroll(&mut app.log_scroll, delta),
    }
}

pub fn on_action(app: &mut App, a: Action) -> Vec<Effect> {
    let page = app.page.max(2) as isize - 1;
    match a {
        Action::Quit => {
            if app.running {
                app.modal = Some(Modal::Confirm {
                    question: "Recovery attempts are running. Stop them and quit?".into(),
                    effect: Box::new(Effect::Quit),
                });
                return vec![];
            }
            app.should_quit = true;
            vec![Effect::Quit]
        }
        Action::Help => {
            app.modal = Some(Modal::Help { query: String::new(), searching: false });
            vec![]
        }
        Action::Back => {
            if app.diff_text.take().is_none() && app.screen != Screen::Overview {
                app.screen = Screen::Overview;
            }
            vec![]
        }
        Action::NextScreen => go(app, Screen::ALL[(app.screen.index() + 1) % Screen::ALL.len()]),
        Action::PrevScreen => go(app, Screen::ALL[(app.screen.index() + Screen::ALL.len() - 1) % Screen::ALL.len()]),
        Action::GoOverview => go(app, Screen::Overview),
        Action::GoDecision => go(app, Screen::Decision),
        Action::GoChecklist => go(app, Screen::Checklist),
        Action::GoPrompt => go(app, Screen::Prompt),
        Action::GoRun => go(app, Screen::Run),
        Action::GoSnapshots => go(app, Screen::Snapshots),
        Action::GoLog => go(app, Screen::Log),
        Action::Up => {
            navigate(app, -1);
            vec![]
        }
        Action::Down => {
            navigate(app, 1);
            vec![]
        }
        Action::PageUp => {
            navigate(app, -page);
            vec![]
        }
        Action::PageDown => {
            navigate(app, page);
            vec![]
        }
        Action::Top => {
            navigate(app, -1_000_000);
            vec![]
        }
        Action::Bottom => {
            navigate(app, 1_000_000);
            vec![]
        }
        Action::NextPane => {
            if app.screen == Screen::Overview {
                app.pane = (app.pane + 1) % 2;
            } else if app.screen == Screen::Prompt {
                let n = app.project.as_ref().map(|s| s.jobs_to_repair().len()).unwrap_or(0).max(1);
                app.prompt_job = (app.prompt_job + 1) % n;
                app.prompt_scroll = 0;
            }
            vec![]
        }
        Action::Select => match app.screen {
            Screen::Overview => {
                app.pane = (app.pane + 1) % 2;
                vec![]
            }
            Screen::Decision => on_action(app, Action::ToggleAnswer),
            Screen::Checklist => on_action(app, Action::Confirm),
            Screen::Snapshots => on_action(app, Action::Diff),
            _ => vec![],
        },
        Action::Filter if app.screen == Screen::Overview => {
            app.modal = Some(Modal::Filter { text: app.filter.clone() });
            vec![]
        }
        Action::ToggleAnswer if app.screen == Screen::Decision => toggle_answer(app),
        Action::Confirm if app.screen == Screen::Checklist => confirm_item(app),
        Action::Waive if app.screen == Screen::Checklist => {
            let Some(item) = app.project.as_ref().and_then(|s| s.checklist.get(app.checklist_sel)) else {
                return vec![];
            };
            app.modal =
                Some(Modal::Reason { purpose: ReasonFor::Waive { id: item.id.to_string() }, text: String::new() });
            vec![]
        }
        Action::RunItemAction if app.screen == Screen::Checklist => {
            let action = app.project.as_ref().and_then(|s| s.checklist.get(app.checklist_sel)).and_then(|i| i.action);
            match action {
                Some("snapshot") => snapshot(app),
                _ => {
                    app.set_status("this item has no action to run", false);
                    vec![]
                }
            }
        }
        Action::Snapshot => snapshot(app),
        Action::Edit if app.screen == Screen::Prompt => edit_effect(app),
        Action::Copy if app.screen == Screen::Prompt => prompt_effect(app, |job, text| Effect::Copy { job, text }),
        Action::Revise if app.screen == Screen::Prompt => {
            let has = app.project.as_ref().is_some_and(|s| s.config.commands.reviser.is_some());
            if !has {
                app.set_status(
                    "no reviser configured ([commands] reviser): edit the prompt with e, or copy it with y",
                    true,
                );
                return vec![];
            }
            app.busy = Some("running the reviser".into());
            prompt_effect(app, |job, prompt| Effect::Revise { job, prompt })
        }
        Action::Diff if app.screen == Screen::Prompt => {
            app.show_prompt_diff = !app.show_prompt_diff;
            vec![]
        }
        Action::Diff if app.screen == Screen::Snapshots => {
            let Some(id) = app.project.as_ref().and_then(|s| s.snapshots.get(app.snapshot_sel)).map(|s| s.id.clone())
            else {
                return vec![];
            };
            app.busy = Some("computing the diff".into());
            vec![Effect::Diff { id }]
        }
        Action::Restore if app.screen == Screen::Snapshots => {
            let Some(id) = app.project.as_ref().and_then(|s| s.snapshots.get(app.snapshot_sel)).map(|s| s.id.clone())
            else {
                return vec![];
            };
            app.modal = Some(Modal::Confirm {
                question: format!(
                    "Restore snapshot {id}? The current files are snapshotted first, so this can be undone."
                ),
                effect: Box::new(Effect::Restore { id }),
            });
            vec![]
        }
        Action::StartRecovery if app.screen == Screen::Run => start_recovery(app),
        Action::Cancel if app.screen == Screen::Run && app.running => vec![Effect::Cancel],
        Action::Export => {
            app.busy = Some("exporting".into());
            vec![Effect::Export]
        }
        Action::ToggleMouse => {
            app.mouse = !app.mouse;
            app.set_status(if app.mouse { "mouse on" } else { "mouse off (terminal selection works)" }, false);
            vec![]
        }
        _ => vec![],
    }
}

fn go(app: &mut App, screen: Screen) -> Vec<Effect> {
    app.screen = screen;
    app.diff_text = None;
    vec![]
}

fn toggle_answer(app: &mut App) -> Vec<Effect> {
    let Some(s) = app.project.as_mut() else { return vec![] };
    let Some(step) = s.decision.as_ref().and_then(|d| d.rationale.get(app.decision_sel)).cloned() else {
        return vec![];
    };
    if step.step != "Q2" && step.step != "Q3" {
        app.set_status("only Q2 and Q3 can be overridden (the rules follow from them)", true);
        return vec![];
    }
    if let Some(old) = s.ledger.overrides.answers.remove(&step.step) {
        s.redecide();
        let v = s.decision.as_ref().map(|d| d.verdict.as_str()).unwrap_or("-");
        let text = format!("override of {} removed; verdict now {v}", step.step);
        let event = JournalEvent::Overridden {
            question: step.step.clone(),
            answer: !old.answer,
            reason: format!("override removed (it was: {})", old.reason),
        };
        let effects = vec![Effect::Record { event }, Effect::Record { event: decided_event(d_of(s)) }];
        app.set_status(text, false);
        return effects;
    }
    let current_yes = step.answer.starts_with("yes");
    app.modal = Some(Modal::Reason {
        purpose: ReasonFor::Override { step: step.step.clone(), answer: !current_yes },
        text: String::new(),
    });
    vec![]
}

fn confirm_item(app: &mut App) -> Vec<Effect> {
    let Some(s) = app.project.as_mut() else { return vec![] };
    let Some(item) = s.checklist.get(app.checklist_sel).cloned() else { return vec![] };
    if item.kind != ItemKind::Confirm {
        let hint = if item.action.is_some() { "run its action with a, or waive it with w" } else { "waive it with w" };
        app.set_status(
            format!("item {} is checked automatically; {hint}", item.number),
            item.state == ItemState::Failed,
        );
        return vec![];
    }
    s.ledger.checklist.insert(
        item.id.to_string(),
        Recorded { state: ItemState::Confirmed, reason: None, by: user(), at: Some(chrono::Utc::now()) },
    );
    s.redecide();
    let len = s.checklist.len();
    app.set_status(format!("confirmed: {}", item.title), false);
    clamp_move(&mut app.checklist_sel, len, 1);
    vec![Effect::Record { event: JournalEvent::Confirmed { item: item.id.to_string(), by: user(), reason: None } }]
}

fn snapshot(app: &mut App) -> Vec<Effect> {
    let Some(s) = app.project.as_ref() else { return vec![] };
    let paths: Vec<String> =
        s.jobs_to_repair().iter().filter_map(|j| s.run.job(j)).flat_map(|j| j.outputs.iter().cloned()).collect();
    if paths.is_empty() {
        app.set_status("nothing to snapshot: no failed job names an output", true);
        return vec![];
    }
    app.busy = Some("taking a snapshot".into());
    vec![Effect::Snapshot { paths, reason: "before recovery".into() }]
}

/// Edit the generation prompt recovery will send: the revised one, else the original prompt
/// with the fix spelled out (`recovery::generation_prompt`), as a starting point.
fn edit_effect(app: &mut App) -> Vec<Effect> {
    let Some(job) = app.prompt_job_id() else {
        app.set_status("no job to recover", true);
        return vec![];
    };
    if let Some(text) = app.revised.get(&job) {
        return vec![Effect::Edit { job, text: text.clone() }];
    }
    let Some(s) = app.project.as_ref() else { return vec![] };
    match crate::app::recovery::generation_prompt(s, &job) {
        Ok(gp) => vec![Effect::Edit { job, text: gp.text }],
        Err(e) => {
            app.set_status(e, true);
            vec![]
        }
    }
}

/// An effect on the prompt shown: the revised prompt if there is one, else the recovery prompt.
fn prompt_effect(app: &mut App, make: impl Fn(String, String) -> Effect) -> Vec<Effect> {
    let Some(job) = app.prompt_job_id() else {
        app.set_status("no job to recover", true);
        return vec![];
    };
    let text = match app.revised.get(&job) {
        Some(t) => t.clone(),
        None => match app.project.as_ref().map(|s| s.prompt_for(&job)) {
            Some(Ok(p)) => p.text,
            Some(Err(e)) => {
                app.set_status(e.to_string(), true);
                return vec![];
            }
            None => return vec![],
        },
    };
    vec![make(job, text)]
}

fn start_recovery(app: &mut App) -> Vec<Effect> {
    let Some(s) = app.project.as_ref() else { return vec![] };
    let Some(d) = s.decision.as_ref() else {
        app.set_status("nothing failed: nothing to recover", false);
        return vec![];
    };
    if d.verdict == Verdict::FullRestart {
        let why = if d.escalated { "escalated after failed recoveries" } else { "the decision is a full restart" };
        app.set_status(format!("no recovery: {why}; export the rationale (X) and restart the phase"), true);
        return vec![];
    }
    if !crate::core::checklist::satisfied(&s.checklist) {
        let blocking = crate::core::checklist::blocking(&s.checklist);
        app.set_status(format!("checklist not done: {}", blocking.join("; ")), true);
        return vec![];
    }
    let jobs: Vec<String> =
        s.progress.as_ref().and_then(|p| p.runnable_now()).map(|n| n.jobs.clone()).unwrap_or_default();
    if jobs.is_empty() {
        app.set_status("every job is repaired: its latest attempt passed; export the rationale with X", false);
        return vec![];
    }
    for j in &jobs {
        app.run_views.insert(j.clone(), JobRunView { lines: Vec::new(), state: "starting".into() });
    }
    let n = jobs.len();
    app.modal = Some(Modal::Confirm {
        question: format!(
            "Run {} of {n} job(s) now with the configured generator?",
            d.verdict.as_str().replace('_', " ")
        ),
        effect: Box::new(Effect::StartRecovery { jobs }),
    });
    vec![]
}

fn on_click(app: &mut App, col: u16, row: u16) -> Vec<Effect> {
    let hit = app
        .hits
        .borrow()
        .iter()
        .find(|(r, _)| r.x <= col && col < r.x + r.width && r.y <= row && row < r.y + r.height)
        .map(|(_, h)| *h);
    match hit {
        Some(super::app::Hit::Tab(screen)) => go(app, screen),
        Some(super::app::Hit::Row { first, top }) => {
            let idx = first + (row - top) as usize;
            match app.screen {
                Screen::Overview => {
                    app.pane = 0;
                    let len = app.visible_jobs().len();
                    app.job_sel = idx.min(len.saturating_sub(1));
                }
                Screen::Decision => app.decision_sel = idx,
                Screen::Checklist => app.checklist_sel = idx,
                Screen::Snapshots => app.snapshot_sel = idx,
                _ => {}
            }
            navigate(app, 0);
            vec![]
        }
        None => vec![],
    }
}
