//! The one error type of `exec`.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("empty command: the argv has no program")]
    EmptyCommand,
    #[error(
        "unknown placeholder {{{name}}} in argument {index} `{arg}` \
         (known: {{project_root}}, {{job}}, {{output}}, {{prompt_file}})"
    )]
    UnknownPlaceholder { name: String, index: usize, arg: String },
    #[error("placeholder {{{name}}} has no value for this command (argument {index} `{arg}`)")]
    MissingValue { name: String, index: usize, arg: String },
    #[error("refusing to substitute {{{name}}} = `{value}`: a value starting with '-' could be read as an option")]
    OptionInjection { name: String, value: String },
    #[error("the value of {{{name}}} contains a NUL byte")]
    NulInValue { name: String },
    #[error("output `{output}` of the job is refused: {reason}")]
    OutputRefused { output: String, reason: String },
    #[error("program not found: `{program}`")]
    ProgramNotFound { program: String },
    #[error("cannot start `{program}`: {source}")]
    Spawn { program: String, source: std::io::Error },
    #[error("working directory {} is not a directory", path.display())]
    WorkDir { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("waiting for `{program}`: {source}")]
    Wait { program: String, source: std::io::Error },
    #[error("`{command}` {status}{detail}")]
    CommandFailed { command: String, status: String, detail: String },
    #[error("`{command}` timed out after {seconds} s")]
    TimedOut { command: String, seconds: u64 },
    #[error("`{command}` was cancelled")]
    Cancelled { command: String },
    #[error("the reviser produced no revised prompt{detail}")]
    EmptyRevision { detail: String },
    #[error("attempt of job {job} did not finish: {message}")]
    Task { job: String, message: String },
}

impl ExecError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ExecError::Io { path: path.into(), source }
    }
}
