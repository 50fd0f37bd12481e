//! `recover-tui completions SHELL` and `recover-tui man`, both on stdout.

use super::{Cli, CliError};
use clap::CommandFactory;
use std::io::Write;

pub fn completions(shell: clap_complete::Shell) -> Result<i32, CliError> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "recover-tui", &mut out);
    emit(&out, "the completions")
}

pub fn man() -> Result<i32, CliError> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| CliError::from(format!("cannot render the man page: {e}")))?;
    emit(&out, "the man page")
}

fn emit(bytes: &[u8], what: &str) -> Result<i32, CliError> {
    match std::io::stdout().write_all(bytes).and_then(|()| std::io::stdout().flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(CliError::from(format!("cannot write {what} to stdout: {e}"))),
    }
}
