//! One keymap table: (where, key) -> action, for the screens and for the boxes over them (a
//! confirmation, a text box, the help overlay). The footer and the `?` help overlay are
//! generated from it, so they never disagree with the real keys. Remappable from config `[keys]`.

use super::action::Action;
use super::screens::Screen;
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

    /// `q`, `Q`, `ctrl-c`, `enter`, `esc`, `tab`, `backtab`, `up`, `pgdn`, `f1`, `?`, `space`, `backspace`.
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
            "backspace" => KeyCode::Backspace,
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
            KeyCode::Backspace => "Bksp".to_string(),
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

/// Where a binding holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// On every screen (a screen's own binding of the same key wins there).
    Global,
    Screen(Screen),
    /// A yes/no question.
    Confirm,
    /// A text box (a reason, the filter, the help search): other characters are typed.
    Text,
    /// The help overlay.
    Help,
}

impl Scope {
    pub fn label(self) -> &'static str {
        match self {
            Scope::Global => "everywhere",
            Scope::Screen(s) => s.title(),
            Scope::Confirm => "questions",
            Scope::Text => "text boxes",
            Scope::Help => "help",
        }
    }
}

/// What the app's state lets the keys do now (the footer offers only keys that work).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct KeysNow {
    pub read_only: bool,
    /// Recovery attempts are running.
    pub running: bool,
    /// There is a step recover-tui can run (not escalated, not a full restart, not done).
    pub can_recover: bool,
}

#[derive(Debug, Clone)]
pub struct Keymap {
    /// In table order (the order help shows).
    pub bindings: Vec<(Scope, Key, Action)>,
}

const GLOBAL: &[(&str, Action)] = &[
    ("q", Action::Quit),
    ("ctrl-c", Action::Interrupt),
    ("?", Action::Help),
    ("esc", Action::Back),
    ("tab", Action::NextPane),
    ("]", Action::NextScreen),
    ("right", Action::NextScreen),
    ("[", Action::PrevScreen),
    ("left", Action::PrevScreen),
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
    ("s", Action::Snapshot),
    ("X", Action::Export),
    ("m", Action::ToggleMouse),
];

const CONFIRM: &[(&str, Action)] = &[
    ("y", Action::Yes),
    ("Y", Action::Yes),
    ("enter", Action::Yes),
    ("n", Action::No),
    ("N", Action::No),
    ("esc", Action::No),
];

const TEXT: &[(&str, Action)] =
    &[("enter", Action::Submit), ("esc", Action::CancelInput), ("backspace", Action::DeleteChar)];

const HELP: &[(&str, Action)] = &[
    ("/", Action::Search),
    ("esc", Action::Back),
    ("?", Action::Back),
    ("q", Action::Back),
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
];

impl Default for Keymap {
    fn default() -> Self {
        let mut bindings = Vec::new();
        let mut add = |scope: Scope, table: &[(&str, Action)]| {
            bindings.extend(table.iter().filter_map(|(k, a)| Key::parse(k).map(|k| (scope, k, *a))));
        };
        add(Scope::Global, GLOBAL);
        let go: Vec<(&str, Action)> = Screen::ALL.iter().map(|s| (s.key(), Action::Go(*s))).collect();
        add(Scope::Global, &go);
        for s in Screen::ALL {
            add(Scope::Screen(*s), s.keys());
        }
        add(Scope::Confirm, CONFIRM);
        add(Scope::Text, TEXT);
        add(Scope::Help, HELP);
        Keymap { bindings }
    }
}

impl Keymap {
    /// Defaults with the config's `[keys]` (action name -> keys) replacing an action's keys
    /// wherever it is bound. Unknown action names or keys are errors naming them.
    pub fn with_overrides(overrides: &BTreeMap<String, Vec<String>>) -> Result<Keymap, String> {
        let mut km = Keymap::default();
        for (name, keys) in overrides {
            let action = Action::parse(name).ok_or_else(|| format!("[keys] {name}: unknown action"))?;
            let parsed: Vec<Key> = keys
                .iter()
                .map(|k| Key::parse(k).ok_or_else(|| format!("[keys] {name}: cannot read key {k:?}")))
                .collect::<Result<_, _>>()?;
            let mut scopes: Vec<Scope> = Vec::new();
            for (s, _, a) in &km.bindings {
                if *a == action && !scopes.contains(s) {
                    scopes.push(*s);
                }
            }
            km.bindings.retain(|(s, k, a)| !(scopes.contains(s) && (*a == action || parsed.contains(k))));
            for s in scopes {
                km.bindings.extend(parsed.iter().map(|k| (s, k.clone(), action)));
            }
        }
        Ok(km)
    }

    fn find(&self, scope: Scope, k: &Key) -> Option<Action> {
        self.bindings.iter().find(|(s, b, _)| *s == scope && b == k).map(|(_, _, a)| *a)
    }

    /// The action of a key on `screen` with no box open: the screen's own binding, else the global one.
    pub fn action(&self, screen: Screen, e: &KeyEvent) -> Option<Action> {
        let k = Key::from_event(e);
        self.find(Scope::Screen(screen), &k).or_else(|| self.find(Scope::Global, &k))
    }

    /// The action of a key in a box (`Scope::Confirm`, `Text`, `Help`); the interrupt key works there too.
    pub fn modal_action(&self, scope: Scope, e: &KeyEvent) -> Option<Action> {
        let k = Key::from_event(e);
        self.find(scope, &k).or_else(|| self.find(Scope::Global, &k).filter(|a| *a == Action::Interrupt))
    }

    /// Keys of an action in a scope, as labels.
    pub fn keys_in(&self, scope: Scope, action: Action) -> Vec<String> {
        self.bindings.iter().filter(|(s, _, a)| *s == scope && *a == action).map(|(_, k, _)| k.label()).collect()
    }

    /// Keys of an action on a screen (its own, else the global ones), as labels.
    pub fn keys_for(&self, screen: Screen, action: Action) -> Vec<String> {
        let own = self.keys_in(Scope::Screen(screen), action);
        if own.is_empty() {
            self.keys_in(Scope::Global, action)
        } else {
            own
        }
    }

    /// Help rows (keys, description, where) filtered by a search query, in table order.
    pub fn help_rows(&self, query: &str) -> Vec<(String, String, &'static str)> {
        let q = query.to_ascii_lowercase();
        let mut seen: Vec<(Scope, Action)> = Vec::new();
        let mut rows = Vec::new();
        for (s, _, a) in &self.bindings {
            if seen.contains(&(*s, *a)) {
                continue;
            }
            seen.push((*s, *a));
            let row = (self.keys_in(*s, *a).join(" "), a.describe(), s.label());
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

    /// The footer for a screen: its own actions first, then the main global keys, only those
    /// that work now: no writes when read-only; cancel only while attempts run; "run the next
    /// step" only when there is one to run (not while running, nor after an escalation).
    /// Help and quit are kept apart: they stay at any width.
    pub fn footer(&self, screen: Screen, now: KeysNow) -> Footer {
        let shown = |a: Action| {
            let hidden = (now.read_only && a.writes())
                || (a == Action::StartRecovery && (now.running || !now.can_recover))
                || (!now.running && a == Action::Cancel);
            !hidden
        };
        let mut keys = Vec::new();
        let mut seen = Vec::new();
        for (s, _, a) in &self.bindings {
            if *s == Scope::Screen(screen) && !seen.contains(a) && shown(*a) {
                seen.push(*a);
                keys.push((self.keys_in(*s, *a).join("/"), a.describe()));
            }
        }
        let global = |a: Action| self.keys_in(Scope::Global, a).first().filter(|_| shown(a)).map(|k| (k.clone(), a));
        keys.extend([Action::Snapshot, Action::Export].into_iter().filter_map(global).map(|(k, a)| (k, a.describe())));
        // Short words: they must fit next to the screen's keys on 80 columns.
        let always = [(Action::Help, "help"), (Action::Quit, "quit")]
            .into_iter()
            .filter_map(|(a, word)| global(a).map(|(k, _)| (k, word.to_string())))
            .collect();
        Footer { keys, always }
    }
}

/// The keys a footer offers: `keys` as room allows, then `always` (help, quit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Footer {
    pub keys: Vec<(String, String)>,
    pub always: Vec<(String, String)>,
}

impl Footer {
    /// Every key in order.
    pub fn all(&self) -> Vec<(String, String)> {
        self.keys.iter().chain(&self.always).cloned().collect()
    }

    /// The entries that fit in `width` columns drawn as " k  what  " each: the `always` ones
    /// at the end, the others from the first while they fit.
    pub fn fitting(&self, width: usize) -> Vec<(String, String)> {
        let w = |(k, d): &(String, String)| k.chars().count() + d.chars().count() + 5;
        let mut room = width.saturating_sub(self.always.iter().map(w).sum());
        let mut out: Vec<(String, String)> = Vec::new();
        for e in &self.keys {
            if w(e) > room {
                break;
            }
            room -= w(e);
            out.push(e.clone());
        }
        out.extend(self.always.iter().cloned());
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
        assert_eq!(km.action(Screen::Overview, &ev('q')), Some(Action::Quit));
        assert_eq!(km.action(Screen::Overview, &ev('G')), Some(Action::Bottom));
        assert_eq!(km.action(Screen::Overview, &ev('g')), Some(Action::Top));
        assert_eq!(km.action(Screen::Overview, &ev('3')), Some(Action::Go(Screen::Checklist)));
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(km.action(Screen::Overview, &ctrl_c), Some(Action::Interrupt));
        assert_eq!(km.action(Screen::Checklist, &ev('c')), Some(Action::Confirm));
        // `c` means nothing on the Overview.
        assert_eq!(km.action(Screen::Overview, &ev('c')), None);
    }

    #[test]
    fn boxes_have_their_keys_and_the_interrupt() {
        let km = Keymap::default();
        assert_eq!(km.modal_action(Scope::Confirm, &ev('y')), Some(Action::Yes));
        assert_eq!(km.modal_action(Scope::Confirm, &ev('q')), None);
        let bksp = KeyEvent::new(KeyCode::Backspace, KeyModifiers::NONE);
        assert_eq!(km.modal_action(Scope::Text, &bksp), Some(Action::DeleteChar));
        assert_eq!(km.modal_action(Scope::Text, &ev('q')), None, "typed, not quit");
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(km.modal_action(Scope::Text, &ctrl_c), Some(Action::Interrupt));
        assert!(km.help_rows("questions").iter().any(|r| r.1 == "yes" && r.0 == "y Y Enter"));
    }

    #[test]
    fn overrides_replace_keys_and_help_follows() {
        let mut o = BTreeMap::new();
        o.insert("quit".to_string(), vec!["Z".to_string()]);
        let km = Keymap::with_overrides(&o).unwrap();
        assert_eq!(km.action(Screen::Overview, &ev('q')), None);
        assert_eq!(km.action(Screen::Overview, &ev('Z')), Some(Action::Quit));
        let rows = km.help_rows("quit");
        assert_eq!(rows[1], ("Z".to_string(), "quit".to_string(), "everywhere"));
        assert_eq!(rows[0].0, "C-c");
        let mut o = BTreeMap::new();
        o.insert("confirm".to_string(), vec!["C".to_string()]);
        let km = Keymap::with_overrides(&o).unwrap();
        assert_eq!(km.action(Screen::Checklist, &ev('C')), Some(Action::Confirm));
        assert_eq!(km.action(Screen::Checklist, &ev('c')), None);
        o.insert("fly".to_string(), vec!["f".to_string()]);
        assert_eq!(Keymap::with_overrides(&o).unwrap_err(), "[keys] fly: unknown action");
    }

    #[test]
    fn footer_lists_screen_keys_and_follows_read_only() {
        let km = Keymap::default();
        let idle = KeysNow { can_recover: true, ..KeysNow::default() };
        let f = km.footer(Screen::Checklist, idle).all();
        assert_eq!(f[0], ("c".to_string(), "confirm item".to_string()));
        assert_eq!(f[1], ("w".to_string(), "waive item".to_string()));
        let ro = km.footer(Screen::Checklist, KeysNow { read_only: true, ..idle }).all();
        assert!(ro.iter().all(|(_, d)| d != "confirm item" && d != "take snapshot"), "{ro:?}");
        assert!(ro.iter().any(|(_, d)| d == "quit"));
        let run = km.footer(Screen::Run, KeysNow { running: true, ..idle }).all();
        assert!(run.iter().any(|(_, d)| d == "cancel run") && run.iter().all(|(_, d)| d != "run the next step"));
        let descs = |f: Footer| f.all().into_iter().map(|(_, d)| d).collect::<Vec<_>>();
        assert_eq!(descs(km.footer(Screen::Run, idle))[0], "run the next step");
        // Escalated (nothing recover-tui can run): R is not offered, x neither.
        let escalated = descs(km.footer(Screen::Run, KeysNow::default()));
        assert!(!escalated.contains(&"run the next step".to_string()), "{escalated:?}");
        assert!(!escalated.contains(&"cancel run".to_string()), "{escalated:?}");
        // However narrow, help and quit stay; the screen's keys go first.
        let f = km.footer(Screen::Checklist, idle);
        assert_eq!(f.fitting(30), [("?".to_string(), "help".to_string()), ("q".to_string(), "quit".to_string())]);
        assert_eq!(f.fitting(45).len(), 3, "{:?}", f.fitting(45));
        assert_eq!(f.fitting(2).len(), 2);
    }
}
