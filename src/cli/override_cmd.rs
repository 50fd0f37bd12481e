//! `recover-tui override [PATH] Q2|Q3 yes|no --reason TEXT` and `--clear Q2|Q3`: answer a
//! question of the decision yourself, exactly as the app's Decision screen does (journalled,
//! part of the trail and the export), and see the verdict it leads to.

use super::{command_error, load, Cli, CliError};
use crate::app::commands::{self, Question};
use crate::core::sanitize::clean_line;
use std::path::Path;

fn question(s: &str) -> Result<Question, CliError> {
    Question::parse(s).ok_or_else(|| {
        CliError::from(format!("`{}` is not a question that can be overridden: use Q2 or Q3", clean_line(s)))
    })
}

fn answer(s: &str) -> Result<bool, CliError> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" => Ok(false),
        _ => Err(CliError::from(format!("`{}` is not an answer: use yes or no", clean_line(s)))),
    }
}

pub fn run(cli: &Cli, args: &[String], reason: Option<&str>, clear: Option<&str>) -> Result<i32, CliError> {
    let (path, q, a) = match (clear, args) {
        (Some(q), [] | [_]) => (args.first(), question(q)?, None),
        (Some(_), _) => return Err(CliError::from("--clear takes the question; give at most a PATH besides it")),
        (None, [q, a]) => (None, question(q)?, Some(answer(a)?)),
        (None, [p, q, a]) => (Some(p), question(q)?, Some(answer(a)?)),
        (None, _) => {
            return Err(CliError::from(
                "say which question and the answer: recover-tui override [PATH] Q2|Q3 yes|no --reason TEXT",
            ))
        }
    };
    if a.is_some() && reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(CliError::from(format!("overriding {} needs a reason: --reason TEXT", q.as_str())));
    }
    let mut project = load(cli, path.map(Path::new))?;
    project.check_facts();
    let said = commands::set_override(&mut project, q, a, reason.unwrap_or_default()).map_err(command_error)?;
    println!("{}", clean_line(&said));
    if let Some(d) = &project.decision {
        println!("scope {}; see recover-tui plan for the whole decision", d.scope.as_str());
    }
    Ok(0)
}
