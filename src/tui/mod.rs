//! The interactive app (DESIGN.md §15): a thin shell over the same project the CLI uses.
//!
//! `runner.rs` owns the terminal and the event loop; `update.rs` turns messages into state
//! changes and effects (no IO); `jobs.rs` and `recovery.rs` do the work off the UI task;
//! `screens/` holds one file per screen; `view.rs` and `modal.rs` draw the frame around them.

pub mod action;
pub mod app;
pub mod demo;
pub mod effects;
pub mod jobs;
pub mod journal;
pub mod keymap;
pub mod modal;
pub mod pictures;
pub mod recovery;
pub mod runner;
pub mod screens;
pub mod scroll;
pub mod terminal;
pub mod theme;
pub mod update;
pub mod view;
pub mod widgets;

use crate::app::project::OpenOptions;
use crate::config::Config;
use std::io::IsTerminal;

/// How the app is started (the CLI fills this in; the app knows nothing of clap).
#[derive(Debug, Clone, Default)]
pub struct Launch {
    pub open: OpenOptions,
    /// Open a temporary copy of the bundled demo instead of `open.path`.
    pub demo: bool,
    /// `Some(false)` = never colour, `Some(true)` = always, `None` = unless `NO_COLOR` is set.
    pub color: Option<bool>,
    pub mouse: bool,
}

/// Why the app could not start or ended with an error (one sentence for the user).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LaunchError(pub String);

/// Start the app (on `launch.open`, or on a temporary copy of the demo).
pub fn run(launch: Launch) -> Result<i32, LaunchError> {
    let mut opts = launch.open.clone();
    let start_dir = std::env::current_dir();
    let _demo_dir;
    if launch.demo {
        let (dir, project, config) =
            demo::prepare().map_err(|e| LaunchError(format!("cannot set up the demo: {e}")))?;
        opts.path = Some(project);
        opts.config = Some(config);
        _demo_dir = dir;
    }
    if !std::io::stdout().is_terminal() {
        return Err(LaunchError("the interactive app needs a terminal; use `recover-tui plan` in scripts".into()));
    }
    let config =
        Config::load(opts.config.as_deref(), Some(&opts.state_dir(None))).map_err(|e| LaunchError(e.to_string()))?;
    let keymap = keymap::Keymap::with_overrides(&config.keys).map_err(LaunchError)?;
    let colors = launch.color.unwrap_or_else(|| std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()));
    let theme = theme::Theme::from_config(colors, &config.theme).map_err(LaunchError)?;
    let mut app = app::App::new(keymap, theme, launch.mouse);
    if launch.demo {
        // The demo's copy is removed on quit: its export goes where the demo was started.
        app.export_dir = Some(start_dir.map_err(|e| LaunchError(format!("cannot read the current directory: {e}")))?);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| LaunchError(format!("cannot start the runtime: {e}")))?;
    let terminal =
        terminal::enter(launch.mouse).map_err(|e| LaunchError(format!("cannot set up the terminal: {e}")))?;
    let (failed, exports) = rt.block_on(async move {
        let mut runner =
            runner::Runner::new(terminal, app, terminal::input(), Box::new(terminal::Crossterm::new(launch.mouse)));
        spawn_signals(runner.sender());
        runner.load(opts);
        runner.run().await;
        crate::logfile::log("the app stopped; releasing the project");
        // The runner drops at the end of this block: the project with it, so the lock is released.
        (runner.app.exit_error(), demo_exports(&runner.app))
    });
    crate::logfile::log("project released; restoring the terminal");
    terminal::leave();
    crate::exec::process::kill_all_groups();
    rt.shutdown_timeout(std::time::Duration::from_millis(200));
    if let Some(text) = exports {
        println!("{text}");
    }
    match failed {
        // Printed by the caller, on the restored terminal; exit status 2 like the CLI's.
        Some(e) => Err(LaunchError(format!("could not load the run: {e}"))),
        None => Ok(0),
    }
}

/// What to say on quit about the demo's exports (they stay; the demo's copy does not).
fn demo_exports(app: &app::App) -> Option<String> {
    app.export_dir.as_ref()?;
    let files: Vec<String> = app.exported.iter().map(|p| format!("  {}", p.display())).collect();
    (!files.is_empty()).then(|| format!("The demo's copy is removed; its rationale log is kept:\n{}", files.join("\n")))
}

/// SIGTERM, SIGHUP and SIGINT stop the app the way Ctrl-C does: running commands are ended,
/// their attempts recorded `aborted`, the lock released and the terminal restored.
fn spawn_signals(tx: tokio::sync::mpsc::UnboundedSender<effects::Msg>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut hup), Ok(mut int)) =
            (signal(SignalKind::terminate()), signal(SignalKind::hangup()), signal(SignalKind::interrupt()))
        else {
            return;
        };
        loop {
            let why = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = hup.recv() => "SIGHUP (the terminal closed)",
                _ = int.recv() => "SIGINT",
            };
            if tx.send(effects::Msg::Interrupted(why.into())).is_err() {
                break;
            }
        }
    });
}
