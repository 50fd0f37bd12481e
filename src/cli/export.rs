//! `recover-tui export --format md|json [-o FILE]`: the rationale log, journaled. The writing
//! is `app::commands`' (one path for the CLI and the app).

use super::{command_error, load, nothing_failed, Cli, CliError, ExportFormat};
use crate::app::commands::{self, ExportFormat as Format};
use std::path::Path;

pub fn run(cli: &Cli, path: Option<&Path>, format: ExportFormat, output: Option<&Path>) -> Result<i32, CliError> {
    let mut project = load(cli, path)?;
    project.check_facts();
    if project.decision.is_none() {
        return Err(nothing_failed(&project, "there is no recovery to export"));
    }
    let format = match format {
        ExportFormat::Md => Format::Markdown,
        ExportFormat::Json => Format::Json,
    };
    let now = chrono::Utc::now();
    match output {
        Some(file) => {
            let bytes = commands::export_to(&project, format, file, now).map_err(command_error)?;
            println!("wrote {} ({bytes} bytes)", file.display());
        }
        None => {
            print!("{}", commands::export_text(&project, format, now).map_err(command_error)?);
            commands::journal_export(&project, format, None);
        }
    }
    Ok(0)
}
