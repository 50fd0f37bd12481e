//! Pieces the screens share: bordered blocks, list windows, and the marks of a job's state.

use super::app::App;
use crate::core::status::JobState;
use ratatui::style::Style;
use ratatui::widgets::{Block, Borders};

/// One mark per state, distinct without colour (NO_COLOR): the same on every screen.
pub fn mark(state: JobState) -> &'static str {
    match state {
        JobState::Passed => "✓",
        JobState::Failed => "✗",
        JobState::Repairing => "⟳",
        JobState::Repaired => "✚",
        JobState::Stale => "~",
        JobState::RerunPassed => "↻",
        JobState::NotRun => "·",
        JobState::Escalated => "!",
    }
}

/// The marks and what they mean, for titles and help.
pub fn legend() -> String {
    [
        JobState::Passed,
        JobState::Failed,
        JobState::Repairing,
        JobState::Repaired,
        JobState::Stale,
        JobState::RerunPassed,
        JobState::NotRun,
        JobState::Escalated,
    ]
    .iter()
    .map(|s| format!("{} {}", mark(*s), s.word()))
    .collect::<Vec<_>>()
    .join("  ")
}

pub fn state_style(app: &App, state: JobState) -> Style {
    match state {
        JobState::Passed | JobState::Repaired | JobState::RerunPassed => app.theme.ok,
        JobState::Failed | JobState::Escalated => app.theme.bad,
        JobState::Repairing | JobState::Stale => app.theme.warn,
        JobState::NotRun => app.theme.dim,
    }
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

/// A bordered block with a title; the focused one is bold and marked `▶` (visible without colour).
pub fn block(title: &str, focused: bool, app: &App) -> Block<'static> {
    let b = Block::default().borders(Borders::ALL);
    if focused {
        b.title(format!(" ▶ {title} ")).title_style(app.theme.title).border_style(app.theme.accent)
    } else {
        b.title(format!(" {title} "))
    }
}

/// The index of the list row at (`col`, `row`) of a bordered list drawn in `area`
/// whose first visible row is `first` (clicks use the same layout as drawing).
pub fn row_at(area: ratatui::layout::Rect, first: usize, col: u16, row: u16) -> Option<usize> {
    let inner = Block::default().borders(Borders::ALL).inner(area);
    (inner.x <= col && col < inner.right() && inner.y <= row && row < inner.bottom())
        .then(|| first + (row - inner.y) as usize)
}

pub fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// Move a selection by `delta`, kept inside `len`.
pub fn clamp_move(sel: &mut usize, len: usize, delta: isize) {
    if len == 0 {
        *sel = 0;
        return;
    }
    let n = (*sel as isize + delta).clamp(0, len as isize - 1);
    *sel = n as usize;
}

#[cfg(test)]
mod tests {
    #[test]
    fn window_keeps_the_selection_visible() {
        assert_eq!(super::window(0, 100_000, 10), (0, 10));
        assert_eq!(super::window(15, 100_000, 10), (6, 16));
        assert_eq!(super::window(3, 4, 10), (0, 4));
    }

    #[test]
    fn marks_are_distinct() {
        let l = super::legend();
        let marks: Vec<&str> = l.split("  ").map(|p| p.split(' ').next().unwrap()).collect();
        let mut d = marks.clone();
        d.sort();
        d.dedup();
        assert_eq!(d.len(), 8, "{marks:?}");
    }
}

/// The state of a job now (`Project::job_state` without the lookup by id).
pub fn state_of(p: &crate::app::project::Project, j: &crate::core::model::Job) -> JobState {
    p.progress.as_ref().map_or_else(|| JobState::from_logs(j.result.status), |pr| pr.state(j))
}

/// A path shortened in the middle to `n` characters, keeping the file name and as many of
/// the leading directories as fit: `sparkq/tests/unit/test_api.py` -> `sparkq/…/test_api.py`.
/// Every place that shortens a path uses this.
pub fn short_path(p: &str, n: usize) -> String {
    let len = p.chars().count();
    if len <= n {
        return p.to_string();
    }
    let (dirs, name) = match p.rsplit_once('/') {
        Some((d, name)) if !name.is_empty() => (d, name),
        _ => ("", p),
    };
    let name_len = name.chars().count();
    if dirs.is_empty() || name_len + 2 > n {
        // Only the name, and not all of it fits: keep its end (the extension).
        let keep = n.saturating_sub(1);
        return format!("…{}", name.chars().skip(name_len.saturating_sub(keep)).collect::<String>());
    }
    let budget = n - name_len - 2;
    let mut head = String::new();
    for part in dirs.split('/') {
        if head.chars().count() + part.chars().count() + 1 > budget {
            break;
        }
        head.push_str(part);
        head.push('/');
    }
    format!("{head}…/{name}")
}

#[cfg(test)]
mod path_tests {
    #[test]
    fn paths_keep_their_file_name() {
        assert_eq!(super::short_path("notes/render.py", 20), "notes/render.py");
        assert_eq!(super::short_path("src/very/long/dir/render.py", 15), "src/…/render.py");
        assert_eq!(super::short_path("sparkq/tests/test_api.py", 20), "sparkq/…/test_api.py");
        assert_eq!(super::short_path("sparkq/tests/unit/test_api.py", 26), "sparkq/tests/…/test_api.py");
        assert_eq!(super::short_path("averyverylongdirectory/x.py", 10), "…/x.py");
        assert_eq!(super::short_path("a/averyveryverylongname.py", 8), "…name.py");
        assert_eq!(super::short_path("averyveryverylongname.py", 8), "…name.py");
        assert_eq!(super::short_path("a/b.py", 0), "…");
        for n in 0..30 {
            let s = super::short_path("sparkq/tests/unit/test_api.py", n);
            assert!(s.chars().count() <= n.max(1), "{n}: {s}");
        }
    }
}
