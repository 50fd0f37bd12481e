//! Colours. `NO_COLOR` / `--color never` give a theme without colours (bold and reverse only).

use ratatui::style::{Color, Modifier, Style};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub accent: Style,
    pub ok: Style,
    pub bad: Style,
    pub warn: Style,
    pub dim: Style,
    pub selected: Style,
    pub title: Style,
    pub added: Style,
    pub removed: Style,
}

impl Theme {
    pub fn colored() -> Theme {
        Theme {
            accent: Style::new().fg(Color::Cyan),
            ok: Style::new().fg(Color::Green),
            bad: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            warn: Style::new().fg(Color::Yellow),
            dim: Style::new().fg(Color::DarkGray),
            selected: Style::new().bg(Color::Blue).fg(Color::White).add_modifier(Modifier::BOLD),
            title: Style::new().add_modifier(Modifier::BOLD),
            added: Style::new().fg(Color::Green),
            removed: Style::new().fg(Color::Red),
        }
    }

    pub fn plain() -> Theme {
        Theme {
            accent: Style::new(),
            ok: Style::new(),
            bad: Style::new().add_modifier(Modifier::BOLD),
            warn: Style::new(),
            dim: Style::new(),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            title: Style::new().add_modifier(Modifier::BOLD),
            added: Style::new(),
            removed: Style::new(),
        }
    }

    /// The coloured theme with config `[theme]` colours (`ok = "green"`, `bad = "#ff5555"` ...).
    pub fn from_config(colors: bool, overrides: &BTreeMap<String, String>) -> Result<Theme, String> {
        if !colors {
            return Ok(Theme::plain());
        }
        let mut t = Theme::colored();
        for (k, v) in overrides {
            let c: Color = v.parse().map_err(|_| format!("[theme] {k}: cannot read colour {v:?}"))?;
            let slot = match k.as_str() {
                "accent" => &mut t.accent,
                "ok" => &mut t.ok,
                "bad" => &mut t.bad,
                "warn" => &mut t.warn,
                "dim" => &mut t.dim,
                "selected" => &mut t.selected,
                "added" => &mut t.added,
                "removed" => &mut t.removed,
                _ => return Err(format!("[theme] {k}: unknown key")),
            };
            *slot = if k == "selected" { slot.bg(c) } else { slot.fg(c) };
        }
        Ok(t)
    }
}
