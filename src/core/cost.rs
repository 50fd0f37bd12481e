//! Cost (DESIGN.md §8): tokens and wall time per job and batch, estimates for jobs whose
//! figures are unknown (never ran, killed, a usage block of zeros), full restart vs targeted
//! recovery, savings, and money when prices are set. An unknown time stays unknown (`None`).

use super::fasthash::{FastMap, FastSet};
use super::model::{Job, Run, Status};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The one measure used on both sides of every comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Input + output tokens: some job that ran has them (the others are estimated).
    Tokens,
    /// Wall time in seconds: no job has tokens, some have durations.
    Seconds,
    /// Neither is known: every job counts as 1.
    Jobs,
}

impl Measure {
    pub fn unit(self) -> &'static str {
        match self {
            Measure::Tokens => "tokens",
            Measure::Seconds => "seconds",
            Measure::Jobs => "jobs",
        }
    }
}

/// Whether the logs give a job's tokens. A job that ran with a usage block of zeros (killed,
/// interrupted, a Claude result with zero usage) has unknown tokens. The one place that says so.
pub fn tokens_known(j: &Job) -> bool {
    !j.result.tokens.is_zero()
}

fn seconds_known(j: &Job) -> Option<f64> {
    j.result.duration_s.filter(|d| *d > 0.0)
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct JobCost {
    pub tokens: u64,
    /// `None` when no job of the run has a duration.
    pub seconds: Option<f64>,
    /// True when the figure in the run's measure is an estimate.
    pub estimated: bool,
}

/// A figure the logs do not give, and how it was estimated (named in the trail).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub job: String,
    pub batch: u32,
    /// The estimate, in the run's measure.
    pub value: f64,
    /// "never ran" / "tokens unknown" / "time unknown".
    pub why: &'static str,
    /// "the average of batch 2's 3 jobs with tokens" / "the average of the run's 9 jobs with tokens".
    pub basis: String,
}

/// Estimates made the same way (the same reason, figure and basis), in a row: a run stopped
/// half-way has thousands of jobs that never ran, each estimated at the run's average.
#[derive(Debug, Clone, PartialEq)]
pub struct EstimateGroup<'a> {
    pub jobs: Vec<&'a str>,
    pub value: f64,
    pub why: &'static str,
    pub basis: &'a str,
}

/// `estimates` as groups of consecutive estimates made the same way, in their order.
pub fn group_estimates(estimates: &[Estimate]) -> Vec<EstimateGroup<'_>> {
    let mut groups: Vec<EstimateGroup<'_>> = Vec::new();
    for e in estimates {
        match groups.last_mut() {
            Some(g) if g.why == e.why && g.value == e.value && g.basis == e.basis => g.jobs.push(&e.job),
            _ => groups.push(EstimateGroup { jobs: vec![&e.job], value: e.value, why: e.why, basis: &e.basis }),
        }
    }
    groups
}

impl EstimateGroup<'_> {
    /// "b2-api (never ran) counts 13,000 tokens, the average of …" for one job; for several,
    /// "3 jobs (never ran) count 13,000 tokens each, the average of …: b2-a, b2-b, b2-c".
    /// `name` shows a job id (the text renderers clean it for the terminal).
    pub fn describe(&self, unit: &str, name: impl Fn(&str) -> String) -> String {
        let value = crate::core::decide::trail::fmt_num(self.value.round());
        match self.jobs.as_slice() {
            [one] => format!("{} ({}) counts {value} {unit}, {}", name(one), self.why, self.basis),
            many => {
                let names: Vec<String> = many.iter().map(|j| name(j)).collect();
                format!(
                    "{} jobs ({}) count {value} {unit} each, {}: {}",
                    crate::core::decide::trail::fmt_num(many.len() as f64),
                    self.why,
                    self.basis,
                    names.join(", ")
                )
            }
        }
    }
}

/// Per-job costs of a run with the averages used for estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct CostModel {
    pub jobs: FastMap<String, JobCost>,
    pub measure: Measure,
    pub restart_tokens_per_batch: u64,
    pub validate_tokens_per_job: u64,
    /// Every estimated figure in the run's measure, in run order.
    pub estimates: Vec<Estimate>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Amount {
    pub tokens: u64,
    /// `None` = unknown (the logs give no times).
    pub seconds: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usd: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Savings {
    pub tokens: i64,
    pub tokens_pct: f64,
    pub seconds: Option<f64>,
    pub seconds_pct: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usd: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Comparison {
    pub full_restart: Amount,
    /// What the targeted recovery costs (under a full restart: what it would have cost).
    pub recovery: Amount,
    /// `None` for a plan that restarts: no savings are claimed.
    pub savings: Option<Savings>,
}

/// USD per million tokens (input, output); applied to the token totals with the run's
/// observed input/output split.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Prices {
    pub input_per_mtok: Option<f64>,
    pub output_per_mtok: Option<f64>,
}

/// What a recovery re-runs.
#[derive(Debug, Clone, Default)]
pub struct RecoveryScope<'a> {
    /// Failed jobs to repair (batch N).
    pub repair: BTreeSet<&'a str>,
    /// Later jobs that ran but must run again, and later jobs that never ran.
    pub then_run: BTreeSet<&'a str>,
    /// Tokens of the recovery prompts (0 for a retry as-is).
    pub prompt_tokens: u64,
}

/// Averages of known figures: per batch and for the whole run.
struct Averages {
    per_batch: BTreeMap<u32, (f64, usize)>,
    run: (f64, usize),
}

impl Averages {
    fn of(jobs: impl Iterator<Item = (u32, f64)>) -> Averages {
        let mut per_batch: BTreeMap<u32, (f64, usize)> = BTreeMap::new();
        let mut run = (0.0, 0);
        for (b, v) in jobs {
            let e = per_batch.entry(b).or_insert((0.0, 0));
            e.0 += v;
            e.1 += 1;
            run.0 += v;
            run.1 += 1;
        }
        Averages { per_batch, run }
    }

    /// The batch's average, else the run's, with the words saying which.
    fn for_batch(&self, batch: u32, what: &str) -> Option<(f64, String)> {
        if let Some((s, n)) = self.per_batch.get(&batch).filter(|(_, n)| *n > 0) {
            return Some((s / *n as f64, format!("the average of batch {batch}'s {n} job(s) with {what}")));
        }
        let (s, n) = self.run;
        (n > 0).then(|| (s / n as f64, format!("the average of the run's {n} job(s) with {what}")))
    }
}

impl CostModel {
    pub fn new(run: &Run) -> CostModel {
        let ran = || run.jobs().filter(|j| j.result.status.ran());
        let any_tokens = ran().any(tokens_known);
        let any_time = run.jobs().any(|j| seconds_known(j).is_some());
        let measure = if any_tokens {
            Measure::Tokens
        } else if any_time {
            Measure::Seconds
        } else {
            Measure::Jobs
        };
        let tok_avg =
            Averages::of(ran().filter(|j| tokens_known(j)).map(|j| (j.batch, j.result.tokens.total() as f64)));
        let sec_avg = Averages::of(run.jobs().filter_map(|j| seconds_known(j).map(|s| (j.batch, s))));
        let mut estimates = Vec::new();
        let mut jobs = FastMap::default();
        // A batch's averages (and their words) are the same for each of its jobs: worked out
        // once per batch, not once per estimated job (thousands on a run stopped half-way).
        let mut tok_of: FastMap<u32, Option<(f64, String)>> = FastMap::default();
        let mut sec_of: FastMap<u32, Option<(f64, String)>> = FastMap::default();
        for j in run.jobs() {
            let why = if j.result.status.ran() { None } else { Some("never ran") };
            let (tokens, tok_est) = if j.result.status.ran() && tokens_known(j) {
                (j.result.tokens.total(), None)
            } else {
                let avg = tok_of.entry(j.batch).or_insert_with(|| tok_avg.for_batch(j.batch, "tokens"));
                let (v, basis) = avg.as_ref().map_or((0.0, ""), |(v, b)| (*v, b.as_str()));
                (v.round() as u64, Some((why.unwrap_or("tokens unknown"), basis)))
            };
            let (seconds, sec_est) = match seconds_known(j) {
                Some(s) => (Some(s), None),
                None => match sec_of.entry(j.batch).or_insert_with(|| sec_avg.for_batch(j.batch, "a duration")) {
                    Some((v, basis)) => (Some(*v), Some((why.unwrap_or("time unknown"), basis.as_str()))),
                    None => (None, None),
                },
            };
            let est = match measure {
                Measure::Tokens => tok_est.map(|(w, b)| (tokens as f64, w, b)),
                Measure::Seconds => sec_est.map(|(w, b)| (seconds.unwrap_or(0.0), w, b)),
                Measure::Jobs => None,
            };
            if let Some((value, why, basis)) = est {
                estimates.push(Estimate { job: j.id.clone(), batch: j.batch, value, why, basis: basis.to_string() });
            }
            let estimated = est.is_some() || (measure == Measure::Jobs && j.result.status == Status::NotRun);
            jobs.insert(j.id.clone(), JobCost { tokens, seconds, estimated });
        }
        CostModel {
            jobs,
            measure,
            restart_tokens_per_batch: run.costs.restart_tokens_per_batch.unwrap_or(0),
            validate_tokens_per_job: run.costs.validate_tokens_per_job.unwrap_or(0),
            estimates,
        }
    }

    /// A job's cost in the run's measure.
    pub fn value(&self, job: &str) -> f64 {
        let Some(c) = self.jobs.get(job) else { return 0.0 };
        match self.measure {
            Measure::Tokens => c.tokens as f64,
            Measure::Seconds => c.seconds.unwrap_or(0.0),
            Measure::Jobs => 1.0,
        }
    }

    /// Whether the run gives any time at all.
    fn times_known(&self) -> bool {
        self.jobs.values().any(|c| c.seconds.is_some())
    }

    /// A whole-phase restart: regenerate every batch's prompts, re-run and re-validate every job.
    pub fn full_restart(&self, run: &Run) -> Amount {
        let mut a = self.amount(run, |_| true, 0);
        a.tokens += self.restart_tokens_per_batch * run.batches.len() as u64;
        a
    }

    /// A recovery: the recovery prompts, the repaired jobs (in parallel) and their validation,
    /// then every later job still to run, batch by batch.
    pub fn recovery(&self, run: &Run, scope: &RecoveryScope<'_>) -> Amount {
        let jobs: FastSet<&str> = scope.repair.union(&scope.then_run).copied().collect();
        self.amount(run, |id| jobs.contains(id), scope.prompt_tokens)
    }

    /// Tokens of the jobs `picked` (+ validation each) and their wall time: per batch the
    /// longest job. (A predicate, not a set: a full restart picks every job.)
    fn amount(&self, run: &Run, picked: impl Fn(&str) -> bool, prompt_tokens: u64) -> Amount {
        let mut a = Amount { tokens: prompt_tokens, ..Amount::default() };
        let mut per_batch: BTreeMap<u32, f64> = BTreeMap::new();
        for j in run.jobs().filter(|j| picked(j.id.as_str())) {
            let Some(c) = self.jobs.get(&j.id) else { continue };
            a.tokens += c.tokens + self.validate_tokens_per_job;
            let e = per_batch.entry(j.batch).or_insert(0.0);
            *e = e.max(c.seconds.unwrap_or(0.0));
        }
        a.seconds = self.times_known().then(|| per_batch.values().sum());
        a
    }

    /// Compare; prices turn tokens into money using the run's input/output split. `restart`:
    /// the plan restarts, so no savings are claimed (the recovery figure is what it would have cost).
    pub fn compare(&self, run: &Run, full: Amount, recovery: Amount, prices: Prices, restart: bool) -> Comparison {
        let pct = |saved: f64, total: f64| if total > 0.0 { (saved / total * 1000.0).round() / 10.0 } else { 0.0 };
        let usd = usd_per_token(run, prices);
        let full =
            Amount { usd: usd.map(|p| round2(full.tokens as f64 * p)), seconds: full.seconds.map(round1), ..full };
        let recovery = Amount {
            usd: usd.map(|p| round2(recovery.tokens as f64 * p)),
            seconds: recovery.seconds.map(round1),
            ..recovery
        };
        let saved_tokens = full.tokens as i64 - recovery.tokens as i64;
        let saved_seconds = full.seconds.zip(recovery.seconds).map(|(f, r)| f - r);
        let savings = (!restart).then(|| Savings {
            tokens: saved_tokens,
            tokens_pct: pct(saved_tokens as f64, full.tokens as f64),
            seconds: saved_seconds.map(round1),
            seconds_pct: saved_seconds.zip(full.seconds).filter(|(_, f)| *f > 0.0).map(|(s, f)| pct(s, f)),
            usd: match (full.usd, recovery.usd) {
                (Some(f), Some(r)) => Some(round2(f - r)),
                _ => None,
            },
        });
        Comparison { full_restart: full, recovery, savings }
    }
}

fn usd_per_token(run: &Run, prices: Prices) -> Option<f64> {
    let (pi, po) = (prices.input_per_mtok?, prices.output_per_mtok.or(prices.input_per_mtok)?);
    let (mut i, mut o) = (0u64, 0u64);
    for j in run.jobs() {
        i += j.result.tokens.input;
        o += j.result.tokens.output;
    }
    let total = (i + o) as f64;
    let share_in = if total > 0.0 { i as f64 / total } else { 0.9 };
    Some((pi * share_in + po * (1.0 - share_in)) / 1_000_000.0)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Batch, JobResult, TokenUsage};

    fn est(job: &str, value: f64, why: &'static str, basis: &str) -> Estimate {
        Estimate { job: job.into(), batch: 1, value, why, basis: basis.into() }
    }

    #[test]
    fn estimates_made_the_same_way_in_a_row_are_one_group_naming_every_job() {
        let run_avg = "the average of the run's 4 job(s) with tokens";
        let list = [
            est("b2-a", 13_000.0, "never ran", run_avg),
            est("b2-b", 13_000.0, "never ran", run_avg),
            est("b2-c", 13_000.0, "never ran", run_avg),
            est("b3-x", 13_000.0, "tokens unknown", run_avg),
            est("b4-y", 13_000.0, "never ran", run_avg),
        ];
        let lines: Vec<String> =
            group_estimates(&list).iter().map(|g| g.describe("tokens", |j| j.to_uppercase())).collect();
        assert_eq!(
            lines,
            [
                "3 jobs (never ran) count 13,000 tokens each, the average of the run's 4 job(s) with tokens: B2-A, B2-B, B2-C",
                "B3-X (tokens unknown) counts 13,000 tokens, the average of the run's 4 job(s) with tokens",
                "B4-Y (never ran) counts 13,000 tokens, the average of the run's 4 job(s) with tokens",
            ]
        );
        let other_figure = [est("a", 1.0, "never ran", run_avg), est("b", 2.0, "never ran", run_avg)];
        assert_eq!(group_estimates(&other_figure).len(), 2);
        assert!(group_estimates(&[]).is_empty());
    }

    fn job(id: &str, batch: u32, status: Status, tokens: u64, secs: f64) -> Job {
        Job {
            id: id.into(),
            batch,
            result: JobResult {
                status,
                tokens: TokenUsage { input: tokens, cached_input: 0, output: 0 },
                duration_s: (secs > 0.0).then_some(secs),
                ..JobResult::default()
            },
            ..Job::default()
        }
    }

    fn run() -> Run {
        Run {
            batches: vec![
                Batch {
                    number: 1,
                    jobs: vec![job("a", 1, Status::Passed, 1000, 100.0), job("b", 1, Status::Passed, 3000, 300.0)],
                    ..Batch::default()
                },
                Batch { number: 2, jobs: vec![job("c", 2, Status::Failed, 2000, 200.0)], ..Batch::default() },
                Batch { number: 3, jobs: vec![job("d", 3, Status::NotRun, 0, 0.0)], ..Batch::default() },
            ],
            ..Run::default()
        }
    }

    #[test]
    fn never_run_jobs_cost_the_average_and_batches_take_their_longest_job() {
        let r = run();
        let m = CostModel::new(&r);
        assert_eq!(m.measure, Measure::Tokens);
        assert_eq!(m.jobs["d"], JobCost { tokens: 2000, seconds: Some(200.0), estimated: true });
        assert_eq!(m.estimates.len(), 1);
        assert_eq!(m.estimates[0].why, "never ran");
        assert_eq!(m.estimates[0].basis, "the average of the run's 3 job(s) with tokens");
        let full = m.full_restart(&r);
        assert_eq!(full.tokens, 8000);
        assert_eq!(full.seconds, Some(300.0 + 200.0 + 200.0));
    }

    #[test]
    fn a_job_with_unknown_tokens_is_estimated_from_its_batch_and_tokens_stay_the_measure() {
        let mut r = run();
        r.batches[0].jobs.push(job("killed", 1, Status::Failed, 0, 600.0));
        let m = CostModel::new(&r);
        assert_eq!(m.measure, Measure::Tokens);
        assert_eq!(m.jobs["killed"].tokens, 2000, "the average of a (1000) and b (3000)");
        let e = m.estimates.iter().find(|e| e.job == "killed").unwrap();
        assert_eq!(e.why, "tokens unknown");
        assert_eq!(e.basis, "the average of batch 1's 2 job(s) with tokens");
    }

    #[test]
    fn recovery_and_savings() {
        let r = run();
        let m = CostModel::new(&r);
        let scope = RecoveryScope { repair: ["c"].into(), then_run: ["d"].into(), prompt_tokens: 500 };
        let rec = m.recovery(&r, &scope);
        assert_eq!(rec.tokens, 500 + 2000 + 2000);
        assert_eq!(rec.seconds, Some(400.0));
        let cmp = m.compare(&r, m.full_restart(&r), rec, Prices::default(), false);
        let s = cmp.savings.unwrap();
        assert_eq!(s.tokens, 3500);
        assert_eq!(s.tokens_pct, 43.8);
        assert_eq!(s.seconds, Some(300.0));
        assert_eq!(s.usd, None);
        let cmp = m.compare(&r, m.full_restart(&r), rec, Prices::default(), true);
        assert_eq!(cmp.savings, None, "a restart claims no savings");
        assert_eq!(cmp.recovery.tokens, 4500, "but says what a recovery would have cost");
    }

    #[test]
    fn times_are_unknown_when_no_job_has_one() {
        let mut r = run();
        for b in &mut r.batches {
            for j in &mut b.jobs {
                j.result.duration_s = None;
            }
        }
        let m = CostModel::new(&r);
        let full = m.full_restart(&r);
        assert_eq!(full.seconds, None);
        let cmp = m.compare(&r, full, full, Prices::default(), false);
        assert_eq!(cmp.savings.unwrap().seconds_pct, None);
    }

    #[test]
    fn money_when_prices_are_set() {
        let r = run();
        let m = CostModel::new(&r);
        let p = Prices { input_per_mtok: Some(2.0), output_per_mtok: Some(10.0) };
        let cmp = m.compare(
            &r,
            Amount { tokens: 1_000_000, ..Amount::default() },
            Amount { tokens: 250_000, ..Amount::default() },
            p,
            false,
        );
        // All logged tokens are input here, so the input price applies.
        assert_eq!(cmp.full_restart.usd, Some(2.0));
        assert_eq!(cmp.recovery.usd, Some(0.5));
        assert_eq!(cmp.savings.unwrap().usd, Some(1.5));
    }

    #[test]
    fn seconds_when_no_tokens() {
        let mut r = run();
        for b in &mut r.batches {
            for j in &mut b.jobs {
                j.result.tokens = TokenUsage::default();
            }
        }
        let m = CostModel::new(&r);
        assert_eq!(m.measure, Measure::Seconds);
        assert_eq!(m.value("b"), 300.0);
    }
}
