//! `recover-tui check`: verify the state directory like a backup tool's check. Exit 1 when
//! anything is wrong (here 1 means "problems found"), 0 otherwise. Never writes.

use super::{Cli, CliError};
use crate::config::Config;
use crate::core::sanitize::clean_line;
use crate::store::{check, StateDir};
use std::path::Path;

pub fn run(cli: &Cli, path: Option<&Path>) -> Result<i32, CliError> {
    let opts = cli.open_options(path);
    let config = Config::load(opts.config.as_deref(), Some(&opts.state_dir(None)))?;
    let state_dir = opts.state_dir(Some(&config));
    if !state_dir.is_dir() {
        return Err(CliError::from(format!(
            "{}: there is no state directory here (nothing has been recorded yet)",
            state_dir.display()
        )));
    }
    let sd = StateDir::open_read_only(&state_dir, &opts.project_dir())?;
    let report = check::check(&sd);
    for p in &report.problems {
        println!("{}", clean_line(p));
    }
    let n = report.problems.len();
    let summary = format!("{} snapshot manifest(s) and {} blob(s) verified", report.manifests, report.blobs);
    if report.ok() {
        println!("{}: {summary}; no problems.", sd.path().display());
        Ok(0)
    } else {
        println!("{}: {summary}; {n} problem(s).", sd.path().display());
        Ok(1)
    }
}
