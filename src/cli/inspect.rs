//! `recover-tui inspect` and `recover-tui import`.

use super::{load_read_only, Cli, CliError};
use crate::app::project::Project;
use crate::core::manifest;
use crate::core::model::{Batch, Job};
use crate::core::sanitize::{clean_line, clean_name};
use crate::core::status::JobState;
use serde::Serialize;
use serde_json::{json, Value};
use std::io::Write;
use std::path::Path;

pub fn run(cli: &Cli, path: Option<&Path>, as_json: bool) -> Result<i32, CliError> {
    let project = load_read_only(cli, path)?;
    if as_json {
        let mut out = std::io::BufWriter::with_capacity(64 << 10, std::io::stdout().lock());
        super::safe_json::write_pretty(&mut out, &InspectDoc::of(&project))
            .and_then(|()| writeln!(out))
            .and_then(|()| out.flush())
            .map_err(|e| CliError::from(format!("cannot write to stdout: {e}")))?;
    } else {
        print!("{}", inspect_text(&project));
    }
    super::plan::exit_without_freeing(project);
    Ok(0)
}

pub fn import(cli: &Cli, path: Option<&Path>, output: &Path) -> Result<i32, CliError> {
    let project = load_read_only(cli, path)?;
    let dir =
        output.parent().filter(|p| !p.as_os_str().is_empty()).map(Path::to_path_buf).unwrap_or_else(|| ".".into());
    let dir = std::fs::canonicalize(&dir).map_err(|e| CliError::from(format!("{}: {e}", dir.display())))?;
    let text = manifest::to_json(&project.run, &dir);
    crate::store::atomic::write(output, text.as_bytes())
        .map_err(|e| CliError::from(format!("cannot write {}: {e}", output.display())))?;
    println!("wrote {} ({} batches, {} jobs)", output.display(), project.run.batches.len(), project.run.jobs().count());
    Ok(0)
}

/// A job's state now (DESIGN.md §2), beside its logged status.
fn state(project: &Project, job: &Job) -> JobState {
    project.progress.as_ref().map_or_else(|| JobState::from_logs(job.result.status), |p| p.state(job))
}

/// The `recover-tui/inspect@1` document: `status` is what the logs say, `state` the job's state
/// now. Written as it is serialized, one job at a time (keys in sorted order, as in a `Value`).
#[derive(Serialize)]
struct InspectDoc<'a> {
    batches: Batches<'a>,
    project_root: String,
    schema: &'static str,
    title: &'a str,
    warnings: &'a [String],
}

impl<'a> InspectDoc<'a> {
    fn of(project: &'a Project) -> Self {
        let run = &project.run;
        InspectDoc {
            batches: Batches(project),
            project_root: run.project_root.display().to_string(),
            schema: "recover-tui/inspect@1",
            title: &run.title,
            warnings: &run.warnings,
        }
    }
}

struct Batches<'a>(&'a Project);

impl Serialize for Batches<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let project = self.0;
        s.collect_seq(project.run.batches.iter().map(|b| BatchDoc {
            depends_on: &b.depends_on,
            jobs: Jobs(project, b),
            name: &b.name,
            number: b.number,
            status: b.status().as_str(),
        }))
    }
}

#[derive(Serialize)]
struct BatchDoc<'a> {
    depends_on: &'a Option<Vec<u32>>,
    jobs: Jobs<'a>,
    name: &'a str,
    number: u32,
    status: &'static str,
}

struct Jobs<'a>(&'a Project, &'a Batch);

impl Serialize for Jobs<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.1.jobs.iter().map(|j| job_json(self.0, j)))
    }
}

/// One job of the document (a small `Value`, so its keys and those of its parts are sorted).
pub fn job_json(project: &Project, j: &Job) -> Value {
    json!({
        "id": j.id,
        "outputs": j.outputs,
        "status": j.result.status.as_str(),
        "state": state(project, j).as_str(),
        "exit_code": j.result.exit_code,
        "tokens": j.result.tokens,
        "duration_s": j.result.duration_s,
        "prompt_source": j.prompt.as_ref().map(|p| p.source.clone()),
        "logs": j.result.logs,
        "matched_by": j.matched_by,
        "findings": j.result.findings,
        "evidence": j.result.evidence,
    })
}

pub fn inspect_text(project: &Project) -> String {
    let run = &project.run;
    let mut s = String::new();
    s += &format!("{} — {}\n", clean_line(&run.title), clean_line(&run.project_root.display().to_string()));
    for b in &run.batches {
        s += &format!("\nBatch {} — {} [{}]\n", b.number, clean_line(&b.name), b.status().as_str());
        for j in &b.jobs {
            let mark = match j.result.status {
                crate::core::model::Status::Passed => "✓",
                crate::core::model::Status::Failed => "✗",
                _ => "·",
            };
            let now = state(project, j);
            let now = if now == JobState::from_logs(j.result.status) {
                String::new()
            } else {
                format!(" (now {})", now.word())
            };
            s += &format!(
                "  {mark} {:<24} {:<8} {}{now}\n",
                clean_name(&j.id),
                j.result.status.as_str(),
                clean_name(&j.outputs.join(", "))
            );
            for f in &j.result.findings {
                let place = f.location().map(|l| format!("{l}: ")).unwrap_or_default();
                s += &format!(
                    "      {}{}: {} [{}]\n",
                    clean_line(&place),
                    clean_line(&f.error_type),
                    clean_line(&f.message),
                    f.class.as_deref().unwrap_or("?")
                );
            }
        }
    }
    if !run.warnings.is_empty() {
        s += "\nWarnings:\n";
        for w in &run.warnings {
            s += &format!("  - {}\n", clean_line(w));
        }
    }
    s
}
