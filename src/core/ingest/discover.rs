//! The load's data (DESIGN.md §4): options, errors, progress and the files read. The scan that
//! fills them (walking the tree, opening files) is `crate::scan`; the merge is `merge.rs`.

use crate::core::manifest;
use std::path::PathBuf;

pub use super::formats::Parsed;

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Program names that count as generators besides `codex` and `claude`.
    pub generators: Vec<String>,
    /// Name of the state directory to skip (`.recover`).
    pub state_dir_name: String,
    /// Worker threads for reading files (0 = the machine's parallelism).
    pub threads: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { generators: Vec::new(), state_dir_name: ".recover".into(), threads: 0 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
    #[error(transparent)]
    Manifest(#[from] manifest::ManifestError),
    #[error("{0}: found no batch scripts, joblogs, agent logs or run.json to load")]
    Empty(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}: is {1}, not a log file, run.json or directory; give the path of a file or directory")]
    NotAFile(PathBuf, &'static str),
}

/// Progress of a load, for a UI that shows it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub files_done: usize,
    pub files_total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// A file found by the scan: its path relative to the scanned directory and what it holds.
#[derive(Debug)]
pub struct Input {
    pub rel: String,
    pub parsed: Parsed,
}
