//! Cost (DESIGN.md §8): tokens and wall time per job and batch, estimates for jobs that never
//! ran, full restart vs targeted recovery, savings, and money when prices are set.

use super::model::{Job, Run, Status};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The one measure used on both sides of every comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Input + output tokens (every job that ran has them).
    Tokens,
    /// Wall time in seconds (tokens missing, durations known).
    Seconds,
    /// Neither is known: every job counts as 1.
    Jobs,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct JobCost {
    pub tokens: u64,
    pub seconds: f64,
    /// True when the job never ran (or logged nothing) and the figure is the run's average.
    pub estimated: bool,
}

/// Per-job costs of a run with the averages used for estimates.
#[derive(Debug, Clone, PartialEq)]
pub struct CostModel {
    pub jobs: BTreeMap<String, JobCost>,
    pub measure: Measure,
    pub restart_tokens_per_batch: u64,
    pub validate_tokens_per_job: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Amount {
    pub tokens: u64,
    pub seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usd: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Savings {
    pub tokens: i64,
    pub tokens_pct: f64,
    pub seconds: f64,
    pub seconds_pct: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usd: Option<f64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Comparison {
    pub full_restart: Amount,
    pub recovery: Amount,
    pub savings: Savings,
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

impl CostModel {
    pub fn new(run: &Run) -> CostModel {
        let ran: Vec<&Job> = run.jobs().filter(|j| j.result.status.ran()).collect();
        let with_tokens: Vec<&Job> = ran.iter().copied().filter(|j| j.result.tokens.total() > 0).collect();
        let with_time: Vec<&Job> =
            ran.iter().copied().filter(|j| j.result.duration_s.is_some_and(|d| d > 0.0)).collect();
        let measure = if !ran.is_empty() && with_tokens.len() == ran.len() {
            Measure::Tokens
        } else if !ran.is_empty() && with_time.len() == ran.len() {
            Measure::Seconds
        } else if !with_tokens.is_empty() {
            // Some jobs logged tokens, some did not (killed early): still tokens, estimated for the rest.
            Measure::Tokens
        } else if !with_time.is_empty() {
            Measure::Seconds
        } else {
            Measure::Jobs
        };
        let avg_tokens = average(with_tokens.iter().map(|j| j.result.tokens.total() as f64)).round() as u64;
        let avg_seconds = average(with_time.iter().filter_map(|j| j.result.duration_s));
        let jobs = run
            .jobs()
            .map(|j| {
                let has_tokens = j.result.tokens.total() > 0;
                let seconds = j.result.duration_s.filter(|d| *d > 0.0);
                let c = JobCost {
                    tokens: if has_tokens { j.result.tokens.total() } else { avg_tokens },
                    seconds: seconds.unwrap_or(avg_seconds),
                    estimated: match measure {
                        Measure::Tokens => !has_tokens,
                        Measure::Seconds => seconds.is_none(),
                        Measure::Jobs => j.result.status == Status::NotRun,
                    },
                };
                (j.id.clone(), c)
            })
            .collect();
        CostModel {
            jobs,
            measure,
            restart_tokens_per_batch: run.costs.restart_tokens_per_batch.unwrap_or(0),
            validate_tokens_per_job: run.costs.validate_tokens_per_job.unwrap_or(0),
        }
    }

    /// A job's cost in the run's measure.
    pub fn value(&self, job: &str) -> f64 {
        let Some(c) = self.jobs.get(job) else { return 0.0 };
        match self.measure {
            Measure::Tokens => c.tokens as f64,
            Measure::Seconds => c.seconds,
            Measure::Jobs => 1.0,
        }
    }

    /// A whole-phase restart: regenerate every batch's prompts, re-run and re-validate every job.
    pub fn full_restart(&self, run: &Run) -> Amount {
        let mut a = Amount::default();
        for b in &run.batches {
            a.tokens += self.restart_tokens_per_batch;
            let mut longest: f64 = 0.0;
            for j in &b.jobs {
                let c = self.jobs.get(&j.id).copied().unwrap_or(JobCost { tokens: 0, seconds: 0.0, estimated: true });
                a.tokens += c.tokens + self.validate_tokens_per_job;
                longest = longest.max(c.seconds);
            }
            a.seconds += longest;
        }
        a
    }

    /// A recovery: the recovery prompts, the repaired jobs (in parallel) and their validation,
    /// then every later job still to run, batch by batch.
    pub fn recovery(&self, run: &Run, scope: &RecoveryScope<'_>) -> Amount {
        let mut a = Amount { tokens: scope.prompt_tokens, ..Amount::default() };
        let mut per_batch: BTreeMap<u32, f64> = BTreeMap::new();
        for j in run.jobs() {
            if scope.repair.contains(j.id.as_str()) || scope.then_run.contains(j.id.as_str()) {
                let c = self.jobs.get(&j.id).copied().unwrap_or(JobCost { tokens: 0, seconds: 0.0, estimated: true });
                a.tokens += c.tokens + self.validate_tokens_per_job;
                let e = per_batch.entry(j.batch).or_insert(0.0);
                *e = e.max(c.seconds);
            }
        }
        a.seconds = per_batch.values().sum();
        a
    }

    /// Compare; prices turn tokens into money using the run's input/output split.
    pub fn compare(&self, run: &Run, full: Amount, recovery: Amount, prices: Prices) -> Comparison {
        let pct = |saved: f64, total: f64| if total > 0.0 { (saved / total * 1000.0).round() / 10.0 } else { 0.0 };
        let usd = usd_per_token(run, prices);
        let full = Amount { usd: usd.map(|p| round2(full.tokens as f64 * p)), ..full };
        let recovery = Amount { usd: usd.map(|p| round2(recovery.tokens as f64 * p)), ..recovery };
        let saved_tokens = full.tokens as i64 - recovery.tokens as i64;
        let saved_seconds = full.seconds - recovery.seconds;
        Comparison {
            full_restart: Amount { seconds: round1(full.seconds), ..full },
            recovery: Amount { seconds: round1(recovery.seconds), ..recovery },
            savings: Savings {
                tokens: saved_tokens,
                tokens_pct: pct(saved_tokens as f64, full.tokens as f64),
                seconds: round1(saved_seconds),
                seconds_pct: pct(saved_seconds, full.seconds),
                usd: match (full.usd, recovery.usd) {
                    (Some(f), Some(r)) => Some(round2(f - r)),
                    _ => None,
                },
            },
        }
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

fn average(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
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
        assert_eq!(m.jobs["d"], JobCost { tokens: 2000, seconds: 200.0, estimated: true });
        let full = m.full_restart(&r);
        assert_eq!(full.tokens, 8000);
        assert_eq!(full.seconds, 300.0 + 200.0 + 200.0);
    }

    #[test]
    fn recovery_and_savings() {
        let r = run();
        let m = CostModel::new(&r);
        let scope = RecoveryScope { repair: ["c"].into(), then_run: ["d"].into(), prompt_tokens: 500 };
        let rec = m.recovery(&r, &scope);
        assert_eq!(rec.tokens, 500 + 2000 + 2000);
        assert_eq!(rec.seconds, 400.0);
        let cmp = m.compare(&r, m.full_restart(&r), rec, Prices::default());
        assert_eq!(cmp.savings.tokens, 3500);
        assert_eq!(cmp.savings.tokens_pct, 43.8);
        assert_eq!(cmp.savings.seconds, 300.0);
        assert_eq!(cmp.savings.usd, None);
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
        );
        // All logged tokens are input here, so the input price applies.
        assert_eq!(cmp.full_restart.usd, Some(2.0));
        assert_eq!(cmp.recovery.usd, Some(0.5));
        assert_eq!(cmp.savings.usd, Some(1.5));
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
