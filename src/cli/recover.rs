//! `recover-tui recover [--job ID...] [--dry-run] [--yes]`: the whole recovery headless
//! (DESIGN.md §11). Without `--job` it does all that the plan's `next` says recover-tui does:
//! the repairs, then the re-runs of the stale later jobs, batch by batch; it stops at the first
//! step that does not pass. The steps are `app::recovery`'s; this file only prints.

use super::{command_error as ce, load, CliError};
use crate::app::commands::{self, CommandError};
use crate::app::project::Project;
use crate::app::recovery::{self, Finished, Prepared};
use crate::core::model::{Attempt, AttemptKind};
use crate::core::sanitize::{clean_line, clean_name, display_argv};
use crate::core::status::StepKind;
use crate::exec::attempt::{self, AttemptEvent};
use std::collections::BTreeMap;
use std::path::Path;

pub struct Args<'a> {
    pub jobs: &'a [String],
    pub dry_run: bool,
    pub yes: bool,
    pub approve_validation: bool,
}

pub fn run(cli: &super::Cli, path: Option<&Path>, args: &Args) -> Result<i32, CliError> {
    let mut project = load(cli, path)?;
    for note in &project.config.notes {
        eprintln!("recover-tui: {}", clean_line(note));
    }
    project.check_facts();
    let prepared = recovery::prepare(&project, args.jobs).map_err(ce)?;
    if args.dry_run {
        return dry_run(&project, &prepared, args.yes);
    }
    project.writable_store().map_err(|e| ce(CommandError::ReadOnly(e)))?;
    let confirms = recovery::gate(&project, args.yes).map_err(ce)?;
    if !confirms.is_empty() {
        let ids: Vec<String> = confirms
            .iter()
            .filter_map(|m| if let commands::Mark::Confirm { item, .. } = m { Some(item.clone()) } else { None })
            .collect();
        let items = if ids.len() == 1 { "item" } else { "items" };
        eprintln!("--yes: confirming checklist {items} {}", ids.join(", "));
        commands::mark(&mut project, &confirms, chrono::Utc::now()).map_err(ce)?;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::from(format!("cannot start the async runtime: {e}")))?;
    let mut step = prepared;
    loop {
        validation_approval(&mut project, &step, args.approve_validation)?;
        let done = run_step(&rt, &mut project, &step)?;
        if !done.all_passed() || !args.jobs.is_empty() {
            return Ok(1 - i32::from(done.all_passed()));
        }
        project.check_facts();
        step = match recovery::prepare(&project, &[]) {
            Ok(next) => next,
            Err(CommandError::NothingToDo(_)) => break,
            Err(e) => return Err(ce(e)),
        };
    }
    if let Some(p) = &project.progress {
        let rest: Vec<String> = p.next.iter().flat_map(|s| s.commands.iter().map(|c| clean_line(c))).collect();
        if rest.is_empty() {
            say(&format!("outcome: {}; nothing else has to run", p.outcome.as_str()));
        } else {
            say(&format!(
                "outcome: {}; continue the phase with your own scripts: {}",
                p.outcome.as_str(),
                rest.join("; ")
            ));
        }
    }
    Ok(0)
}

/// Approve the step's own validation commands (`--approve-validation`), or say which will not
/// run and what runs instead.
fn validation_approval(project: &mut Project, step: &Prepared, approve: bool) -> Result<(), CliError> {
    if approve {
        for line in commands::approve_validation(project, &step.jobs).map_err(ce)? {
            eprintln!("{line}");
        }
        return Ok(());
    }
    let unapproved = recovery::unapproved_validation(project, &step.jobs);
    if !unapproved.is_empty() {
        eprintln!(
            "not run: validation commands written in the project ({}); the config's per-extension commands run instead. \
             To run them: recover-tui recover --dry-run, then --approve-validation",
            unapproved.join("; ")
        );
    }
    Ok(())
}

/// One step: snapshot, record, run (Ctrl-C, SIGTERM and SIGHUP cancel it), record the ends.
fn run_step(rt: &tokio::runtime::Runtime, project: &mut Project, step: &Prepared) -> Result<Finished, CliError> {
    let begun = recovery::start(project, step).map_err(ce)?;
    if begun.snapshot_taken {
        eprintln!("snapshot {} taken before the {}", begun.snapshot, step_word(step.step));
    }
    let specs = begun.specs();
    let dirs: BTreeMap<String, std::path::PathBuf> =
        specs.iter().map(|s| (s.job.id.clone(), s.attempt_dir.clone())).collect();
    let numbers: BTreeMap<String, (u32, AttemptKind)> =
        specs.iter().map(|s| (s.job.id.clone(), (s.number, s.kind))).collect();
    let on_event = move |e: AttemptEvent| match e {
        AttemptEvent::Started { job } => {
            let (n, kind) = numbers.get(&job).copied().unwrap_or((0, AttemptKind::TargetedRecovery));
            eprintln!("{}: {} {n} started", clean_name(&job), attempt_word(kind));
        }
        AttemptEvent::ValidationStarted { job, argv } => {
            eprintln!("{}: validating: {}", clean_name(&job), display_argv(&argv));
        }
        _ => {}
    };
    let (ended, signal) = rt.block_on(async move {
        let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
        let runs = recovery::run(begun, cancel_rx, on_event);
        tokio::pin!(runs);
        tokio::select! {
            ended = &mut runs => (ended, None),
            name = stop_signal() => {
                eprintln!("recover-tui: {name}: stopping the running attempts");
                let _ = cancel_tx.send(true);
                (runs.await, Some(name))
            }
        }
    });
    let done = recovery::finish(project, &specs, ended).map_err(ce)?;
    for (job, e) in &done.not_run {
        say(&format!("{}: the attempt did not run: {}", clean_name(job), clean_line(e)));
    }
    for a in &done.attempts {
        let dir = dirs.get(&a.job).cloned().unwrap_or_default();
        say(&line(a, &dir));
    }
    if let Some(reason) = &done.escalation {
        say(&format!("ESCALATED: {reason}. No further recovery of it will run; see recover-tui plan."));
    }
    if let Some(name) = signal {
        eprintln!("recover-tui: stopped by {name}; the attempts are recorded as aborted");
    }
    Ok(done)
}

/// The first of Ctrl-C, SIGTERM, SIGHUP.
async fn stop_signal() -> &'static str {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut hup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup())) else {
        let _ = tokio::signal::ctrl_c().await;
        return "interrupted";
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "interrupted",
        _ = term.recv() => "SIGTERM",
        _ = hup.recv() => "SIGHUP",
    }
}

fn step_word(step: StepKind) -> &'static str {
    match step {
        StepKind::Rerun => "re-run",
        _ => "recovery",
    }
}

fn attempt_word(kind: AttemptKind) -> &'static str {
    match kind {
        AttemptKind::Rerun => "re-run",
        _ => "attempt",
    }
}

fn dry_run(project: &Project, prepared: &Prepared, yes: bool) -> Result<i32, CliError> {
    let outputs = recovery::outputs(project, &prepared.jobs);
    match project.store.as_deref().and_then(|sd| recovery::current_snapshot(sd, &outputs)) {
        Some(id) => eprintln!("dry run: snapshot {id} already holds {} as they are now", outputs.join(", ")),
        None => eprintln!("dry run: would snapshot {} first", outputs.join(", ")),
    }
    match recovery::gate(project, yes) {
        Ok(c) if c.is_empty() => {}
        Ok(c) => eprintln!("dry run: --yes would confirm {}", crate::core::words::count(c.len(), "item")),
        Err(e) => eprintln!("dry run: a real run would refuse: {e}"),
    }
    let specs: Vec<_> = recovery::specs(project, prepared).map_err(ce)?.into_iter().map(|(s, _)| s).collect();
    for line in attempt::dry_run(&specs)? {
        println!("{line}");
    }
    for line in recovery::unapproved_validation(project, &prepared.jobs) {
        println!("{line}   # written in the project: runs only with --approve-validation");
    }
    if prepared.step == StepKind::Repair {
        if let Some(p) = project.progress.as_ref().filter(|p| !p.rerun_jobs_after.is_empty()) {
            let later: Vec<String> = p.rerun_jobs_after.iter().map(|r| clean_line(&r.job)).collect();
            eprintln!(
                "dry run: once repaired, the stale later jobs re-run with their original prompts: {}",
                later.join(", ")
            );
        }
    }
    Ok(0)
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
    let word = attempt_word(a.kind);
    clean_line(&format!("{}: {word} {} {outcome} ({exit}{changes}){found} [{}]", a.job, a.number, dir.display()))
}

/// A line on stdout; a closed stdout must not stop the recording of results.
fn say(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout(), "{line}");
}
