//! One keymap table: keys -> actions. The footer and the `?` help overlay are generated from
//! it, so they can never disagree with the real keys. Remappable from config `[keys]`.

use super::action::{Action, Screen};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Key {
        Key { code: e.code, ctrl: e.modifiers.contains(KeyModifiers::CONTROL) }
    }

    /// `q`, `Q`, `ctrl-c`, `enter`, `esc`, `tab`, `backtab`, `up`, `pgdn`, `f1`, `?`, `space`.
    pub fn parse(s: &str) -> Option<Key> {
        let lower = s.trim().to_ascii_lowercase();
        let (ctrl, rest) = match lower.strip_prefix("ctrl-").or_else(|| lower.strip_prefix("c-")) {
            Some(r) => (true, r.to_string()),
            None => (false, lower.clone()),
        };
        let code = match rest.as_str() {
            "enter" | "return" => KeyCode::Enter,
            "esc" | "escape" => KeyCode::Esc,
            "tab" => KeyCode::Tab,
            "backtab" | "shift-tab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pgup" | "pageup" => KeyCode::PageUp,
            "pgdn" | "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f') && f.len() > 1 && f[1..].chars().all(|c| c.is_ascii_digit()) => {
                KeyCode::F(f[1..].parse().ok()?)
            }
            _ => {
                // Keep the case of single characters as written (`G` differs from `g`).
                let orig = s.trim();
                let orig = orig.strip_prefix("ctrl-").or_else(|| orig.strip_prefix("c-")).unwrap_or(orig);
                let mut chars = orig.chars();
                let c = chars.next()?;
                if chars.next().is_some() {
                    return None;
                }
                KeyCode::Char(c)
            }
        };
        Some(Key { code, ctrl })
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::BackTab => "S-Tab".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::F(n) => format!("F{n}"),
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".to_string(),
        };
        if self.ctrl {
            format!("C-{base}")
        } else {
            base
        }
    }
}

#[derive(Debug, Clone)]
pub struct Keymap {
    /// In table order (the order help shows).
    pub bindings: Vec<(Key, Action)>,
}

const DEFAULTS: &[(&str, Action)] = &[
    ("q", Action::Quit),
    ("ctrl-c", Action::Quit),
    ("?", Action::Help),
    ("esc", Action::Back),
    ("tab", Action::NextPane),
    ("]", Action::NextScreen),
    ("right", Action::NextScreen),
    ("[", Action::PrevScreen),
    ("left", Action::PrevScreen),
    ("1", Action::GoOverview),
    ("2", Action::GoDecision),
    ("3", Action::GoChecklist),
    ("4", Action::GoPrompt),
    ("5", Action::GoRun),
    ("6", Action::GoSnapshots),
    ("7", Action::GoLog),
    ("k", Action::Up),
    ("up", Action::Up),
    ("j", Action::Down),
    ("down", Action::Down),
    ("pgup", Action::PageUp),
    ("pgdn", Action::PageDown),
    ("g", Action::Top),
    ("home", Action::Top),
    ("G", Action::Bottom),
    ("end", Action::Bottom),
    ("enter", Action::Select),
    ("/", Action::Filter),
    ("space", Action::ToggleAnswer),
    ("o", Action::ToggleAnswer),
    ("c", Action::Confirm),
    ("w", Action::Waive),
    ("a", Action::RunItemAction),
    ("s", Action::Snapshot),
    ("e", Action::Edit),
    ("y", Action::Copy),
    ("r", Action::Revise),
    ("d", Action::Diff),
    ("R", Action::StartRecovery),
    ("x", Action::Cancel),
    ("u", Action::Restore),
    ("X", Action::Export),
    ("m", Action::ToggleMouse),
];

impl Default for Keymap {
    fn default() -> Self {
        Keymap { bindings: DEFAULTS.iter().filter_map(|(k, a)| Key::parse(k).map(|k| (k, *a))).collect() }
    }
}

impl Keymap {
    /// Defaults with the config's `[keys]` (action name -> keys) replacing an action's keys.
    /// Unknown action names or keys are errors naming them.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Keymap, String> {
        let mut km = Keymap::default();
        for (name, keys) in overrides {
            let action: Action = serde_json::from_value(serde_json::Value::String(name.clone()))
                .map_err(|_| format!("[keys] {name}: unknown action"))?;
            let parsed: Vec<Key> = keys
                .iter()
                .map(|k| Key::parse(k).ok_or_else(|| format!("[keys] {name}: cannot read key {k:?}")))
                .collect::<Result<_, _>>()?;
            km.bindings.retain(|(k, a)| *a != action && !parsed.contains(k));
            km.bindings.extend(parsed.into_iter().map(|k| (k, action)));
        }
        Ok(km)
    }

    pub fn action(&self, e: &KeyEvent) -> Option<Action> {
        let k = Key::from_event(e);
        self.bindings.iter().find(|(b, _)| *b == k).map(|(_, a)| *a)
    }

    /// Keys of an action, as labels.
    pub fn keys_for(&self, action: Action) -> Vec<String> {
        self.bindings.iter().filter(|(_, a)| *a == action).map(|(k, _)| k.label()).collect()
    }

    /// Help rows (keys, description, screen) filtered by a search query.
    pub fn help_rows(&self, query: &str) -> Vec<(String, &'static str, &'static str)> {
        let q = query.to_ascii_lowercase();
        let mut seen = Vec::new();
        let mut rows = Vec::new();
        for (_, a) in &self.bindings {
            if seen.contains(a) {
                continue;
            }
            seen.push(*a);
            let keys = self.keys_for(*a).join(" ");
            let screen = a.screen().map(|s| s.title()).unwrap_or("everywhere");
            let row = (keys, a.describe(), screen);
            if q.is_empty()
                || row.0.to_ascii_lowercase().contains(&q)
                || row.1.contains(&q)
                || row.2.to_ascii_lowercase().contains(&q)
            {
                rows.push(row);
            }
        }
        rows
    }

    /// The footer for a screen: its own actions first, then the main global keys.
    pub fn footer(&self, screen: Screen) -> Vec<(String, &'static str)> {
        let mut out: Vec<(String, &'static str)> = Vec::new();
        let mut seen = Vec::new();
        for (_, a) in &self.bindings {
            if a.screen() == Some(screen) && !seen.contains(a) {
                seen.push(*a);
                out.push((self.keys_for(*a).join("/"), a.describe()));
            }
        }
        for a in [Action::Snapshot, Action::Export, Action::Help, Action::Quit] {
            if let Some(k) = self.keys_for(a).first() {
                out.push((k.clone(), a.describe()));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn defaults_and_case() {
        let km = Keymap::default();
        assert_eq!(km.action(&ev('q')), Some(Action::Quit));
        assert_eq!(km.action(&ev('G')), Some(Action::Bottom));
        assert_eq!(km.action(&ev('g')), Some(Action::Top));
        assert_eq!(km.action(&KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), Some(Action::Quit));
        assert_eq!(km.action(&ev('c')), Some(Action::Confirm));
    }

    #[test]
    fn overrides_replace_keys_and_help_follows() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["Z".to_string()]);
        let km = Keymap::with_overrides(&o).unwrap();
        assert_eq!(km.action(&ev('q')), None);
        assert_eq!(km.action(&ev('Z')), Some(Action::Quit));
        let rows = km.help_rows("quit");
        assert_eq!(rows, vec![("Z".to_string(), "quit", "everywhere")]);
        o.insert("fly".to_string(), vec!["f".to_string()]);
        assert_eq!(Keymap::with_overrides(&o).unwrap_err(), "[keys] fly: unknown action");
    }

    #[test]
    fn footer_lists_screen_keys() {
        let km = Keymap::default();
        let f = km.footer(Screen::Checklist);
        assert_eq!(f[0], ("c".to_string(), "confirm item"));
        assert_eq!(f[1], ("w".to_string(), "waive item"));
    }
}
