//! The commands of one recovery attempt (DESIGN.md §11): each substituted from the config
//! before anything runs, then run one at a time as `app::recovery` drives the attempt's state
//! machine (`core::attempt`). Only raw results come back from here (exit, signal, timeout,
//! the last output line, what the generator's own log says, which outputs exist); the
//! outcome is judged in `core::attempt`.
//!
//! Errors: `Err` means the command did not run (a placeholder could not be filled, the
//! attempt directory could not be written, the program could not be started).

use super::argv::{display_argv, shell_quote, substitute, substitute_known, Placeholders};
use super::process::{run_command, CommandResult, CommandSpec, Stream};
use super::ExecError;
pub use crate::core::attempt::{RawRun, Validation};
use crate::core::ingest::agent::AgentLog;
use crate::core::ingest::{formats, validation};
use crate::core::model::{AttemptKind, AttemptOutcome, Finding, Job, PromptOrigin};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::watch;

/// Bytes of the generator's stdout looked at to tell its format.
const SNIFF_BYTES: u64 = 64 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct AttemptSpec {
    pub job: Job,
    /// 1-based per job.
    pub number: u32,
    /// Copied into the attempt.
    pub kind: AttemptKind,
    /// The generation prompt to send: the revised prompt, or the original one for a retry.
    pub prompt: String,
    /// Where `prompt` came from.
    pub prompt_origin: PromptOrigin,
    /// `<state>/attempts/<job>/<n>/`; created.
    pub attempt_dir: PathBuf,
    pub project_root: PathBuf,
    /// The configured generator argv template.
    pub generator: Vec<String>,
    /// Per-extension validation templates (config `[commands.validate]`).
    pub validate_defaults: BTreeMap<String, Vec<String>>,
    /// For each command (generator, each validation).
    pub timeout: Duration,
}

/// Progress of attempts, for live display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptEvent {
    Started {
        job: String,
    },
    Output {
        job: String,
        stream: Stream,
        line: String,
    },
    ValidationStarted {
        job: String,
        argv: Vec<String>,
    },
    ValidationDone {
        job: String,
        argv: Vec<String>,
        exit_code: Option<i32>,
    },
    Finished {
        job: String,
        outcome: AttemptOutcome,
    },
    /// The attempt stopped with an error after `Started` (see the module doc); no `Finished`.
    Error {
        job: String,
        message: String,
    },
}

/// Every command of an attempt, substituted, before anything runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Commands {
    /// The attempt directory (absolute).
    pub dir: PathBuf,
    /// The project root (absolute): every command's working directory.
    pub root: PathBuf,
    pub prompt_file: PathBuf,
    pub generator: Vec<String>,
    /// Per-extension defaults carry the output they need (`requires`).
    pub validations: Vec<Validation>,
}

fn path_str(p: &Path) -> Result<String, ExecError> {
    p.to_str().map(str::to_string).ok_or_else(|| {
        ExecError::io(p, std::io::Error::new(std::io::ErrorKind::InvalidData, "path is not valid UTF-8"))
    })
}

fn absolute(p: &Path) -> Result<PathBuf, ExecError> {
    std::path::absolute(p).map_err(|e| ExecError::io(p, e))
}

/// Outputs come from logs and are handed to commands: each must stay inside the project root
/// (relative, no `..`, no NUL, and neither it nor its nearest existing ancestor resolving
/// outside the root through a symlink).
fn check_output(root: &Path, output: &str) -> Result<(), ExecError> {
    let refuse = |reason: String| Err(ExecError::OutputRefused { output: output.to_string(), reason });
    if output.is_empty() || output.contains('\0') {
        return refuse("empty, or holds a NUL byte".into());
    }
    let rel = Path::new(output);
    if !rel.components().all(|c| matches!(c, std::path::Component::Normal(_) | std::path::Component::CurDir)) {
        return refuse("not a relative path below the project root".into());
    }
    let Ok(canon_root) = std::fs::canonicalize(root) else {
        // No project root: nothing can run (the command fails on its working directory).
        return Ok(());
    };
    let mut existing = root.join(rel);
    while std::fs::symlink_metadata(&existing).is_err() {
        if !existing.pop() {
            return Ok(());
        }
    }
    match std::fs::canonicalize(&existing) {
        Ok(c) if c.starts_with(&canon_root) => Ok(()),
        Ok(c) => refuse(format!("{} resolves to {}, outside the project root", existing.display(), c.display())),
        Err(e) => refuse(format!("cannot resolve {}: {e}", existing.display())),
    }
}

/// Substitute every command of `spec` (and check its outputs stay inside the project root).
pub fn commands(spec: &AttemptSpec) -> Result<Commands, ExecError> {
    let dir = absolute(&spec.attempt_dir)?;
    let root = absolute(&spec.project_root)?;
    for output in &spec.job.outputs {
        check_output(&root, output)?;
    }
    let prompt_file = dir.join("prompt.md");
    let root_s = path_str(&root)?;
    let vars = Placeholders {
        project_root: Some(root_s.clone()),
        job: Some(spec.job.id.clone()),
        output: spec.job.outputs.first().cloned(),
        prompt_file: Some(path_str(&prompt_file)?),
    };
    let generator = substitute(&spec.generator, &vars)?;
    let mut validations = Vec::new();
    if spec.job.validate.iter().any(|v| !v.is_empty()) {
        let own = Placeholders { project_root: Some(root_s), output: vars.output.clone(), ..Default::default() };
        for argv in spec.job.validate.iter().filter(|v| !v.is_empty()) {
            validations.push(Validation { argv: substitute_known(argv, &own)?, requires: None });
        }
    } else {
        for output in &spec.job.outputs {
            let ext = Path::new(output).extension().and_then(|e| e.to_str()).unwrap_or_default();
            let Some(template) = spec.validate_defaults.get(ext) else { continue };
            let argv = substitute(template, &Placeholders { output: Some(output.clone()), ..vars.clone() })?;
            if !validations.iter().any(|v: &Validation| v.argv == argv) {
                validations.push(Validation { argv, requires: Some(output.clone()) });
            }
        }
    }
    Ok(Commands { dir, root, prompt_file, generator, validations })
}

/// The argv of every command the attempts would run, shell-quoted, for display only:
/// `<job>: <generator> < <prompt file>` then `<job>: <validation>` lines.
pub fn dry_run(specs: &[AttemptSpec]) -> Result<Vec<String>, ExecError> {
    let mut lines = Vec::new();
    for spec in specs {
        let plan = commands(spec)?;
        let job = shell_quote(&spec.job.id);
        let prompt = shell_quote(&plan.prompt_file.to_string_lossy());
        lines.push(format!("{job}: {} < {prompt}", display_argv(&plan.generator)));
        lines.extend(plan.validations.iter().map(|v| format!("{job}: {}", display_argv(&v.argv))));
    }
    Ok(lines)
}

/// Recognise and read the generator's stdout with the reader the registry picks for it
/// (`None`: not the output of an agent format).
fn read_agent_log(path: &Path) -> Option<AgentLog> {
    let source = path.to_string_lossy();
    let mut head = Vec::new();
    std::fs::File::open(path).ok()?.take(SNIFF_BYTES).read_to_end(&mut head).ok()?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let file = formats::FileInfo { rel: &source, name: &name, generators: &[] };
    let reader = formats::sniff_reader(&head, &file)?;
    let parsed = match reader.reading() {
        formats::Reading::Stream => {
            let f = std::fs::File::open(path).ok()?;
            reader.read(&mut std::io::BufReader::new(f), &file).ok()?
        }
        formats::Reading::Text => {
            let (bytes, _) = crate::scan::read_bounded(path).ok()?;
            reader.read_bytes(&bytes, &file).ok()?
        }
    };
    match parsed {
        formats::Parsed::Agent(log) => Some(*log),
        _ => None,
    }
}

/// Remembers the last non-empty line of each stream and how many lines were seen.
#[derive(Default)]
struct Tail {
    stdout: Option<(usize, String)>,
    stderr: Option<(usize, String)>,
    lines: usize,
}

impl Tail {
    fn see(&mut self, stream: Stream, line: &str) {
        self.lines += 1;
        if !line.trim().is_empty() {
            let slot = match stream {
                Stream::Stdout => &mut self.stdout,
                Stream::Stderr => &mut self.stderr,
            };
            *slot = Some((self.lines, line.to_string()));
        }
    }

    /// The last non-empty line of either stream (stderr preferred when `prefer_stderr`).
    fn last(&self, prefer_stderr: bool) -> Option<(usize, String)> {
        if prefer_stderr {
            self.stderr.clone().or_else(|| self.stdout.clone())
        } else {
            [&self.stdout, &self.stderr].into_iter().flatten().max_by_key(|(n, _)| *n).cloned()
        }
    }
}

fn raw(result: &CommandResult, last_line: Option<(usize, String)>, log: &Path) -> RawRun {
    RawRun {
        exit_code: result.exit_code,
        signal: result.signal,
        timed_out: result.timed_out,
        cancelled: result.cancelled,
        last_line,
        log: log.to_string_lossy().into_owned(),
    }
}

/// Create the attempt directory and write the prompt the generator reads (`{prompt_file}`).
pub fn write_prompt(c: &Commands, text: &str) -> Result<(), ExecError> {
    std::fs::create_dir_all(&c.dir).map_err(|e| ExecError::io(&c.dir, e))?;
    // Never through a symlink planted in the state directory (DESIGN.md §12).
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    opts.open(&c.prompt_file)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| ExecError::io(&c.prompt_file, e))
}

/// What the generator did: its raw result, the failure its own log reports, and which of
/// `outputs` do not exist after it ran.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorRun {
    pub run: RawRun,
    pub agent_failure: Option<String>,
    pub missing: Vec<String>,
}

/// Run the generator with the prompt on stdin; its output is saved as `generator.stdout` and
/// `generator.stderr` in the attempt directory.
pub async fn run_generator(
    c: &Commands,
    outputs: &[String],
    stdin: &str,
    timeout: Duration,
    cancel: watch::Receiver<bool>,
    mut on_line: impl FnMut(Stream, &str) + Send,
) -> Result<GeneratorRun, ExecError> {
    let log = c.dir.join("generator.stdout");
    let spec = CommandSpec {
        argv: c.generator.clone(),
        cwd: c.root.clone(),
        stdin: Some(stdin.as_bytes().to_vec()),
        timeout,
        stdout_file: log.clone(),
        stderr_file: c.dir.join("generator.stderr"),
    };
    let mut tail = Tail::default();
    let result = run_command(spec, cancel, |stream, line| {
        tail.see(stream, line);
        on_line(stream, line);
    })
    .await?;
    let finished = !result.cancelled && !result.timed_out;
    let agent_failure = if finished { read_agent_log(&log).and_then(|l| l.failure) } else { None };
    let missing = if finished {
        outputs.iter().filter(|o| std::fs::symlink_metadata(c.root.join(o)).is_err()).cloned().collect()
    } else {
        Vec::new()
    };
    Ok(GeneratorRun { run: raw(&result, tail.last(true), &log), agent_failure, missing })
}

/// Run validation `index` (its output, both streams, goes to `validate-<index+1>.out`) and
/// parse what it printed into findings.
pub async fn run_validation(
    c: &Commands,
    index: usize,
    timeout: Duration,
    cancel: watch::Receiver<bool>,
    mut on_line: impl FnMut(Stream, &str) + Send,
) -> Result<(RawRun, Vec<Finding>), (ExecError, PathBuf)> {
    let log = c.dir.join(format!("validate-{}.out", index + 1));
    let Some(v) = c.validations.get(index) else {
        return Err((ExecError::EmptyCommand, log));
    };
    let spec = CommandSpec {
        argv: v.argv.clone(),
        cwd: c.root.clone(),
        stdin: None,
        timeout,
        stdout_file: log.clone(),
        stderr_file: log.clone(),
    };
    let mut tail = Tail::default();
    let result = run_command(spec, cancel, |stream, line| {
        tail.see(stream, line);
        on_line(stream, line);
    })
    .await
    .map_err(|e| (e, log.clone()))?;
    let findings = if result.cancelled || result.timed_out {
        Vec::new()
    } else {
        let source = log.to_string_lossy().into_owned();
        let text =
            crate::scan::read_bounded(&log).map(|(b, _)| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
        validation::parse(&text, &source).findings
    };
    Ok((raw(&result, tail.last(false), &log), findings))
}
