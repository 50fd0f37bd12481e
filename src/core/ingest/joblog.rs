//! GNU parallel `--joblog` files (formats/README.md §5).

use super::ParseWarning;

#[derive(Debug, Clone, PartialEq)]
pub struct JoblogRow {
    pub seq: u64,
    pub host: String,
    /// Epoch seconds.
    pub start: Option<f64>,
    pub runtime_s: Option<f64>,
    pub exitval: i64,
    pub signal: i64,
    /// The command with NUL bytes turned back into newlines; TABs inside kept.
    pub command: String,
    /// 1-based line in the file.
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Joblog {
    /// Rows in file (completion) order.
    pub rows: Vec<JoblogRow>,
    pub had_header: bool,
    pub warnings: Vec<ParseWarning>,
}

/// One job of the joblog: its current (last) row and how many earlier rows it had.
#[derive(Debug, Clone, PartialEq)]
pub struct JoblogJob<'a> {
    pub seq: u64,
    pub last: &'a JoblogRow,
    pub earlier_attempts: usize,
}

impl Joblog {
    /// Jobs ordered by Seq; the last row of a Seq is its current state.
    pub fn jobs(&self) -> Vec<JoblogJob<'_>> {
        Vec::new()
    }
}

pub fn parse(bytes: &[u8], source: &str) -> Joblog {
    let _ = (bytes, source);
    Joblog::default()
}

/// Header line, or a first line of 9+ TAB-separated fields with numeric Seq/Starttime/Exitval.
pub fn looks_like(head: &[u8]) -> bool {
    let _ = head;
    false
}
