//! Runner job tables (formats/README.md §8) in the merge: a jobs table defines or names jobs
//! (its id is the job's id; its prompt file and logs match the job's other inputs), a summary
//! table gives their exit codes and seconds, matched by id.

use super::{batch_from_path, Draft, Inputs, RowInfo};
use crate::core::ingest::formats::job_table::JobTableRow;
use crate::core::ingest::paths::Rebaser;

/// Apply every job table: jobs tables first (they define jobs), then summaries (results).
pub(super) fn attach_job_tables(inp: &Inputs, rb: &Rebaser, drafts: &mut Vec<Draft>, warnings: &mut Vec<String>) {
    for (rel, table) in inp.job_tables.iter().filter(|(_, t)| names_inputs(&t.rows)) {
        for row in &table.rows {
            attach_job(rel, row, rb, drafts);
        }
    }
    for (rel, table) in inp.job_tables.iter().filter(|(_, t)| t.has_results) {
        for row in &table.rows {
            attach_result(rel, row, drafts, warnings);
        }
    }
}

fn names_inputs(rows: &[JobTableRow]) -> bool {
    rows.iter().any(|r| r.prompt_file.is_some() || r.log.is_some() || r.last_message.is_some())
}

/// The batch of a table's job: from the table's path (`batch2/jobs.tsv`), else from the job's
/// id (`b2-cli`), else 1 (a runner's table is one batch).
fn batch_of(rel: &str, id: &str) -> u32 {
    batch_from_path(rel).or_else(|| batch_from_path(id)).unwrap_or(1)
}

fn attach_job(rel: &str, row: &JobTableRow, rb: &Rebaser, drafts: &mut Vec<Draft>) {
    let source = format!("{rel}:{}", row.line);
    let log = row.log.as_deref().and_then(|l| rb.rel(l));
    let prompt_file = row.prompt_file.as_deref().map(|p| rb.rel_or_raw(p));
    let known = drafts.iter().position(|d| {
        (log.is_some() && d.stdout_log == log) || (prompt_file.is_some() && d.prompt_file == prompt_file)
    });
    let i = match known {
        Some(i) => {
            drafts[i].matched_by.push(format!("job table row {source}: names the same log or prompt file"));
            i
        }
        None => {
            let batch = batch_of(rel, &row.id);
            drafts.push(Draft {
                batch,
                origin: source.clone(),
                prompt_file,
                stdout_log: log,
                matched_by: vec![format!("defined by job table row {source}")],
                ..Draft::default()
            });
            drafts.len() - 1
        }
    };
    let d = &mut drafts[i];
    d.id_hint = row.id.clone();
    if let Some(m) = row.last_message.as_deref().and_then(|m| rb.rel(m)) {
        if !d.other_logs.contains(&m) && d.stdout_log.as_ref() != Some(&m) {
            d.other_logs.push(m);
        }
    }
}

fn attach_result(rel: &str, row: &JobTableRow, drafts: &mut [Draft], warnings: &mut Vec<String>) {
    let source = format!("{rel}:{}", row.line);
    let Some(d) = drafts.iter_mut().find(|d| d.id_hint == row.id) else {
        warnings.push(format!(
            "{source}: job {} is named by no jobs table, script or joblog; its result is not used",
            row.id
        ));
        return;
    };
    d.matched_by.push(format!("summary row {source}: same job id"));
    if let Some(code) = row.exit_code {
        d.row = Some(RowInfo {
            exitval: code,
            signal: 0,
            start: None,
            runtime_s: row.seconds,
            earlier_attempts: 0,
            source,
        });
    }
}
