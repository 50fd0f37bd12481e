//! Colour on stdout for the text commands (`plan`, `diff`): `--color always`, or `auto` on a
//! terminal unless `NO_COLOR` is set; `never` (and a pipe, under `auto`) gives plain text.

use super::ColorChoice;
use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paint {
    on: bool,
}

/// The SGR codes used.
const RED: &str = "31";
const GREEN: &str = "32";
const CYAN: &str = "36";
const BOLD: &str = "1";

impl Paint {
    pub fn new(choice: ColorChoice) -> Paint {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Paint::from(choice, std::io::stdout().is_terminal(), no_color)
    }

    fn from(choice: ColorChoice, terminal: bool, no_color: bool) -> Paint {
        let on = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => terminal && !no_color,
        };
        Paint { on }
    }

    fn sgr(self, code: &str, text: &str) -> String {
        if self.on && !text.is_empty() {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn red(self, text: &str) -> String {
        self.sgr(RED, text)
    }
    pub fn green(self, text: &str) -> String {
        self.sgr(GREEN, text)
    }
    pub fn cyan(self, text: &str) -> String {
        self.sgr(CYAN, text)
    }
    pub fn bold(self, text: &str) -> String {
        self.sgr(BOLD, text)
    }

    /// A unified diff, line by line: headers bold, hunks cyan, removals red, additions green.
    /// The text must already be safe for a terminal (sanitized); only whole lines are wrapped.
    pub fn diff(self, unified: &str) -> String {
        if !self.on {
            return unified.to_string();
        }
        let mut out = String::with_capacity(unified.len() + unified.len() / 8);
        for line in unified.split_inclusive('\n') {
            let (body, nl) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
            let painted = if body.starts_with("+++") || body.starts_with("---") || body.starts_with("# ") {
                self.bold(body)
            } else if body.starts_with("@@") {
                self.cyan(body)
            } else if body.starts_with('+') {
                self.green(body)
            } else if body.starts_with('-') {
                self.red(body)
            } else {
                body.to_string()
            };
            out.push_str(&painted);
            out.push_str(nl);
        }
        out
    }
}

impl Paint {
    /// The `plan` text: the verdict in bold, red for a restart and green otherwise; section
    /// headings bold; the command lines to run cyan. Whole lines only (the text is sanitized).
    pub fn plan(self, text: &str) -> String {
        if !self.on {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len() + 256);
        for line in text.split_inclusive('\n') {
            let (body, nl) = line.strip_suffix('\n').map_or((line, ""), |b| (b, "\n"));
            let painted = if body.starts_with("Verdict: ") {
                let v = self.bold(body);
                if body.contains("FULL RESTART") {
                    self.red(&v)
                } else {
                    self.green(&v)
                }
            } else if body.trim_start().starts_with("$ ") {
                self.cyan(body)
            } else if !body.starts_with(' ') && (body.ends_with(':') || body.starts_with("Outcome: ")) {
                self.bold(body)
            } else {
                body.to_string()
            };
            out.push_str(&painted);
            out.push_str(nl);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_colours_only_a_terminal_without_no_color() {
        assert!(Paint::from(ColorChoice::Auto, true, false).on);
        assert!(!Paint::from(ColorChoice::Auto, false, false).on);
        assert!(!Paint::from(ColorChoice::Auto, true, true).on);
        assert!(Paint::from(ColorChoice::Always, false, true).on);
        assert!(!Paint::from(ColorChoice::Never, true, false).on);
    }

    #[test]
    fn a_plan_paints_its_verdict_headings_and_commands() {
        let p = Paint { on: true };
        let text = "Verdict: FULL RESTART   scope: whole_phase\nWill re-run:\n  repair b1\n    $ recover-tui recover\nOutcome: in progress\n";
        assert_eq!(
            p.plan(text),
            "\x1b[31m\x1b[1mVerdict: FULL RESTART   scope: whole_phase\x1b[0m\x1b[0m\n\x1b[1mWill re-run:\x1b[0m\n  repair b1\n\
             \x1b[36m    $ recover-tui recover\x1b[0m\n\x1b[1mOutcome: in progress\x1b[0m\n"
        );
        assert!(p.plan("Verdict: TARGETED RECOVERY\n").starts_with("\x1b[32m"));
        assert_eq!(Paint { on: false }.plan(text), text);
    }

    #[test]
    fn a_diff_is_painted_line_by_line() {
        let p = Paint { on: true };
        let d = "--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-def f()\n+def f():\n same\n";
        assert_eq!(
            p.diff(d),
            "\x1b[1m--- a/x.py\x1b[0m\n\x1b[1m+++ b/x.py\x1b[0m\n\x1b[36m@@ -1 +1 @@\x1b[0m\n\
             \x1b[31m-def f()\x1b[0m\n\x1b[32m+def f():\x1b[0m\n same\n"
        );
        assert_eq!(Paint { on: false }.diff(d), d);
    }
}
