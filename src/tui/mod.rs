//! The interactive app (DESIGN.md §15): a thin, fast shell over the same session the CLI uses.

pub mod action;
pub mod app;
pub mod demo;
pub mod driver;
pub mod effects;
pub mod keymap;
pub mod recovery;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;

use crate::cli::{Cli, CliError, ColorChoice, EXIT_INPUT};
use crate::config::Config;
use std::io::IsTerminal;

/// Start the app on the CLI's path (or on a temporary copy of the demo).
pub fn run(cli: &Cli) -> Result<i32, CliError> {
    let mut opts = cli.open_options(None);
    let _demo_dir;
    if cli.demo {
        let (dir, project, config) = demo::prepare()
            .map_err(|e| CliError { message: format!("cannot set up the demo: {e}"), code: EXIT_INPUT })?;
        opts.path = Some(project);
        opts.config = Some(config);
        _demo_dir = dir;
    }
    if !std::io::stdout().is_terminal() {
        return Err(CliError {
            message: "the interactive app needs a terminal; use `recover-tui plan` in scripts".into(),
            code: EXIT_INPUT,
        });
    }
    let config = Config::load(opts.config.as_deref(), Some(&opts.state_dir(None))).map_err(CliError::from)?;
    let keymap = keymap::Keymap::with_overrides(&config.keys).map_err(|m| CliError { message: m, code: EXIT_INPUT })?;
    let colors = match cli.color {
        ColorChoice::Never => false,
        ColorChoice::Always => true,
        ColorChoice::Auto => std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    let theme =
        theme::Theme::from_config(colors, &config.theme).map_err(|m| CliError { message: m, code: EXIT_INPUT })?;
    let app = app::App::new(keymap, theme, !cli.no_mouse);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError { message: format!("cannot start the runtime: {e}"), code: EXIT_INPUT })?;
    let terminal = terminal::enter(app.mouse)
        .map_err(|e| CliError { message: format!("cannot set up the terminal: {e}"), code: EXIT_INPUT })?;
    let result = rt.block_on(driver::run(terminal, app, opts));
    terminal::leave();
    crate::exec::process::kill_all_groups();
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    result.map(|_| 0).map_err(|e| CliError { message: format!("terminal error: {e}"), code: EXIT_INPUT })
}
