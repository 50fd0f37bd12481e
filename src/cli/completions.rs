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
    render_man(&mut out).map_err(|e| CliError::from(format!("cannot render the man page: {e}")))?;
    emit(&out, "the man page")
}

/// The sections clap_mangen writes, with EXIT STATUS before VERSION.
fn render_man(out: &mut Vec<u8>) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(Cli::command());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_subcommands_section(out)?;
    out.extend_from_slice(EXIT_STATUS.as_bytes());
    man.render_version_section(out)
}

/// DESIGN.md §6 and §14: the same codes for every subcommand.
const EXIT_STATUS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Done: a decision was made (whatever it is), the command did what was asked.
.TP
\fB1\fR
Nothing to do: nothing failed (\fBplan\fR), a recovery attempt failed (\fBrecover\fR), or \fBcheck\fR found problems.
.TP
\fB2\fR
Bad input: a file that cannot be read or parsed, an unknown job or snapshot id, a refused write (read-only, locked by another instance); one sentence on stderr names the file and, where it applies, the line.
"#;

fn emit(bytes: &[u8], what: &str) -> Result<i32, CliError> {
    match std::io::stdout().write_all(bytes).and_then(|()| std::io::stdout().flush()) {
        Ok(()) => Ok(0),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(CliError::from(format!("cannot write {what} to stdout: {e}"))),
    }
}
