//! The interactive app (DESIGN.md §15): a thin, fast shell over the same session the CLI uses.

pub mod action;
pub mod app;
pub mod effects;
pub mod keymap;
pub mod theme;
pub mod update;
pub mod view;

use crate::cli::{Cli, CliError};

/// Start the app on the CLI's path (or the demo).
pub fn run(cli: &Cli) -> Result<i32, CliError> {
    let _ = cli;
    Err(CliError { message: "the interactive app is being wired".into(), code: 2 })
}
