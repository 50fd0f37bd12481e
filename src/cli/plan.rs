//! `recover-tui plan`: the decision as JSON (`recover-tui/plan@1`) or as a readable dry run.

use super::{load_read_only, Cli, CliError, EXIT_NOTHING};
use crate::core::decide::Decision;
use crate::core::model::Run;
use crate::core::sanitize::clean_line;
use crate::core::status::Progress;
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
        let paint = super::paint::Paint::new(cli.color);
        print!("{}", paint.plan(&plan_text(&project.run, decision, project.progress.as_ref())));
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

/// The human-readable plan: reads like a dry run (the view model's text layout).
pub fn plan_text(run: &Run, d: &Decision, p: Option<&Progress>) -> String {
    crate::core::export::plan_text(run, d, p)
}
