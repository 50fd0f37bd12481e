//! Checklist: the ten items with their state; confirm, waive with a reason, or run the action.

use super::{block, hit_rows, window};
use crate::core::checklist::ItemState;
use crate::core::sanitize::clean_line;
use crate::tui::app::App;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    if s.checklist.is_empty() {
        f.render_widget(Paragraph::new("Nothing failed: no checklist.").block(block("Checklist", false, app)), area);
        return;
    }
    let [left, right] = Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area);
    let done = s.checklist.iter().filter(|i| i.state.ok()).count();
    let inner_h = left.height.saturating_sub(2) as usize;
    let (first, last) = window(app.checklist_sel, s.checklist.len(), inner_h);
    let mut lines = Vec::new();
    for (i, it) in s.checklist.iter().enumerate().take(last).skip(first) {
        let (mark, style) = match it.state {
            ItemState::Passed => ("✓", app.theme.ok),
            ItemState::Confirmed => ("✓", app.theme.ok),
            ItemState::Waived => ("~", app.theme.warn),
            ItemState::Failed => ("✗", app.theme.bad),
            ItemState::Pending => ("?", app.theme.warn),
        };
        let style = if i == app.checklist_sel { app.theme.selected } else { style };
        lines.push(Line::styled(format!("{mark} {:>2}. {}", it.number, it.title), style));
    }
    let b = block(&format!("Pre-recovery checklist {done}/{}", s.checklist.len()), true, app);
    hit_rows(app, b.inner(left), first);
    f.render_widget(Paragraph::new(lines).block(b), left);

    let Some(it) = s.checklist.get(app.checklist_sel) else { return };
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
        (_, _, s) if s.ok() && s != ItemState::Waived => "done",
        (crate::core::checklist::ItemKind::Confirm, _, _) => "c: confirm   w: waive with a reason",
        (_, Some(_), _) => "a: take the snapshot   w: waive with a reason",
        _ => "w: waive with a reason",
    };
    l.push(Line::styled(hint, app.theme.dim));
    f.render_widget(Paragraph::new(l).wrap(Wrap { trim: false }).block(block("Item", false, app)), right);
}
