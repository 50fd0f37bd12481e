//! Model-written reports: `✅ PASS: path`, `❌ FAIL: path` with detail lines, `[FAIL] path`,
//! `path - PASS`, Markdown tables and `### path` sections with a `Status:` line.

use super::files::{is_path_like, split_node_id};
use super::python::PY_FILE_FRAME;
use super::tools::RUST_ARROW;
use super::{Parser, COMMAND};
use regex::Regex;
use std::sync::LazyLock;

regex!(
    pub(super) REPORT_HEADER,
    r"(?i)validation\s+(?:report|results|summary)|^#+\s.*\bvalidation\b"
);
regex!(pub(super) BATCH, r"(?i)\bbatch\s*#?\s*(\d+)\b");

regex!(pub(super) LIST_MARKER, r"^(?:#{1,6}\s+|[-*+•]\s+|\d{1,3}[.)]\s+)");
regex!(
    pub(super) PLAIN_VERDICT_AFTER_PATH,
    r"^(\S+?)\s*(?::|\s-|\s–|\s—)\s*(?:(?:✅|❌|✔|✖|✗|✘)\u{FE0F}?\s*)?\**\s*((?i:pass(?:ed)?|fail(?:ed)?))\b\**\s*(.*)$"
);
regex!(
    pub(super) DETAIL_LINE_PREFIX,
    r"(?i)^(?:line|ln|l)\s*(\d+)\s*(?:[:\-–—]\s*|\s+)(.+)$"
);
regex!(
    pub(super) DETAIL_LINE_PAREN,
    r"(?i)\s*[(\[](?:at |on )?line\s+(\d+)(?:[,:]?\s*col(?:umn)?\s*\d+)?[)\]]"
);
regex!(pub(super) DETAIL_LINE_AT, r"(?i)\s+(?:at|on) line\s+(\d+)\b");
regex!(pub(super) DETAIL_LINE_WORD, r"(?i)\bline\s+(\d+)\b");
regex!(pub(super) DETAIL_PATH_LINE, r"[\w./-]+\.\w+:(\d+)\b");
regex!(
    pub(super) DETAIL_TYPE,
    r"^`?((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Warning)|E\d{4}|TS\d{4,5}|[A-Z]{1,3}\d{3,4})`?\s*:\s*(.*)$"
);
regex!(pub(super) DETAIL_RUST_TYPE, r"^error\[(E\d{4})\]:\s*(.*)$");
// A label line ("Errors:", "**Details**:") with a label of any length: `is_label_only` caps
// it at 30 characters (a `{1,30}` here would compile 30 copies of Unicode `\w`, ~9 ms).
regex!(pub(super) LABEL_ONLY, r"^\**[\w /-]+\**:\**\s*$");
regex!(
    pub(super) ADVICE,
    r"(?i)^\**(?:fix|suggestion|suggested fix|recommendation|note|hint|action|next steps?|cause|root cause)\**\s*:"
);
regex!(
    pub(super) SUMMARY_LABEL,
    r"(?i)^\**(?:summary|overall|results?|conclusion|recommendations?|next steps?)\**:"
);
regex!(pub(super) STATUS_LINE, r"(?i)^\**status\**\s*:\s*(.+)$");

const PASS_EMOJI: &[&str] = &["✅", "✔", "☑", "🟢", "✓"];
const FAIL_EMOJI: &[&str] = &["❌", "✖", "✗", "✘", "🔴", "⛔", "🚫", "❎"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Pass,
    Fail,
}

/// An open `FAIL` line of a model-written report, collecting its detail lines.
pub(super) struct FailBlock {
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

impl Parser<'_> {
    pub(super) fn header_line(&mut self, line: &str) -> bool {
        if !REPORT_HEADER.is_match(line) || line.contains("PASS") || line.contains("FAIL") {
            return false;
        }
        if self.batch.is_none() {
            self.batch = BATCH.captures(line).and_then(|c| c[1].parse().ok());
        }
        true
    }

    pub(super) fn verdict_line(&mut self, n: usize, line: &str) -> bool {
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
        self.checked.push(&file);
        if verdict == Verdict::Pass {
            return true;
        }
        self.failed.push(&file);
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

    pub(super) fn fail_block_line(&mut self, n: usize, line: &str) -> bool {
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
        let continues =
            (indent > 0 || (bullet && !block.after_blank)) && parse_verdict(line).is_none() && !COMMAND.is_match(line);
        let label = is_label_only(trimmed);
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
        let (error_type, message) =
            split_error_type(&text).unwrap_or_else(|| ("ValidationFailure".to_string(), text.clone()));
        let message = match &block.test {
            Some(t) => format!("{t}: {message}"),
            None => message,
        };
        self.push(n, Some(block.file.clone()), line, &error_type, &message);
        block.details += 1;
    }

    pub(super) fn close_fail_block(&mut self) {
        let Some(block) = self.fail_block.take() else {
            return;
        };
        if block.details > 0 {
            return;
        }
        let message = if block.trailing.is_empty() { "validation failed".to_string() } else { block.trailing.clone() };
        let message = match &block.test {
            Some(t) => format!("{t}: {message}"),
            None => message,
        };
        self.push(block.line, Some(block.file), None, "ValidationFailure", &message);
    }
}

/// `ModuleNotFoundError: ...`, `E0432: ...`, `TS2307: ...`, `error[E0432]: ...`.
fn split_error_type(text: &str) -> Option<(String, String)> {
    let c = DETAIL_TYPE.captures(text).or_else(|| DETAIL_RUST_TYPE.captures(text))?;
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

/// `^\**[\w /-]{1,30}\**:\**\s*$`: `LABEL_ONLY` with a label of 30 characters at most. The
/// label is what lies between the leading `*`s and the first `*` or `:` (neither is a label
/// character, so a match leaves no other choice).
fn is_label_only(line: &str) -> bool {
    if !LABEL_ONLY.is_match(line) {
        return false;
    }
    let label = line.trim_start_matches('*');
    label.find(['*', ':']).and_then(|end| label.get(..end)).is_some_and(|l| l.chars().count() <= 30)
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
                return (Some(verdict), rest.trim_start_matches('\u{FE0F}').trim_start());
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
    let end = s.find(|ch: char| !ch.is_ascii_alphabetic()).unwrap_or(s.len());
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
    let verdict = if c[2].to_ascii_uppercase().starts_with("PASS") { Verdict::Pass } else { Verdict::Fail };
    Some((verdict, path, clean_trailing(&c[3])))
}

fn parse_table_row(s: &str) -> Option<(Verdict, String, String)> {
    let cells: Vec<&str> = s.trim_matches('|').split('|').map(|c| c.trim().trim_matches('*').trim()).collect();
    let path_at = cells.iter().position(|c| is_path_like(c.trim_matches('`')))?;
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
    let s = s.strip_prefix('(').and_then(|r| r.strip_suffix(')')).unwrap_or(s);
    s.trim().to_string()
}

/// `### sparkq/tests/test_api.py` (a per-file section of a report).
fn heading_path(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix('#')?.trim_start_matches('#').trim();
    let rest = rest.trim_matches(['*', '`']);
    let rest = rest.strip_prefix("File:").map_or(rest, str::trim).trim_matches('`');
    is_path_like(rest).then(|| rest.to_string())
}

#[cfg(test)]
#[path = "report_tests.rs"]
mod tests;
