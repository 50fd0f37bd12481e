//! Rendering: functions of `&App` to a frame. Nothing here changes the app's state
//! (except the click-target cache).

mod checklist;
mod decision;
mod log;
mod modal;
mod overview;
mod prompt;
mod run;
mod snapshots;

use super::action::Screen;
use super::app::{App, Hit};
use crate::core::sanitize::clean_line;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use ratatui::Frame;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

pub fn draw(f: &mut Frame, app: &App) {
    app.hits.borrow_mut().clear();
    let [header, body, footer, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1), Constraint::Length(1)])
            .areas(f.area());
    draw_tabs(f, app, header);
    match (&app.project, &app.load_error) {
        (_, Some(e)) => {
            let p = Paragraph::new(vec![
                Line::styled("Could not load the run", app.theme.bad),
                Line::raw(""),
                Line::raw(clean_line(e)),
                Line::raw(""),
                Line::styled("q quits. Fix the input (or pass another PATH) and start again.", app.theme.dim),
            ])
            .block(Block::bordered().title(" recover-tui "));
            f.render_widget(p, body);
        }
        (None, None) => draw_loading(f, app, body),
        (Some(_), None) => match app.screen {
            Screen::Overview => overview::draw(f, app, body),
            Screen::Decision => decision::draw(f, app, body),
            Screen::Checklist => checklist::draw(f, app, body),
            Screen::Prompt => prompt::draw(f, app, body),
            Screen::Run => run::draw(f, app, body),
            Screen::Snapshots => snapshots::draw(f, app, body),
            Screen::Log => log::draw(f, app, body),
        },
    }
    draw_footer(f, app, footer);
    draw_status(f, app, status);
    modal::draw(f, app);
}

fn draw_tabs(f: &mut Frame, app: &App, area: Rect) {
    let verdict = app.project.as_ref().and_then(|s| s.decision.as_ref()).map(|d| {
        let v = d.verdict.as_str().replace('_', " ").to_uppercase();
        let style = if d.escalated || d.verdict == crate::core::decide::Verdict::FullRestart {
            app.theme.bad
        } else {
            app.theme.ok
        };
        (format!(" {v}{} ", if d.escalated { " (ESCALATED)" } else { "" }), style)
    });
    let verdict_w = verdict.as_ref().map(|(v, _)| v.chars().count()).unwrap_or(0) as u16;
    // Full titles when they fit beside the verdict, else the first four letters.
    let full: u16 = Screen::ALL.iter().map(|s| s.title().len() as u16 + 5).sum();
    let short = area.width < 13 + full + verdict_w;
    let mut spans = vec![Span::styled(" recover-tui ", app.theme.title)];
    let mut x = area.x + 13;
    for s in Screen::ALL {
        let title = if short { &s.title()[..s.title().len().min(4)] } else { s.title() };
        let label = format!(" {} {title} ", s.index() + 1);
        let w = label.chars().count() as u16;
        let style = if s == app.screen { app.theme.selected } else { Style::new() };
        app.hits.borrow_mut().push((Rect { x, y: area.y, width: w, height: 1 }, Hit::Tab(s)));
        x += w + 1;
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    if let Some((v, style)) = verdict {
        spans.push(Span::styled(v, style));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_loading(f: &mut Frame, app: &App, area: Rect) {
    let p = app.loading.unwrap_or_default();
    let spin = SPINNER[(app.tick as usize) % SPINNER.len()];
    let pct = if p.bytes_total > 0 { p.bytes_done as f64 * 100.0 / p.bytes_total as f64 } else { 0.0 };
    let lines = vec![
        Line::raw(""),
        Line::raw(format!("  {spin} Loading the run…")),
        Line::raw(""),
        Line::raw(format!(
            "  {} of {} files, {:.1} of {:.1} MB ({pct:.0}%)",
            p.files_done,
            p.files_total,
            p.bytes_done as f64 / 1e6,
            p.bytes_total as f64 / 1e6
        )),
    ];
    f.render_widget(Paragraph::new(lines).block(Block::bordered().title(" recover-tui ")), area);
}

fn draw_footer(f: &mut Frame, app: &App, area: Rect) {
    let mut spans = Vec::new();
    for (k, d) in app.keymap.footer(app.screen) {
        spans.push(Span::styled(format!(" {k} "), app.theme.selected));
        spans.push(Span::raw(format!(" {d}  ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn draw_status(f: &mut Frame, app: &App, area: Rect) {
    let line = if let Some(b) = &app.busy {
        Line::styled(format!("{} {b}…", SPINNER[(app.tick as usize) % SPINNER.len()]), app.theme.accent)
    } else if let Some(s) = &app.status {
        Line::styled(clean_line(&s.text), if s.error { app.theme.bad } else { app.theme.dim })
    } else {
        Line::styled("? help · q quit", app.theme.dim)
    };
    f.render_widget(Paragraph::new(line), area);
}

/// The rows of a list to draw so that `sel` is visible: (first, last_exclusive).
/// Only these rows are built, so a list of 100,000 jobs costs what a screenful costs.
pub fn window(sel: usize, len: usize, height: usize) -> (usize, usize) {
    if height == 0 || len == 0 {
        return (0, 0);
    }
    let first = if sel >= height { sel + 1 - height } else { 0 };
    (first, (first + height).min(len))
}

/// A bordered block with a title, highlighted when focused.
pub fn block(title: &str, focused: bool, app: &App) -> Block<'static> {
    let b = Block::default().borders(Borders::ALL).title(format!(" {title} "));
    if focused {
        b.border_style(app.theme.accent)
    } else {
        b
    }
}

/// Record a list area's rows as click targets.
pub fn hit_rows(app: &App, inner: Rect, first: usize) {
    app.hits.borrow_mut().push((inner, Hit::Row { first, top: inner.y }));
}

#[cfg(test)]
mod tests {
    #[test]
    fn window_keeps_the_selection_visible() {
        assert_eq!(super::window(0, 100_000, 10), (0, 10));
        assert_eq!(super::window(15, 100_000, 10), (6, 16));
        assert_eq!(super::window(3, 4, 10), (0, 4));
    }
}
