//! The decision tree (DESIGN.md §6): failing batch N, questions Q1–Q3 (`questions`), then the
//! verdict rules as a table (`rules`), recorded in the trail (`trail`). Deterministic: the same
//! Run, history, thresholds, overrides and output texts give the same Decision.

pub mod interface;
pub mod questions;
pub mod rules;
pub mod trail;

pub use crate::core::classify::RetryAfter;
pub use interface::{Mismatch, OutputTexts};
pub use rules::RuleId;
pub use trail::{Step, StepId};

use crate::core::classify::FailureClass;
use crate::core::cost::{Comparison, CostModel, Estimate, Measure, Prices, RecoveryScope};
use crate::core::deps::{self, EdgeVerdict, Graph};
use crate::core::failure;
use crate::core::model::{Job, Run, Status};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    pub max_failed_recoveries: u32,
    pub min_preserved_fraction: f64,
    pub max_recovery_cost_fraction: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { max_failed_recoveries: 2, min_preserved_fraction: 0.25, max_recovery_cost_fraction: 0.8 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    TargetedRecovery,
    RetryAsIs,
    FullRestart,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::TargetedRecovery => "targeted_recovery",
            Verdict::RetryAsIs => "retry_as_is",
            Verdict::FullRestart => "full_restart",
        }
    }

    /// "targeted recovery", "retry as is", "full restart".
    pub fn words(self) -> &'static str {
        match self {
            Verdict::TargetedRecovery => "targeted recovery",
            Verdict::RetryAsIs => "retry as is",
            Verdict::FullRestart => "full restart",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    FixBatchOnly,
    FixThenContinue,
    WholePhase,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::FixBatchOnly => "fix_batch_only",
            Scope::FixThenContinue => "fix_then_continue",
            Scope::WholePhase => "whole_phase",
        }
    }
}

/// A user's answer to one question, with the reason given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Override {
    /// `yes` / `no` for Q2 and Q3.
    pub answer: bool,
    pub reason: String,
}

/// Everything the user said that changes the decision.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Overrides {
    /// `Q2` (later batches depend on the repair) and `Q3` (systemic) -> the user's answer.
    pub answers: BTreeMap<StepId, Override>,
    /// Confirmed / rejected inferred dependency edges, by `deps::edge_key`.
    pub edges: BTreeMap<String, EdgeVerdict>,
}

/// Recovery attempts so far, from the ledger.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    /// Job id -> number of failed recovery attempts.
    pub failed_recoveries: BTreeMap<String, u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RerunJob {
    pub job: String,
    pub batch: u32,
    pub outputs: Vec<String>,
    pub reason: String,
    pub class: String,
    /// A transient failure that says when a retry can succeed (a reset time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<RetryAfter>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub verdict: Verdict,
    pub escalated: bool,
    pub failing_batch: u32,
    pub scope: Scope,
    pub preserved_batches: Vec<u32>,
    pub rerun_jobs: Vec<RerunJob>,
    pub rerun_batches_after: Vec<u32>,
    pub continue_from_batch: Option<u32>,
    pub skip_validation_batches: Vec<u32>,
    pub rationale: Vec<Step>,
    pub cost: Comparison,
    pub warnings: Vec<String>,
    /// Later jobs that must re-run with the evidence why (part of the Q2 answer).
    #[serde(skip)]
    pub stale_jobs: BTreeMap<String, Vec<String>>,
    /// The dependency graph used.
    #[serde(skip)]
    pub graph: Graph,
    /// Fraction of the phase's work that the preserved batches hold.
    #[serde(skip)]
    pub preserved_fraction: f64,
    /// The measure of every comparison, and the figures that are estimates.
    #[serde(skip)]
    pub measure: Measure,
    #[serde(skip)]
    pub estimates: Vec<Estimate>,
    /// Interface mismatches across batches that were found.
    #[serde(skip)]
    pub mismatches: Vec<Mismatch>,
    /// Batches before N that are not all validated as passed (flagged for the checklist).
    #[serde(skip)]
    pub unvalidated_batches: Vec<u32>,
    /// Why each later batch runs again or is kept (Q2's evidence line about it).
    #[serde(skip)]
    pub batch_reasons: BTreeMap<u32, String>,
}

impl Decision {
    pub fn step(&self, id: StepId) -> Option<&Step> {
        self.rationale.iter().find(|s| s.step == id)
    }

    /// The rule that set the verdict.
    pub fn deciding(&self) -> Option<&Step> {
        self.rationale.iter().find(|s| s.decided == Some(true))
    }
}

pub struct Input<'a> {
    pub run: &'a Run,
    pub history: &'a History,
    pub thresholds: Thresholds,
    pub overrides: &'a Overrides,
    pub prices: Prices,
    /// The text of earlier batches' outputs, for interface mismatches (`interface::texts_wanted`
    /// says which; empty when none is needed).
    pub outputs: &'a OutputTexts,
}

/// A failed job's class, with an interface mismatch found across batches counted as architectural.
pub fn job_class(j: &Job, mismatches: &[Mismatch]) -> FailureClass {
    if mismatches.iter().any(|m| m.job == j.id) {
        FailureClass::Architectural
    } else {
        failure::job_class(j)
    }
}

/// Decide. `None` when nothing failed.
pub fn decide(input: &Input<'_>) -> Option<Decision> {
    let run = input.run;
    let q1 = questions::boundary(run)?;
    let n = q1.n;
    let graph = deps::infer(run, &input.overrides.edges);
    let mismatches = interface::find(run, input.outputs);
    let mut trail = vec![q1.step()];
    let q2 = questions::dependents(run, &q1, &graph, input.overrides);
    trail.push(q2.step.clone());
    let (systemic, q3) = questions::systemic(run, n, &mismatches, input.overrides);
    trail.push(q3);

    // Cost of both paths.
    let classes: Vec<(&str, FailureClass)> =
        q1.failed.iter().map(|j| (j.id.as_str(), job_class(j, &mismatches))).collect();
    let all_transient = classes.iter().all(|(_, c)| *c == FailureClass::Transient);
    let retry_after: Vec<(&str, RetryAfter)> =
        q1.failed.iter().filter_map(|j| failure::retry_after(j).map(|r| (j.id.as_str(), r))).collect();
    let model = CostModel::new(run);
    let prompt_tokens: u64 = if all_transient { 0 } else { q1.failed.iter().map(|j| recovery_prompt_tokens(j)).sum() };
    let scope_cost = RecoveryScope {
        repair: q1.failed.iter().map(|j| j.id.as_str()).collect(),
        then_run: q2.later_jobs.clone(),
        prompt_tokens,
    };
    let full = model.full_restart(run);
    let recovery = model.recovery(run, &scope_cost);
    let (rec_v, full_v) = match model.measure {
        Measure::Tokens => (recovery.tokens as f64, full.tokens as f64),
        Measure::Seconds => (recovery.seconds.unwrap_or(0.0), full.seconds.unwrap_or(0.0)),
        Measure::Jobs => ((scope_cost.repair.len() + scope_cost.then_run.len()) as f64, run.jobs().count() as f64),
    };
    let total_work: f64 = run.jobs().map(|j| model.value(&j.id)).sum::<f64>() + 0.0;
    let preserved_work: f64 = run
        .batches
        .iter()
        .filter(|b| q2.preserved.contains(&b.number))
        .flat_map(|b| b.jobs.iter())
        .map(|j| model.value(&j.id))
        .sum::<f64>()
        + 0.0;

    let facts = rules::Facts {
        failed: &q1.failed,
        history: input.history,
        thresholds: input.thresholds,
        systemic,
        measure: model.measure,
        preserved_work,
        total_work,
        preserved_batches: &q2.preserved,
        recovery: rec_v,
        full_restart: full_v,
        estimates: &model.estimates,
        classes: &classes,
        retry_after: &retry_after,
        estimate_lines: std::cell::OnceCell::new(),
    };
    let (rule_steps, verdict, escalated) = rules::evaluate(&facts);
    trail.extend(rule_steps);
    let cost = model.compare(run, full, recovery, input.prices, verdict == Verdict::FullRestart);
    let fraction = if total_work > 0.0 { preserved_work / total_work } else { 0.0 };

    let mut warnings = run.warnings.clone();
    if !q1.unvalidated.is_empty() {
        warnings.push(format!(
            "batch(es) {} before the failing batch are not all validated as passed",
            trail::list(&q1.unvalidated)
        ));
    }
    let rerun = |j: &Job| rerun_job(j, &mismatches, &retry_after);
    let restart = verdict == Verdict::FullRestart;
    Some(Decision {
        verdict,
        escalated: restart && escalated,
        failing_batch: n,
        scope: if restart { Scope::WholePhase } else { q2.scope },
        preserved_batches: if restart { vec![] } else { q2.preserved.clone() },
        rerun_jobs: if restart {
            run.jobs().map(rerun).collect()
        } else {
            q1.failed.iter().map(|j| rerun(j)).collect()
        },
        rerun_batches_after: if restart { vec![] } else { q2.rerun_after.iter().copied().collect() },
        continue_from_batch: if restart { Some(1) } else { q2.continue_from },
        skip_validation_batches: if restart { vec![] } else { q2.preserved.clone() },
        rationale: trail,
        cost,
        warnings,
        stale_jobs: q2.stale,
        graph,
        preserved_fraction: fraction,
        measure: model.measure,
        estimates: model.estimates,
        mismatches,
        unvalidated_batches: q1.unvalidated.clone(),
        batch_reasons: q2.batch_reasons,
    })
}

fn rerun_job(j: &Job, mismatches: &[Mismatch], retry_after: &[(&str, RetryAfter)]) -> RerunJob {
    let failed = j.result.status == Status::Failed;
    let class = if failed { job_class(j, mismatches).as_str().to_string() } else { String::new() };
    let reason = match (j.result.status, mismatches.iter().find(|m| m.job == j.id)) {
        (Status::Failed, Some(m)) => format!("{} ({})", failure::reason(j), m.summary()),
        (Status::Failed, None) => failure::reason(j),
        (Status::NotRun, _) => "full restart: never ran".to_string(),
        _ => "full restart".to_string(),
    };
    let retry_after = retry_after.iter().find(|(id, _)| *id == j.id).map(|(_, r)| r.clone());
    RerunJob { job: j.id.clone(), batch: j.batch, outputs: j.outputs.clone(), reason, class, retry_after }
}

/// Estimated size of the recovery prompt: the original prompt, the error and its context.
fn recovery_prompt_tokens(j: &Job) -> u64 {
    let prompt = j.prompt.as_ref().map(|p| p.text.len()).unwrap_or(0);
    let findings: usize = j.result.findings.iter().map(|f| f.message.len() + 80).sum();
    // Template text and gathered context (bounded in the prompt builder) ~ 6 KB.
    ((prompt * 2 + findings + 6000) / 4) as u64
}

#[cfg(test)]
mod tests;
