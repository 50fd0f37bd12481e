//! Checklist: the items with their state; confirm, waive with a reason, or run the item's
//! action (take the snapshot).

use crate::app::commands::Mark;
use crate::core::checklist::{ItemKind, ItemState};
use crate::core::sanitize::clean_line;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::effects::{Effect, Job};
use crate::tui::modal::{Modal, ReasonFor};
use crate::tui::widgets::{block, clamp_move, mark, row_at, state_style, window};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

#[derive(Default)]
pub struct State {
    pub sel: usize,
    /// A confirmation was sent: move to the next item once it is recorded.
    pub advance_on_ok: bool,
}

pub const KEYS: &[(&str, Action)] = &[("c", Action::Confirm), ("w", Action::Waive), ("a", Action::RunItemAction)];

fn len(app: &App) -> usize {
    app.project.as_ref().map(|p| p.checklist.len()).unwrap_or(0)
}

pub fn on_action(app: &mut App, a: Action) -> Option<Vec<Effect>> {
    if let Some(d) = super::step(app, a) {
        let n = len(app);
        clamp_move(&mut app.screens.checklist.sel, n, d);
        return Some(vec![]);
    }
    let item = app.project.as_ref().and_then(|p| p.checklist.get(app.screens.checklist.sel)).cloned();
    let Some(item) = item else { return matches!(a, Action::Confirm | Action::Waive).then(Vec::new) };
    Some(match a {
        Action::Confirm | Action::Select => {
            if item.kind != ItemKind::Confirm {
                let hint =
                    if item.action.is_some() { "run its action with a, or waive it with w" } else { "waive it with w" };
                app.set_status(
                    format!("item {} is checked automatically; {hint}", item.number),
                    item.state == ItemState::Failed,
                );
                return Some(vec![]);
            }
            app.screens.checklist.advance_on_ok = true;
            vec![Effect::Project(Job::Mark(vec![Mark::Confirm { item: item.id.to_string(), reason: None }]))]
        }
        Action::Waive => {
            if crate::tui::update::read_only_refusal(app) {
                return Some(vec![]);
            }
            app.modal =
                Some(Modal::Reason { purpose: ReasonFor::Waive { item: item.id.to_string() }, text: String::new() });
            vec![]
        }
        Action::RunItemAction => match item.action {
            Some("snapshot") => {
                app.busy = Some("taking a snapshot".into());
                vec![Effect::Project(Job::Snapshot)]
            }
            _ => {
                app.set_status("this item has no action to run", false);
                vec![]
            }
        },
        _ => return None,
    })
}

/// A confirmation came back recorded (`ok`) or refused.
pub fn on_recorded(app: &mut App, ok: bool) {
    if std::mem::take(&mut app.screens.checklist.advance_on_ok) && ok {
        let n = len(app);
        clamp_move(&mut app.screens.checklist.sel, n, 1);
    }
}

pub fn derive(_: &mut App) -> Vec<Effect> {
    vec![]
}

fn areas(area: Rect) -> (Rect, Rect) {
    let [left, right] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    (left, right)
}

pub fn click(app: &mut App, area: Rect, col: u16, row: u16) -> Vec<Effect> {
    let (left, _) = areas(area);
    let n = len(app);
    let (first, _) = window(app.screens.checklist.sel, n, left.height.saturating_sub(2) as usize);
    if let Some(i) = row_at(left, first, col, row) {
        app.screens.checklist.sel = i.min(n.saturating_sub(1));
    }
    vec![]
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    if s.checklist.is_empty() {
        f.render_widget(Paragraph::new("Nothing failed: no checklist.").block(block("Checklist", false, app)), area);
        return;
    }
    let sel = app.screens.checklist.sel;
    let (left, right) = areas(area);
    let done = s.checklist.iter().filter(|i| i.state.ok()).count();
    let inner_h = left.height.saturating_sub(2) as usize;
    let (first, last) = window(sel, s.checklist.len(), inner_h);
    let mut lines = Vec::new();
    for (i, it) in s.checklist.iter().enumerate().take(last).skip(first) {
        let (mark, style) = match it.state {
            ItemState::Passed => ("✓", app.theme.ok),
            ItemState::Confirmed => ("✓", app.theme.ok),
            ItemState::Waived => ("~", app.theme.warn),
            ItemState::Failed => ("✗", app.theme.bad),
            ItemState::Pending => ("?", app.theme.warn),
        };
        let style = if i == sel { app.theme.selected } else { style };
        lines.push(Line::styled(format!("{mark} {:>2}. {}", it.number, it.title), style));
    }
    let b = block(&format!("Pre-recovery checklist {done}/{}", s.checklist.len()), true, app);
    f.render_widget(Paragraph::new(lines).block(b), left);

    let Some(it) = s.checklist.get(sel) else { return };
    let mut l = vec![
        Line::styled(format!("{}. {}", it.number, it.title), app.theme.title),
        Line::raw(format!("{:?} item, {}", it.kind, it.state.as_str()).to_lowercase()),
        Line::raw(""),
    ];
    for d in &it.detail {
        l.push(Line::raw(clean_line(d)));
    }
    if let Some(r) = &it.reason {
        l.push(Line::raw(""));
        l.push(Line::styled(format!("reason: {}", clean_line(r)), app.theme.warn));
    }
    if let Some(by) = &it.by {
        l.push(Line::styled(
            format!(
                "by {}{}",
                clean_line(by),
                it.at.map(|a| a.format(" at %Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default()
            ),
            app.theme.dim,
        ));
    }
    l.push(Line::raw(""));
    let hint = match (it.kind, it.action, it.state) {
        (_, _, _) if app.read_only.is_some() => "read-only: nothing can be recorded here",
        (_, _, s) if s.ok() && s != ItemState::Waived => "done",
        (ItemKind::Confirm, _, _) => "c: confirm   w: waive with a reason",
        (_, Some(_), _) => "a: take the snapshot   w: waive with a reason",
        _ => "w: waive with a reason",
    };
    l.push(Line::styled(hint, app.theme.dim));
    // The jobs this checklist is for, as they stand now.
    l.push(Line::raw(""));
    l.push(Line::styled("Jobs to recover", app.theme.title));
    let mut jobs = s.jobs_to_repair();
    if let Some(p) = &s.progress {
        jobs.extend(p.rerun_jobs_after.iter().map(|j| j.job.clone()));
        jobs.extend(p.rerun_passed_jobs.iter().map(|j| j.job.clone()));
    }
    for id in jobs.iter().take(12) {
        if let Some(state) = s.job_state(id) {
            l.push(Line::styled(format!("  {} {} {}", mark(state), clean_line(id), state.word()), state_style(app, state)));
        }
    }
    f.render_widget(Paragraph::new(l).wrap(Wrap { trim: false }).block(block("Item", false, app)), right);
}
