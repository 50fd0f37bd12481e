//! The command line (DESIGN.md §14): clap definitions and one module per subcommand.

mod inspect;
pub mod plan;


use crate::session::{OpenOptions, Session};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(name = "recover-tui", version, about = "Recover a failed batch of AI code-generation jobs: targeted recovery or full restart, decided and explained.")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A run.json, a directory to scan, or a log file (default: the current directory).
    pub path: Option<PathBuf>,
    /// Open the app on the bundled demo run (a temporary copy).
    #[arg(long)]
    pub demo: bool,
    /// State directory (default: <project>/.recover).
    #[arg(long, global = true)]
    pub state_dir: Option<PathBuf>,
    /// Config file (default: the user config dir's recover-tui/config.toml).
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Log to <state dir>/recover-tui.log.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Do not capture the mouse (the terminal's own selection keeps working).
    #[arg(long)]
    pub no_mouse: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// What was loaded: batches, jobs, status, findings, warnings.
    Inspect {
        path: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write the merged run as a native manifest.
    Import {
        path: Option<PathBuf>,
        #[arg(short, long, default_value = "run.json")]
        output: PathBuf,
    },
    /// The decision: verdict, scope, per-job reasons, questions, cost.
    Plan {
        path: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

/// Exit codes: 0 ok, 1 nothing to do, 2 bad input.
pub const EXIT_NOTHING: i32 = 1;
pub const EXIT_INPUT: i32 = 2;

/// An error for the user: one sentence, and the exit code.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub code: i32,
}

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError { message: e.to_string(), code: EXIT_INPUT }
    }
}

pub fn run(cli: Cli) -> Result<i32, CliError> {
    if cli.verbose {
        let opts = cli.open_options(None);
        if let Err(e) = crate::logfile::init(&opts.state_dir(None)) {
            eprintln!("recover-tui: cannot write the verbose log: {e}");
        }
    }
    match cli.command {
        Some(Command::Inspect { ref path, json }) => inspect::run(&cli, path.as_deref(), json),
        Some(Command::Import { ref path, ref output }) => inspect::import(&cli, path.as_deref(), output),
        Some(Command::Plan { ref path, json }) => plan::run(&cli, path.as_deref(), json),
        None => crate::tui::run(&cli),
    }
}

impl Cli {
    pub fn open_options(&self, path: Option<&Path>) -> OpenOptions {
        OpenOptions { path: path.or(self.path.as_deref()).map(Path::to_path_buf), state_dir: self.state_dir.clone(), config: self.config.clone() }
    }
}

/// Load the project for a command.
pub fn load(cli: &Cli, path: Option<&Path>) -> Result<Session, CliError> {
    let started = std::time::Instant::now();
    let s = Session::open(&cli.open_options(path)).map_err(CliError::from)?;
    crate::logfile::log(&format!(
        "loaded {} batches, {} jobs, {} warnings in {} ms",
        s.run.batches.len(),
        s.run.jobs().count(),
        s.run.warnings.len() + s.warnings.len(),
        started.elapsed().as_millis()
    ));
    Ok(s)
}
