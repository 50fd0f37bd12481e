//! rustc/cargo (errors with their ` --> ` location, test panics) and the one-line formats
//! of tsc, mypy, ruff/flake8, go (build and test) and eslint.

use super::{Parser, COMMAND};
use regex::Regex;
use std::sync::LazyLock;

regex!(pub(super) RUST_ERROR, r"^(error|warning)(?:\[([A-Z]\d{4})\])?: (.*)$");
regex!(pub(super) RUST_ARROW, r"^\s*--> (.+?):(\d+):(\d+)$");
regex!(
    pub(super) RUST_LINT,
    r"^\s*= note: `(?:-D |#\[deny\()([\w:-]+)\)?\]?` (?:implied by|on by default)"
);
regex!(
    pub(super) RUST_PANIC,
    r"^thread '(.+?)'(?: \(\d+\))? panicked at (.+?):(\d+):(\d+):$"
);
regex!(
    pub(super) RUST_PANIC_OLD,
    r"^thread '(.+?)' panicked at '(.*)', (.+?):(\d+):(\d+)$"
);
regex!(
    pub(super) RUST_SUMMARY,
    r"^(?:could not compile|aborting due to|test failed, to rerun|build failed|\d+ previous errors?)"
);

// `cargo build --message-format=short`: `src/parser.rs:64:77: error[E0425]: message`.
regex!(
    pub(super) RUST_SHORT,
    r"^(\S+?\.rs):(\d+):(\d+): (error|warning)(?:\[([A-Z]\d{4})\])?: (.*)$"
);

regex!(pub(super) TSC, r"^(.+?)\((\d+),(\d+)\): error (TS\d+): (.*)$");
// A finding of the whole compilation (`error TS18003: No inputs were found in config file ...`).
regex!(pub(super) TSC_GLOBAL, r"^error (TS\d+): (.*)$");
regex!(pub(super) TSC_PRETTY, r"^(\S.*?):(\d+):(\d+) - error (TS\d+): (.*)$");
regex!(
    pub(super) COLON_ERROR,
    r"^(\S.*?):(\d+)(?::(\d+))?(?::\d+:\d+)?: error: (.*?)(?:\s+\[([\w-]+)\])?$"
);
regex!(
    pub(super) LINT_CODE,
    r"^(\S+?\.\w+):(\d+):(\d+): ([A-Z]{1,3}\d{3,4})\b(?: \[\*\])? (.*)$"
);
regex!(pub(super) GO, r"^(?:vet: )?(?:\./)?(\S+?\.go):(\d+)(?::(\d+))?: (.*)$");
regex!(pub(super) GO_FAIL, r"^\s*--- FAIL: (\S+)");
regex!(pub(super) GO_PASS, r"^\s*--- (?:PASS|SKIP): \S+");
regex!(pub(super) GO_RUN, r"^=== (?:RUN|CONT)\s+(\S+)");
regex!(pub(super) GO_TEST_LINE, r"^\s+(\S+?\.go):(\d+): (.*)$");
regex!(
    pub(super) ESLINT_HEADER,
    r"^((?:/|[A-Za-z]:\\|\.{1,2}/)?[^\s:]+\.(?:[cm]?[jt]sx?|vue|svelte|astro))$"
);
regex!(
    pub(super) ESLINT_MESSAGE,
    r"^\s+(\d+):(\d+)\s+(error|warning)\s+(.+?)(?:\s{2,}(@?[\w-]+(?:/[\w-]+)*))?\s*$"
);

pub(super) struct PendingRust {
    code: Option<String>,
    message: String,
    at: usize,
}

pub(super) struct PendingPanic {
    thread: String,
    file: String,
    line: u32,
    at: usize,
    message: Vec<String>,
}

/// A mypy `--pretty` error whose message wraps onto the next lines, the last ending with its
/// `[code]`.
pub(super) struct WrappedMypy {
    index: usize,
    lines: u8,
}

/// The most lines a wrapped mypy message is followed over.
const MYPY_WRAP_MAX: u8 = 4;

regex!(pub(super) MYPY_CODE_AT_END, r"^(.*?)\s*\[([a-z][\w-]*)\]$");
regex!(pub(super) MYPY_NOT_WRAPPED, r"^(?:Found \d+ errors?|Success: |\S+:\d+(?::\d+)*: (?:error|note|warning): )");

/// `tsconfig.json`, `jsconfig.json`, `tsconfig.build.json`: the project's compiler settings.
fn is_project_config(file: &str) -> bool {
    let name = super::files::base_name(file);
    name.ends_with(".json") && (name.starts_with("tsconfig") || name.starts_with("jsconfig"))
}

/// `go test -v` prints a test's messages while it runs, before its `--- FAIL:` line.
pub(super) struct GoRun {
    test: String,
    /// (report line, file, line, message)
    said: Vec<(usize, String, Option<u32>, String)>,
}

impl Parser<'_> {
    /// `go test`: `--- FAIL: TestX (0.00s)` then its indented `x_test.go:16: message` lines,
    /// or with `-v`, `=== RUN   TestX`, the lines, then `--- FAIL:` (`--- PASS:` drops them).
    fn go_test_line(&mut self, n: usize, line: &str) -> bool {
        if let Some(c) = GO_RUN.captures(line) {
            self.go_run = Some(GoRun { test: c[1].to_string(), said: Vec::new() });
            self.go_test = None;
            return true;
        }
        if let Some(c) = GO_FAIL.captures(line) {
            let test = c[1].to_string();
            if let Some(run) = self.go_run.take_if(|r| r.test == test) {
                for (at, file, l, message) in run.said {
                    let file = self.resolve_base_name(&file);
                    self.push(at, Some(file), l, "TestFailure", &format!("{test}: {message}"));
                }
            }
            self.go_test = Some(test);
            return true;
        }
        if GO_PASS.is_match(line) {
            self.go_run = None;
            self.go_test = None;
            return true;
        }
        let Some(c) = GO_TEST_LINE.captures(line) else {
            if !line.starts_with(char::is_whitespace) {
                self.go_test = None;
            }
            return false;
        };
        if let Some(test) = self.go_test.clone() {
            let file = self.resolve_base_name(&c[1]);
            let message = format!("{test}: {}", &c[3]);
            self.push(n, Some(file), c[2].parse().ok(), "TestFailure", &message);
            return true;
        }
        if let Some(run) = self.go_run.as_mut() {
            run.said.push((n, c[1].to_string(), c[2].parse().ok(), c[3].to_string()));
            return true;
        }
        false
    }

    /// The continuation of a wrapped mypy message (`--pretty`): appended to it until a line
    /// ends with the error code. The source excerpt (indented), a blank line or the next
    /// error ends it.
    pub(super) fn mypy_wrapped_line(&mut self, line: &str) -> bool {
        let Some(w) = self.mypy_wrapped.as_mut() else {
            return false;
        };
        w.lines += 1;
        let (index, lines) = (w.index, w.lines);
        if line.trim().is_empty()
            || line.starts_with(char::is_whitespace)
            || MYPY_NOT_WRAPPED.is_match(line)
            || lines > MYPY_WRAP_MAX
        {
            self.mypy_wrapped = None;
            return false;
        }
        let Some(f) = self.findings.get_mut(index) else {
            self.mypy_wrapped = None;
            return false;
        };
        let (text, code) = match MYPY_CODE_AT_END.captures(line) {
            Some(c) => (c[1].to_string(), Some(c[2].to_string())),
            None => (line.to_string(), None),
        };
        if !text.is_empty() {
            f.message = format!("{} {}", f.message, text.trim());
        }
        if let Some(code) = code {
            f.error_type = code;
            self.mypy_wrapped = None;
        }
        true
    }

    // --- rustc / cargo -----------------------------------------------------------------

    /// The line after `error[E..]: ...` says where (` --> src/x.rs:3:5`); a panic message
    /// runs until a blank or `note:` line.
    pub(super) fn rust_pending_line(&mut self, line: &str) -> bool {
        if let Some(p) = self.rust.take() {
            if let Some(c) = RUST_ARROW.captures(line) {
                let error_type = p.code.unwrap_or_else(|| "rustc".to_string());
                let index = self.push(p.at, Some(c[1].to_string()), c[2].parse().ok(), &error_type, &p.message);
                self.rust_lint_of = (error_type == "rustc").then_some(index);
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

    pub(super) fn flush_rust(&mut self) {
        let Some(p) = self.rust.take() else {
            return;
        };
        if RUST_SUMMARY.is_match(&p.message) {
            return;
        }
        let error_type = p.code.unwrap_or_else(|| "error".to_string());
        self.push(p.at, None, None, &error_type, &p.message);
    }

    pub(super) fn flush_panic(&mut self) {
        let Some(p) = self.panic.take() else {
            return;
        };
        let text = p.message.join("; ");
        let message = if p.thread == "main" { text } else { format!("{}: {}", p.thread, text) };
        self.push(p.at, Some(p.file), Some(p.line), "panic", &message);
    }

    pub(super) fn rust_line(&mut self, n: usize, line: &str) -> bool {
        if let Some(c) = RUST_LINT.captures(line) {
            // A lint denied by `-D warnings` or `#[deny(...)]` is an error without a code:
            // the lint names it.
            if let Some(f) = self.rust_lint_of.take().and_then(|i| self.findings.get_mut(i)) {
                f.error_type = c[1].to_string();
            }
            return true;
        }
        if let Some(c) = RUST_ERROR.captures(line) {
            self.rust_lint_of = None;
            // A cut `error: could not comp...` is the summary, not an error without a code.
            let cut_summary = self.last_line_unended && c.get(2).is_none();
            if &c[1] == "error" && !cut_summary {
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
            let message = if &c[1] == "main" { c[2].to_string() } else { format!("{}: {}", &c[1], &c[2]) };
            self.push(n, Some(c[3].to_string()), c[4].parse().ok(), "panic", &message);
            return true;
        }
        false
    }

    // --- one-line formats: tsc, mypy, ruff/flake8, go, eslint --------------------------

    pub(super) fn tool_line(&mut self, n: usize, line: &str) -> bool {
        if let Some(c) = TSC.captures(line).or_else(|| TSC_PRETTY.captures(line)) {
            let file = &c[1];
            if is_project_config(file) {
                // A finding in the compiler's own configuration is no job's output.
                let message = format!("{file}:{}: {}", &c[2], &c[5]);
                self.push_unowned(n, &c[4], &message);
            } else {
                self.push(n, Some(file.to_string()), c[2].parse().ok(), &c[4], &c[5]);
            }
            return true;
        }
        if let Some(c) = TSC_GLOBAL.captures(line) {
            self.push_unowned(n, &c[1], &c[2]);
            return true;
        }
        if let Some(c) = RUST_SHORT.captures(line) {
            if &c[4] == "error" {
                let error_type = c.get(5).map_or("rustc", |m| m.as_str());
                self.push(n, Some(c[1].to_string()), c[2].parse().ok(), error_type, &c[6]);
            }
            return true;
        }
        if let Some(c) = COLON_ERROR.captures(line) {
            let file = c[1].to_string();
            let python = file.ends_with(".py") || file.ends_with(".pyi");
            let error_type = match c.get(5) {
                Some(code) => code.as_str(),
                None if python => "mypy",
                None => "error",
            };
            let index = self.push(n, Some(file), c[2].parse().ok(), error_type, &c[4]);
            if python && c.get(5).is_none() {
                self.mypy_wrapped = Some(WrappedMypy { index, lines: 0 });
            }
            return true;
        }
        if let Some(c) = LINT_CODE.captures(line) {
            self.push(n, Some(c[1].to_string()), c[2].parse().ok(), &c[4], &c[5]);
            return true;
        }
        if self.go_test_line(n, line) {
            return true;
        }
        if let Some(c) = GO.captures(line) {
            self.push(n, Some(c[1].to_string()), c[2].parse().ok(), "go", &c[4]);
            return true;
        }
        if let Some(c) = ESLINT_HEADER.captures(line) {
            self.checked.push(&c[1]);
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

#[cfg(test)]
#[path = "tools_tests.rs"]
mod tests;
