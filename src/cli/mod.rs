//! The command line (DESIGN.md §14): clap definitions and one module per subcommand.

mod inspect;
pub mod plan;


use crate::config::Config;
use crate::core::classify::Classifier;
use crate::core::ingest::discover::{self, LoadOptions};
use crate::core::model::Run;
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
    match cli.command {
        Some(Command::Inspect { ref path, json }) => inspect::run(&cli, path.as_deref(), json),
        Some(Command::Import { ref path, ref output }) => inspect::import(&cli, path.as_deref(), output),
        Some(Command::Plan { ref path, json }) => plan::run(&cli, path.as_deref(), json),
        None => Err(CliError {
            message: "the interactive app is not available in this build yet; use `recover-tui plan [PATH]`".into(),
            code: EXIT_INPUT,
        }),
    }
}

/// Everything a command needs: the loaded and classified run, and the config.
pub struct Loaded {
    pub run: Run,
    pub config: Config,
}

pub fn load(cli: &Cli, path: Option<&Path>) -> Result<Loaded, CliError> {
    let path = path.or(cli.path.as_deref()).map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
    let project_dir = if path.is_dir() { path.clone() } else { path.parent().map(Path::to_path_buf).unwrap_or_default() };
    let state_dir = cli.state_dir.clone().unwrap_or_else(|| project_dir.join(".recover"));
    let config = Config::load(cli.config.as_deref(), Some(&state_dir))?;
    let opts = LoadOptions {
        generators: config.commands.generator_names(),
        state_dir_name: state_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| ".recover".into()),
        threads: 0,
    };
    // Compiling the classifier's regexes takes a few tens of ms: do it while the logs load.
    let rules = config.classify_rules();
    let (classifier, run) = std::thread::scope(|s| {
        let classifier = s.spawn(|| Classifier::with_extra(&rules));
        let run = discover::load(&path, &opts);
        (classifier.join(), run)
    });
    let classifier = match classifier {
        Ok(c) => c.map_err(|e| CliError { message: e.to_string(), code: EXIT_INPUT })?,
        Err(_) => {
            return Err(CliError {
                message: "internal error while compiling the classify rules".into(),
                code: EXIT_INPUT,
            })
        }
    };
    let mut run = run?;
    crate::core::failure::classify_run(&mut run, &classifier);
    Ok(Loaded { run, config })
}
