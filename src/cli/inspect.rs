//! `recover-tui inspect` and `recover-tui import`.

use super::{load_read_only, Cli, CliError};
use crate::app::project::Project;
use crate::core::manifest;
use crate::core::model::{Batch, Finding, Job};
use crate::core::sanitize::{clean_line, clean_name};
use crate::core::status::JobState;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

pub fn run(cli: &Cli, path: Option<&Path>, as_json: bool) -> Result<i32, CliError> {
    let project = load_read_only(cli, path)?;
    if as_json {
        let mut out = std::io::BufWriter::with_capacity(256 << 10, std::io::stdout().lock());
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
        s.collect_seq(self.1.jobs.iter().map(|j| JobDoc::of(self.0, j)))
    }
}

/// One job of the document, its fields (and those of its parts) in sorted key order.
#[derive(Serialize)]
struct JobDoc<'a> {
    duration_s: Option<f64>,
    evidence: FindingsDoc<'a>,
    exit_code: Option<i32>,
    findings: FindingsDoc<'a>,
    id: &'a str,
    logs: &'a [String],
    matched_by: &'a [String],
    outputs: &'a [String],
    prompt_source: Option<&'a str>,
    state: &'static str,
    status: &'static str,
    tokens: TokensDoc,
}

impl<'a> JobDoc<'a> {
    fn of(project: &Project, j: &'a Job) -> Self {
        let r = &j.result;
        JobDoc {
            duration_s: r.duration_s,
            evidence: FindingsDoc(&r.evidence),
            exit_code: r.exit_code,
            findings: FindingsDoc(&r.findings),
            id: &j.id,
            logs: &r.logs,
            matched_by: &j.matched_by,
            outputs: &j.outputs,
            prompt_source: j.prompt.as_ref().map(|p| p.source.as_str()),
            state: state(project, j).as_str(),
            status: r.status.as_str(),
            tokens: TokensDoc { cached_input: r.tokens.cached_input, input: r.tokens.input, output: r.tokens.output },
        }
    }
}

#[derive(Serialize)]
struct TokensDoc {
    cached_input: u64,
    input: u64,
    output: u64,
}

struct FindingsDoc<'a>(&'a [Finding]);

impl Serialize for FindingsDoc<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(FindingDoc::of))
    }
}

/// A [`Finding`] with its keys sorted (`class` left out when there is none, as in the model).
#[derive(Serialize)]
struct FindingDoc<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    class: Option<&'a str>,
    error_type: &'a str,
    file: Option<&'a str>,
    line: Option<u32>,
    message: &'a str,
    source: &'a str,
}

impl<'a> FindingDoc<'a> {
    fn of(f: &'a Finding) -> Self {
        FindingDoc {
            class: f.class.as_deref(),
            error_type: &f.error_type,
            file: f.file.as_deref(),
            line: f.line,
            message: &f.message,
            source: &f.source,
        }
    }
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
