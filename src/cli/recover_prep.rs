//! What `recover` checks before anything runs: the jobs asked for and the checklist gate.
//! Prompts, specs and snapshots are the shared `crate::app::recovery`.

use super::{user, CliError};
use crate::app::project::Project;
use crate::core::checklist::{ItemKind, Recorded};
use crate::core::decide::{Decision, Verdict};
use crate::core::sanitize::clean_line;

/// The jobs asked for, deduplicated, each in the decision's rerun list, each usable as a
/// directory name. Refuses a full restart.
pub fn jobs(d: &Decision, repaired: &[String], asked: &[String]) -> Result<Vec<String>, CliError> {
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
    if let Some(done) = jobs.iter().find(|j| repaired.iter().any(|r| r == *j)) {
        return Err(CliError {
            message: format!("{} is already repaired: its latest recovery attempt passed; export the rationale (recover-tui export --format md)", clean_line(done)),
            code: super::EXIT_NOTHING,
        });
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
pub fn gate(project: &Project, yes: bool) -> Result<Vec<(&'static str, Recorded)>, CliError> {
    let open: Vec<_> = project.checklist.iter().filter(|i| !i.state.ok() && i.id != "snapshot_taken").collect();
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
