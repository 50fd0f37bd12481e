//! What `recover` checks and builds before anything runs: the jobs asked for, the checklist
//! gate, the prompts to send, the attempt specs, and whether a snapshot already covers the
//! outputs as they are now.

use super::{user, CliError};
use crate::core::checklist::{ItemKind, Recorded};
use crate::core::decide::{Decision, Verdict};
use crate::core::model::Status;
use crate::core::prompt;
use crate::core::sanitize::clean_line;
use crate::core::store::{diff, snapshot, StateDir};
use crate::exec::attempt::AttemptSpec;
use crate::session::Session;
use std::time::Duration;

/// The jobs asked for, deduplicated, each in the decision's rerun list, each usable as a
/// directory name. Refuses a full restart.
pub fn jobs(d: &Decision, asked: &[String]) -> Result<Vec<String>, CliError> {
    if d.verdict == Verdict::FullRestart {
        let why = if d.escalated {
            "the decision was escalated to a full restart after failed recoveries"
        } else {
            "the decision is a full restart, not a targeted recovery"
        };
        return Err(CliError::from(format!(
            "{why}: no recovery attempt will run; export the rationale (recover-tui export --format md) and restart the phase"
        )));
    }
    let mut jobs: Vec<String> = Vec::new();
    for j in asked.iter().map(|j| j.trim()).filter(|j| !j.is_empty()) {
        if !jobs.iter().any(|x| x == j) {
            jobs.push(j.to_string());
        }
    }
    let unknown: Vec<String> =
        jobs.iter().filter(|j| !d.rerun_jobs.iter().any(|r| &r.job == *j)).map(|j| clean_line(j)).collect();
    if !unknown.is_empty() {
        let list: Vec<&str> = d.rerun_jobs.iter().map(|r| r.job.as_str()).collect();
        return Err(CliError::from(format!(
            "{} {} not in the decision's rerun list ({})",
            unknown.join(", "),
            if unknown.len() == 1 { "is" } else { "are" },
            list.join(", ")
        )));
    }
    if let Some(bad) = jobs.iter().find(|j| j.contains(['/', '\\', '\0']) || j.starts_with('.')) {
        return Err(CliError::from(format!(
            "job id `{}` cannot be used as a directory name for its attempts",
            clean_line(bad)
        )));
    }
    Ok(jobs)
}

/// What the checklist needs before a run. `Ok(confirms)`: the Confirm-kind items `--yes`
/// confirms (empty without `--yes`). The snapshot item is not counted: `recover` takes it.
pub fn gate(session: &Session, yes: bool) -> Result<Vec<(&'static str, Recorded)>, CliError> {
    let open: Vec<_> = session.checklist.iter().filter(|i| !i.state.ok() && i.id != "snapshot_taken").collect();
    let describe = |v: &[&crate::core::checklist::ChecklistItem]| {
        v.iter().map(|i| format!("{} {} ({})", i.number, i.id, i.state.as_str())).collect::<Vec<_>>().join(", ")
    };
    let (confirm, other): (Vec<_>, Vec<_>) = open.into_iter().partition(|i| i.kind == ItemKind::Confirm);
    if !other.is_empty() {
        return Err(CliError::from(format!(
            "the checklist is not satisfied: {}; --yes does not waive failed checks (see recover-tui checklist; waive with --waive ID --reason TEXT)",
            describe(&other)
        )));
    }
    if confirm.is_empty() {
        return Ok(Vec::new());
    }
    if !yes {
        return Err(CliError::from(format!(
            "the checklist is not satisfied: {} need(s) confirming; confirm with recover-tui checklist --confirm ID, or pass --yes",
            describe(&confirm)
        )));
    }
    let (by, at) = (Some(user()), Some(chrono::Utc::now()));
    let reason = Some("confirmed by --yes".to_string());
    Ok(confirm
        .iter()
        .map(|i| {
            (
                i.id,
                Recorded {
                    state: crate::core::checklist::ItemState::Confirmed,
                    reason: reason.clone(),
                    by: by.clone(),
                    at,
                },
            )
        })
        .collect())
}

/// The generation prompt to send and, for a revision, the rendered recovery prompt it came from.
pub fn generation_prompt(session: &Session, d: &Decision, job: &str) -> Result<(String, Option<String>), CliError> {
    let j =
        session.run.job(job).ok_or_else(|| CliError::from(format!("job `{}` is not in the run", clean_line(job))))?;
    let original = || {
        j.prompt
            .as_ref()
            .map(|p| p.text.clone())
            .ok_or_else(|| CliError::from(format!("job `{}` has no original prompt to send", clean_line(job))))
    };
    if d.verdict == Verdict::RetryAsIs || j.result.status != Status::Failed {
        return Ok((original()?, None));
    }
    let saved = session.state_dir.join("prompts").join(format!("{job}.md"));
    let rendered = session.prompt_for(job)?;
    if saved.is_file() {
        let text = std::fs::read_to_string(&saved)
            .map_err(|e| CliError::from(format!("cannot read {}: {e}", saved.display())))?;
        return Ok((text, Some(rendered.text)));
    }
    let text = prompt::direct_revision(&session.run, job, &rendered)
        .ok_or_else(|| CliError::from(format!("job `{}` has no original prompt to revise", clean_line(job))))?;
    Ok((text, Some(rendered.text)))
}

/// One attempt spec per job (numbered from the ledger); with the rendered recovery prompts.
pub fn specs(session: &Session, d: &Decision, jobs: &[String]) -> Result<Vec<(AttemptSpec, Option<String>)>, CliError> {
    let c = &session.config.commands;
    let mut out = Vec::new();
    for id in jobs {
        let job =
            session.run.job(id).ok_or_else(|| CliError::from(format!("job `{}` is not in the run", clean_line(id))))?;
        let (prompt, rendered) = generation_prompt(session, d, id)?;
        let number = session.ledger.next_attempt_number(id);
        let kind = if job.result.status == Status::Failed { d.verdict.as_str() } else { Verdict::RetryAsIs.as_str() };
        let spec = AttemptSpec {
            job: job.clone(),
            number,
            kind: kind.to_string(),
            prompt,
            attempt_dir: session.state_dir.join("attempts").join(id).join(number.to_string()),
            project_root: session.run.project_root.clone(),
            generator: c.generator.clone(),
            validate_defaults: c.validate.clone(),
            timeout: Duration::from_secs(c.timeout_s.max(1)),
        };
        out.push((spec, rendered));
    }
    Ok(out)
}

/// The outputs a pre-run snapshot must hold: those of the jobs to repair and of `jobs`.
pub fn outputs(session: &Session, jobs: &[String]) -> Vec<String> {
    let mut v = session.repair_outputs();
    v.extend(jobs.iter().filter_map(|j| session.run.job(j)).flat_map(|j| j.outputs.iter().cloned()));
    v.sort();
    v.dedup();
    v
}

/// The latest snapshot holding every path of `outputs`, if it still matches them as they are
/// now (a snapshot of an older state does not protect the current one).
pub fn current_snapshot(sd: &StateDir, outputs: &[String]) -> Option<String> {
    let (list, _) = snapshot::list(sd).ok()?;
    let latest = list.iter().rev().find(|m| outputs.iter().all(|o| m.files.iter().any(|f| &f.path == o)))?;
    let diffs = diff::diff_snapshot_vs_current(sd, &latest.id, Some(outputs)).ok()?;
    diffs.is_empty().then(|| latest.id.clone())
}
