//! Decision: the tree drawn as a flowchart with the path taken, the selected node's question,
//! answer and evidence beside it, and the cost comparison as bars. Q2/Q3 can be overridden
//! (with a reason) or the override cleared; the verdict is decided again and the chart, read
//! from the current decision on every frame, shows the new path at once.

use crate::app::commands::Question;
use crate::core::decide::{Decision, Verdict};
use crate::core::flow::flow;
use crate::core::sanitize::clean_line;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::effects::{Effect, Job};
use crate::tui::modal::{Modal, ReasonFor};
use crate::tui::pictures::cost_bars::{self, CostBars};
use crate::tui::pictures::flowchart::{self, Flowchart};
use crate::tui::widgets::{block, clamp_move};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

#[derive(Default)]
pub struct State {
    /// The selected node of the chart: a step of the trail, or (one past the last) the verdict.
    pub sel: usize,
}

pub const KEYS: &[(&str, Action)] = &[("space", Action::ToggleAnswer), ("o", Action::ToggleAnswer)];

fn decision(app: &App) -> Option<&Decision> {
    app.project.as_ref().and_then(|p| p.decision.as_ref())
}

/// The nodes of the chart: the trail's steps and the verdict.
fn len(app: &App) -> usize {
    decision(app).map(|d| d.rationale.len() + 1).unwrap_or(0)
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
    let step = p.decision.as_ref().and_then(|d| d.rationale.get(app.screens.decision.sel));
    let Some((step, question)) = step.and_then(|s| Question::parse(&s.step).map(|q| (s, q))) else {
        app.set_status("only Q2 and Q3 can be overridden (the rules follow from them)", true);
        return vec![];
    };
    if p.ledger.overrides.answers.contains_key(question.as_str()) {
        return vec![Effect::Project(Job::Override { question, answer: None, reason: String::new() })];
    }
    let answer = !step.answer.starts_with("yes");
    app.modal = Some(Modal::Reason { purpose: ReasonFor::Override { question, answer }, text: String::new() });
    vec![]
}

pub fn derive(_: &mut App) -> Vec<Effect> {
    vec![]
}


/// Where the parts go: (verdict, chart, details, cost). Wide: the chart on the left, the rest
/// beside it. At 80 columns the chart and the details side by side over the cost; no verdict
/// box (the header says the verdict, the chart ends with it, the details open with the plan).
fn areas(area: Rect, d: &Decision) -> [Rect; 4] {
    let cost_h = cost_bars::height(&d.cost) + 2;
    if area.width >= 100 {
        let [chart, side] = Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(area);
        let [verdict, details, cost] =
            Layout::vertical([Constraint::Length(4), Constraint::Min(3), Constraint::Length(cost_h)]).areas(side);
        [verdict, chart, details, cost]
    } else {
        let [top, cost] = Layout::vertical([Constraint::Min(3), Constraint::Length(cost_h)]).areas(area);
        let [chart, details] = Layout::horizontal([Constraint::Percentage(56), Constraint::Percentage(44)]).areas(top);
        [Rect::default(), chart, details, cost]
    }
}

fn chart_inner(chart: Rect) -> Rect {
    Block::default().borders(Borders::ALL).inner(chart)
}

pub fn click(app: &mut App, area: Rect, col: u16, row: u16) -> Vec<Effect> {
    let Some(d) = decision(app) else { return vec![] };
    let [_, chart, _, _] = areas(area, d);
    if let Some(i) = flowchart::node_at(&flow(d), chart_inner(chart), app.screens.decision.sel, col, row) {
        app.screens.decision.sel = i;
    }
    vec![]
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(d) = decision(app) else {
        f.render_widget(
            Paragraph::new("Nothing failed: there is nothing to decide.").block(block("Decision", false, app)),
            area,
        );
        return;
    };
    let [verdict, chart, details, cost] = areas(area, d);
    let fl = flow(d);
    let sel = app.screens.decision.sel.min(d.rationale.len());
    let legend = format!("Decision flow ({} path  {}  {})", flowchart::PATH, flowchart::DECIDES, flowchart::OVERRIDDEN);
    let title = if legend.chars().count() + 6 <= chart.width as usize { legend.as_str() } else { "Decision flow" };
    f.render_widget(block(title, true, app), chart);
    f.render_widget(&Flowchart { flow: &fl, selected: sel, theme: &app.theme }, chart_inner(chart));
    let mut lines = Vec::new();
    if verdict.area() > 0 {
        draw_verdict(f, app, d, verdict);
    } else if sel < d.rationale.len() {
        lines.push(Line::styled(plan_line(d), app.theme.dim));
        lines.push(Line::raw(""));
    }
    lines.extend(if sel < d.rationale.len() { step_details(app, d, sel) } else { verdict_details(d) });
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).block(block("Details", false, app)), details);
    let restart = d.verdict == Verdict::FullRestart;
    let title = if restart { "Cost: the restart chosen vs a recovery" } else { "Cost: full restart vs this plan" };
    let b = block(title, false, app);
    let inner = b.inner(cost);
    f.render_widget(b, cost);
    f.render_widget(&CostBars { cost: &d.cost, restart_chosen: restart, theme: &app.theme }, inner);
}

fn draw_verdict(f: &mut Frame, app: &App, d: &Decision, area: Rect) {
    let verdict_style = if d.verdict == Verdict::FullRestart { app.theme.bad } else { app.theme.ok };
    let head = vec![
        Line::from(vec![
            Span::styled(d.verdict.as_str().replace('_', " ").to_uppercase(), verdict_style),
            Span::raw(format!("   scope {}   failing batch {}", d.scope.as_str(), d.failing_batch)),
            Span::styled(if d.escalated { "   ESCALATED" } else { "" }, app.theme.bad),
        ]),
        Line::raw(plan_line(d)),
    ];
    f.render_widget(Paragraph::new(head).wrap(Wrap { trim: false }).block(block("Verdict", false, app)), area);
}

/// "re-run b2-1   kept 1, 3   continue from -".
fn plan_line(d: &Decision) -> String {
    let kept = if d.preserved_batches.is_empty() {
        "nothing".to_string()
    } else {
        d.preserved_batches.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
    };
    let rerun = d.rerun_jobs.iter().map(|r| r.job.as_str()).collect::<Vec<_>>().join(", ");
    let cont = d.continue_from_batch.map(|c| c.to_string()).unwrap_or_else(|| "-".into());
    clean_line(&format!("re-run {rerun}   kept {kept}   continue from {cont}"))
}

/// The selected step: its question, answer, override and evidence, and how to override it.
fn step_details(app: &App, d: &Decision, sel: usize) -> Vec<Line<'static>> {
    let Some(r) = d.rationale.get(sel) else { return vec![] };
    let mut l = vec![
        Line::styled(format!("{} {}", clean_line(&r.step), clean_line(&r.question)), app.theme.title),
        Line::raw(""),
        Line::raw(format!("→ {}", clean_line(&r.answer))),
    ];
    if let Some(o) = &r.overridden {
        l.push(Line::styled(format!("{} by you: {}", flowchart::OVERRIDDEN, clean_line(o)), app.theme.warn));
    }
    if !r.evidence.is_empty() {
        l.push(Line::raw(""));
        l.push(Line::styled("Evidence", app.theme.title));
        for e in &r.evidence {
            l.push(Line::raw(format!("  · {}", clean_line(e))));
        }
    }
    if Question::parse(&r.step).is_some() {
        l.push(Line::raw(""));
        let keys = app.keymap.keys_for(crate::tui::screens::Screen::Decision, Action::ToggleAnswer).join("/");
        let what =
            if r.overridden.is_some() { "remove your override" } else { "override this answer (you give a reason)" };
        l.push(Line::styled(format!("{keys}: {what}; the verdict is decided again at once"), app.theme.dim));
    }
    l
}

/// The verdict node: what was decided, by which rule, and the plan.
fn verdict_details(d: &Decision) -> Vec<Line<'static>> {
    let fl = flow(d);
    let mut l = vec![Line::raw(format!("Verdict: {}", flowchart::verdict_words(&fl))), Line::raw("")];
    if let Some(n) = fl.deciding() {
        l.push(Line::raw(format!("set by {} {}: {}", clean_line(&n.id), n.title, clean_line(&n.answer))));
    }
    l.push(Line::raw(format!("scope {}   failing batch {}", d.scope.as_str(), d.failing_batch)));
    l.push(Line::raw(plan_line(d)));
    for w in &d.warnings {
        l.push(Line::raw(format!("  ! {}", clean_line(w))));
    }
    l
}
