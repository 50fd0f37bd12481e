//! Snapshots: the list, a coloured diff against the current files, restore.

use crate::core::sanitize::clean_line;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::effects::{Effect, Job};
use crate::tui::modal::{Modal, Then};
use crate::tui::widgets::{block, clamp_move, row_at, scroll, window};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

#[derive(Default)]
pub struct State {
    pub sel: usize,
    /// The diff shown: (snapshot id, text).
    pub diff: Option<(String, String)>,
    pub diff_scroll: u16,
}

pub const KEYS: &[(&str, Action)] = &[("d", Action::Diff), ("u", Action::Restore)];

fn len(app: &App) -> usize {
    app.project.as_ref().map(|p| p.snapshots.len()).unwrap_or(0)
}

fn selected_id(app: &App) -> Option<String> {
    app.project.as_ref()?.snapshots.get(app.screens.snapshots.sel).map(|s| s.id.clone())
}

pub fn on_action(app: &mut App, a: Action) -> Option<Vec<Effect>> {
    if let Some(d) = super::step(app, a) {
        let n = len(app);
        let (_, rest) = areas(app, crate::tui::view::body(app.size));
        let st = &mut app.screens.snapshots;
        match &st.diff {
            Some((_, t)) => {
                let max = t.lines().count().saturating_sub(rest.height.saturating_sub(2) as usize);
                scroll(&mut st.diff_scroll, d, max)
            }
            None => clamp_move(&mut st.sel, n, d),
        }
        return Some(vec![]);
    }
    match a {
        Action::Back if app.screens.snapshots.diff.is_some() => {
            app.screens.snapshots.diff = None;
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
            app.screens.snapshots.diff = Some((id, t));
            app.screens.snapshots.diff_scroll = 0;
        }
        Err(e) => app.set_status(e, true),
    }
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
    let b = block("Snapshots (Enter/d: diff against now, u: restore)", st.diff.is_none(), app);
    f.render_widget(Paragraph::new(lines).block(b), top);
    let diff: Vec<Line> = match &st.diff {
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
    };
    let title = match &st.diff {
        Some((id, _)) => format!("Diff of {} against now (Esc: back to the list)", clean_line(id)),
        None => "Diff".to_string(),
    };
    f.render_widget(Paragraph::new(diff).scroll((st.diff_scroll, 0)).block(block(&title, st.diff.is_some(), app)), rest);
}
