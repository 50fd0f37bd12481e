//! Validation reports: model-written (✅/❌, PASS/FAIL, [FAIL]) and raw tool output
//! (py_compile, pytest, mypy, rustc/cargo, tsc, eslint, go) (formats/README.md §7).

use super::ParseWarning;
use crate::core::model::Finding;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ValidationReport {
    /// Batch number named in the report (`Haiku Validation Report - Batch 3:`), if any.
    pub batch: Option<u32>,
    /// Files the report says were checked (PASS lines, files named by `$ cmd file` lines,
    /// files named in FAIL lines), as written (may be absolute).
    pub checked: Vec<String>,
    /// Files reported as failing, as written.
    pub failed: Vec<String>,
    /// One finding per error, with file (as written), line, error type and message.
    pub findings: Vec<Finding>,
    pub warnings: Vec<ParseWarning>,
}

pub fn parse(text: &str, source: &str) -> ValidationReport {
    let _ = (text, source);
    ValidationReport::default()
}

/// True when the text looks like a validation report or validation tool output.
pub fn looks_like(head: &str) -> bool {
    let _ = head;
    false
}
