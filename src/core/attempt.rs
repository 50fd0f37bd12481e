//! One recovery attempt as a state machine (DESIGN.md §11): `handle(event) -> effects`, with
//! no IO and no async. The driver (`app::recovery`) performs each effect — write the prompt,
//! run the generator, run a validation — and feeds back what happened as an event; the
//! machine turns the raw results into findings and the outcome.
//!
//! Order: a snapshot must exist (else the attempt refuses to run), the prompt is written, the
//! attempt is recorded as running, the generator runs, then each validation command whose
//! output exists, then the ended attempt is recorded.

use super::model::{Attempt, AttemptKind, AttemptOutcome, Finding, PromptOrigin};
use super::sanitize::display_argv;
use chrono::{DateTime, Utc};

/// Longest output line quoted in a finding message.
const QUOTE_CHARS: usize = 400;

/// A validation command and the output it needs (per-extension defaults run only when it exists).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    pub argv: Vec<String>,
    pub requires: Option<String>,
}

/// Everything an attempt will do, decided before it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub job: String,
    pub number: u32,
    pub kind: AttemptKind,
    pub outputs: Vec<String>,
    pub prompt: String,
    pub prompt_origin: PromptOrigin,
    pub generator: Vec<String>,
    pub validations: Vec<Validation>,
    pub timeout_s: u64,
}

/// What one command did, as the executor saw it: raw facts, no judgement.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawRun {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub cancelled: bool,
    /// The last non-empty line of its output (stderr preferred for the generator), and the
    /// line number it had in the saved log.
    pub last_line: Option<(usize, String)>,
    /// The saved log (`generator.stdout`, `validate-1.out`).
    pub log: String,
}

impl RawRun {
    fn success(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out && !self.cancelled
    }

    fn status_text(&self) -> String {
        status_text(self.exit_code, self.signal, self.timed_out, self.cancelled)
    }
}

/// How a command ended, in words: "exited 2", "was killed by signal 9", "timed out", "was cancelled".
pub fn status_text(exit_code: Option<i32>, signal: Option<i32>, timed_out: bool, cancelled: bool) -> String {
    if timed_out {
        "timed out".into()
    } else if cancelled {
        "was cancelled".into()
    } else if let Some(code) = exit_code {
        format!("exited {code}")
    } else if let Some(sig) = signal {
        format!("was killed by signal {sig}")
    } else {
        "ended without a status".into()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// Begin, with the snapshot that holds the outputs as they are now (`None`: none exists).
    Start {
        snapshot: Option<String>,
        at: DateTime<Utc>,
    },
    /// The snapshot asked for by [`Effect::TakeSnapshot`] was taken.
    SnapshotTaken {
        id: String,
    },
    PromptWritten,
    /// The generator ended. `agent_failure`: what its own log says went wrong (a recognised
    /// agent log's failure); `missing`: the outputs that do not exist now.
    GeneratorDone {
        run: RawRun,
        agent_failure: Option<String>,
        missing: Vec<String>,
    },
    /// Validation `index` ended; `findings` are what its output parsed into.
    ValidationDone {
        index: usize,
        run: RawRun,
        findings: Vec<Finding>,
    },
    /// Validation `index` could not start.
    ValidationNotStarted {
        index: usize,
        message: String,
        log: String,
    },
    /// Something before the generator ran failed (snapshot, prompt file, a missing program):
    /// the attempt did not run.
    NotRun {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// No snapshot holds the outputs as they are: take one first.
    TakeSnapshot {
        outputs: Vec<String>,
    },
    /// Write the generation prompt into the attempt directory.
    WritePrompt {
        text: String,
    },
    /// The attempt is running: record it (ledger, journal `attempt_started`).
    RecordStarted(Attempt),
    RunGenerator {
        argv: Vec<String>,
        stdin: String,
        timeout_s: u64,
    },
    RunValidation {
        index: usize,
        argv: Vec<String>,
        timeout_s: u64,
    },
    /// The attempt ended: record it (ledger, journal `attempt_ended`).
    RecordEnded(Attempt),
    /// It never ran: take back anything recorded of it.
    Abandon {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Ready,
    Snapshotting,
    WritingPrompt,
    Generating,
    Validating { index: usize },
    Ended(AttemptOutcome),
    NotRun(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    plan: Plan,
    phase: Phase,
    attempt: Attempt,
    /// The generator's own failure (from its log), which fails the attempt even at exit 0.
    agent_failed: bool,
    generator_ok: bool,
    missing: Vec<String>,
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

/// "`argv` exited 2: last line".
fn failure_message(argv: &[String], run: &RawRun) -> String {
    let mut msg = format!("`{}` {}", display_argv(argv), run.status_text());
    if let Some(line) = run.last_line.as_ref().map(|(_, l)| quote_line(l)).filter(|l| !l.is_empty()) {
        msg.push_str(": ");
        msg.push_str(&line);
    }
    msg
}

impl Machine {
    pub fn new(plan: Plan) -> Machine {
        let attempt = Attempt {
            job: plan.job.clone(),
            number: plan.number,
            snapshot: None,
            recovery_prompt: None,
            revised_prompt: None,
            kind: plan.kind,
            command: plan.generator.clone(),
            started_at: DateTime::<Utc>::MIN_UTC,
            ended_at: None,
            exit_code: None,
            findings: Vec::new(),
            outcome: AttemptOutcome::Running,
            changes: None,
            prompt_origin: Some(plan.prompt_origin),
        };
        Machine { plan, phase: Phase::Ready, attempt, agent_failed: false, generator_ok: false, missing: Vec::new() }
    }

    pub fn phase(&self) -> &Phase {
        &self.phase
    }

    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// The attempt as recorded so far.
    pub fn attempt(&self) -> &Attempt {
        &self.attempt
    }

    fn first_output(&self) -> Option<String> {
        self.plan.outputs.first().cloned()
    }

    /// Feed one event; get the effects to perform next. An event that does not fit the phase
    /// (a late result after the end) changes nothing.
    pub fn handle(&mut self, event: Event, now: DateTime<Utc>) -> Vec<Effect> {
        match (self.phase.clone(), event) {
            (_, Event::NotRun { message }) if !matches!(self.phase, Phase::Ended(_)) => {
                self.phase = Phase::NotRun(message.clone());
                vec![Effect::Abandon { message }]
            }
            (Phase::Ready, Event::Start { snapshot, at }) => {
                self.attempt.started_at = at;
                match snapshot {
                    Some(id) => self.with_snapshot(id),
                    None => {
                        self.phase = Phase::Snapshotting;
                        vec![Effect::TakeSnapshot { outputs: self.plan.outputs.clone() }]
                    }
                }
            }
            (Phase::Snapshotting, Event::SnapshotTaken { id }) => self.with_snapshot(id),
            (Phase::WritingPrompt, Event::PromptWritten) => {
                self.phase = Phase::Generating;
                vec![
                    Effect::RecordStarted(self.attempt.clone()),
                    Effect::RunGenerator {
                        argv: self.plan.generator.clone(),
                        stdin: self.plan.prompt.clone(),
                        timeout_s: self.plan.timeout_s,
                    },
                ]
            }
            (Phase::Generating, Event::GeneratorDone { run, agent_failure, missing }) => {
                self.generator_done(run, agent_failure, missing, now)
            }
            (Phase::Validating { index }, Event::ValidationDone { index: i, run, findings }) if i == index => {
                self.validation_done(index, run, findings, now)
            }
            (Phase::Validating { index }, Event::ValidationNotStarted { index: i, message, log }) if i == index => {
                let argv = display_argv(&self.plan.validations[index].argv);
                let msg = format!("`{argv}` could not run: {message}");
                self.attempt.findings.push(finding(self.first_output(), "validation_error", msg, log));
                self.next_validation(index + 1, now)
            }
            _ => Vec::new(),
        }
    }

    fn with_snapshot(&mut self, id: String) -> Vec<Effect> {
        self.attempt.snapshot = Some(id);
        self.phase = Phase::WritingPrompt;
        vec![Effect::WritePrompt { text: self.plan.prompt.clone() }]
    }

    fn generator_done(
        &mut self,
        run: RawRun,
        agent_failure: Option<String>,
        missing: Vec<String>,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        self.attempt.exit_code = run.exit_code;
        if run.cancelled {
            return self.end(AttemptOutcome::Aborted, now);
        }
        if run.timed_out {
            let msg = format!("`{}` timed out after {} s", display_argv(&self.plan.generator), self.plan.timeout_s);
            self.attempt.findings.push(finding(self.first_output(), "timeout", msg, run.log.clone()));
            return self.end(AttemptOutcome::TimedOut, now);
        }
        self.generator_ok = run.success();
        if !run.success() {
            let msg = failure_message(&self.plan.generator, &run);
            self.attempt.findings.push(finding(self.first_output(), "generator_failed", msg, run.log.clone()));
        }
        if let Some(f) = &agent_failure {
            self.agent_failed = true;
            self.attempt.findings.push(finding(self.first_output(), "agent_failure", quote_line(f), run.log.clone()));
        }
        for output in &missing {
            let msg = format!("`{output}` does not exist after the generator ran");
            self.attempt.findings.push(finding(Some(output.clone()), "missing_output", msg, run.log.clone()));
        }
        self.missing = missing;
        self.next_validation(0, now)
    }

    /// The next validation to run from `index` on (skipping those whose output is missing),
    /// or the end.
    fn next_validation(&mut self, from: usize, now: DateTime<Utc>) -> Vec<Effect> {
        let next = (from..self.plan.validations.len())
            .find(|&i| self.plan.validations[i].requires.as_ref().is_none_or(|o| !self.missing.contains(o)));
        match next {
            Some(index) => {
                self.phase = Phase::Validating { index };
                vec![Effect::RunValidation {
                    index,
                    argv: self.plan.validations[index].argv.clone(),
                    timeout_s: self.plan.timeout_s,
                }]
            }
            None => {
                let passed = self.generator_ok && !self.agent_failed && self.attempt.findings.is_empty();
                self.end(if passed { AttemptOutcome::Passed } else { AttemptOutcome::Failed }, now)
            }
        }
    }

    fn validation_done(
        &mut self,
        index: usize,
        run: RawRun,
        findings: Vec<Finding>,
        now: DateTime<Utc>,
    ) -> Vec<Effect> {
        if run.cancelled {
            return self.end(AttemptOutcome::Aborted, now);
        }
        let argv = self.plan.validations[index].argv.clone();
        if run.timed_out {
            let msg = format!("`{}` timed out after {} s", display_argv(&argv), self.plan.timeout_s);
            self.attempt.findings.push(finding(self.first_output(), "timeout", msg, run.log.clone()));
            return self.end(AttemptOutcome::TimedOut, now);
        }
        let parsed = !findings.is_empty();
        self.attempt.findings.extend(findings);
        if !run.success() && !parsed {
            let at = run.last_line.as_ref().map(|(n, _)| format!("{}:{n}", run.log)).unwrap_or_else(|| run.log.clone());
            let msg = failure_message(&argv, &run);
            self.attempt.findings.push(finding(self.first_output(), "validation_failed", msg, at));
        }
        self.next_validation(index + 1, now)
    }

    fn end(&mut self, outcome: AttemptOutcome, now: DateTime<Utc>) -> Vec<Effect> {
        self.phase = Phase::Ended(outcome);
        self.attempt.outcome = outcome;
        self.attempt.ended_at = Some(now);
        vec![Effect::RecordEnded(self.attempt.clone())]
    }
}

#[cfg(test)]
#[path = "attempt_tests.rs"]
mod tests;
