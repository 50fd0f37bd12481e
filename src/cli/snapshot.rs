//! `recover-tui snapshot` (the new id is the last line) and `recover-tui snapshots`.

use super::{load, nothing_failed, Cli, CliError};
use crate::app::project::Project;
use crate::core::sanitize::clean_line;
use crate::core::words::count;
use crate::store::snapshot::{self, SnapshotManifest};
use serde_json::{json, Value};
use std::path::Path;

pub fn take(cli: &Cli, path: Option<&Path>, job: Option<&str>, batch: Option<u32>) -> Result<i32, CliError> {
    let mut project = load(cli, path)?;
    let (paths, reason, job, batch) = what(&project, job, batch)?;
    let info = project.take_snapshot(paths, &reason, job, batch).map_err(CliError::from)?;
    let sd = project.writable_store().map_err(CliError::from)?;
    let m = snapshot::load(&sd, &info.id)?;
    let present = m.files.iter().filter(|f| f.sha256.is_some()).count();
    println!("Snapshot ({}): {}, {} bytes", clean_line(&m.reason), count(present, "file"), m.total_size());
    for f in &m.files {
        match &f.sha256 {
            Some(_) => println!("  {}  {} bytes", clean_line(&f.path), f.size),
            None => println!("  {}  missing (restoring this snapshot deletes it)", clean_line(&f.path)),
        }
    }
    for p in &m.problems {
        println!("  skipped: {}", clean_line(p));
    }
    println!("{}", m.id);
    Ok(0)
}

type What = (Option<Vec<String>>, String, Option<String>, Option<u32>);

/// The paths, reason, job and batch of the snapshot asked for.
fn what(project: &Project, job: Option<&str>, batch: Option<u32>) -> Result<What, CliError> {
    let run = &project.run;
    if let Some(id) = job {
        let j = run.job(id).ok_or_else(|| CliError::from(crate::core::words::unknown_job(run, id)))?;
        if j.outputs.is_empty() {
            return Err(CliError::from(format!("job `{}` names no output file: nothing to snapshot", clean_line(id))));
        }
        return Ok((Some(j.outputs.clone()), format!("job {id}"), Some(id.to_string()), Some(j.batch)));
    }
    if let Some(n) = batch {
        let b = run.batch(n).ok_or_else(|| {
            let have: Vec<String> = run.batches.iter().map(|b| b.number.to_string()).collect();
            CliError::from(format!("there is no batch {n} in the run (batches: {})", have.join(", ")))
        })?;
        let mut paths: Vec<String> = b.jobs.iter().flat_map(|j| j.outputs.iter().cloned()).collect();
        paths.sort();
        paths.dedup();
        if paths.is_empty() {
            return Err(CliError::from(format!("no job of batch {n} names an output file: nothing to snapshot")));
        }
        return Ok((Some(paths), format!("batch {n}"), None, Some(n)));
    }
    let Some(d) = project.decision.as_ref() else {
        return Err(nothing_failed(project, "there are no outputs to repair (use --job ID or --batch N)"));
    };
    Ok((None, "outputs of the jobs to repair".into(), None, Some(d.failing_batch)))
}

pub fn list(cli: &Cli, path: Option<&Path>, as_json: bool) -> Result<i32, CliError> {
    let project = super::load_read_only(cli, path)?;
    let (list, problems) = match project.store.clone() {
        Some(sd) => snapshot::list(&sd)?,
        None => (Vec::new(), Vec::new()),
    };
    for p in &problems {
        eprintln!("recover-tui: {}", clean_line(p));
    }
    if as_json {
        let doc = json!({
            "schema": "recover-tui/snapshots@1",
            "state_dir": project.state_dir.display().to_string(),
            "snapshots": list.iter().map(entry).collect::<Vec<_>>(),
            "problems": problems,
        });
        println!("{}", crate::core::export::to_safe_json(&doc));
        return Ok(0);
    }
    if list.is_empty() {
        println!("No snapshots in {}.", project.state_dir.display());
        return Ok(0);
    }
    println!("{:<26} {:<20} {:>5} {:>10}  {:<16} REASON", "ID", "CREATED (UTC)", "FILES", "BYTES", "JOB/BATCH");
    for m in &list {
        let scope = match (&m.job, m.batch) {
            (Some(j), _) => clean_line(j),
            (None, Some(b)) => format!("batch {b}"),
            (None, None) => "-".into(),
        };
        println!(
            "{:<26} {:<20} {:>5} {:>10}  {:<16} {}",
            m.id,
            m.created_at.format("%Y-%m-%d %H:%M:%S"),
            m.files.len(),
            m.total_size(),
            scope,
            clean_line(&m.reason)
        );
    }
    Ok(0)
}

fn entry(m: &SnapshotManifest) -> Value {
    json!({
        "id": m.id,
        "created_at": m.created_at,
        "reason": m.reason,
        "job": m.job,
        "batch": m.batch,
        "attempt": m.attempt,
        "files": m.files.len(),
        "missing": m.files.iter().filter(|f| f.sha256.is_none()).count(),
        "bytes": m.total_size(),
        "paths": m.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>(),
        "problems": m.problems,
    })
}
