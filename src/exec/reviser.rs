//! The optional reviser (DESIGN.md §11): a configured command that turns the recovery prompt
//! into a revised generation prompt. The recovery prompt goes on stdin and into
//! `{prompt_file}`; the answer is the `result` of Claude JSON output when the output is that,
//! else the whole stdout, trimmed.

use super::argv::{display_argv, substitute, Placeholders};
use super::process::{run_command, CommandSpec, Stream};
use super::ExecError;
use crate::core::ingest::agent::AgentLogKind;
use crate::core::ingest::formats::{self, claude};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::watch;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviseSpec {
    /// The configured reviser argv template.
    pub argv: Vec<String>,
    pub recovery_prompt: String,
    /// Where `recovery-prompt.md`, `reviser.stdout` and `reviser.stderr` are written (created).
    pub dir: PathBuf,
    /// Working directory and `{project_root}`.
    pub project_root: PathBuf,
    /// Values for `{job}` and `{output}`; a template using one that is `None` is an error.
    pub job: Option<String>,
    pub output: Option<String>,
    pub timeout: Duration,
}

/// Run the reviser and return the revised prompt.
pub async fn revise(spec: ReviseSpec, cancel: watch::Receiver<bool>) -> Result<String, ExecError> {
    let dir = std::path::absolute(&spec.dir).map_err(|e| ExecError::io(&spec.dir, e))?;
    let root = std::path::absolute(&spec.project_root).map_err(|e| ExecError::io(&spec.project_root, e))?;
    let prompt_file = dir.join("recovery-prompt.md");
    let vars = Placeholders {
        project_root: Some(root.to_string_lossy().into_owned()),
        job: spec.job.clone(),
        output: spec.output.clone(),
        prompt_file: Some(prompt_file.to_string_lossy().into_owned()),
    };
    let argv = substitute(&spec.argv, &vars)?;
    std::fs::create_dir_all(&dir).map_err(|e| ExecError::io(&dir, e))?;
    std::fs::write(&prompt_file, &spec.recovery_prompt).map_err(|e| ExecError::io(&prompt_file, e))?;
    let stdout_file = dir.join("reviser.stdout");
    let command = CommandSpec {
        argv: argv.clone(),
        cwd: root,
        stdin: Some(spec.recovery_prompt.into_bytes()),
        timeout: spec.timeout,
        stdout_file: stdout_file.clone(),
        stderr_file: dir.join("reviser.stderr"),
    };
    let mut last_err = None;
    let result = run_command(command, cancel, |stream, line| {
        if stream == Stream::Stderr && !line.trim().is_empty() {
            last_err = Some(line.trim().to_string());
        }
    })
    .await?;
    let shown = display_argv(&argv);
    if result.cancelled {
        return Err(ExecError::Cancelled { command: shown });
    }
    if result.timed_out {
        return Err(ExecError::TimedOut { command: shown, seconds: spec.timeout.as_secs() });
    }
    if !result.success() {
        let detail = last_err.map(|l| format!(": {l}")).unwrap_or_default();
        return Err(ExecError::CommandFailed { command: shown, status: result.status_text(), detail });
    }
    let bytes = std::fs::read(&stdout_file).map_err(|e| ExecError::io(&stdout_file, e))?;
    let text = String::from_utf8_lossy(&bytes);
    revised_text(&text, &stdout_file.to_string_lossy())
}

/// Pick the revised prompt out of the reviser's stdout: the result of an agent format the
/// registry recognises (Claude's `result` text), else the plain text.
fn revised_text(text: &str, source: &str) -> Result<String, ExecError> {
    if let Some(result) = claude::result_text(text) {
        let result = result.trim();
        if result.is_empty() {
            return Err(ExecError::EmptyRevision { detail: ": the result is empty".into() });
        }
        return Ok(result.to_string());
    }
    let file = formats::FileInfo { rel: source, name: source, generators: &[] };
    if let formats::Parsed::Agent(log) = formats::read_bytes(text.as_bytes(), &file) {
        if log.kind != AgentLogKind::Claude && log.failure.is_none() {
            return Ok(text.trim().to_string());
        }
        let failure = log.failure.unwrap_or_else(|| "no successful result".into());
        return Err(ExecError::EmptyRevision { detail: format!(": {failure}") });
    }
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(ExecError::EmptyRevision { detail: ": the output is empty".into() });
    }
    Ok(trimmed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::test_support::*;

    fn spec(dir: &std::path::Path, argv: &[&str]) -> ReviseSpec {
        ReviseSpec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            recovery_prompt: "Fix the import in a.py.\n".into(),
            dir: dir.join("state/attempts/j/1"),
            project_root: dir.to_path_buf(),
            job: Some("j".into()),
            output: None,
            timeout: secs(20),
        }
    }

    #[tokio::test]
    async fn prompt_on_stdin_and_in_the_file_and_output_trimmed() {
        let _lock = shared().await;
        let root = tempfile::tempdir().unwrap();
        let code = "import sys; f = open(sys.argv[1]).read().strip(); s = sys.stdin.read().strip(); \
                    print(); print('REVISED ' + sys.argv[2] + ': ' + s + ' | ' + f); print()";
        let s = spec(root.path(), &["python3", "-c", code, "{prompt_file}", "{job}"]);
        let out = revise(s, no_cancel()).await.unwrap();
        assert_eq!(out, "REVISED j: Fix the import in a.py. | Fix the import in a.py.");
        let dir = root.path().join("state/attempts/j/1");
        assert_eq!(std::fs::read_to_string(dir.join("recovery-prompt.md")).unwrap(), "Fix the import in a.py.\n");
        assert!(dir.join("reviser.stdout").is_file());
        assert!(dir.join("reviser.stderr").is_file());
    }

    #[tokio::test]
    async fn empty_output_is_an_error() {
        let _lock = shared().await;
        let root = tempfile::tempdir().unwrap();
        let err =
            revise(spec(root.path(), &["sh", "-c", "cat > /dev/null; echo '  '"]), no_cancel()).await.unwrap_err();
        assert!(matches!(&err, ExecError::EmptyRevision { .. }), "{err:?}");
        assert_eq!(err.to_string(), "the reviser produced no revised prompt: the output is empty");
    }

    #[tokio::test]
    async fn failure_names_the_command_status_and_last_error_line() {
        let _lock = shared().await;
        let root = tempfile::tempdir().unwrap();
        let err =
            revise(spec(root.path(), &["sh", "-c", "echo partial; echo 'rate limited' >&2; exit 3"]), no_cancel())
                .await
                .unwrap_err();
        assert_eq!(
            err.to_string(),
            "`sh -c 'echo partial; echo '\\''rate limited'\\'' >&2; exit 3'` exited 3: rate limited"
        );
    }

    #[tokio::test]
    async fn timeout_is_an_error() {
        let _lock = shared().await;
        let root = tempfile::tempdir().unwrap();
        let mut s = spec(root.path(), &["sleep", "30"]);
        s.timeout = millis(300);
        let err = revise(s, no_cancel()).await.unwrap_err();
        assert!(matches!(&err, ExecError::TimedOut { command, .. } if command == "sleep 30"), "{err:?}");
    }

    #[tokio::test]
    async fn placeholders_without_values_and_missing_programs_are_errors() {
        let _lock = shared().await;
        let root = tempfile::tempdir().unwrap();
        let err = revise(spec(root.path(), &["rev", "{output}"]), no_cancel()).await.unwrap_err();
        assert!(matches!(&err, ExecError::MissingValue { name, .. } if name == "output"));
        assert!(!root.path().join("state").exists());
        let err = revise(spec(root.path(), &["no-such-reviser-xyz"]), no_cancel()).await.unwrap_err();
        assert!(matches!(&err, ExecError::ProgramNotFound { program } if program == "no-such-reviser-xyz"));
    }
}
