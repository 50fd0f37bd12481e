//! The generation prompt a recovery sends for a job, and where it came from: the original for
//! a retry or a re-run, the saved prompt from the reviser or an edit, or a revision built from
//! the original prompt and the recovery prompt.

use super::project::{safe_name, Project};
use crate::core::decide::Verdict;
use crate::core::model::{PromptOrigin, Status};
use crate::core::prompt;
use crate::core::sanitize::clean_line;
use std::path::{Path, PathBuf};

/// Where a job's revised generation prompt is kept (the app's editor and reviser write it).
pub fn revised_prompt_file(state_dir: &Path, job: &str) -> PathBuf {
    state_dir.join("prompts").join(format!("{}.md", safe_name(job)))
}

/// Save the generation prompt to send for `job` and where it came from (ledger saved).
pub fn save_generation_prompt(
    project: &mut Project,
    job: &str,
    text: &str,
    origin: PromptOrigin,
) -> Result<PathBuf, String> {
    let rel = Path::new("prompts").join(format!("{}.md", safe_name(job)));
    let file = project.writable_store()?.write_file(&rel, text.as_bytes()).map_err(|e| e.to_string())?;
    project.ledger.saved_prompts.insert(job.to_string(), origin);
    project.save_ledger()?;
    Ok(file)
}

/// The generation prompt to send for a job, where it came from, and for a revision the
/// rendered recovery prompt it answers.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationPrompt {
    pub text: String,
    pub origin: PromptOrigin,
    pub recovery_prompt: Option<String>,
}

/// Where the generation prompt recovery sends for `job` comes from, as the ledger says: the
/// original for a retry or a re-run, else the saved prompt's origin, else a direct revision.
pub fn prompt_origin(project: &Project, job: &str) -> PromptOrigin {
    let retry = project.decision.as_ref().is_some_and(|d| d.verdict == Verdict::RetryAsIs);
    let failed = project.run.job(job).is_some_and(|j| j.result.status == Status::Failed);
    if retry || !failed {
        return PromptOrigin::Original;
    }
    project.ledger.saved_prompts.get(job).copied().unwrap_or(PromptOrigin::Direct)
}

/// The original prompt for a retry or a re-run; else the prompt saved for the job (from the
/// reviser or an edit); else a revision built from the original prompt and the recovery prompt.
pub fn generation_prompt(project: &Project, job: &str) -> Result<GenerationPrompt, String> {
    let j = project.run.job(job).ok_or_else(|| crate::core::words::unknown_job(&project.run, job))?;
    let retry = project.decision.as_ref().is_some_and(|d| d.verdict == Verdict::RetryAsIs);
    if retry || j.result.status != Status::Failed {
        let text = j.prompt.as_ref().map(|p| p.text.clone());
        let text = text.ok_or_else(|| format!("job `{}` has no original prompt to send", clean_line(job)))?;
        return Ok(GenerationPrompt { text, origin: PromptOrigin::Original, recovery_prompt: None });
    }
    let rendered = project.prompt_for(job).map_err(|e| e.to_string())?;
    let saved = Path::new("prompts").join(format!("{}.md", safe_name(job)));
    if let Some(bytes) = crate::store::read_state_file(&project.state_dir, &saved).map_err(|e| e.to_string())? {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let origin = project.ledger.saved_prompts.get(job).copied().unwrap_or(PromptOrigin::Edit);
        return Ok(GenerationPrompt { text, origin, recovery_prompt: Some(rendered.text) });
    }
    let text = prompt::direct_revision(&project.run, job, &rendered)
        .ok_or_else(|| format!("job `{}` has no original prompt to revise", clean_line(job)))?;
    Ok(GenerationPrompt { text, origin: PromptOrigin::Direct, recovery_prompt: Some(rendered.text) })
}
