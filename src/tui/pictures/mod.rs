//! Pictures where people would rather look than read (DESIGN.md §15): the decision as a
//! flowchart, the cost comparison as bars, the batches as a timeline of real durations.
//! Each is a widget drawn from `&` data (`impl Widget for &T`), tested against a `Buffer`.

pub mod cost_bars;
pub mod flowchart;
pub mod timeline;

#[cfg(test)]
mod tests;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// Write `s` at (`x`, `y`) clipped to `area` (nothing outside it, whatever the coordinates).
fn put(buf: &mut Buffer, area: Rect, x: u16, y: u16, s: &str, style: Style) {
    if y < area.y || y >= area.bottom() || x < area.x || x >= area.right() {
        return;
    }
    let room = (area.right() - x) as usize;
    buf.set_stringn(x, y, s, room, style);
}
