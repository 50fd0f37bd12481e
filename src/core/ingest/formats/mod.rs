//! One reader per input format (formats/README.md), and the one registry of them.
//!
//! Every reader implements [`Reader`]: its name, a sniff of a file's first bytes giving a
//! [`Confidence`], and a read from a stream it is given (never a path: the scan in
//! `crate::scan` opens files and hands each reader its bytes). Readers of generator output
//! also render a live line for the Run screen and name the generator program they read.
//! [`REGISTRY`] is the sniff order; adding a format is one file here and one line there.

pub mod claude;
pub mod codex_json;
pub mod codex_session;
pub mod codex_text;
pub mod job_table;
pub mod joblog;
mod readers;

use super::agent::AgentLog;
use super::script::Script;
use super::validation::ValidationReport;
use super::ParseWarning;
use codex_session::Session;
use joblog::Joblog;
use std::io::BufRead;

pub use job_table::JobTable;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Manifest,
    CodexJson,
    CodexSession,
    Claude,
    CodexText,
    Joblog,
    /// A TSV/CSV of jobs or of job results written by a runner script.
    JobTable,
    /// A shell script that calls a generator (or GNU parallel with a joblog).
    Script,
    /// One command per line, fed to GNU parallel or xargs.
    CommandList,
    Validation,
    Unknown,
}

/// How sure a reader is that a file holds its format. The registry takes the most
/// confident reader, the earlier one of equally confident ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    No,
    /// The content fits, but a more specific reader may claim it.
    Maybe,
    Sure,
}

/// How a reader wants its bytes from the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// The whole file as a stream, read line by line and never held (results and event
    /// streams: a failed row in the middle must never be left out).
    Stream,
    /// The file's text held in memory: whole, or for a very large file its head and tail
    /// (the scan adds a warning naming the gap).
    Text,
}

/// What the scan knows about a file when it asks the readers.
#[derive(Debug, Clone, Copy)]
pub struct FileInfo<'a> {
    /// Path relative to the scanned directory, used in every warning.
    pub rel: &'a str,
    /// File name (only scripts and command lists are told apart by it).
    pub name: &'a str,
    /// Program names that count as generators besides [`GENERATORS`].
    pub generators: &'a [String],
}

/// One input file after reading. Every reading is boxed: a file is read on a worker and moved
/// several times before it is matched to its job, and the box keeps each move (and each of
/// the tens of thousands of inputs of a wide run, most of them one small log) to a pointer.
#[derive(Debug)]
pub enum Parsed {
    Script(Box<Script>),
    Joblog(Box<Joblog>),
    JobTable(Box<JobTable>),
    Agent(Box<AgentLog>),
    Session(Box<Session>),
    Validation(Box<ValidationReport>),
    /// Empty, unreadable, or not a format we read (prompt files, stderr captures ...).
    Other {
        text_head: String,
    },
    /// A file of a known format that was not read, and why.
    Skipped {
        reason: String,
    },
}

impl Parsed {
    /// The warnings of what was read (`None` for files that were not read).
    pub fn warnings_mut(&mut self) -> Option<&mut Vec<ParseWarning>> {
        Some(match self {
            Parsed::Script(s) => &mut s.warnings,
            Parsed::Joblog(j) => &mut j.warnings,
            Parsed::JobTable(t) => &mut t.warnings,
            Parsed::Agent(a) => &mut a.warnings,
            Parsed::Session(s) => &mut s.warnings,
            Parsed::Validation(v) => &mut v.warnings,
            Parsed::Other { .. } | Parsed::Skipped { .. } => return None,
        })
    }
}

/// A generator's output line as the Run screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LiveLine {
    /// Show this text.
    Show(String),
    /// An event of this format not worth a line (`item.updated`, deltas).
    Quiet,
    /// Not this reader's line.
    NotMine,
}

/// One input format.
pub trait Reader: Sync {
    fn format(&self) -> Format;
    /// The format's name in messages (`codex exec --json`).
    fn name(&self) -> &'static str;
    /// How sure this reader is that a file with these first bytes is its format.
    fn sniff(&self, head: &[u8], file: &FileInfo<'_>) -> Confidence;
    fn reading(&self) -> Reading {
        Reading::Text
    }
    /// Read the file from `input` (the whole file, or its bounded text; see [`Reading`]).
    fn read(&self, input: &mut dyn BufRead, file: &FileInfo<'_>) -> std::io::Result<Parsed>;
    /// [`Reader::read`] of a file already in memory whole; a format can read it in place.
    fn read_bytes(&self, bytes: &[u8], file: &FileInfo<'_>) -> std::io::Result<Parsed> {
        self.read(&mut &bytes[..], file)
    }
    /// One output line of a running generator of this format, as the Run screen shows it.
    fn live_line(&self, _line: &str) -> LiveLine {
        LiveLine::NotMine
    }
    /// The generator program whose output this format is (`codex`, `claude`).
    fn generator(&self) -> Option<&'static str> {
        None
    }
    /// The generator-call shape: a command line (argv) whose stdout is this format
    /// (`codex exec --json ...` -> Codex JSONL, `claude -p --output-format json` -> Claude).
    fn is_output_of(&self, _argv: &[String]) -> bool {
        false
    }
}

/// The program of an argv, without its directory (`/usr/local/bin/codex` -> `codex`).
pub(crate) fn program(argv: &[String]) -> &str {
    argv.first().map(|a| a.rsplit('/').next().unwrap_or(a)).unwrap_or("")
}

/// The format a generator command writes on stdout, by its call shape (`None`: not a
/// generator this registry reads, or a shape that prints no log format).
pub fn output_format(argv: &[String]) -> Option<Format> {
    REGISTRY.iter().find(|r| r.is_output_of(argv)).map(|r| r.format())
}

/// Every reader, in sniff order. The agent streams come before the manifest: they are told by
/// their first line, which no manifest has, while a manifest is told by its schema anywhere in
/// its head, which a log that shows one has too (and the search is most of a small log's sniff).
pub static REGISTRY: &[&dyn Reader] = &[
    &readers::CodexSessionReader,
    &readers::CodexJsonReader,
    &readers::ClaudeReader,
    &readers::ManifestReader,
    &readers::JoblogReader,
    &readers::JobTableReader,
    &readers::ScriptReader,
    &readers::CommandListReader,
    &readers::CodexTextReader,
    &readers::ValidationReader,
];

/// The generator programs recover-tui reads the output of (the one list of their names).
pub const GENERATORS: &[&str] = &["codex", "claude"];

/// The reader of a format.
pub fn reader(format: Format) -> Option<&'static dyn Reader> {
    REGISTRY.iter().copied().find(|r| r.format() == format)
}

/// The reader for a file, by its first bytes (formats are sniffed, not trusted by name).
pub fn sniff_reader(head: &[u8], file: &FileInfo<'_>) -> Option<&'static dyn Reader> {
    if head.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let mut best: Option<(Confidence, &'static dyn Reader)> = None;
    for r in REGISTRY.iter().copied() {
        let c = r.sniff(head, file);
        if c == Confidence::Sure {
            return Some(r);
        }
        if c > Confidence::No && best.is_none_or(|(b, _)| c > b) {
            best = Some((c, r));
        }
    }
    best.map(|(_, r)| r)
}

/// `name` is the file name (only used to tell a script from a command list), `head` the first bytes.
pub fn sniff(name: &str, head: &[u8], generators: &[String]) -> Format {
    let file = FileInfo { rel: name, name, generators };
    sniff_reader(head, &file).map_or(Format::Unknown, |r| r.format())
}

/// Read a file held in memory by whichever reader claims it (`Parsed::Other` when none does).
pub fn read_bytes(bytes: &[u8], file: &FileInfo<'_>) -> Parsed {
    let Some(r) = sniff_reader(bytes, file) else {
        return Parsed::Other { text_head: super::text(bytes).into_owned() };
    };
    r.read_bytes(bytes, file)
        .unwrap_or_else(|e| Parsed::Skipped { reason: format!("cannot read it ({e}); not loaded") })
}

/// A running generator's output line for the Run screen: the first reader that knows the
/// line renders it; a line no reader knows is shown as it is. `None`: not worth a line.
pub fn live_line(line: &str) -> Option<String> {
    for r in REGISTRY.iter() {
        match r.live_line(line) {
            LiveLine::Show(s) => return Some(s),
            LiveLine::Quiet => return None,
            LiveLine::NotMine => {}
        }
    }
    Some(line.to_string())
}

/// The text of a stream, invalid UTF-8 replaced.
pub(crate) fn text_of(input: &mut dyn BufRead) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    Ok(String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

/// The first non-blank byte is `{`: only the JSON readers claim such a file.
pub(crate) fn starts_json(head: &[u8]) -> bool {
    head.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

#[cfg(test)]
mod tests;
