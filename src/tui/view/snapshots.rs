//! Snapshots: the list, a coloured diff against the current files, restore.

use super::{block, hit_rows, window};
use crate::core::sanitize::clean_line;
use crate::tui::app::App;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    let list_h = (s.snapshots.len() as u16 + 2).clamp(3, area.height / 3 + 2);
    let [top, rest] = Layout::vertical([Constraint::Length(list_h), Constraint::Min(3)]).areas(area);
    let inner_h = top.height.saturating_sub(2) as usize;
    let (first, last) = window(app.snapshot_sel, s.snapshots.len(), inner_h);
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
        lines.push(Line::styled(
            text,
            if i == app.snapshot_sel { app.theme.selected } else { ratatui::style::Style::new() },
        ));
    }
    let b = block("Snapshots (Enter/d: diff against now, u: restore)", app.diff_text.is_none(), app);
    hit_rows(app, b.inner(top), first);
    f.render_widget(Paragraph::new(lines).block(b), top);
    let diff: Vec<Line> = match &app.diff_text {
        Some(t) => t
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
    f.render_widget(
        Paragraph::new(diff).scroll((app.diff_scroll, 0)).block(block("Diff", app.diff_text.is_some(), app)),
        rest,
    );
}
