//! A small reader for the shell lines people write to launch generators: words with quotes,
//! `$VAR`/`${VAR}` expansion, redirects, pipes, `&`, heredocs.

use std::collections::HashMap;

/// One simple command as it would run, with its redirects taken out of argv.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Invocation {
    /// Words after quote removal and variable expansion (unknown variables stay as `$NAME`).
    pub argv: Vec<String>,
    /// `< file`
    pub stdin_file: Option<String>,
    /// Heredoc body (`<<'EOF'` / `<<EOF` / `<<-EOF`) or here-string.
    pub stdin_text: Option<String>,
    /// `cat file | cmd`: the file read by the `cat` feeding this command.
    pub piped_from: Option<String>,
    /// `> file` / `>> file` / `&> file` (stdout).
    pub stdout: Option<String>,
    /// `2> file` (or stdout's file for `2>&1` / `&>`).
    pub stderr: Option<String>,
    /// `| tee [-a] file`
    pub tee: Option<String>,
    /// Ended with `&`.
    pub background: bool,
    /// 1-based line where the command starts in its file.
    pub line: usize,
}

/// Parse one command line (a joblog Command, a line of a command list).
/// `None` when the text holds no command (blank, comment).
pub fn parse_command(text: &str, vars: &HashMap<String, String>) -> Option<Invocation> {
    let _ = (text, vars);
    None
}
