//! Run: start the attempt(s), live output per job, validation results, the attempt counter
//! and the escalation banner.

use super::block;
use crate::core::sanitize::clean_line;
use crate::tui::app::App;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    let Some(d) = &s.decision else {
        f.render_widget(Paragraph::new("Nothing failed: nothing to run.").block(block("Run", false, app)), area);
        return;
    };
    let max = s.config.decision.max_failed_recoveries;
    let history = s.ledger.history();
    let mut head = Vec::new();
    if d.escalated {
        head.push(Line::styled(
            "ESCALATED TO FULL RESTART — a job failed its recovery the maximum number of times. Export the rationale (X) and restart the phase.",
            app.theme.bad,
        ));
    } else if d.verdict == crate::core::decide::Verdict::FullRestart {
        head.push(Line::styled("The decision is a full restart: there is no targeted recovery to run.", app.theme.bad));
    }
    let jobs = s.jobs_to_repair();
    for j in &jobs {
        let failed = history.failed_recoveries.get(j).copied().unwrap_or(0);
        let last = s.ledger.attempts.get(j).and_then(|v| v.iter().max_by_key(|a| a.number));
        let last_txt = last
            .map(|a| format!("last attempt {}: {}", a.number, a.outcome.word()))
            .unwrap_or_else(|| "no attempt yet".into());
        let view = if s.job_state(j) == Some(crate::core::status::JobState::Repaired) {
            "✓ repaired".to_string()
        } else {
            app.run_views.get(j).map(|v| v.state.clone()).unwrap_or_default()
        };
        head.push(Line::raw(format!(
            "{:<24} failed recoveries {failed}/{max}   {last_txt}   {}",
            clean_line(j),
            clean_line(&view)
        )));
    }
    if !app.running {
        let ready = crate::core::checklist::satisfied(&s.checklist);
        let hint = if ready {
            "R: start the recovery (asks to confirm)"
        } else {
            "the checklist (3) must be done before a recovery runs"
        };
        head.push(Line::styled(hint, app.theme.dim));
    } else {
        head.push(Line::styled("running… x: cancel", app.theme.accent));
    }
    let head_h = (head.len() as u16 + 2).min(area.height / 2);
    let [top, rest] = Layout::vertical([Constraint::Length(head_h), Constraint::Min(3)]).areas(area);
    f.render_widget(Paragraph::new(head).block(block("Recovery", false, app)), top);

    let n = jobs.len().max(1) as u32;
    let areas = Layout::vertical((0..n).map(|_| Constraint::Ratio(1, n))).split(rest);
    for (i, j) in jobs.iter().enumerate() {
        let Some(area) = areas.get(i) else { break };
        let lines: Vec<Line> = match app.run_views.get(j) {
            Some(v) => {
                let h = area.height.saturating_sub(2) as usize;
                let start = v.lines.len().saturating_sub(h);
                v.lines[start..].iter().map(|l| Line::raw(clean_line(l))).collect()
            }
            None => vec![Line::styled("no output yet", app.theme.dim)],
        };
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(
                &format!("{} output", clean_line(j)),
                false,
                app,
            )),
            *area,
        );
    }
}
