//! The rationale log (DESIGN.md §13) and the plan: one view model (`view`) rendered as `plan`
//! text (`text`) and as Markdown that reads like a phase execution note (`markdown`, with the
//! Mermaid flowchart of `mermaid`), and the versioned JSON documents (`recover-tui/plan@1`,
//! `recover-tui/export@1`). All text is sanitized; JSON escapes controls.

pub mod markdown;
pub mod mermaid;
pub mod text;
pub mod view;

use super::checklist::ChecklistItem;
use super::decide::{Decision, Verdict};
use super::failure;
use super::model::{Attempt, AttemptOutcome, Run, Status};
use super::status::{Outcome as StatusOutcome, Progress};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

/// A snapshot as the export lists it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotInfo {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub reason: String,
    pub files: usize,
    pub job: Option<String>,
    /// The paths it holds.
    #[serde(skip)]
    pub paths: Vec<String>,
}

pub struct ExportInput<'a> {
    pub run: &'a Run,
    pub decision: &'a Decision,
    pub checklist: &'a [ChecklistItem],
    pub snapshots: &'a [SnapshotInfo],
    /// Every recovery attempt, all jobs, oldest first.
    pub attempts: &'a [Attempt],
    /// The run as it stands (states, what is left, what is next).
    pub progress: Option<&'a Progress>,
    pub generated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    Success,
    EscalatedToFullRestart,
    InProgress,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "SUCCESS",
            Outcome::EscalatedToFullRestart => "ESCALATED_TO_FULL_RESTART",
            Outcome::InProgress => "IN_PROGRESS",
        }
    }
}

/// SUCCESS once the run is recovered (every failed job of N repaired, every stale later job
/// re-run and passed); escalated when the decision is; else in progress.
pub fn outcome(d: &Decision, progress: Option<&Progress>, attempts: &[Attempt]) -> Outcome {
    if d.escalated {
        return Outcome::EscalatedToFullRestart;
    }
    if let Some(p) = progress {
        return match p.outcome {
            StatusOutcome::Recovered => Outcome::Success,
            StatusOutcome::Escalated => Outcome::EscalatedToFullRestart,
            StatusOutcome::InProgress => Outcome::InProgress,
        };
    }
    if d.verdict == Verdict::FullRestart || d.rerun_jobs.is_empty() {
        return Outcome::InProgress;
    }
    let all_passed = d.rerun_jobs.iter().all(|r| {
        attempts
            .iter()
            .filter(|a| a.job == r.job)
            .max_by_key(|a| a.number)
            .is_some_and(|a| a.outcome == AttemptOutcome::Passed)
    });
    if all_passed {
        Outcome::Success
    } else {
        Outcome::InProgress
    }
}

/// The rationale log as Markdown (see `markdown`).
pub fn markdown(x: &ExportInput<'_>) -> String {
    markdown::render(x)
}

/// `plan` as text (see `text`).
pub fn plan_text(run: &Run, d: &Decision, p: Option<&Progress>) -> String {
    text::render(&view::build(run, d, p))
}

/// `1h 02m`, `4m 05s`, `12s`, `0s`. (An unknown time is `view::seconds(None)`: "unknown".)
pub fn duration(secs: f64) -> String {
    let sign = if secs < 0.0 { "-" } else { "" };
    let t = secs.abs().round() as u64;
    match t {
        t if t >= 3600 => format!("{sign}{}h {:02}m", t / 3600, (t % 3600) / 60),
        t if t >= 60 => format!("{sign}{}m {:02}s", t / 60, t % 60),
        t => format!("{sign}{t}s"),
    }
}

pub fn json(x: &ExportInput<'_>, plan: Value) -> Value {
    let (run, d) = (x.run, x.decision);
    let failed: Vec<Value> = run
        .batch(d.failing_batch)
        .map(|b| {
            b.jobs
                .iter()
                .filter(|j| j.result.status == Status::Failed)
                .map(|j| {
                    let f = failure::primary_finding(j);
                    json!({
                        "job": j.id, "outputs": j.outputs, "class": failure::job_class(j).as_str(),
                        "error_type": f.map(|f| f.error_type.clone()), "message": f.map(|f| f.message.clone()),
                        "file": f.and_then(|f| f.file.clone()), "line": f.and_then(|f| f.line),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "schema": "recover-tui/export@1",
        "generated_at": x.generated_at,
        "run": { "id": run.id, "title": run.title, "project_root": run.project_root.display().to_string(), "batches": run.batches.len() },
        "failing_batch": d.failing_batch,
        "failed_jobs": failed,
        "decision": plan,
        "checklist": x.checklist,
        "snapshots": x.snapshots,
        "attempts": x.attempts,
        "escalated": d.escalated,
        "cost": d.cost,
        "outcome": outcome(d, x.progress, x.attempts).as_str(),
    })
}

/// Serialize JSON with every control, C1 and bidi character escaped as `\uXXXX`
/// (serde_json leaves C1 and bidi characters raw).
pub fn to_safe_json(v: &Value) -> String {
    let raw = serde_json::to_string_pretty(v).unwrap_or_default();
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        let u = c as u32;
        if (0x7f..=0x9f).contains(&u) || matches!(u, 0x200e | 0x200f | 0x061c | 0x202a..=0x202e | 0x2066..=0x2069) {
            out += &format!("\\u{u:04x}");
        } else {
            out.push(c);
        }
    }
    out
}

/// The `recover-tui/plan@1` document: the decision as decided, with the progress beside it
/// (`rerun_jobs` and `rerun_jobs_after` list what is left to do).
pub fn plan_json(d: &Decision, progress: Option<&crate::core::status::Progress>) -> serde_json::Value {
    use serde_json::{json, Value};
    let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
    let Value::Object(m) = &mut v else { return v };
    if let Some(p) = progress {
        for (key, value) in [
            ("rerun_jobs", serde_json::to_value(&p.rerun_jobs)),
            ("rerun_jobs_after", serde_json::to_value(&p.rerun_jobs_after)),
            ("outcome", serde_json::to_value(p.outcome)),
            ("repaired_jobs", serde_json::to_value(&p.repaired_jobs)),
            ("rerun_passed_jobs", serde_json::to_value(&p.rerun_passed_jobs)),
            ("next", serde_json::to_value(&p.next)),
        ] {
            m.insert(key.into(), value.unwrap_or(Value::Null));
        }
    }
    let mut out = serde_json::Map::new();
    out.insert("schema".into(), json!("recover-tui/plan@1"));
    out.extend(std::mem::take(m));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::checklist::{evaluate, Facts};
    use crate::core::cost::Prices;
    use crate::core::decide::{decide, History, Input, Overrides, Thresholds};
    use crate::core::model::{Batch, Finding, Job, JobResult, Prompt, TokenUsage};
    use chrono::TimeZone;

    fn run() -> Run {
        let job = |id: &str, b: u32, st: Status| Job {
            id: id.into(),
            batch: b,
            outputs: vec![format!("pkg/{id}.py")],
            prompt: Some(Prompt { text: "Task".into(), source: "p.md".into() }),
            result: JobResult {
                status: st,
                tokens: TokenUsage { input: 9000, cached_input: 0, output: 1000 },
                duration_s: Some(120.0),
                ..JobResult::default()
            },
            ..Job::default()
        };
        let mut bad = job("b2-render", 2, Status::Failed);
        bad.result.findings.push(Finding {
            file: Some("pkg/b2-render.py".into()),
            line: Some(4),
            error_type: "SyntaxError".into(),
            message: "expected ':' \u{1b}]0;pwned\u{7}\u{202e}".into(),
            source: "v.txt:3".into(),
            class: Some("syntax".into()),
        });
        Run {
            title: "notes Phase 2".into(),
            batches: vec![
                Batch {
                    number: 1,
                    jobs: vec![job("b1-model", 1, Status::Passed), job("b1-store", 1, Status::Passed)],
                    ..Batch::default()
                },
                Batch { number: 2, jobs: vec![bad, job("b2-export", 2, Status::Passed)], ..Batch::default() },
            ],
            ..Run::default()
        }
    }

    fn attempt(n: u32, outcome: AttemptOutcome) -> Attempt {
        Attempt {
            job: "b2-render".into(),
            number: n,
            snapshot: Some("20261125T150000Z-0badc0de".into()),
            recovery_prompt: None,
            revised_prompt: None,
            kind: crate::core::model::AttemptKind::TargetedRecovery,
            command: vec!["codex".into(), "exec".into(), "-".into()],
            started_at: Utc.with_ymd_and_hms(2026, 11, 25, 15, 1, 0).unwrap(),
            ended_at: Some(Utc.with_ymd_and_hms(2026, 11, 25, 15, 4, 30).unwrap()),
            exit_code: Some(0),
            findings: vec![],
            outcome,
            changes: Some("pkg/b2-render.py +2 -1".into()),
            prompt_origin: Some(crate::core::model::PromptOrigin::Reviser),
        }
    }

    fn note(attempts: &[Attempt], history: &History) -> (String, Value) {
        let r = run();
        let d = decide(&Input {
            run: &r,
            history,
            thresholds: Thresholds::default(),
            overrides: &Overrides::default(),
            prices: Prices::default(),
            outputs: &Default::default(),
        })
        .unwrap();
        let items = evaluate(&r, &d, &Facts::default(), &Default::default());
        let mut ledger: std::collections::BTreeMap<String, Vec<Attempt>> = Default::default();
        for a in attempts {
            ledger.entry(a.job.clone()).or_default().push(a.clone());
        }
        let p = crate::core::status::progress(&r, &d, &ledger, Thresholds::default().max_failed_recoveries);
        let x = ExportInput {
            run: &r,
            decision: &d,
            checklist: &items,
            snapshots: &[],
            attempts,
            progress: Some(&p),
            generated_at: Utc.with_ymd_and_hms(2026, 11, 25, 15, 10, 0).unwrap(),
        };
        (markdown(&x), json(&x, json!({})))
    }

    #[test]
    fn markdown_reads_like_a_phase_note_and_is_clean() {
        let (md, _) = note(&[attempt(1, AttemptOutcome::Passed)], &History::default());
        assert!(md.starts_with("# Recovery note — notes Phase 2\n"));
        assert!(md.contains("Batch 2 of 2 failed: 1 of 2 jobs."));
        assert!(
            md.contains(
                "- **b2-render** (`pkg/b2-render.py`) — syntax: SyntaxError: expected ':' at pkg/b2-render.py:4"
            ),
            "{md}"
        );
        assert!(md.contains("## Decision: targeted recovery (fix_batch_only)"));
        assert!(md.contains("### b2-render attempt 1 — passed"));
        assert!(md.contains("Prompt sent: the reviser.\n"), "{md}");
        assert!(md.contains("Changed: pkg/b2-render.py +2 -1"));
        assert!(md.contains("## Where it stands\n\n- b2-render (batch 2): repaired\n"), "{md}");
        assert!(md.contains("## Next\n\nNothing: the phase is complete.\n"), "{md}");
        assert!(md.ends_with("## Outcome: SUCCESS\n"));
        assert!(!md
            .chars()
            .any(|c| c == '\u{1b}' || c == '\u{7}' || c == '\u{202e}' || ('\u{80}'..='\u{9f}').contains(&c)));
    }

    #[test]
    fn escalation_is_the_outcome_after_two_failures() {
        let mut h = History::default();
        h.failed_recoveries.insert("b2-render".into(), 2);
        let (md, js) = note(&[attempt(1, AttemptOutcome::Failed), attempt(2, AttemptOutcome::Failed)], &h);
        assert!(md.contains("**Escalated to a full restart**"));
        assert!(md.ends_with("## Outcome: ESCALATED_TO_FULL_RESTART\n"));
        assert_eq!(js["outcome"], "ESCALATED_TO_FULL_RESTART");
        assert_eq!(js["schema"], "recover-tui/export@1");
    }

    #[test]
    fn a_failed_attempt_leaves_it_in_progress() {
        let (_, js) = note(&[attempt(1, AttemptOutcome::Failed)], &History::default());
        assert_eq!(js["outcome"], "IN_PROGRESS");
        assert_eq!(js["failed_jobs"][0]["job"], "b2-render");
    }

    #[test]
    fn safe_json_escapes_c1_and_bidi() {
        let s = to_safe_json(&json!({"m": "a\u{9b}b\u{202e}c\u{1b}"}));
        assert!(s.contains("a\\u009bb\\u202ec\\u001b"), "{s}");
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["m"], "a\u{9b}b\u{202e}c\u{1b}");
    }
}
