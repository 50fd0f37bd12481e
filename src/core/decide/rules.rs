//! The verdict rules (DESIGN.md §6), as a table evaluated in order: the first rule that fires
//! sets the verdict; every rule is recorded with its evidence. Adding a rule = one `RuleId`,
//! one entry in `RULES`, one function, one test.

use super::trail::{fmt_num, yes_no, Step, StepId};
use super::{History, RetryAfter, Thresholds, Verdict};
use crate::core::classify::FailureClass;
use crate::core::cost::{Estimate, Measure};
use crate::core::model::Job;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleId {
    Escalation,
    Systemic,
    Unidentifiable,
    LittleToPreserve,
    RecoveryNotCheaper,
    Transient,
    Otherwise,
}

impl RuleId {
    pub fn step(self) -> StepId {
        match self {
            RuleId::Escalation => StepId::R1,
            RuleId::Systemic => StepId::R2,
            RuleId::Unidentifiable => StepId::R3,
            RuleId::LittleToPreserve => StepId::R4,
            RuleId::RecoveryNotCheaper => StepId::R5,
            RuleId::Transient => StepId::R6,
            RuleId::Otherwise => StepId::R7,
        }
    }
}

/// What the rules look at, gathered once by `decide`.
pub struct Facts<'a> {
    pub failed: &'a [&'a Job],
    pub history: &'a History,
    pub thresholds: Thresholds,
    /// Q3's answer (after any override).
    pub systemic: bool,
    pub measure: Measure,
    pub preserved_work: f64,
    pub total_work: f64,
    pub preserved_batches: &'a [u32],
    /// Recovery and full restart in the measure.
    pub recovery: f64,
    pub full_restart: f64,
    pub estimates: &'a [Estimate],
    /// Each failed job's class.
    pub classes: &'a [(&'a str, FailureClass)],
    /// When a transient failure says a retry can succeed.
    pub retry_after: &'a [(&'a str, RetryAfter)],
    /// `estimates`' lines, written once: two rules show them, and a wide run has thousands.
    pub estimate_lines: std::cell::OnceCell<(String, Vec<String>)>,
}

/// A rule's finding: whether its condition holds, its answer, its evidence.
pub struct Check {
    pub fires: bool,
    pub answer: String,
    pub evidence: Vec<String>,
}

pub struct Rule {
    pub id: RuleId,
    pub question: &'static str,
    pub verdict: Verdict,
    /// The verdict is an escalation (rule 1).
    pub escalates: bool,
    /// `fired_before`: whether a rule before this one fired.
    pub check: fn(&Facts<'_>, bool) -> Check,
}

pub const RULES: [Rule; 7] = [
    Rule {
        id: RuleId::Escalation,
        question: "Escalation: has a failed job used up its recovery attempts?",
        verdict: Verdict::FullRestart,
        escalates: true,
        check: escalation,
    },
    Rule {
        id: RuleId::Systemic,
        question: "Systemic: is Q3 yes?",
        verdict: Verdict::FullRestart,
        escalates: false,
        check: systemic,
    },
    Rule {
        id: RuleId::Unidentifiable,
        question: "Unidentifiable: does a failed job lack its prompt or its output file?",
        verdict: Verdict::FullRestart,
        escalates: false,
        check: unidentifiable,
    },
    Rule {
        id: RuleId::LittleToPreserve,
        question: "Little to preserve: is the preserved work below the minimum share of the phase?",
        verdict: Verdict::FullRestart,
        escalates: false,
        check: little_to_preserve,
    },
    Rule {
        id: RuleId::RecoveryNotCheaper,
        question: "Recovery not cheaper: does recovery cost at least the maximum share of a full restart?",
        verdict: Verdict::FullRestart,
        escalates: false,
        check: recovery_not_cheaper,
    },
    Rule {
        id: RuleId::Transient,
        question: "Transient: is every failed job's failure transient (rate limit, network, timeout)?",
        verdict: Verdict::RetryAsIs,
        escalates: false,
        check: transient,
    },
    Rule {
        id: RuleId::Otherwise,
        question: "Otherwise: targeted recovery.",
        verdict: Verdict::TargetedRecovery,
        escalates: false,
        check: otherwise,
    },
];

/// Evaluate the table: the trail steps, the verdict and whether it is an escalation.
pub fn evaluate(f: &Facts<'_>) -> (Vec<Step>, Verdict, bool) {
    let mut steps = Vec::with_capacity(RULES.len());
    let mut decided: Option<&Rule> = None;
    for rule in &RULES {
        let c = (rule.check)(f, decided.is_some());
        let first = c.fires && decided.is_none();
        if first {
            decided = Some(rule);
        }
        let mut s = Step::question(rule.id.step(), rule.question, c.answer, c.evidence);
        s.fired = Some(c.fires);
        s.decided = Some(first);
        s.yes = Some(c.fires);
        steps.push(s);
    }
    let (verdict, escalated) = decided.map(|r| (r.verdict, r.escalates)).unwrap_or((Verdict::TargetedRecovery, false));
    (steps, verdict, escalated)
}

fn escalation(f: &Facts<'_>, _: bool) -> Check {
    let max = f.thresholds.max_failed_recoveries;
    let count = |j: &Job| f.history.failed_recoveries.get(&j.id).copied().unwrap_or(0);
    let exhausted: Vec<String> = f
        .failed
        .iter()
        .filter(|j| count(j) >= max)
        .map(|j| {
            format!(
                "{} has {} (limit {max})",
                j.id,
                crate::core::words::count(count(j) as usize, "failed recovery attempt")
            )
        })
        .collect();
    if exhausted.is_empty() {
        Check {
            fires: false,
            answer: "no".into(),
            evidence: f
                .failed
                .iter()
                .map(|j| {
                    format!(
                        "{}: {} of {max}",
                        j.id,
                        crate::core::words::count(count(j) as usize, "failed recovery attempt")
                    )
                })
                .collect(),
        }
    } else {
        Check {
            fires: true,
            answer: "yes: full restart, escalated; never a third recovery of that job".into(),
            evidence: exhausted,
        }
    }
}

fn systemic(f: &Facts<'_>, _: bool) -> Check {
    let answer = if f.systemic {
        "yes: recovery cannot fix it; find the root cause and fix the specification first".into()
    } else {
        "no".into()
    };
    Check { fires: f.systemic, answer, evidence: vec![format!("Q3 answered {}", yes_no(f.systemic))] }
}

fn unidentifiable(f: &Facts<'_>, _: bool) -> Check {
    let mut ev = Vec::new();
    for j in f.failed {
        if j.prompt.as_ref().is_none_or(|p| p.text.trim().is_empty()) {
            ev.push(format!("{}: original prompt not found", j.id));
        }
        if j.outputs.is_empty() {
            ev.push(format!("{}: output file not named", j.id));
        }
    }
    if ev.is_empty() {
        Check { fires: false, answer: "no: every failed job has its prompt and output".into(), evidence: ev }
    } else {
        Check { fires: true, answer: "yes: full restart unless they are supplied".into(), evidence: ev }
    }
}

/// "; 2 figures estimated" and one evidence line per estimate.
fn estimates(f: &Facts<'_>) -> (String, Vec<String>) {
    f.estimate_lines
        .get_or_init(|| {
            if f.estimates.is_empty() {
                return (String::new(), Vec::new());
            }
            let unit = f.measure.unit();
            let lines = crate::core::cost::group_estimates(f.estimates)
                .iter()
                .map(|g| format!("estimated: {}", g.describe(unit, |j| j.to_string())))
                .collect();
            (format!("; {} figure(s) estimated", f.estimates.len()), lines)
        })
        .clone()
}

fn little_to_preserve(f: &Facts<'_>, _: bool) -> Check {
    let fraction = if f.total_work > 0.0 { f.preserved_work / f.total_work } else { 0.0 };
    let little = fraction < f.thresholds.min_preserved_fraction;
    let (est, mut ev) = estimates(f);
    ev.insert(0, format!("preserved batches: {}", super::trail::list_or(f.preserved_batches, "none")));
    Check {
        fires: little,
        answer: format!(
            "{}: preserved {} of {} {} ({:.1}%, minimum {:.0}%){est}",
            yes_no(little),
            fmt_num(f.preserved_work.round()),
            fmt_num(f.total_work.round()),
            f.measure.unit(),
            fraction * 100.0,
            f.thresholds.min_preserved_fraction * 100.0
        ),
        evidence: ev,
    }
}

fn recovery_not_cheaper(f: &Facts<'_>, _: bool) -> Check {
    let ratio = if f.full_restart > 0.0 { f.recovery / f.full_restart } else { 1.0 };
    let not_cheaper = ratio >= f.thresholds.max_recovery_cost_fraction;
    let (est, ev) = estimates(f);
    Check {
        fires: not_cheaper,
        answer: format!(
            "{}: recovery {} vs full restart {} {} ({:.1}%, maximum {:.0}%){est}",
            yes_no(not_cheaper),
            fmt_num(f.recovery.round()),
            fmt_num(f.full_restart.round()),
            f.measure.unit(),
            ratio * 100.0,
            f.thresholds.max_recovery_cost_fraction * 100.0
        ),
        evidence: ev,
    }
}

fn transient(f: &Facts<'_>, _: bool) -> Check {
    let all = !f.classes.is_empty() && f.classes.iter().all(|(_, c)| *c == FailureClass::Transient);
    let evidence = f
        .classes
        .iter()
        .map(|(id, c)| match f.retry_after.iter().find(|(j, _)| j == id) {
            Some((_, r)) => format!("{id}: {}; a retry can succeed {}", c.as_str(), r.when),
            None => format!("{id}: {}", c.as_str()),
        })
        .collect();
    let answer = if all { "yes: retry the same prompt as is".into() } else { "no".into() };
    Check { fires: all, answer, evidence }
}

fn otherwise(_: &Facts<'_>, fired_before: bool) -> Check {
    // Rule 7's condition is that no rule before it fired.
    Check {
        fires: !fired_before,
        answer: if fired_before {
            "no: a rule before it fired".into()
        } else {
            "targeted recovery of the failed jobs".into()
        },
        evidence: vec![],
    }
}
