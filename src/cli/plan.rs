//! `recover-tui plan`: the decision as JSON (`recover-tui/plan@1`) or as a readable dry run.

use super::{load, Cli, CliError, EXIT_NOTHING};
use crate::core::cost::Prices;
use crate::core::decide::{self, Decision, History, Overrides, Verdict};
use crate::core::model::{Run, Status};
use crate::core::sanitize::clean_line;
use serde_json::{json, Value};
use std::path::Path;

pub fn run(cli: &Cli, path: Option<&Path>, as_json: bool) -> Result<i32, CliError> {
    let loaded = load(cli, path)?;
    let history = History::default();
    let overrides = Overrides::default();
    let input = decide::Input {
        run: &loaded.run,
        history: &history,
        thresholds: loaded.config.decision.thresholds(),
        overrides: &overrides,
        prices: Prices { input_per_mtok: loaded.config.prices.input_per_mtok, output_per_mtok: loaded.config.prices.output_per_mtok },
    };
    let Some(decision) = decide::decide(&input) else {
        if as_json {
            println!("{}", serde_json::to_string_pretty(&nothing_failed_json(&loaded.run)).unwrap_or_default());
        } else {
            println!("Nothing failed in {}: {} batches, {} jobs. Nothing to recover.", clean_line(&loaded.run.title), loaded.run.batches.len(), loaded.run.jobs().count());
        }
        exit_without_freeing(loaded);
        return Ok(EXIT_NOTHING);
    };
    if as_json {
        println!("{}", serde_json::to_string_pretty(&plan_json(&decision)).unwrap_or_default());
    } else {
        print!("{}", plan_text(&loaded.run, &decision));
    }
    exit_without_freeing((loaded, decision));
    Ok(0)
}

/// The process ends right after a command: freeing a large run (tens of thousands of strings)
/// piece by piece would only add time, so it is left to the OS.
pub(super) fn exit_without_freeing<T>(value: T) {
    std::mem::forget(value);
}

/// The `recover-tui/plan@1` document.
pub fn plan_json(d: &Decision) -> Value {
    let mut v = serde_json::to_value(d).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        let mut out = serde_json::Map::new();
        out.insert("schema".into(), json!("recover-tui/plan@1"));
        out.extend(std::mem::take(m));
        return Value::Object(out);
    }
    v
}

fn nothing_failed_json(run: &Run) -> Value {
    json!({
        "schema": "recover-tui/plan@1",
        "verdict": null,
        "failing_batch": null,
        "message": "nothing failed",
        "batches": run.batches.len(),
        "warnings": run.warnings,
    })
}

/// The human-readable plan: reads like a dry run.
pub fn plan_text(run: &Run, d: &Decision) -> String {
    let mut s = String::new();
    let verdict = match d.verdict {
        Verdict::TargetedRecovery => "TARGETED RECOVERY",
        Verdict::RetryAsIs => "RETRY AS IS",
        Verdict::FullRestart if d.escalated => "FULL RESTART (escalated)",
        Verdict::FullRestart => "FULL RESTART",
    };
    s += &format!("{} — {}\n\n", clean_line(&run.title), run.project_root.display());
    let failing = run.batch(d.failing_batch);
    let failed_count = failing.map(|b| b.jobs.iter().filter(|j| j.result.status == Status::Failed).count()).unwrap_or(0);
    let total = failing.map(|b| b.jobs.len()).unwrap_or(0);
    s += &format!("Verdict: {verdict}   scope: {}\n", d.scope.as_str());
    s += &format!("Failing batch: {} ({failed_count} of {total} jobs failed)\n\n", d.failing_batch);

    if d.verdict == Verdict::FullRestart {
        s += "Will re-run the whole phase:\n";
        s += &format!("  {} jobs in {} batches, from batch 1\n", d.rerun_jobs.len(), run.batches.len());
        if let Some(r) = d.rationale.iter().find(|r| r.fired == Some(true)) {
            s += &format!("  because {}: {}\n", r.step, clean_line(&r.answer));
        }
    } else {
        s += "Will re-run:\n";
        let how = if d.verdict == Verdict::RetryAsIs { "retry as is" } else { "re-run" };
        for j in &d.rerun_jobs {
            s += &format!("  {how} {} (batch {}): {}  [{}]\n", clean_line(&j.job), j.batch, clean_line(&j.reason), j.class);
            s += &format!("      output: {}\n", clean_line(&j.outputs.join(", ")));
        }
        for b in &d.rerun_batches_after {
            s += &format!("  then re-run batch {b}: {}\n", batch_reason(d, *b));
        }
        match d.continue_from_batch {
            Some(c) => s += &format!("  then continue from batch {c}\n"),
            None => s += "  nothing after it has to run\n",
        }
        s += "\nKept as they are (not re-run, not re-validated):\n";
        if d.preserved_batches.is_empty() {
            s += "  nothing\n";
        }
        for &b in &d.preserved_batches {
            let batch = run.batch(b);
            let jobs = batch.map(|b| b.jobs.len()).unwrap_or(0);
            let why = if b < d.failing_batch { "before the failure, ran and passed" } else { "ran and passed; reads nothing the repair changes" };
            s += &format!("  batch {b} ({jobs} jobs): {why}\n");
        }
    }

    s += "\nQuestions:\n";
    for r in d.rationale.iter().filter(|r| r.step.starts_with('Q')) {
        s += &format!("  {} {}\n     → {}\n", r.step, clean_line(&r.question), clean_line(&r.answer));
        if let Some(o) = &r.overridden {
            s += &format!("     (overridden by the user: {})\n", clean_line(o));
        }
        for e in &r.evidence {
            s += &format!("       · {}\n", clean_line(e));
        }
    }
    s += "\nRules (the first that fires decides):\n";
    for r in d.rationale.iter().filter(|r| r.step.starts_with('R')) {
        let mark = if r.fired == Some(true) { "●" } else { "○" };
        s += &format!("  {mark} {} {}\n     → {}\n", r.step, clean_line(&r.question), clean_line(&r.answer));
        for e in &r.evidence {
            s += &format!("       · {}\n", clean_line(e));
        }
    }

    let c = &d.cost;
    s += "\nCost                 tokens        time\n";
    s += &format!("  full restart   {:>12}  {:>10}{}\n", c.full_restart.tokens, duration(c.full_restart.seconds), usd(c.full_restart.usd));
    s += &format!("  this plan      {:>12}  {:>10}{}\n", c.recovery.tokens, duration(c.recovery.seconds), usd(c.recovery.usd));
    s += &format!(
        "  savings        {:>12}  {:>10}{}   ({:.1}% tokens, {:.1}% time)\n",
        c.savings.tokens,
        duration(c.savings.seconds),
        usd(c.savings.usd),
        c.savings.tokens_pct,
        c.savings.seconds_pct
    );
    if !d.warnings.is_empty() {
        s += "\nWarnings:\n";
        for w in &d.warnings {
            s += &format!("  - {}\n", clean_line(w));
        }
    }
    s
}

fn batch_reason(d: &Decision, b: u32) -> String {
    let q2 = d.rationale.iter().find(|r| r.step == "Q2");
    q2.and_then(|r| r.evidence.iter().find(|e| e.starts_with(&format!("batch {b} "))))
        .map(|e| clean_line(e))
        .unwrap_or_else(|| "it depends on the repaired batch".into())
}

fn usd(x: Option<f64>) -> String {
    x.map(|v| format!("  ${v:.2}")).unwrap_or_default()
}

/// 3725 -> "1h 02m", 95 -> "1m 35s", -30 -> "-30s"; 0 (no timings in the logs) -> "—".
pub fn duration(secs: f64) -> String {
    if secs == 0.0 {
        return "—".into();
    }
    let neg = secs < 0.0;
    let t = secs.abs().round() as u64;
    let body = if t >= 3600 {
        format!("{}h {:02}m", t / 3600, (t % 3600) / 60)
    } else if t >= 60 {
        format!("{}m {:02}s", t / 60, t % 60)
    } else {
        format!("{t}s")
    };
    if neg {
        format!("-{body}")
    } else {
        body
    }
}
