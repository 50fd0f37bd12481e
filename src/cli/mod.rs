//! The command line (DESIGN.md §14): clap definitions and one module per subcommand.

mod check;
mod checklist;
mod completions;
mod config_cmd;
mod demo_tool;
mod diff;
mod export;
mod inspect;
mod override_cmd;
mod paint;
#[cfg(test)]
mod parse_tests;
pub mod plan;
mod prompt;
mod recover;
mod restore;
mod snapshot;

use crate::app::project::{OpenOptions, Project};
use clap::{Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(Debug, Parser)]
#[command(
    name = "recover-tui",
    version,
    about = "Recover a failed batch of AI code-generation jobs: targeted recovery or full restart, decided and explained."
)]
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
    /// Colour: `auto` (on a terminal, unless NO_COLOR is set), `always`, `never`.
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
        /// A run.json, a directory to scan, or a log file (default: the current directory).
        path: Option<PathBuf>,
        /// Print JSON (a stable, versioned schema) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Write the merged run as a native manifest.
    Import {
        /// A run.json, a directory to scan, or a log file (default: the current directory).
        path: Option<PathBuf>,
        #[arg(short, long, default_value = "run.json")]
        output: PathBuf,
    },
    /// The decision: verdict, scope, per-job reasons, questions, cost.
    Plan {
        /// A run.json, a directory to scan, or a log file (default: the current directory).
        path: Option<PathBuf>,
        /// Print JSON (a stable, versioned schema) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// The pre-recovery checklist; confirm or waive items.
    Checklist {
        /// A run.json, a directory to scan, or a log file (default: the current directory).
        path: Option<PathBuf>,
        /// Print JSON (a stable, versioned schema) instead of text.
        #[arg(long)]
        json: bool,
        /// Confirm an item (its id or number); repeatable.
        #[arg(long, value_name = "ID")]
        confirm: Vec<String>,
        /// Waive an item (its id or number); each --waive needs its own --reason.
        #[arg(long, value_name = "ID")]
        waive: Vec<String>,
        /// Why the item is waived (paired with the --waive at the same position).
        #[arg(long, value_name = "TEXT")]
        reason: Vec<String>,
    },
    /// The rendered recovery prompt of a failed job.
    Prompt {
        /// A run.json, a directory to scan, or a log file (default: the current directory).
        path: Option<PathBuf>,
        /// The failed job whose recovery prompt to print (see `plan` for the ids).
        #[arg(long, value_name = "ID")]
        job: String,
    },
    /// Snapshot the outputs of the jobs to repair (or of one job, or of one batch).
    Snapshot {
        /// A run.json, a directory to scan, or a log file (default: the current directory).
        path: Option<PathBuf>,
        /// Only this job's outputs.
        #[arg(long, value_name = "ID", conflicts_with = "batch")]
        job: Option<String>,
        /// Every output of batch N.
        #[arg(long, value_name = "N")]
        batch: Option<u32>,
    },
    /// List the snapshots.
    Snapshots {
        /// A run.json, a directory to scan, or a log file (default: the current directory).
        path: Option<PathBuf>,
        /// Print JSON (a stable, versioned schema) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Restore a snapshot (the current state is snapshotted first, so it can be undone).
    #[command(allow_missing_positional = true)]
    Restore {
        /// A run.json, a directory to scan, or a log file (default: the current directory).
        path: Option<PathBuf>,
        /// Snapshot id or unique id prefix.
        id: String,
        /// Complete an interrupted restore of this snapshot.
        #[arg(long)]
        resume: bool,
    },
    /// Unified diff of a snapshot against the current files (or another snapshot).
    #[command(allow_missing_positional = true)]
    Diff {
        /// A run.json, a directory to scan, or a log file (default: the current directory).
        path: Option<PathBuf>,
        /// Snapshot id or unique id prefix.
        id: String,
        /// Only this job's outputs.
        #[arg(long, value_name = "ID")]
        job: Option<String>,
        /// Compare with this snapshot instead of the current files.
        #[arg(long, value_name = "ID2")]
        against: Option<String>,
    },
    /// Verify every snapshot manifest and blob, the ledger and the journal (exit 1 on problems).
    Check {
        /// A run.json, a directory to scan, or a log file (default: the current directory).
        path: Option<PathBuf>,
    },
    /// The rationale log: run, decision, checklist, snapshots, attempts, outcome.
    Export {
        /// A run.json, a directory to scan, or a log file (default: the current directory).
        path: Option<PathBuf>,
        /// `md`: the note a person would write (with the decision as a Mermaid flowchart); `json`: every fact, for scripts.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Write to FILE (atomically) instead of stdout.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Run recovery attempts of failed jobs headless with the configured generator.
    Recover {
        /// A run.json, a directory to scan, or a log file (default: the current directory).
        path: Option<PathBuf>,
        /// A failed job to repair or a stale later job to re-run; repeatable (or comma-separated).
        /// Without it: every repair, then every re-run, as the plan's `next` says.
        #[arg(long = "job", value_name = "ID", value_delimiter = ',')]
        jobs: Vec<String>,
        /// Print each command that would run; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// Confirm the checklist's confirm-items (recorded as "confirmed by --yes").
        #[arg(long)]
        yes: bool,
        /// Run the jobs' own validation commands written in the project (their prompts'
        /// `Validation:` sections, run.json), exactly as --dry-run printed them; journalled.
        #[arg(long)]
        approve_validation: bool,
    },
    /// Answer Q2 or Q3 yourself (with a reason), or clear your answer; the decision follows.
    #[command(
        override_usage = "recover-tui override [PATH] Q2|Q3 yes|no --reason TEXT\n       recover-tui override [PATH] --clear Q2|Q3"
    )]
    Override {
        /// [PATH] Q2|Q3 yes|no (PATH: a run.json, a directory or a log file; default: the current directory).
        #[arg(value_name = "ARGS", num_args = 0..=3)]
        args: Vec<String>,
        /// Why you answer differently (journalled and exported).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// Remove your answer to this question.
        #[arg(long, value_name = "Q2|Q3", conflicts_with = "reason")]
        clear: Option<String>,
    },
    /// Shell completions on stdout.
    Completions {
        /// The shell to write completions for.
        shell: clap_complete::Shell,
    },
    /// The man page (roff) on stdout.
    Man,
    /// The demo's offline generator, reviser and validation (called by the demo's config).
    #[command(hide = true)]
    DemoTool { tool: demo_tool::Tool, args: Vec<String> },
    /// Write the commented default config (`--init`), or show where the config is read from.
    Config {
        /// Write the commented default config; an existing file is never overwritten.
        #[arg(long)]
        init: bool,
        /// The file to write (default: the user config path).
        #[arg(long, value_name = "FILE", requires = "init")]
        path: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    Md,
    Json,
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
    if !matches!(cli.command, None | Some(Command::Recover { .. })) {
        quiet_on_closed_pipe();
    }
    match cli.command {
        Some(Command::Inspect { ref path, json }) => inspect::run(&cli, path.as_deref(), json),
        Some(Command::Import { ref path, ref output }) => inspect::import(&cli, path.as_deref(), output),
        Some(Command::Plan { ref path, json }) => plan::run(&cli, path.as_deref(), json),
        Some(Command::Checklist { ref path, json, ref confirm, ref waive, ref reason }) => {
            let args = checklist::Args { json, confirm, waive, reasons: reason };
            checklist::run(&cli, path.as_deref(), &args)
        }
        Some(Command::Prompt { ref path, ref job }) => prompt::run(&cli, path.as_deref(), job),
        Some(Command::Snapshot { ref path, ref job, batch }) => {
            snapshot::take(&cli, path.as_deref(), job.as_deref(), batch)
        }
        Some(Command::Snapshots { ref path, json }) => snapshot::list(&cli, path.as_deref(), json),
        Some(Command::Restore { ref path, ref id, resume }) => restore::run(&cli, path.as_deref(), id, resume),
        Some(Command::Diff { ref path, ref id, ref job, ref against }) => {
            diff::run(&cli, path.as_deref(), id, job.as_deref(), against.as_deref())
        }
        Some(Command::Check { ref path }) => check::run(&cli, path.as_deref()),
        Some(Command::Export { ref path, format, ref output }) => {
            export::run(&cli, path.as_deref(), format, output.as_deref())
        }
        Some(Command::Recover { ref path, ref jobs, dry_run, yes, approve_validation }) => {
            let r = recover::run(&cli, path.as_deref(), &recover::Args { jobs, dry_run, yes, approve_validation });
            // Nothing a generator left running (a daemon in its own session) outlives us.
            crate::exec::process::kill_all_groups();
            r
        }
        Some(Command::Override { ref args, ref reason, ref clear }) => {
            override_cmd::run(&cli, args, reason.as_deref(), clear.as_deref())
        }
        Some(Command::Completions { shell }) => completions::completions(shell),
        Some(Command::Man) => completions::man(),
        Some(Command::DemoTool { tool, ref args }) => demo_tool::run(tool, args),
        Some(Command::Config { init, ref path }) => config_cmd::run(&cli, init, path.as_deref()),
        None => crate::tui::run(crate::tui::Launch {
            open: cli.open_options(None),
            demo: cli.demo,
            color: match cli.color {
                ColorChoice::Never => Some(false),
                ColorChoice::Always => Some(true),
                ColorChoice::Auto => None,
            },
            mouse: !cli.no_mouse,
        })
        .map_err(|e| CliError { message: e.0, code: EXIT_INPUT }),
    }
}

/// End quietly on a closed pipe (`recover-tui plan | head`), like other Unix tools. Not for the
/// app or `recover`, which have children to end and results to record first.
fn quiet_on_closed_pipe() {
    // SAFETY: resets one signal's disposition to the default; called before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

impl Cli {
    pub fn open_options(&self, path: Option<&Path>) -> OpenOptions {
        OpenOptions {
            path: path.or(self.path.as_deref()).map(Path::to_path_buf),
            state_dir: self.state_dir.clone(),
            config: self.config.clone(),
            read_only: false,
        }
    }
}

/// Text from a project for stdout: on a terminal its escapes and control characters are
/// removed or shown (DESIGN.md §18); into a pipe or a file it stays exact (a patch, a prompt).
pub fn for_stdout(text: &str) -> String {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        crate::core::sanitize::clean(text)
    } else {
        text.to_string()
    }
}

/// A refused or failed app command as a CLI error: "nothing to do" exits 1, the rest 2.
pub fn command_error(e: crate::app::commands::CommandError) -> CliError {
    let code = if matches!(e, crate::app::commands::CommandError::NothingToDo(_)) { EXIT_NOTHING } else { EXIT_INPUT };
    CliError { message: e.to_string(), code }
}

/// An error with the "nothing to do" exit code.
pub fn nothing(message: impl Into<String>) -> CliError {
    CliError { message: message.into(), code: EXIT_NOTHING }
}

/// Who is recording: `$USER`, else `$LOGNAME`, else "unknown".
pub fn user() -> String {
    crate::app::commands::user().unwrap_or_else(|| "unknown".into())
}

/// The error for commands that need a failure: "Nothing failed in <title>: <what>."
pub fn nothing_failed(project: &Project, what: &str) -> CliError {
    nothing(format!("Nothing failed in {}: {what}.", crate::core::sanitize::clean_line(&project.run.title)))
}

/// Load the project for a command that may write its state.
pub fn load(cli: &Cli, path: Option<&Path>) -> Result<Project, CliError> {
    open(cli, cli.open_options(path))
}

/// Load the project for a command that only reads: no state directory is created, no lock taken.
pub fn load_read_only(cli: &Cli, path: Option<&Path>) -> Result<Project, CliError> {
    open(cli, OpenOptions { read_only: true, ..cli.open_options(path) })
}

fn open(_cli: &Cli, opts: OpenOptions) -> Result<Project, CliError> {
    let started = std::time::Instant::now();
    let s = Project::open(&opts).map_err(CliError::from)?;
    crate::logfile::log(&format!(
        "loaded {} batches, {} jobs, {} warnings in {} ms",
        s.run.batches.len(),
        s.run.jobs().count(),
        s.run.warnings.len() + s.warnings.len(),
        started.elapsed().as_millis()
    ));
    Ok(s)
}
