//! `recover-tui prompt --job ID`: the rendered recovery prompt, and nothing else, on stdout.

use super::{load_read_only, Cli, CliError};
use crate::core::model::Status;
use crate::core::sanitize::clean_line;
use crate::core::words::unknown_job;
use std::path::Path;

pub fn run(cli: &Cli, path: Option<&Path>, job: &str) -> Result<i32, CliError> {
    let project = load_read_only(cli, path)?;
    let Some(j) = project.run.job(job) else {
        return Err(CliError::from(format!(
            "{} (loaded from {})",
            unknown_job(&project.run, job),
            cli.open_options(path).path().display()
        )));
    };
    if j.result.status != Status::Failed {
        return Err(CliError::from(format!(
            "job `{}` did not fail (status {}): only a failed job has a recovery prompt",
            clean_line(job),
            j.result.status.as_str()
        )));
    }
    let p = project.prompt_for(job)?;
    let mut text = super::for_stdout(&p.text);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    print!("{text}");
    Ok(0)
}
