//! Placeholder substitution in configured argv templates, and shell quoting for display.
//!
//! A template is an argv array from the config (DESIGN.md §16). Each argument may contain
//! `{project_root}`, `{job}`, `{output}` and `{prompt_file}` anywhere inside it; each is
//! replaced by its value verbatim, so a value always stays inside the one argument that named
//! it: it is never split on spaces and never seen by a shell. Substitution is one pass: a
//! value that itself contains `{job}` is not expanded again.
//!
//! A placeholder is `{` + an identifier (`[A-Za-z_][A-Za-z0-9_]*`) + `}`; other braces
//! (`{}`, `{"a": 1}`, `{ x }`) are literal text.
//!
//! Option injection: templates own their argv (a template that wants a value after `--` writes
//! the `--` itself). To keep a value from a log from ever being read as an option, every
//! substituted value that starts with `-` is refused.

use super::ExecError;

/// The values placeholders stand for. `None` = the placeholder has no value for this command
/// (using it is an error in [`substitute`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placeholders {
    pub project_root: Option<String>,
    pub job: Option<String>,
    /// The job's first output, relative to project_root.
    pub output: Option<String>,
    pub prompt_file: Option<String>,
}

/// The placeholder names, in the order they are documented.
pub const NAMES: [&str; 4] = ["project_root", "job", "output", "prompt_file"];

impl Placeholders {
    fn get(&self, name: &str) -> Option<Option<&str>> {
        match name {
            "project_root" => Some(self.project_root.as_deref()),
            "job" => Some(self.job.as_deref()),
            "output" => Some(self.output.as_deref()),
            "prompt_file" => Some(self.prompt_file.as_deref()),
            _ => None,
        }
    }
}

/// Substitute a config template. An unknown `{name}` or a placeholder without a value is an
/// error naming it; so is a value starting with `-` or holding a NUL byte. An empty template
/// or an empty program name is [`ExecError::EmptyCommand`].
pub fn substitute(template: &[String], vars: &Placeholders) -> Result<Vec<String>, ExecError> {
    let out = substitute_with(template, vars, true)?;
    check_program(&out)?;
    Ok(out)
}

/// Substitute only the placeholders that have a value and leave any other `{name}` as literal
/// text. For argv recorded with a job (its own validation commands), which is run as-is apart
/// from `{output}` and `{project_root}`.
pub fn substitute_known(template: &[String], vars: &Placeholders) -> Result<Vec<String>, ExecError> {
    let out = substitute_with(template, vars, false)?;
    check_program(&out)?;
    Ok(out)
}

fn check_program(argv: &[String]) -> Result<(), ExecError> {
    match argv.first() {
        Some(p) if !p.is_empty() => Ok(()),
        _ => Err(ExecError::EmptyCommand),
    }
}

fn substitute_with(template: &[String], vars: &Placeholders, strict: bool) -> Result<Vec<String>, ExecError> {
    template.iter().enumerate().map(|(index, arg)| substitute_arg(index, arg, vars, strict)).collect()
}

fn substitute_arg(index: usize, arg: &str, vars: &Placeholders, strict: bool) -> Result<String, ExecError> {
    let mut out = String::with_capacity(arg.len());
    let mut rest = arg;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let name = after.find('}').map(|close| &after[..close]).filter(|n| is_identifier(n));
        let Some(name) = name else {
            out.push('{');
            rest = after;
            continue;
        };
        let whole = &rest[open..open + name.len() + 2];
        match vars.get(name) {
            Some(Some(value)) => out.push_str(checked_value(name, value)?),
            Some(None) if strict => {
                return Err(ExecError::MissingValue { name: name.to_string(), index, arg: arg.to_string() })
            }
            None if strict => {
                return Err(ExecError::UnknownPlaceholder { name: name.to_string(), index, arg: arg.to_string() })
            }
            _ => out.push_str(whole),
        }
        rest = &rest[open + name.len() + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

fn checked_value<'a>(name: &str, value: &'a str) -> Result<&'a str, ExecError> {
    if value.starts_with('-') {
        return Err(ExecError::OptionInjection { name: name.to_string(), value: value.to_string() });
    }
    if value.contains('\0') {
        return Err(ExecError::NulInValue { name: name.to_string() });
    }
    Ok(value)
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

pub use crate::core::sanitize::{display_argv, shell_quote};

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    fn vars() -> Placeholders {
        Placeholders {
            project_root: Some("/p".into()),
            job: Some("b1-3".into()),
            output: Some("src/a b.py".into()),
            prompt_file: Some("/s/prompt.md".into()),
        }
    }

    #[test]
    fn replaces_every_placeholder_inside_arguments() {
        let t = v(&["gen", "-C", "{project_root}", "--out={output}", "{job}:{job}", "<{prompt_file}>", "-"]);
        assert_eq!(
            substitute(&t, &vars()).unwrap(),
            v(&["gen", "-C", "/p", "--out=src/a b.py", "b1-3:b1-3", "</s/prompt.md>", "-"])
        );
    }

    #[test]
    fn unknown_placeholder_is_named() {
        let err = substitute(&v(&["gen", "--x={outptu}"]), &vars()).unwrap_err();
        match &err {
            ExecError::UnknownPlaceholder { name, index, arg } => {
                assert_eq!((name.as_str(), *index, arg.as_str()), ("outptu", 1, "--x={outptu}"));
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("{outptu}"), "{err}");
    }

    #[test]
    fn placeholder_without_value_is_an_error() {
        let p = Placeholders { job: None, ..vars() };
        let err = substitute(&v(&["gen", "{job}"]), &p).unwrap_err();
        assert!(matches!(&err, ExecError::MissingValue { name, index: 1, .. } if name == "job"), "{err:?}");
    }

    #[test]
    fn other_braces_are_literal() {
        let t = v(&["python3", "-c", "print({}) or {'a': 1} or { x } or {9}", "{", "}{"]);
        assert_eq!(substitute(&t, &vars()).unwrap(), t);
    }

    #[test]
    fn values_are_one_argument_and_not_reexpanded() {
        let p = Placeholders { output: Some("a b; $(touch pwned) `x` {job}".into()), job: Some("j".into()), ..vars() };
        let out = substitute(&v(&["tool", "{output}"]), &p).unwrap();
        assert_eq!(out, v(&["tool", "a b; $(touch pwned) `x` {job}"]));
    }

    #[test]
    fn dash_values_are_refused() {
        let p = Placeholders { output: Some("--exec=rm".into()), ..vars() };
        let err = substitute(&v(&["tool", "{output}"]), &p).unwrap_err();
        assert!(matches!(&err, ExecError::OptionInjection { name, value } if name == "output" && value == "--exec=rm"));
        let p = Placeholders { job: Some("-rf".into()), ..vars() };
        assert!(matches!(substitute(&v(&["tool", "x{job}"]), &p), Err(ExecError::OptionInjection { .. })));
        // A value that is not used is not checked.
        assert!(substitute(&v(&["tool", "{project_root}"]), &p).is_ok());
    }

    #[test]
    fn nul_and_empty_program_are_refused() {
        let p = Placeholders { output: Some("a\0b".into()), ..vars() };
        assert!(matches!(substitute(&v(&["t", "{output}"]), &p), Err(ExecError::NulInValue { .. })));
        assert!(matches!(substitute(&[], &vars()), Err(ExecError::EmptyCommand)));
        let p = Placeholders { job: Some(String::new()), ..vars() };
        assert!(matches!(substitute(&v(&["{job}"]), &p), Err(ExecError::EmptyCommand)));
    }

    #[test]
    fn known_only_mode_leaves_the_rest() {
        let p = Placeholders { output: Some("x.py".into()), project_root: Some("/p".into()), ..Default::default() };
        let t = v(&["check", "{output}", "{job}", "{weird}", "{project_root}/y"]);
        assert_eq!(substitute_known(&t, &p).unwrap(), v(&["check", "x.py", "{job}", "{weird}", "/p/y"]));
    }

    #[test]
    fn quoting_for_display() {
        assert_eq!(shell_quote("plain-word_1.py"), "plain-word_1.py");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), "'it'\\''s'");
        assert_eq!(shell_quote("$(touch pwned)"), "'$(touch pwned)'");
        assert_eq!(shell_quote("a\x1b[2Jb"), "$'a\\x1b[2Jb'");
        assert_eq!(shell_quote("x\u{202e}y"), "$'x\\u202ey'");
        assert_eq!(display_argv(&v(&["python3", "-m", "py_compile", "a b.py"])), "python3 -m py_compile 'a b.py'");
    }
}
