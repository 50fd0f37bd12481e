//! `recover-tui diff ID [--job ID] [--against ID2]`: a unified diff on stdout, the summary on
//! stderr (so stdout stays a patch).

use super::{load_read_only, Cli, CliError};
use crate::core::sanitize::clean_line;
use crate::store::diff::{self, FileDiff, PathDiff};
use std::path::Path;

pub fn run(
    cli: &Cli,
    path: Option<&Path>,
    id: &str,
    job: Option<&str>,
    against: Option<&str>,
) -> Result<i32, CliError> {
    let project = load_read_only(cli, path)?;
    let sd = project.store.clone().ok_or_else(|| {
        CliError::from(format!("{}: the state directory could not be opened", project.state_dir.display()))
    })?;
    let only = match job {
        Some(j) => {
            let job =
                project.run.job(j).ok_or_else(|| CliError::from(crate::core::words::unknown_job(&project.run, j)))?;
            if job.outputs.is_empty() {
                return Err(CliError::from(format!("job `{}` names no output file: nothing to diff", clean_line(j))));
            }
            Some(job.outputs.clone())
        }
        None => None,
    };
    let diffs = match against {
        Some(b) => diff::diff_snapshots(&sd, id, b, only.as_deref())?,
        None => diff::diff_snapshot_vs_current(&sd, id, only.as_deref())?,
    };
    let paint = super::paint::Paint::new(cli.color);
    for d in &diffs {
        print!("{}", paint.diff(&super::for_stdout(&render(d))));
    }
    let what = against.map(|b| format!("snapshot {}", clean_line(b))).unwrap_or_else(|| "the current files".into());
    if diffs.is_empty() {
        eprintln!("no differences between snapshot {} and {what}", clean_line(id));
    } else {
        eprintln!("{} (snapshot {} vs {what})", diff::stat(&diffs), clean_line(id));
    }
    Ok(0)
}

/// One path: its note, then the unified text, or a line saying it is binary or too large.
pub fn render(d: &PathDiff) -> String {
    let path = clean_line(&d.path);
    let mut s = String::new();
    if let Some(n) = &d.note {
        s += &format!("# {path}: {}\n", clean_line(n));
    }
    match &d.diff {
        FileDiff::Text { unified, .. } => {
            s += unified;
            if !unified.is_empty() && !unified.ends_with('\n') {
                s.push('\n');
            }
        }
        FileDiff::Binary { old_size, new_size, .. } => {
            s += &format!("Binary files a/{path} and b/{path} differ ({old_size} -> {new_size} bytes)\n");
        }
        FileDiff::Summary { old_lines, new_lines, .. } => {
            s += &format!("# {path}: too large to diff line by line ({old_lines} -> {new_lines} lines)\n");
        }
    }
    s
}
