//! Readers for every input format (see formats/README.md, one per file in `formats/`), and
//! the pure merge of what they read into one Run.
//!
//! Each reader is pure: it takes bytes or text plus the name to report (`source`)
//! and returns a summary of what the file says, with warnings for what it could not read.

pub mod agent;
pub mod discover;
pub mod evidence;
pub mod formats;
pub mod jsonl;
pub mod lines;
pub mod merge;
pub mod paths;
pub mod prompt_text;
pub mod script;
pub mod shell;
pub mod validation;

// The readers by their old paths, for callers that name them so.
pub use formats::{claude, codex_json, codex_session, codex_text, joblog};

/// The project's files as the merge sees them: whether an output exists, the bytes of a
/// prompt file. The scan answers from the disk (`crate::scan::Disk`), tests from memory; core
/// itself never opens a file.
pub trait ProjectFiles: Sync {
    /// A regular file (or a symlink to one) exists at `path`.
    fn exists(&self, path: &std::path::Path) -> bool;
    /// The bytes of `rel` under `root`, only if it is a regular file inside the project (a
    /// symlink leading out of it is an error saying so).
    fn read_inside(&self, root: &std::path::Path, rel: &str) -> std::io::Result<Vec<u8>>;
    /// The bytes of a file a run manifest names (`prompt_file`).
    fn read(&self, path: &std::path::Path) -> std::io::Result<Vec<u8>>;
}

/// No files at all: nothing exists, nothing can be read (for inputs read without a project).
pub struct NoFiles;

impl ProjectFiles for NoFiles {
    fn exists(&self, _: &std::path::Path) -> bool {
        false
    }
    fn read_inside(&self, _: &std::path::Path, rel: &str) -> std::io::Result<Vec<u8>> {
        Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("{rel}: no project files given")))
    }
    fn read(&self, path: &std::path::Path) -> std::io::Result<Vec<u8>> {
        Err(std::io::Error::new(std::io::ErrorKind::NotFound, format!("{}: no project files given", path.display())))
    }
}

/// Bytes as text, invalid UTF-8 replaced. `String::from_utf8_lossy` checks a byte at a time;
/// valid text (nearly every input) is checked by `str::from_utf8` first, many times faster
/// (a 27 KB batch script: ~1 us instead of ~16).
pub fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => String::from_utf8_lossy(bytes),
    }
}

/// A problem with one input, reported to the user as one sentence naming file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseWarning {
    pub source: String,
    pub line: Option<usize>,
    pub message: String,
}

/// Warnings kept per input file. Past it one last warning counts the rest, so a file of millions
/// of broken lines cannot fill memory (or the screen) with warnings.
pub const MAX_WARNINGS_PER_FILE: usize = 50;

/// Add a warning to a file's list, keeping at most [`MAX_WARNINGS_PER_FILE`] and a count of the
/// rest (every reader's per-line warnings go through here).
pub fn push_warning(warnings: &mut Vec<ParseWarning>, w: ParseWarning) {
    if warnings.len() < MAX_WARNINGS_PER_FILE {
        warnings.push(w);
        return;
    }
    let counted = warnings
        .get(MAX_WARNINGS_PER_FILE)
        .and_then(|s| s.message.strip_suffix(" more problem(s) in this file, not listed"))
        .and_then(|n| n.parse::<u64>().ok());
    let summary = |n: u64| ParseWarning {
        source: w.source.clone(),
        line: None,
        message: format!("{n} more problem(s) in this file, not listed"),
    };
    match counted {
        Some(n) => warnings[MAX_WARNINGS_PER_FILE] = summary(n + 1),
        None => warnings.insert(MAX_WARNINGS_PER_FILE, summary(1)),
    }
}

impl std::fmt::Display for ParseWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.source, l, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_per_file_are_capped_with_a_count() {
        let mut w = Vec::new();
        for i in 0..1_000_000 {
            push_warning(
                &mut w,
                ParseWarning { source: "x.jsonl".into(), line: Some(i), message: format!("line {i} is bad") },
            );
        }
        assert_eq!(w.len(), MAX_WARNINGS_PER_FILE + 1);
        assert_eq!(w[0].line, Some(0));
        assert_eq!(
            w[MAX_WARNINGS_PER_FILE].to_string(),
            format!("x.jsonl: {} more problem(s) in this file, not listed", 1_000_000 - MAX_WARNINGS_PER_FILE)
        );
    }
}

#[cfg(test)]
mod text_tests {
    use proptest::prelude::*;
    use std::borrow::Cow;

    #[test]
    fn valid_text_is_borrowed_and_invalid_bytes_are_replaced() {
        assert!(matches!(super::text("é ok".as_bytes()), Cow::Borrowed("é ok")));
        assert_eq!(super::text(b"a\xffb\xe2\x82"), "a\u{FFFD}b\u{FFFD}");
    }

    proptest! {
        #[test]
        fn text_is_the_lossy_text_of_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            prop_assert_eq!(super::text(&bytes), String::from_utf8_lossy(&bytes));
        }
    }
}
