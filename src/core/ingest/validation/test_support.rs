//! Helpers shared by the validation tests.

use super::ValidationReport;

/// The text of a sample under tests/data/ (e.g. `validation/pytest.txt`).
macro_rules! data {
    ($name:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/", $name))
    };
}
pub(super) use data;

pub(super) type Row<'a> = (Option<&'a str>, Option<u32>, &'a str, &'a str);

pub(super) fn rows(r: &ValidationReport) -> Vec<Row<'_>> {
    r.findings.iter().map(|f| (f.file.as_deref(), f.line, f.error_type.as_str(), f.message.as_str())).collect()
}

pub(super) fn sources(r: &ValidationReport) -> Vec<&str> {
    r.findings.iter().map(|f| f.source.as_str()).collect()
}
