//! What `recover-tui recover` (or the app's `R`) runs now, checked: the repairs of the failed
//! jobs, or once they are repaired the re-runs of the stale later jobs, one batch at a time;
//! every refusal worded once for both front ends; the checklist gate; and the validation
//! commands written in the project that are not approved.

use super::commands::{CommandError, Mark};
use super::project::Project;
use crate::core::checklist::ItemKind;
use crate::core::decide::Verdict;
use crate::core::sanitize::clean_line;
use crate::core::status::StepKind;
use std::path::Path;

/// What to run now: one step of the recovery and its jobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    pub step: StepKind,
    pub jobs: Vec<String>,
}

pub(super) fn refused(msg: String) -> CommandError {
    CommandError::Refused(msg)
}

/// Check what is asked (`asked` empty: the step the plan's `next` names first) and say why
/// not, in the one wording both front ends show.
pub fn prepare(project: &Project, asked: &[String]) -> Result<Prepared, CommandError> {
    let (Some(d), Some(p)) = (project.decision.as_ref(), project.progress.as_ref()) else {
        return Err(CommandError::NothingToDo("nothing failed: there is nothing to recover".into()));
    };
    if let Some(problem) = &project.ledger_problem {
        return Err(refused(format!(
            "the ledger could not be used ({}) and was rebuilt from the journal; nothing runs until you have looked: check recover-tui plan, then run this again",
            clean_line(problem)
        )));
    }
    if d.verdict == Verdict::FullRestart {
        let why = if d.escalated {
            "the decision was escalated to a full restart after failed recoveries"
        } else {
            "the decision is a full restart, not a targeted recovery"
        };
        return Err(refused(format!(
            "{why}: no recovery attempt will run; export the rationale (recover-tui export --format md) and restart the phase"
        )));
    }
    let repairs: Vec<&str> = p.rerun_jobs.iter().map(|r| r.job.as_str()).collect();
    let mut asked: Vec<String> = asked.iter().map(|j| j.trim().to_string()).filter(|j| !j.is_empty()).collect();
    asked.dedup();
    if asked.is_empty() {
        let Some(step) = p.runnable_now() else {
            let rest: Vec<String> = p.next.iter().flat_map(|s| s.commands.iter().map(|c| clean_line(c))).collect();
            let then =
                if rest.is_empty() { String::new() } else { format!("; continue the phase: {}", rest.join("; ")) };
            return Err(CommandError::NothingToDo(format!(
                "nothing left to recover: every failed job is repaired and every stale job re-ran{then}"
            )));
        };
        let mut jobs = step.jobs.clone();
        if step.step == StepKind::Rerun {
            // One batch at a time: a later stale job may read what an earlier one re-writes.
            let first = p.rerun_jobs_after.iter().map(|r| r.batch).min();
            jobs.retain(|j| p.rerun_jobs_after.iter().any(|r| &r.job == j && Some(r.batch) == first));
        }
        return Ok(Prepared { step: step.step, jobs });
    }
    let mut step = None;
    for j in &asked {
        let this = if repairs.contains(&j.as_str()) {
            StepKind::Repair
        } else if p.rerun_jobs_after.iter().any(|r| &r.job == j) {
            if !repairs.is_empty() {
                return Err(refused(format!(
                    "{} re-runs once the repair of {} has passed: run `recover-tui recover --job {}` first",
                    clean_line(j),
                    repairs.iter().map(|r| clean_line(r)).collect::<Vec<_>>().join(", "),
                    clean_line(repairs[0])
                )));
            }
            StepKind::Rerun
        } else if p.repaired_jobs.iter().any(|r| &r.job == j) {
            return Err(CommandError::NothingToDo(format!(
                "{} is already repaired: its latest recovery attempt passed; see recover-tui plan for what is next",
                clean_line(j)
            )));
        } else if p.rerun_passed_jobs.iter().any(|r| &r.job == j) {
            return Err(CommandError::NothingToDo(format!("{} already re-ran and passed", clean_line(j))));
        } else {
            let list: Vec<String> =
                repairs.iter().map(|r| r.to_string()).chain(p.rerun_jobs_after.iter().map(|r| r.job.clone())).collect();
            return Err(refused(format!(
                "{} is not a job to repair or re-run (those are: {})",
                clean_line(j),
                clean_line(&list.join(", "))
            )));
        };
        if step.is_some_and(|s| s != this) {
            return Err(refused("repairs and re-runs are separate steps: ask for one kind at a time".into()));
        }
        step = Some(this);
    }
    if let Some(bad) = asked.iter().find(|j| j.contains(['/', '\\', '\0']) || j.starts_with('.')) {
        return Err(refused(format!(
            "job id `{}` cannot be used as a directory name for its attempts",
            clean_line(bad)
        )));
    }
    Ok(Prepared { step: step.unwrap_or(StepKind::Repair), jobs: asked })
}

/// The confirmations a run needs: `Ok(marks)` are the Confirm-kind items `yes` confirms
/// (empty without `yes`, when none is open). The snapshot item is not counted: [`start`] takes it.
pub fn gate(project: &Project, yes: bool) -> Result<Vec<Mark>, CommandError> {
    let open: Vec<_> = project.checklist.iter().filter(|i| !i.state.ok() && i.id != "snapshot_taken").collect();
    let describe = |v: &[&crate::core::checklist::ChecklistItem]| {
        v.iter().map(|i| format!("{} {} ({})", i.number, i.id, i.state.as_str())).collect::<Vec<_>>().join(", ")
    };
    let (confirm, other): (Vec<_>, Vec<_>) = open.into_iter().partition(|i| i.kind == ItemKind::Confirm);
    if !other.is_empty() {
        return Err(refused(format!(
            "the checklist is not satisfied: {}; failed checks are not waived by confirming (see recover-tui checklist; waive with --waive ID --reason TEXT)",
            describe(&other)
        )));
    }
    if !confirm.is_empty() && !yes {
        return Err(refused(format!(
            "the checklist is not satisfied: {} need(s) confirming; confirm with recover-tui checklist --confirm ID, or pass --yes",
            describe(&confirm)
        )));
    }
    let reason = Some("confirmed by --yes".to_string());
    Ok(confirm.iter().map(|i| Mark::Confirm { item: i.id.to_string(), reason: reason.clone() }).collect())
}

/// The validation commands written in the project for `jobs` that are not approved (they will
/// not run; the config's per-extension commands run instead), as display lines. A command the
/// config runs anyway for the job is not listed.
pub fn unapproved_validation(project: &Project, jobs: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let c = &project.config.commands;
    for job in jobs.iter().filter_map(|j| project.run.job(j)) {
        if super::commands::approved_validation(project, job).is_some() {
            continue;
        }
        let vars = |o: &String| crate::exec::argv::Placeholders {
            project_root: None,
            job: Some(job.id.clone()),
            output: Some(o.clone()),
            prompt_file: None,
        };
        let runs_anyway: Vec<Vec<String>> = job
            .outputs
            .iter()
            .filter_map(|o| {
                let ext = Path::new(o).extension().and_then(|e| e.to_str()).unwrap_or_default();
                crate::exec::argv::substitute_known(c.validate.get(ext)?, &vars(o)).ok()
            })
            .collect();
        for v in job.validate.iter().filter(|v| !v.is_empty() && !runs_anyway.contains(v)) {
            out.push(format!(
                "{}: {}",
                crate::core::sanitize::clean_name(&job.id),
                crate::core::sanitize::display_argv(v)
            ));
        }
    }
    out
}
