//! The frame around the screens: the header (tabs, the verdict and the outcome, the READ-ONLY
//! and RUNNING badges), the body (loading, a load error, or the screen), the footer of keys,
//! the status line, and the box on top. A function of `&App`; it changes nothing.

use super::app::App;
use super::screens::{self, Screen};
use crate::core::sanitize::clean_line;
use crate::core::status::Outcome;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use ratatui::Frame;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// (header, body, footer, status) of a frame of `area`.
pub fn areas(app: &App, area: Rect) -> [Rect; 4] {
    let status = status_rows(app, area);
    Layout::vertical([Constraint::Length(1), Constraint::Min(3), Constraint::Length(1), Constraint::Length(status)])
        .areas(area)
}

/// The body of the app's terminal (what screens draw into and click in).
pub fn body(app: &App) -> Rect {
    areas(app, Rect::new(0, 0, app.size.0, app.size.1))[1]
}

pub fn draw(f: &mut Frame, app: &App) {
    let [header, body, footer, status] = areas(app, f.area());
    draw_header(f, app, header);
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
        (Some(_), None) => screens::draw(f, app, body),
    }
    draw_footer(f, app, footer);
    draw_status(f, app, status);
    super::modal::draw(f, app);
}

/// The verdict and the outcome: "TARGETED RECOVERY · in progress".
pub fn verdict_text(app: &App) -> Option<(String, bool)> {
    let p = app.project.as_ref()?;
    let d = p.decision.as_ref()?;
    let v = d.verdict.as_str().replace('_', " ").to_uppercase();
    let outcome = p.progress.as_ref().map(|pr| pr.outcome).unwrap_or(Outcome::InProgress);
    let word = match outcome {
        Outcome::InProgress => "in progress",
        Outcome::Recovered => "recovered",
        Outcome::Escalated => "ESCALATED",
    };
    let bad = d.escalated || d.verdict == crate::core::decide::Verdict::FullRestart;
    Some((format!("{v} · {word}"), bad))
}

/// A job still to repair whose last attempt was stopped before it ended (aborted, or
/// interrupted by a crash): named in the header until it is tried again.
fn aborted(app: &App) -> bool {
    use crate::core::model::AttemptOutcome;
    let Some(p) = &app.project else { return false };
    p.jobs_to_repair().iter().any(|j| {
        let last = p.ledger.attempts.get(j).and_then(|v| v.iter().max_by_key(|a| a.number));
        last.is_some_and(|a| matches!(a.outcome, AttemptOutcome::Aborted | AttemptOutcome::Interrupted))
    })
}

/// The header as pieces: (text, style, the tab it is). The badges always show; the tabs
/// get shorter until they fit: full titles, then without the app name, four letters, numbers
/// with the current screen's title, numbers only (and a shorter READ-ONLY badge).
fn header_parts(app: &App, width: u16) -> Vec<(String, Style, Option<Screen>)> {
    let aborted = aborted(app);
    let badges = |compact: bool| -> Vec<(String, Style)> {
        let mut b: Vec<(String, Style)> = Vec::new();
        if let Some((v, bad)) = verdict_text(app) {
            b.push((format!(" {v} "), if bad { app.theme.bad } else { app.theme.ok }));
        }
        if let Some(ro) = &app.read_only {
            let who = match (ro.pid, compact) {
                (Some(p), false) => format!(" (pid {p})"),
                (Some(p), true) => format!(" pid {p}"),
                (None, _) => String::new(),
            };
            b.push((format!(" READ-ONLY{who} "), app.theme.selected));
        }
        if !app.running.is_empty() {
            b.push((" RUNNING ".to_string(), app.theme.warn));
        } else if aborted {
            b.push((" ATTEMPT ABORTED ".to_string(), app.theme.warn));
        }
        b
    };
    let parts = |level: u8| -> Vec<(String, Style, Option<Screen>)> {
        let mut parts = Vec::new();
        if level == 0 {
            parts.push((" recover-tui ".to_string(), app.theme.title, None));
        }
        for s in Screen::ALL {
            let t = s.title();
            let title = match level {
                0 | 1 => t.to_string(),
                _ if level >= 3 && (*s != app.screen || level == 4) => String::new(),
                3 => t.to_string(),
                _ => t[..t.len().min(4)].to_string(),
            };
            let style = if *s == app.screen { app.theme.selected } else { Style::new() };
            let label = if title.is_empty() { format!(" {} ", s.key()) } else { format!(" {} {title} ", s.key()) };
            parts.push((label, style, Some(*s)));
            if level < 4 {
                parts.push((" ".to_string(), Style::new(), None));
            }
        }
        if level == 4 {
            parts.push((" ".to_string(), Style::new(), None));
        }
        for (b, style) in badges(level == 4) {
            parts.push((b, style, None));
            parts.push((" ".to_string(), Style::new(), None));
        }
        parts
    };
    let width_of = |p: &[(String, Style, Option<Screen>)]| p.iter().map(|(t, _, _)| t.chars().count()).sum::<usize>();
    (0..4u8).map(parts).find(|p| width_of(p) <= width as usize + 1).unwrap_or_else(|| parts(4))
}

/// The tab at column `col` of the header.
pub fn tab_at(app: &App, col: u16) -> Option<Screen> {
    let mut x = 0u16;
    for (text, _, tab) in header_parts(app, app.size.0) {
        let w = text.chars().count() as u16;
        if col >= x && col < x + w {
            return tab;
        }
        x += w;
    }
    None
}

fn draw_header(f: &mut Frame, app: &App, area: Rect) {
    let spans: Vec<Span> = header_parts(app, area.width).into_iter().map(|(t, s, _)| Span::styled(t, s)).collect();
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

/// The keys that work now, as many as fit; `? help` and `q quit` always.
fn draw_footer(f: &mut Frame, app: &App, area: Rect) {
    let mut spans = Vec::new();
    let mut width = area.width as usize;
    if app.read_only.is_some() {
        spans.push(Span::styled(" READ-ONLY ", app.theme.bad));
        spans.push(Span::raw(" view only  "));
        width = width.saturating_sub(23);
    }
    let footer = app.keymap.footer(app.screen, app.keys_now());
    // Loading, or the run could not be loaded: only help and quit do anything.
    let keys = if app.project.is_some() { footer.fitting(width) } else { footer.always };
    for (k, d) in keys {
        spans.push(Span::styled(format!(" {k} "), app.theme.selected));
        spans.push(Span::raw(format!(" {d}  ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// What the status line says: the work in progress, the message of this screen, or the hint.
fn status_line(app: &App) -> Line<'static> {
    if let Some(b) = &app.busy {
        Line::styled(format!("{} {b}…", SPINNER[(app.tick as usize) % SPINNER.len()]), app.theme.accent)
    } else if let Some(s) = app.status_here() {
        Line::styled(clean_line(&s.text), if s.error { app.theme.bad } else { app.theme.dim })
    } else {
        Line::styled("? help · q quit", app.theme.dim)
    }
}

/// Rows of the status line: it wraps (up to 3 rows) rather than lose the end of a message,
/// while the terminal has room for it.
fn status_rows(app: &App, area: Rect) -> u16 {
    let most = match area.height {
        0..16 => 1,
        16..30 => 2,
        _ => 3,
    };
    let rows = Paragraph::new(status_line(app)).wrap(Wrap { trim: false }).line_count(area.width.max(1));
    (rows.min(most as usize) as u16).max(1)
}

fn draw_status(f: &mut Frame, app: &App, area: Rect) {
    f.render_widget(Paragraph::new(status_line(app)).wrap(Wrap { trim: false }), area);
}
