//! `recover-tui plan`: the decision as JSON (`recover-tui/plan@1`) or as a readable dry run.

use super::{load_read_only, Cli, CliError, EXIT_NOTHING};
use crate::core::decide::{Decision, Verdict};
use crate::core::export::duration;
use crate::core::model::{Run, Status};
use crate::core::sanitize::{clean_line, clean_name};
use crate::core::status::{Progress, StepKind};
use serde_json::{json, Value};
use std::path::Path;

pub fn run(cli: &Cli, path: Option<&Path>, as_json: bool) -> Result<i32, CliError> {
    let project = load_read_only(cli, path)?;
    let Some(decision) = project.decision.as_ref() else {
        if as_json {
            println!("{}", crate::core::export::to_safe_json(&nothing_failed_json(&project.run)));
        } else {
            println!(
                "Nothing failed in {}: {} batches, {} jobs. Nothing to recover.",
                clean_line(&project.run.title),
                project.run.batches.len(),
                project.run.jobs().count()
            );
        }
        exit_without_freeing(project);
        return Ok(EXIT_NOTHING);
    };
    if as_json {
        let mut plan = crate::core::export::plan_json(decision, project.progress.as_ref());
        if let Some(w) = plan.get_mut("warnings").and_then(|w| w.as_array_mut()) {
            w.extend(project.warnings.iter().map(|s| Value::String(s.clone())));
        }
        println!("{}", crate::core::export::to_safe_json(&plan));
    } else {
        print!("{}", plan_text(&project.run, decision, project.progress.as_ref()));
        if !project.warnings.is_empty() {
            println!("\nWarnings (state directory, templates):");
            for w in &project.warnings {
                println!("  - {}", clean_line(w));
            }
        }
    }
    exit_without_freeing(project);
    Ok(0)
}

/// The process ends right after a command: freeing a large run (tens of thousands of strings)
/// piece by piece would only add time, so the run and the decision are left to the OS. The
/// rest of the project is dropped as usual (its state-dir lock is released).
pub(super) fn exit_without_freeing(mut project: crate::app::project::Project) {
    std::mem::forget(std::mem::take(&mut project.run));
    std::mem::forget(project.decision.take());
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
pub fn plan_text(run: &Run, d: &Decision, p: Option<&Progress>) -> String {
    let mut s = String::new();
    let verdict = match d.verdict {
        Verdict::TargetedRecovery => "TARGETED RECOVERY",
        Verdict::RetryAsIs => "RETRY AS IS",
        Verdict::FullRestart if d.escalated => "FULL RESTART (escalated)",
        Verdict::FullRestart => "FULL RESTART",
    };
    s += &format!("{} — {}\n\n", clean_line(&run.title), clean_line(&run.project_root.display().to_string()));
    let failing = run.batch(d.failing_batch);
    let failed_count =
        failing.map(|b| b.jobs.iter().filter(|j| j.result.status == Status::Failed).count()).unwrap_or(0);
    let total = failing.map(|b| b.jobs.len()).unwrap_or(0);
    s += &format!("Verdict: {verdict}   scope: {}\n", d.scope.as_str());
    s += &format!("Failing batch: {} ({failed_count} of {total} jobs failed)\n\n", d.failing_batch);

    if d.verdict == Verdict::FullRestart {
        s += "Will re-run the whole phase:\n";
        s += &format!("  {} jobs in {} batches, from batch 1\n", d.rerun_jobs.len(), run.batches.len());
        if let Some(r) = d.rationale.iter().find(|r| r.decided == Some(true)) {
            s += &format!("  because {}: {}\n", r.step, clean_line(&r.answer));
        }
    } else {
        s += "Will re-run:\n";
        let how = if d.verdict == Verdict::RetryAsIs { "retry as is" } else { "repair" };
        for j in &d.rerun_jobs {
            let state = p.and_then(|p| p.state_of(run, &j.job)).map(|s| s.word()).unwrap_or("failed");
            s += &format!(
                "  {how} {} (batch {}): {}  [{}]  — {state}\n",
                clean_name(&j.job),
                j.batch,
                clean_line(&j.reason),
                j.class
            );
            s += &format!("      output: {}\n", clean_name(&j.outputs.join(", ")));
        }
        for b in &d.rerun_batches_after {
            s += &format!("  then re-run batch {b}: {}\n", batch_reason(d, *b));
            let jobs = run.batch(*b).map(|batch| batch.jobs.as_slice()).unwrap_or_default();
            for job in jobs.iter().filter(|j| d.stale_jobs.contains_key(&j.id)) {
                let id = &job.id;
                let state = p.map(|p| p.state(job).word()).unwrap_or("stale");
                s += &format!("      {} — {state}\n", clean_name(id));
            }
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
            let why = if b < d.failing_batch {
                "before the failure, ran and passed"
            } else {
                "ran and passed; reads nothing the repair changes"
            };
            s += &format!("  batch {b} ({jobs} jobs): {why}\n");
        }
    }

    if let Some(p) = p {
        s += &progress_text(p, d.verdict == Verdict::RetryAsIs);
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
    s += "\nRules (the first that fires decides; ● decided, ◐ fired too, ○ did not fire):\n";
    for r in d.rationale.iter().filter(|r| r.step.starts_with('R')) {
        let mark = match (r.decided, r.fired) {
            (Some(true), _) => "●",
            (_, Some(true)) => "◐",
            _ => "○",
        };
        s += &format!("  {mark} {} {}\n     → {}\n", r.step, clean_line(&r.question), clean_line(&r.answer));
        for e in &r.evidence {
            s += &format!("       · {}\n", clean_line(e));
        }
    }

    let c = &d.cost;
    s += "\nCost                 tokens        time\n";
    s += &format!(
        "  full restart   {:>12}  {:>10}{}\n",
        c.full_restart.tokens,
        duration(c.full_restart.seconds),
        usd(c.full_restart.usd)
    );
    s += &format!(
        "  this plan      {:>12}  {:>10}{}\n",
        c.recovery.tokens,
        duration(c.recovery.seconds),
        usd(c.recovery.usd)
    );
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

/// `Outcome: in progress` then each next step with its command lines.
fn progress_text(p: &Progress, retry: bool) -> String {
    let mut s = format!("\nOutcome: {}\n", p.outcome.as_str().replace('_', " "));
    let done: Vec<String> = p
        .repaired_jobs
        .iter()
        .map(|d| format!("{} repaired (attempt {})", clean_name(&d.job), d.attempt))
        .chain(
            p.rerun_passed_jobs.iter().map(|d| format!("{} re-run passed (attempt {})", clean_name(&d.job), d.attempt)),
        )
        .collect();
    if !done.is_empty() {
        s += &format!("Done: {}\n", done.join("; "));
    }
    if p.next.is_empty() {
        s += "Next: nothing; the phase is complete\n";
    }
    for (i, step) in p.next.iter().enumerate() {
        let who = if step.step.is_ours() { "recover-tui recover runs it" } else { "your own scripts; shown, not run" };
        let jobs: Vec<String> = step.jobs.iter().take(8).map(|j| clean_name(j)).collect();
        let more = if step.jobs.len() > 8 { format!(" and {} more", step.jobs.len() - 8) } else { String::new() };
        let word = match step.step {
            StepKind::Repair if retry => "retry as is",
            other => other.as_str(),
        };
        s += &format!("Next {}: {word} {}{more} ({who})\n", i + 1, jobs.join(", "));
        for c in &step.commands {
            s += &format!("    $ {}\n", clean_line(c));
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
