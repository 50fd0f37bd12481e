//! `recover-tui demo-tool codex|reviser|validate` (hidden): the offline stand-ins the demo's
//! config calls, inside the binary so that `recover-tui --demo` needs nothing else installed.
//!
//! - `codex [OUTPUT]`: reads the prompt on stdin, writes the file it names (`File to create:`,
//!   else OUTPUT) with a correct implementation of the demo's broken file, and prints a
//!   `codex exec --json` event stream, as the real generator would.
//! - `reviser`: reads a recovery prompt on stdin and answers with a revised generation prompt
//!   (the original prompt plus the clarification the error asks for).
//! - `validate FILE`: `python3 -m py_compile FILE` when python3 is installed; else a stand-in
//!   that checks only what the demo's failure is about (every `def`/`class` header ends with `:`)
//!   and says so on stderr.

use super::CliError;
use clap::ValueEnum;
use std::io::{Read, Write};
use std::path::{Component, Path};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Tool {
    Codex,
    Reviser,
    Validate,
}

/// The demo's one broken file, written correctly.
const RENDER_PY: &str = r##"from notes.model import Note


def render(note: Note) -> str:
    """Render a note as Markdown: title, body, then its tags."""
    tags = " ".join(f"#{t}" for t in note.tags)
    return f"# {note.title}\n\n{note.body}\n\n{tags}".rstrip() + "\n"
"##;

pub fn run(tool: Tool, args: &[String]) -> Result<i32, CliError> {
    match tool {
        Tool::Codex => codex(args.first().map(String::as_str)),
        Tool::Reviser => {
            let revised = revise(&stdin()?);
            print!("{revised}");
            Ok(0)
        }
        Tool::Validate => {
            let file = args.first().ok_or_else(|| CliError::from("demo-tool validate needs the file to check"))?;
            validate(Path::new(file))
        }
    }
}

fn stdin() -> Result<String, CliError> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text).map_err(|e| CliError::from(format!("cannot read stdin: {e}")))?;
    Ok(text)
}

/// The file a generation prompt asks for: its `File to create:` line, else `fallback`.
pub fn target(prompt: &str, fallback: Option<&str>) -> Option<String> {
    prompt
        .lines()
        .find_map(|l| l.strip_prefix("File to create:"))
        .map(|rest| rest.trim().to_string())
        .filter(|t| !t.is_empty())
        .or_else(|| fallback.map(str::to_string))
}

/// Only a relative path inside the working directory (the project root) is written.
fn inside(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

fn codex(fallback: Option<&str>) -> Result<i32, CliError> {
    let prompt = stdin()?;
    let Some(target) = target(&prompt, fallback).filter(|t| inside(t)) else {
        return Err(CliError::from("demo-tool codex: the prompt names no file inside the project to create"));
    };
    let mut out = std::io::stdout().lock();
    let mut emit = |event: serde_json::Value| -> Result<(), CliError> {
        writeln!(out, "{event}").and_then(|()| out.flush()).map_err(|e| CliError::from(format!("stdout: {e}")))
    };
    emit(serde_json::json!({"type": "thread.started", "thread_id": format!("demo-{}", std::process::id())}))?;
    emit(serde_json::json!({"type": "turn.started"}))?;
    emit(serde_json::json!({"type": "item.completed",
        "item": {"id": "item_0", "type": "reasoning", "text": format!("**Writing {target}**")}}))?;
    std::thread::sleep(std::time::Duration::from_millis(300));
    let body = if target == "notes/render.py" { RENDER_PY } else { "\"\"\"Generated module.\"\"\"\n" };
    std::fs::write(&target, body).map_err(|e| CliError::from(format!("{target}: cannot write: {e}")))?;
    emit(serde_json::json!({"type": "item.completed", "item": {"id": "item_1", "type": "file_change",
        "changes": [{"path": target, "kind": "update"}], "status": "completed"}}))?;
    emit(serde_json::json!({"type": "item.completed",
        "item": {"id": "item_2", "type": "agent_message", "text": format!("Rewrote {target}.")}}))?;
    emit(serde_json::json!({"type": "turn.completed", "usage": {"input_tokens": 4100 + prompt.len() / 4,
        "cached_input_tokens": 2048, "output_tokens": 380}}))?;
    Ok(0)
}

/// The text of the section `## title` of a recovery prompt, up to the next `## `.
fn section<'a>(text: &'a str, title: &str) -> Option<&'a str> {
    let start = text.find(&format!("## {title}\n"))? + title.len() + 4;
    let rest = &text[start..];
    let end = rest.find("\n## ").unwrap_or(rest.len());
    Some(rest[..end].trim())
}

/// A revised generation prompt: the original one, then what the failed validation asks for.
pub fn revise(recovery_prompt: &str) -> String {
    let original = section(recovery_prompt, "The original generation prompt").unwrap_or("Rewrite the file.");
    let error = section(recovery_prompt, "The syntax error").or_else(|| section(recovery_prompt, "What went wrong"));
    let target = target(original, None).unwrap_or_else(|| "the file".into());
    let mut out = format!("{original}\n\nClarification (from the failed validation):\n");
    if let Some(e) = error.and_then(|e| e.split("\n\n").next()) {
        out.push_str(&format!(
            "- The previous file failed with: {}\n",
            e.split_whitespace().collect::<Vec<_>>().join(" ")
        ));
    }
    out.push_str("- Every `def` line must end with a colon, e.g. `def render(note: Note) -> str:`.\n\n");
    out.push_str(&format!("Validation: python3 -m py_compile {target} (run it before you finish)\n"));
    out
}

fn validate(file: &Path) -> Result<i32, CliError> {
    match std::process::Command::new("python3").args(["-m", "py_compile"]).arg(file).status() {
        Ok(status) => Ok(status.code().unwrap_or(1)),
        Err(_) => {
            eprintln!("demo-tool: python3 is not installed: checking only that def/class headers end with ':'");
            let text = std::fs::read_to_string(file)
                .map_err(|e| CliError { message: format!("{}: {e}", file.display()), code: 1 })?;
            match header_without_colon(&text) {
                None => Ok(0),
                Some((line, src)) => {
                    eprintln!("  File \"{}\", line {line}\n    {src}\nSyntaxError: expected ':'", file.display());
                    Ok(1)
                }
            }
        }
    }
}

/// The first `def`/`class` header (1-based line, text) that does not end with `:`.
pub fn header_without_colon(text: &str) -> Option<(usize, &str)> {
    text.lines().enumerate().find_map(|(i, l)| {
        let code = l.split('#').next().unwrap_or(l).trim_end();
        let head = code.trim_start();
        let is_header = head.starts_with("def ") || head.starts_with("class ") || head.starts_with("async def ");
        (is_header && !code.ends_with(':')).then_some((i + 1, l.trim()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_is_the_prompts_file_to_create_line() {
        let p = "Task: x\n\nFile to create: notes/render.py\n\nRequirements:\n";
        assert_eq!(target(p, Some("other.py")).as_deref(), Some("notes/render.py"));
        assert_eq!(target("no file here", Some("other.py")).as_deref(), Some("other.py"));
        assert!(inside("notes/render.py"));
        assert!(!inside("../etc/passwd"));
        assert!(!inside("/etc/passwd"));
    }

    #[test]
    fn the_revised_prompt_keeps_the_original_and_adds_the_error() {
        let rp = "## The original generation prompt\n\nTask: render.\n\nFile to create: notes/render.py\n\n\
                  ## The syntax error\n\nnotes/render.py:4: SyntaxError: expected ':'\n\n## Context\n\nx\n";
        let r = revise(rp);
        assert!(r.starts_with("Task: render.\n\nFile to create: notes/render.py\n\nClarification"), "{r}");
        assert!(r.contains("- The previous file failed with: notes/render.py:4: SyntaxError: expected ':'"), "{r}");
        assert!(r.ends_with("Validation: python3 -m py_compile notes/render.py (run it before you finish)\n"), "{r}");
    }

    #[test]
    fn the_stand_in_check_finds_the_demos_missing_colon() {
        let broken = "from notes.model import Note\n\n\ndef render(note: Note) -> str\n    return ''\n";
        assert_eq!(header_without_colon(broken), Some((4, "def render(note: Note) -> str")));
        assert_eq!(header_without_colon(RENDER_PY), None);
        assert_eq!(header_without_colon("class A:  # ok\n    pass\n"), None);
    }
}
