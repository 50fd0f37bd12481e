//! Validation reports: model-written (✅/❌, PASS/FAIL, [FAIL]) and raw tool output
//! (py_compile, pytest, mypy, rustc/cargo, tsc, eslint, go) (formats/README.md §7).
//!
//! One pass over the lines. Each line is offered, in order, to: an open FAIL block of a
//! model report, a pending rustc error or panic, a `$ command` line, pytest's output, a
//! report header, a PASS/FAIL verdict line, a Python traceback, rustc/cargo, and the
//! one-line formats of tsc, mypy, ruff/flake8, go and eslint. The first reader that takes a
//! line consumes it.
//!
//! pytest reports each failure twice: in its ERRORS/FAILURES section and in the short test
//! summary. The section makes the finding (it has the line and the full message); the
//! summary line only confirms it, or makes the finding when no section was printed
//! (`--tb=no`). A test failure is filed under the test file (pytest's node id); when the
//! exception was raised in another file, the message says where.
//!
//! The dispatcher is here; each reader is in the submodule for its kind of report:
//! `report` (model-written PASS/FAIL reports), `pytest`, `python` (tracebacks and
//! py_compile) and `tools` (rustc/cargo and the one-line formats). `files` has the
//! path and command-line helpers they share.

use super::ParseWarning;
use crate::core::model::Finding;
use files::{base_name, command_files, has_extension, split_args};
use pytest::{Keyed, PytestMode, Section};
use regex::Regex;
use report::FailBlock;
use std::collections::VecDeque;
use std::sync::LazyLock;
use tools::{GoRun, PendingPanic, PendingRust, WrappedMypy};

/// `regex!(NAME, "pattern")`: a lazily compiled literal regex. The submodules declare theirs
/// `regex!(pub(super) NAME, ...)`: a few are shared, and `tests::every_regex_compiles` lists all.
macro_rules! regex {
    ($vis:vis $name:ident, $pattern:expr) => {
        $vis static $name: LazyLock<Regex> =
            LazyLock::new(|| Regex::new($pattern).expect("literal regex is valid"));
    };
}

mod files;
mod pytest;
mod python;
mod report;
mod tools;

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tools_today_tests;

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
    let mut p = Parser::new(source);
    let mut lines = text.lines().enumerate().peekable();
    while let Some((i, raw)) = lines.next() {
        p.last_line_unended = lines.peek().is_none() && !text.ends_with('\n');
        let line = clean_line(raw);
        p.line(i + 1, &line);
    }
    p.finish()
}

/// Read a report whole, line by line, holding two lines at a time (DESIGN.md §18: a finding
/// in the middle of a big report is never left out). A line longer than
/// [`super::lines::LINE_MAX`] is cut, and the cut is said in a warning.
pub fn read(reader: impl std::io::BufRead, source: &str) -> std::io::Result<ValidationReport> {
    let mut p = Parser::new(source);
    let mut ends = EndsWithNewline { inner: reader, newline: false };
    let mut lines = super::lines::Lines::new(&mut ends);
    // Each line is read once the next one is there: only then is it known to be the last.
    let mut held: Option<(usize, String)> = None;
    while let Some(l) = lines.next_line()? {
        let n = l.number;
        let line = clean_line(&crate::core::ingest::text(l.bytes));
        if let Some((n, line)) = held.replace((n, line)) {
            p.line(n, &line);
        }
    }
    let cut = super::lines::cut_warning(source, lines.cut_lines, lines.cut_bytes);
    if let Some((n, line)) = held {
        p.last_line_unended = !ends.newline;
        p.line(n, &line);
    }
    let mut report = p.finish();
    report.warnings.extend(cut);
    Ok(report)
}

/// A reader that remembers whether the last byte taken from it was a newline: a last line
/// without one may have been cut short (a job killed while its tool printed).
struct EndsWithNewline<R> {
    inner: R,
    newline: bool,
}

impl<R: std::io::BufRead> std::io::Read for EndsWithNewline<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(&last) = buf[..n].last() {
            self.newline = last == b'\n';
        }
        Ok(n)
    }
}

impl<R: std::io::BufRead> std::io::BufRead for EndsWithNewline<R> {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if amount > 0 {
            // The buffer is still filled: this reads nothing new.
            if let Some(&last) = self.inner.fill_buf().ok().and_then(|b| b.get(amount - 1)) {
                self.newline = last == b'\n';
            }
        }
        self.inner.consume(amount);
    }
}

/// Longest finding message kept; a longer one ends with a note of how much was cut.
const MESSAGE_MAX: usize = 16 << 10;

fn cut_message(message: &str) -> String {
    let m = message.trim();
    if m.len() <= MESSAGE_MAX {
        return m.to_string();
    }
    let mut end = MESSAGE_MAX;
    while !m.is_char_boundary(end) {
        end -= 1;
    }
    format!("{} … ({} bytes cut)", &m[..end], m.len() - end)
}

/// True when the text looks like a validation report or validation tool output.
pub fn looks_like(head: &str) -> bool {
    let cleaned;
    let head = if head.contains('\x1b') {
        cleaned = ANSI.replace_all(head, "");
        cleaned.as_ref()
    } else {
        head
    };
    let first = head.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("");
    let json_array = first.strip_prefix('[').is_some_and(|r| {
        let r = r.trim_start();
        r.is_empty() || r.starts_with('{') || r.starts_with('"')
    });
    if first.starts_with('{') || first.starts_with("#!") || json_array {
        return false;
    }
    if NOT_A_REPORT.is_match(head) {
        return false;
    }
    if REPORT_SIGNS.is_match(head) {
        return true;
    }
    // A bare Python traceback (py_compile of a syntax error, a crashing script).
    PY_FRAME.is_match(head) && PY_EXCEPTION_AT_START.is_match(head)
}

// looks_like. Digits and names in tool output are ASCII: written as ASCII classes, not `\d` and
// `\w` (and the one `\b` after an ASCII word), the two patterns compile in ~2.5 ms, not ~9,
// at the first file of every load that is not a stream or a script.
regex!(
    NOT_A_REPORT,
    r"(?m)^(?:File to create|Task|Requirements|Specification|User instructions):|^OpenAI Codex v|^tokens used(?-u:\b)|^Seq\tHost\t|^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"
);
regex!(
    REPORT_SIGNS,
    concat!(
        r"(?m)",
        r"^[#*>\s]*(?:[\w-]+\s+){0,4}(?i:validation\s+(?:report|results|summary))\b",
        r"|^\s*(?:[-*]\s+)?(?:✅|❌|✔|✖|✗|✘)\u{FE0F}?\s*\**\s*\[?(?:PASS|FAIL)",
        r"|^\s*(?:[-*]\s+)?\[(?:PASS|FAIL)(?:ED)?\]\s+\S",
        r"|^(?:PASS|FAIL)(?:ED)?: \S+(?:/|\.[0-9A-Za-z_]{1,5}\b)",
        r"|^\$ (?:python3?|py) -m (?:py_compile|compileall|pytest|mypy|unittest)\b",
        r"|^\$ (?:pytest|mypy|ruff|flake8|tsc|eslint|cargo (?:check|build|test|clippy)|npx (?:tsc|eslint)|go (?:build|vet|test))\b",
        r"|^={5,} (?:test session starts|ERRORS|FAILURES|short test summary info) ={5,}$",
        r"|^FAILED \S+::\S+|^ERROR (?:collecting )?\S+\.py\b|^_{3,} ERROR collecting ",
        r"|^error\[E[0-9]{4}\]: |^thread '.+' panicked at |^test result: FAILED\.",
        r"|^error: [^\n]+\n\s*--> [^\n]+\.rs:[0-9]+:[0-9]+$",
        r"|\([0-9]+,[0-9]+\): error TS[0-9]+: |^\S+:[0-9]+:[0-9]+ - error TS[0-9]+: |^error TS[0-9]+: ",
        r"|^\S+\.pyi?:[0-9]+(?::[0-9]+)*: error: ",
        r"|^\S+\.rs:[0-9]+:[0-9]+: error(?:\[E[0-9]{4}\])?: ",
        r"|^(?:vet: )?(?:\./)?\S+\.go:[0-9]+(?::[0-9]+)?: \S|^\s*--- FAIL: \S+ \([0-9]|^FAIL\t\S+\t[0-9]",
        r"|^Sorry: [0-9A-Za-z_]+: |^\[Errno [0-9]+\] [^:\n]+: '[^'\n]+'$",
        r"|^\s+[0-9]+:[0-9]+\s+error\s+\S.*$|^✖ [0-9]+ problems? \(",
    )
);
regex!(PY_FRAME, r#"(?m)^\s+File "[^"]+", line \d+"#);
regex!(PY_EXCEPTION_AT_START, r"(?m)^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception): ");

// the dispatcher
// Terminal escapes: colours and cursor moves (CSI), charset resets (`ESC(B`, as mypy and
// ncurses print them), hyperlinks and titles (OSC, ended by BEL or `ESC\`).
regex!(ANSI, r"\x1b(?:\[[0-9;?]*[A-Za-z]|[()][A-Z0-9]|\][^\x07\x1b]*(?:\x07|\x1b\\)?)");
regex!(COMMAND, r"^\$ (.+)$");

// ---------------------------------------------------------------------------------------
// The parser

struct Parser<'a> {
    source: &'a str,
    batch: Option<u32>,
    checked: files::Unique,
    failed: files::Unique,
    findings: Vec<Finding>,
    /// Files named by the current `$ command` line.
    command_files: Vec<String>,
    fail_block: Option<FailBlock>,
    heading_file: Option<String>,
    pytest_mode: PytestMode,
    section: Option<Section>,
    keyed: Vec<Keyed>,
    /// `--tb=line` failures (no test name), matched in order with `FAILED` summary lines.
    unnamed: VecDeque<Finding>,
    frames: Vec<(String, u32)>,
    chained: bool,
    rust: Option<PendingRust>,
    /// The last rustc error without a code, until a `= note:` names the lint that denied it.
    rust_lint_of: Option<usize>,
    panic: Option<PendingPanic>,
    go_test: Option<String>,
    go_run: Option<GoRun>,
    eslint_file: Option<String>,
    mypy_wrapped: Option<WrappedMypy>,
    /// The line being read is the last and has no newline: it may have been cut short.
    last_line_unended: bool,
}

impl<'a> Parser<'a> {
    fn new(source: &'a str) -> Self {
        Parser {
            source,
            batch: None,
            checked: files::Unique::default(),
            failed: files::Unique::default(),
            findings: Vec::new(),
            command_files: Vec::new(),
            fail_block: None,
            heading_file: None,
            pytest_mode: PytestMode::Outside,
            section: None,
            keyed: Vec::new(),
            unnamed: VecDeque::new(),
            frames: Vec::new(),
            chained: false,
            rust: None,
            rust_lint_of: None,
            panic: None,
            go_test: None,
            go_run: None,
            eslint_file: None,
            mypy_wrapped: None,
            last_line_unended: false,
        }
    }

    fn line(&mut self, n: usize, line: &str) {
        // `python -m py_compile` writes "Sorry: ..." and "[Errno 2] ..." without a final
        // newline, so in a transcript the next `$ command` is glued to them.
        if let Some((head, command)) = split_glued_command(line) {
            self.line(n, head);
            self.line(n, command);
            return;
        }
        if self.fail_block_line(n, line)
            || self.rust_pending_line(line)
            || self.mypy_wrapped_line(line)
            || self.command_line(line)
            || self.pytest_line(n, line)
            || self.header_line(line)
            || self.verdict_line(n, line)
            || self.python_line(n, line)
            || self.rust_line(n, line)
            || self.tool_line(n, line)
        {
            return;
        }
        if line.trim().is_empty() {
            self.eslint_file = None;
        }
    }

    fn finish(mut self) -> ValidationReport {
        self.close_fail_block();
        self.close_section();
        self.flush_rust();
        self.flush_panic();
        while let Some(f) = self.unnamed.pop_front() {
            self.findings.push(f);
        }
        let mut checked = std::mem::take(&mut self.checked);
        let mut failed = std::mem::take(&mut self.failed);
        for file in self.findings.iter().filter_map(|f| f.file.as_ref()) {
            checked.push(file);
            failed.push(file);
        }
        let failed = failed.into_vec();
        for file in &failed {
            checked.push(file);
        }
        let checked = checked.into_vec();
        ValidationReport { batch: self.batch, checked, failed, findings: self.findings, warnings: Vec::new() }
    }

    fn src(&self, n: usize) -> String {
        format!("{}:{}", self.source, n)
    }

    fn push(&mut self, n: usize, file: Option<String>, line: Option<u32>, error_type: &str, message: &str) -> usize {
        let file = file.or_else(|| match self.command_files.as_slice() {
            [only] if has_extension(only) => Some(only.clone()),
            _ => None,
        });
        self.findings.push(Finding {
            file,
            line,
            error_type: error_type.to_string(),
            message: cut_message(message),
            source: self.src(n),
            class: None,
        });
        self.findings.len() - 1
    }

    /// A finding that belongs to no file of the run (a compiler's own configuration).
    fn push_unowned(&mut self, n: usize, error_type: &str, message: &str) -> usize {
        self.findings.push(Finding {
            file: None,
            line: None,
            error_type: error_type.to_string(),
            message: cut_message(message),
            source: self.src(n),
            class: None,
        });
        self.findings.len() - 1
    }

    // --- `$ command` transcripts -------------------------------------------------------

    fn command_line(&mut self, line: &str) -> bool {
        let Some(c) = COMMAND.captures(line) else {
            return false;
        };
        self.close_fail_block();
        self.close_section();
        self.flush_panic();
        self.pytest_mode = PytestMode::Outside;
        self.frames.clear();
        self.chained = false;
        self.go_test = None;
        self.go_run = None;
        self.eslint_file = None;
        self.mypy_wrapped = None;
        self.rust_lint_of = None;
        self.command_files = command_files(&split_args(&c[1]));
        for f in self.command_files.clone() {
            self.checked.push(&f);
        }
        true
    }

    fn resolve_base_name(&self, name: &str) -> String {
        self.command_files.iter().find(|f| base_name(f) == name).cloned().unwrap_or_else(|| name.to_string())
    }
}

// ---------------------------------------------------------------------------------------
// Line cleaning

fn clean_line(raw: &str) -> String {
    let line = raw.trim_end_matches('\r');
    if line.contains('\x1b') {
        ANSI.replace_all(line, "").into_owned()
    } else {
        line.to_string()
    }
}

fn split_glued_command(line: &str) -> Option<(&str, &str)> {
    if !(line.starts_with("Sorry: ") || line.starts_with("[Errno ")) {
        return None;
    }
    let at = line.find(")$ ").map(|i| i + 1).or_else(|| line.find("'$ ").map(|i| i + 1))?;
    Some((&line[..at], &line[at..]))
}
