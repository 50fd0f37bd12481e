//! `recover-tui recover --job ID... [--dry-run] [--yes]`: run recovery attempts headless
//! (DESIGN.md §11). Checks come first (recover_prep.rs); then the snapshot, the attempts in a
//! tokio runtime built here, and after each attempt the ledger and the journal.

use super::recover_prep as prep;
use super::{checklist, load, nothing_failed, Cli, CliError};
use crate::app::project::Project;
use crate::app::recovery;
use crate::core::model::{Attempt, AttemptOutcome};
use crate::core::sanitize::clean_line;
use crate::exec::attempt::{self, AttemptEvent, AttemptSpec};
use crate::store::StateDir;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub struct Args<'a> {
    pub jobs: &'a [String],
    pub dry_run: bool,
    pub yes: bool,
}

pub fn run(cli: &Cli, path: Option<&Path>, args: &Args) -> Result<i32, CliError> {
    let mut project = load(cli, path)?;
    project.check_facts();
    let Some(d) = project.decision.clone() else {
        return Err(nothing_failed(&project, "there is nothing to recover"));
    };
    let repaired: Vec<String> =
        project.progress.iter().flat_map(|p| p.repaired_jobs.iter().map(|r| r.job.clone())).collect();
    let jobs = prep::jobs(&d, &repaired, args.jobs)?;
    let gate = prep::gate(&project, args.yes);
    let outputs = recovery::outputs(&project, &jobs);
    let specs = recovery::specs(&project, &d, &jobs).map_err(CliError::from)?;
    if args.dry_run {
        return dry_run(&project, &specs, &outputs, gate);
    }
    let confirms = gate?;
    let sd = project.writable_store().map_err(CliError::from)?;
    if !confirms.is_empty() {
        let ids: Vec<&str> = confirms.iter().map(|(id, _)| *id).collect();
        eprintln!("--yes: confirming checklist item(s) {}", ids.join(", "));
        checklist::record(&mut project, confirms, true)?;
    }
    let before = project.snapshots.len();
    let snapshot = recovery::ensure_snapshot(&mut project, &outputs, &jobs, d.failing_batch).map_err(CliError::from)?;
    if project.snapshots.len() > before {
        eprintln!("snapshot {snapshot} taken ({} file(s))", outputs.len());
    }
    project.redecide();
    if !crate::core::checklist::satisfied(&project.checklist) {
        let blocking = crate::core::checklist::blocking(&project.checklist);
        return Err(CliError::from(format!("the checklist is not satisfied: {}", blocking.join("; "))));
    }
    let specs = recovery::begin(&mut project, specs, &snapshot).map_err(CliError::from)?;
    let results = execute(&project, &sd, specs.clone(), &snapshot)?;
    let done = recovery::finish(&mut project, &specs, results).map_err(CliError::from)?;
    for (job, e) in &done.not_run {
        say(&format!("{}: the attempt did not run: {}", clean_line(job), clean_line(e)));
    }
    for (a, spec) in done.attempts.iter().zip(specs.iter().filter(|s| done.attempts.iter().any(|a| a.job == s.job.id)))
    {
        say(&line(a, &spec.attempt_dir));
    }
    if let Some(reason) = &done.escalation {
        say(&format!("ESCALATED: {reason}. No further recovery of it will run; see recover-tui plan."));
    }
    let all_passed = done.not_run.is_empty() && done.attempts.iter().all(|a| a.outcome == AttemptOutcome::Passed);
    Ok(if all_passed { 0 } else { 1 })
}

fn dry_run(
    project: &Project,
    specs: &[(AttemptSpec, Option<String>)],
    outputs: &[String],
    gate: Result<Vec<(&'static str, crate::core::checklist::Recorded)>, CliError>,
) -> Result<i32, CliError> {
    match project.store.as_deref().and_then(|sd| recovery::current_snapshot(sd, outputs)) {
        Some(id) => eprintln!("dry run: snapshot {id} already holds {} as they are now", outputs.join(", ")),
        None => eprintln!("dry run: would snapshot {} first", outputs.join(", ")),
    }
    match gate {
        Ok(c) if c.is_empty() => {}
        Ok(c) => {
            eprintln!("dry run: --yes would confirm {}", c.iter().map(|(id, _)| *id).collect::<Vec<_>>().join(", "))
        }
        Err(e) => eprintln!("dry run: a real run would refuse: {}", e.message),
    }
    let plain: Vec<AttemptSpec> = specs.iter().map(|(s, _)| s.clone()).collect();
    for line in attempt::dry_run(&plain)? {
        println!("{line}");
    }
    Ok(0)
}

/// Run the attempts on a 2-worker runtime; Ctrl-C cancels them (their process groups end).
fn execute(
    project: &Project,
    sd: &Arc<StateDir>,
    specs: Vec<AttemptSpec>,
    snapshot: &str,
) -> Result<Vec<Result<Attempt, String>>, CliError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::from(format!("cannot start the async runtime: {e}")))?;
    let numbers: BTreeMap<String, u32> = specs.iter().map(|s| (s.job.id.clone(), s.number)).collect();
    let on_event = move |e: AttemptEvent| match e {
        AttemptEvent::Started { job } => {
            eprintln!("{job}: attempt {} started", numbers.get(&job).copied().unwrap_or(0))
        }
        AttemptEvent::ValidationStarted { job, argv } => {
            eprintln!("{job}: validating: {}", crate::exec::argv::display_argv(&argv));
        }
        _ => {}
    };
    let concurrency = project.config.commands.concurrency;
    let (sd, snapshot) = (sd.clone(), snapshot.to_string());
    Ok(rt.block_on(async move {
        let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
        let runs = recovery::run(sd, specs, snapshot, concurrency, cancel_rx, on_event);
        tokio::pin!(runs);
        tokio::select! {
            results = &mut runs => results,
            signal = tokio::signal::ctrl_c() => {
                if signal.is_ok() {
                    eprintln!("recover-tui: cancelling the running attempts");
                    let _ = cancel_tx.send(true);
                }
                runs.await
            }
        }
    }))
}

/// `b2-1: attempt 1 passed (exit 0; 1 file changed, +3 -1) [.recover/attempts/b2-1/1]`, or the findings.
fn line(a: &Attempt, dir: &Path) -> String {
    let outcome = a.outcome.word();
    let exit = a.exit_code.map(|c| format!("exit {c}")).unwrap_or_else(|| "no exit code".into());
    let changes = a.changes.as_deref().map(|c| format!("; {c}")).unwrap_or_default();
    let findings: Vec<String> = a
        .findings
        .iter()
        .take(5)
        .map(|f| {
            let place = f.location().map(|l| format!(" in {l}")).unwrap_or_default();
            format!("{}{place}: {}", f.error_type, crate::core::failure::one_line(&f.message, 200))
        })
        .collect();
    let found = if findings.is_empty() { String::new() } else { format!(" — {}", findings.join("; ")) };
    clean_line(&format!("{}: attempt {} {outcome} ({exit}{changes}){found} [{}]", a.job, a.number, dir.display()))
}

/// A line on stdout; a closed stdout must not stop the recording of results.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}
