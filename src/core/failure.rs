//! What is wrong with a failed job: the class of each finding, the job's class, the finding
//! that explains it, and an error signature to spot the same failure in several jobs.

use super::classify::{Classifier, FailureClass};
use super::model::{Finding, Job, Run, Status};

/// Set `class` on every finding of the run.
pub fn classify_run(run: &mut Run, classifier: &Classifier) {
    for b in &mut run.batches {
        for j in &mut b.jobs {
            for f in &mut j.result.findings {
                f.class = Some(finding_class(classifier, f).as_str().to_string());
            }
        }
    }
}

fn finding_class(classifier: &Classifier, f: &Finding) -> FailureClass {
    if f.error_type == "missing_output" {
        return FailureClass::MissingOutput;
    }
    // A finding from a validation tool is a code defect, never transient (DESIGN.md §7).
    let (class, _) = if !agent_level(f) {
        classifier.classify_code_defect(&f.error_type, &f.message)
    } else {
        classifier.classify(&f.error_type, &f.message)
    };
    if class == FailureClass::Unknown && f.error_type == "exit_status" && f.message.starts_with("killed (Exitval -1") {
        // Killed by timeout/interrupt with no code defect found: a retry is the remedy.
        return FailureClass::Transient;
    }
    class
}

fn class_of(f: &Finding) -> FailureClass {
    f.class.as_deref().and_then(|c| c.parse().ok()).unwrap_or(FailureClass::Unknown)
}

/// How strongly a class explains a failure: code defects first, then agent problems.
fn rank(c: FailureClass) -> u8 {
    match c {
        FailureClass::Architectural => 0,
        FailureClass::Syntax => 1,
        FailureClass::Import => 2,
        FailureClass::Type => 3,
        FailureClass::Test => 4,
        FailureClass::Placeholder => 5,
        FailureClass::Context => 6,
        FailureClass::Sandbox => 7,
        FailureClass::Transient => 8,
        FailureClass::Unknown => 9,
        FailureClass::MissingOutput => 10,
    }
}

/// The finding that best explains the job's failure (None when it has none).
pub fn primary_finding(job: &Job) -> Option<&Finding> {
    job.result
        .findings
        .iter()
        .enumerate()
        .min_by_key(|(i, f)| (rank(class_of(f)), validation_first(f), *i))
        .map(|(_, f)| f)
}

/// Validation findings explain more than agent-level ones of the same class.
fn validation_first(f: &Finding) -> u8 {
    u8::from(matches!(f.error_type.as_str(), "agent_error" | "exit_status"))
}

/// The job's failure class: that of its primary finding. A transient agent failure whose
/// only other finding is the missing output it never wrote stays transient.
pub fn job_class(job: &Job) -> FailureClass {
    if job.result.status != Status::Failed {
        return FailureClass::Unknown;
    }
    // An unexplained exit status is a consequence, and a missing output follows from an agent
    // that stopped early: neither outweighs a transient cause.
    let causes: Vec<FailureClass> = job
        .result
        .findings
        .iter()
        .filter(|f| !(f.error_type == "exit_status" && class_of(f) == FailureClass::Unknown))
        .map(class_of)
        .filter(|c| *c != FailureClass::MissingOutput)
        .collect();
    if !causes.is_empty() && causes.iter().all(|c| *c == FailureClass::Transient) {
        return FailureClass::Transient;
    }
    primary_finding(job).map(class_of).unwrap_or(FailureClass::Unknown)
}

/// When a transient failure of `job` says a retry can succeed (its agent-level texts only).
pub fn retry_after(job: &Job) -> Option<super::classify::RetryAfter> {
    if job_class(job) != FailureClass::Transient {
        return None;
    }
    let texts = job
        .result
        .findings
        .iter()
        .filter(|f| agent_level(f))
        .map(|f| f.message.as_str())
        .chain(job.result.agent_error.as_deref())
        .chain(job.result.evidence.iter().map(|f| f.message.as_str()));
    texts.into_iter().find_map(|t| super::classify::retry_after(t, job.result.ended_at))
}

/// A finding of the generator itself (its stream, exit, stderr), not of a validation tool:
/// only these can be transient.
pub fn agent_level(f: &Finding) -> bool {
    matches!(
        f.error_type.as_str(),
        "agent_error"
            | "exit_status"
            | "missing_output"
            | "agent_warning"
            | "tool_failed"
            | "tool_error"
            | "patch_failed"
            | "command_failed"
            | "false_success"
            | "suspect"
            | "notice"
    ) || f.error_type.starts_with("agent")
}

/// Where a finding came from, in the user's words.
pub fn origin(f: &Finding) -> &'static str {
    match f.error_type.as_str() {
        "agent_error" => "agent",
        "exit_status" => "exit status",
        "missing_output" => "missing output",
        _ => "validation",
    }
}

/// "validation: ModuleNotFoundError in sparkq/tests/test_api.py:1"
pub fn reason(job: &Job) -> String {
    match primary_finding(job) {
        None => "failed (no finding recorded)".to_string(),
        Some(f) => {
            let place = f.location().map(|l| format!(" in {l}")).unwrap_or_default();
            match f.error_type.as_str() {
                "agent_error" | "exit_status" | "missing_output" => {
                    format!("{}: {}", origin(f), one_line(&f.message, 160))
                }
                t => format!("{}: {t}{place}", origin(f)),
            }
        }
    }
}

/// Error signature: class + type + message with the job's own paths and numbers masked, so
/// the same failure in different files compares equal.
pub fn signature(job: &Job) -> Option<String> {
    let f = primary_finding(job)?;
    let mut msg = f.message.clone();
    for o in &job.outputs {
        msg = msg.replace(o.as_str(), "<file>");
    }
    let msg: String = msg.chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect();
    Some(format!("{}|{}|{}", class_of(f).as_str(), f.error_type, msg.trim()))
}

pub fn one_line(s: &str, max: usize) -> String {
    let flat = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > max {
        let mut t: String = flat.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    } else {
        flat
    }
}
