//! The native run manifest `run.json` (DESIGN.md §3): read and write.

use super::model::{Batch, Costs, Finding, Job, JobResult, Prompt, Run, Status, TokenUsage};
use crate::core::ingest::ProjectFiles;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const SCHEMA: &str = "recover-tui/run@1";

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{path}:{line}: {message}")]
    Parse { path: PathBuf, line: usize, message: String },
    #[error("{path}: schema is {found:?}, expected \"{SCHEMA}\"")]
    Schema { path: PathBuf, found: String },
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestRun {
    schema: String,
    #[serde(default)]
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default = "dot")]
    project_root: String,
    batches: Vec<ManifestBatch>,
    #[serde(default)]
    costs: Costs,
}

fn dot() -> String {
    ".".into()
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestBatch {
    number: u32,
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    depends_on: Option<Vec<u32>>,
    jobs: Vec<ManifestJob>,
    /// The batch scripts or command lists that run it (relative to the project root).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    scripts: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestJob {
    id: String,
    #[serde(default)]
    outputs: Vec<String>,
    #[serde(default)]
    prompt: Option<String>,
    #[serde(default)]
    prompt_file: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prompt_source: Option<String>,
    #[serde(default)]
    command: Vec<String>,
    #[serde(default)]
    validate: Vec<Vec<String>>,
    #[serde(default)]
    result: ManifestResult,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    matched_by: Vec<String>,
    /// Job ids this job reads (declared; wins over the batch's `depends_on`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    depends_on: Option<Vec<String>>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestResult {
    #[serde(default)]
    status: Status,
    #[serde(default)]
    exit_code: Option<i32>,
    #[serde(default)]
    started_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ended_at: Option<DateTime<Utc>>,
    #[serde(default)]
    duration_s: Option<f64>,
    #[serde(default)]
    tokens: Option<TokenUsage>,
    /// Written when the logs gave no token figures; a result without `tokens` reads the same.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    tokens_unknown: bool,
    #[serde(default)]
    logs: Vec<String>,
    #[serde(default)]
    findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    evidence: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    agent_error: Option<String>,
    #[serde(default, skip_serializing_if = "is_zero")]
    earlier_attempts: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Serialize a Run as a manifest. `project_root` is written relative to `manifest_dir` when inside it.
pub fn to_json(run: &Run, manifest_dir: &Path) -> String {
    let root = match run.project_root.strip_prefix(manifest_dir) {
        Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
        Ok(rel) => rel.to_string_lossy().into_owned(),
        Err(_) => run.project_root.to_string_lossy().into_owned(),
    };
    let m = ManifestRun {
        schema: SCHEMA.into(),
        id: run.id.clone(),
        title: run.title.clone(),
        project_root: root,
        costs: run.costs.clone(),
        batches: run
            .batches
            .iter()
            .map(|b| ManifestBatch {
                number: b.number,
                name: b.name.clone(),
                depends_on: b.depends_on.clone(),
                jobs: b
                    .jobs
                    .iter()
                    .map(|j| ManifestJob { depends_on: run.job_depends_on(&j.id).cloned(), ..job_to_manifest(j) })
                    .collect(),
                scripts: b.scripts.clone(),
            })
            .collect(),
    };
    let mut s = serde_json::to_string_pretty(&m).unwrap_or_default();
    s.push('\n');
    s
}

fn job_to_manifest(j: &Job) -> ManifestJob {
    let r = &j.result;
    ManifestJob {
        id: j.id.clone(),
        outputs: j.outputs.clone(),
        prompt: j.prompt.as_ref().map(|p| p.text.clone()),
        prompt_file: None,
        prompt_source: j.prompt.as_ref().map(|p| p.source.clone()),
        command: j.command.clone(),
        validate: j.validate.clone(),
        matched_by: j.matched_by.clone(),
        depends_on: None,
        result: ManifestResult {
            status: r.status,
            exit_code: r.exit_code,
            started_at: r.started_at,
            ended_at: r.ended_at,
            duration_s: r.duration_s,
            tokens: Some(r.tokens),
            tokens_unknown: r.tokens_unknown,
            logs: r.logs.clone(),
            findings: r.findings.clone(),
            evidence: r.evidence.clone(),
            agent_error: r.agent_error.clone(),
            earlier_attempts: r.earlier_attempts,
        },
    }
}

/// Parse manifest text; `name` is used in errors, `dir` resolves relative paths (project_root,
/// prompt_file); prompt files and outputs are looked up through `files` (the scan's disk).
pub fn parse(text: &str, name: &Path, dir: &Path, files: &dyn ProjectFiles) -> Result<Run, ManifestError> {
    let m: ManifestRun = serde_json::from_str(text).map_err(|e| ManifestError::Parse {
        path: name.into(),
        line: e.line(),
        message: e.to_string(),
    })?;
    if m.schema != SCHEMA {
        return Err(ManifestError::Schema { path: name.into(), found: m.schema });
    }
    let root = if Path::new(&m.project_root).is_absolute() {
        PathBuf::from(&m.project_root)
    } else {
        dir.join(&m.project_root)
    };
    let root = normalize(&root);
    let mut warnings = Vec::new();
    let job_depends_on: std::collections::BTreeMap<String, Vec<String>> = m
        .batches
        .iter()
        .flat_map(|b| b.jobs.iter())
        .filter_map(|j| j.depends_on.clone().map(|d| (j.id.clone(), d)))
        .collect();
    let mut batches: Vec<Batch> = m
        .batches
        .into_iter()
        .map(|b| Batch {
            number: b.number,
            name: b.name,
            depends_on: b.depends_on,
            jobs: b
                .jobs
                .into_iter()
                .map(|j| job_from_manifest(j, b.number, dir, name, &root, files, &mut warnings))
                .collect(),
            scripts: b.scripts,
        })
        .collect();
    batches.sort_by_key(|b| b.number);
    Ok(Run {
        id: m.id,
        title: m.title,
        project_root: root,
        batches,
        sources: vec![name.to_string_lossy().into_owned()],
        costs: m.costs,
        warnings,
        job_depends_on,
    })
}

fn job_from_manifest(
    j: ManifestJob,
    batch: u32,
    dir: &Path,
    name: &Path,
    root: &Path,
    files: &dyn ProjectFiles,
    warnings: &mut Vec<String>,
) -> Job {
    let prompt = match (j.prompt, j.prompt_file) {
        (Some(text), _) => Some(Prompt { text, source: j.prompt_source.unwrap_or_else(|| name.display().to_string()) }),
        (None, Some(file)) => {
            let p = dir.join(&file);
            match files.read(&p) {
                Ok(bytes) => Some(Prompt { text: String::from_utf8_lossy(&bytes).into_owned(), source: file }),
                Err(e) => {
                    warnings.push(format!("{}: job {}: cannot read prompt_file {}: {}", name.display(), j.id, file, e));
                    None
                }
            }
        }
        (None, None) => None,
    };
    let r = j.result;
    // Outputs are written by recovery commands: never one outside the project root.
    let rebase = crate::core::ingest::paths::Rebaser::with_files(root, files);
    let mut outputs: Vec<String> = Vec::new();
    for o in j.outputs {
        match rebase.rel(&o) {
            Some(rel) if !outputs.contains(&rel) => outputs.push(rel),
            Some(_) => {}
            None => warnings.push(format!(
                "{}: job {}: output {o} lies outside the project root; ignored",
                name.display(),
                j.id
            )),
        }
    }
    Job {
        id: j.id,
        batch,
        outputs,
        prompt,
        command: j.command,
        validate: j.validate,
        matched_by: if j.matched_by.is_empty() { vec!["manifest".into()] } else { j.matched_by },
        result: JobResult {
            status: r.status,
            exit_code: r.exit_code,
            started_at: r.started_at,
            ended_at: r.ended_at,
            duration_s: r.duration_s,
            tokens: r.tokens.unwrap_or_default(),
            tokens_unknown: r.tokens_unknown || r.tokens.is_none(),
            findings: r.findings,
            evidence: r.evidence,
            logs: r.logs,
            agent_error: r.agent_error,
            earlier_attempts: r.earlier_attempts,
        },
    }
}

/// Lexically remove `.` and `..` components (no filesystem access).
pub fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// True when the text is a manifest (by its schema field).
pub fn looks_like(head: &[u8]) -> bool {
    // Built once: every file of a load is sniffed for it, and making the searcher cost more
    // than the search through a small log's head.
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(SCHEMA));
    FINDER.find(head).is_some()
}
