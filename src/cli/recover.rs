//! `recover-tui recover --job ID... [--dry-run] [--yes]`: run recovery attempts headless
//! (DESIGN.md §11). Checks come first (recover_prep.rs); then the snapshot, the attempts in a
//! tokio runtime built here, and after each attempt the ledger and the journal.

use super::recover_prep as prep;
use super::{checklist, load_checked, nothing_failed, Cli, CliError};
use crate::core::decide::Verdict;
use crate::core::model::{Attempt, AttemptOutcome, SystemClock};
use crate::core::sanitize::clean_line;
use crate::core::store::journal::{self, JournalEvent};
use crate::core::store::{diff, StateDir};
use crate::exec::attempt::{self, AttemptEvent, AttemptReport, AttemptSpec};
use crate::exec::ExecError;
use crate::session::Session;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

pub struct Args<'a> {
    pub jobs: &'a [String],
    pub dry_run: bool,
    pub yes: bool,
}

pub fn run(cli: &Cli, path: Option<&Path>, args: &Args) -> Result<i32, CliError> {
    let mut session = load_checked(cli, path)?;
    let Some(d) = session.decision.clone() else {
        return Err(nothing_failed(&session, "there is nothing to recover"));
    };
    let jobs = prep::jobs(&d, args.jobs)?;
    let gate = prep::gate(&session, args.yes);
    let outputs = prep::outputs(&session, &jobs);
    let specs = prep::specs(&session, &d, &jobs)?;
    if args.dry_run {
        return dry_run(&session, &specs, &outputs, gate);
    }
    let confirms = gate?;
    let sd = session.writable_store().map_err(CliError::from)?;
    if !confirms.is_empty() {
        let ids: Vec<&str> = confirms.iter().map(|(id, _)| *id).collect();
        eprintln!("--yes: confirming checklist item(s) {}", ids.join(", "));
        checklist::record(&mut session, confirms, true)?;
    }
    let snapshot = match prep::current_snapshot(&sd, &outputs) {
        Some(id) => id,
        None => {
            let reason = format!("before recovery of {}", jobs.join(", "));
            let job = (jobs.len() == 1).then(|| jobs[0].clone());
            let info = session
                .take_snapshot(Some(outputs.clone()), &reason, job, Some(d.failing_batch))
                .map_err(CliError::from)?;
            eprintln!("snapshot {} taken ({} file(s))", info.id, info.files);
            info.id
        }
    };
    session.redecide();
    if !crate::core::checklist::satisfied(&session.checklist) {
        let blocking = crate::core::checklist::blocking(&session.checklist);
        return Err(CliError::from(format!("the checklist is not satisfied: {}", blocking.join("; "))));
    }
    let specs = start(&mut session, &sd, specs, &snapshot)?;
    let results = execute(&session, &sd, specs.clone(), &snapshot)?;
    finish(&mut session, &sd, &specs, results, &snapshot)
}

fn dry_run(
    session: &Session,
    specs: &[(AttemptSpec, Option<String>)],
    outputs: &[String],
    gate: Result<Vec<(&'static str, crate::core::checklist::Recorded)>, CliError>,
) -> Result<i32, CliError> {
    match session.store.as_deref().and_then(|sd| prep::current_snapshot(sd, outputs)) {
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

/// Write each attempt's recovery prompt and record the attempts as running (ledger saved).
fn start(
    session: &mut Session,
    sd: &StateDir,
    specs: Vec<(AttemptSpec, Option<String>)>,
    snapshot: &str,
) -> Result<Vec<AttemptSpec>, CliError> {
    let mut out = Vec::new();
    for (spec, rendered) in specs {
        let dir = &spec.attempt_dir;
        std::fs::create_dir_all(dir).map_err(|e| CliError::from(format!("cannot create {}: {e}", dir.display())))?;
        let recovery_prompt = match rendered {
            Some(text) => {
                let file = dir.join("recovery-prompt.md");
                std::fs::write(&file, text)
                    .map_err(|e| CliError::from(format!("cannot write {}: {e}", file.display())))?;
                Some(relative(sd, &file))
            }
            None => None,
        };
        session.ledger.record_attempt(Attempt {
            job: spec.job.id.clone(),
            number: spec.number,
            snapshot: Some(snapshot.to_string()),
            recovery_prompt,
            revised_prompt: Some(relative(sd, &dir.join("prompt.md"))),
            kind: spec.kind.clone(),
            command: spec.generator.clone(),
            started_at: chrono::Utc::now(),
            ended_at: None,
            exit_code: None,
            findings: Vec::new(),
            outcome: AttemptOutcome::Running,
            changes: None,
        });
        out.push(spec);
    }
    session.save_ledger().map_err(CliError::from)?;
    Ok(out)
}

/// Run the attempts on a 2-worker runtime; Ctrl-C cancels them (their process groups end).
fn execute(
    session: &Session,
    sd: &Arc<StateDir>,
    specs: Vec<AttemptSpec>,
    snapshot: &str,
) -> Result<Vec<Result<AttemptReport, ExecError>>, CliError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::from(format!("cannot start the async runtime: {e}")))?;
    let started: BTreeMap<String, (u32, String)> =
        specs.iter().map(|s| (s.job.id.clone(), (s.number, s.kind.clone()))).collect();
    let snapshot = Some(snapshot.to_string());
    let concurrency = session.config.commands.concurrency;
    let journal_sd = sd.clone();
    let on_event = move |e: AttemptEvent| match e {
        AttemptEvent::Started { job } => {
            let (number, kind) = started.get(&job).cloned().unwrap_or_default();
            eprintln!("{job}: attempt {number} started");
            let ev = JournalEvent::AttemptStarted { job, number, kind, snapshot: snapshot.clone() };
            if let Err(e) = journal::append(&journal_sd, &SystemClock, ev) {
                eprintln!("recover-tui: {e}");
            }
        }
        AttemptEvent::ValidationStarted { job, argv } => {
            eprintln!("{job}: validating: {}", crate::exec::argv::display_argv(&argv));
        }
        _ => {}
    };
    Ok(rt.block_on(async move {
        let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
        let runs = attempt::run_attempts(specs, concurrency, cancel_rx, Arc::new(SystemClock), on_event);
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

/// Record every result, re-decide, journal an escalation, print one line per job.
fn finish(
    session: &mut Session,
    sd: &StateDir,
    specs: &[AttemptSpec],
    results: Vec<Result<AttemptReport, ExecError>>,
    snapshot: &str,
) -> Result<i32, CliError> {
    let mut all_passed = true;
    for (spec, result) in specs.iter().zip(results) {
        let job = spec.job.id.clone();
        let report = match result {
            Ok(r) => r,
            Err(e) => {
                // Nothing ran: the attempt recorded as running is taken back out.
                all_passed = false;
                if let Some(list) = session.ledger.attempts.get_mut(&job) {
                    list.retain(|a| a.number != spec.number);
                }
                session.save_ledger().map_err(CliError::from)?;
                say(&format!(
                    "{}: attempt {} did not run: {}",
                    clean_line(&job),
                    spec.number,
                    clean_line(&e.to_string())
                ));
                continue;
            }
        };
        let mut a = report.attempt;
        let pre = session.ledger.attempts.get(&job).and_then(|l| l.iter().find(|x| x.number == a.number)).cloned();
        a.snapshot = Some(snapshot.to_string());
        a.recovery_prompt = pre.as_ref().and_then(|p| p.recovery_prompt.clone());
        a.revised_prompt = pre.and_then(|p| p.revised_prompt);
        a.changes = diff::diff_snapshot_vs_current(sd, snapshot, Some(&spec.job.outputs)).ok().map(|d| {
            if d.is_empty() {
                format!("no change to {}", spec.job.outputs.join(", "))
            } else {
                diff::stat(&d).to_string()
            }
        });
        all_passed &= a.outcome == AttemptOutcome::Passed;
        let summary = line(&a, &spec.attempt_dir);
        let ended = JournalEvent::AttemptEnded {
            job: job.clone(),
            number: a.number,
            outcome: a.outcome,
            exit_code: a.exit_code,
            changes: a.changes.clone(),
        };
        session.ledger.record_attempt(a);
        session.save_ledger().map_err(CliError::from)?;
        session.journal(ended).map_err(CliError::from)?;
        say(&summary);
    }
    session.redecide();
    if let Some(d) = session.decision.as_ref().filter(|d| d.verdict == Verdict::FullRestart && d.escalated) {
        let max = session.config.decision.max_failed_recoveries;
        let history = session.ledger.history();
        let (job, failed) = specs
            .iter()
            .find_map(|s| {
                history.failed_recoveries.get(&s.job.id).filter(|n| **n >= max).map(|n| (s.job.id.clone(), *n))
            })
            .unwrap_or_default();
        let reason = format!(
            "{job} failed {failed} recovery attempt(s) (limit {max}); the decision is now {}",
            d.verdict.as_str()
        );
        let text = format!("ESCALATED: {reason}. No further recovery of it will run; see recover-tui plan.");
        session
            .journal(JournalEvent::Escalated { job: Some(job), reason, failed_recoveries: failed })
            .map_err(CliError::from)?;
        say(&text);
    }
    Ok(if all_passed { 0 } else { 1 })
}

/// `b2-1: attempt 1 passed (exit 0; 1 file changed, +3 -1) [.recover/attempts/b2-1/1]`, or the findings.
fn line(a: &Attempt, dir: &Path) -> String {
    let outcome = match a.outcome {
        AttemptOutcome::Passed => "passed",
        AttemptOutcome::Failed => "failed",
        AttemptOutcome::TimedOut => "timed out",
        AttemptOutcome::Aborted => "aborted",
        AttemptOutcome::Running => "never finished",
    };
    let exit = a.exit_code.map(|c| format!("exit {c}")).unwrap_or_else(|| "no exit code".into());
    let changes = a.changes.as_deref().map(|c| format!("; {c}")).unwrap_or_default();
    let findings: Vec<String> = a
        .findings
        .iter()
        .take(5)
        .map(|f| {
            let place = match (&f.file, f.line) {
                (Some(p), Some(l)) => format!(" in {p}:{l}"),
                (Some(p), None) => format!(" in {p}"),
                _ => String::new(),
            };
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

/// `p` relative to the state dir (its directory exists), else as given.
fn relative(sd: &StateDir, p: &Path) -> String {
    let abs = match (p.parent().and_then(|d| std::fs::canonicalize(d).ok()), p.file_name()) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => p.to_path_buf(),
    };
    abs.strip_prefix(sd.path()).map(|r| r.display().to_string()).unwrap_or_else(|_| abs.display().to_string())
}
