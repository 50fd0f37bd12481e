//! Snapshots: the list, a coloured diff against the current files, restore.

use crate::core::sanitize::clean_line;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::effects::{Effect, Job};
use crate::tui::modal::{Modal, Then};
use crate::tui::scroll::{Pane, Scroll};
use crate::tui::widgets::{block, clamp_move, row_at, window};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

#[derive(Default)]
pub struct State {
    pub sel: usize,
    /// The diff shown: (snapshot id, text).
    pub diff: Option<(String, String)>,
    pub diff_scroll: Scroll,
    /// The keys go to the diff (else to the list); Tab moves between the two.
    pub diff_focused: bool,
}

pub const KEYS: &[(&str, Action)] = &[("d", Action::Diff), ("u", Action::Restore)];

fn len(app: &App) -> usize {
    app.project.as_ref().map(|p| p.snapshots.len()).unwrap_or(0)
}

fn selected_id(app: &App) -> Option<String> {
    app.project.as_ref()?.snapshots.get(app.screens.snapshots.sel).map(|s| s.id.clone())
}

/// The diff pane has the keys.
fn diff_focused(app: &App) -> bool {
    app.screens.snapshots.diff.is_some() && app.screens.snapshots.diff_focused
}

pub fn on_action(app: &mut App, a: Action) -> Option<Vec<Effect>> {
    if super::step(app, a).is_some() {
        if diff_focused(app) {
            scroll_diff(app, a);
        } else {
            move_selection(app, a);
        }
        return Some(vec![]);
    }
    match a {
        Action::NextPane => {
            let st = &mut app.screens.snapshots;
            st.diff_focused = st.diff.is_some() && !st.diff_focused;
            Some(vec![])
        }
        Action::Back if app.screens.snapshots.diff.is_some() => {
            app.screens.snapshots.diff = None;
            app.screens.snapshots.diff_focused = false;
            Some(vec![])
        }
        Action::Diff | Action::Select => {
            let id = selected_id(app)?;
            app.busy = Some("computing the diff".into());
            Some(vec![Effect::Project(Job::Diff { id })])
        }
        Action::Restore => {
            let id = selected_id(app)?;
            if crate::tui::update::read_only_refusal(app) {
                return Some(vec![]);
            }
            app.modal = Some(Modal::Confirm {
                question: format!(
                    "Restore snapshot {id}? The current files are snapshotted first, so this can be undone."
                ),
                lines: vec![],
                then: Then::Restore { id },
            });
            Some(vec![])
        }
        _ => None,
    }
}

pub fn on_diff(app: &mut App, id: String, result: Result<String, String>) {
    app.busy = None;
    match result {
        Ok(t) => {
            let st = &mut app.screens.snapshots;
            if st.diff.as_ref().is_none_or(|(shown, _)| *shown != id) {
                st.diff_scroll.reset();
            }
            st.diff = Some((id, t));
            st.diff_focused = true;
        }
        Err(e) => app.set_status(e, true),
    }
}

/// "yes" to a restore: restore, then compute the diff shown again (the files changed).
pub fn restore(app: &mut App, id: String) -> Vec<Effect> {
    app.busy = Some("restoring".into());
    let mut effects = vec![Effect::Project(Job::Restore { id })];
    if let Some((shown, _)) = &app.screens.snapshots.diff {
        effects.push(Effect::Project(Job::Diff { id: shown.clone() }));
    }
    effects
}

fn move_selection(app: &mut App, a: Action) {
    let Some(d) = super::step(app, a) else { return };
    let n = len(app);
    clamp_move(&mut app.screens.snapshots.sel, n, d);
}

fn scroll_diff(app: &mut App, a: Action) {
    let (_, rest) = areas(app, crate::tui::view::body(app));
    let pane = Pane::unwrapped(diff_lines(app), rest);
    pane.apply(&mut app.screens.snapshots.diff_scroll, a);
}

/// The mouse wheel (`Up`/`Down`): it scrolls the pane under the pointer.
pub fn wheel(app: &mut App, area: Rect, col: u16, row: u16, a: Action) -> Vec<Effect> {
    let (top, rest) = areas(app, area);
    let at = ratatui::layout::Position { x: col, y: row };
    if rest.contains(at) && app.screens.snapshots.diff.is_some() {
        scroll_diff(app, a);
    } else if top.contains(at) {
        move_selection(app, a);
    }
    vec![]
}

pub fn derive(_: &mut App) -> Vec<Effect> {
    vec![]
}

fn areas(app: &App, area: Rect) -> (Rect, Rect) {
    let list_h = (len(app) as u16 + 2).clamp(3, area.height / 3 + 2);
    let [top, rest] = Layout::vertical([Constraint::Length(list_h), Constraint::Min(3)]).areas(area);
    (top, rest)
}

pub fn click(app: &mut App, area: Rect, col: u16, row: u16) -> Vec<Effect> {
    let (top, _) = areas(app, area);
    let n = len(app);
    let (first, _) = window(app.screens.snapshots.sel, n, top.height.saturating_sub(2) as usize);
    if let Some(i) = row_at(top, first, col, row) {
        app.screens.snapshots.sel = i.min(n.saturating_sub(1));
    }
    vec![]
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    let st = &app.screens.snapshots;
    let (top, rest) = areas(app, area);
    let inner_h = top.height.saturating_sub(2) as usize;
    let (first, last) = window(st.sel, s.snapshots.len(), inner_h);
    let mut lines = Vec::new();
    if s.snapshots.is_empty() {
        lines.push(Line::styled("No snapshot yet. s: snapshot the failed jobs' outputs.", app.theme.dim));
    }
    for (i, sn) in s.snapshots.iter().enumerate().take(last).skip(first) {
        let text = format!(
            "{}  {}  {:>4} files  {}",
            sn.created_at.format("%Y-%m-%d %H:%M:%S"),
            clean_line(&sn.id),
            sn.files,
            clean_line(&sn.reason)
        );
        lines.push(Line::styled(text, if i == st.sel { app.theme.selected } else { ratatui::style::Style::new() }));
    }
    let list_focused = !diff_focused(app);
    let b = block("Snapshots (Enter/d: diff against now, u: restore)", list_focused, app);
    f.render_widget(Paragraph::new(lines).block(b), top);
    let title = match &st.diff {
        Some((id, _)) => format!("Diff of {} against now (Tab: list, Esc: close)", clean_line(id)),
        None => "Diff".to_string(),
    };
    let pane = Pane::unwrapped(diff_lines(app), rest);
    let title = pane.title(&title, st.diff_scroll);
    f.render_widget(pane.at(st.diff_scroll, block(&title, !list_focused, app)), rest);
}

/// The diff shown, coloured, or what to do to see one.
fn diff_lines(app: &App) -> Vec<Line<'static>> {
    match &app.screens.snapshots.diff {
        Some((_, t)) => t
            .lines()
            .map(|l| {
                let style = if l.starts_with('+') && !l.starts_with("+++") {
                    app.theme.added
                } else if l.starts_with('-') && !l.starts_with("---") {
                    app.theme.removed
                } else if l.starts_with("@@") {
                    app.theme.accent
                } else {
                    ratatui::style::Style::new()
                };
                Line::styled(clean_line(l), style)
            })
            .collect(),
        None => vec![Line::styled("Select a snapshot and press Enter to see what changed since.", app.theme.dim)],
    }
}
