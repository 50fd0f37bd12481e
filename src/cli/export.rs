//! `recover-tui export --format md|json [-o FILE]`: the rationale log, journaled.

use super::{load, nothing_failed, Cli, CliError, ExportFormat};
use crate::store::journal::JournalEvent;
use std::path::Path;

pub fn run(cli: &Cli, path: Option<&Path>, format: ExportFormat, output: Option<&Path>) -> Result<i32, CliError> {
    let mut project = load(cli, path)?;
    project.check_facts();
    let now = chrono::Utc::now();
    let (text, name) = match format {
        ExportFormat::Md => (project.export_markdown(now), "md"),
        ExportFormat::Json => (project.export_json(now), "json"),
    };
    let Some(mut text) = text else {
        return Err(nothing_failed(&project, "there is no recovery to export"));
    };
    if !text.ends_with('\n') {
        text.push('\n');
    }
    match output {
        Some(file) => {
            crate::store::atomic::write(file, text.as_bytes())
                .map_err(|e| CliError::from(format!("cannot write {}: {e}", file.display())))?;
            println!("wrote {} ({} bytes)", file.display(), text.len());
        }
        None => print!("{text}"),
    }
    let event = JournalEvent::Exported { format: name.into(), path: output.map(|p| p.display().to_string()) };
    if let Err(e) = project.journal(event) {
        eprintln!("recover-tui: the export was not journaled: {}", crate::core::sanitize::clean_line(&e));
    }
    Ok(0)
}
