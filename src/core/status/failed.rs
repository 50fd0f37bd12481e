//! When a job failed (DESIGN.md §2): the one rule, over the facts the logs gave.
//!
//! A job **failed** if any of: a non-zero exit (joblog Exitval or Signal, a runner's summary
//! table); an agent-level failure in its log; a validation finding on one of its outputs; an
//! expected output missing after it ran; or a **false success** — it reported success but its
//! own record says otherwise. Softer signs are `suspect` findings: shown, never a failure alone.

use crate::core::ingest::agent::{AgentLog, AgentLogKind};
use crate::core::model::{Finding, Status};
use regex::Regex;
use std::sync::OnceLock;

/// The `error_type` of a false success finding (fails the job).
pub const FALSE_SUCCESS: &str = "false_success";
/// The `error_type` of a suspect finding (evidence only).
pub const SUSPECT: &str = "suspect";

/// What a job's exit status says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExitVerdict {
    Passed,
    Failed(String),
    /// Skipped by GNU parallel (Exitval -2): the job never ran.
    NeverRan,
}

/// A joblog row's (or summary table's) exit status; `stderr_tail` is the last error line of
/// the job's stderr capture, named in the message when there is one.
pub fn exit_verdict(exitval: i64, signal: i64, stderr_tail: Option<&str>) -> ExitVerdict {
    match (exitval, signal) {
        (0, 0) => ExitVerdict::Passed,
        (-1, s) => ExitVerdict::Failed(format!("killed (Exitval -1, signal {s}): timeout, interrupt or out of memory")),
        (-2, _) => ExitVerdict::NeverRan,
        (e, 0) => ExitVerdict::Failed(format!(
            "exited with status {e}{}",
            stderr_tail.map(|t| format!(": {t}")).unwrap_or_default()
        )),
        (e, s) => ExitVerdict::Failed(format!("exited with status {e} after signal {s}")),
    }
}

/// The job's status from its findings: failed when any is a failure (suspect findings are
/// kept in the evidence, never here).
pub fn status_of(findings: &[Finding]) -> Status {
    if findings.is_empty() {
        Status::Passed
    } else {
        Status::Failed
    }
}

fn limit_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?i)\b(?:you'?ve hit your (?:usage |session |weekly |daily |opus )?limit",
            r"|(?:usage|session|weekly|rate) limit (?:reached|exceeded|hit)",
            r"|usage_limit_(?:reached|exceeded)",
            r"|(?:selected )?model is at capacity",
            r"|credit balance is too low",
            r"|quota (?:exceeded|exhausted))\b"
        ))
        .expect("constant pattern")
    })
}

fn could_not_finish_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"(?i)\b(?:I (?:was|am) (?:not )?unable to|I could(?: not|n't)|I can(?:not|'t) (?:complete|finish)",
            r"|unable to (?:complete|finish)|did not (?:complete|finish)|ran out of (?:time|context))\b"
        ))
        .expect("constant pattern")
    })
}

/// The run's final message is a usage-limit, capacity or API error rather than the work.
fn failed_message(text: &str) -> Option<&'static str> {
    let t = text.trim_start();
    if t.starts_with("API Error") {
        return Some("its result is an API error");
    }
    limit_re().is_match(t).then_some("its final message is a usage-limit or capacity error")
}

/// A false success (DESIGN.md §2): the agent finished without a failure, but its own record
/// says it did not do the work. `None` for a real success (or a log that failed anyway).
pub fn false_success(log: &AgentLog) -> Option<String> {
    if log.failure.is_some() || !log.finished {
        return None;
    }
    if let Some((why, text)) = log.final_message.as_deref().and_then(|m| failed_message(m).map(|w| (w, m))) {
        return Some(format!("false success: the run reported success, but {why}: {}", first_line(text)));
    }
    // The text log gives one blended total: it has no output figure to be zero.
    let has_output_figure = log.kind != AgentLogKind::CodexText;
    let zero_output = has_output_figure && log.tokens.is_some_and(|t| t.output == 0);
    if zero_output && log.files_written.is_empty() {
        return Some("false success: the run reported success with 0 output tokens and wrote no file".to_string());
    }
    None
}

/// Softer signs worth showing next to the job (never a failure on their own).
pub fn suspect_signs(log: &AgentLog) -> Vec<String> {
    let mut out = Vec::new();
    if log.failure.is_some() {
        return out;
    }
    if let Some(m) = log.final_message.as_deref().filter(|m| could_not_finish_re().is_match(m)) {
        out.push(format!("its final message says it could not finish: {}", first_line(m)));
    }
    let zero_output = log.kind != AgentLogKind::CodexText && log.tokens.is_some_and(|t| t.output == 0);
    if zero_output && !log.files_written.is_empty() {
        out.push("it reported 0 output tokens yet wrote files".to_string());
    }
    out
}

fn first_line(text: &str) -> String {
    let line = text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    crate::core::ingest::evidence::clip(line, 300)
}

#[cfg(test)]
#[path = "failed_tests.rs"]
mod tests;
