//! Checklist: the items with their state; confirm, waive with a reason, or run the item's
//! action (take the snapshot).

use crate::app::commands::Mark;
use crate::core::checklist::{ItemKind, ItemState};
use crate::core::sanitize::clean_line;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::effects::{Effect, Job};
use crate::tui::modal::{Modal, ReasonFor};
use crate::tui::scroll::{Pane, Scroll};
use crate::tui::widgets::{block, clamp_move, mark, row_at, state_style, window};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

#[derive(Default)]
pub struct State {
    pub sel: usize,
    /// The keys scroll the selected item's pane (Tab moves between it and the list).
    pub item_focused: bool,
    pub item_scroll: Scroll,
    /// A confirmation was sent: move to the next item once it is recorded.
    pub advance_on_ok: bool,
}

pub const KEYS: &[(&str, Action)] = &[("c", Action::Confirm), ("w", Action::Waive), ("a", Action::RunItemAction)];

fn len(app: &App) -> usize {
    app.project.as_ref().map(|p| p.checklist.len()).unwrap_or(0)
}

pub fn on_action(app: &mut App, a: Action) -> Option<Vec<Effect>> {
    if super::step(app, a).is_some() {
        if app.screens.checklist.item_focused {
            scroll_item(app, a);
        } else {
            move_selection(app, a);
        }
        return Some(vec![]);
    }
    match a {
        Action::NextPane => {
            app.screens.checklist.item_focused = !app.screens.checklist.item_focused;
            return Some(vec![]);
        }
        Action::Back if app.screens.checklist.item_focused => {
            app.screens.checklist.item_focused = false;
            return Some(vec![]);
        }
        _ => {}
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

fn move_selection(app: &mut App, a: Action) {
    let Some(d) = super::step(app, a) else { return };
    let n = len(app);
    let st = &mut app.screens.checklist;
    let before = st.sel;
    clamp_move(&mut st.sel, n, d);
    if st.sel != before {
        st.item_scroll.reset();
    }
}

fn scroll_item(app: &mut App, a: Action) {
    let (_, right) = areas(crate::tui::view::body(app));
    let lines = app.project.as_ref().and_then(|p| p.checklist.get(app.screens.checklist.sel)).map(|it| item_lines(app, it));
    if let Some(lines) = lines {
        Pane::wrapped(lines, right).apply(&mut app.screens.checklist.item_scroll, a);
    }
}

/// The mouse wheel (`Up`/`Down`): it scrolls the pane under the pointer.
pub fn wheel(app: &mut App, area: Rect, col: u16, row: u16, a: Action) -> Vec<Effect> {
    let (left, right) = areas(area);
    let at = ratatui::layout::Position { x: col, y: row };
    if right.contains(at) {
        scroll_item(app, a);
    } else if left.contains(at) {
        move_selection(app, a);
    }
    vec![]
}

/// A confirmation came back recorded (`ok`) or refused.
pub fn on_recorded(app: &mut App, ok: bool) {
    if std::mem::take(&mut app.screens.checklist.advance_on_ok) && ok {
        let n = len(app);
        let st = &mut app.screens.checklist;
        clamp_move(&mut st.sel, n, 1);
        st.item_scroll.reset();
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
        let st = &mut app.screens.checklist;
        st.sel = i.min(n.saturating_sub(1));
        st.item_scroll.reset();
        st.item_focused = false;
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
    let focused = app.screens.checklist.item_focused;
    let b = block(&format!("Pre-recovery checklist {done}/{}", s.checklist.len()), !focused, app);
    f.render_widget(Paragraph::new(lines).block(b), left);

    let Some(it) = s.checklist.get(sel) else { return };
    let pane = Pane::wrapped(item_lines(app, it), right);
    let title = pane.title("Item", app.screens.checklist.item_scroll);
    f.render_widget(pane.at(app.screens.checklist.item_scroll, block(&title, focused, app)), right);
}

/// The selected item's pane: what it is, what was found, who recorded it, the keys, the jobs.
fn item_lines(app: &App, it: &crate::core::checklist::ChecklistItem) -> Vec<Line<'static>> {
    let Some(s) = &app.project else { return vec![] };
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
    l
}
