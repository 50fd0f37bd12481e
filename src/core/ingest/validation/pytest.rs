//! pytest output: the ERRORS/FAILURES sections (any `--tb` style) and the short test summary.

use super::files::{is_system_path, same_file, split_node_id};
use super::python::{split_exception, PY_FILE_FRAME};
use super::Parser;
use crate::core::model::Finding;
use regex::Regex;
use std::sync::LazyLock;

regex!(pub(super) PYTEST_BANNER, r"^={3,} (.+?) ={3,}$");
// `____ test_name ____`; a name too long for the line width gets one `_` each side. The
// title never starts with `_`, so the `_ _ _ _` line between frames is no section.
regex!(pub(super) PYTEST_SECTION, r"^_+ ([^_\s].*?) _+$");
regex!(
    pub(super) PYTEST_LOCATION,
    r"^([^\s:][^:]*?):(\d+)(?::(?:[ \t](.*))?)?$"
);
regex!(pub(super) PYTEST_SETUP_FILE, r"^file (.+), line (\d+)$");
// A node id may hold spaces and ` - ` inside its parameters: `test_add[a - b]`.
regex!(
    pub(super) PYTEST_SUMMARY,
    r"^(FAILED|ERROR) ((?:[^\s\[]+|\[[^\]]*\])+)(?: - (.*))?$"
);
regex!(pub(super) PYTEST_COLLECTING, r"^ERROR collecting (\S+)");
regex!(
    pub(super) PYTEST_PROGRESS_VERBOSE,
    r"^(\S+?\.py)(?:::\S+)? (?:PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS)\b"
);
regex!(
    pub(super) PYTEST_PROGRESS,
    r"^(\S+?\.py) [.FEsxX]+\s*(?:\[\s*\d+%\])?$"
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PytestMode {
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

pub(super) struct Section {
    kind: SectionKind,
    header_at: usize,
    e_lines: Vec<(usize, String)>,
    locations: Vec<Location>,
}

/// A finding made from pytest's failure detail, that a short-summary line may confirm.
pub(super) struct Keyed {
    key: String,
    file: Option<String>,
    index: usize,
    merged: bool,
}

impl Parser<'_> {
    pub(super) fn pytest_line(&mut self, n: usize, line: &str) -> bool {
        if let Some(c) = PYTEST_BANNER.captures(line) {
            self.close_section();
            let title = c[1].trim();
            self.pytest_mode =
                if title == "ERRORS" || title == "FAILURES" { PytestMode::Details } else { PytestMode::Outside };
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
                self.section = Some(Section { kind, header_at: n, e_lines: Vec::new(), locations: Vec::new() });
                return true;
            }
            if self.last_line_unended {
                return true; // cut short: `tests/x.py:1` may be `tests/x.py:12`
            }
            if let Some(section) = self.section.as_mut() {
                section_line(section, n, line);
            } else {
                self.tb_line_failure(n, line);
            }
            return true;
        }
        if let Some(c) = PYTEST_SUMMARY.captures(line) {
            if self.last_line_unended {
                // pytest ends every line: this one was cut, and its node id may be too.
                return true;
            }
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
        if let Some(c) = PYTEST_PROGRESS_VERBOSE.captures(line).or_else(|| PYTEST_PROGRESS.captures(line)) {
            self.checked.push(&c[1]);
            return true;
        }
        false
    }

    /// A line of `--tb=line` output: `E` lines, then `/abs/path.py:12: assert 2 == 1`.
    fn tb_line_failure(&mut self, n: usize, line: &str) {
        let Some(c) = PYTEST_LOCATION.captures(line) else {
            return;
        };
        let Some(what) = c.get(3).map(|m| m.as_str().trim()).filter(|w| !w.is_empty()) else {
            return;
        };
        let (error_type, message) =
            split_exception(what).unwrap_or_else(|| (untyped_error_type(what).to_string(), what.to_string()));
        self.unnamed.push_back(Finding {
            file: Some(c[1].to_string()),
            line: c[2].parse().ok(),
            error_type,
            message,
            source: self.src(n),
            class: None,
        });
    }

    pub(super) fn close_section(&mut self) {
        let Some(section) = self.section.take() else {
            return;
        };
        let (n, error_type, message) = section_error(&section);
        let system = |l: &&Location| !is_system_path(&l.file);
        match section.kind {
            SectionKind::Collect(path) => {
                let line = section.locations.iter().rev().find(|l| same_file(&l.file, &path)).map(|l| l.line);
                let index = self.push(n, Some(path.clone()), line, &error_type, &message);
                self.keyed.push(Keyed { key: path.clone(), file: Some(path), index, merged: false });
            }
            SectionKind::Test(name) => {
                // pytest cuts its own frames: the first frame left is the test itself.
                let test_file = section.locations.iter().find(system).map(|l| l.file.clone());
                let line = test_file
                    .as_ref()
                    .and_then(|tf| section.locations.iter().rev().find(|l| same_file(&l.file, tf)).map(|l| l.line));
                let mut message = if message.is_empty() { name.clone() } else { format!("{name}: {message}") };
                if let (Some(tf), Some(raised)) = (&test_file, section.locations.iter().rev().find(system)) {
                    if !same_file(&raised.file, tf) {
                        message.push_str(&format!(" (raised at {}:{})", raised.file, raised.line));
                    }
                }
                let index = self.push(n, test_file.clone(), line, &error_type, &message);
                self.keyed.push(Keyed { key: name, file: test_file, index, merged: false });
            }
        }
    }

    /// A short-summary line: `FAILED path::test - reason` or `ERROR path`.
    fn summary(&mut self, n: usize, failed_test: bool, node: &str, reason: &str) {
        let (file, test) = split_node_id(node);
        self.checked.push(&file);
        let key = test.clone().unwrap_or_else(|| file.clone());
        let known = self
            .keyed
            .iter_mut()
            .find(|k| !k.merged && k.key == key && k.file.as_deref().is_none_or(|f| same_file(f, &file)));
        if let Some(k) = known {
            k.merged = true;
            let index = k.index;
            if let Some(f) = self.findings.get_mut(index) {
                // The summary names the file relative to pytest's rootdir: prefer that
                // spelling to an absolute one for the same file.
                let shorter = f.file.as_deref().is_none_or(|old| old.len() > file.len() && same_file(old, &file));
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
                    let at = format!(" (raised at {}:{})", f.file.as_deref().unwrap_or("?"), f.line.unwrap_or(0));
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
            ("CollectionError".to_string(), "error collecting the test module".to_string())
        };
        let message = if node.contains("::") { format!("{name}: {message}") } else { message };
        self.push(n, Some(file), None, &error_type, &message);
    }
}

fn section_line(section: &mut Section, n: usize, line: &str) {
    let is_e = line.starts_with('E') && line[1..].chars().next().is_none_or(char::is_whitespace);
    if is_e {
        let content = line[1..].trim();
        if let Some(c) = PY_FILE_FRAME.captures(content) {
            if let Ok(l) = c[2].parse() {
                section.locations.push(Location { file: c[1].to_string(), line: l, what: None, at: n });
            }
        }
        if !content.is_empty() {
            section.e_lines.push((n, content.to_string()));
        }
        return;
    }
    let c = PY_FILE_FRAME.captures(line).or_else(|| PYTEST_SETUP_FILE.captures(line));
    if let Some(c) = c {
        if let Ok(l) = c[2].parse() {
            section.locations.push(Location { file: c[1].to_string(), line: l, what: None, at: n });
        }
        return;
    }
    if let Some(c) = PYTEST_LOCATION.captures(line) {
        let what =
            c.get(3).map(|m| m.as_str().trim()).filter(|w| !w.is_empty() && !w.starts_with("in ")).map(str::to_string);
        if let Ok(l) = c[2].parse() {
            section.locations.push(Location { file: c[1].to_string(), line: l, what, at: n });
        }
    }
}

/// The error of one pytest section: the last `E   Type: message` line, else the first `E`
/// line with the type from the `path:N: Type` location.
fn section_error(section: &Section) -> (usize, String, String) {
    if let Some((n, (t, m))) = section.e_lines.iter().rev().find_map(|(n, c)| split_exception(c).map(|e| (*n, e))) {
        return (n, t, m);
    }
    let typed_location = section.locations.iter().rev().find_map(|l| l.what.as_ref().map(|w| (l.at, w.clone())));
    if let Some((n, first)) = section.e_lines.first() {
        let error_type = typed_location.map(|(_, t)| t).unwrap_or_else(|| untyped_error_type(first).to_string());
        return (*n, error_type, first.clone());
    }
    if let Some((n, t)) = typed_location {
        return (n, t, String::new());
    }
    match &section.kind {
        SectionKind::Collect(_) => {
            (section.header_at, "CollectionError".to_string(), "error collecting the test module".to_string())
        }
        SectionKind::Test(_) => (section.header_at, "TestFailure".to_string(), "test failed".to_string()),
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

#[cfg(test)]
#[path = "pytest_tests.rs"]
mod tests;
