//! The position of a scrolled pane (a job's details, the prompt, the journal, a diff, the
//! Run steps, the help): one type for all of them, so every pane stops at its last line and
//! takes `g`/`G`, `Home`/`End`, `PgUp`/`PgDn` the same way.
//!
//! The position is kept as asked and clamped wherever it is used: drawing shows
//! [`Scroll::shown`] (never past the last line, even when the content got shorter since), and a
//! movement starts from the clamped position (so `k` after `G` always moves up).

use super::action::Action;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    top: usize,
}

impl Scroll {
    /// The largest first line that still fills the viewport (0 when everything fits).
    pub fn max(content: usize, viewport: usize) -> usize {
        content.saturating_sub(viewport)
    }

    /// The first line to draw for `content` rows in `viewport` rows.
    pub fn shown(self, content: usize, viewport: usize) -> usize {
        self.top.min(Scroll::max(content, viewport))
    }

    /// [`Scroll::shown`] as the offset ratatui's `Paragraph::scroll` takes.
    pub fn offset(self, content: usize, viewport: usize) -> (u16, u16) {
        (self.shown(content, viewport).min(u16::MAX as usize) as u16, 0)
    }

    /// Back to the top (new content).
    pub fn reset(&mut self) {
        self.top = 0;
    }

    /// Move for a movement action (`false`: not one). A page is the viewport less one line.
    pub fn apply(&mut self, a: Action, content: usize, viewport: usize) -> bool {
        let max = Scroll::max(content, viewport);
        let now = self.top.min(max);
        let page = viewport.saturating_sub(1).max(1);
        self.top = match a {
            Action::Up => now.saturating_sub(1),
            Action::Down => (now + 1).min(max),
            Action::PageUp => now.saturating_sub(page),
            Action::PageDown => (now + page).min(max),
            Action::Top => 0,
            Action::Bottom => max,
            _ => return false,
        };
        true
    }

    /// Where the viewport stands, for a title: "lines 11-30 of 84" (`None`: everything fits).
    pub fn position(self, content: usize, viewport: usize) -> Option<String> {
        if content <= viewport || viewport == 0 {
            return None;
        }
        let first = self.shown(content, viewport);
        Some(format!("lines {}-{} of {content}", first + 1, (first + viewport).min(content)))
    }
}

/// A wrapped text pane drawn in a bordered `area`: its rows once wrapped at the inner width
/// (what ratatui draws), and the rows it shows.
pub struct Pane<'a> {
    pub paragraph: Paragraph<'a>,
    pub rows: usize,
    pub viewport: usize,
}

impl<'a> Pane<'a> {
    pub fn wrapped(lines: Vec<Line<'a>>, area: Rect) -> Pane<'a> {
        let inner = Block::default().borders(Borders::ALL).inner(area);
        let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
        let rows = if inner.width == 0 { 0 } else { paragraph.line_count(inner.width) };
        Pane { paragraph, rows, viewport: inner.height as usize }
    }

    /// Lines drawn as they are (not wrapped): a diff.
    pub fn unwrapped(lines: Vec<Line<'a>>, area: Rect) -> Pane<'a> {
        let inner = Block::default().borders(Borders::ALL).inner(area);
        let rows = lines.len();
        Pane { paragraph: Paragraph::new(lines), rows, viewport: inner.height as usize }
    }

    /// The paragraph scrolled to `s` (clamped) inside `block`.
    pub fn at(self, s: Scroll, block: Block<'a>) -> Paragraph<'a> {
        self.paragraph.scroll(s.offset(self.rows, self.viewport)).block(block)
    }

    /// A title with where the pane stands when it does not all fit: "b2-1 · lines 1-20 of 48".
    pub fn title(&self, base: &str, s: Scroll) -> String {
        match s.position(self.rows, self.viewport) {
            Some(at) => format!("{base} · {at}"),
            None => base.to_string(),
        }
    }

    /// Apply a movement action to `s` for this pane.
    pub fn apply(&self, s: &mut Scroll, a: Action) -> bool {
        s.apply(a, self.rows, self.viewport)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bottom_shows_the_last_line_and_up_moves_from_there() {
        let mut s = Scroll::default();
        assert!(s.apply(Action::Bottom, 100, 20));
        assert_eq!(s.shown(100, 20), 80);
        assert!(s.apply(Action::Up, 100, 20));
        assert_eq!(s.shown(100, 20), 79);
        assert!(s.apply(Action::PageDown, 100, 20));
        assert_eq!(s.shown(100, 20), 80, "PgDn stops at the last line");
        assert!(s.apply(Action::PageUp, 100, 20));
        assert_eq!(s.shown(100, 20), 61);
        assert!(s.apply(Action::Top, 100, 20));
        assert_eq!(s.shown(100, 20), 0);
        assert!(!s.apply(Action::Quit, 100, 20));
    }

    #[test]
    fn content_that_fits_never_scrolls_and_shorter_content_is_clamped() {
        let mut s = Scroll::default();
        s.apply(Action::Bottom, 10, 20);
        assert_eq!(s.shown(10, 20), 0);
        s.apply(Action::Bottom, 100, 20);
        // The content shrank to 30 rows: shown at its end, and `k` moves up from there.
        assert_eq!(s.shown(30, 20), 10);
        s.apply(Action::Up, 30, 20);
        assert_eq!(s.shown(30, 20), 9);
        assert_eq!(s.position(30, 20).as_deref(), Some("lines 10-29 of 30"));
        assert_eq!(s.position(10, 20), None);
        // A viewport of nothing (a tiny terminal) neither panics nor moves.
        s.apply(Action::PageDown, 30, 0);
        assert_eq!(s.position(30, 0), None);
    }

    #[test]
    fn a_wrapped_pane_counts_the_rows_ratatui_draws() {
        let long = "word ".repeat(30);
        let pane = Pane::wrapped(vec![Line::raw(long), Line::raw("end")], Rect::new(0, 0, 22, 6));
        // 150 characters of 5-letter words in 20 columns: 4 words a row, 8 rows, then "end".
        assert_eq!((pane.rows, pane.viewport), (9, 4));
    }
}
