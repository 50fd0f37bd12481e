//! The three questions (DESIGN.md §6): Q1 the failure boundary, Q2 which later jobs depend on
//! the repair, Q3 whether the failure is systemic. Each returns its facts and its trail step.

use super::interface::Mismatch;
use super::trail::{list, list_or, yes_no, Step, StepId};
use super::{job_class, Overrides, Scope};
use crate::core::classify::FailureClass;
use crate::core::deps::Graph;
use crate::core::failure;
use crate::core::fasthash::FastSet;
use crate::core::model::{Job, Run, Status};
use std::collections::{BTreeMap, BTreeSet};

/// Q1: where the failure is, what is kept so far, what ran after it.
pub struct Boundary<'a> {
    pub n: u32,
    pub failed: Vec<&'a Job>,
    pub earlier: Vec<u32>,
    pub unvalidated: Vec<u32>,
    pub ran_after: Vec<u32>,
}

pub fn boundary(run: &Run) -> Option<Boundary<'_>> {
    let n = run
        .batches
        .iter()
        .filter(|b| b.jobs.iter().any(|j| j.result.status == Status::Failed))
        .map(|b| b.number)
        .min()?;
    let failed: Vec<&Job> = run.batch(n)?.jobs.iter().filter(|j| j.result.status == Status::Failed).collect();
    let earlier: Vec<u32> = run.batches.iter().filter(|b| b.number < n).map(|b| b.number).collect();
    let unvalidated: Vec<u32> = run
        .batches
        .iter()
        .filter(|b| b.number < n && (b.status() != Status::Passed || !b.jobs.iter().all(is_validated)))
        .map(|b| b.number)
        .collect();
    let ran_after: Vec<u32> = run.batches.iter().filter(|b| b.number > n && b.ran()).map(|b| b.number).collect();
    Some(Boundary { n, failed, earlier, unvalidated, ran_after })
}

/// A job counts as validated when a report checked it or it has validation commands and passed.
/// (The readers record a report's check in `matched_by`; this is the one place that reads it.)
fn is_validated(j: &Job) -> bool {
    j.matched_by.iter().any(|m| m.starts_with("validated by "))
        || (!j.validate.is_empty() && j.result.status == Status::Passed)
}

impl Boundary<'_> {
    pub fn step(&self) -> Step {
        let n = self.n;
        let mut ev = vec![format!(
            "batch {n} is the lowest-numbered batch with a failed job: {}",
            self.failed.iter().map(|j| format!("{} ({})", j.id, failure::reason(j))).collect::<Vec<_>>().join("; ")
        )];
        if !self.unvalidated.is_empty() {
            ev.push(format!(
                "not validated or not all passed before batch {n}: {} (flagged for the checklist)",
                list(&self.unvalidated)
            ));
        }
        ev.push(if self.ran_after.is_empty() {
            format!("no batch after {n} has run yet")
        } else {
            format!("batches after {n} that already ran: {}", list(&self.ran_after))
        });
        Step::question(
            StepId::Q1,
            "Where is the failure boundary?",
            format!(
                "batch {n} failed; kept so far: {}; ran after it: {}",
                list_or(&self.earlier, "none"),
                list_or(&self.ran_after, "none")
            ),
            ev,
        )
    }
}

/// Q2: the later jobs that must run again, the batches kept, and the scope.
pub struct Dependents<'a> {
    /// Later jobs that ran and read what the repair changes (directly or through another
    /// stale job), with the evidence why.
    pub stale: BTreeMap<String, Vec<String>>,
    /// Batches holding stale jobs or failed jobs of their own.
    pub rerun_after: BTreeSet<u32>,
    /// Later batches that never ran (or did not finish).
    pub to_run_after: BTreeSet<u32>,
    pub preserved: Vec<u32>,
    pub continue_from: Option<u32>,
    pub scope: Scope,
    /// Every later job a recovery still runs: the stale ones and every job not passed.
    pub later_jobs: BTreeSet<&'a str>,
    /// Why each later batch runs again, or is kept (the evidence line about it).
    pub batch_reasons: BTreeMap<u32, String>,
    pub step: Step,
}

pub fn dependents<'a>(run: &'a Run, q1: &Boundary<'_>, graph: &Graph, overrides: &Overrides) -> Dependents<'a> {
    let n = q1.n;
    let repaired: BTreeSet<String> = q1.failed.iter().map(|j| j.id.clone()).collect();
    let readers = graph.readers_of(run, &repaired, n);
    // Only jobs that ran and passed can be stale; the others run after the fix anyway.
    let passed: FastSet<&str> =
        run.jobs().filter(|j| j.result.status == Status::Passed).map(|j| j.id.as_str()).collect();
    let mut stale: BTreeMap<String, Vec<String>> =
        readers.iter().filter(|(id, _)| passed.contains(id.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect();
    let q2_override = overrides.answers.get(&StepId::Q2);
    if let Some(o) = q2_override {
        if o.answer {
            for b in run.batches.iter().filter(|b| b.number > n && b.ran()) {
                for j in b.jobs.iter().filter(|j| j.result.status == Status::Passed) {
                    stale.entry(j.id.clone()).or_default().push(format!("user: {}", o.reason));
                }
            }
        } else {
            stale.clear();
        }
    }
    let mut rerun_after = BTreeSet::new();
    let mut to_run_after = BTreeSet::new();
    let mut preserved = q1.earlier.clone();
    let mut ev = Vec::new();
    let mut stale_named: Vec<String> = Vec::new();
    let mut batch_reasons = BTreeMap::new();
    for b in run.batches.iter().filter(|b| b.number > n) {
        let first = ev.len();
        let stale_here: Vec<&Job> = b.jobs.iter().filter(|j| stale.contains_key(&j.id)).collect();
        let failed_here = b.jobs.iter().any(|j| j.result.status == Status::Failed);
        let unfinished = b.jobs.iter().any(|j| !matches!(j.result.status, Status::Passed | Status::Failed));
        if !stale_here.is_empty() {
            rerun_after.insert(b.number);
            let kept = b.jobs.len() - stale_here.len();
            for j in &stale_here {
                ev.push(format!(
                    "batch {} must re-run: {} reads what the repair changes ({})",
                    b.number,
                    j.id,
                    stale[&j.id].join("; ")
                ));
            }
            if kept > 0 {
                ev.push(format!(
                    "batch {}: the other {kept} job(s) read nothing the repair changes and are kept",
                    b.number
                ));
            }
            stale_named.push(format!(
                "{} (batch {})",
                stale_here.iter().map(|j| j.id.as_str()).collect::<Vec<_>>().join(", "),
                b.number
            ));
        } else if failed_here {
            rerun_after.insert(b.number);
            ev.push(format!("batch {} must run again: it has failed jobs of its own", b.number));
        } else if !b.ran() || unfinished {
            to_run_after.insert(b.number);
            let readers: Vec<&str> =
                b.jobs.iter().filter(|j| readers.contains_key(&j.id)).map(|j| j.id.as_str()).collect();
            ev.push(if readers.is_empty() {
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
            ev.push(format!("batch {} ran, passed and reads nothing the repair changes: kept", b.number));
        }
        if let Some(line) = ev.get(first) {
            batch_reasons.insert(b.number, line.clone());
        }
    }
    for e in graph.edges.iter().filter(|e| repaired.contains(&e.writer)) {
        ev.push(format!("edge: {}", e.evidence));
    }
    for e in graph.evidence_only.iter().filter(|e| repaired.contains(&e.writer)) {
        ev.push(format!("not an edge (the manifest declares the dependencies): {}", e.evidence));
    }
    for e in graph.rejected.iter().filter(|e| repaired.contains(&e.writer)) {
        ev.push(format!("rejected by the user: {}", e.evidence));
    }
    let depends = !stale.is_empty();
    let continue_from = rerun_after.iter().chain(to_run_after.iter()).min().copied();
    let scope = if continue_from.is_some() { Scope::FixThenContinue } else { Scope::FixBatchOnly };
    let later_jobs: BTreeSet<&str> = run
        .batches
        .iter()
        .filter(|b| rerun_after.contains(&b.number) || to_run_after.contains(&b.number))
        .flat_map(|b| b.jobs.iter())
        .filter(|j| stale.contains_key(&j.id) || j.result.status != Status::Passed)
        .map(|j| j.id.as_str())
        .collect();
    let answer = format!(
        "{}; scope {}{}",
        if depends { format!("yes: re-run {}", stale_named.join("; ")) } else { "no".to_string() },
        scope.as_str(),
        continue_from.map(|c| format!(", continue from batch {c}")).unwrap_or_default()
    );
    let mut step =
        Step::question(StepId::Q2, &format!("Do batches after {n} depend on what the repair will change?"), answer, ev);
    step.overridden = q2_override.map(|o| o.reason.clone());
    step.yes = Some(depends);
    preserved.sort_unstable();
    Dependents { stale, rerun_after, to_run_after, preserved, continue_from, scope, later_jobs, batch_reasons, step }
}

/// Q3: an architectural class (an interface mismatch found across batches included), a cascade
/// (the same error in two batches, or in most jobs of N), or the user's word.
pub fn systemic(run: &Run, n: u32, mismatches: &[Mismatch], overrides: &Overrides) -> (bool, Step) {
    let mut ev = Vec::new();
    let failed: Vec<&Job> = run.jobs().filter(|j| j.result.status == Status::Failed).collect();
    let arch: Vec<&&Job> = failed.iter().filter(|j| job_class(j, mismatches) == FailureClass::Architectural).collect();
    for j in &arch {
        let found: Vec<&Mismatch> = mismatches.iter().filter(|m| m.job == j.id).collect();
        if found.is_empty() {
            ev.push(format!("{} is classed architectural: {}", j.id, failure::reason(j)));
        }
        for m in found {
            ev.push(format!("{} is classed architectural: {}", j.id, m.summary()));
            ev.push(format!("  defined at {} ({} of batch {})", m.definition, m.writer, m.writer_batch));
            ev.push(format!("  used at {}: {}", m.use_at, m.error));
        }
    }
    // Signatures of code defects only: a rate limit hitting every job is transient, not systemic.
    let mut by_sig: BTreeMap<String, Vec<&Job>> = BTreeMap::new();
    for j in &failed {
        let c = job_class(j, mismatches);
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
        let classes: BTreeSet<&str> = failed.iter().map(|j| job_class(j, mismatches).as_str()).collect();
        ev.push(format!(
            "no architectural failure; no error repeats across batches or in most jobs of batch {n} (classes: {})",
            classes.into_iter().collect::<Vec<_>>().join(", ")
        ));
    }
    let found = !arch.is_empty() || cascade;
    let o = overrides.answers.get(&StepId::Q3);
    let yes = o.map(|o| o.answer).unwrap_or(found);
    let mut step = Step::question(
        StepId::Q3,
        "Is the failure systemic (architectural, cascading, or a wrong specification)?",
        yes_no(yes).into(),
        ev,
    );
    step.overridden = o.map(|o| o.reason.clone());
    step.yes = Some(yes);
    (yes, step)
}
