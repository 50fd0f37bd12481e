//! Overview: the batches as a timeline, the job list, and the selected job's details.

use super::{block, hit_rows, window};
use crate::core::failure;
use crate::core::model::{Job, Status};
use crate::core::sanitize::clean_line;
use crate::tui::app::App;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn mark(status: Status) -> &'static str {
    match status {
        Status::Passed => "✓",
        Status::Failed => "✗",
        Status::Running => "…",
        Status::NotRun => "·",
        Status::Unknown => "?",
    }
}

pub fn status_style(app: &App, status: Status) -> Style {
    match status {
        Status::Passed => app.theme.ok,
        Status::Failed => app.theme.bad,
        _ => app.theme.dim,
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    let timeline_h = (s.run.batches.len().min(8) as u16) + 2;
    let [top, rest] = Layout::vertical([Constraint::Length(timeline_h), Constraint::Min(3)]).areas(area);
    draw_timeline(f, app, top);
    let [left, right] = Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(rest);
    draw_jobs(f, app, left);
    draw_details(f, app, right);
}

fn draw_timeline(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    let failing = s.decision.as_ref().map(|d| d.failing_batch);
    let sel_batch = app.selected_job().map(|j| j.batch);
    let height = area.height.saturating_sub(2) as usize;
    let sel_idx = s.run.batches.iter().position(|b| Some(b.number) == sel_batch.or(failing)).unwrap_or(0);
    let (first, last) = window(sel_idx, s.run.batches.len(), height);
    let mut lines = Vec::new();
    for b in &s.run.batches[first..last] {
        let mut spans = vec![Span::styled(
            format!("{:>3} ", b.number),
            if Some(b.number) == failing { app.theme.bad } else { Style::new() },
        )];
        for j in b.jobs.iter().take(60) {
            spans.push(Span::styled(mark(j.result.status), status_style(app, j.result.status)));
        }
        if b.jobs.len() > 60 {
            spans.push(Span::styled(format!(" +{}", b.jobs.len() - 60), app.theme.dim));
        }
        spans.push(Span::styled(format!("  {}", clean_line(&b.name)), app.theme.dim));
        lines.push(Line::from(spans));
    }
    let title = format!("{} — batches", clean_line(&s.run.title));
    f.render_widget(Paragraph::new(lines).block(block(&title, false, app)), area);
}

fn draw_jobs(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    let visible = app.visible_jobs();
    let inner_h = area.height.saturating_sub(2) as usize;
    let (first, last) = window(app.job_sel, visible.len(), inner_h);
    let mut lines = Vec::with_capacity(last - first);
    for (i, &(bi, ji)) in visible[first..last].iter().enumerate() {
        let j = &s.run.batches[bi].jobs[ji];
        let out = j.outputs.first().map(String::as_str).unwrap_or("(no output named)");
        let text = format!("{} b{:<3} {:<22} {}", mark(j.result.status), j.batch, clean_line(&j.id), clean_line(out));
        let style = if first + i == app.job_sel { app.theme.selected } else { status_style(app, j.result.status) };
        lines.push(Line::styled(text, style));
    }
    let filter = if app.filter.is_empty() { String::new() } else { format!(" /{}", clean_line(&app.filter)) };
    let title = format!("Jobs {}/{}{filter}", visible.len(), s.run.jobs().count());
    let b = block(&title, app.pane == 0, app);
    hit_rows(app, b.inner(area), first);
    f.render_widget(Paragraph::new(lines).block(b), area);
}

fn draw_details(f: &mut Frame, app: &App, area: Rect) {
    let Some(j) = app.selected_job() else {
        f.render_widget(Paragraph::new("No job matches the filter.").block(block("Job", app.pane == 1, app)), area);
        return;
    };
    let lines = details(app, j);
    let p = Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((app.detail_scroll, 0)).block(block(
        &clean_line(&j.id),
        app.pane == 1,
        app,
    ));
    f.render_widget(p, area);
}

fn details(app: &App, j: &Job) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut l = vec![Line::from(vec![
        Span::styled(
            format!("{} {}", mark(j.result.status), j.result.status.as_str()),
            status_style(app, j.result.status),
        ),
        Span::raw(format!("  batch {}", j.batch)),
        Span::styled(
            j.result.exit_code.map(|c| format!("  exit {c}")).unwrap_or_default()
                + &j.result.duration_s.map(|d| format!("  {d:.1}s")).unwrap_or_default()
                + &if j.result.tokens.total() > 0 {
                    format!("  {} tokens", j.result.tokens.total())
                } else {
                    String::new()
                },
            t.dim,
        ),
    ])];
    l.push(Line::raw(format!("outputs: {}", clean_line(&j.outputs.join(", ")))));
    if j.result.status == Status::Failed {
        l.push(Line::raw(""));
        l.push(Line::styled(
            format!("Why it failed ({}): {}", failure::job_class(j).as_str(), clean_line(&failure::reason(j))),
            t.bad,
        ));
    }
    if !j.result.findings.is_empty() {
        l.push(Line::raw(""));
        l.push(Line::styled("Findings", t.title));
        for f in &j.result.findings {
            let place = f.location().map(|l| format!("{l} ")).unwrap_or_default();
            l.push(Line::from(vec![
                Span::styled(format!("  {}", clean_line(&place)), t.accent),
                Span::styled(format!("{}: ", clean_line(&f.error_type)), t.bad),
                Span::raw(clean_line(&f.message)),
                Span::styled(format!("  [{}] {}", f.class.as_deref().unwrap_or("?"), clean_line(&f.source)), t.dim),
            ]));
        }
    }
    if !j.result.evidence.is_empty() {
        l.push(Line::raw(""));
        l.push(Line::styled("From the log", t.title));
        for e in j.result.evidence.iter().take(12) {
            l.push(Line::styled(
                format!("  {}: {}", clean_line(&e.error_type), clean_line(&failure::one_line(&e.message, 200))),
                t.dim,
            ));
        }
    }
    l.push(Line::raw(""));
    match &j.prompt {
        Some(p) => {
            l.push(Line::styled(format!("Prompt ({})", clean_line(&p.source)), t.title));
            for line in p.text.lines().take(40) {
                l.push(Line::raw(format!("  {}", clean_line(line))));
            }
        }
        None => l.push(Line::styled("Prompt: not found", t.bad)),
    }
    l.push(Line::raw(""));
    l.push(Line::styled("Logs", t.title));
    for g in &j.result.logs {
        l.push(Line::styled(format!("  {}", clean_line(g)), t.dim));
    }
    l.push(Line::styled("How it was matched", t.title));
    for m in &j.matched_by {
        l.push(Line::styled(format!("  {}", clean_line(m)), t.dim));
    }
    l
}
