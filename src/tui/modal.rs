//! The boxes over the screen — a reason to type, a yes/no question, the job filter, the help
//! overlay — with their keys (from the keymap table, scopes `Text`, `Confirm`, `Help`) and
//! their drawing.

use super::action::Action;
use super::app::App;
use super::effects::{Effect, Job};
use super::keymap::Scope;
use super::scroll::Scroll;
use crate::app::commands::{Mark, Question};
use crate::core::sanitize::clean_line;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

/// Why the reason box is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReasonFor {
    Override { question: Question, answer: bool },
    Waive { item: String },
}

/// What a "yes" does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Then {
    /// Stop the running attempts (recorded `aborted`) and quit.
    Quit,
    Restore {
        id: String,
    },
    /// Run the attempts of these jobs.
    Recover {
        jobs: Vec<String>,
    },
    /// Run the reviser, replacing the saved generation prompt.
    Revise {
        job: String,
    },
    /// Approve the validation commands written in the project for these jobs.
    Approve {
        jobs: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Modal {
    Reason {
        purpose: ReasonFor,
        text: String,
    },
    Filter {
        text: String,
    },
    /// A question; `lines` are shown under it (the jobs and commands a recovery runs).
    Confirm {
        question: String,
        lines: Vec<String>,
        then: Then,
    },
    Help {
        query: String,
        searching: bool,
        scroll: Scroll,
    },
}

impl Modal {
    /// Where its keys are in the keymap.
    pub fn scope(&self) -> Scope {
        match self {
            Modal::Reason { .. } | Modal::Filter { .. } | Modal::Help { searching: true, .. } => Scope::Text,
            Modal::Confirm { .. } => Scope::Confirm,
            Modal::Help { .. } => Scope::Help,
        }
    }
}

/// A typed character (no Ctrl), for text boxes.
fn typed(k: &KeyEvent) -> Option<char> {
    match k.code {
        KeyCode::Char(c) if !k.modifiers.contains(KeyModifiers::CONTROL) => Some(c),
        _ => None,
    }
}

/// A key while `modal` is open (it was taken out of the app; put back unless it closes).
pub fn on_key(app: &mut App, modal: Modal, k: KeyEvent) -> Vec<Effect> {
    let action = app.keymap.modal_action(modal.scope(), &k);
    if action == Some(Action::Interrupt) {
        return super::update::interrupt(app, "Ctrl-C");
    }
    match modal {
        Modal::Reason { purpose, mut text } => match action {
            Some(Action::CancelInput) => {
                app.set_status("cancelled", false);
                vec![]
            }
            Some(Action::Submit) if !text.trim().is_empty() => submit_reason(app, purpose, text.trim().to_string()),
            Some(Action::Submit) => {
                app.modal = Some(Modal::Reason { purpose, text });
                app.set_status("a reason is required", true);
                vec![]
            }
            Some(Action::DeleteChar) => {
                text.pop();
                app.modal = Some(Modal::Reason { purpose, text });
                vec![]
            }
            _ => {
                text.extend(typed(&k));
                app.modal = Some(Modal::Reason { purpose, text });
                vec![]
            }
        },
        Modal::Filter { mut text } => {
            match action {
                Some(Action::CancelInput) => {
                    super::screens::overview::set_filter(app, String::new());
                    return vec![];
                }
                Some(Action::Submit) => return vec![],
                Some(Action::DeleteChar) => {
                    text.pop();
                }
                _ => text.extend(typed(&k)),
            }
            super::screens::overview::set_filter(app, text.clone());
            app.modal = Some(Modal::Filter { text });
            vec![]
        }
        Modal::Confirm { question, lines, then } => match action {
            Some(Action::Yes) => super::update::then(app, then),
            Some(Action::No) => {
                app.set_status("cancelled", false);
                vec![]
            }
            _ => {
                app.modal = Some(Modal::Confirm { question, lines, then });
                vec![]
            }
        },
        Modal::Help { mut query, searching: true, scroll } => {
            match action {
                Some(Action::Submit) | Some(Action::CancelInput) => {}
                Some(Action::DeleteChar) => {
                    query.pop();
                    app.modal = Some(Modal::Help { query, searching: true, scroll: Scroll::default() });
                    return vec![];
                }
                _ => {
                    query.extend(typed(&k));
                    app.modal = Some(Modal::Help { query, searching: true, scroll: Scroll::default() });
                    return vec![];
                }
            }
            app.modal = Some(Modal::Help { query, searching: false, scroll });
            vec![]
        }
        Modal::Help { query, searching: false, mut scroll } => {
            match action {
                Some(Action::Back) => return vec![],
                Some(Action::Search) => {
                    app.modal = Some(Modal::Help { query, searching: true, scroll });
                    return vec![];
                }
                Some(a) => {
                    let rows = app.keymap.help_rows(&query).len();
                    let (_, viewport) = help_box(Rect::new(0, 0, app.size.0, app.size.1), rows);
                    scroll.apply(a, rows, viewport);
                }
                None => {}
            }
            app.modal = Some(Modal::Help { query, searching: false, scroll });
            vec![]
        }
    }
}

fn submit_reason(_: &mut App, purpose: ReasonFor, reason: String) -> Vec<Effect> {
    let job = match purpose {
        ReasonFor::Override { question, answer } => Job::Override { question, answer: Some(answer), reason },
        ReasonFor::Waive { item } => Job::Mark(vec![Mark::Waive { item, reason }]),
    };
    vec![Effect::Project(job)]
}

/// The help box in a terminal of `area` for `rows` help rows, and how many rows it shows
/// (under its search line).
fn help_box(area: Rect, rows: usize) -> (Rect, usize) {
    let h = (rows.min(u16::MAX as usize - 3) as u16 + 3).min(area.height.saturating_sub(2));
    let r = centered(area, 72, h);
    (r, r.height.saturating_sub(3) as usize)
}

/// "Waive checklist item 6. Failure is not architectural": the item by its number and title.
fn waive_title(app: &App, item: &str) -> String {
    let it = app.project.as_ref().and_then(|p| p.checklist.iter().find(|i| i.id == item));
    match it {
        Some(it) => format!("Waive checklist item {}. {}", it.number, clean_line(it.title)),
        None => format!("Waive checklist item {}", clean_line(item)),
    }
}

/// Rows `text` takes wrapped in a bordered box `w` wide.
fn wrapped_height(text: &str, w: u16) -> u16 {
    let p = Paragraph::new(Line::raw(text.to_string())).wrap(Wrap { trim: false });
    p.line_count(w.saturating_sub(2).max(1)).min(u16::MAX as usize) as u16
}

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))]).flex(Flex::Center).areas(area);
    let [c] = Layout::horizontal([Constraint::Length(w.min(area.width))]).flex(Flex::Center).areas(v);
    c
}

pub fn draw(f: &mut Frame, app: &App) {
    let Some(m) = &app.modal else { return };
    let area = f.area();
    let dim = app.theme.dim;
    let keys = |scope: Scope, a: Action| app.keymap.keys_in(scope, a).join(" / ");
    match m {
        Modal::Reason { purpose, text } => {
            let what = match purpose {
                ReasonFor::Override { question, answer } => {
                    format!("Override {}: answer {}", question.as_str(), if *answer { "yes" } else { "no" })
                }
                ReasonFor::Waive { item } => waive_title(app, item),
            };
            let w = area.width.min(70);
            let r = centered(area, w, wrapped_height(&what, w) + 5);
            f.render_widget(Clear, r);
            let lines = vec![
                Line::raw(what),
                Line::raw(""),
                Line::styled(format!("> {}█", clean_line(text)), app.theme.accent),
                Line::styled(
                    format!(
                        "{}: record   {}: cancel",
                        keys(Scope::Text, Action::Submit),
                        keys(Scope::Text, Action::CancelInput)
                    ),
                    dim,
                ),
            ];
            f.render_widget(
                Paragraph::new(lines).wrap(Wrap { trim: false }).block(Block::bordered().title(" Reason (required) ")),
                r,
            );
        }
        Modal::Confirm { question, lines, .. } => {
            let w =
                lines.iter().map(|l| l.chars().count() as u16 + 4).max().unwrap_or(0).clamp(70, 200).min(area.width);
            let mut body = vec![Line::raw(clean_line(question)), Line::raw("")];
            body.extend(lines.iter().map(|l| Line::raw(clean_line(l))));
            if !lines.is_empty() {
                body.push(Line::raw(""));
            }
            let answer =
                format!("{}: yes    {}: no", keys(Scope::Confirm, Action::Yes), keys(Scope::Confirm, Action::No));
            // The question wraps; the box is as tall as it (the y / n line always shows: it is
            // the box's bottom title too, for a list of commands longer than the screen).
            let p = Paragraph::new(body).wrap(Wrap { trim: false });
            let rows = p.line_count(w.saturating_sub(2).max(1)).min(u16::MAX as usize) as u16;
            let r = centered(area, w, rows.saturating_add(2).min(area.height.saturating_sub(2)).max(5));
            f.render_widget(Clear, r);
            let block = Block::bordered().title(" Confirm ").title_bottom(Line::styled(format!(" {answer} "), dim));
            f.render_widget(p.block(block), r);
        }
        Modal::Filter { text } => {
            let r = Rect { x: area.x, y: area.bottom().saturating_sub(2), width: area.width, height: 1 };
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(Line::styled(
                    format!(
                        "/{}█  ({}: keep, {}: clear)",
                        clean_line(text),
                        keys(Scope::Text, Action::Submit),
                        keys(Scope::Text, Action::CancelInput)
                    ),
                    app.theme.accent,
                )),
                r,
            );
        }
        Modal::Help { query, searching, scroll } => {
            let rows = app.keymap.help_rows(query);
            let (r, viewport) = help_box(area, rows.len());
            f.render_widget(Clear, r);
            let head = if *searching {
                format!("search: {}█", clean_line(query))
            } else {
                let q = if query.is_empty() { String::new() } else { format!(" ({})", clean_line(query)) };
                format!(
                    "{} search{q}   {} close   j/k PgUp/PgDn g/G scroll",
                    keys(Scope::Help, Action::Search),
                    keys(Scope::Help, Action::Back)
                )
            };
            let first = scroll.shown(rows.len(), viewport);
            let mut lines = vec![Line::styled(head, app.theme.accent)];
            for (keys, desc, scope) in rows.iter().skip(first).take(viewport) {
                lines.push(Line::raw(format!("{keys:<16} {desc:<28} {scope}")));
            }
            let title = match scroll.position(rows.len(), viewport) {
                Some(at) => format!(" Keys · {at} "),
                None => " Keys ".to_string(),
            };
            f.render_widget(Paragraph::new(lines).block(Block::bordered().title(title)), r);
        }
    }
}
