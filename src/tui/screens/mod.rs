//! The screens, one file each. A screen file owns:
//!
//! - `pub struct State` (`Default`): what the screen remembers (selection, scroll, views);
//!   it lives at `app.screens.<module>`;
//! - `pub const KEYS: &[(&str, Action)]`: its own default keys, merged into the one keymap
//!   table (so the footer and the `?` help list them, and `[keys]` in the config remaps them);
//! - `pub fn on_action(app: &mut App, action: Action) -> Option<Vec<Effect>>`: what its keys
//!   do (`None`: not handled here, the global meaning applies). No IO: work on the project is
//!   asked for as `Effect::Project(Job)` and comes back as a message;
//! - `pub fn derive(app: &mut App) -> Vec<Effect>`: called after every message while the screen
//!   is shown, to ask for derived views it lacks (computed off the UI task, cached by inputs);
//! - `pub fn draw(f: &mut Frame, app: &App, area: Rect)`: a function of `&App`, never mutating;
//! - `pub fn click(app: &mut App, area: Rect, col: u16, row: u16) -> Vec<Effect>`: a click in
//!   its area, read from the same layout `draw` uses.
//!
//! **Adding a screen** is one new file here with those six items, plus one line in the
//! `screens!` table below (variant, module, title, key). The tab bar, the `Screen` enum, the
//! go-to key (`go_<title>` in the config), the footer, the help, the per-screen state and the
//! dispatch all follow from that line. A screen that needs a new verb also adds it to
//! `Action` (`action.rs`: the variant, its config name and its description).

use super::action::Action;
use super::app::App;
use super::effects::Effect;
use ratatui::layout::Rect;
use ratatui::Frame;

macro_rules! screens {
    ($($variant:ident : $module:ident, $title:literal, $key:literal;)*) => {
        $(pub mod $module;)*

        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Screen {
            $($variant),*
        }

        impl Screen {
            pub const ALL: &'static [Screen] = &[$(Screen::$variant),*];

            pub fn title(self) -> &'static str {
                match self { $(Screen::$variant => $title),* }
            }

            /// The key that shows it.
            pub fn key(self) -> &'static str {
                match self { $(Screen::$variant => $key),* }
            }

            /// Its own default keys.
            pub fn keys(self) -> &'static [(&'static str, Action)] {
                match self { $(Screen::$variant => $module::KEYS),* }
            }

            pub fn index(self) -> usize {
                Screen::ALL.iter().position(|s| *s == self).unwrap_or(0)
            }
        }

        /// Every screen's state.
        #[derive(Default)]
        pub struct States {
            $(pub $module: $module::State),*
        }

        /// The shown screen's meaning of an action (`None`: the global one applies).
        pub fn on_action(app: &mut App, a: Action) -> Option<Vec<Effect>> {
            match app.screen { $(Screen::$variant => $module::on_action(app, a)),* }
        }

        /// The shown screen's requests for derived views.
        pub fn derive(app: &mut App) -> Vec<Effect> {
            match app.screen { $(Screen::$variant => $module::derive(app)),* }
        }

        pub fn draw(f: &mut Frame, app: &App, area: Rect) {
            match app.screen { $(Screen::$variant => $module::draw(f, app, area)),* }
        }

        pub fn click(app: &mut App, area: Rect, col: u16, row: u16) -> Vec<Effect> {
            match app.screen { $(Screen::$variant => $module::click(app, area, col, row)),* }
        }
    };
}

screens! {
    Overview: overview, "Overview", "1";
    Decision: decision, "Decision", "2";
    Checklist: checklist, "Checklist", "3";
    Prompt: prompt, "Prompt", "4";
    Run: run, "Run", "5";
    Snapshots: snapshots, "Snapshots", "6";
    Log: log, "Log", "7";
}

/// The mouse wheel (`a` is `Up` or `Down`) at (`col`, `row`) of the body: screens with more
/// than one scrolled pane scroll the one under the pointer; the others take it as the key.
pub fn wheel(app: &mut App, area: Rect, col: u16, row: u16, a: Action) -> Vec<Effect> {
    match app.screen {
        Screen::Overview => overview::wheel(app, area, col, row, a),
        Screen::Checklist => checklist::wheel(app, area, col, row, a),
        Screen::Snapshots => snapshots::wheel(app, area, col, row, a),
        _ => on_action(app, a).unwrap_or_default(),
    }
}

/// Up/Down/PgUp/PgDn/Top/Bottom as a step (`None` for other actions).
pub fn step(app: &App, a: Action) -> Option<isize> {
    let page = app.page().max(2) as isize - 1;
    Some(match a {
        Action::Up => -1,
        Action::Down => 1,
        Action::PageUp => -page,
        Action::PageDown => page,
        Action::Top => -1_000_000_000,
        Action::Bottom => 1_000_000_000,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::{Keymap, Scope};

    /// The `screens!` line is all a screen needs to be reachable: a unique key bound to
    /// `Go(screen)`, a tab, and its own keys in the table (so in the footer and the help).
    #[test]
    fn every_screen_has_its_key_its_tab_and_its_keys_in_the_table() {
        let km = Keymap::default();
        let mut keys: Vec<&str> = Screen::ALL.iter().map(|s| s.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), Screen::ALL.len(), "two screens share a key");
        for &s in Screen::ALL {
            assert_eq!(km.keys_in(Scope::Global, Action::Go(s)), vec![s.key().to_string()]);
            for (k, a) in s.keys() {
                let label = crate::tui::keymap::Key::parse(k).map(|k| k.label()).unwrap_or_default();
                assert!(km.keys_in(Scope::Screen(s), *a).contains(&label), "{}: {k}", s.title());
                assert!(km.help_rows(s.title()).iter().any(|r| r.1 == a.describe()), "{}: {k}", s.title());
            }
        }
    }
}
