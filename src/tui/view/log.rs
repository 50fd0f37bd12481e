//! Log: the journal of everything decided and done, the load warnings, and the export.

use super::block;
use crate::core::sanitize::clean_line;
use crate::tui::app::App;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::styled("Journal", app.theme.title));
    if app.journal.is_empty() {
        lines.push(Line::styled("  nothing recorded yet", app.theme.dim));
    }
    for j in &app.journal {
        lines.push(Line::raw(format!("  {}", clean_line(j))));
    }
    let warnings: Vec<&String> = s.run.warnings.iter().chain(s.warnings.iter()).collect();
    if !warnings.is_empty() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(format!("Warnings while loading ({})", warnings.len()), app.theme.warn));
        for w in warnings {
            lines.push(Line::raw(format!("  - {}", clean_line(w))));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("X: export the rationale log (Markdown) into the state directory", app.theme.dim));
    f.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((app.log_scroll, 0)).block(block("Log", true, app)),
        area,
    );
}
