//! The rationale log as Markdown: reads like a phase execution note a person would write, with
//! the decision drawn as a Mermaid flowchart and the same path kept as text below it. A layout
//! of the view model; every text is sanitized.

use super::view::{self, Mark, PlanView};
use super::{outcome, ExportInput};
use crate::core::failure;
use crate::core::flow;
use crate::core::sanitize::clean_line;
use crate::core::status::{JobState, Progress};

/// Markdown table cell: one line, no pipes breaking the table.
fn cell(s: &str) -> String {
    clean_line(s).replace('|', "\\|")
}

fn t(s: &str) -> String {
    clean_line(s).trim().to_string()
}

pub fn render(x: &ExportInput<'_>) -> String {
    let (run, d) = (x.run, x.decision);
    let v = view::build(run, d, x.progress);
    let out = outcome(d, x.progress, x.attempts);
    let mut s = String::new();
    s += &format!("# Recovery note — {}\n\n", v.title);
    s += &format!(
        "Written by recover-tui on {} from `{}`. Outcome: **{}**.\n\n",
        x.generated_at.format("%Y-%m-%d %H:%M UTC"),
        v.project_root,
        out.as_str()
    );
    s += &what_failed(&v);
    s += &decision(x, &v);
    s += &preserved(x, &v);
    s += &checklist(x);
    s += &snapshots(x);
    s += &attempts(x);
    s += &cost(&v);
    if let Some(p) = x.progress {
        s += &progress_markdown(run, p);
    }
    s += &format!("\n## Outcome: {}\n", out.as_str());
    s
}

fn what_failed(v: &PlanView) -> String {
    let mut s = String::from("## What failed\n\n");
    s += &format!(
        "Batch {} of {} failed: {} of {} jobs.\n\n",
        v.failing_batch,
        v.batches,
        v.failed.len(),
        v.failing_batch_jobs
    );
    for j in &v.failed {
        s += &format!("- **{}** (`{}`) — {}", j.id, j.outputs.join("`, `"), j.class);
        if let Some(e) = &j.error {
            s += &format!(": {e}");
        }
        s += "\n";
        if let Some(r) = &j.retry_after {
            s += &format!("  The service gave a reset time: a retry can succeed {r}.\n");
        }
    }
    s
}

fn decision(x: &ExportInput<'_>, v: &PlanView) -> String {
    let mut s = format!("\n## Decision: {} ({})\n\n", v.verdict.words(), v.scope);
    if let Some((id, question, answer)) = &v.decided_by {
        s += &format!("Decided by rule {id} ({question}): {answer}.\n\n");
    }
    if v.restarts() {
        s += "The whole phase is regenerated: find the root cause and fix the specification before it runs again.\n\n";
    } else {
        for j in &v.failed {
            s += &format!("- Re-run **{}** (batch {}): {}\n", j.id, v.failing_batch, j.reason);
        }
        for b in &v.later {
            let jobs: Vec<&str> = b.jobs.iter().map(|(id, _)| id.as_str()).collect();
            s += &format!(
                "- Then re-run {} in batch {}: {} read what the repair changes{}.\n",
                jobs.join(", "),
                b.batch,
                if jobs.len() == 1 { "it" } else { "they" },
                if b.kept_jobs > 0 { format!(" (the other {} job(s) are kept)", b.kept_jobs) } else { String::new() }
            );
        }
        if let Some(c) = v.continue_from {
            s += &format!("- Then continue the phase from batch {c}.\n");
        }
        s += "\n";
    }
    let flow = flow::flow(x.decision);
    s += "### The decision, drawn\n\n";
    s += &super::mermaid::flowchart(&flow);
    s += "\nThe path taken: ";
    s += &flow
        .nodes
        .iter()
        .filter(|n| n.on_path)
        .map(
            |n| if n.decided { format!("**{} {}** (decided)", n.id, n.title) } else { format!("{} {}", n.id, n.title) },
        )
        .collect::<Vec<_>>()
        .join(" → ");
    s += &format!(" → {}.\n\n", v.verdict.words());
    s += "### The questions\n\n";
    for r in &v.questions {
        s += &format!("**{} — {}** {}\n", r.id, r.question, r.answer);
        if let Some(o) = &r.overridden {
            s += &format!("*Overridden by the user: {o}*\n");
        }
        for e in &r.evidence {
            s += &format!("- {e}\n");
        }
        s += "\n";
    }
    s += "### The rules, in order\n\n| rule | question | fired | decided | answer |\n|---|---|---|---|---|\n";
    for r in &v.rules {
        s += &format!(
            "| {} | {} | {} | {} | {} |\n",
            r.id,
            cell(&r.question),
            if matches!(r.mark, Some(Mark::Decided | Mark::Fired)) { "yes" } else { "no" },
            if r.mark == Some(Mark::Decided) { "**yes**" } else { "" },
            cell(&r.answer)
        );
    }
    let evidence: Vec<String> =
        v.rules.iter().flat_map(|r| r.evidence.iter().map(move |e| format!("- {}: {e}\n", r.id))).collect();
    if !evidence.is_empty() {
        s += "\nEvidence of the rules:\n\n";
        s += &evidence.concat();
    }
    s
}

fn preserved(x: &ExportInput<'_>, v: &PlanView) -> String {
    let mut s = String::from("\n## What was preserved\n\n");
    if v.kept.is_empty() {
        s += "Nothing: every batch runs again.\n";
        return s;
    }
    let jobs: usize = v.kept.iter().map(|k| k.jobs).sum();
    let tokens: u64 = v
        .kept
        .iter()
        .filter_map(|k| x.run.batch(k.batch))
        .flat_map(|b| b.jobs.iter())
        .map(|j| j.result.tokens.total())
        .sum();
    s += &format!(
        "Batches {} are kept as they are — {jobs} jobs, {} tokens of generation — and are not validated again ({:.0}% of the phase's work).\n",
        v.kept.iter().map(|k| k.batch.to_string()).collect::<Vec<_>>().join(", "),
        view::grouped(tokens as i64),
        x.decision.preserved_fraction * 100.0
    );
    s
}

fn checklist(x: &ExportInput<'_>) -> String {
    let mut s = String::from(
        "\n## Pre-recovery checklist\n\n| # | item | state | by / when | reason |\n|---|---|---|---|---|\n",
    );
    for i in x.checklist {
        let who = match (&i.by, i.at) {
            (Some(b), Some(a)) => format!("{} {}", b, a.format("%Y-%m-%d %H:%M UTC")),
            (Some(b), None) => b.clone(),
            (None, Some(a)) => a.format("%Y-%m-%d %H:%M UTC").to_string(),
            (None, None) => String::new(),
        };
        s += &format!(
            "| {} | {} | {} | {} | {} |\n",
            i.number,
            cell(i.title),
            i.state.as_str(),
            cell(&who),
            cell(i.reason.as_deref().unwrap_or(""))
        );
    }
    s
}

fn snapshots(x: &ExportInput<'_>) -> String {
    let mut s = String::from("\n## Snapshots\n\n");
    if x.snapshots.is_empty() {
        s += "None taken.\n";
    }
    for sn in x.snapshots {
        let files = if sn.files == 1 { "1 file".to_string() } else { format!("{} files", sn.files) };
        s += &format!(
            "- `{}` — {} ({files}, {})\n",
            t(&sn.id),
            t(&sn.reason),
            sn.created_at.format("%Y-%m-%d %H:%M:%S UTC")
        );
    }
    s
}

fn attempts(x: &ExportInput<'_>) -> String {
    let mut s = String::from("\n## Attempts\n\n");
    if x.attempts.is_empty() {
        s += "No recovery attempt has run yet.\n";
    }
    for a in x.attempts {
        let end = a.ended_at.map(|e| e.format("%H:%M:%S").to_string()).unwrap_or_else(|| "—".into());
        s += &format!(
            "### {} attempt {} — {}\n\n{} ({}), {} – {} UTC, snapshot `{}`.\n",
            t(&a.job),
            a.number,
            a.outcome.word(),
            a.kind.as_str().replace('_', " "),
            t(&a.command.join(" ")),
            a.started_at.format("%Y-%m-%d %H:%M:%S"),
            end,
            t(a.snapshot.as_deref().unwrap_or("none"))
        );
        if let Some(o) = a.prompt_origin {
            s += &format!("Prompt sent: {}.\n", o.word());
        }
        if let Some(c) = &a.changes {
            s += &format!("Changed: {}\n", t(c));
        }
        for f in &a.findings {
            s += &format!(
                "- {}: {}{}\n",
                t(&f.error_type),
                t(&failure::one_line(&f.message, 300)),
                f.line.map(|l| format!(" (line {l})")).unwrap_or_default()
            );
        }
        s += "\n";
    }
    if x.decision.escalated {
        s += "**Escalated to a full restart**: a job failed its recovery the maximum number of times; it will not be recovered again.\n";
    }
    s
}

fn cost(v: &PlanView) -> String {
    let c = &v.cost;
    let mut s = format!("\n## Cost\n\nCompared in {}.\n\n| | tokens | time | money |\n|---|---|---|---|\n", c.measure);
    for row in [Some(&c.full_restart), Some(&c.recovery), c.savings.as_ref()].into_iter().flatten() {
        s += &format!("| {} | {} | {} | {} |\n", row.label, row.tokens, row.time, row.money.as_deref().unwrap_or("—"));
    }
    if c.savings.is_none() {
        s += "\nNo savings are claimed: the plan restarts the phase. The recovery figure is what a targeted recovery would have cost.\n";
    }
    if !c.estimates.is_empty() {
        s += "\nEstimated figures (the logs do not give them):\n\n";
        for e in &c.estimates {
            s += &format!("- {e}\n");
        }
    }
    s
}

/// Where the run stands: each job recover-tui touched or must touch, then what to do next.
fn progress_markdown(run: &crate::core::model::Run, p: &Progress) -> String {
    let mut s = String::from("\n## Where it stands\n\n");
    let mut any = false;
    for j in run.jobs() {
        let state = p.state(j);
        if state != JobState::from_logs(j.result.status) || state == JobState::Failed {
            s += &format!("- {} (batch {}): {}\n", t(&j.id), j.batch, state.word());
            any = true;
        }
    }
    if !any {
        s += "Nothing has changed since the logs.\n";
    }
    s += "\n## Next\n\n";
    if p.next.is_empty() {
        s += "Nothing: the phase is complete.\n";
    }
    for (i, step) in p.next.iter().enumerate() {
        let who = if step.step.is_ours() { "recover-tui runs it" } else { "your own scripts" };
        s += &format!("{}. {} ({who}):\n", i + 1, step.step.as_str());
        for c in &step.commands {
            s += &format!("   - `{}`\n", t(c));
        }
    }
    s
}
