//! Batch scripts and command lists (formats/README.md §6): which generator calls a batch makes,
//! with their prompts, options and log redirects.
//!
//! The public entry points are here; `markers` groups calls into numbered batches and
//! `generators` reads the options and prompt of a codex, claude or configured generator call.

use super::shell::{self, basename, Invocation, ShellItem};
use super::ParseWarning;
use generators::{claude_call, codex_call, generic_call, skip_wrappers, tool_name};
use markers::{batch_marker, Builder};
use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;

mod generators;
mod markers;

#[cfg(test)]
mod tests;

/// Where a generator call's prompt is.
#[derive(Debug, Clone, PartialEq)]
pub enum PromptText {
    /// A quoted argument (possibly many lines) or heredoc / piped text, after expansion.
    Inline(String),
    /// A file read on stdin (`- < f`, `cat f | codex exec -`), as written after expansion.
    File(String),
    /// No prompt could be found.
    Missing,
}

/// A `codex exec` (or `claude -p`, or configured generator) call.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorCall {
    pub invocation: Invocation,
    /// `codex`, `claude`, or the configured generator's program name.
    pub tool: String,
    /// `-C DIR` / `--cd DIR`.
    pub cd: Option<String>,
    pub model: Option<String>,
    /// `-o FILE` / `--output-last-message FILE`.
    pub last_message_file: Option<String>,
    /// `--json` / `--experimental-json` / `--output-format json|stream-json`.
    pub json: bool,
    pub prompt: PromptText,
}

impl GeneratorCall {
    /// A call of `tool` with nothing read from its options yet (its invocation is set once
    /// it is known to be a call).
    fn new(tool: &str) -> GeneratorCall {
        GeneratorCall {
            invocation: Invocation::default(),
            tool: tool.to_string(),
            cd: None,
            model: None,
            last_message_file: None,
            json: false,
            prompt: PromptText::Missing,
        }
    }
}

/// A `parallel ... --joblog F < cmds` (or `:::: cmds`) line: links a joblog to its command list.
#[derive(Debug, Clone, PartialEq)]
pub struct ParallelCall {
    pub joblog: Option<String>,
    pub input: Option<String>,
    pub line: usize,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScriptBatch {
    /// From `# Batch 3` / `echo "Batch 3"` markers, else from the file name.
    pub number: Option<u32>,
    /// Text of the marker (`SparkQ Phase 6 - Batch 3 (parallel)`), if any.
    pub name: Option<String>,
    pub calls: Vec<GeneratorCall>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Script {
    /// Batches in script order; several when the script separates them by markers / `wait`.
    pub batches: Vec<ScriptBatch>,
    pub parallel: Vec<ParallelCall>,
    /// Last `cd DIR` before the first call.
    pub cd: Option<String>,
    /// Variables assigned in the script.
    pub vars: HashMap<String, String>,
    pub warnings: Vec<ParseWarning>,
}

/// Parse a shell script. `file_name` gives the batch number when markers do not
/// (`phase6-codex-batch3.sh` -> 3). `generators` are extra program names that count as generators.
pub fn parse(text: &str, source: &str, file_name: &str, generators: &[String]) -> Script {
    let mut vars = HashMap::new();
    let (items, problems) = shell::commands(text, &mut vars);
    let mut script = Script { warnings: problems.iter().map(|p| warning(source, p, 0)).collect(), ..Script::default() };
    let mut b = Builder::new(batch_number_from_name(file_name));
    let mut any_call = false;
    for item in items {
        match item {
            ShellItem::Comment { text, .. } | ShellItem::Echo { text, .. } => {
                if let Some((n, name)) = batch_marker(&text) {
                    b.marker(n, name);
                }
            }
            ShellItem::Wait { .. } => b.wait(),
            ShellItem::Cd { dir, .. } => {
                if !any_call {
                    script.cd = Some(dir);
                }
            }
            ShellItem::Command(mut inv) => {
                if let Some(call) = take_generator_call(&mut inv, generators) {
                    any_call = true;
                    b.call(call);
                } else if let Some(p) = parallel_call(&inv) {
                    script.parallel.push(p);
                }
            }
            ShellItem::Assign { .. } => {}
        }
    }
    script.batches = b.finish(!script.parallel.is_empty());
    script.vars = vars;
    script
}

/// A command list (one command per line, as fed to GNU parallel or xargs): one batch.
///
/// Lines that are not generator calls are skipped with a warning (they are still jobs of
/// the list, so `invocation.line` is what ties a call to its joblog Seq).
pub fn parse_command_list(text: &str, source: &str, file_name: &str, generators: &[String]) -> Script {
    let mut script = Script::default();
    let mut batch = ScriptBatch { number: batch_number_from_name(file_name), ..ScriptBatch::default() };
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let (inv, problems) = shell::parse_command_checked(line, &script.vars);
        script.warnings.extend(problems.iter().map(|p| warning(source, p, n - 1)));
        let Some(mut inv) = inv else {
            continue;
        };
        inv.line = n;
        if let Some(call) = take_generator_call(&mut inv, generators) {
            batch.calls.push(call);
        } else if let Some(p) = parallel_call(&inv) {
            script.parallel.push(p);
        } else {
            crate::core::ingest::push_warning(
                &mut script.warnings,
                ParseWarning {
                    source: source.to_string(),
                    line: Some(n),
                    message: format!("not a generator call, skipped: {}", shorten(&inv.argv.join(" "), 80)),
                },
            );
        }
    }
    if !batch.calls.is_empty() {
        script.batches.push(batch);
    }
    script
}

/// Interpret one invocation as a generator call (`codex exec ...`, `codex e`, `claude -p ...`).
pub fn generator_call(inv: &Invocation, generators: &[String]) -> Option<GeneratorCall> {
    let mut call = call_of(inv, generators)?;
    call.invocation = inv.clone();
    Some(call)
}

/// [`generator_call`] that moves the invocation's words (the prompt among them) into the call
/// instead of copying them, leaving `inv` empty; `inv` is untouched when it is no call.
pub fn take_generator_call(inv: &mut Invocation, generators: &[String]) -> Option<GeneratorCall> {
    let mut call = call_of(inv, generators)?;
    call.invocation = std::mem::take(inv);
    Some(call)
}

/// The call `inv` is, its invocation left empty.
fn call_of(inv: &Invocation, generators: &[String]) -> Option<GeneratorCall> {
    let start = skip_wrappers(&inv.argv);
    let args = &inv.argv[start..];
    let tool = tool_name(args.first()?);
    match tool.as_str() {
        "codex" => codex_call(inv, args),
        "claude" => claude_call(inv, args),
        _ if generators.iter().any(|g| basename(g) == tool) => Some(generic_call(inv, args, &tool)),
        _ => None,
    }
}

/// `parallel ... --joblog F ... < cmds`, `parallel --joblog F :::: cmds`, `parallel -a cmds`.
pub fn parallel_call(inv: &Invocation) -> Option<ParallelCall> {
    let start = skip_wrappers(&inv.argv);
    let args = &inv.argv[start..];
    if args.first().map(|a| basename(a)) != Some("parallel") {
        return None;
    }
    let mut joblog = None;
    let mut input = None;
    let mut i = 1;
    while i < args.len() {
        let a = args[i].as_str();
        let value = |inline: Option<&str>, i: &mut usize| -> Option<String> {
            match inline {
                Some(v) => Some(v.to_string()),
                None => {
                    *i += 1;
                    args.get(*i).cloned()
                }
            }
        };
        let (name, inline) = match a.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v)),
            _ => (a, None),
        };
        match name {
            "--joblog" | "--jl" => {
                joblog = value(inline, &mut i).map(|v| v.strip_prefix('+').unwrap_or(&v).to_string());
            }
            "-a" | "--arg-file" | "--argfile" | "::::" => {
                let v = value(inline, &mut i);
                if input.is_none() {
                    input = v;
                }
            }
            _ if a.starts_with("-a") && a.len() > 2 && !a.starts_with("--") && input.is_none() => {
                input = a.get(2..).map(str::to_string);
            }
            _ => {}
        }
        i += 1;
    }
    if input.is_none() {
        input = inv.stdin_file.clone().or_else(|| inv.piped_from.clone());
    }
    Some(ParallelCall { joblog, input, line: inv.line })
}

/// `phase6-codex-batch3.sh` -> 3, `batch2.cmds` -> 2, `b4.sh` -> 4.
pub fn batch_number_from_name(name: &str) -> Option<u32> {
    static BATCH: OnceLock<Option<Regex>> = OnceLock::new();
    static SHORT: OnceLock<Option<Regex>> = OnceLock::new();
    let base = basename(name).to_ascii_lowercase();
    let batch = BATCH.get_or_init(|| Regex::new(r"(?:^|[^a-z])batch[ _-]?0*(\d+)(?:[^0-9]|$)").ok()).as_ref()?;
    if let Some(c) = batch.captures(&base) {
        return c.get(1)?.as_str().parse().ok();
    }
    let short = SHORT.get_or_init(|| Regex::new(r"(?:^|[^a-z])b[_-]?0*(\d+)(?:[^0-9]|$)").ok()).as_ref()?;
    short.captures(&base)?.get(1)?.as_str().parse().ok()
}

/// True when the text invokes a generator (so it is a batch script or command list).
pub fn looks_like(text: &str, generators: &[String]) -> bool {
    const MAX: usize = 64 * 1024;
    let mut text = text;
    if text.len() > MAX {
        let mut end = MAX;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text = &text[..end];
        if let Some(nl) = text.rfind('\n') {
            text = &text[..nl];
        }
    }
    let mentions = ["codex", "claude", "parallel"].iter().any(|k| text.contains(k))
        || generators.iter().any(|g| !g.is_empty() && text.contains(basename(g)));
    if !mentions {
        return false;
    }
    let mut vars = HashMap::new();
    let (items, _) = shell::commands(text, &mut vars);
    items.iter().any(|item| {
        let ShellItem::Command(inv) = item else {
            return false;
        };
        if let Some(call) = generator_call(inv, generators) {
            let start = skip_wrappers(&inv.argv);
            return matches!(call.tool.as_str(), "codex" | "claude")
                || inv.argv.len() > start + 1
                || inv.stdin_file.is_some()
                || inv.stdin_text.is_some()
                || inv.piped_from.is_some();
        }
        parallel_call(inv).is_some_and(|p| p.joblog.is_some())
    })
}

fn warning(source: &str, problem: &str, line_offset: usize) -> ParseWarning {
    let parsed = problem
        .strip_prefix("line ")
        .and_then(|r| r.split_once(": "))
        .and_then(|(n, m)| n.parse::<usize>().ok().map(|n| (n, m)));
    match parsed {
        Some((n, m)) => {
            ParseWarning { source: source.to_string(), line: Some(n + line_offset), message: m.to_string() }
        }
        None => ParseWarning { source: source.to_string(), line: None, message: problem.to_string() },
    }
}

fn shorten(s: &str, max: usize) -> String {
    let first = s.lines().next().unwrap_or("");
    if first.chars().count() > max || first.len() < s.len() {
        let cut: String = first.chars().take(max).collect();
        format!("{cut}...")
    } else {
        first.to_string()
    }
}
