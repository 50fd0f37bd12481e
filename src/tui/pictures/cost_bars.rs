//! The cost comparison as bars: the full restart against this plan, in tokens, time and money
//! (money when `[prices]` are set). An unknown figure is written "unknown", never drawn as 0.
//! For a full restart the other side is what a recovery would have cost.

use crate::core::cost::Comparison;
use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    Tokens,
    Time,
    Money,
}

impl Measure {
    fn label(self) -> &'static str {
        match self {
            Measure::Tokens => "tokens",
            Measure::Time => "time",
            Measure::Money => "money",
        }
    }

    /// A figure as people write it: `24.0k`, `1h 05m`, `$1.20`.
    pub fn format(self, v: f64) -> String {
        match self {
            Measure::Tokens if v >= 1e6 => format!("{:.1}M", v / 1e6),
            Measure::Tokens if v >= 1e3 => format!("{:.1}k", v / 1e3),
            Measure::Tokens => format!("{v:.0}"),
            Measure::Time => duration(v),
            Measure::Money => format!("${v:.2}"),
        }
    }
}

/// Seconds as `0.06s`, `4.2s`, `42s`, `10m 05s`, `2h 03m`.
pub fn duration(s: f64) -> String {
    if s < 1.0 {
        return format!("{s:.2}s");
    }
    if s < 10.0 {
        return format!("{s:.1}s");
    }
    let t = s.round() as u64;
    match t {
        0..=59 => format!("{t}s"),
        60..=3599 => format!("{}m {:02}s", t / 60, t % 60),
        _ => format!("{}h {:02}m", t / 3600, (t % 3600) / 60),
    }
}

/// One measure of the comparison: the restart's figure and the plan's (`None`: unknown).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figure {
    pub measure: Measure,
    pub restart: Option<f64>,
    pub plan: Option<f64>,
}

impl Figure {
    /// The plan as a share of the restart, in percent, when both are known.
    pub fn percent(&self) -> Option<f64> {
        Some(self.plan? / self.restart? * 100.0)
    }
}

/// The figures of a comparison: the one place that reads `Comparison`. A zero is a figure the
/// logs did not give (no tokens logged, no times), so it is unknown; money only with prices.
pub fn figures(c: &Comparison) -> Vec<Figure> {
    let known = |v: f64| (v.is_finite() && v > 0.0).then_some(v);
    let mut out = vec![
        Figure {
            measure: Measure::Tokens,
            restart: known(c.full_restart.tokens as f64),
            plan: known(c.recovery.tokens as f64),
        },
        Figure { measure: Measure::Time, restart: known(c.full_restart.seconds), plan: known(c.recovery.seconds) },
    ];
    if c.full_restart.usd.is_some() || c.recovery.usd.is_some() {
        out.push(Figure {
            measure: Measure::Money,
            restart: c.full_restart.usd.and_then(known),
            plan: c.recovery.usd.and_then(known),
        });
    }
    out
}

/// The bars of a comparison; `restart_chosen`: the verdict is a full restart (the other side
/// is then what a recovery would have cost).
pub struct CostBars<'a> {
    pub cost: &'a Comparison,
    pub restart_chosen: bool,
    pub theme: &'a Theme,
}

/// Rows the bars take (two per measure).
pub fn height(c: &Comparison) -> u16 {
    figures(c).len() as u16 * 2
}

/// The name of the side that is not the restart.
fn plan_word(restart_chosen: bool) -> &'static str {
    if restart_chosen {
        "recovery"
    } else {
        "plan"
    }
}

const LABEL_W: usize = 7;
const SIDE_W: usize = 9;
const VALUE_W: usize = 8;
const PERCENT_W: usize = 5;

impl Widget for &CostBars<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let bar_w = (area.width as usize).saturating_sub(LABEL_W + SIDE_W + VALUE_W + PERCENT_W + 2).max(1);
        let mut lines = Vec::new();
        for f in figures(self.cost) {
            let max = f.restart.unwrap_or(0.0).max(f.plan.unwrap_or(0.0));
            let restart_style = if self.restart_chosen { self.theme.bad } else { self.theme.warn };
            let plan_style = if self.restart_chosen { self.theme.warn } else { self.theme.ok };
            let pct = f.percent().map(|p| format!(" {p:>3.0}%")).unwrap_or_default();
            lines.push(self.row(f.measure.label(), "restart", f.measure, f.restart, max, bar_w, restart_style, ""));
            lines.push(self.row("", plan_word(self.restart_chosen), f.measure, f.plan, max, bar_w, plan_style, &pct));
        }
        Paragraph::new(lines).render(area, buf);
    }
}

impl CostBars<'_> {
    #[allow(clippy::too_many_arguments)]
    fn row(
        &self,
        label: &str,
        side: &str,
        m: Measure,
        v: Option<f64>,
        max: f64,
        bar_w: usize,
        style: Style,
        pct: &str,
    ) -> Line<'static> {
        let mut spans =
            vec![Span::styled(format!("{label:<LABEL_W$}"), self.theme.title), Span::raw(format!("{side:<SIDE_W$}"))];
        match v {
            Some(v) => {
                let (full, empty) = bar(v, max, bar_w);
                spans.push(Span::styled(full, style));
                spans.push(Span::styled(empty, self.theme.dim));
                spans.push(Span::styled(format!(" {:>w$}", m.format(v), w = VALUE_W - 1), style));
                spans.push(Span::styled(pct.to_string(), style.add_modifier(Modifier::BOLD)));
            }
            None => spans.push(Span::styled("unknown", self.theme.dim)),
        }
        Line::from(spans)
    }
}

/// A bar of `v` out of `max` in `width` cells: (the filled part, the rest). A known figure
/// above zero shows at least one cell.
fn bar(v: f64, max: f64, width: usize) -> (String, String) {
    let n = if max > 0.0 { ((v / max) * width as f64).round() as usize } else { 0 };
    let n = n.clamp(usize::from(v > 0.0), width);
    ("█".repeat(n), "░".repeat(width - n))
}

/// The one-line form, for the Overview: `cost ██████░░░░ plan 35% of restart`, on the first
/// measure known on both sides (tokens, then time, then money); `cost unknown` when none is.
pub fn summary(cost: &Comparison, restart_chosen: bool, theme: &Theme) -> Line<'static> {
    let Some((f, pct)) = figures(cost).into_iter().find_map(|f| f.percent().map(|p| (f, p))) else {
        return Line::from(vec![Span::raw("cost "), Span::styled("unknown", theme.dim)]);
    };
    let (full, empty) = bar(f.plan.unwrap_or(0.0), f.restart.unwrap_or(0.0).max(f.plan.unwrap_or(0.0)), 10);
    let what = if restart_chosen { "a recovery would be" } else { "plan" };
    let unit = if f.measure == Measure::Tokens { "" } else { " (by time)" };
    let unit = if f.measure == Measure::Money { " (by money)" } else { unit };
    Line::from(vec![
        Span::raw("cost "),
        Span::styled(full, if restart_chosen { theme.warn } else { theme.ok }),
        Span::styled(empty, theme.dim),
        Span::raw(format!(" {what} {pct:.0}% of restart{unit}")),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::cost::Amount;

    fn text(buf: &Buffer) -> Vec<String> {
        (0..buf.area.height)
            .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect::<String>().trim_end().to_string())
            .collect()
    }

    fn comparison(full: Amount, recovery: Amount) -> Comparison {
        Comparison { full_restart: full, recovery, ..Comparison::default() }
    }

    #[test]
    fn bars_compare_the_plan_with_the_restart_and_say_the_share() {
        let c = comparison(
            Amount { tokens: 24_000, seconds: 3600.0, usd: Some(1.2) },
            Amount { tokens: 6_000, seconds: 600.0, usd: Some(0.3) },
        );
        let theme = Theme::plain();
        let area = Rect::new(0, 0, 51, height(&c));
        let mut buf = Buffer::empty(area);
        (&CostBars { cost: &c, restart_chosen: false, theme: &theme }).render(area, &mut buf);
        let t = text(&buf);
        assert_eq!(t.len(), 6);
        // 20 cells of bar: the restart fills them, the plan (a quarter) 5.
        assert_eq!(t[0], format!("tokens restart  {}   24.0k", "█".repeat(20)));
        assert_eq!(t[1], format!("       plan     {}{}    6.0k  25%", "█".repeat(5), "░".repeat(15)));
        assert!(t[2].starts_with("time   restart  ████") && t[2].ends_with("1h 00m"), "{}", t[2]);
        assert!(t[3].ends_with("10m 00s  17%"), "{}", t[3]);
        assert!(t[5].ends_with("$0.30  25%"), "{}", t[5]);
    }

    #[test]
    fn unknown_figures_read_unknown_never_zero() {
        let c =
            comparison(Amount { tokens: 9_000, seconds: 0.0, usd: None }, Amount { tokens: 0, ..Amount::default() });
        let theme = Theme::plain();
        let area = Rect::new(0, 0, 60, height(&c));
        let mut buf = Buffer::empty(area);
        (&CostBars { cost: &c, restart_chosen: true, theme: &theme }).render(area, &mut buf);
        let t = text(&buf);
        assert_eq!(t.len(), 4, "no money row without prices: {t:?}");
        assert_eq!(t[1], "       recovery unknown");
        assert_eq!(t[2], "time   restart  unknown");
        assert_eq!(t[3], "       recovery unknown");
        assert!(t.iter().all(|l| !l.contains(" 0s") && !l.contains(" 0%")), "{t:?}");
        assert_eq!(summary(&c, true, &theme).to_string(), "cost unknown");
    }

    #[test]
    fn the_summary_uses_tokens_then_time() {
        let theme = Theme::plain();
        let c = comparison(
            Amount { tokens: 10_000, seconds: 100.0, usd: None },
            Amount { tokens: 3_500, seconds: 50.0, usd: None },
        );
        assert_eq!(summary(&c, false, &theme).to_string(), "cost ████░░░░░░ plan 35% of restart");
        let c =
            comparison(Amount { tokens: 0, seconds: 100.0, usd: None }, Amount { tokens: 0, seconds: 50.0, usd: None });
        assert_eq!(
            summary(&c, true, &theme).to_string(),
            "cost █████░░░░░ a recovery would be 50% of restart (by time)"
        );
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(duration(0.061), "0.06s");
        assert_eq!(duration(4.24), "4.2s");
        assert_eq!(duration(42.0), "42s");
        assert_eq!(duration(605.0), "10m 05s");
        assert_eq!(duration(7380.0), "2h 03m");
    }
}
