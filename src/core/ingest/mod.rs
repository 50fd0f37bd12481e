//! Readers for every input format (see formats/README.md), and discovery that merges them.
//!
//! Each reader is pure: it takes bytes or text plus the name to report (`source`)
//! and returns a summary of what the file says, with warnings for what it could not read.

pub mod agent;
pub mod claude;
pub mod codex_json;
pub mod codex_session;
pub mod codex_text;
pub mod discover;
pub mod joblog;
pub mod merge;
pub mod paths;
pub mod prompt_text;
pub mod script;
pub mod shell;
pub mod sniff;
pub mod validation;

/// A problem with one input, reported to the user as one sentence naming file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseWarning {
    pub source: String,
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ParseWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{}: {}", self.source, l, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}
