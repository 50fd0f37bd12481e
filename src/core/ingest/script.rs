//! Batch scripts and command lists (formats/README.md §6): which generator calls a batch makes,
//! with their prompts, options and log redirects.

use super::shell::Invocation;
use super::ParseWarning;
use std::collections::HashMap;

/// Where a generator call's prompt is.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptText {
    /// A quoted argument (possibly many lines) or heredoc / piped text, after expansion.
    Inline(String),
    /// A file read on stdin (`- < f`, `cat f | codex exec -`), as written after expansion.
    File(String),
    /// No prompt could be found.
    Missing,
}

/// A `codex exec` (or `claude -p`, or configured generator) call.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorCall {
    pub invocation: Invocation,
    /// `codex`, `claude`, or the configured generator's program name.
    pub tool: String,
    /// `-C DIR` / `--cd DIR`.
    pub cd: Option<String>,
    pub model: Option<String>,
    /// `-o FILE` / `--output-last-message FILE`.
    pub last_message_file: Option<String>,
    /// `--json` / `--experimental-json` / `--output-format json|stream-json`.
    pub json: bool,
    pub prompt: PromptText,
}

/// A `parallel ... --joblog F < cmds` (or `:::: cmds`) line: links a joblog to its command list.
#[derive(Debug, Clone, PartialEq)]
pub struct ParallelCall {
    pub joblog: Option<String>,
    pub input: Option<String>,
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptBatch {
    /// From `# Batch 3` / `echo "Batch 3"` markers, else from the file name.
    pub number: Option<u32>,
    /// Text of the marker (`SparkQ Phase 6 - Batch 3 (parallel)`), if any.
    pub name: Option<String>,
    pub calls: Vec<GeneratorCall>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Script {
    /// Batches in script order; several when the script separates them by markers / `wait`.
    pub batches: Vec<ScriptBatch>,
    pub parallel: Vec<ParallelCall>,
    /// Last `cd DIR` before the first call.
    pub cd: Option<String>,
    /// Variables assigned in the script.
    pub vars: HashMap<String, String>,
    pub warnings: Vec<ParseWarning>,
}

/// Parse a shell script. `file_name` gives the batch number when markers do not
/// (`phase6-codex-batch3.sh` -> 3). `generators` are extra program names that count as generators.
pub fn parse(text: &str, source: &str, file_name: &str, generators: &[String]) -> Script {
    let _ = (text, source, file_name, generators);
    Script::default()
}

/// A command list (one command per line, as fed to GNU parallel or xargs): one batch.
pub fn parse_command_list(text: &str, source: &str, file_name: &str, generators: &[String]) -> Script {
    let _ = (text, source, file_name, generators);
    Script::default()
}

/// Interpret one invocation as a generator call (`codex exec ...`, `codex e`, `claude -p ...`).
pub fn generator_call(inv: &Invocation, generators: &[String]) -> Option<GeneratorCall> {
    let _ = (inv, generators);
    None
}

/// `phase6-codex-batch3.sh` -> 3, `batch2.cmds` -> 2, `b4.sh` -> 4.
pub fn batch_number_from_name(name: &str) -> Option<u32> {
    let _ = name;
    None
}

/// True when the text invokes a generator (so it is a batch script or command list).
pub fn looks_like(text: &str, generators: &[String]) -> bool {
    let _ = (text, generators);
    false
}
