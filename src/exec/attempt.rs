//! One recovery attempt of one job, as data in and data out (DESIGN.md §11): write the
//! prompt, run the generator with it on stdin, read what the generator said, check the
//! outputs exist, run the validation commands, and return the filled [`Attempt`].
//!
//! The caller takes the snapshot and writes the ledger and journal; nothing here does.
//!
//! Errors: `Err` means nothing ran (a placeholder could not be filled, the attempt directory
//! could not be written, the generator could not be started, or cancel came first). Anything
//! that goes wrong once the generator ran is part of the report (findings, outcome).

use super::argv::{display_argv, shell_quote, substitute, substitute_known, Placeholders};
use super::process::{run_command, CommandResult, CommandSpec, Stream};
use super::ExecError;
use crate::core::ingest::agent::AgentLog;
use crate::core::ingest::{claude, codex_json, validation};
use crate::core::model::{Attempt, AttemptKind, AttemptOutcome, Clock, Finding, Job};
use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;

/// Bytes of the generator's stdout looked at to tell its format.
const SNIFF_BYTES: u64 = 64 * 1024;
/// Longest output line quoted in a finding message.
const QUOTE_CHARS: usize = 400;

#[derive(Debug, Clone, PartialEq)]
pub struct AttemptSpec {
    pub job: Job,
    /// 1-based per job.
    pub number: u32,
    /// Copied into the attempt.
    pub kind: AttemptKind,
    /// The generation prompt to send: the revised prompt, or the original one for a retry.
    pub prompt: String,
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

#[derive(Debug, Clone, PartialEq)]
pub struct AttemptReport {
    /// Filled except `snapshot`, `recovery_prompt`, `revised_prompt` and `changes`.
    pub attempt: Attempt,
    /// The generator's saved stdout (`generator.stdout`; stderr is next to it).
    pub generator_log: PathBuf,
    /// `validate-<k>.out`, one per validation command that ran.
    pub validation_logs: Vec<PathBuf>,
    /// What the generator's stdout said, when it was a recognised agent log.
    pub agent_log: Option<AgentLog>,
}

/// Every command of an attempt, substituted, before anything runs.
struct Plan {
    dir: PathBuf,
    root: PathBuf,
    prompt_file: PathBuf,
    generator: Vec<String>,
    validations: Vec<PlannedValidation>,
}

struct PlannedValidation {
    argv: Vec<String>,
    /// Per-extension defaults run only when this output exists.
    requires: Option<String>,
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

fn plan(spec: &AttemptSpec) -> Result<Plan, ExecError> {
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
            validations.push(PlannedValidation { argv: substitute_known(argv, &own)?, requires: None });
        }
    } else {
        for output in &spec.job.outputs {
            let ext = Path::new(output).extension().and_then(|e| e.to_str()).unwrap_or_default();
            let Some(template) = spec.validate_defaults.get(ext) else { continue };
            let argv = substitute(template, &Placeholders { output: Some(output.clone()), ..vars.clone() })?;
            if !validations.iter().any(|v: &PlannedValidation| v.argv == argv) {
                validations.push(PlannedValidation { argv, requires: Some(output.clone()) });
            }
        }
    }
    Ok(Plan { dir, root, prompt_file, generator, validations })
}

/// The argv of every command the attempts would run, shell-quoted, for display only:
/// `<job>: <generator> < <prompt file>` then `<job>: <validation>` lines.
pub fn dry_run(specs: &[AttemptSpec]) -> Result<Vec<String>, ExecError> {
    let mut lines = Vec::new();
    for spec in specs {
        let plan = plan(spec)?;
        let job = shell_quote(&spec.job.id);
        let prompt = shell_quote(&plan.prompt_file.to_string_lossy());
        lines.push(format!("{job}: {} < {prompt}", display_argv(&plan.generator)));
        lines.extend(plan.validations.iter().map(|v| format!("{job}: {}", display_argv(&v.argv))));
    }
    Ok(lines)
}

fn finding(file: Option<String>, error_type: &str, message: String, source: String) -> Finding {
    Finding { file, line: None, error_type: error_type.to_string(), message, source, class: None }
}

fn quote_line(line: &str) -> String {
    let line = line.trim();
    if line.chars().count() > QUOTE_CHARS {
        format!("{}…", line.chars().take(QUOTE_CHARS).collect::<String>())
    } else {
        line.to_string()
    }
}

/// "`argv` exited 2: last line" / "`argv` was killed by signal 9".
fn failure_message(argv: &[String], result: &CommandResult, last_line: Option<&str>) -> String {
    let mut msg = format!("`{}` {}", display_argv(argv), result.status_text());
    if let Some(line) = last_line.map(quote_line).filter(|l| !l.is_empty()) {
        msg.push_str(": ");
        msg.push_str(&line);
    }
    msg
}

/// Recognise and read the generator's stdout (codex JSON, else Claude, else nothing).
fn read_agent_log(path: &Path) -> Option<AgentLog> {
    let source = path.to_string_lossy();
    let mut head = Vec::new();
    std::fs::File::open(path).ok()?.take(SNIFF_BYTES).read_to_end(&mut head).ok()?;
    if codex_json::looks_like(&head) {
        let file = std::fs::File::open(path).ok()?;
        return codex_json::read(std::io::BufReader::new(file), &source).ok();
    }
    if claude::looks_like(&head) {
        let (bytes, _) = crate::core::ingest::discover::read_bounded(path).ok()?;
        return Some(claude::parse(&String::from_utf8_lossy(&bytes), &source));
    }
    None
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
    fn last(&self, prefer_stderr: bool) -> Option<&(usize, String)> {
        if prefer_stderr {
            self.stderr.as_ref().or(self.stdout.as_ref())
        } else {
            [&self.stdout, &self.stderr].into_iter().flatten().max_by_key(|(n, _)| *n)
        }
    }
}

/// Run one attempt. See the module doc for what `Err` means.
pub async fn run_attempt(
    spec: AttemptSpec,
    cancel: watch::Receiver<bool>,
    clock: &dyn Clock,
    mut on_event: impl FnMut(AttemptEvent) + Send,
) -> Result<AttemptReport, ExecError> {
    let plan = plan(&spec)?;
    if *cancel.borrow() {
        return Err(ExecError::Cancelled { command: display_argv(&plan.generator) });
    }
    let job = spec.job.id.clone();
    on_event(AttemptEvent::Started { job: job.clone() });
    match attempt_inner(&spec, &plan, cancel, clock, &mut on_event).await {
        Ok(report) => {
            on_event(AttemptEvent::Finished { job, outcome: report.attempt.outcome });
            Ok(report)
        }
        Err(e) => {
            on_event(AttemptEvent::Error { job, message: e.to_string() });
            Err(e)
        }
    }
}

async fn attempt_inner(
    spec: &AttemptSpec,
    plan: &Plan,
    cancel: watch::Receiver<bool>,
    clock: &dyn Clock,
    on_event: &mut (impl FnMut(AttemptEvent) + Send),
) -> Result<AttemptReport, ExecError> {
    let job = spec.job.id.as_str();
    std::fs::create_dir_all(&plan.dir).map_err(|e| ExecError::io(&plan.dir, e))?;
    std::fs::write(&plan.prompt_file, &spec.prompt).map_err(|e| ExecError::io(&plan.prompt_file, e))?;
    let first_output = spec.job.outputs.first().cloned();
    let started_at = clock.now();

    // The generator.
    let generator_log = plan.dir.join("generator.stdout");
    let gen_spec = CommandSpec {
        argv: plan.generator.clone(),
        cwd: plan.root.clone(),
        stdin: Some(spec.prompt.clone().into_bytes()),
        timeout: spec.timeout,
        stdout_file: generator_log.clone(),
        stderr_file: plan.dir.join("generator.stderr"),
    };
    let mut tail = Tail::default();
    let gen = run_command(gen_spec, cancel.clone(), |stream, line| {
        tail.see(stream, line);
        on_event(AttemptEvent::Output { job: job.to_string(), stream, line: line.to_string() });
    })
    .await?;

    let mut findings = Vec::new();
    let mut aborted = gen.cancelled;
    let mut timed_out = gen.timed_out;
    let gen_source = generator_log.to_string_lossy().into_owned();
    if gen.timed_out {
        let message = format!("`{}` timed out after {} s", display_argv(&plan.generator), spec.timeout.as_secs());
        findings.push(finding(first_output.clone(), "timeout", message, gen_source.clone()));
    }
    let agent_log = if aborted || timed_out { None } else { read_agent_log(&generator_log) };
    let agent_failure = agent_log.as_ref().and_then(|l| l.failure.clone());
    if !aborted && !timed_out {
        if !gen.success() {
            let last = tail.last(true);
            let message = failure_message(&plan.generator, &gen, last.map(|(_, l)| l.as_str()));
            findings.push(finding(first_output.clone(), "generator_failed", message, gen_source.clone()));
        }
        if let Some(failure) = &agent_failure {
            findings.push(finding(first_output.clone(), "agent_failure", quote_line(failure), gen_source.clone()));
        }
        for output in &spec.job.outputs {
            if std::fs::symlink_metadata(plan.root.join(output)).is_err() {
                let message = format!("`{output}` does not exist after the generator ran");
                findings.push(finding(Some(output.clone()), "missing_output", message, gen_source.clone()));
            }
        }
    }

    // Validation.
    let mut validation_logs = Vec::new();
    if !aborted && !timed_out {
        for v in &plan.validations {
            if v.requires.as_ref().is_some_and(|o| std::fs::symlink_metadata(plan.root.join(o)).is_err()) {
                continue;
            }
            let k = validation_logs.len() + 1;
            let log = plan.dir.join(format!("validate-{k}.out"));
            let source = log.to_string_lossy().into_owned();
            on_event(AttemptEvent::ValidationStarted { job: job.to_string(), argv: v.argv.clone() });
            let vspec = CommandSpec {
                argv: v.argv.clone(),
                cwd: plan.root.clone(),
                stdin: None,
                timeout: spec.timeout,
                stdout_file: log.clone(),
                stderr_file: log.clone(),
            };
            let mut tail = Tail::default();
            let run = run_command(vspec, cancel.clone(), |stream, line| {
                tail.see(stream, line);
                on_event(AttemptEvent::Output { job: job.to_string(), stream, line: line.to_string() });
            })
            .await;
            let result = match run {
                Ok(r) => r,
                Err(e) => {
                    let message = format!("`{}` could not run: {e}", display_argv(&v.argv));
                    findings.push(finding(first_output.clone(), "validation_error", message, source));
                    on_event(AttemptEvent::ValidationDone {
                        job: job.to_string(),
                        argv: v.argv.clone(),
                        exit_code: None,
                    });
                    continue;
                }
            };
            validation_logs.push(log.clone());
            on_event(AttemptEvent::ValidationDone {
                job: job.to_string(),
                argv: v.argv.clone(),
                exit_code: result.exit_code,
            });
            if result.cancelled {
                aborted = true;
                break;
            }
            if result.timed_out {
                timed_out = true;
                let message = format!("`{}` timed out after {} s", display_argv(&v.argv), spec.timeout.as_secs());
                findings.push(finding(first_output.clone(), "timeout", message, source));
                break;
            }
            let text = crate::core::ingest::discover::read_bounded(&log)
                .map(|(b, _)| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            let parsed = validation::parse(&text, &source).findings;
            let parser_found = !parsed.is_empty();
            findings.extend(parsed);
            if !result.success() && !parser_found {
                let last = tail.last(false);
                let message = failure_message(&v.argv, &result, last.map(|(_, l)| l.as_str()));
                let at = last.map(|(n, _)| format!("{source}:{n}")).unwrap_or(source);
                findings.push(finding(first_output.clone(), "validation_failed", message, at));
            }
        }
    }

    let outcome = if aborted {
        AttemptOutcome::Aborted
    } else if timed_out {
        AttemptOutcome::TimedOut
    } else if gen.exit_code == Some(0) && agent_failure.is_none() && findings.is_empty() {
        AttemptOutcome::Passed
    } else {
        AttemptOutcome::Failed
    };
    let attempt = Attempt {
        job: job.to_string(),
        number: spec.number,
        snapshot: None,
        recovery_prompt: None,
        revised_prompt: None,
        kind: spec.kind,
        command: plan.generator.clone(),
        started_at,
        ended_at: Some(clock.now()),
        exit_code: gen.exit_code,
        findings,
        outcome,
        changes: None,
        prompt_origin: None,
    };
    Ok(AttemptReport { attempt, generator_log, validation_logs, agent_log })
}

/// Run attempts in parallel, at most `concurrency` at a time (0 counts as 1). Results are in
/// the order of `specs`; events of all attempts go to `on_event` on the caller's task.
/// Dropping the returned future ends every running command's process group.
pub async fn run_attempts(
    specs: Vec<AttemptSpec>,
    concurrency: usize,
    cancel: watch::Receiver<bool>,
    clock: Arc<dyn Clock>,
    mut on_event: impl FnMut(AttemptEvent) + Send,
) -> Vec<Result<AttemptReport, ExecError>> {
    let jobs: Vec<String> = specs.iter().map(|s| s.job.id.clone()).collect();
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut set = JoinSet::new();
    let mut task_index = HashMap::new();
    for (i, spec) in specs.into_iter().enumerate() {
        let (permits, tx, cancel, clock) = (permits.clone(), tx.clone(), cancel.clone(), clock.clone());
        let handle = set.spawn(async move {
            let _permit = permits.acquire_owned().await.ok();
            let result = run_attempt(spec, cancel, &*clock, |e| {
                let _ = tx.send(e);
            })
            .await;
            (i, result)
        });
        task_index.insert(handle.id(), i);
    }
    drop(tx);
    let mut results: Vec<Option<Result<AttemptReport, ExecError>>> = jobs.iter().map(|_| None).collect();
    loop {
        tokio::select! {
            Some(event) = rx.recv() => on_event(event),
            joined = set.join_next_with_id(), if !set.is_empty() => match joined {
                Some(Ok((_, (i, result)))) => {
                    if let Some(slot) = results.get_mut(i) {
                        *slot = Some(result);
                    }
                }
                Some(Err(e)) => {
                    let index = task_index.get(&e.id()).copied();
                    if let Some((slot, job)) = index.and_then(|i| results.get_mut(i).zip(jobs.get(i))) {
                        *slot = Some(Err(ExecError::Task { job: job.clone(), message: e.to_string() }));
                    }
                }
                None => {}
            },
            else => break,
        }
    }
    results
        .into_iter()
        .zip(jobs)
        .map(|(r, job)| r.unwrap_or_else(|| Err(ExecError::Task { job, message: "no result".into() })))
        .collect()
}

#[cfg(test)]
#[path = "attempt_tests.rs"]
mod tests;
