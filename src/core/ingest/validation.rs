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

use super::ParseWarning;
use crate::core::model::Finding;
use regex::Regex;
use std::collections::VecDeque;
use std::sync::LazyLock;

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
    for (i, raw) in text.lines().enumerate() {
        let line = clean_line(raw);
        p.line(i + 1, &line);
    }
    p.finish()
}

/// True when the text looks like a validation report or validation tool output.
pub fn looks_like(head: &str) -> bool {
    let first = head
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
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

// ---------------------------------------------------------------------------------------
// Regexes

macro_rules! regex {
    ($name:ident, $pattern:expr) => {
        static $name: LazyLock<Regex> =
            LazyLock::new(|| Regex::new($pattern).expect("literal regex is valid"));
    };
}

// looks_like
regex!(
    NOT_A_REPORT,
    r"(?m)^(?:File to create|Task|Requirements|Specification|User instructions):|^OpenAI Codex v|^tokens used\b|^Seq\tHost\t|^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d"
);
regex!(
    REPORT_SIGNS,
    concat!(
        r"(?m)",
        r"^[#*>\s]*(?:[\w-]+\s+){0,4}(?i:validation\s+(?:report|results|summary))\b",
        r"|^\s*(?:[-*]\s+)?(?:✅|❌|✔|✖|✗|✘)\u{FE0F}?\s*\**\s*\[?(?:PASS|FAIL)",
        r"|^\s*(?:[-*]\s+)?\[(?:PASS|FAIL)(?:ED)?\]\s+\S",
        r"|^(?:PASS|FAIL)(?:ED)?: \S+(?:/|\.\w{1,5}\b)",
        r"|^\$ (?:python3?|py) -m (?:py_compile|compileall|pytest|mypy|unittest)\b",
        r"|^\$ (?:pytest|mypy|ruff|flake8|tsc|eslint|cargo (?:check|build|test|clippy)|npx (?:tsc|eslint)|go (?:build|vet|test))\b",
        r"|^={5,} (?:test session starts|ERRORS|FAILURES|short test summary info) ={5,}$",
        r"|^FAILED \S+::\S+|^ERROR (?:collecting )?\S+\.py\b|^_{3,} ERROR collecting ",
        r"|^error\[E\d{4}\]: |^thread '.+' panicked at |^test result: FAILED\.",
        r"|\(\d+,\d+\): error TS\d+: |^\S+:\d+:\d+ - error TS\d+: ",
        r"|^\S+\.pyi?:\d+(?::\d+)?: error: ",
        r"|^(?:\./)?\S+\.go:\d+(?::\d+)?: \S",
        r"|^Sorry: \w+: ",
        r"|^\s+\d+:\d+\s+error\s+\S.*$|^✖ \d+ problems? \(",
    )
);
regex!(PY_FRAME, r#"(?m)^\s+File "[^"]+", line \d+"#);
regex!(
    PY_EXCEPTION_AT_START,
    r"(?m)^(?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception): "
);

// general
regex!(ANSI, r"\x1b\[[0-9;?]*[A-Za-z]");
regex!(COMMAND, r"^\$ (.+)$");
regex!(
    REPORT_HEADER,
    r"(?i)validation\s+(?:report|results|summary)|^#+\s.*\bvalidation\b"
);
regex!(BATCH, r"(?i)\bbatch\s*#?\s*(\d+)\b");
regex!(
    EXCEPTION,
    r"^((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Iteration)|Failed)(?::\s?(.*))?$"
);

// model-written reports
regex!(LIST_MARKER, r"^(?:#{1,6}\s+|[-*+•]\s+|\d{1,3}[.)]\s+)");
regex!(
    PLAIN_VERDICT_AFTER_PATH,
    r"^(\S+?)\s*(?::|\s-|\s–|\s—)\s*(?:(?:✅|❌|✔|✖|✗|✘)\u{FE0F}?\s*)?\**\s*((?i:pass(?:ed)?|fail(?:ed)?))\b\**\s*(.*)$"
);
regex!(
    DETAIL_LINE_PREFIX,
    r"(?i)^(?:line|ln|l)\s*(\d+)\s*(?:[:\-–—]\s*|\s+)(.+)$"
);
regex!(
    DETAIL_LINE_PAREN,
    r"(?i)\s*[(\[](?:at |on )?line\s+(\d+)(?:[,:]?\s*col(?:umn)?\s*\d+)?[)\]]"
);
regex!(DETAIL_LINE_AT, r"(?i)\s+(?:at|on) line\s+(\d+)\b");
regex!(DETAIL_LINE_WORD, r"(?i)\bline\s+(\d+)\b");
regex!(DETAIL_PATH_LINE, r"[\w./-]+\.\w+:(\d+)\b");
regex!(
    DETAIL_TYPE,
    r"^`?((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Warning)|E\d{4}|TS\d{4,5}|[A-Z]{1,3}\d{3,4})`?\s*:\s*(.*)$"
);
regex!(DETAIL_RUST_TYPE, r"^error\[(E\d{4})\]:\s*(.*)$");
regex!(LABEL_ONLY, r"^\**[\w /-]{1,30}\**:\**\s*$");
regex!(
    ADVICE,
    r"(?i)^\**(?:fix|suggestion|suggested fix|recommendation|note|hint|action|next steps?|cause|root cause)\**\s*:"
);
regex!(
    SUMMARY_LABEL,
    r"(?i)^\**(?:summary|overall|results?|conclusion|recommendations?|next steps?)\**:"
);
regex!(STATUS_LINE, r"(?i)^\**status\**\s*:\s*(.+)$");

// pytest
regex!(PYTEST_BANNER, r"^={3,} (.+?) ={3,}$");
regex!(PYTEST_SECTION, r"^_{3,} (.+?) _{3,}$");
regex!(
    PYTEST_LOCATION,
    r"^([^\s:][^:]*?):(\d+)(?::(?:[ \t](.*))?)?$"
);
regex!(PYTEST_SETUP_FILE, r"^file (.+), line (\d+)$");
regex!(PYTEST_SUMMARY, r"^(FAILED|ERROR) (\S+)(?: - (.*))?$");
regex!(PYTEST_COLLECTING, r"^ERROR collecting (\S+)");
regex!(
    PYTEST_PROGRESS_VERBOSE,
    r"^(\S+?\.py)(?:::\S+)? (?:PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b"
);
regex!(
    PYTEST_PROGRESS,
    r"^(\S+?\.py) [.FEsxX]+\s*(?:\[\s*\d+%\])?$"
);

// Python tracebacks and py_compile
regex!(PY_TRACEBACK, r"^Traceback \(most recent call last\):");
regex!(PY_FILE_FRAME, r#"^\s*File "(.+?)", line (\d+)"#);
regex!(
    PY_CHAINED,
    r"^(?:During handling of the above exception|The above exception was the direct cause)"
);
regex!(
    PY_SORRY,
    r"^Sorry: ([A-Za-z_][\w.]*): (.*?)(?: \(([^()]+?), line (\d+)\))?$"
);
regex!(PY_ERRNO, r"^\[Errno (\d+)\] ([^:]+): '(.+)'$");

// rustc / cargo
regex!(RUST_ERROR, r"^(error|warning)(?:\[([A-Z]\d{4})\])?: (.*)$");
regex!(RUST_ARROW, r"^\s*--> (.+?):(\d+):(\d+)$");
regex!(
    RUST_PANIC,
    r"^thread '(.+?)'(?: \(\d+\))? panicked at (.+?):(\d+):(\d+):$"
);
regex!(
    RUST_PANIC_OLD,
    r"^thread '(.+?)' panicked at '(.*)', (.+?):(\d+):(\d+)$"
);
regex!(
    RUST_SUMMARY,
    r"^(?:could not compile|aborting due to|test failed, to rerun|build failed|\d+ previous errors?)"
);

// tsc, mypy, linters, go, eslint
regex!(TSC, r"^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$");
regex!(TSC_PRETTY, r"^(\S.*?):(\d+):(\d+) - error (TS\d+): (.*)$");
regex!(
    COLON_ERROR,
    r"^(\S.*?):(\d+)(?::(\d+))?: error: (.*?)(?:\s+\[([\w-]+)\])?$"
);
regex!(
    LINT_CODE,
    r"^(\S+?\.\w+):(\d+):(\d+): ([A-Z]{1,3}\d{3,4})\b(?: \[\*\])? (.*)$"
);
regex!(GO, r"^(?:\./)?(\S+?\.go):(\d+)(?::(\d+))?: (.*)$");
regex!(GO_FAIL, r"^\s*--- FAIL: (\S+)");
regex!(GO_TEST_LINE, r"^\s+(\S+?\.go):(\d+): (.*)$");
regex!(
    ESLINT_HEADER,
    r"^((?:/|[A-Za-z]:\\|\.{1,2}/)?[^\s:]+\.(?:[cm]?[jt]sx?|vue|svelte|astro))$"
);
regex!(
    ESLINT_MESSAGE,
    r"^\s+(\d+):(\d+)\s+(error|warning)\s+(.+?)(?:\s{2,}(@?[\w-]+(?:/[\w-]+)*))?\s*$"
);

// ---------------------------------------------------------------------------------------
// The parser

const PASS_EMOJI: &[&str] = &["✅", "✔", "☑", "🟢", "✓"];
const FAIL_EMOJI: &[&str] = &["❌", "✖", "✗", "✘", "🔴", "⛔", "🚫", "❎"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    Fail,
}

/// An open `FAIL` line of a model-written report, collecting its detail lines.
struct FailBlock {
    file: String,
    test: Option<String>,
    line: usize,
    /// Text after the path on the FAIL line (`(import error)`), used when no detail follows.
    trailing: String,
    details: usize,
    detail_indent: Option<usize>,
    after_blank: bool,
    /// Line named by a pasted `File "x.py", line 4` frame, for the error line after it.
    frame_line: Option<u32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PytestMode {
    Outside,
    /// Inside `=== ERRORS ===` or `=== FAILURES ===`: everything up to the next banner is
    /// pytest's failure detail.
    Details,
}

enum SectionKind {
    Collect(String),
    /// A test failure or a setup/teardown error, by test name (`TestRender.test_title[1]`).
    Test(String),
}

struct Location {
    file: String,
    line: u32,
    /// `KeyError` in `notes/store.py:9: KeyError`; `None` for `in <func>` frames.
    what: Option<String>,
    at: usize,
}

struct Section {
    kind: SectionKind,
    header_at: usize,
    e_lines: Vec<(usize, String)>,
    locations: Vec<Location>,
}

/// A finding made from pytest's failure detail, that a short-summary line may confirm.
struct Keyed {
    key: String,
    file: Option<String>,
    index: usize,
    merged: bool,
}

struct PendingRust {
    code: Option<String>,
    message: String,
    at: usize,
}

struct PendingPanic {
    thread: String,
    file: String,
    line: u32,
    at: usize,
    message: Vec<String>,
}

struct Parser<'a> {
    source: &'a str,
    batch: Option<u32>,
    checked: Vec<String>,
    failed: Vec<String>,
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
    panic: Option<PendingPanic>,
    go_test: Option<String>,
    eslint_file: Option<String>,
}

impl<'a> Parser<'a> {
    fn new(source: &'a str) -> Self {
        Parser {
            source,
            batch: None,
            checked: Vec::new(),
            failed: Vec::new(),
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
            panic: None,
            go_test: None,
            eslint_file: None,
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
            push_unique(&mut checked, file);
            push_unique(&mut failed, file);
        }
        for file in &failed {
            push_unique(&mut checked, file);
        }
        ValidationReport {
            batch: self.batch,
            checked,
            failed,
            findings: self.findings,
            warnings: Vec::new(),
        }
    }

    fn src(&self, n: usize) -> String {
        format!("{}:{}", self.source, n)
    }

    fn push(
        &mut self,
        n: usize,
        file: Option<String>,
        line: Option<u32>,
        error_type: &str,
        message: &str,
    ) -> usize {
        let file = file.or_else(|| match self.command_files.as_slice() {
            [only] if has_extension(only) => Some(only.clone()),
            _ => None,
        });
        self.findings.push(Finding {
            file,
            line,
            error_type: error_type.to_string(),
            message: message.trim().to_string(),
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
        self.eslint_file = None;
        self.command_files = command_files(&split_args(&c[1]));
        for f in self.command_files.clone() {
            push_unique(&mut self.checked, &f);
        }
        true
    }

    // --- model-written reports ---------------------------------------------------------

    fn header_line(&mut self, line: &str) -> bool {
        if !REPORT_HEADER.is_match(line) || line.contains("PASS") || line.contains("FAIL") {
            return false;
        }
        if self.batch.is_none() {
            self.batch = BATCH.captures(line).and_then(|c| c[1].parse().ok());
        }
        true
    }

    fn verdict_line(&mut self, n: usize, line: &str) -> bool {
        let parsed = parse_verdict(line).or_else(|| self.status_verdict(line));
        let Some((verdict, path, trailing)) = parsed else {
            if let Some(file) = heading_path(line) {
                self.heading_file = Some(file);
                return true;
            }
            return false;
        };
        self.close_fail_block();
        let (file, test) = split_node_id(&path);
        push_unique(&mut self.checked, &file);
        if verdict == Verdict::Pass {
            return true;
        }
        push_unique(&mut self.failed, &file);
        let mut block = FailBlock {
            file,
            test,
            line: n,
            trailing: trailing.clone(),
            details: 0,
            detail_indent: None,
            after_blank: false,
            frame_line: None,
        };
        // `❌ FAIL: x.py - ModuleNotFoundError: No module named 'y'` carries its detail.
        if DETAIL_TYPE.is_match(&trailing) || DETAIL_RUST_TYPE.is_match(&trailing) {
            self.detail(n, &mut block, &trailing);
        }
        self.fail_block = Some(block);
        true
    }

    /// `Status: ❌ FAIL` under a `### path` heading.
    fn status_verdict(&self, line: &str) -> Option<(Verdict, String, String)> {
        let file = self.heading_file.clone()?;
        let c = STATUS_LINE.captures(line.trim())?;
        let status = c[1].trim().trim_matches('*').trim();
        let (emoji, rest) = take_emoji(status);
        let rest = rest.trim_start_matches('*').trim_start();
        let (verdict, after) = match take_keyword(rest, true) {
            Some((v, after)) => (v, after),
            None => (emoji?, rest),
        };
        Some((verdict, file, clean_trailing(after)))
    }

    fn fail_block_line(&mut self, n: usize, line: &str) -> bool {
        let Some(mut block) = self.fail_block.take() else {
            return false;
        };
        let trimmed = line.trim();
        if trimmed.is_empty() {
            block.after_blank = true;
            self.fail_block = Some(block);
            return true;
        }
        let indent = line.len() - line.trim_start().len();
        let bullet = LIST_MARKER.is_match(trimmed) && !trimmed.starts_with('#');
        let continues = (indent > 0 || (bullet && !block.after_blank))
            && parse_verdict(line).is_none()
            && !COMMAND.is_match(line);
        let label = LABEL_ONLY.is_match(trimmed);
        let closing_label = label && (block.details > 0 || SUMMARY_LABEL.is_match(trimmed));
        if label && !closing_label {
            self.fail_block = Some(block); // "Errors:" introducing the details
            return true;
        }
        if continues {
            let first_level = *block.detail_indent.get_or_insert(indent);
            // Deeper lines elaborate on the one above (code, sub-bullets, "Fix: ..."), except
            // the locations of pasted tool output.
            let location = PY_FILE_FRAME.is_match(trimmed) || RUST_ARROW.is_match(trimmed);
            let is_detail = indent <= first_level || location;
            if is_detail && !ADVICE.is_match(strip_list_marker(trimmed)) {
                self.detail(n, &mut block, trimmed);
            }
            self.fail_block = Some(block);
            return true;
        }
        self.fail_block = Some(block);
        self.close_fail_block();
        false
    }

    /// One detail line of a FAIL block: `- ErrorType: message (line N)`.
    fn detail(&mut self, n: usize, block: &mut FailBlock, text: &str) {
        let mut text = strip_list_marker(text.trim()).trim_matches('*').trim();
        if text.is_empty() {
            return;
        }
        // Tool output pasted under the FAIL line: a traceback frame or a rustc arrow gives
        // the line of the error next to it; a pytest `E   Error: ...` line is the error.
        if let Some(c) = PY_FILE_FRAME.captures(text) {
            block.frame_line = c[2].parse().ok();
            return;
        }
        if let Some(c) = RUST_ARROW.captures(text) {
            let from_this_block = block.details > 0;
            if let Some(f) = self.findings.last_mut().filter(|_| from_this_block) {
                f.line = f.line.or(c[2].parse().ok());
            }
            return;
        }
        if let Some(rest) = text.strip_prefix("E ") {
            if split_error_type(rest.trim()).is_some() {
                text = rest.trim();
            }
        }
        let (text, line) = extract_line_number(text);
        let line = line.or(block.frame_line.take());
        let (error_type, message) = split_error_type(&text)
            .unwrap_or_else(|| ("ValidationFailure".to_string(), text.clone()));
        let message = match &block.test {
            Some(t) => format!("{t}: {message}"),
            None => message,
        };
        self.push(n, Some(block.file.clone()), line, &error_type, &message);
        block.details += 1;
    }

    fn close_fail_block(&mut self) {
        let Some(block) = self.fail_block.take() else {
            return;
        };
        if block.details > 0 {
            return;
        }
        let message = if block.trailing.is_empty() {
            "validation failed".to_string()
        } else {
            block.trailing.clone()
        };
        let message = match &block.test {
            Some(t) => format!("{t}: {message}"),
            None => message,
        };
        self.push(
            block.line,
            Some(block.file),
            None,
            "ValidationFailure",
            &message,
        );
    }

    // --- pytest ------------------------------------------------------------------------

    fn pytest_line(&mut self, n: usize, line: &str) -> bool {
        if let Some(c) = PYTEST_BANNER.captures(line) {
            self.close_section();
            let title = c[1].trim();
            self.pytest_mode = if title == "ERRORS" || title == "FAILURES" {
                PytestMode::Details
            } else {
                PytestMode::Outside
            };
            return true;
        }
        if line.starts_with("!!!!!!") {
            return true;
        }
        if self.pytest_mode == PytestMode::Details {
            if let Some(c) = PYTEST_SECTION.captures(line) {
                self.close_section();
                let title = c[1].trim();
                let kind = if let Some(path) = title.strip_prefix("ERROR collecting ") {
                    SectionKind::Collect(path.trim().to_string())
                } else {
                    let name = title
                        .strip_prefix("ERROR at setup of ")
                        .or_else(|| title.strip_prefix("ERROR at teardown of "))
                        .unwrap_or(title);
                    SectionKind::Test(name.trim().to_string())
                };
                self.section = Some(Section {
                    kind,
                    header_at: n,
                    e_lines: Vec::new(),
                    locations: Vec::new(),
                });
                return true;
            }
            if let Some(section) = self.section.as_mut() {
                section_line(section, n, line);
            } else {
                self.tb_line_failure(n, line);
            }
            return true;
        }
        if let Some(c) = PYTEST_SUMMARY.captures(line) {
            let node = c[2].to_string();
            if node.contains(".py") || node.contains("::") || node.contains('/') {
                let reason = c.get(3).map_or("", |m| m.as_str()).to_string();
                self.summary(n, &c[1] == "FAILED", &node, &reason);
                return true;
            }
        }
        if let Some(c) = PYTEST_COLLECTING.captures(line) {
            let node = c[1].to_string();
            self.summary(n, false, &node, "");
            return true;
        }
        if let Some(c) = PYTEST_PROGRESS_VERBOSE
            .captures(line)
            .or_else(|| PYTEST_PROGRESS.captures(line))
        {
            push_unique(&mut self.checked, &c[1]);
            return true;
        }
        false
    }

    /// A line of `--tb=line` output: `E` lines, then `/abs/path.py:12: assert 2 == 1`.
    fn tb_line_failure(&mut self, n: usize, line: &str) {
        let Some(c) = PYTEST_LOCATION.captures(line) else {
            return;
        };
        let Some(what) = c
            .get(3)
            .map(|m| m.as_str().trim())
            .filter(|w| !w.is_empty())
        else {
            return;
        };
        let (error_type, message) = split_exception(what)
            .unwrap_or_else(|| (untyped_error_type(what).to_string(), what.to_string()));
        self.unnamed.push_back(Finding {
            file: Some(c[1].to_string()),
            line: c[2].parse().ok(),
            error_type,
            message,
            source: self.src(n),
            class: None,
        });
    }

    fn close_section(&mut self) {
        let Some(section) = self.section.take() else {
            return;
        };
        let (n, error_type, message) = section_error(&section);
        let system = |l: &&Location| !is_system_path(&l.file);
        match section.kind {
            SectionKind::Collect(path) => {
                let line = section
                    .locations
                    .iter()
                    .rev()
                    .find(|l| same_file(&l.file, &path))
                    .map(|l| l.line);
                let index = self.push(n, Some(path.clone()), line, &error_type, &message);
                self.keyed.push(Keyed {
                    key: path.clone(),
                    file: Some(path),
                    index,
                    merged: false,
                });
            }
            SectionKind::Test(name) => {
                // pytest cuts its own frames: the first frame left is the test itself.
                let test_file = section
                    .locations
                    .iter()
                    .find(system)
                    .map(|l| l.file.clone());
                let line = test_file.as_ref().and_then(|tf| {
                    section
                        .locations
                        .iter()
                        .rev()
                        .find(|l| same_file(&l.file, tf))
                        .map(|l| l.line)
                });
                let mut message = if message.is_empty() {
                    name.clone()
                } else {
                    format!("{name}: {message}")
                };
                if let (Some(tf), Some(raised)) =
                    (&test_file, section.locations.iter().rev().find(system))
                {
                    if !same_file(&raised.file, tf) {
                        message.push_str(&format!(" (raised at {}:{})", raised.file, raised.line));
                    }
                }
                let index = self.push(n, test_file.clone(), line, &error_type, &message);
                self.keyed.push(Keyed {
                    key: name,
                    file: test_file,
                    index,
                    merged: false,
                });
            }
        }
    }

    /// A short-summary line: `FAILED path::test - reason` or `ERROR path`.
    fn summary(&mut self, n: usize, failed_test: bool, node: &str, reason: &str) {
        let (file, test) = split_node_id(node);
        push_unique(&mut self.checked, &file);
        let key = test.clone().unwrap_or_else(|| file.clone());
        let known = self.keyed.iter_mut().find(|k| {
            !k.merged && k.key == key && k.file.as_deref().is_none_or(|f| same_file(f, &file))
        });
        if let Some(k) = known {
            k.merged = true;
            let index = k.index;
            if let Some(f) = self.findings.get_mut(index) {
                // The summary names the file relative to pytest's rootdir: prefer that
                // spelling to an absolute one for the same file.
                let shorter = f
                    .file
                    .as_deref()
                    .is_none_or(|old| old.len() > file.len() && same_file(old, &file));
                if shorter {
                    f.file = Some(file);
                }
            }
            return;
        }
        let name = test.unwrap_or_else(|| file.clone());
        if failed_test {
            if let Some(mut f) = self.unnamed.pop_front() {
                let raised_here = f.file.as_deref().is_some_and(|rf| same_file(rf, &file));
                if !raised_here {
                    let at = format!(
                        " (raised at {}:{})",
                        f.file.as_deref().unwrap_or("?"),
                        f.line.unwrap_or(0)
                    );
                    f.message.push_str(&at);
                    f.line = None;
                }
                f.message = format!("{name}: {}", f.message);
                f.file = Some(file);
                self.findings.push(f);
                return;
            }
        }
        let reason = reason.trim();
        let (error_type, message) = if let Some((t, m)) = split_exception(reason) {
            (t, m)
        } else if !reason.is_empty() {
            (untyped_error_type(reason).to_string(), reason.to_string())
        } else if failed_test {
            ("TestFailure".to_string(), "test failed".to_string())
        } else if node.contains("::") {
            ("TestError".to_string(), "error in setup".to_string())
        } else {
            (
                "CollectionError".to_string(),
                "error collecting the test module".to_string(),
            )
        };
        let message = if node.contains("::") {
            format!("{name}: {message}")
        } else {
            message
        };
        self.push(n, Some(file), None, &error_type, &message);
    }

    // --- Python tracebacks, py_compile -------------------------------------------------

    fn python_line(&mut self, n: usize, line: &str) -> bool {
        if PY_TRACEBACK.is_match(line) {
            self.frames.clear();
            return true;
        }
        if let Some(c) = PY_FILE_FRAME.captures(line) {
            if line.starts_with(char::is_whitespace) {
                if let Ok(l) = c[2].parse() {
                    self.frames.push((c[1].to_string(), l));
                }
                return true;
            }
        }
        if PY_CHAINED.is_match(line) {
            self.chained = true;
            return true;
        }
        if let Some(c) = PY_SORRY.captures(line) {
            // "(store.py, line 4)": py_compile names only the base name; the command has the path.
            let file = c.get(3).map(|m| self.resolve_base_name(m.as_str()));
            let l = c.get(4).and_then(|m| m.as_str().parse().ok());
            self.push(n, file, l, &c[1], &c[2]);
            return true;
        }
        if let Some(c) = PY_ERRNO.captures(line) {
            let error_type = match &c[1] {
                "2" => "FileNotFoundError",
                "13" => "PermissionError",
                "21" => "IsADirectoryError",
                _ => "OSError",
            };
            let message = format!("{}: '{}'", &c[2], &c[3]);
            self.push(n, Some(c[3].to_string()), None, error_type, &message);
            return true;
        }
        if self.frames.is_empty() {
            return false;
        }
        if let Some((error_type, message)) = split_exception(line) {
            let frames = std::mem::take(&mut self.frames);
            let frame = frames
                .iter()
                .rev()
                .find(|(f, _)| !is_system_path(f))
                .or(frames.last());
            let (file, l) = frame.map_or((None, None), |(f, l)| (Some(f.clone()), Some(*l)));
            // In a chain ("The above exception was the direct cause of ...") the first
            // exception is the cause; the later ones wrap or follow it. Keep the cause.
            if !std::mem::take(&mut self.chained) {
                self.push(n, file, l, &error_type, &message);
            }
            return true;
        }
        if line.starts_with(char::is_whitespace) {
            return true; // source excerpt and ^^^^ markers
        }
        self.frames.clear();
        false
    }

    fn resolve_base_name(&self, name: &str) -> String {
        self.command_files
            .iter()
            .find(|f| base_name(f) == name)
            .cloned()
            .unwrap_or_else(|| name.to_string())
    }

    // --- rustc / cargo -----------------------------------------------------------------

    /// The line after `error[E..]: ...` says where (` --> src/x.rs:3:5`); a panic message
    /// runs until a blank or `note:` line.
    fn rust_pending_line(&mut self, line: &str) -> bool {
        if let Some(p) = self.rust.take() {
            if let Some(c) = RUST_ARROW.captures(line) {
                let error_type = p.code.unwrap_or_else(|| "rustc".to_string());
                self.push(
                    p.at,
                    Some(c[1].to_string()),
                    c[2].parse().ok(),
                    &error_type,
                    &p.message,
                );
                return true;
            }
            self.rust = Some(p);
            self.flush_rust();
        }
        if let Some(p) = self.panic.as_mut() {
            let t = line.trim();
            if t.is_empty() || t.starts_with("note:") || t.starts_with("stack backtrace:") {
                self.flush_panic();
                return true;
            }
            if !COMMAND.is_match(line) {
                p.message.push(t.to_string());
                return true;
            }
            self.flush_panic();
        }
        false
    }

    fn flush_rust(&mut self) {
        let Some(p) = self.rust.take() else {
            return;
        };
        if RUST_SUMMARY.is_match(&p.message) {
            return;
        }
        let error_type = p.code.unwrap_or_else(|| "error".to_string());
        self.push(p.at, None, None, &error_type, &p.message);
    }

    fn flush_panic(&mut self) {
        let Some(p) = self.panic.take() else {
            return;
        };
        let text = p.message.join("; ");
        let message = if p.thread == "main" {
            text
        } else {
            format!("{}: {}", p.thread, text)
        };
        self.push(p.at, Some(p.file), Some(p.line), "panic", &message);
    }

    fn rust_line(&mut self, n: usize, line: &str) -> bool {
        if let Some(c) = RUST_ERROR.captures(line) {
            if &c[1] == "error" {
                self.rust = Some(PendingRust {
                    code: c.get(2).map(|m| m.as_str().to_string()),
                    message: c[3].to_string(),
                    at: n,
                });
            }
            return true;
        }
        if RUST_ARROW.is_match(line) {
            return true; // the location of a warning
        }
        if let Some(c) = RUST_PANIC.captures(line) {
            self.panic = Some(PendingPanic {
                thread: c[1].to_string(),
                file: c[2].to_string(),
                line: c[3].parse().unwrap_or(0),
                at: n,
                message: Vec::new(),
            });
            return true;
        }
        if let Some(c) = RUST_PANIC_OLD.captures(line) {
            let message = if &c[1] == "main" {
                c[2].to_string()
            } else {
                format!("{}: {}", &c[1], &c[2])
            };
            self.push(
                n,
                Some(c[3].to_string()),
                c[4].parse().ok(),
                "panic",
                &message,
            );
            return true;
        }
        false
    }

    // --- one-line formats: tsc, mypy, ruff/flake8, go, eslint --------------------------

    fn tool_line(&mut self, n: usize, line: &str) -> bool {
        if let Some(c) = TSC.captures(line).or_else(|| TSC_PRETTY.captures(line)) {
            self.push(n, Some(c[1].to_string()), c[2].parse().ok(), &c[4], &c[5]);
            return true;
        }
        if let Some(c) = COLON_ERROR.captures(line) {
            let file = c[1].to_string();
            let error_type = match c.get(5) {
                Some(code) => code.as_str(),
                None if file.ends_with(".py") || file.ends_with(".pyi") => "mypy",
                None => "error",
            };
            self.push(n, Some(file), c[2].parse().ok(), error_type, &c[4]);
            return true;
        }
        if let Some(c) = LINT_CODE.captures(line) {
            self.push(n, Some(c[1].to_string()), c[2].parse().ok(), &c[4], &c[5]);
            return true;
        }
        if let Some(c) = GO_FAIL.captures(line) {
            self.go_test = Some(c[1].to_string());
            return true;
        }
        if let Some(test) = self.go_test.clone() {
            if let Some(c) = GO_TEST_LINE.captures(line) {
                let file = self.resolve_base_name(&c[1]);
                let message = format!("{test}: {}", &c[3]);
                self.push(n, Some(file), c[2].parse().ok(), "TestFailure", &message);
                return true;
            }
            if !line.starts_with(char::is_whitespace) {
                self.go_test = None;
            }
        }
        if let Some(c) = GO.captures(line) {
            self.push(n, Some(c[1].to_string()), c[2].parse().ok(), "go", &c[4]);
            return true;
        }
        if let Some(c) = ESLINT_HEADER.captures(line) {
            push_unique(&mut self.checked, &c[1]);
            self.eslint_file = Some(c[1].to_string());
            return true;
        }
        if let Some(file) = self.eslint_file.clone() {
            if let Some(c) = ESLINT_MESSAGE.captures(line) {
                if &c[3] == "error" {
                    let rule = c.get(5).map_or("eslint", |m| m.as_str());
                    self.push(n, Some(file), c[1].parse().ok(), rule, &c[4]);
                }
                return true;
            }
        }
        false
    }
}

// ---------------------------------------------------------------------------------------
// pytest helpers

fn section_line(section: &mut Section, n: usize, line: &str) {
    let is_e = line.starts_with('E') && line[1..].chars().next().is_none_or(char::is_whitespace);
    if is_e {
        let content = line[1..].trim();
        if let Some(c) = PY_FILE_FRAME.captures(content) {
            if let Ok(l) = c[2].parse() {
                section.locations.push(Location {
                    file: c[1].to_string(),
                    line: l,
                    what: None,
                    at: n,
                });
            }
        }
        if !content.is_empty() {
            section.e_lines.push((n, content.to_string()));
        }
        return;
    }
    let c = PY_FILE_FRAME
        .captures(line)
        .or_else(|| PYTEST_SETUP_FILE.captures(line));
    if let Some(c) = c {
        if let Ok(l) = c[2].parse() {
            section.locations.push(Location {
                file: c[1].to_string(),
                line: l,
                what: None,
                at: n,
            });
        }
        return;
    }
    if let Some(c) = PYTEST_LOCATION.captures(line) {
        let what = c
            .get(3)
            .map(|m| m.as_str().trim())
            .filter(|w| !w.is_empty() && !w.starts_with("in "))
            .map(str::to_string);
        if let Ok(l) = c[2].parse() {
            section.locations.push(Location {
                file: c[1].to_string(),
                line: l,
                what,
                at: n,
            });
        }
    }
}

/// The error of one pytest section: the last `E   Type: message` line, else the first `E`
/// line with the type from the `path:N: Type` location.
fn section_error(section: &Section) -> (usize, String, String) {
    if let Some((n, (t, m))) = section
        .e_lines
        .iter()
        .rev()
        .find_map(|(n, c)| split_exception(c).map(|e| (*n, e)))
    {
        return (n, t, m);
    }
    let typed_location = section
        .locations
        .iter()
        .rev()
        .find_map(|l| l.what.as_ref().map(|w| (l.at, w.clone())));
    if let Some((n, first)) = section.e_lines.first() {
        let error_type = typed_location
            .map(|(_, t)| t)
            .unwrap_or_else(|| untyped_error_type(first).to_string());
        return (*n, error_type, first.clone());
    }
    if let Some((n, t)) = typed_location {
        return (n, t, String::new());
    }
    match &section.kind {
        SectionKind::Collect(_) => (
            section.header_at,
            "CollectionError".to_string(),
            "error collecting the test module".to_string(),
        ),
        SectionKind::Test(_) => (
            section.header_at,
            "TestFailure".to_string(),
            "test failed".to_string(),
        ),
    }
}

/// The error type of a message that names none.
fn untyped_error_type(message: &str) -> &'static str {
    if message.starts_with("assert") {
        "AssertionError"
    } else if message.starts_with("fixture '") && message.ends_with("not found") {
        "FixtureLookupError"
    } else {
        "Error"
    }
}

// ---------------------------------------------------------------------------------------
// Small helpers

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
    let at = line
        .find(")$ ")
        .map(|i| i + 1)
        .or_else(|| line.find("'$ ").map(|i| i + 1))?;
    Some((&line[..at], &line[at..]))
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !item.is_empty() && !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}

/// `Type: message` when Type is an exception name.
fn split_exception(text: &str) -> Option<(String, String)> {
    let c = EXCEPTION.captures(text.trim())?;
    Some((
        c[1].to_string(),
        c.get(2)
            .map_or(String::new(), |m| m.as_str().trim().to_string()),
    ))
}

/// `ModuleNotFoundError: ...`, `E0432: ...`, `TS2307: ...`, `error[E0432]: ...`.
fn split_error_type(text: &str) -> Option<(String, String)> {
    let c = DETAIL_TYPE
        .captures(text)
        .or_else(|| DETAIL_RUST_TYPE.captures(text))?;
    Some((c[1].to_string(), c[2].trim().to_string()))
}

/// Take the line number out of a detail text: `Line 4: ...`, `... (line 4)`, `... at line 4`
/// (these are removed from the text), `line 4` or `path.py:4` (kept).
fn extract_line_number(text: &str) -> (String, Option<u32>) {
    if let Some(c) = DETAIL_LINE_PREFIX.captures(text) {
        return (c[2].trim().to_string(), c[1].parse().ok());
    }
    for re in [&*DETAIL_LINE_PAREN, &*DETAIL_LINE_AT] {
        if let Some(c) = re.captures(text) {
            let line = c[1].parse().ok();
            let rest = re.replace(text, "");
            return (rest.trim().to_string(), line);
        }
    }
    for re in [&*DETAIL_LINE_WORD, &*DETAIL_PATH_LINE] {
        if let Some(c) = re.captures(text) {
            return (text.to_string(), c[1].parse().ok());
        }
    }
    (text.to_string(), None)
}

fn strip_list_marker(s: &str) -> &str {
    match LIST_MARKER.find(s) {
        Some(m) => &s[m.end()..],
        None => s,
    }
}

fn take_emoji(s: &str) -> (Option<Verdict>, &str) {
    for (set, verdict) in [(PASS_EMOJI, Verdict::Pass), (FAIL_EMOJI, Verdict::Fail)] {
        for e in set {
            if let Some(rest) = s.strip_prefix(e) {
                return (
                    Some(verdict),
                    rest.trim_start_matches('\u{FE0F}').trim_start(),
                );
            }
        }
    }
    (None, s)
}

/// A keyword at the start: `[PASS]`, `FAIL:`, `**FAIL**:`; with an emoji before it, a bare
/// `FAIL` is enough.
fn take_keyword(s: &str, after_emoji: bool) -> Option<(Verdict, &str)> {
    let verdict_of = |word: &str| match word.to_ascii_uppercase().as_str() {
        "PASS" | "PASSED" | "OK" => Some(Verdict::Pass),
        "FAIL" | "FAILED" | "ERROR" => Some(Verdict::Fail),
        _ => None,
    };
    if let Some(inner) = s.strip_prefix('[') {
        let end = inner.find(']')?;
        let v = verdict_of(&inner[..end])?;
        return Some((v, &inner[end + 1..]));
    }
    let end = s
        .find(|ch: char| !ch.is_ascii_alphabetic())
        .unwrap_or(s.len());
    let word = &s[..end];
    if word == "OK" || word.eq_ignore_ascii_case("error") {
        return None; // only in brackets: too common as plain words
    }
    let v = verdict_of(word)?;
    let rest = s[end..].trim_start_matches('*');
    if let Some(after_colon) = rest.strip_prefix(':') {
        return Some((v, after_colon));
    }
    if after_emoji && (rest.is_empty() || rest.starts_with(char::is_whitespace)) {
        return Some((v, rest));
    }
    None
}

/// Path token at the start of `s`, and the text after it.
fn take_path(s: &str) -> Option<(String, String)> {
    let s = s.trim_start().trim_start_matches(['*', ':']).trim_start();
    let end = s.find(char::is_whitespace).unwrap_or(s.len());
    let path = s[..end]
        .trim_matches(['`', '\'', '"', '*'])
        .trim_end_matches([':', ',', ';'])
        .trim_matches(['`', '\'', '"', '*']);
    if !is_path_like(path) {
        return None;
    }
    Some((path.to_string(), s[end..].trim().to_string()))
}

/// A model-written verdict line: `❌ FAIL: path (note)`, `[PASS] path`, `FAIL: path`,
/// `✅ path - PASS`, `path: ❌ FAIL`, `| path | ✅ PASS | note |`.
fn parse_verdict(line: &str) -> Option<(Verdict, String, String)> {
    let s = line.trim();
    if s.starts_with('|') {
        return parse_table_row(s);
    }
    let s = strip_list_marker(s).trim_start_matches("**").trim_start();
    let (emoji, s) = take_emoji(s);
    let s = s.trim_start_matches("**").trim_start();
    if let Some((verdict, rest)) = take_keyword(s, emoji.is_some()) {
        let (path, trailing) = take_path(rest)?;
        return Some((verdict, path, clean_trailing(&trailing)));
    }
    if let Some(verdict) = emoji {
        let (path, trailing) = take_path(s)?;
        let trailing = clean_trailing(&trailing);
        let (e2, after) = take_emoji(&trailing);
        return match take_keyword(after, true) {
            Some((v, after_kw)) => Some((v, path, clean_trailing(after_kw))),
            None => Some((e2.unwrap_or(verdict), path, trailing)),
        };
    }
    let c = PLAIN_VERDICT_AFTER_PATH.captures(s)?;
    let path = c[1].trim_matches(['`', '*']).to_string();
    if !is_path_like(&path) {
        return None;
    }
    let verdict = if c[2].to_ascii_uppercase().starts_with("PASS") {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    Some((verdict, path, clean_trailing(&c[3])))
}

fn parse_table_row(s: &str) -> Option<(Verdict, String, String)> {
    let cells: Vec<&str> = s
        .trim_matches('|')
        .split('|')
        .map(|c| c.trim().trim_matches('*').trim())
        .collect();
    let path_at = cells
        .iter()
        .position(|c| is_path_like(c.trim_matches('`')))?;
    let mut verdict = None;
    let mut notes = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        if i == path_at {
            continue;
        }
        let (emoji, rest) = take_emoji(cell);
        let upper = rest.to_ascii_uppercase();
        let keyword = if upper.starts_with("PASS") {
            Some(Verdict::Pass)
        } else if upper.starts_with("FAIL") {
            Some(Verdict::Fail)
        } else {
            None
        };
        match (verdict, keyword.or(emoji)) {
            (None, Some(v)) => verdict = Some(v),
            _ if !matches!(*cell, "" | "-" | "—" | "N/A" | "None" | "none") => notes.push(*cell),
            _ => {}
        }
    }
    let path = cells[path_at].trim_matches('`').to_string();
    Some((verdict?, path, notes.join("; ")))
}

fn clean_trailing(s: &str) -> String {
    let s = s.trim().trim_start_matches(['-', '–', '—', ':']).trim();
    let s = s
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .unwrap_or(s);
    s.trim().to_string()
}

/// `### sparkq/tests/test_api.py` (a per-file section of a report).
fn heading_path(line: &str) -> Option<String> {
    let rest = line
        .trim()
        .strip_prefix('#')?
        .trim_start_matches('#')
        .trim();
    let rest = rest.trim_matches(['*', '`']);
    let rest = rest
        .strip_prefix("File:")
        .map_or(rest, str::trim)
        .trim_matches('`');
    is_path_like(rest).then(|| rest.to_string())
}

fn is_path_like(s: &str) -> bool {
    static EXT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\.[A-Za-z][A-Za-z0-9]{0,7}$").expect("literal regex is valid")
    });
    let s = s.split("::").next().unwrap_or(s);
    !s.is_empty()
        && s.len() < 260
        && !s.contains(char::is_whitespace)
        && !s.starts_with('-')
        && !s.contains("://")
        && s.chars().any(|c| c.is_ascii_alphabetic())
        && (s.contains('/') || EXT.is_match(s))
        && !s.ends_with('.')
}

fn has_extension(s: &str) -> bool {
    static EXT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^[^\s=:]+\.[A-Za-z][A-Za-z0-9]{0,5}$").expect("literal regex is valid")
    });
    EXT.is_match(s) && !s.starts_with('-')
}

fn split_node_id(node: &str) -> (String, Option<String>) {
    match node.split_once("::") {
        Some((file, test)) => (file.to_string(), Some(test.replace("::", "."))),
        None => (node.to_string(), None),
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn same_file(a: &str, b: &str) -> bool {
    let a = a.trim_start_matches("./");
    let b = b.trim_start_matches("./");
    a == b
        || (a.len() > b.len() && a.ends_with(b) && a[..a.len() - b.len()].ends_with('/'))
        || (b.len() > a.len() && b.ends_with(a) && b[..b.len() - a.len()].ends_with('/'))
}

fn is_system_path(path: &str) -> bool {
    path.starts_with('<')
        || path.contains("/site-packages/")
        || path.contains("/dist-packages/")
        || path.contains("/lib/python")
        || path.starts_with("/usr/lib/")
}

/// Split a command line into words, honouring simple quotes.
fn split_args(command: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for ch in command.chars() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => word.push(ch),
            None if ch == '\'' || ch == '"' => {
                quote = Some(ch);
                in_word = true;
            }
            None if ch.is_whitespace() => {
                if in_word {
                    args.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(ch);
                in_word = true;
            }
        }
    }
    if in_word {
        args.push(word);
    }
    args
}

/// Options whose value is the next word (so it is not a checked file).
const VALUE_OPTIONS: &[&str] = &[
    "-m",
    "-k",
    "-p",
    "-c",
    "-o",
    "-W",
    "-n",
    "-r",
    "--rootdir",
    "--confcutdir",
    "--basetemp",
    "--ignore",
    "--deselect",
    "--project",
    "--config",
    "--config-file",
    "--junitxml",
    "--cov",
    "--cov-report",
    "--maxfail",
    "--timeout",
    "--cache-dir",
    "--python-version",
    "--tb",
];

/// The files a validation command checks: every argument that is a path with an
/// extension, and for pytest every positional argument (directories, node ids).
fn command_files(args: &[String]) -> Vec<String> {
    let mut files = Vec::new();
    for segment in args.split(|a| matches!(a.as_str(), "&&" | "||" | ";" | "|")) {
        let is_pytest = segment
            .iter()
            .any(|a| matches!(base_name(a), "pytest" | "py.test"));
        let mut skip_value = false;
        for arg in segment.iter().skip(1) {
            if skip_value {
                skip_value = false;
                continue;
            }
            if arg.starts_with('-') {
                skip_value = VALUE_OPTIONS.contains(&arg.as_str());
                continue;
            }
            if arg.starts_with('>') || arg.starts_with("2>") || arg.starts_with('<') {
                continue;
            }
            if arg.contains(char::is_whitespace) {
                // `bash -lc 'python -m py_compile x.py'`
                for f in command_files(&split_args(arg)) {
                    push_unique(&mut files, &f);
                }
                continue;
            }
            let path = split_node_id(arg).0;
            if has_extension(&path) || (is_pytest && !path.contains('=') && is_path_like_dir(&path))
            {
                push_unique(&mut files, &path);
            }
        }
    }
    files
}

fn is_path_like_dir(s: &str) -> bool {
    !s.is_empty()
        && !matches!(base_name(s), "pytest" | "py.test")
        && s.chars().all(|c| c.is_alphanumeric() || "/._-".contains(c))
        && s.chars().any(|c| c.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! data {
        ($name:literal) => {
            include_str!(concat!("../../../tests/data/validation/", $name))
        };
    }

    type Row<'a> = (Option<&'a str>, Option<u32>, &'a str, &'a str);

    fn rows(r: &ValidationReport) -> Vec<Row<'_>> {
        r.findings
            .iter()
            .map(|f| {
                (
                    f.file.as_deref(),
                    f.line,
                    f.error_type.as_str(),
                    f.message.as_str(),
                )
            })
            .collect()
    }

    fn sources(r: &ValidationReport) -> Vec<&str> {
        r.findings.iter().map(|f| f.source.as_str()).collect()
    }

    #[test]
    fn every_regex_compiles() {
        let all: [&Regex; 49] = [
            &*NOT_A_REPORT,
            &*REPORT_SIGNS,
            &*PY_FRAME,
            &*PY_EXCEPTION_AT_START,
            &*ANSI,
            &*COMMAND,
            &*REPORT_HEADER,
            &*BATCH,
            &*EXCEPTION,
            &*LIST_MARKER,
            &*PLAIN_VERDICT_AFTER_PATH,
            &*DETAIL_LINE_PREFIX,
            &*DETAIL_LINE_PAREN,
            &*DETAIL_LINE_AT,
            &*DETAIL_LINE_WORD,
            &*DETAIL_PATH_LINE,
            &*DETAIL_TYPE,
            &*DETAIL_RUST_TYPE,
            &*LABEL_ONLY,
            &*ADVICE,
            &*SUMMARY_LABEL,
            &*STATUS_LINE,
            &*PYTEST_BANNER,
            &*PYTEST_SECTION,
            &*PYTEST_LOCATION,
            &*PYTEST_SETUP_FILE,
            &*PYTEST_SUMMARY,
            &*PYTEST_COLLECTING,
            &*PYTEST_PROGRESS_VERBOSE,
            &*PYTEST_PROGRESS,
            &*PY_TRACEBACK,
            &*PY_FILE_FRAME,
            &*PY_CHAINED,
            &*PY_SORRY,
            &*PY_ERRNO,
            &*RUST_ERROR,
            &*RUST_ARROW,
            &*RUST_PANIC,
            &*RUST_PANIC_OLD,
            &*RUST_SUMMARY,
            &*TSC,
            &*TSC_PRETTY,
            &*COLON_ERROR,
            &*LINT_CODE,
            &*GO,
            &*GO_FAIL,
            &*GO_TEST_LINE,
            &*ESLINT_HEADER,
            &*ESLINT_MESSAGE,
        ];
        assert!(all.iter().all(|r| !r.as_str().is_empty()));
        assert!(is_path_like("a/b.py") && has_extension("a/b.py"));
    }

    // --- model-written reports ---------------------------------------------------------

    #[test]
    fn sparkq_haiku_report_batch3() {
        let r = parse(
            data!("sparkq-batch3-validation.md"),
            "logs/phase6/batch3-validation.md",
        );
        assert_eq!(r.batch, Some(3));
        assert_eq!(
            r.checked,
            [
                "sparkq/tests/conftest.py",
                "sparkq/tests/test_storage.py",
                "sparkq/tests/test_api.py"
            ]
        );
        assert_eq!(r.failed, ["sparkq/tests/test_api.py"]);
        assert_eq!(
            rows(&r),
            [(
                Some("sparkq/tests/test_api.py"),
                None,
                "ModuleNotFoundError",
                "No module named 'sparkq.api'"
            )]
        );
        assert_eq!(sources(&r), ["logs/phase6/batch3-validation.md:5"]);
        assert!(r.warnings.is_empty());
    }

    #[test]
    fn sparkq_haiku_reports_all_pass() {
        let r = parse(data!("sparkq-batch1-validation.md"), "b1.md");
        assert_eq!(r.batch, Some(1));
        assert_eq!(r.checked, ["sparkq/src/models.py", "sparkq/src/storage.py"]);
        assert!(r.failed.is_empty());
        assert!(r.findings.is_empty());
        let r = parse(data!("sparkq-batch2-validation.md"), "b2.md");
        assert_eq!(r.batch, Some(2));
        assert_eq!(r.checked, ["sparkq/src/cli.py", "sparkq/src/api.py"]);
        assert!(r.findings.is_empty());
    }

    #[test]
    fn report_variants_emoji_brackets_plain_and_path_first() {
        let r = parse(data!("haiku-variants.md"), "v.md");
        assert_eq!(r.batch, Some(4));
        assert_eq!(
            rows(&r),
            [
                (
                    Some("sparkq/src/scheduler.py"),
                    Some(3),
                    "ImportError",
                    "cannot import name 'TaskRepo' from 'sparkq.storage'"
                ),
                (
                    Some("sparkq/src/scheduler.py"),
                    Some(27),
                    "NameError",
                    "name 'Task' is not defined"
                ),
                (
                    Some("sparkq/src/retry.py"),
                    Some(12),
                    "SyntaxError",
                    "invalid syntax"
                ),
                (
                    Some("sparkq/src/metrics.py"),
                    None,
                    "ValidationFailure",
                    "validation failed"
                ),
                (
                    Some("sparkq/src/config.py"),
                    Some(8),
                    "TypeError",
                    "unsupported operand type(s) for +: 'int' and 'str'"
                ),
                (
                    Some("sparkq/src/config.py"),
                    Some(14),
                    "ValidationFailure",
                    "Function `load()` is still a stub (returns None); see sparkq/src/config.py:14"
                ),
                (
                    Some("sparkq/tests/test_worker.py"),
                    None,
                    "AssertionError",
                    "test_retry_backoff: assert 3 == 2"
                ),
                (
                    Some("sparkq/src/queue.py"),
                    None,
                    "ValidationFailure",
                    "placeholder left"
                ),
            ]
        );
        assert_eq!(
            r.checked,
            [
                "sparkq/src/worker.py",
                "sparkq/src/scheduler.py",
                "sparkq/src/retry.py",
                "sparkq/src/metrics.py",
                "sparkq/src/config.py",
                "sparkq/src/__init__.py",
                "sparkq/tests/test_worker.py",
                "sparkq/tests/test_scheduler.py",
                "sparkq/src/locks.py",
                "sparkq/src/queue.py",
            ]
        );
        assert_eq!(
            r.failed,
            [
                "sparkq/src/scheduler.py",
                "sparkq/src/retry.py",
                "sparkq/src/metrics.py",
                "sparkq/src/config.py",
                "sparkq/tests/test_worker.py",
                "sparkq/src/queue.py",
            ]
        );
        // The metrics FAIL has no detail: its finding points at the FAIL line itself.
        assert_eq!(r.findings[3].source, "v.md:12");
    }

    #[test]
    fn report_as_table_and_per_file_sections() {
        let r = parse(data!("claude-table-report.md"), "t.md");
        assert_eq!(r.batch, Some(2));
        assert_eq!(
            rows(&r),
            [
                (
                    Some("sparkq/src/api.py"),
                    None,
                    "ModuleNotFoundError",
                    "No module named 'sparkq.handlers'"
                ),
                (
                    Some("sparkq/src/web.py"),
                    None,
                    "ValidationFailure",
                    "validation failed"
                ),
                (
                    Some("sparkq/src/storage.py"),
                    Some(2),
                    "E0432",
                    "unresolved import"
                ),
                (
                    Some("sparkq/src/storage.py"),
                    None,
                    "sqlite3.OperationalError",
                    "no such column: tasks.priority"
                ),
            ]
        );
        assert_eq!(
            r.checked,
            [
                "sparkq/src/cli.py",
                "sparkq/src/api.py",
                "sparkq/src/web.py",
                "sparkq/src/storage.py",
                "sparkq/src/models.py"
            ]
        );
        assert_eq!(
            r.failed,
            [
                "sparkq/src/api.py",
                "sparkq/src/web.py",
                "sparkq/src/storage.py"
            ]
        );
    }

    #[test]
    fn fail_line_followed_by_a_summary_does_not_take_it_as_detail() {
        let text = "Validation Report - Batch 2:\n\
                    ✅ PASS: notes/export.py\n\
                    ❌ FAIL: notes/render.py\n\
                    Summary:\n\
                    - 1/2 passed\n";
        let r = parse(text, "r.txt");
        assert_eq!(
            rows(&r),
            [(
                Some("notes/render.py"),
                None,
                "ValidationFailure",
                "validation failed"
            )]
        );
        assert_eq!(r.checked, ["notes/export.py", "notes/render.py"]);
    }

    #[test]
    fn detail_line_numbers_and_types() {
        let cases: &[(&str, Option<u32>, &str, &str)] = &[
            (
                "- SyntaxError: expected ':' (line 4)",
                Some(4),
                "SyntaxError",
                "expected ':'",
            ),
            (
                "- Line 4: SyntaxError: expected ':'",
                Some(4),
                "SyntaxError",
                "expected ':'",
            ),
            (
                "- IndentationError: unexpected indent [line 7, col 3]",
                Some(7),
                "IndentationError",
                "unexpected indent",
            ),
            (
                "- `ModuleNotFoundError`: No module named 'x' on line 1",
                Some(1),
                "ModuleNotFoundError",
                "No module named 'x'",
            ),
            (
                "- error[E0432]: unresolved import `crate::lexer` (line 1)",
                Some(1),
                "E0432",
                "unresolved import `crate::lexer`",
            ),
            (
                "- TS2307: Cannot find module './types' (line 3)",
                Some(3),
                "TS2307",
                "Cannot find module './types'",
            ),
            (
                "- Missing return type annotation at notes/render.py:12",
                Some(12),
                "ValidationFailure",
                "Missing return type annotation at notes/render.py:12",
            ),
            (
                "- File does not define render()",
                None,
                "ValidationFailure",
                "File does not define render()",
            ),
        ];
        for (detail, line, error_type, message) in cases {
            let text = format!("❌ FAIL: notes/render.py\n  {detail}\n");
            let r = parse(&text, "r.md");
            assert_eq!(
                rows(&r),
                [(Some("notes/render.py"), *line, *error_type, *message)],
                "{detail}"
            );
            assert_eq!(sources(&r), ["r.md:2"]);
        }
    }

    #[test]
    fn details_under_a_label() {
        let text = "❌ FAIL: notes/render.py\n\
                    Errors:\n\
                    \x20 - SyntaxError: expected ':' (line 4)\n\
                    \x20   def render(note: Note) -> str\n\
                    \x20 - NameError: name 'Note' is not defined (line 4)\n\
                    ✅ PASS: notes/export.py\n";
        let r = parse(text, "r.md");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("notes/render.py"),
                    Some(4),
                    "SyntaxError",
                    "expected ':'"
                ),
                (
                    Some("notes/render.py"),
                    Some(4),
                    "NameError",
                    "name 'Note' is not defined"
                ),
            ]
        );
        assert_eq!(r.checked, ["notes/render.py", "notes/export.py"]);
    }

    #[test]
    fn tool_output_pasted_under_a_fail_line() {
        let text = "Validation Report - Batch 2:\n\
                    ❌ FAIL: notes/render.py\n\
                    \x20   File \"notes/render.py\", line 4\n\
                    \x20     def render(note: Note) -> str\n\
                    \x20                                  ^\n\
                    \x20   SyntaxError: expected ':'\n\
                    ❌ FAIL: src/parser.rs\n\
                    \x20 error[E0425]: cannot find value `tok` in this scope\n\
                    \x20  --> src/parser.rs:6:5\n\
                    ❌ FAIL: sparkq/tests/test_api.py\n\
                    \x20 E   ModuleNotFoundError: No module named 'sparkq.api'\n";
        let r = parse(text, "r.md");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("notes/render.py"),
                    Some(4),
                    "SyntaxError",
                    "expected ':'"
                ),
                (
                    Some("src/parser.rs"),
                    Some(6),
                    "E0425",
                    "cannot find value `tok` in this scope"
                ),
                (
                    Some("sparkq/tests/test_api.py"),
                    None,
                    "ModuleNotFoundError",
                    "No module named 'sparkq.api'"
                ),
            ]
        );
    }

    // --- transcripts and py_compile ----------------------------------------------------

    #[test]
    fn notes_py_compile_transcripts() {
        let r = parse(
            data!("validation-batch2.txt"),
            "_build/validation-batch2.txt",
        );
        assert_eq!(r.batch, None);
        assert_eq!(
            r.checked,
            ["notes/render.py", "notes/export.py", "notes/search.py"]
        );
        assert_eq!(r.failed, ["notes/render.py"]);
        assert_eq!(
            rows(&r),
            [(
                Some("notes/render.py"),
                Some(4),
                "SyntaxError",
                "expected ':'"
            )]
        );
        assert_eq!(sources(&r), ["_build/validation-batch2.txt:5"]);

        let r = parse(data!("validation-batch1.txt"), "v1.txt");
        assert_eq!(r.checked, ["notes/model.py", "notes/store.py"]);
        assert!(r.failed.is_empty() && r.findings.is_empty());
        let r = parse(data!("validation-batch3.txt"), "v3.txt");
        assert_eq!(r.checked, ["notes/cli.py"]);
        assert!(r.findings.is_empty());
    }

    #[test]
    fn py_compile_sorry_and_errno_lines_glued_to_the_next_command() {
        // Real python 3.11 output: "Sorry: ..." and "[Errno 2] ..." end without a newline.
        let r = parse(data!("py-compile-transcript.txt"), "pc.txt");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("notes/store.py"),
                    Some(4),
                    "IndentationError",
                    "unindent does not match any outer indentation level"
                ),
                (
                    Some("notes/render.py"),
                    Some(3),
                    "TabError",
                    "inconsistent use of tabs and spaces in indentation"
                ),
                (
                    Some("notes/export.py"),
                    Some(1),
                    "SyntaxError",
                    "expected ':'"
                ),
                (
                    Some("notes/search.py"),
                    None,
                    "FileNotFoundError",
                    "No such file or directory: 'notes/search.py'"
                ),
            ]
        );
        assert_eq!(
            sources(&r),
            ["pc.txt:3", "pc.txt:4", "pc.txt:8", "pc.txt:10"]
        );
        assert_eq!(
            r.checked,
            [
                "notes/model.py",
                "notes/store.py",
                "notes/render.py",
                "notes/export.py",
                "notes/search.py"
            ]
        );
        assert_eq!(
            r.failed,
            [
                "notes/store.py",
                "notes/render.py",
                "notes/export.py",
                "notes/search.py"
            ]
        );
    }

    #[test]
    fn python_tracebacks_keep_the_cause_and_the_deepest_project_frame() {
        let r = parse(data!("python-traceback.txt"), "run.txt");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("/home/luce/apps/sparkqueue/sparkq/storage.py"),
                    Some(15),
                    "sqlite3.OperationalError",
                    "table tasks has no column named priority"
                ),
                (
                    Some("/home/luce/apps/sparkqueue/sparkq/cli.py"),
                    Some(10),
                    "json.decoder.JSONDecodeError",
                    "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)"
                ),
            ]
        );
        assert_eq!(sources(&r), ["run.txt:5", "run.txt:37"]);
    }

    #[test]
    fn unittest_failure() {
        let r = parse(data!("unittest.txt"), "u.txt");
        assert_eq!(
            rows(&r),
            [(
                Some("/home/dev/notes/tests/test_store.py"),
                Some(9),
                "AssertionError",
                "2 != 1"
            )]
        );
        assert_eq!(r.checked[0], "tests/test_store.py");
    }

    #[test]
    fn command_arguments_name_the_checked_files() {
        let files = |c: &str| command_files(&split_args(c));
        assert_eq!(
            files("python -m py_compile notes/a.py notes/b.py"),
            ["notes/a.py", "notes/b.py"]
        );
        assert_eq!(
            files("pytest --collect-only -q sparkq/tests"),
            ["sparkq/tests"]
        );
        assert_eq!(
            files("python -m pytest -k enqueue sparkq/tests/test_api.py::test_enqueue -q"),
            ["sparkq/tests/test_api.py"]
        );
        assert_eq!(
            files("npx tsc --noEmit -p tsconfig.json"),
            Vec::<String>::new()
        );
        assert_eq!(
            files("cd sparkq && bash -lc 'python -m py_compile src/api.py' 2>&1"),
            ["src/api.py"]
        );
        assert_eq!(files("cargo check"), Vec::<String>::new());
    }

    // --- pytest ------------------------------------------------------------------------

    #[test]
    fn sparkq_pytest_collection_error_is_one_finding() {
        let r = parse(
            data!("sparkq-batch3-pytest-test_api.py.txt"),
            "logs/phase6/batch3-pytest-test_api.py.txt",
        );
        assert_eq!(
            rows(&r),
            [(
                Some("sparkq/tests/test_api.py"),
                Some(1),
                "ModuleNotFoundError",
                "No module named 'sparkq.api'"
            )]
        );
        assert_eq!(
            sources(&r),
            ["logs/phase6/batch3-pytest-test_api.py.txt:12"]
        );
        assert_eq!(r.checked, ["sparkq/tests/test_api.py"]);
        assert_eq!(r.failed, ["sparkq/tests/test_api.py"]);
    }

    /// The same run (pytest 9.2) printed three ways must give the same findings; only the
    /// line of a failure raised in another file is lost with `--tb=line`.
    fn expected_store_run(raised_at: &'static str, line: Option<u32>) -> Vec<Row<'static>> {
        vec![
            (
                Some("tests/test_render.py"),
                Some(1),
                "ModuleNotFoundError",
                "No module named 'notes.render'",
            ),
            (
                Some("tests/test_syntax.py"),
                Some(1),
                "SyntaxError",
                "invalid syntax",
            ),
            (
                Some("tests/test_store.py"),
                Some(25),
                "FixtureLookupError",
                "test_broken_fixture: fixture 'db' not found",
            ),
            (
                Some("tests/test_store.py"),
                Some(12),
                "AssertionError",
                "test_add_then_count: assert 2 == 1",
            ),
            (Some("tests/test_store.py"), line, "KeyError", raised_at),
            (
                Some("tests/test_store.py"),
                Some(22),
                "AssertionError",
                "TestRender.test_title[1]: assert '#1' == '# 1'",
            ),
            (
                Some("tests/test_store.py"),
                Some(22),
                "AssertionError",
                "TestRender.test_title[2]: assert '#2' == '# 1'",
            ),
        ]
    }

    #[test]
    fn pytest_long_tracebacks_merge_with_the_short_summary() {
        let r = parse(data!("pytest-default.txt"), "p.txt");
        assert_eq!(
            rows(&r),
            expected_store_run(
                "test_get_missing: 'nope' (raised at notes/store.py:9)",
                Some(16)
            )
        );
        assert_eq!(r.findings[3].source, "p.txt:63");
        assert_eq!(
            r.failed,
            [
                "tests/test_render.py",
                "tests/test_syntax.py",
                "tests/test_store.py"
            ]
        );
    }

    #[test]
    fn pytest_short_tracebacks() {
        let r = parse(data!("pytest-tb-short.txt"), "p.txt");
        assert_eq!(
            rows(&r),
            expected_store_run(
                "test_get_missing: 'nope' (raised at notes/store.py:9)",
                Some(16)
            )
        );
        // The directory argument of the command counts as checked.
        assert_eq!(r.checked[0], "tests");
    }

    #[test]
    fn pytest_line_tracebacks_pair_with_summary_lines_in_order() {
        let r = parse(data!("pytest-tb-line.txt"), "p.txt");
        assert_eq!(
            rows(&r),
            expected_store_run(
                "test_get_missing: 'nope' (raised at /home/dev/notes/notes/store.py:9)",
                None
            )
        );
        assert_eq!(
            r.checked,
            [
                "tests/test_store.py",
                "tests/test_render.py",
                "tests/test_syntax.py"
            ]
        );
    }

    #[test]
    fn pytest_summary_only() {
        let text = "$ pytest -q --tb=no sparkq/tests\n\
                    ..F.E                                                                    [100%]\n\
                    =========================== short test summary info ============================\n\
                    FAILED sparkq/tests/test_api.py::test_status_404 - AssertionError: assert 200 == 404\n\
                    FAILED sparkq/tests/test_api.py::TestEnqueue::test_empty_name\n\
                    ERROR sparkq/tests/test_storage.py::test_claim - fixture 'repo' not found\n\
                    ERROR sparkq/tests/test_cli.py\n\
                    2 failed, 2 passed, 2 errors in 0.31s\n";
        let r = parse(text, "s.txt");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("sparkq/tests/test_api.py"),
                    None,
                    "AssertionError",
                    "test_status_404: assert 200 == 404"
                ),
                (
                    Some("sparkq/tests/test_api.py"),
                    None,
                    "TestFailure",
                    "TestEnqueue.test_empty_name: test failed"
                ),
                (
                    Some("sparkq/tests/test_storage.py"),
                    None,
                    "FixtureLookupError",
                    "test_claim: fixture 'repo' not found"
                ),
                (
                    Some("sparkq/tests/test_cli.py"),
                    None,
                    "CollectionError",
                    "error collecting the test module"
                ),
            ]
        );
        assert_eq!(
            r.checked,
            [
                "sparkq/tests",
                "sparkq/tests/test_api.py",
                "sparkq/tests/test_storage.py",
                "sparkq/tests/test_cli.py"
            ]
        );
    }

    #[test]
    fn pytest_all_passing_lists_files_without_findings() {
        let text = "============================= test session starts ==============================\n\
                    platform linux -- Python 3.11.7, pytest-9.2.0, pluggy-1.7.0\n\
                    rootdir: /home/luce/apps/sparkqueue\n\
                    collected 4 items\n\
                    \n\
                    sparkq/tests/test_storage.py ..                                          [ 50%]\n\
                    sparkq/tests/test_models.py ..                                           [100%]\n\
                    \n\
                    ============================== 4 passed in 0.02s ===============================\n";
        let r = parse(text, "ok.txt");
        assert!(r.findings.is_empty());
        assert!(r.failed.is_empty());
        assert_eq!(
            r.checked,
            [
                "sparkq/tests/test_storage.py",
                "sparkq/tests/test_models.py"
            ]
        );
    }

    // --- other tools -------------------------------------------------------------------

    #[test]
    fn mypy_errors_with_codes_and_notes_skipped() {
        let r = parse(data!("mypy.txt"), "m.txt");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("notes/typed.py"),
                    Some(2),
                    "import-not-found",
                    "Cannot find implementation or library stub for module named \"notes.missing_mod\""
                ),
                (
                    Some("notes/typed.py"),
                    Some(3),
                    "import-untyped",
                    "Library stubs not installed for \"requests\""
                ),
                (
                    Some("notes/typed.py"),
                    Some(7),
                    "assignment",
                    "Incompatible types in assignment (expression has type \"str\", variable has type \"int\")"
                ),
                (
                    Some("notes/typed.py"),
                    Some(8),
                    "attr-defined",
                    "\"Store\" has no attribute \"nothing\""
                ),
                (
                    Some("notes/typed.py"),
                    Some(12),
                    "return-value",
                    "Incompatible return value type (got \"int\", expected \"str\")"
                ),
            ]
        );
        let r = parse("x.py:3:5: error: Name \"y\" is not defined\n", "m.txt");
        assert_eq!(
            rows(&r),
            [(Some("x.py"), Some(3), "mypy", "Name \"y\" is not defined")]
        );
    }

    #[test]
    fn rustc_errors_take_their_location_from_the_arrow_line() {
        let r = parse(data!("cargo-build.txt"), "c.txt");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("src/lib.rs"),
                    Some(1),
                    "E0432",
                    "unresolved import `crate::lexer`"
                ),
                (
                    Some("src/lib.rs"),
                    Some(6),
                    "E0425",
                    "cannot find value `tok` in this scope"
                ),
                (Some("src/parser.rs"), Some(1), "E0308", "mismatched types"),
                (Some("src/lib.rs"), Some(5), "E0308", "mismatched types"),
            ]
        );
        assert_eq!(sources(&r), ["c.txt:3", "c.txt:9", "c.txt:15", "c.txt:28"]);
        // The warning and "could not compile" lines are no findings.
        assert_eq!(r.failed, ["src/lib.rs", "src/parser.rs"]);

        let r = parse(data!("cargo-check-syntax.txt"), "c.txt");
        assert_eq!(
            rows(&r),
            [(
                Some("src/lib.rs"),
                Some(10),
                "rustc",
                "mismatched closing delimiter: `}`"
            )]
        );
    }

    #[test]
    fn rustc_error_without_location() {
        // As a Codex command_execution printed it (formats/examples/codex_exec_json_failed).
        let r = parse(
            "$ cargo check\nerror[E0425]: cannot find value `tok` in this scope\n",
            "c.txt",
        );
        assert_eq!(
            rows(&r),
            [(None, None, "E0425", "cannot find value `tok` in this scope")]
        );
    }

    #[test]
    fn cargo_test_panics() {
        let r = parse(data!("cargo-test.txt"), "t.txt");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("src/lib.rs"),
                    Some(6),
                    "panic",
                    "tests::later: not yet implemented"
                ),
                (
                    Some("src/lib.rs"),
                    Some(14),
                    "panic",
                    "tests::adds: assertion `left == right` failed; left: 0; right: 4"
                ),
            ]
        );
        let old = "thread 'main' panicked at 'index out of bounds: the len is 3 but the index is 5', src/main.rs:4:5\n";
        assert_eq!(
            rows(&parse(old, "o.txt")),
            [(
                Some("src/main.rs"),
                Some(4),
                "panic",
                "index out of bounds: the len is 3 but the index is 5"
            )]
        );
    }

    #[test]
    fn tsc_plain_and_pretty() {
        let r = parse(data!("tsc.txt"), "t.txt");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("src/api/client.ts"),
                    Some(3),
                    "TS2307",
                    "Cannot find module './types' or its corresponding type declarations."
                ),
                (
                    Some("src/api/client.ts"),
                    Some(14),
                    "TS2322",
                    "Type 'string' is not assignable to type 'number'."
                ),
                (Some("src/index.ts"), Some(8), "TS1005", "';' expected."),
            ]
        );
        let r = parse(data!("tsc-pretty.txt"), "t.txt");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("src/store/tasks.ts"),
                    Some(12),
                    "TS2339",
                    "Property 'priority' does not exist on type 'Task'."
                ),
                (
                    Some("src/store/tasks.ts"),
                    Some(20),
                    "TS2345",
                    "Argument of type 'number' is not assignable to parameter of type 'string'."
                ),
            ]
        );
    }

    #[test]
    fn eslint_errors_but_not_warnings() {
        let r = parse(data!("eslint.txt"), "e.txt");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("/home/dev/web/src/app.js"),
                    Some(3),
                    "no-undef",
                    "'fetchTasks' is not defined"
                ),
                (
                    Some("/home/dev/web/src/util.js"),
                    Some(1),
                    "eslint",
                    "Parsing error: Unexpected token export"
                ),
                (
                    Some("/home/dev/web/src/components/TaskList.jsx"),
                    Some(7),
                    "react/jsx-key",
                    "Missing \"key\" prop for element in iterator"
                ),
            ]
        );
    }

    #[test]
    fn go_build_and_go_test() {
        let r = parse(data!("go-build.txt"), "g.txt");
        assert_eq!(
            rows(&r),
            [
                (Some("store/store.go"), Some(14), "go", "undefined: sqlx"),
                (
                    Some("store/store.go"),
                    Some(22),
                    "go",
                    "cannot use id (variable of type int) as string value in return statement"
                ),
                (
                    Some("main.go"),
                    Some(6),
                    "go",
                    "no required module provides package example.com/tasks/queue; to add it:"
                ),
                (
                    Some("main.go"),
                    Some(11),
                    "go",
                    "syntax error: unexpected }, expected expression"
                ),
            ]
        );
        let r = parse(data!("go-test.txt"), "g.txt");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("store_test.go"),
                    Some(15),
                    "TestFailure",
                    "TestAdd: Add(2, 2) = 5, want 4"
                ),
                (
                    Some("store_test.go"),
                    Some(31),
                    "TestFailure",
                    "TestClaim: Claim() error = sql: no rows in result set, want nil"
                ),
            ]
        );
    }

    #[test]
    fn ruff_codes() {
        let r = parse(data!("ruff.txt"), "r.txt");
        assert_eq!(
            rows(&r),
            [
                (
                    Some("notes/render.py"),
                    Some(1),
                    "F401",
                    "`os` imported but unused"
                ),
                (
                    Some("notes/render.py"),
                    Some(9),
                    "F821",
                    "Undefined name `Note`"
                ),
            ]
        );
    }

    #[test]
    fn colour_codes_and_crlf_are_ignored() {
        let text =
            "\x1b[31mFAILED\x1b[0m tests/test_x.py::test_y - AssertionError: assert 1 == 2\r\n";
        assert_eq!(
            rows(&parse(text, "c.txt")),
            [(
                Some("tests/test_x.py"),
                None,
                "AssertionError",
                "test_y: assert 1 == 2"
            )]
        );
    }

    // --- robustness ---------------------------------------------------------------------

    fn fragment() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        prop_oneof![
            Just("❌ FAIL: notes/render.py".to_string()),
            Just("✅ PASS: x.py".to_string()),
            Just("  - SyntaxError: expected ':' (line 4)".to_string()),
            Just("[FAIL] ".to_string()),
            Just("$ python -m py_compile a.py".to_string()),
            Just("Sorry: TabError: x (a.py, line 3)$ pytest".to_string()),
            Just("==================== ERRORS ====================".to_string()),
            Just("==================== FAILURES ====================".to_string()),
            Just("____ ERROR collecting t.py ____".to_string()),
            Just("____ test_x ____".to_string()),
            Just("E   ".to_string()),
            Just("E".to_string()),
            Just("t.py:1: in <module>".to_string()),
            Just("/abs/t.py:12: assert 1 == 2".to_string()),
            Just("FAILED t.py::test_x - ".to_string()),
            Just("ERROR t.py".to_string()),
            Just("Traceback (most recent call last):".to_string()),
            Just("  File \"a.py\", line 9".to_string()),
            Just("ValueError".to_string()),
            Just("error[E0432]: x".to_string()),
            Just("  --> a.rs:1:1".to_string()),
            Just("thread 'main' (1) panicked at a.rs:1:1:".to_string()),
            Just("--- FAIL: TestX (0.00s)".to_string()),
            Just("    x_test.go:3: bad".to_string()),
            Just("/a/b.js".to_string()),
            Just("  1:1  error  x  no-undef".to_string()),
            Just("| a.py | ❌ FAIL | |".to_string()),
            Just("### a.py".to_string()),
            Just("**Status:** ❌".to_string()),
            Just(String::new()),
            "\\PC{0,40}",
        ]
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(lines in proptest::collection::vec(fragment(), 0..40)) {
            let text = lines.join("\n");
            let r = parse(&text, "fuzz.txt");
            for f in &r.findings {
                proptest::prop_assert!(f.source.starts_with("fuzz.txt:"));
                if let Some(file) = &f.file {
                    proptest::prop_assert!(r.failed.contains(file));
                    proptest::prop_assert!(r.checked.contains(file));
                }
            }
            let _ = looks_like(&text);
        }
    }

    // --- looks_like --------------------------------------------------------------------

    #[test]
    fn looks_like_reports_and_tool_output() {
        for (name, text) in [
            ("sparkq-batch3-validation.md", data!("sparkq-batch3-validation.md")),
            ("sparkq-batch1-validation.md", data!("sparkq-batch1-validation.md")),
            ("sparkq pytest", data!("sparkq-batch3-pytest-test_api.py.txt")),
            ("validation-batch1.txt", data!("validation-batch1.txt")),
            ("validation-batch3.txt", data!("validation-batch3.txt")),
            ("haiku-variants.md", data!("haiku-variants.md")),
            ("claude-table-report.md", data!("claude-table-report.md")),
            ("pytest-default.txt", data!("pytest-default.txt")),
            ("mypy.txt", data!("mypy.txt")),
            ("cargo-build.txt", data!("cargo-build.txt")),
            ("tsc-pretty.txt", data!("tsc-pretty.txt")),
            ("eslint.txt", data!("eslint.txt")),
            ("go-build.txt", data!("go-build.txt")),
            ("python-traceback.txt", data!("python-traceback.txt")),
            ("[FAIL] line", "[FAIL] notes/render.py\n  - SyntaxError: expected ':'\n"),
            ("raw go", "./main.go:5:2: undefined: foo\n"),
            ("raw tsc", "src/x.ts(3,5): error TS2307: Cannot find module './y'.\n"),
            ("raw mypy", "notes/a.py:12: error: Incompatible types in assignment  [assignment]\n"),
            (
                "raw py_compile",
                "  File \"notes/render.py\", line 4\n    def render(note: Note) -> str\n                                 ^\nSyntaxError: expected ':'\n",
            ),
        ] {
            assert!(looks_like(text), "{name} should look like a validation report");
        }
    }

    #[test]
    fn looks_like_rejects_other_inputs() {
        for (name, text) in [
            ("codex jsonl", data!("not-a-report-codex.jsonl")),
            ("codex failed jsonl", data!("not-a-report-codex-failed.jsonl")),
            ("claude stream", data!("not-a-report-claude-stream.jsonl")),
            ("joblog", data!("not-a-report-joblog.tsv")),
            ("notes joblog", data!("not-a-report-joblog-notes.tsv")),
            ("run script", data!("not-a-report-run-batch2.sh")),
            ("codex batch script", data!("not-a-report-phase6-codex-batch3.sh")),
            ("prompt with Validation: line", data!("not-a-report-prompt.md")),
            ("sparkq prompt", data!("not-a-report-b3-api-tests.md")),
            (
                "codex text log that ran pytest",
                "OpenAI Codex v0.63.0 (research preview)\n--------\nworkdir: /home/dev/notes\n--------\nuser\nFix the tests\n\
                 exec bash -lc 'pytest -q' in /home/dev/notes\n\
                 FAILED tests/test_x.py::test_y - AssertionError: assert 1 == 2\n",
            ),
            ("empty", ""),
        ] {
            assert!(!looks_like(text), "{name} should not look like a validation report");
        }
    }
}
