//! One view model of a decision, in the user's words: what failed, what runs again, what is
//! kept, the trail with its marks, the cost, what is next. `plan` text and the Markdown note
//! are two layouts of it (the JSON export is the plan document itself). Text from the project
//! is sanitized here, once.

use crate::core::cost::{Amount, Comparison};
use crate::core::decide::{Decision, Step, StepId, Verdict};
use crate::core::failure;
use crate::core::model::{Run, Status};
use crate::core::sanitize::{clean_line, clean_name};
use crate::core::status::{Progress, StepKind};

/// How a rule is marked in the trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// The rule that set the verdict.
    Decided,
    /// Its condition holds, but a rule before it decided.
    Fired,
    NotFired,
}

pub struct StepView {
    pub id: StepId,
    pub question: String,
    pub answer: String,
    pub evidence: Vec<String>,
    pub overridden: Option<String>,
    pub mark: Option<Mark>,
}

pub struct FailedJob {
    pub id: String,
    pub outputs: Vec<String>,
    pub class: String,
    /// "SyntaxError: expected ':' at pkg/x.py:4"
    pub error: Option<String>,
    /// The plan's reason: "validation: SyntaxError in pkg/x.py:4".
    pub reason: String,
    /// The job's state now (`failed`, `repaired` ...).
    pub state: &'static str,
    /// "at 4:20 PM (the service's local time)"
    pub retry_after: Option<String>,
}

pub struct LaterBatch {
    pub batch: u32,
    pub reason: String,
    /// The stale jobs of the batch, with their state now and why they re-run.
    pub jobs: Vec<(String, &'static str)>,
    pub why: Vec<String>,
    /// Jobs in the batch.
    pub total_jobs: usize,
    /// The batch's jobs that read nothing the repair changes.
    pub kept_jobs: usize,
}

pub struct KeptBatch {
    pub batch: u32,
    pub jobs: usize,
    pub why: &'static str,
}

pub struct CostRow {
    pub label: &'static str,
    pub tokens: String,
    pub time: String,
    pub money: Option<String>,
}

pub struct CostView {
    pub full_restart: CostRow,
    /// "this plan", or under a restart "a recovery would have cost".
    pub recovery: CostRow,
    /// `None` under a restart: no savings are claimed.
    pub savings: Option<CostRow>,
    /// "tokens" / "seconds" / "jobs".
    pub measure: &'static str,
    /// "b2-x (tokens unknown) counts 21,000 tokens, the average of batch 2's ..."
    pub estimates: Vec<String>,
}

pub struct NextStep {
    pub word: &'static str,
    pub jobs: Vec<String>,
    pub ours: bool,
    pub commands: Vec<String>,
}

pub struct ProgressView {
    pub outcome: String,
    pub done: Vec<String>,
    pub next: Vec<NextStep>,
}

pub struct PlanView {
    pub title: String,
    pub project_root: String,
    pub verdict: Verdict,
    pub escalated: bool,
    pub scope: &'static str,
    pub failing_batch: u32,
    pub batches: usize,
    pub failing_batch_jobs: usize,
    pub failed: Vec<FailedJob>,
    /// The deciding rule: its id, its question's short form, its answer.
    pub decided_by: Option<(StepId, String, String)>,
    /// Under a restart: every job of the phase runs again.
    pub restart_jobs: usize,
    pub later: Vec<LaterBatch>,
    pub continue_from: Option<u32>,
    pub kept: Vec<KeptBatch>,
    pub questions: Vec<StepView>,
    pub rules: Vec<StepView>,
    pub cost: CostView,
    pub warnings: Vec<String>,
    pub progress: Option<ProgressView>,
}

impl PlanView {
    pub fn restarts(&self) -> bool {
        self.verdict == Verdict::FullRestart
    }
}

pub fn build(run: &Run, d: &Decision, p: Option<&Progress>) -> PlanView {
    let failing = run.batch(d.failing_batch);
    let failed = failing
        .map(|b| b.jobs.iter().filter(|j| j.result.status == Status::Failed).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|j| {
            let rerun = d.rerun_jobs.iter().find(|r| r.job == j.id);
            FailedJob {
                id: clean_name(&j.id),
                outputs: j.outputs.iter().map(|o| clean_name(o)).collect(),
                class: rerun.map(|r| r.class.clone()).unwrap_or_else(|| failure::job_class(j).as_str().into()),
                error: failure::primary_finding(j).map(|f| {
                    let place = f.location().map(|l| format!(" at {}", clean_line(&l))).unwrap_or_default();
                    format!(
                        "{}: {}{place}",
                        clean_line(&f.error_type).trim(),
                        clean_line(&failure::one_line(&f.message, 300)).trim()
                    )
                }),
                reason: clean_line(&rerun.map(|r| r.reason.clone()).unwrap_or_else(|| failure::reason(j))),
                state: p.and_then(|p| p.state_of(run, &j.id)).map(|s| s.word()).unwrap_or("failed"),
                retry_after: rerun.and_then(|r| r.retry_after.as_ref()).map(|r| clean_line(&r.when)),
            }
        })
        .collect();
    let later = d
        .rerun_batches_after
        .iter()
        .map(|&b| {
            let jobs = run.batch(b).map(|batch| batch.jobs.as_slice()).unwrap_or_default();
            let stale: Vec<(String, &'static str)> = jobs
                .iter()
                .filter(|j| d.stale_jobs.contains_key(&j.id))
                .map(|j| (clean_name(&j.id), p.map(|p| p.state(j).word()).unwrap_or("stale")))
                .collect();
            let why: Vec<String> = jobs
                .iter()
                .filter_map(|j| d.stale_jobs.get(&j.id))
                .map(|w| clean_line(&format!("reads what the repair changes ({})", w.join("; "))))
                .collect();
            let kept_jobs = if stale.is_empty() { 0 } else { jobs.len() - stale.len() };
            LaterBatch { batch: b, reason: batch_reason(d, b), jobs: stale, why, total_jobs: jobs.len(), kept_jobs }
        })
        .collect();
    let kept = d
        .preserved_batches
        .iter()
        .map(|&b| KeptBatch {
            batch: b,
            jobs: run.batch(b).map(|b| b.jobs.len()).unwrap_or(0),
            why: if b < d.failing_batch {
                "before the failure, ran and passed"
            } else {
                "ran and passed; reads nothing the repair changes"
            },
        })
        .collect();
    PlanView {
        title: clean_line(&run.title),
        project_root: clean_line(&run.project_root.display().to_string()),
        verdict: d.verdict,
        escalated: d.escalated,
        scope: d.scope.as_str(),
        failing_batch: d.failing_batch,
        batches: run.batches.len(),
        failing_batch_jobs: failing.map(|b| b.jobs.len()).unwrap_or(0),
        failed,
        decided_by: d.deciding().map(|r| {
            let q = r.question.split(':').next().unwrap_or(&r.question).trim_end_matches('.');
            (r.step, clean_line(q), clean_line(&r.answer))
        }),
        restart_jobs: d.rerun_jobs.len(),
        later,
        continue_from: d.continue_from_batch,
        kept,
        questions: d.rationale.iter().filter(|r| r.step.is_question()).map(step_view).collect(),
        rules: d.rationale.iter().filter(|r| r.step.is_rule()).map(step_view).collect(),
        cost: cost_view(d),
        warnings: d.warnings.iter().map(|w| clean_line(w)).collect(),
        progress: p.map(|p| progress_view(p, d.verdict == Verdict::RetryAsIs)),
    }
}

fn step_view(s: &Step) -> StepView {
    StepView {
        id: s.step,
        question: clean_line(&s.question),
        answer: clean_line(&s.answer),
        evidence: s.evidence.iter().map(|e| clean_line(e)).collect(),
        overridden: s.overridden.as_deref().map(clean_line),
        mark: s.step.is_rule().then_some(match (s.decided, s.fired) {
            (Some(true), _) => Mark::Decided,
            (_, Some(true)) => Mark::Fired,
            _ => Mark::NotFired,
        }),
    }
}

/// The Q2 evidence line about batch `b`.
fn batch_reason(d: &Decision, b: u32) -> String {
    d.batch_reasons.get(&b).map(|e| clean_line(e)).unwrap_or_else(|| "it depends on the repaired batch".into())
}

fn cost_view(d: &Decision) -> CostView {
    let c: &Comparison = &d.cost;
    let row = |label: &'static str, a: &Amount| CostRow {
        label,
        tokens: grouped(a.tokens as i64),
        time: seconds(a.seconds),
        money: a.usd.map(|v| format!("${v:.2}")),
    };
    let restart = d.verdict == Verdict::FullRestart;
    CostView {
        full_restart: row("full restart", &c.full_restart),
        recovery: row(if restart { "a recovery would have cost" } else { "this plan" }, &c.recovery),
        savings: c.savings.map(|s| CostRow {
            label: "savings",
            tokens: format!("{} ({:.1}%)", grouped(s.tokens), s.tokens_pct),
            time: match (s.seconds, s.seconds_pct) {
                (Some(t), Some(p)) => format!("{} ({p:.1}%)", super::duration(t)),
                _ => "unknown".into(),
            },
            money: s.usd.map(|v| format!("${v:.2}")),
        }),
        measure: d.measure.unit(),
        estimates: crate::core::cost::group_estimates(&d.estimates)
            .iter()
            .map(|g| g.describe(d.measure.unit(), |j| clean_name(j).to_string()))
            .collect(),
    }
}

/// A time, or "unknown".
pub fn seconds(s: Option<f64>) -> String {
    s.map(super::duration).unwrap_or_else(|| "unknown".into())
}

pub fn grouped(n: i64) -> String {
    crate::core::decide::trail::fmt_num(n as f64)
}

fn progress_view(p: &Progress, retry: bool) -> ProgressView {
    let done = p
        .repaired_jobs
        .iter()
        .map(|d| format!("{} repaired (attempt {})", clean_name(&d.job), d.attempt))
        .chain(
            p.rerun_passed_jobs.iter().map(|d| format!("{} re-run passed (attempt {})", clean_name(&d.job), d.attempt)),
        )
        .collect();
    let next = p
        .next
        .iter()
        .map(|step| NextStep {
            word: match step.step {
                StepKind::Repair if retry => "retry as is",
                other => other.as_str(),
            },
            jobs: step.jobs.iter().map(|j| clean_name(j)).collect(),
            ours: step.step.is_ours(),
            commands: step.commands.iter().map(|c| clean_line(c)).collect(),
        })
        .collect();
    ProgressView { outcome: p.outcome.as_str().replace('_', " "), done, next }
}
