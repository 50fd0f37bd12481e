//! Job tables written by runner scripts (formats/README.md §8): a TSV/CSV of jobs naming each
//! job's id, prompt file, working directory and log or `-o` file, and a summary TSV of
//! results (id, exit code, seconds). A table is read when its header names an id column and
//! at least one of those; the columns may come in any order and under the usual spellings.

use crate::core::ingest::ParseWarning;
use std::io::BufRead;

/// What a column holds, from its header cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Column {
    Id,
    Prompt,
    Workdir,
    Log,
    LastMessage,
    Exit,
    Seconds,
    Other,
}

fn column(header: &str) -> Column {
    let h = header.trim().trim_start_matches('#').trim().to_ascii_lowercase().replace(['-', ' '], "_");
    match h.as_str() {
        "id" | "job" | "job_id" | "jobid" | "name" | "task" | "task_id" => Column::Id,
        "prompt" | "prompt_file" | "prompt_path" | "promptfile" | "prompts" => Column::Prompt,
        "workdir" | "cwd" | "dir" | "work_dir" | "working_dir" | "directory" | "cd" => Column::Workdir,
        "log" | "log_file" | "logfile" | "log_path" | "stdout" | "jsonl" | "events" => Column::Log,
        "o" | "output_last_message" | "last_message" | "last_message_file" | "out_file" | "result_file" => {
            Column::LastMessage
        }
        "exit" | "exit_code" | "exitcode" | "exit_status" | "rc" | "status_code" | "code" => Column::Exit,
        "seconds" | "secs" | "duration" | "duration_s" | "elapsed" | "elapsed_s" | "runtime" | "time_s" | "wall_s" => {
            Column::Seconds
        }
        _ => Column::Other,
    }
}

/// One job of a table: the facts its row names (a jobs table names the inputs, a summary
/// table the results; a table can name both).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobTableRow {
    pub id: String,
    pub prompt_file: Option<String>,
    pub workdir: Option<String>,
    pub log: Option<String>,
    /// The `-o/--output-last-message` file.
    pub last_message: Option<String>,
    pub exit_code: Option<i64>,
    pub seconds: Option<f64>,
    /// 1-based line in the file.
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobTable {
    pub rows: Vec<JobTableRow>,
    /// The header names result columns (exit code or seconds).
    pub has_results: bool,
    pub warnings: Vec<ParseWarning>,
}

fn delimiter(header: &str) -> u8 {
    if header.contains('\t') {
        b'\t'
    } else {
        b','
    }
}

fn header_columns(line: &str) -> Vec<Column> {
    let d = delimiter(line) as char;
    line.trim_end_matches(['\r', '\n']).split(d).map(|c| column(c.trim_matches('"'))).collect()
}

/// The header of a job table: an id column and a prompt, log, `-o` or exit-code column.
fn is_header(cols: &[Column]) -> bool {
    cols.len() >= 2
        && cols.contains(&Column::Id)
        && cols.iter().any(|c| matches!(c, Column::Prompt | Column::Log | Column::LastMessage | Column::Exit))
}

/// The first non-blank line is the header of a job table.
pub fn looks_like(head: &[u8]) -> bool {
    let text = crate::core::ingest::text(head);
    let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else { return false };
    is_header(&header_columns(first))
}

/// Read a whole table. Rows without an id, or whose exit code or seconds are not numbers,
/// are warned about (naming the line); the rest still load.
pub fn read(mut input: impl BufRead, source: &str) -> std::io::Result<JobTable> {
    let mut table = JobTable::default();
    // The delimiter is the header's: a tab when the first line holds one, else a comma.
    let d = {
        let head = crate::core::ingest::text(input.fill_buf()?);
        head.lines().find(|l| !l.trim().is_empty()).map_or(b',', delimiter)
    };
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true).delimiter(d).from_reader(input);
    let mut cols: Option<Vec<Column>> = None;
    let mut record = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                if let csv::ErrorKind::Io(_) = e.kind() {
                    return Err(std::io::Error::other(e.to_string()));
                }
                let line = e.position().map(|p| p.line() as usize);
                warn(&mut table, source, line, format!("cannot read this row ({e}); skipped"));
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let Some(cols) = cols.as_ref() else {
            let parsed: Vec<Column> = record.iter().map(column).collect();
            if !is_header(&parsed) {
                warn(
                    &mut table,
                    source,
                    Some(line),
                    "the first row does not name an id and a prompt, log or exit-code column; the table is not read"
                        .into(),
                );
                return Ok(table);
            }
            table.has_results = parsed.iter().any(|c| matches!(c, Column::Exit | Column::Seconds));
            cols = Some(parsed);
            continue;
        };
        if let Some(row) = row(cols, &record, line, source, &mut table) {
            table.rows.push(row);
        }
    }
    Ok(table)
}

fn warn(table: &mut JobTable, source: &str, line: Option<usize>, message: String) {
    crate::core::ingest::push_warning(&mut table.warnings, ParseWarning { source: source.to_string(), line, message });
}

fn non_empty(cell: &str) -> Option<String> {
    let c = cell.trim();
    (!c.is_empty() && c != "-").then(|| c.to_string())
}

fn row(
    cols: &[Column],
    record: &csv::StringRecord,
    line: usize,
    source: &str,
    table: &mut JobTable,
) -> Option<JobTableRow> {
    let mut r = JobTableRow { line, ..JobTableRow::default() };
    for (col, cell) in cols.iter().zip(record.iter()) {
        match col {
            Column::Id => r.id = cell.trim().to_string(),
            Column::Prompt => r.prompt_file = non_empty(cell),
            Column::Workdir => r.workdir = non_empty(cell),
            Column::Log => r.log = non_empty(cell),
            Column::LastMessage => r.last_message = non_empty(cell),
            Column::Exit => match non_empty(cell).map(|c| c.parse::<i64>()) {
                None => {}
                Some(Ok(code)) => r.exit_code = Some(code),
                Some(Err(_)) => warn(
                    table,
                    source,
                    Some(line),
                    format!("exit code {:?} is not a number; it is not used", cell.trim()),
                ),
            },
            Column::Seconds => match non_empty(cell).map(|c| c.trim_end_matches('s').parse::<f64>()) {
                None => {}
                Some(Ok(s)) if s.is_finite() && s >= 0.0 => r.seconds = Some(s),
                Some(_) => warn(
                    table,
                    source,
                    Some(line),
                    format!("seconds {:?} is not a duration; it is not used", cell.trim()),
                ),
            },
            Column::Other => {}
        }
    }
    if r.id.is_empty() {
        warn(table, source, Some(line), "this row names no job id; skipped".into());
        return None;
    }
    Some(r)
}

#[cfg(test)]
#[path = "job_table_tests.rs"]
mod tests;
