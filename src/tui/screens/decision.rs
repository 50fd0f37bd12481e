//! Decision: the tree with the path taken, each question's answer and evidence; Q2/Q3 can be
//! overridden (with a reason) or the override cleared, and the verdict is decided again.

use crate::app::commands::Question;
use crate::core::sanitize::clean_line;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::effects::{Effect, Job};
use crate::tui::modal::{Modal, ReasonFor};
use crate::tui::widgets::{block, clamp_move, row_at, short, window};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

#[derive(Default)]
pub struct State {
    pub sel: usize,
}

pub const KEYS: &[(&str, Action)] = &[("space", Action::ToggleAnswer), ("o", Action::ToggleAnswer)];

fn len(app: &App) -> usize {
    app.project.as_ref().and_then(|p| p.decision.as_ref()).map(|d| d.rationale.len()).unwrap_or(0)
}

pub fn on_action(app: &mut App, a: Action) -> Option<Vec<Effect>> {
    if let Some(d) = super::step(app, a) {
        let n = len(app);
        clamp_move(&mut app.screens.decision.sel, n, d);
        return Some(vec![]);
    }
    match a {
        Action::ToggleAnswer | Action::Select => Some(toggle_answer(app)),
        _ => None,
    }
}

/// Clear the override of the selected question, or ask for a reason to override it.
fn toggle_answer(app: &mut App) -> Vec<Effect> {
    if crate::tui::update::read_only_refusal(app) {
        return vec![];
    }
    let Some(p) = app.project.as_ref() else { return vec![] };
    let Some(step) = p.decision.as_ref().and_then(|d| d.rationale.get(app.screens.decision.sel)) else {
        return vec![];
    };
    let Some(question) = Question::of(step.step) else {
        app.set_status("only Q2 and Q3 can be overridden (the rules follow from them)", true);
        return vec![];
    };
    if p.ledger.overrides.answers.contains_key(&question.step()) {
        return vec![Effect::Project(Job::Override { question, answer: None, reason: String::new() })];
    }
    let answer = !step.yes.unwrap_or(false);
    app.modal = Some(Modal::Reason { purpose: ReasonFor::Override { question, answer }, text: String::new() });
    vec![]
}

pub fn derive(_: &mut App) -> Vec<Effect> {
    vec![]
}

fn areas(area: Rect) -> (Rect, Rect, Rect) {
    let [top, rest] = Layout::vertical([Constraint::Length(4), Constraint::Min(3)]).areas(area);
    let [left, right] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(rest);
    (top, left, right)
}

pub fn click(app: &mut App, area: Rect, col: u16, row: u16) -> Vec<Effect> {
    let (_, left, _) = areas(area);
    let n = len(app);
    let (first, _) = window(app.screens.decision.sel, n, left.height.saturating_sub(2) as usize);
    if let Some(i) = row_at(left, first, col, row) {
        app.screens.decision.sel = i.min(n.saturating_sub(1));
    }
    vec![]
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    let Some(d) = &s.decision else {
        f.render_widget(
            Paragraph::new("Nothing failed: there is nothing to decide.").block(block("Decision", false, app)),
            area,
        );
        return;
    };
    let sel = app.screens.decision.sel;
    let (top, left, right) = areas(area);
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

    let fired = d.rationale.iter().position(|r| r.decided == Some(true));
    let inner_h = left.height.saturating_sub(2) as usize;
    let (first, last) = window(sel, d.rationale.len(), inner_h);
    let mut lines = Vec::new();
    for (i, r) in d.rationale.iter().enumerate().take(last).skip(first) {
        let path = if r.step.is_question() {
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
        let style = if i == sel {
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
    f.render_widget(Paragraph::new(lines).block(b), left);

    let Some(r) = d.rationale.get(sel) else { return };
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
    if Question::of(r.step).is_some() {
        l.push(Line::raw(""));
        let keys = app.keymap.keys_for(crate::tui::screens::Screen::Decision, Action::ToggleAnswer).join("/");
        let what =
            if r.overridden.is_some() { "remove your override" } else { "override this answer (you give a reason)" };
        l.push(Line::styled(format!("{keys}: {what}; the verdict is decided again at once"), app.theme.dim));
    }
    f.render_widget(Paragraph::new(l).wrap(Wrap { trim: false }).block(block("Details", false, app)), right);
}
