//! Decision: the tree with the path taken, each question's answer and evidence; Q2/Q3 can be
//! overridden (with a reason) and the verdict changes live.

use super::{block, hit_rows, window};
use crate::core::sanitize::clean_line;
use crate::tui::app::App;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    let Some(d) = &s.decision else {
        f.render_widget(
            Paragraph::new("Nothing failed: there is nothing to decide.").block(block("Decision", false, app)),
            area,
        );
        return;
    };
    let [top, rest] = Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area);
    let verdict_style =
        if d.verdict == crate::core::decide::Verdict::FullRestart { app.theme.bad } else { app.theme.ok };
    let kept = if d.preserved_batches.is_empty() {
        "nothing".to_string()
    } else {
        d.preserved_batches.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
    };
    let rerun = d.rerun_jobs.iter().map(|r| r.job.as_str()).collect::<Vec<_>>().join(", ");
    let cont = d.continue_from_batch.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
    let head = vec![
        Line::from(vec![
            Span::styled(d.verdict.as_str().replace('_', " ").to_uppercase(), verdict_style),
            Span::raw(format!("   scope {}   failing batch {}", d.scope.as_str(), d.failing_batch)),
            Span::styled(if d.escalated { "   ESCALATED" } else { "" }, app.theme.bad),
        ]),
        Line::raw(clean_line(&format!("re-run {rerun}   kept {kept}   continue from {cont}"))),
    ];
    f.render_widget(Paragraph::new(head).block(block("Verdict", false, app)), top);

    let [left, right] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(rest);
    let fired = d.rationale.iter().position(|r| r.fired == Some(true));
    let inner_h = left.height.saturating_sub(2) as usize;
    let (first, last) = window(app.decision_sel, d.rationale.len(), inner_h);
    let mut lines = Vec::new();
    for (i, r) in d.rationale.iter().enumerate().take(last).skip(first) {
        let path = if r.step.starts_with('Q') {
            "◆"
        } else if Some(i) == fired {
            "●"
        } else if fired.is_some_and(|f| i < f) {
            "○"
        } else {
            "·"
        };
        let answer = r.answer.split([';', ':']).next().unwrap_or("").trim().to_string();
        let ov = if r.overridden.is_some() { "*" } else { "" };
        let width = left.width.saturating_sub(22) as usize;
        let text = format!(
            "{path} {:<3} {:<14} {}",
            r.step,
            short(&clean_line(&format!("{answer}{ov}")), 14),
            clean_line(&short(&r.question, width.max(8)))
        );
        let style = if i == app.decision_sel {
            app.theme.selected
        } else if Some(i) == fired {
            app.theme.accent
        } else if fired.is_some_and(|f| i > f) {
            app.theme.dim
        } else {
            ratatui::style::Style::new()
        };
        lines.push(Line::styled(text, style));
    }
    let b = block("The tree (◆ question, ● deciding rule, * overridden)", true, app);
    hit_rows(app, b.inner(left), first);
    f.render_widget(Paragraph::new(lines).block(b), left);

    let Some(r) = d.rationale.get(app.decision_sel) else { return };
    let mut l = vec![
        Line::styled(format!("{} {}", r.step, clean_line(&r.question)), app.theme.title),
        Line::raw(""),
        Line::raw(format!("→ {}", clean_line(&r.answer))),
    ];
    if let Some(o) = &r.overridden {
        l.push(Line::styled(format!("overridden by you: {}", clean_line(o)), app.theme.warn));
    }
    if !r.evidence.is_empty() {
        l.push(Line::raw(""));
        l.push(Line::styled("Evidence", app.theme.title));
        for e in &r.evidence {
            l.push(Line::raw(format!("  · {}", clean_line(e))));
        }
    }
    if r.step == "Q2" || r.step == "Q3" {
        l.push(Line::raw(""));
        let keys = app.keymap.keys_for(crate::tui::action::Action::ToggleAnswer).join("/");
        let what =
            if r.overridden.is_some() { "remove your override" } else { "override this answer (you give a reason)" };
        l.push(Line::styled(format!("{keys}: {what}; the verdict is decided again at once"), app.theme.dim));
    }
    f.render_widget(Paragraph::new(l).wrap(Wrap { trim: false }).block(block("Details", false, app)), right);
}

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}
