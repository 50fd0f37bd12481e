//! The decision tree (DESIGN.md §6): failing batch N, questions Q1–Q3, verdict rules 1–7.
//! Deterministic: the same Run, history, thresholds and overrides give the same Decision.

use super::classify::FailureClass;
use super::cost::{Comparison, CostModel, Prices, RecoveryScope};
use super::deps::{self, EdgeVerdict, Graph};
use super::failure;
use super::model::{Job, Run, Status};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
    pub answers: BTreeMap<String, Override>,
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
pub struct Step {
    /// `Q1`..`Q3`, `R1`..`R7`.
    pub step: String,
    pub question: String,
    pub answer: String,
    pub evidence: Vec<String>,
    /// The user's reason when the answer was overridden.
    pub overridden: Option<String>,
    /// For rules: whether the rule fired (the first that fires sets the verdict).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fired: Option<bool>,
    /// For rules: whether this is the rule that set the verdict (exactly one is).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RerunJob {
    pub job: String,
    pub batch: u32,
    pub outputs: Vec<String>,
    pub reason: String,
    pub class: String,
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
}

pub struct Input<'a> {
    pub run: &'a Run,
    pub history: &'a History,
    pub thresholds: Thresholds,
    pub overrides: &'a Overrides,
    pub prices: Prices,
}

/// Decide. `None` when nothing failed.
pub fn decide(input: &Input<'_>) -> Option<Decision> {
    let run = input.run;
    let n = run
        .batches
        .iter()
        .filter(|b| b.jobs.iter().any(|j| j.result.status == Status::Failed))
        .map(|b| b.number)
        .min()?;
    let failed: Vec<&Job> = run.batch(n)?.jobs.iter().filter(|j| j.result.status == Status::Failed).collect();
    let graph = deps::infer(run, &input.overrides.edges);
    let model = CostModel::new(run);
    let mut trail = Vec::new();

    // Q1 — the failure boundary.
    let earlier: Vec<u32> = run.batches.iter().filter(|b| b.number < n).map(|b| b.number).collect();
    let unvalidated: Vec<u32> = run
        .batches
        .iter()
        .filter(|b| b.number < n && (b.status() != Status::Passed || !b.jobs.iter().all(is_validated)))
        .map(|b| b.number)
        .collect();
    let ran_after: Vec<u32> = run.batches.iter().filter(|b| b.number > n && b.ran()).map(|b| b.number).collect();
    let mut ev = vec![format!(
        "batch {n} is the lowest-numbered batch with a failed job: {}",
        failed.iter().map(|j| format!("{} ({})", j.id, failure::reason(j))).collect::<Vec<_>>().join("; ")
    )];
    if !unvalidated.is_empty() {
        ev.push(format!(
            "not validated or not all passed before batch {n}: {} (flagged for the checklist)",
            list(&unvalidated)
        ));
    }
    ev.push(if ran_after.is_empty() {
        format!("no batch after {n} has run yet")
    } else {
        format!("batches after {n} that already ran: {}", list(&ran_after))
    });
    trail.push(step(
        "Q1",
        "Where is the failure boundary?",
        format!(
            "batch {n} failed; kept so far: {}; ran after it: {}",
            list_or(&earlier, "none"),
            list_or(&ran_after, "none")
        ),
        ev,
        None,
    ));

    // Q2 — do later batches depend on what the repair changes?
    let repaired: BTreeSet<String> = failed.iter().map(|j| j.id.clone()).collect();
    let mut stale = graph.readers_of(run, &repaired, n);
    let q2_override = input.overrides.answers.get("Q2");
    if let Some(o) = q2_override {
        if o.answer {
            for b in run.batches.iter().filter(|b| b.number > n && b.ran()) {
                for j in &b.jobs {
                    stale.entry(j.id.clone()).or_default().push(format!("user: {}", o.reason));
                }
            }
        } else {
            stale.clear();
        }
    }
    let mut rerun_after: BTreeSet<u32> = BTreeSet::new();
    let mut to_run_after: BTreeSet<u32> = BTreeSet::new();
    let mut preserved: Vec<u32> = earlier.clone();
    let mut q2_ev = Vec::new();
    for b in run.batches.iter().filter(|b| b.number > n) {
        let stale_here: Vec<&Job> =
            b.jobs.iter().filter(|j| j.result.status.ran() && stale.contains_key(&j.id)).collect();
        let failed_here = b.jobs.iter().any(|j| j.result.status == Status::Failed);
        let unfinished = b.jobs.iter().any(|j| !matches!(j.result.status, Status::Passed | Status::Failed));
        if !stale_here.is_empty() {
            rerun_after.insert(b.number);
            for j in stale_here {
                q2_ev.push(format!(
                    "batch {} must re-run: {} reads what the repair changes ({})",
                    b.number,
                    j.id,
                    stale[&j.id].join("; ")
                ));
            }
        } else if failed_here {
            rerun_after.insert(b.number);
            q2_ev.push(format!("batch {} must run again: it has failed jobs of its own", b.number));
        } else if !b.ran() || unfinished {
            to_run_after.insert(b.number);
            let readers: Vec<&str> =
                b.jobs.iter().filter(|j| stale.contains_key(&j.id)).map(|j| j.id.as_str()).collect();
            q2_ev.push(if readers.is_empty() {
                format!("batch {} has not run yet; it runs after the fix", b.number)
            } else {
                format!(
                    "batch {} has not run yet and reads the repaired output ({}); it runs after the fix",
                    b.number,
                    readers.join(", ")
                )
            });
        } else {
            preserved.push(b.number);
            q2_ev.push(format!("batch {} ran, passed and reads nothing the repair changes: kept", b.number));
        }
    }
    for e in graph.edges.iter().filter(|e| repaired.contains(&e.writer)) {
        q2_ev.push(format!("edge: {}", e.evidence));
    }
    for e in graph.rejected.iter().filter(|e| repaired.contains(&e.writer)) {
        q2_ev.push(format!("rejected by the user: {}", e.evidence));
    }
    let depends = !rerun_after.is_empty()
        && rerun_after.iter().any(|b| run.batch(*b).is_some_and(|b| b.jobs.iter().any(|j| stale.contains_key(&j.id))));
    let continue_from = rerun_after.iter().chain(to_run_after.iter()).min().copied();
    let scope = if continue_from.is_some() { Scope::FixThenContinue } else { Scope::FixBatchOnly };
    trail.push(step(
        "Q2",
        &format!("Do batches after {n} depend on what the repair will change?"),
        format!(
            "{}; scope {}{}",
            if depends {
                format!("yes: re-run {}", list(&rerun_after.iter().copied().collect::<Vec<_>>()))
            } else {
                "no".to_string()
            },
            scope.as_str(),
            continue_from.map(|c| format!(", continue from batch {c}")).unwrap_or_default()
        ),
        q2_ev,
        q2_override.map(|o| o.reason.clone()),
    ));

    // Q3 — is the failure systemic?
    let (systemic, q3_ev) = systemic(run, n);
    let q3_override = input.overrides.answers.get("Q3");
    let systemic = q3_override.map(|o| o.answer).unwrap_or(systemic);
    trail.push(step(
        "Q3",
        "Is the failure systemic (architectural, cascading, or a wrong specification)?",
        if systemic { "yes".into() } else { "no".into() },
        q3_ev,
        q3_override.map(|o| o.reason.clone()),
    ));

    // Cost of both paths.
    let all_failed_transient = failed.iter().all(|j| failure::job_class(j) == FailureClass::Transient);
    // Later jobs the recovery still runs: stale readers that ran, and every job not yet passed.
    let later_jobs: BTreeSet<&str> = run
        .batches
        .iter()
        .filter(|b| rerun_after.contains(&b.number) || to_run_after.contains(&b.number))
        .flat_map(|b| b.jobs.iter())
        .filter(|j| stale.contains_key(&j.id) || j.result.status != Status::Passed)
        .map(|j| j.id.as_str())
        .collect();
    let prompt_tokens: u64 =
        if all_failed_transient { 0 } else { failed.iter().map(|j| recovery_prompt_tokens(j)).sum() };
    let scope_cost =
        RecoveryScope { repair: failed.iter().map(|j| j.id.as_str()).collect(), then_run: later_jobs, prompt_tokens };
    let full = model.full_restart(run);
    let recovery = model.recovery(run, &scope_cost);
    let cost = model.compare(run, full, recovery, input.prices);

    // Verdict rules, in order.
    let mut verdict: Option<(Verdict, bool)> = None;
    let mut fire = |trail: &mut Vec<Step>,
                    id: &str,
                    q: &str,
                    fires: bool,
                    answer: String,
                    ev: Vec<String>,
                    v: Verdict,
                    escalated: bool| {
        // Rule 7's condition is that no rule before it fired.
        let fires = if id == "R7" { verdict.is_none() } else { fires };
        let first = fires && verdict.is_none();
        if first {
            verdict = Some((v, escalated));
        }
        let mut s = step(id, q, answer, ev, None);
        s.fired = Some(fires);
        s.decided = Some(first);
        trail.push(s);
        first
    };

    let max = input.thresholds.max_failed_recoveries;
    let exhausted: Vec<String> = failed
        .iter()
        .filter_map(|j| {
            input
                .history
                .failed_recoveries
                .get(&j.id)
                .filter(|c| **c >= max)
                .map(|c| format!("{} has {c} failed recovery attempts (limit {max})", j.id))
        })
        .collect();
    fire(
        &mut trail,
        "R1",
        "Escalation: has a failed job used up its recovery attempts?",
        !exhausted.is_empty(),
        if exhausted.is_empty() {
            "no".into()
        } else {
            "yes: full restart, escalated; never a third recovery of that job".into()
        },
        if exhausted.is_empty() {
            failed
                .iter()
                .map(|j| {
                    format!(
                        "{}: {} failed recovery attempt(s) of {max}",
                        j.id,
                        input.history.failed_recoveries.get(&j.id).copied().unwrap_or(0)
                    )
                })
                .collect()
        } else {
            exhausted.clone()
        },
        Verdict::FullRestart,
        true,
    );
    fire(
        &mut trail,
        "R2",
        "Systemic: is Q3 yes?",
        systemic,
        if systemic {
            "yes: recovery cannot fix it; find the root cause and fix the specification first".into()
        } else {
            "no".into()
        },
        vec![],
        Verdict::FullRestart,
        false,
    );
    let unidentifiable: Vec<String> = failed
        .iter()
        .flat_map(|j| {
            let mut v = Vec::new();
            if j.prompt.as_ref().is_none_or(|p| p.text.trim().is_empty()) {
                v.push(format!("{}: original prompt not found", j.id));
            }
            if j.outputs.is_empty() {
                v.push(format!("{}: output file not named", j.id));
            }
            v
        })
        .collect();
    fire(
        &mut trail,
        "R3",
        "Unidentifiable: does a failed job lack its prompt or its output file?",
        !unidentifiable.is_empty(),
        if unidentifiable.is_empty() {
            "no: every failed job has its prompt and output".into()
        } else {
            "yes: full restart unless they are supplied".into()
        },
        unidentifiable,
        Verdict::FullRestart,
        false,
    );
    let total_work: f64 = run.jobs().map(|j| model.value(&j.id)).sum::<f64>() + 0.0;
    let preserved_work: f64 = run
        .batches
        .iter()
        .filter(|b| preserved.contains(&b.number))
        .flat_map(|b| b.jobs.iter())
        .map(|j| model.value(&j.id))
        .sum::<f64>()
        + 0.0;
    let fraction = if total_work > 0.0 { preserved_work / total_work } else { 0.0 };
    let little = fraction < input.thresholds.min_preserved_fraction;
    let unit = measure_unit(model.measure);
    fire(
        &mut trail,
        "R4",
        "Little to preserve: is the preserved work below the minimum share of the phase?",
        little,
        format!(
            "{}: preserved {} of {} {unit} ({:.1}%, minimum {:.0}%)",
            if little { "yes" } else { "no" },
            fmt_num(preserved_work),
            fmt_num(total_work),
            fraction * 100.0,
            input.thresholds.min_preserved_fraction * 100.0
        ),
        vec![format!("preserved batches: {}", list_or(&preserved, "none"))],
        Verdict::FullRestart,
        false,
    );
    let (rec_v, full_v) = match model.measure {
        super::cost::Measure::Seconds => (cost.recovery.seconds, cost.full_restart.seconds),
        _ => (cost.recovery.tokens as f64, cost.full_restart.tokens as f64),
    };
    let (rec_v, full_v) = if model.measure == super::cost::Measure::Jobs {
        ((scope_cost.repair.len() + scope_cost.then_run.len()) as f64, run.jobs().count() as f64)
    } else {
        (rec_v, full_v)
    };
    let ratio = if full_v > 0.0 { rec_v / full_v } else { 1.0 };
    let not_cheaper = ratio >= input.thresholds.max_recovery_cost_fraction;
    fire(
        &mut trail,
        "R5",
        "Recovery not cheaper: does recovery cost at least the maximum share of a full restart?",
        not_cheaper,
        format!(
            "{}: recovery {} vs full restart {} {unit} ({:.1}%, maximum {:.0}%)",
            if not_cheaper { "yes" } else { "no" },
            fmt_num(rec_v),
            fmt_num(full_v),
            ratio * 100.0,
            input.thresholds.max_recovery_cost_fraction * 100.0
        ),
        vec![],
        Verdict::FullRestart,
        false,
    );
    fire(
        &mut trail,
        "R6",
        "Transient: is every failed job's failure transient (rate limit, network, timeout)?",
        all_failed_transient,
        if all_failed_transient { "yes: retry the same prompt as is".into() } else { "no".into() },
        failed.iter().map(|j| format!("{}: {}", j.id, failure::job_class(j).as_str())).collect(),
        Verdict::RetryAsIs,
        false,
    );
    fire(
        &mut trail,
        "R7",
        "Otherwise: targeted recovery.",
        true,
        "targeted recovery of the failed jobs".into(),
        vec![],
        Verdict::TargetedRecovery,
        false,
    );
    let (verdict, escalated) = verdict.unwrap_or((Verdict::TargetedRecovery, false));

    let mut warnings = run.warnings.clone();
    if !unvalidated.is_empty() {
        warnings
            .push(format!("batch(es) {} before the failing batch are not all validated as passed", list(&unvalidated)));
    }
    preserved.sort_unstable();
    let decision = if verdict == Verdict::FullRestart {
        Decision {
            verdict,
            escalated,
            failing_batch: n,
            scope: Scope::WholePhase,
            preserved_batches: vec![],
            rerun_jobs: run.jobs().map(rerun_job).collect(),
            rerun_batches_after: vec![],
            continue_from_batch: Some(1),
            skip_validation_batches: vec![],
            rationale: trail,
            cost,
            warnings,
            stale_jobs: stale,
            graph,
            preserved_fraction: fraction,
        }
    } else {
        Decision {
            verdict,
            escalated: false,
            failing_batch: n,
            scope,
            preserved_batches: preserved.clone(),
            rerun_jobs: failed.iter().map(|j| rerun_job(j)).collect(),
            rerun_batches_after: rerun_after.into_iter().collect(),
            continue_from_batch: continue_from,
            skip_validation_batches: preserved,
            rationale: trail,
            cost,
            warnings,
            stale_jobs: stale,
            graph,
            preserved_fraction: fraction,
        }
    };
    Some(decision)
}

fn rerun_job(j: &Job) -> RerunJob {
    let class =
        if j.result.status == Status::Failed { failure::job_class(j).as_str().to_string() } else { String::new() };
    let reason = match j.result.status {
        Status::Failed => failure::reason(j),
        Status::NotRun => "full restart: never ran".to_string(),
        _ => "full restart".to_string(),
    };
    RerunJob { job: j.id.clone(), batch: j.batch, outputs: j.outputs.clone(), reason, class }
}

/// A job counts as validated when a report checked it or it has validation commands and passed.
fn is_validated(j: &Job) -> bool {
    j.matched_by.iter().any(|m| m.starts_with("validated by "))
        || (!j.validate.is_empty() && j.result.status == Status::Passed)
}

/// Q3: architectural class, or the same error signature across batches / in most jobs of N.
fn systemic(run: &Run, n: u32) -> (bool, Vec<String>) {
    let mut ev = Vec::new();
    let failed: Vec<&Job> = run.jobs().filter(|j| j.result.status == Status::Failed).collect();
    let arch: Vec<&&Job> = failed.iter().filter(|j| failure::job_class(j) == FailureClass::Architectural).collect();
    for j in &arch {
        ev.push(format!("{} is classed architectural: {}", j.id, failure::reason(j)));
    }
    // Signatures of code defects only: a rate limit hitting every job is transient, not systemic.
    let mut by_sig: BTreeMap<String, Vec<&Job>> = BTreeMap::new();
    for j in &failed {
        let c = failure::job_class(j);
        if matches!(
            c,
            FailureClass::Transient | FailureClass::Sandbox | FailureClass::Context | FailureClass::MissingOutput
        ) {
            continue;
        }
        if let Some(s) = failure::signature(j) {
            by_sig.entry(s).or_default().push(j);
        }
    }
    let mut cascade = false;
    let n_jobs = run.batch(n).map(|b| b.jobs.len()).unwrap_or(0);
    for jobs in by_sig.values() {
        let batches: BTreeSet<u32> = jobs.iter().map(|j| j.batch).collect();
        let in_n = jobs.iter().filter(|j| j.batch == n).count();
        if batches.len() >= 2 {
            cascade = true;
            ev.push(format!(
                "the same error in batches {}: {} ({})",
                list(&batches.iter().copied().collect::<Vec<_>>()),
                jobs.iter().map(|j| j.id.as_str()).collect::<Vec<_>>().join(", "),
                failure::reason(jobs[0])
            ));
        } else if in_n >= 2 && in_n * 2 > n_jobs {
            cascade = true;
            ev.push(format!("the same error in {in_n} of {n_jobs} jobs of batch {n}: {}", failure::reason(jobs[0])));
        }
    }
    if arch.is_empty() && !cascade {
        let classes: BTreeSet<&str> = failed.iter().map(|j| failure::job_class(j).as_str()).collect();
        ev.push(format!(
            "no architectural failure; no error repeats across batches or in most jobs of batch {n} (classes: {})",
            classes.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    (!arch.is_empty() || cascade, ev)
}

/// Estimated size of the recovery prompt: the original prompt, the error and its context.
fn recovery_prompt_tokens(j: &Job) -> u64 {
    let prompt = j.prompt.as_ref().map(|p| p.text.len()).unwrap_or(0);
    let findings: usize = j.result.findings.iter().map(|f| f.message.len() + 80).sum();
    // Template text and gathered context (bounded in the prompt builder) ~ 6 KB.
    ((prompt * 2 + findings + 6000) / 4) as u64
}

fn step(id: &str, q: &str, answer: String, evidence: Vec<String>, overridden: Option<String>) -> Step {
    Step { step: id.into(), question: q.into(), answer, evidence, overridden, fired: None, decided: None }
}

fn list(v: &[u32]) -> String {
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

fn list_or(v: &[u32], none: &str) -> String {
    if v.is_empty() {
        none.into()
    } else {
        list(v)
    }
}

fn measure_unit(m: super::cost::Measure) -> &'static str {
    match m {
        super::cost::Measure::Tokens => "tokens",
        super::cost::Measure::Seconds => "seconds",
        super::cost::Measure::Jobs => "jobs",
    }
}

fn fmt_num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

#[cfg(test)]
#[path = "decide_tests.rs"]
mod tests;
