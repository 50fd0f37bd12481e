//! Python tracebacks (a crashing script, unittest) and `python -m py_compile` output.

use super::files::is_system_path;
use super::Parser;
use regex::Regex;
use std::sync::LazyLock;

regex!(
    pub(super) EXCEPTION,
    r"^((?:[A-Za-z_]\w*\.)*[A-Z]\w*(?:Error|Exception|Warning|Exit|Interrupt|Iteration)|Failed)(?::\s?(.*))?$"
);

regex!(pub(super) PY_TRACEBACK, r"^Traceback \(most recent call last\):");
regex!(pub(super) PY_FILE_FRAME, r#"^\s*File "(.+?)", line (\d+)"#);
regex!(
    pub(super) PY_CHAINED,
    r"^(?:During handling of the above exception|The above exception was the direct cause)"
);
regex!(
    pub(super) PY_SORRY,
    r"^Sorry: ([A-Za-z_][\w.]*): (.*?)(?: \(([^()]+?), line (\d+)\))?$"
);
regex!(pub(super) PY_ERRNO, r"^\[Errno (\d+)\] ([^:]+): '(.+)'$");

impl Parser<'_> {
    pub(super) fn python_line(&mut self, n: usize, line: &str) -> bool {
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
            let frame = frames.iter().rev().find(|(f, _)| !is_system_path(f)).or(frames.last());
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
}

/// `Type: message` when Type is an exception name.
pub(super) fn split_exception(text: &str) -> Option<(String, String)> {
    let c = EXCEPTION.captures(text.trim())?;
    Some((c[1].to_string(), c.get(2).map_or(String::new(), |m| m.as_str().trim().to_string())))
}

#[cfg(test)]
#[path = "python_tests.rs"]
mod tests;
