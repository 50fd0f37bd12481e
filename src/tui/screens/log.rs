//! Log: the journal of everything decided and done, the load warnings, and the export.

use crate::core::sanitize::clean_line;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::effects::Effect;
use crate::tui::scroll::{Pane, Scroll};
use crate::tui::widgets::block;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::Frame;

#[derive(Default)]
pub struct State {
    pub scroll: Scroll,
}

pub const KEYS: &[(&str, Action)] = &[];

pub fn on_action(app: &mut App, a: Action) -> Option<Vec<Effect>> {
    super::step(app, a)?;
    let pane = Pane::wrapped(lines(app), crate::tui::view::body(app));
    pane.apply(&mut app.screens.log.scroll, a);
    Some(vec![])
}

pub fn derive(_: &mut App) -> Vec<Effect> {
    vec![]
}

pub fn click(_: &mut App, _: Rect, _: u16, _: u16) -> Vec<Effect> {
    vec![]
}

fn lines(app: &App) -> Vec<Line<'static>> {
    let Some(s) = &app.project else { return vec![] };
    let mut lines: Vec<Line> = Vec::new();
    if let Some(ro) = &app.read_only {
        lines.push(Line::styled(format!("READ-ONLY: {}", clean_line(&ro.reason)), app.theme.bad));
        lines.push(Line::raw(""));
    }
    lines.push(Line::styled("Journal", app.theme.title));
    if app.journal.is_empty() {
        lines.push(Line::styled("  nothing recorded yet", app.theme.dim));
    }
    for e in &app.journal {
        lines.push(Line::raw(format!("  {}", crate::tui::journal::line(e, &s.checklist))));
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
    let into = match &app.export_dir {
        Some(d) => format!("{} (the demo's copy is removed on quit; this stays)", clean_line(&d.display().to_string())),
        None => "the state directory".to_string(),
    };
    lines.push(Line::styled(format!("X: export the rationale log (Markdown) into {into}"), app.theme.dim));
    lines
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let pane = Pane::wrapped(lines(app), area);
    let title = pane.title("Log", app.screens.log.scroll);
    f.render_widget(pane.at(app.screens.log.scroll, block(&title, true, app)), area);
}
