//! The batches as a timeline of real durations: per batch, each job as a bar from its start to
//! its end time (`duration_s` from the batch's start when only that is known) on a time axis
//! shared by the jobs of the batch, coloured by the job's state and filled with a glyph of it
//! (`█` passed, `▓` failed, `▒` stale or running: it reads without colour), so the longest
//! and the failed jobs are seen at once. A batch whose times are unknown keeps its marks
//! (`✓✗·`) on one line. Only the rows on screen are built: a run of 100,000 jobs costs a
//! screenful (and the time axis of the batches shown).

use crate::core::model::{Batch, Job, Run};
use crate::core::sanitize::clean_line;
use crate::core::status::JobState;
use crate::tui::theme::Theme;
use crate::tui::widgets::{mark, short};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

/// A job's place: (batch index, job index in the batch).
pub type Place = (usize, usize);

pub struct Timeline<'a> {
    pub run: &'a Run,
    /// The job's state now.
    pub state: &'a dyn Fn(&Job) -> JobState,
    /// The job to keep in view and highlight.
    pub selected: Option<Place>,
    /// The batch (index) to keep in view when no job is selected.
    pub focus_batch: usize,
    pub theme: &'a Theme,
}

/// One line of the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Row {
    /// A job of a batch with times.
    Job(usize, usize),
    /// A batch without times: its marks on one line.
    Marks(usize),
}

/// A job's interval in seconds from its batch's start.
fn interval(j: &Job, base: Option<f64>) -> Option<(f64, f64)> {
    let r = &j.result;
    let secs = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis() as f64 / 1000.0;
    match (r.started_at.map(secs), base) {
        (Some(s), Some(b)) => {
            let end = r.ended_at.map(secs).or(r.duration_s.map(|d| s + d))?;
            Some((s - b, (end - b).max(s - b)))
        }
        _ => r.duration_s.filter(|d| d.is_finite()).map(|d| (0.0, d.max(0.0))),
    }
}

fn timed(j: &Job) -> bool {
    j.result.started_at.is_some() || j.result.duration_s.is_some()
}

/// The time axis of a batch.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Axis {
    /// Its first start, in seconds since the epoch, when any start is known.
    base: Option<f64>,
    /// Its length in seconds.
    len: f64,
}

fn axis(b: &Batch) -> Option<Axis> {
    if !b.jobs.iter().any(timed) {
        return None;
    }
    let base = b.jobs.iter().filter_map(|j| j.result.started_at).min().map(|t| t.timestamp_millis() as f64 / 1000.0);
    let len = b.jobs.iter().filter_map(|j| interval(j, base)).map(|(_, e)| e).fold(0.0, f64::max);
    Some(Axis { base, len })
}

/// The batch's jobs are drawn as bars (some job of it has a time).
pub fn has_times(b: &Batch) -> bool {
    b.jobs.iter().any(timed)
}

fn rows_of(b: &Batch, bi: usize) -> Vec<Row> {
    if b.jobs.iter().any(timed) {
        (0..b.jobs.len()).map(|ji| Row::Job(bi, ji)).collect()
    } else {
        vec![Row::Marks(bi)]
    }
}

/// The rows wanted for `run`, at most `cap` (counted without walking more batches than needed).
pub fn rows_wanted(run: &Run, cap: usize) -> usize {
    let mut n = 0;
    for b in &run.batches {
        n += if b.jobs.iter().any(timed) { b.jobs.len() } else { 1 };
        if n >= cap {
            return cap;
        }
    }
    n
}

impl Timeline<'_> {
    /// The rows on screen: up to `height - 1` before the focused row, then after it (as a list
    /// window keeps its selection in view), reading only the batches they come from.
    fn visible(&self, height: usize) -> Vec<Row> {
        let batches = &self.run.batches;
        if height == 0 || batches.is_empty() {
            return vec![];
        }
        let (fb, fj) = match self.selected {
            Some((b, j)) if b < batches.len() => (b, Some(j)),
            _ => (self.focus_batch.min(batches.len() - 1), None),
        };
        let focus_rows = rows_of(&batches[fb], fb);
        let at = match fj {
            Some(j) => focus_rows.iter().position(|r| *r == Row::Job(fb, j)).unwrap_or(0),
            None => 0,
        };
        let mut before: Vec<Row> = focus_rows[..at].iter().rev().copied().collect();
        let mut b = fb;
        while before.len() < height - 1 && b > 0 {
            b -= 1;
            before.extend(rows_of(&batches[b], b).into_iter().rev());
        }
        before.truncate(height - 1);
        before.reverse();
        let mut rows = before;
        rows.extend(focus_rows[at..].iter().copied());
        let mut b = fb;
        while rows.len() < height && b + 1 < batches.len() {
            b += 1;
            rows.extend(rows_of(&batches[b], b));
        }
        rows.truncate(height);
        rows
    }
}

/// The fill of a job's bar: a glyph per kind of state, distinct without colour.
pub fn fill(state: JobState) -> char {
    match state {
        JobState::Failed | JobState::Escalated => '▓',
        JobState::Stale | JobState::Repairing => '▒',
        _ => '█',
    }
}

/// What the fills mean, for the timeline's frame: `█ passed  ▓ failed  ▒ stale or running`.
pub fn legend() -> String {
    format!(
        "{} passed  {} failed  {} stale or running",
        fill(JobState::Passed),
        fill(JobState::Failed),
        fill(JobState::Stale)
    )
}

fn style_of(theme: &Theme, state: JobState) -> Style {
    match state {
        JobState::Passed | JobState::Repaired | JobState::RerunPassed => theme.ok,
        JobState::Failed | JobState::Escalated => theme.bad,
        JobState::Repairing | JobState::Stale => theme.warn,
        JobState::NotRun => theme.dim,
    }
}

/// Cells `[from, to)` of a bar for the interval `(s, e)` on an axis of `len` seconds drawn in
/// `width` cells; a job of any length gets at least one cell.
pub fn cells(s: f64, e: f64, len: f64, width: usize) -> (usize, usize) {
    if width == 0 {
        return (0, 0);
    }
    if len <= 0.0 {
        return (0, width);
    }
    let cell = |t: f64| (t * width as f64 / len).clamp(0.0, width as f64);
    let from = (cell(s) as usize).min(width - 1);
    let to = (cell(e).ceil() as usize).clamp(from + 1, width);
    (from, to)
}

const DURATION_W: usize = 7;

impl Widget for &Timeline<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let rows = self.visible(area.height as usize);
        let id_w = rows
            .iter()
            .filter_map(|r| match r {
                Row::Job(b, j) => self.run.batches[*b].jobs.get(*j).map(|j| j.id.chars().count()),
                Row::Marks(_) => None,
            })
            .max()
            .unwrap_or(0)
            .clamp(4, 16);
        let bar_w = (area.width as usize).saturating_sub(4 + 2 + id_w + 1 + DURATION_W + 1);
        let mut axes: Vec<(usize, Option<Axis>)> = Vec::new();
        let mut lines = Vec::with_capacity(rows.len());
        let mut last_batch = None;
        for row in rows {
            let bi = match row {
                Row::Job(b, _) | Row::Marks(b) => b,
            };
            let b = &self.run.batches[bi];
            let label = if last_batch == Some(bi) { "    ".to_string() } else { format!("{:>3} ", b.number) };
            last_batch = Some(bi);
            let line = match row {
                Row::Marks(_) => self.marks_line(label, b),
                Row::Job(_, ji) => {
                    let axis = match axes.iter().find(|(i, _)| *i == bi) {
                        Some((_, a)) => *a,
                        None => {
                            let a = axis(b);
                            axes.push((bi, a));
                            a
                        }
                    };
                    let Some(j) = b.jobs.get(ji) else { continue };
                    self.job_line(label, j, (bi, ji), axis, id_w, bar_w)
                }
            };
            lines.push(line);
        }
        Paragraph::new(lines).render(area, buf);
    }
}

impl Timeline<'_> {
    fn marks_line(&self, label: String, b: &Batch) -> Line<'static> {
        let mut spans = vec![Span::raw(label)];
        for j in b.jobs.iter().take(60) {
            let st = (self.state)(j);
            spans.push(Span::styled(mark(st), style_of(self.theme, st)));
        }
        if b.jobs.len() > 60 {
            spans.push(Span::styled(format!(" +{}", b.jobs.len() - 60), self.theme.dim));
        }
        spans.push(Span::styled(format!("  {} (times unknown)", clean_line(&b.name)), self.theme.dim));
        Line::from(spans)
    }

    fn job_line(
        &self,
        label: String,
        j: &Job,
        place: Place,
        axis: Option<Axis>,
        id_w: usize,
        bar_w: usize,
    ) -> Line<'static> {
        let st = (self.state)(j);
        let style = style_of(self.theme, st);
        let id_style = if self.selected == Some(place) { self.theme.selected } else { style };
        let mut spans = vec![
            Span::raw(label),
            Span::styled(format!("{} ", mark(st)), style),
            Span::styled(format!("{:<id_w$}", short(&clean_line(&j.id), id_w)), id_style),
            Span::raw(" "),
        ];
        let found = axis.and_then(|a| interval(j, a.base).map(|iv| (iv, a.len)));
        match found {
            Some(((s, e), len)) => {
                let (from, to) = cells(s, e, len, bar_w);
                spans.push(Span::raw(" ".repeat(from)));
                spans.push(Span::styled(fill(st).to_string().repeat(to - from), style));
                spans.push(Span::raw(" ".repeat(bar_w - to)));
                let took = crate::tui::pictures::cost_bars::duration(e - s);
                spans.push(Span::styled(format!(" {took:>DURATION_W$}"), style.add_modifier(Modifier::BOLD)));
            }
            None => {
                let what = if st == JobState::NotRun { "not run" } else { "time unknown" };
                spans.push(Span::styled(what, self.theme.dim));
            }
        }
        Line::from(spans)
    }
}
