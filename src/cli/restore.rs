//! `recover-tui restore ID [--resume]`: put a snapshot back (undoable), journaled.

use super::{load, Cli, CliError};
use crate::core::model::SystemClock;
use crate::core::sanitize::clean_line;
use crate::store::journal::JournalEvent;
use crate::store::restore::{self, RestoreReport};
use crate::store::StoreError;
use std::path::Path;

pub fn run(cli: &Cli, path: Option<&Path>, id: &str, resume: bool) -> Result<i32, CliError> {
    let project = load(cli, path)?;
    let sd = project.writable_store().map_err(CliError::from)?;
    let report = match restore::pending_restore(&sd) {
        Some(pending) if resume => {
            if !pending.starts_with(id) {
                return Err(CliError::from(format!(
                    "{}: the interrupted restore is of snapshot {pending}, not `{}`; resume it with `restore {pending} --resume`",
                    sd.restore_staging_path().join(&pending).join("plan.json").display(),
                    clean_line(id)
                )));
            }
            restore::resume_restore(&sd)?
        }
        _ => restore::restore(&sd, id, &SystemClock).map_err(|e| match e {
            StoreError::RestorePending { .. } => CliError::from(format!("{e}; to complete it pass --resume")),
            e => CliError::from(e),
        })?,
    };
    let event = JournalEvent::Restore {
        snapshot: report.snapshot.clone(),
        undo_snapshot: report.undo_snapshot.clone(),
        written: u32::try_from(report.written.len()).unwrap_or(u32::MAX),
        deleted: u32::try_from(report.deleted.len()).unwrap_or(u32::MAX),
    };
    project.journal(event).map_err(CliError::from)?;
    print!("{}", text(&report));
    Ok(0)
}

fn text(r: &RestoreReport) -> String {
    let mut s = format!(
        "Restored snapshot {}: {} written, {} deleted, {} unchanged.\n",
        r.snapshot,
        r.written.len(),
        r.deleted.len(),
        r.unchanged.len()
    );
    for p in &r.written {
        s += &format!("  wrote    {}\n", clean_line(p));
    }
    for p in &r.deleted {
        s += &format!("  deleted  {}\n", clean_line(p));
    }
    for p in &r.problems {
        s += &format!("  note: {}\n", clean_line(p));
    }
    s += &format!("Undo snapshot: {} (restore it to undo this restore)\n", r.undo_snapshot);
    s
}
