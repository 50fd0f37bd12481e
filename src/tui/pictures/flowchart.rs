//! The decision as a flowchart: Q1 -> Q2 -> Q3 -> the rules in order -> the verdict, drawn
//! from `core::flow` (so it can never disagree with the trail). The path taken is bold, in
//! colour and marked `▶` (it reads without colour); the deciding rule says `◆ decides`, an
//! overridden answer `✎ overridden`; the rules after the deciding one are dimmed.
//!
//! Two forms, chosen by the room there is: **boxes** (the questions in a row, the rules in a
//! column joined by arrows, the verdict beside the deciding rule) and **compact** (one line per
//! node, joined by a line on the left: it reads at 80x24).

use super::put;
use crate::core::decide::Verdict;
use crate::core::flow::{Flow, Node, NodeKind};
use crate::core::sanitize::clean_line;
use crate::tui::theme::Theme;
use crate::tui::widgets::{short, window};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

/// The mark of a node the path passed through.
pub const PATH: &str = "▶";
/// The mark of the rule that set the verdict.
pub const DECIDES: &str = "◆ decides";
/// The mark of an answer the user overrode.
pub const OVERRIDDEN: &str = "✎ overridden";

/// The chart of `flow`; `selected` is a node index, or `flow.nodes.len()` for the verdict.
pub struct Flowchart<'a> {
    pub flow: &'a Flow,
    pub selected: usize,
    pub theme: &'a Theme,
}

/// How the chart is drawn in an area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Boxes,
    Compact,
}

const Q_GAP: u16 = 4;
const Q_BOX_H: u16 = 6;
const R_BOX_H: u16 = 3;
/// Rows between the questions and the first rule (the connector and its arrow).
const Q_TO_R: u16 = 2;
const VERDICT_GAP: u16 = 5;
const MIN_BOXES_W: u16 = 60;

/// The rows the boxes form needs.
fn boxes_height(flow: &Flow) -> u16 {
    let (q, r) = counts(flow);
    let q_rows = if q > 0 { Q_BOX_H + Q_TO_R } else { 0 };
    let r_rows = (r as u16).saturating_mul(R_BOX_H + 1).saturating_sub(1).max(R_BOX_H);
    q_rows + r_rows
}

fn counts(flow: &Flow) -> (usize, usize) {
    let q = flow.nodes.iter().filter(|n| n.kind == NodeKind::Question).count();
    (q, flow.nodes.len() - q)
}

/// The form the chart takes in `area`.
pub fn form(flow: &Flow, area: Rect) -> Form {
    let (q, _) = counts(flow);
    if area.width >= MIN_BOXES_W && area.height >= boxes_height(flow) && q <= 4 {
        Form::Boxes
    } else {
        Form::Compact
    }
}

/// Where each node is drawn in `area`: one entry per node of the flow, then the verdict;
/// `None` for a node out of view (the compact form in a short area keeps `selected` in view).
/// Drawing and clicks both read it.
pub fn places(flow: &Flow, area: Rect, selected: usize) -> Vec<Option<Rect>> {
    match form(flow, area) {
        Form::Boxes => box_places(flow, area).into_iter().map(Some).collect(),
        Form::Compact => {
            let n = flow.nodes.len() + 1;
            let (first, last) = window(selected.min(n - 1), n, area.height as usize);
            (0..n)
                .map(|i| {
                    (first..last).contains(&i).then(|| Rect::new(area.x, area.y + (i - first) as u16, area.width, 1))
                })
                .collect()
        }
    }
}

/// The node (or `flow.nodes.len()` for the verdict) drawn at (`col`, `row`).
pub fn node_at(flow: &Flow, area: Rect, selected: usize, col: u16, row: u16) -> Option<usize> {
    let p = ratatui::layout::Position { x: col, y: row };
    places(flow, area, selected).iter().position(|r| r.is_some_and(|r| r.contains(p)))
}

struct BoxGeometry {
    q_w: u16,
    r_w: u16,
    v_w: u16,
}

fn geometry(flow: &Flow, area: Rect) -> BoxGeometry {
    let (q, _) = counts(flow);
    let q = q.max(1) as u16;
    let q_w = (area.width.saturating_sub(Q_GAP * (q - 1)) / q).min(30);
    // The rules take what the verdict beside them leaves, up to a readable line.
    let r_w = area.width.saturating_sub(VERDICT_GAP + 26).clamp(18, 50);
    let v_w = area.width.saturating_sub(r_w + VERDICT_GAP).min(34);
    BoxGeometry { q_w, r_w, v_w }
}

fn box_places(flow: &Flow, area: Rect) -> Vec<Rect> {
    let g = geometry(flow, area);
    let (q, _) = counts(flow);
    let r_top = area.y + if q > 0 { Q_BOX_H + Q_TO_R } else { 0 };
    let (mut qi, mut ri) = (0u16, 0u16);
    let mut out: Vec<Rect> = Vec::with_capacity(flow.nodes.len() + 1);
    for n in &flow.nodes {
        out.push(match n.kind {
            NodeKind::Question => {
                let r = Rect::new(area.x + qi * (g.q_w + Q_GAP), area.y, g.q_w, Q_BOX_H);
                qi += 1;
                r
            }
            NodeKind::Rule => {
                let r = Rect::new(area.x, r_top + ri * (R_BOX_H + 1), g.r_w, R_BOX_H);
                ri += 1;
                r
            }
        });
    }
    // The verdict beside the deciding rule (or the last node).
    let beside = flow.nodes.iter().position(|n| n.decided).or(flow.nodes.len().checked_sub(1));
    let y = beside.and_then(|i| out.get(i)).map(|r| r.y).unwrap_or(area.y);
    out.push(Rect::new(area.x + g.r_w + VERDICT_GAP, y, g.v_w, R_BOX_H));
    out.into_iter().map(|r| r.intersection(area)).collect()
}

impl Widget for &Flowchart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < 4 || area.height == 0 {
            return;
        }
        match form(self.flow, area) {
            Form::Boxes => self.render_boxes(area, buf),
            Form::Compact => self.render_compact(area, buf),
        }
    }
}

/// The style of the verdict: bad for a restart or an escalation, ok otherwise.
pub fn verdict_style(theme: &Theme, flow: &Flow) -> Style {
    let bad = flow.escalated || flow.verdict == Verdict::FullRestart;
    (if bad { theme.bad } else { theme.ok }).add_modifier(Modifier::BOLD)
}

/// "TARGETED RECOVERY", "FULL RESTART · escalated".
pub fn verdict_words(flow: &Flow) -> String {
    let v = flow.verdict.as_str().replace('_', " ").to_uppercase();
    if flow.escalated {
        format!("{v} · escalated")
    } else {
        v
    }
}

impl Flowchart<'_> {
    fn path_style(&self) -> Style {
        self.theme.accent.add_modifier(Modifier::BOLD)
    }

    /// The style of a node's frame or marks: the deciding rule in the verdict's style, the
    /// path bold and coloured, the rest dimmed.
    fn node_style(&self, n: &Node) -> Style {
        if n.decided {
            verdict_style(self.theme, self.flow)
        } else if n.on_path {
            self.path_style()
        } else {
            self.theme.dim
        }
    }

    fn marks(n: &Node) -> String {
        let mut m = Vec::new();
        if n.decided {
            m.push(DECIDES);
        }
        if n.overridden.is_some() {
            m.push(OVERRIDDEN);
        }
        m.join(" ")
    }

    fn render_compact(&self, area: Rect, buf: &mut Buffer) {
        let places = places(self.flow, area, self.selected);
        let n = self.flow.nodes.len();
        for (i, place) in places.iter().enumerate() {
            let Some(r) = place else { continue };
            let mut line = if i == n { self.verdict_row() } else { self.node_row(i, r.width as usize) };
            if i == self.selected {
                line = line.patch_style(self.theme.selected);
            }
            Paragraph::new(line).render(*r, buf);
        }
    }

    fn node_row(&self, i: usize, width: usize) -> Line<'static> {
        let Some(node) = self.flow.nodes.get(i) else { return Line::raw("") };
        let spine = match (node.on_path, i) {
            (true, 0) => format!("┌{PATH} "),
            (true, _) => format!("├{PATH} "),
            (false, _) => "│  ".to_string(),
        };
        let marks = Self::marks(node);
        let marks_w = if marks.is_empty() { 0 } else { marks.chars().count() + 1 };
        // The same title column on every row (room kept for a mark), the answer after it.
        let room_all = width.saturating_sub(3 + 4 + DECIDES.chars().count() + 1);
        let title_w = if room_all >= 14 { room_all.saturating_sub(8).min(20) } else { 0 };
        let answer = clean_line(&node.answer);
        let room = width.saturating_sub(3 + 4 + marks_w);
        let answer_w = room.saturating_sub(title_w + usize::from(title_w > 0));
        let style = self.node_style(node);
        let text = if node.on_path { Style::new() } else { self.theme.dim };
        let mut spans = vec![
            Span::styled(spine, if node.on_path { self.path_style() } else { self.theme.dim }),
            Span::styled(format!("{:<4}", clean_line(&node.id)), style),
        ];
        if title_w > 0 {
            spans.push(Span::styled(format!("{:<title_w$} ", short(node.title, title_w)), text));
        }
        let answer_style = if node.on_path { text.add_modifier(Modifier::BOLD) } else { text };
        spans.push(Span::styled(short(&answer, answer_w), answer_style));
        if !marks.is_empty() {
            if node.decided {
                spans.push(Span::styled(format!(" {DECIDES}"), verdict_style(self.theme, self.flow)));
            }
            if node.overridden.is_some() {
                spans.push(Span::styled(format!(" {OVERRIDDEN}"), self.theme.warn.add_modifier(Modifier::BOLD)));
            }
        }
        Line::from(spans)
    }

    fn verdict_row(&self) -> Line<'static> {
        Line::from(vec![
            Span::styled(format!("└{PATH} "), self.path_style()),
            Span::styled(verdict_words(self.flow), verdict_style(self.theme, self.flow)),
        ])
    }

    fn render_boxes(&self, area: Rect, buf: &mut Buffer) {
        let places = box_places(self.flow, area);
        for (i, node) in self.flow.nodes.iter().enumerate() {
            if let Some(r) = places.get(i) {
                self.render_box(node, *r, i == self.selected, buf);
            }
        }
        if let Some(r) = places.last() {
            self.render_verdict_box(*r, self.selected == self.flow.nodes.len(), buf);
        }
        self.render_arrows(area, &places, buf);
    }

    fn frame(&self, title: String, style: Style, thick: bool, selected: bool) -> Block<'static> {
        let style = if selected { style.patch(self.theme.selected) } else { style };
        Block::bordered()
            .border_type(if thick { BorderType::Thick } else { BorderType::Plain })
            .border_style(style)
            .title(Span::styled(title, style))
    }

    fn render_box(&self, node: &Node, r: Rect, selected: bool, buf: &mut Buffer) {
        let style = self.node_style(node);
        let mark = if node.on_path { format!("{PATH} ") } else { String::new() };
        let mut block = self.frame(format!(" {mark}{} ", clean_line(&node.id)), style, node.on_path, selected);
        let marks = Self::marks(node);
        if !marks.is_empty() {
            let mark_style = if node.decided { style } else { self.theme.warn.add_modifier(Modifier::BOLD) };
            block = block.title_bottom(Span::styled(format!(" {marks} "), mark_style));
        }
        let text = if node.on_path { Style::new() } else { self.theme.dim };
        let answer_style = if node.on_path { text.add_modifier(Modifier::BOLD) } else { text };
        let inner = block.inner(r);
        block.render(r, buf);
        let answer = clean_line(&node.answer);
        match node.kind {
            NodeKind::Question => {
                // The title wraps above; the answer keeps the last line.
                let [title, last] = Layout::vertical([Constraint::Min(0), Constraint::Length(1)]).areas(inner);
                Paragraph::new(Line::styled(node.title, text)).wrap(Wrap { trim: true }).render(title, buf);
                Paragraph::new(Line::styled(short(&answer, last.width as usize), answer_style)).render(last, buf);
            }
            NodeKind::Rule => {
                let head = format!("{}: ", node.title);
                let room = (inner.width as usize).saturating_sub(head.chars().count());
                let line = Line::from(vec![Span::styled(head, text), Span::styled(short(&answer, room), answer_style)]);
                Paragraph::new(line).render(inner, buf);
            }
        }
    }

    fn render_verdict_box(&self, r: Rect, selected: bool, buf: &mut Buffer) {
        let style = verdict_style(self.theme, self.flow);
        let block = self.frame(format!(" {PATH} verdict "), style, true, selected).border_type(BorderType::Double);
        Paragraph::new(Line::styled(verdict_words(self.flow), style)).block(block).render(r, buf);
    }

    /// The arrows between the boxes: question to question, the last question down to the
    /// first rule, rule to rule, and the deciding rule to the verdict.
    fn render_arrows(&self, area: Rect, places: &[Rect], buf: &mut Buffer) {
        let path = self.path_style();
        let nodes = &self.flow.nodes;
        let questions: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].kind == NodeKind::Question).collect();
        let rules: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].kind == NodeKind::Rule).collect();
        for w in questions.windows(2) {
            let a = places[w[0]];
            put(buf, area, a.right(), a.y + 2, &format!("{}▶", "━".repeat(Q_GAP as usize - 1)), path);
        }
        if let (Some(&q), Some(&r)) = (questions.last(), rules.first()) {
            let (a, b) = (places[q], places[r]);
            let (from, to) = (a.x + a.width / 2, b.x + b.width / 2);
            let y = a.bottom();
            let style = if nodes[r].on_path { path } else { self.theme.dim };
            junction(buf, area, from, y.saturating_sub(1), "┳", path);
            let (lo, hi) = (from.min(to), from.max(to));
            for x in lo..=hi {
                let glyph = match (x == from, x == to) {
                    (true, true) => "┃",
                    (true, _) if from > to => "┛",
                    (true, _) => "┗",
                    (_, true) if from > to => "┏",
                    (_, true) => "┓",
                    _ => "━",
                };
                put(buf, area, x, y, glyph, style);
            }
            put(buf, area, to, y + 1, "▼", style);
        }
        for w in rules.windows(2) {
            let (a, next) = (places[w[0]], &nodes[w[1]]);
            let (glyph, style) = if next.on_path { ("▼", path) } else { ("┆", self.theme.dim) };
            let glyph_of_edge = if nodes[w[0]].on_path { "┳" } else { "┬" };
            let x = a.x + a.width / 2;
            junction(buf, area, x, a.bottom().saturating_sub(1), glyph_of_edge, self.node_style(&nodes[w[0]]));
            put(buf, area, x, a.bottom(), glyph, style);
        }
        let from = nodes.iter().position(|n| n.decided).or(nodes.len().checked_sub(1));
        if let (Some(i), Some(v)) = (from, places.last()) {
            let a = places[i];
            let arrow = format!("{}▶", "━".repeat(VERDICT_GAP as usize - 1));
            put(buf, area, a.right(), v.y + 1, &arrow, verdict_style(self.theme, self.flow));
        }
    }
}

/// A line leaving a box through its lower edge: drawn only on the edge itself (never over a
/// mark written on it).
fn junction(buf: &mut Buffer, area: Rect, x: u16, y: u16, glyph: &str, style: Style) {
    let on_edge = buf.cell((x, y)).is_some_and(|c| matches!(c.symbol(), "━" | "─"));
    if on_edge {
        put(buf, area, x, y, glyph, style);
    }
}
