//! Overview: the batches as a timeline of real durations (with the cost in one line), the job list (filterable), and the selected job's
//! state now, findings, log excerpt and prompt.

use crate::core::failure;
use crate::core::model::Job;
use crate::core::sanitize::clean_line;
use crate::core::status::JobState;
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::effects::Effect;
use crate::tui::modal::Modal;
use crate::tui::pictures::cost_bars;
use crate::tui::pictures::timeline::{self, Timeline};
use crate::tui::scroll::{Pane, Scroll};
use crate::tui::widgets::{block, clamp_move, legend, mark, row_at, short, short_path, state_of, state_style, window};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::sync::Arc;

/// Positions of jobs in the run: (batch index, job index in the batch).
pub type JobList = Arc<Vec<(usize, usize)>>;

#[derive(Default)]
pub struct State {
    /// Focused pane: 0 jobs, 1 details.
    pub pane: usize,
    /// Selected row of `visible`.
    pub sel: usize,
    pub filter: String,
    /// The jobs the filter lets through (recomputed when the filter or the run changes).
    pub visible: JobList,
    pub detail_scroll: Scroll,
}

pub const KEYS: &[(&str, Action)] = &[("/", Action::Filter)];

/// Set the filter and the jobs it lets through. It matches id, outputs, the state now
/// (`failed`, `repaired` ...) and `batchN`. The selected job stays selected while the filter
/// lets it through (so clearing a filter keeps it); otherwise the first one is.
pub fn set_filter(app: &mut App, filter: String) {
    let st = &mut app.screens.overview;
    let kept = st.visible.get(st.sel).copied();
    st.filter = filter;
    st.visible = Arc::new(filter_jobs(app.project.as_ref(), &st.filter));
    let sel = kept.and_then(|k| st.visible.iter().position(|&v| v == k)).unwrap_or(0);
    if sel != st.sel {
        st.detail_scroll.reset();
    }
    st.sel = sel;
}

fn filter_jobs(p: Option<&crate::app::project::Project>, filter: &str) -> Vec<(usize, usize)> {
    let Some(p) = p else { return Vec::new() };
    let f = filter.to_ascii_lowercase();
    let mut out = Vec::new();
    for (bi, b) in p.run.batches.iter().enumerate() {
        for (ji, j) in b.jobs.iter().enumerate() {
            let hit = f.is_empty()
                || j.id.to_ascii_lowercase().contains(&f)
                || j.outputs.iter().any(|o| o.to_ascii_lowercase().contains(&f))
                || state_of(p, j).as_str() == f
                || j.result.status.as_str() == f
                || format!("batch{}", b.number) == f;
            if hit {
                out.push((bi, ji));
            }
        }
    }
    out
}

/// After a load: every job listed, the first failed one selected.
pub fn on_loaded(app: &mut App) {
    set_filter(app, String::new());
    let Some(p) = app.project.as_ref() else { return };
    let st = &mut app.screens.overview;
    st.sel = st
        .visible
        .iter()
        .position(|&(b, j)| p.run.batches[b].jobs.get(j).is_some_and(|j| state_of(p, j) == JobState::Failed))
        .unwrap_or(0);
}

/// The selected job.
pub fn selected(app: &App) -> Option<&Job> {
    let p = app.project.as_ref()?;
    let (bi, ji) = *app.screens.overview.visible.get(app.screens.overview.sel)?;
    p.run.batches.get(bi)?.jobs.get(ji)
}

pub fn on_action(app: &mut App, a: Action) -> Option<Vec<Effect>> {
    if super::step(app, a).is_some() {
        if app.screens.overview.pane == 0 {
            move_selection(app, a);
        } else {
            scroll_details(app, a);
        }
        return Some(vec![]);
    }
    match a {
        Action::NextPane | Action::Select => app.screens.overview.pane = (app.screens.overview.pane + 1) % 2,
        // Esc from the details gives the focus back to the job list.
        Action::Back if app.screens.overview.pane == 1 => app.screens.overview.pane = 0,
        Action::Filter => app.modal = Some(Modal::Filter { text: app.screens.overview.filter.clone() }),
        _ => return None,
    }
    Some(vec![])
}

/// Move the job selection (a movement action); the details start at their top.
fn move_selection(app: &mut App, a: Action) {
    let Some(d) = super::step(app, a) else { return };
    let st = &mut app.screens.overview;
    let before = st.sel;
    clamp_move(&mut st.sel, st.visible.len(), d);
    if st.sel != before {
        st.detail_scroll.reset();
    }
}

/// Scroll the selected job's details (a movement action).
fn scroll_details(app: &mut App, a: Action) {
    let (_, _, right) = areas(app, crate::tui::view::body(app));
    let Some(j) = selected(app) else { return };
    let pane = Pane::wrapped(details(app, j), right);
    pane.apply(&mut app.screens.overview.detail_scroll, a);
}

/// The mouse wheel (`Up`/`Down`) over the screen: it scrolls the pane under the pointer.
pub fn wheel(app: &mut App, area: Rect, col: u16, row: u16, a: Action) -> Vec<Effect> {
    let (_, left, right) = areas(app, area);
    let at = ratatui::layout::Position { x: col, y: row };
    if right.contains(at) {
        scroll_details(app, a);
    } else if left.contains(at) {
        move_selection(app, a);
    }
    vec![]
}

pub fn derive(_: &mut App) -> Vec<Effect> {
    vec![]
}

fn areas(app: &App, area: Rect) -> (Rect, Rect, Rect) {
    let cap = (area.height as usize / 3).max(3);
    let rows = app.project.as_ref().map(|p| timeline::rows_wanted(&p.run, cap)).unwrap_or(0);
    let timeline_h = rows as u16 + 2;
    let [top, rest] = Layout::vertical([Constraint::Length(timeline_h), Constraint::Min(3)]).areas(area);
    // The job list takes 40%, and half of a narrow terminal (its output files must show).
    let left_w = (rest.width * 2 / 5).max(rest.width.min(80) / 2);
    let [left, right] = Layout::horizontal([Constraint::Length(left_w), Constraint::Min(0)]).areas(rest);
    (top, left, right)
}

pub fn click(app: &mut App, area: Rect, col: u16, row: u16) -> Vec<Effect> {
    let (_, left, right) = areas(app, area);
    let st = &app.screens.overview;
    let (first, _) = window(st.sel, st.visible.len(), left.height.saturating_sub(2) as usize);
    if let Some(i) = row_at(left, first, col, row) {
        let st = &mut app.screens.overview;
        st.pane = 0;
        st.sel = i.min(st.visible.len().saturating_sub(1));
        st.detail_scroll.reset();
    } else if right.contains(ratatui::layout::Position { x: col, y: row }) {
        app.screens.overview.pane = 1;
    }
    vec![]
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let (top, left, right) = areas(app, area);
    draw_timeline(f, app, top);
    draw_jobs(f, app, left);
    draw_details(f, app, right);
}

fn draw_timeline(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    let failing = s.decision.as_ref().map(|d| d.failing_batch);
    let focus_batch = s.run.batches.iter().position(|b| Some(b.number) == failing).unwrap_or(0);
    let st = &app.screens.overview;
    let state = |j: &Job| state_of(s, j);
    let timeline = Timeline {
        run: &s.run,
        state: &state,
        selected: st.visible.get(st.sel).copied(),
        focus_batch,
        theme: &app.theme,
    };
    let base = format!("{} — batches", clean_line(&s.run.title));
    let legend = legend();
    let fits = base.chars().count() + legend.chars().count() + 7 <= area.width as usize;
    let title = if fits { format!("{base}   {legend}") } else { base };
    let mut b = block(&title, false, app);
    let mut room = area.width as usize;
    if let Some(d) = &s.decision {
        let restart = d.verdict == crate::core::decide::Verdict::FullRestart;
        let cost = cost_bars::summary(&d.cost, restart, &app.theme);
        room = room.saturating_sub(cost.width() + 2);
        b = b.title_bottom(cost.right_aligned());
    }
    let fills = format!(" {} ", timeline::legend());
    if fills.chars().count() + 3 <= room && s.run.batches.get(focus_batch).is_some_and(timeline::has_times) {
        b = b.title_bottom(Line::styled(fills, app.theme.dim).left_aligned());
    }
    let inner = b.inner(area);
    f.render_widget(b, area);
    f.render_widget(&timeline, inner);
}

fn draw_jobs(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    let st = &app.screens.overview;
    let inner_h = area.height.saturating_sub(2) as usize;
    let (first, last) = window(st.sel, st.visible.len(), inner_h);
    let mut lines = Vec::with_capacity(last - first);
    let rows = &st.visible[first..last];
    let id_w = rows
        .iter()
        .map(|&(bi, ji)| s.run.batches[bi].jobs[ji].id.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, 22)
        .min((area.width as usize).saturating_sub(2) / 3)
        .max(4);
    let out_w = (area.width as usize).saturating_sub(2 + 2 + 5 + id_w + 1).max(8);
    for (i, &(bi, ji)) in rows.iter().enumerate() {
        let j = &s.run.batches[bi].jobs[ji];
        let state = state_of(s, j);
        let out = j.outputs.first().map(String::as_str).unwrap_or("(no output named)");
        let id = short(&clean_line(&j.id), id_w);
        let text = format!("{} b{:<3} {id:<id_w$} {}", mark(state), j.batch, short_path(&clean_line(out), out_w));
        let style = if first + i == st.sel { app.theme.selected } else { state_style(app, state) };
        lines.push(Line::styled(text, style));
    }
    let filter = if st.filter.is_empty() { String::new() } else { format!(" /{}", clean_line(&st.filter)) };
    let title = format!("Jobs {}/{}{filter}", st.visible.len(), s.run.jobs().count());
    f.render_widget(Paragraph::new(lines).block(block(&title, st.pane == 0, app)), area);
}

fn draw_details(f: &mut Frame, app: &App, area: Rect) {
    let focused = app.screens.overview.pane == 1;
    let Some(j) = selected(app) else {
        f.render_widget(Paragraph::new("No job matches the filter.").block(block("Job", focused, app)), area);
        return;
    };
    let pane = Pane::wrapped(details(app, j), area);
    let title = pane.title(&clean_line(&j.id), app.screens.overview.detail_scroll);
    f.render_widget(pane.at(app.screens.overview.detail_scroll, block(&title, focused, app)), area);
}

fn details(app: &App, j: &Job) -> Vec<Line<'static>> {
    let t = &app.theme;
    let Some(p) = app.project.as_ref() else { return vec![] };
    let state = state_of(p, j);
    let mut l = vec![Line::from(vec![
        Span::styled(format!("{} {}", mark(state), state.word()), state_style(app, state)),
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
    let progress = p.progress.as_ref();
    let done_by = |list: Option<&Vec<crate::core::status::Done>>| {
        list.and_then(|v| v.iter().find(|d| d.job == j.id)).map(|d| d.attempt)
    };
    match state {
        JobState::Repaired => {
            let n = done_by(progress.map(|p| &p.repaired_jobs)).unwrap_or(0);
            l.push(Line::styled(format!("Repaired by recovery attempt {n} (validation passed)."), t.ok));
        }
        JobState::RerunPassed => {
            let n = done_by(progress.map(|p| &p.rerun_passed_jobs)).unwrap_or(0);
            l.push(Line::styled(format!("Re-run {n} passed validation."), t.ok));
        }
        JobState::Stale => {
            let why = progress
                .and_then(|p| p.rerun_jobs_after.iter().find(|x| x.job == j.id))
                .map(|x| x.reason.clone())
                .unwrap_or_default();
            l.push(Line::styled(format!("Stale: it must run again ({})", clean_line(&why)), t.warn));
        }
        JobState::Repairing => l.push(Line::styled("A recovery attempt of it is running now.", t.warn)),
        JobState::Escalated => {
            l.push(Line::styled("It used up its recovery attempts: the phase needs a full restart.", t.bad))
        }
        _ => {}
    }
    if j.result.status == crate::core::model::Status::Failed {
        l.push(Line::raw(""));
        let what = if state.is_good() { "Why it had failed" } else { "Why it failed" };
        l.push(Line::styled(
            format!("{what} ({}): {}", failure::job_class(j).as_str(), clean_line(&failure::reason(j))),
            if state.is_good() { t.dim } else { t.bad },
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
