//! What the user can ask for, in the user's words. Keys map to these through the keymap
//! (`keymap.rs`); each screen says which of them it takes (`screens/<name>.rs`, `KEYS`).

use super::screens::Screen;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    Quit,
    /// Ctrl-C: stop every running command (attempts recorded `aborted`) and leave, no question.
    Interrupt,
    Help,
    Back,
    NextScreen,
    PrevScreen,
    /// Show a screen (its key comes from the screen table, `screens/mod.rs`).
    Go(Screen),
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPane,
    Select,
    Filter,
    /// Decision: override the selected question's answer (asks for a reason), or clear it.
    ToggleAnswer,
    /// Checklist: confirm the selected item.
    Confirm,
    /// Checklist: waive the selected item (asks for a reason).
    Waive,
    /// Checklist: run the item's action (take the snapshot).
    RunItemAction,
    /// Take a snapshot of the failed jobs' outputs.
    Snapshot,
    /// Prompt: edit the generation prompt in $VISUAL/$EDITOR.
    Edit,
    /// Prompt: copy to the clipboard (OSC 52, file fallback).
    Copy,
    /// Prompt: run the configured reviser on the recovery prompt.
    Revise,
    /// Prompt / Snapshots: show the diff.
    Diff,
    /// Run: run the next step (repairs, then the stale re-runs), after a confirmation.
    StartRecovery,
    /// Run: cancel running attempts.
    Cancel,
    /// Snapshots: restore the selected snapshot (asks to confirm).
    Restore,
    /// Export the rationale log.
    Export,
    ToggleMouse,
    // Keys of the boxes over the screen.
    /// A confirmation: yes.
    Yes,
    /// A confirmation: no.
    No,
    /// A text box (reason, filter, help search): keep what was typed.
    Submit,
    /// A text box: close without keeping it.
    CancelInput,
    /// A text box: delete the last character.
    DeleteChar,
    /// The help overlay: type to search.
    Search,
}

/// Every action with a name, for the config's `[keys]` (screens are added from the table).
const NAMED: &[(Action, &str)] = &[
    (Action::Quit, "quit"),
    (Action::Interrupt, "interrupt"),
    (Action::Help, "help"),
    (Action::Back, "back"),
    (Action::NextScreen, "next_screen"),
    (Action::PrevScreen, "prev_screen"),
    (Action::Up, "up"),
    (Action::Down, "down"),
    (Action::PageUp, "page_up"),
    (Action::PageDown, "page_down"),
    (Action::Top, "top"),
    (Action::Bottom, "bottom"),
    (Action::NextPane, "next_pane"),
    (Action::Select, "select"),
    (Action::Filter, "filter"),
    (Action::ToggleAnswer, "toggle_answer"),
    (Action::Confirm, "confirm"),
    (Action::Waive, "waive"),
    (Action::RunItemAction, "run_item_action"),
    (Action::Snapshot, "snapshot"),
    (Action::Edit, "edit"),
    (Action::Copy, "copy"),
    (Action::Revise, "revise"),
    (Action::Diff, "diff"),
    (Action::StartRecovery, "start_recovery"),
    (Action::Cancel, "cancel"),
    (Action::Restore, "restore"),
    (Action::Export, "export"),
    (Action::ToggleMouse, "toggle_mouse"),
    (Action::Yes, "yes"),
    (Action::No, "no"),
    (Action::Submit, "submit"),
    (Action::CancelInput, "cancel_input"),
    (Action::DeleteChar, "delete_char"),
    (Action::Search, "search"),
];

impl Action {
    /// The config name: `start_recovery`, `go_checklist`.
    pub fn name(self) -> String {
        match self {
            Action::Go(s) => format!("go_{}", s.title().to_ascii_lowercase()),
            a => NAMED.iter().find(|(x, _)| *x == a).map(|(_, n)| n.to_string()).unwrap_or_default(),
        }
    }

    /// The action a config name means.
    pub fn parse(name: &str) -> Option<Action> {
        if let Some(s) = name.strip_prefix("go_") {
            return Screen::ALL.iter().find(|x| x.title().eq_ignore_ascii_case(s)).map(|s| Action::Go(*s));
        }
        NAMED.iter().find(|(_, n)| *n == name).map(|(a, _)| *a)
    }

    pub fn describe(self) -> String {
        let s = match self {
            Action::Quit => "quit",
            Action::Interrupt => "stop everything and quit",
            Action::Help => "help (searchable)",
            Action::Back => "back / close",
            Action::NextScreen => "next screen",
            Action::PrevScreen => "previous screen",
            Action::Go(s) => return s.title().to_ascii_lowercase(),
            Action::Up => "up",
            Action::Down => "down",
            Action::PageUp => "page up",
            Action::PageDown => "page down",
            Action::Top => "top",
            Action::Bottom => "bottom",
            Action::NextPane => "next pane",
            Action::Select => "open / select",
            Action::Filter => "filter jobs",
            Action::ToggleAnswer => "override answer",
            Action::Confirm => "confirm item",
            Action::Waive => "waive item",
            Action::RunItemAction => "run item action",
            Action::Snapshot => "take snapshot",
            Action::Edit => "edit in $EDITOR",
            Action::Copy => "copy",
            Action::Revise => "run reviser",
            Action::Diff => "diff",
            Action::StartRecovery => "run the next step",
            Action::Cancel => "cancel run",
            Action::Restore => "restore",
            Action::Export => "export rationale",
            Action::ToggleMouse => "toggle mouse",
            Action::Yes => "yes",
            Action::No => "no",
            Action::Submit => "keep the text",
            Action::CancelInput => "cancel",
            Action::DeleteChar => "delete a character",
            Action::Search => "search",
        };
        s.to_string()
    }

    /// Writes the project's state (refused when read-only; the footer leaves these out then).
    pub fn writes(self) -> bool {
        matches!(
            self,
            Action::ToggleAnswer
                | Action::Confirm
                | Action::Waive
                | Action::RunItemAction
                | Action::Snapshot
                | Action::Edit
                | Action::Revise
                | Action::StartRecovery
                | Action::Restore
                | Action::Export
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (a, n) in NAMED {
            assert_eq!(Action::parse(n), Some(*a));
            assert_eq!(a.name(), *n);
        }
        for &s in Screen::ALL {
            assert_eq!(Action::parse(&Action::Go(s).name()), Some(Action::Go(s)));
        }
        assert_eq!(Action::parse("go_checklist"), Some(Action::Go(Screen::Checklist)));
        assert_eq!(Action::parse("fly"), None);
    }
}
