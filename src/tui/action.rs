//! What the user can ask for, in the user's words. Keys map to these through the keymap.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Screen {
    Overview,
    Decision,
    Checklist,
    Prompt,
    Run,
    Snapshots,
    Log,
}

impl Screen {
    pub const ALL: [Screen; 7] = [
        Screen::Overview,
        Screen::Decision,
        Screen::Checklist,
        Screen::Prompt,
        Screen::Run,
        Screen::Snapshots,
        Screen::Log,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Screen::Overview => "Overview",
            Screen::Decision => "Decision",
            Screen::Checklist => "Checklist",
            Screen::Prompt => "Prompt",
            Screen::Run => "Run",
            Screen::Snapshots => "Snapshots",
            Screen::Log => "Log",
        }
    }

    pub fn index(self) -> usize {
        Screen::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Back,
    NextScreen,
    PrevScreen,
    GoOverview,
    GoDecision,
    GoChecklist,
    GoPrompt,
    GoRun,
    GoSnapshots,
    GoLog,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    NextPane,
    Select,
    Filter,
    /// Decision: override the selected question's answer (asks for a reason).
    ToggleAnswer,
    /// Checklist: confirm the selected item.
    Confirm,
    /// Checklist: waive the selected item (asks for a reason).
    Waive,
    /// Checklist: run the item's action (take the snapshot).
    RunItemAction,
    /// Take a snapshot of the failed jobs' outputs.
    Snapshot,
    /// Prompt: edit in $VISUAL/$EDITOR.
    Edit,
    /// Prompt: copy to the clipboard (OSC 52, file fallback).
    Copy,
    /// Prompt: run the configured reviser.
    Revise,
    /// Prompt / Snapshots: show the diff.
    Diff,
    /// Run: start the recovery attempt(s).
    StartRecovery,
    /// Run: cancel running attempts.
    Cancel,
    /// Snapshots: restore the selected snapshot (asks to confirm).
    Restore,
    /// Export the rationale log.
    Export,
    ToggleMouse,
}

impl Action {
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help (searchable)",
            Action::Back => "back / close",
            Action::NextScreen => "next screen",
            Action::PrevScreen => "previous screen",
            Action::GoOverview => "overview",
            Action::GoDecision => "decision",
            Action::GoChecklist => "checklist",
            Action::GoPrompt => "prompt",
            Action::GoRun => "run",
            Action::GoSnapshots => "snapshots",
            Action::GoLog => "log",
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
            Action::StartRecovery => "start recovery",
            Action::Cancel => "cancel run",
            Action::Restore => "restore",
            Action::Export => "export rationale",
            Action::ToggleMouse => "toggle mouse",
        }
    }

    /// The screen an action belongs to (`None` = works everywhere).
    pub fn screen(self) -> Option<Screen> {
        match self {
            Action::Filter => Some(Screen::Overview),
            Action::ToggleAnswer => Some(Screen::Decision),
            Action::Confirm | Action::Waive | Action::RunItemAction => Some(Screen::Checklist),
            Action::Edit | Action::Copy | Action::Revise => Some(Screen::Prompt),
            Action::StartRecovery | Action::Cancel => Some(Screen::Run),
            Action::Restore | Action::Diff => Some(Screen::Snapshots),
            _ => None,
        }
    }
}
