//! Recovery prompts (DESIGN.md §10): templates with `{{name}}` placeholders, shipped in
//! `recovery-templates/` and embedded in the binary, overridable by files of the same name
//! in the user's template directories; rendered from a failed job, its error and context.

use super::classify::FailureClass;
use super::context::{self, Snippet};
use super::failure;
use super::model::{Attempt, Job, Run};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The shipped templates, by file name.
pub const EMBEDDED: &[(&str, &str)] = &[
    ("recovery.md", include_str!("../../recovery-templates/recovery.md")),
    ("import.md", include_str!("../../recovery-templates/import.md")),
    ("syntax.md", include_str!("../../recovery-templates/syntax.md")),
    ("test.md", include_str!("../../recovery-templates/test.md")),
    ("type.md", include_str!("../../recovery-templates/type.md")),
    ("placeholder.md", include_str!("../../recovery-templates/placeholder.md")),
    ("missing_output.md", include_str!("../../recovery-templates/missing_output.md")),
    ("full-restart.md", include_str!("../../recovery-templates/full-restart.md")),
];

/// Every placeholder a template may use.
pub const PLACEHOLDERS: &[&str] = &[
    "original_prompt",
    "file",
    "error_type",
    "error_message",
    "error_line",
    "context",
    "validation",
    "phase",
    "batch",
    "job",
    "attempt",
    "previous_attempts",
    "class_hint",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PromptError {
    #[error("{file}:{line}: unknown placeholder {{{{{name}}}}} (known: {known})")]
    UnknownPlaceholder { file: String, line: usize, name: String, known: String },
    #[error("{file}:{line}: unclosed placeholder (a `{{{{` without `}}}}`)")]
    Unclosed { file: String, line: usize },
    #[error("job {0} is not in the run")]
    NoSuchJob(String),
    #[error("job {0} has no original prompt to revise")]
    NoPrompt(String),
}

/// A template and where it came from (`recovery-templates/import.md (built in)` or a path).
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub name: String,
    pub origin: String,
    pub text: String,
}

/// Templates: the embedded defaults, overridden by files in `dirs` (later dirs win).
#[derive(Debug, Clone)]
pub struct Templates {
    by_name: BTreeMap<String, Template>,
}

impl Templates {
    pub fn embedded() -> Templates {
        let by_name = EMBEDDED
            .iter()
            .map(|(n, t)| {
                (
                    n.to_string(),
                    Template {
                        name: n.to_string(),
                        origin: format!("recovery-templates/{n} (built in)"),
                        text: t.to_string(),
                    },
                )
            })
            .collect();
        Templates { by_name }
    }

    /// The embedded defaults overridden by template files, in order (later ones win):
    /// `(file name, where it came from, text)`.
    pub fn with_overrides(files: Vec<(String, String, String)>) -> Templates {
        let mut t = Templates::embedded();
        for (name, origin, text) in files {
            t.by_name.insert(name.clone(), Template { name, origin, text });
        }
        t
    }

    pub fn get(&self, name: &str) -> Option<&Template> {
        self.by_name.get(name)
    }

    /// The template for a class: `<class>.md` when present, else `recovery.md`.
    pub fn for_class(&self, class: FailureClass) -> &Template {
        self.by_name
            .get(&format!("{}.md", class.as_str()))
            .or_else(|| self.by_name.get("recovery.md"))
            .unwrap_or_else(|| &EMBEDDED_RECOVERY)
    }

    /// Check every template's placeholders (for `config --check` and tests).
    pub fn validate(&self) -> Vec<PromptError> {
        self.by_name
            .values()
            .filter_map(|t| render(t, &BTreeMap::new()).err())
            .filter(|e| !matches!(e, PromptError::NoPrompt(_)))
            .collect()
    }
}

static EMBEDDED_RECOVERY: std::sync::LazyLock<Template> = std::sync::LazyLock::new(|| Template {
    name: "recovery.md".into(),
    origin: "recovery-templates/recovery.md (built in)".into(),
    text: EMBEDDED[0].1.to_string(),
});

/// Replace every `{{name}}`; an unknown name is an error naming the template and line.
/// Values missing from `vars` render as empty.
pub fn render(t: &Template, vars: &BTreeMap<&str, String>) -> Result<String, PromptError> {
    let mut out = String::with_capacity(t.text.len() + vars.values().map(String::len).sum::<usize>());
    let mut rest = t.text.as_str();
    let mut consumed = 0usize;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let line = t.text[..consumed + start].matches('\n').count() + 1;
        let Some(end) = after.find("}}") else {
            return Err(PromptError::Unclosed { file: t.origin.clone(), line });
        };
        let name = after[..end].trim();
        if !PLACEHOLDERS.contains(&name) {
            return Err(PromptError::UnknownPlaceholder {
                file: t.origin.clone(),
                line,
                name: name.to_string(),
                known: PLACEHOLDERS.join(", "),
            });
        }
        out.push_str(vars.get(name).map(String::as_str).unwrap_or(""));
        let step = start + 2 + end + 2;
        consumed += step;
        rest = &rest[step..];
    }
    out.push_str(rest);
    Ok(out)
}

/// A rendered recovery prompt and what went into it.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderedPrompt {
    pub job: String,
    pub class: FailureClass,
    pub template: String,
    pub text: String,
    pub snippets: Vec<Snippet>,
}

/// Build the recovery prompt of a failed job (`full_restart` picks `full-restart.md`).
/// `attempts` are the job's earlier recovery attempts, oldest first.
pub fn recovery_prompt(
    run: &Run,
    job_id: &str,
    templates: &Templates,
    attempts: &[Attempt],
    full_restart: bool,
    files: &dyn context::ProjectFiles,
) -> Result<RenderedPrompt, PromptError> {
    let job = run.job(job_id).ok_or_else(|| PromptError::NoSuchJob(job_id.to_string()))?;
    let original = job.prompt.as_ref().ok_or_else(|| PromptError::NoPrompt(job_id.to_string()))?;
    let class = failure::job_class(job);
    let finding = failure::primary_finding(job);
    let file = finding.and_then(|f| f.file.clone()).or_else(|| job.outputs.first().cloned()).unwrap_or_default();
    let snippets = context::gather(files, job, finding);
    let t = if full_restart {
        templates.get("full-restart.md").unwrap_or_else(|| templates.for_class(class))
    } else {
        templates.for_class(class)
    };
    let mut vars: BTreeMap<&str, String> = BTreeMap::new();
    vars.insert("original_prompt", original.text.trim_end().to_string());
    vars.insert("file", file);
    vars.insert("error_type", finding.map(|f| f.error_type.clone()).unwrap_or_else(|| "unknown error".into()));
    vars.insert("error_message", finding.map(|f| f.message.trim().to_string()).unwrap_or_default());
    vars.insert(
        "error_line",
        finding.and_then(|f| f.line).map(|l| l.to_string()).unwrap_or_else(|| "(not given)".into()),
    );
    vars.insert("context", context::render(&snippets));
    vars.insert("validation", validation_text(job));
    vars.insert("phase", run.title.clone());
    vars.insert("batch", job.batch.to_string());
    vars.insert("job", job.id.clone());
    vars.insert("attempt", (attempts.len() + 1).to_string());
    vars.insert("previous_attempts", previous_attempts(attempts));
    vars.insert("class_hint", class.hint().to_string());
    let text = render(t, &vars)?;
    Ok(RenderedPrompt { job: job.id.clone(), class, template: t.origin.clone(), text, snippets })
}

fn validation_text(job: &Job) -> String {
    if job.validate.is_empty() {
        return "No validation command is recorded for this job; the validation report above is what failed.".into();
    }
    job.validate.iter().map(|argv| format!("    {}", argv.join(" "))).collect::<Vec<_>>().join("\n")
}

/// What earlier attempts changed and how they failed, so the next one does not repeat them.
pub fn previous_attempts(attempts: &[Attempt]) -> String {
    if attempts.is_empty() {
        return "None: this is the first recovery attempt.".into();
    }
    let mut s = String::new();
    for a in attempts {
        let when = a.started_at.format("%Y-%m-%d %H:%M UTC");
        let outcome = a.outcome.word();
        s += &format!("Attempt {} ({when}) {outcome}.\n", a.number);
        if let Some(c) = &a.changes {
            s += &format!("  It changed: {}\n", c.trim());
        }
        for f in a.findings.iter().take(5) {
            let line = f.line.map(|l| format!(" (line {l})")).unwrap_or_default();
            s += &format!("  Error: {}: {}{line}\n", f.error_type, failure::one_line(&f.message, 300));
        }
        s += "  Do not repeat that approach.\n";
    }
    s.trim_end().to_string()
}

/// A generation prompt built mechanically when no reviser or editor revised it: the original
/// prompt, then the error to fix, the class hint and the gathered context.
pub fn direct_revision(run: &Run, job_id: &str, rendered: &RenderedPrompt) -> Option<String> {
    let job = run.job(job_id)?;
    let original = job.prompt.as_ref()?;
    let mut s = original.text.trim_end().to_string();
    s += "\n\n## Fix required (recovery attempt)\n\n";
    s += "A previous run of this prompt produced a file that failed validation:\n\n";
    for f in job.result.findings.iter().take(5) {
        let place = f.location().map(|l| format!(" ({l})")).unwrap_or_default();
        s += &format!("- {}: {}{place}\n", f.error_type, failure::one_line(&f.message, 300));
    }
    s += &format!("\n{}\n", rendered.class.hint());
    if !rendered.snippets.is_empty() {
        s += "\nWhat the project really contains:\n\n";
        s += &context::render(&rendered.snippets);
        s += "\n";
    }
    s += "\nRewrite the file completely, keeping every requirement above, and run its validation before finishing.\n";
    Some(s)
}

/// Names of the templates a directory overrides (for `config` output).
pub fn override_dir(state_dir: &Path) -> PathBuf {
    state_dir.join("templates")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> Template {
        Template { name: "x.md".into(), origin: "/tmp/x.md".into(), text: text.into() }
    }

    #[test]
    fn renders_known_placeholders() {
        let mut v = BTreeMap::new();
        v.insert("job", "b3-api".to_string());
        v.insert("batch", "3".to_string());
        assert_eq!(render(&t("Job {{job}} of batch {{ batch }}.\n"), &v).unwrap(), "Job b3-api of batch 3.\n");
    }

    #[test]
    fn unknown_placeholder_names_file_and_line() {
        let e = render(&t("line one\nline two {{jobb}}\n"), &BTreeMap::new()).unwrap_err();
        assert_eq!(e.to_string().split(" (known").next().unwrap(), "/tmp/x.md:2: unknown placeholder {{jobb}}");
        let e = render(&t("a\nb\nc {{job\n"), &BTreeMap::new()).unwrap_err();
        assert_eq!(e, PromptError::Unclosed { file: "/tmp/x.md".into(), line: 3 });
    }

    #[test]
    fn every_shipped_template_uses_only_known_placeholders() {
        assert!(Templates::embedded().validate().is_empty());
        assert_eq!(EMBEDDED.len(), 8);
    }

    #[test]
    fn a_template_file_overrides_the_shipped_one() {
        let ts = Templates::with_overrides(vec![(
            "import.md".into(),
            "/home/u/.config/recover-tui/templates/import.md".into(),
            "Fix {{file}}\n".into(),
        )]);
        let t = ts.for_class(FailureClass::Import);
        assert_eq!(t.text, "Fix {{file}}\n");
        assert_eq!(t.origin, "/home/u/.config/recover-tui/templates/import.md");
        assert!(ts.for_class(FailureClass::Sandbox).origin.contains("recovery.md (built in)"));
    }
}
