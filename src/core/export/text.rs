//! `plan` as text: reads like a dry run. A layout of the view model.

use super::view::{Mark, PlanView};
use crate::core::decide::Verdict;

pub fn render(v: &PlanView) -> String {
    let mut s = String::new();
    let verdict = match v.verdict {
        Verdict::TargetedRecovery => "TARGETED RECOVERY",
        Verdict::RetryAsIs => "RETRY AS IS",
        Verdict::FullRestart if v.escalated => "FULL RESTART (escalated)",
        Verdict::FullRestart => "FULL RESTART",
    };
    s += &format!("{} — {}\n\n", v.title, v.project_root);
    s += &format!("Verdict: {verdict}   scope: {}\n", v.scope);
    s +=
        &format!("Failing batch: {} ({} of {} jobs failed)\n\n", v.failing_batch, v.failed.len(), v.failing_batch_jobs);

    if v.restarts() {
        s += "Will re-run the whole phase:\n";
        s += &format!("  {} jobs in {} batches, from batch 1\n", v.restart_jobs, v.batches);
        if let Some((id, _, answer)) = &v.decided_by {
            s += &format!("  because {id}: {answer}\n");
        }
    } else {
        s += "Will re-run:\n";
        let how = if v.verdict == Verdict::RetryAsIs { "retry as is" } else { "repair" };
        for j in &v.failed {
            s += &format!("  {how} {} (batch {}): {}  [{}]  — {}\n", j.id, v.failing_batch, j.reason, j.class, j.state);
            s += &format!("      output: {}\n", j.outputs.join(", "));
            if let Some(r) = &j.retry_after {
                s += &format!("      a retry can succeed {r}\n");
            }
        }
        for b in &v.later {
            if b.jobs.is_empty() {
                s += &format!("  then re-run batch {}: {}\n", b.batch, b.reason);
                continue;
            }
            let kept = if b.kept_jobs > 0 { format!("; the other {} kept", b.kept_jobs) } else { String::new() };
            s += &format!("  then re-run in batch {} ({} of {} jobs{kept}):\n", b.batch, b.jobs.len(), b.total_jobs);
            for ((id, state), why) in b.jobs.iter().zip(&b.why) {
                s += &format!("      {id} — {state}: {why}\n");
            }
        }
        match v.continue_from {
            Some(c) => s += &format!("  then continue from batch {c}\n"),
            None => s += "  nothing after it has to run\n",
        }
        s += "\nKept as they are (not re-run, not re-validated):\n";
        if v.kept.is_empty() {
            s += "  nothing\n";
        }
        for k in &v.kept {
            s += &format!("  batch {} ({} jobs): {}\n", k.batch, k.jobs, k.why);
        }
    }

    if let Some(p) = &v.progress {
        s += &format!("\nOutcome: {}\n", p.outcome);
        if !p.done.is_empty() {
            s += &format!("Done: {}\n", p.done.join("; "));
        }
        if p.next.is_empty() {
            s += "Next: nothing; the phase is complete\n";
        }
        for (i, step) in p.next.iter().enumerate() {
            let who = if step.ours { "recover-tui recover runs it" } else { "your own scripts; shown, not run" };
            let jobs: Vec<&str> = step.jobs.iter().take(8).map(String::as_str).collect();
            let more = if step.jobs.len() > 8 { format!(" and {} more", step.jobs.len() - 8) } else { String::new() };
            s += &format!("Next {}: {} {}{more} ({who})\n", i + 1, step.word, jobs.join(", "));
            for c in &step.commands {
                s += &format!("    $ {c}\n");
            }
        }
    }
    s += "\nQuestions:\n";
    for r in &v.questions {
        s += &format!("  {} {}\n     → {}\n", r.id, r.question, r.answer);
        if let Some(o) = &r.overridden {
            s += &format!("     (overridden by the user: {o})\n");
        }
        for e in &r.evidence {
            s += &format!("       · {e}\n");
        }
    }
    s += "\nRules (the first that fires decides; ● decided, ◐ fired too, ○ did not fire):\n";
    for r in &v.rules {
        let mark = match r.mark {
            Some(Mark::Decided) => "●",
            Some(Mark::Fired) => "◐",
            _ => "○",
        };
        s += &format!("  {mark} {} {}\n     → {}\n", r.id, r.question, r.answer);
        for e in &r.evidence {
            s += &format!("       · {e}\n");
        }
    }

    let c = &v.cost;
    s += &format!("\nCost ({})                         tokens        time\n", c.measure);
    for row in [Some(&c.full_restart), Some(&c.recovery), c.savings.as_ref()].into_iter().flatten() {
        let money = row.money.as_ref().map(|m| format!("  {m}")).unwrap_or_default();
        s += &format!("  {:<28} {:>14}  {:>16}{money}\n", row.label, row.tokens, row.time);
    }
    if c.savings.is_none() {
        s += "  no savings are claimed: the plan restarts the phase\n";
    }
    for e in &c.estimates {
        s += &format!("  estimated: {e}\n");
    }
    if !v.warnings.is_empty() {
        s += "\nWarnings:\n";
        for w in &v.warnings {
            s += &format!("  - {w}\n");
        }
    }
    s
}
