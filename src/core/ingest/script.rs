//! Batch scripts and command lists (formats/README.md §6): which generator calls a batch makes,
//! with their prompts, options and log redirects.

use super::shell::{self, basename, Invocation, ShellItem};
use super::ParseWarning;
use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;

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
    let mut script = Script {
        warnings: problems.iter().map(|p| warning(source, p, 0)).collect(),
        ..Script::default()
    };
    let mut b = Builder {
        batches: Vec::new(),
        waited: false,
        file_num: batch_number_from_name(file_name),
    };
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
            ShellItem::Command(inv) => {
                if let Some(call) = generator_call(&inv, generators) {
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
pub fn parse_command_list(
    text: &str,
    source: &str,
    file_name: &str,
    generators: &[String],
) -> Script {
    let mut script = Script::default();
    let mut batch = ScriptBatch {
        number: batch_number_from_name(file_name),
        ..ScriptBatch::default()
    };
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let (inv, problems) = shell::parse_command_checked(line, &script.vars);
        script
            .warnings
            .extend(problems.iter().map(|p| warning(source, p, n - 1)));
        let Some(mut inv) = inv else {
            continue;
        };
        inv.line = n;
        if let Some(call) = generator_call(&inv, generators) {
            batch.calls.push(call);
        } else if let Some(p) = parallel_call(&inv) {
            script.parallel.push(p);
        } else {
            super::push_warning(
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
                joblog =
                    value(inline, &mut i).map(|v| v.strip_prefix('+').unwrap_or(&v).to_string());
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
    Some(ParallelCall {
        joblog,
        input,
        line: inv.line,
    })
}

/// `phase6-codex-batch3.sh` -> 3, `batch2.cmds` -> 2, `b4.sh` -> 4.
pub fn batch_number_from_name(name: &str) -> Option<u32> {
    static BATCH: OnceLock<Option<Regex>> = OnceLock::new();
    static SHORT: OnceLock<Option<Regex>> = OnceLock::new();
    let base = basename(name).to_ascii_lowercase();
    let batch = BATCH
        .get_or_init(|| Regex::new(r"(?:^|[^a-z])batch[ _-]?0*(\d+)(?:[^0-9]|$)").ok())
        .as_ref()?;
    if let Some(c) = batch.captures(&base) {
        return c.get(1)?.as_str().parse().ok();
    }
    let short = SHORT
        .get_or_init(|| Regex::new(r"(?:^|[^a-z])b[_-]?0*(\d+)(?:[^0-9]|$)").ok())
        .as_ref()?;
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
    let mentions = ["codex", "claude", "parallel"]
        .iter()
        .any(|k| text.contains(k))
        || generators
            .iter()
            .any(|g| !g.is_empty() && text.contains(basename(g)));
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

// ---------------------------------------------------------------------------------------------

struct Builder {
    batches: Vec<ScriptBatch>,
    waited: bool,
    file_num: Option<u32>,
}

impl Builder {
    fn marker(&mut self, n: u32, name: String) {
        if let Some(cur) = self.batches.last_mut() {
            if cur.number == Some(n) {
                if cur.name.is_none() {
                    cur.name = Some(name);
                }
                return;
            }
        }
        self.batches.push(ScriptBatch {
            number: Some(n),
            name: Some(name),
            calls: Vec::new(),
        });
        self.waited = false;
    }

    fn wait(&mut self) {
        if self.batches.last().is_some_and(|b| !b.calls.is_empty()) {
            self.waited = true;
        }
    }

    fn call(&mut self, call: GeneratorCall) {
        let number = match self.batches.last() {
            None => Some(self.file_num),
            Some(last) if self.waited => Some(last.number.map(|n| n + 1)),
            Some(_) => None,
        };
        if let Some(number) = number {
            self.batches.push(ScriptBatch {
                number,
                name: None,
                calls: Vec::new(),
            });
        }
        self.waited = false;
        if let Some(last) = self.batches.last_mut() {
            last.calls.push(call);
        }
    }

    fn finish(mut self, keep_empty: bool) -> Vec<ScriptBatch> {
        if self.batches.iter().any(|b| !b.calls.is_empty()) {
            self.batches.retain(|b| !b.calls.is_empty());
        } else if !keep_empty {
            self.batches.clear();
        } else if self.batches.is_empty() && self.file_num.is_some() {
            self.batches.push(ScriptBatch {
                number: self.file_num,
                ..ScriptBatch::default()
            });
        }
        if self.batches.len() > 1 && self.batches.iter().all(|b| b.number.is_none()) {
            for (i, b) in self.batches.iter_mut().enumerate() {
                b.number = u32::try_from(i + 1).ok();
            }
        }
        self.batches
    }
}

/// `# SparkQ Phase 6 - Batch 3 (parallel)`, `Batch 3`, `=== Batch 3 ===` -> (3, text).
/// End messages (`Batch 3 done`) and passing mentions (`needs batch 2`) are not markers.
fn batch_marker(text: &str) -> Option<(u32, String)> {
    static MARK: OnceLock<Option<Regex>> = OnceLock::new();
    static END: OnceLock<Option<Regex>> = OnceLock::new();
    let deco = |c: char| {
        matches!(
            c,
            '=' | '-' | '#' | '*' | '~' | '>' | '[' | ']' | ' ' | '\t'
        )
    };
    let t = text
        .trim_matches(deco)
        .trim_end_matches(|c: char| deco(c) || matches!(c, '.' | ':' | '!'));
    let mark = MARK
        .get_or_init(|| {
            Regex::new(
                r"(?i)^(?:(?:start(?:ing)?|run(?:ning)?|launch(?:ing)?|begin(?:ning)?)\s+|.{0,80}?(?:phase\s*\d+[a-z]?\s*(?:[-–—:|,/]\s*)?|[-–—:|]\s*))?batch[\s_#-]*0*(\d+)\b(.*)$",
            )
            .ok()
        })
        .as_ref()?;
    let c = mark.captures(t)?;
    let n: u32 = c.get(1)?.as_str().parse().ok()?;
    let tail = c.get(2).map_or("", |m| m.as_str());
    let end = END
        .get_or_init(|| {
            Regex::new(r"(?i)^[\s:.,!)-]*(?:is\s+|has\s+)?(?:done|complete|completed|finished|ended|end|ok|failed|succeeded|passed|over)\b").ok()
        })
        .as_ref()?;
    if end.is_match(tail) {
        return None;
    }
    Some((n, t.to_string()))
}

fn warning(source: &str, problem: &str, line_offset: usize) -> ParseWarning {
    let parsed = problem
        .strip_prefix("line ")
        .and_then(|r| r.split_once(": "))
        .and_then(|(n, m)| n.parse::<usize>().ok().map(|n| (n, m)));
    match parsed {
        Some((n, m)) => ParseWarning {
            source: source.to_string(),
            line: Some(n + line_offset),
            message: m.to_string(),
        },
        None => ParseWarning {
            source: source.to_string(),
            line: None,
            message: problem.to_string(),
        },
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

/// `codex`, `/usr/local/bin/codex`, `@openai/codex@latest` (via npx) -> `codex`.
fn tool_name(arg: &str) -> String {
    let a = arg.strip_prefix('@').map_or(arg, |rest| {
        // `@scope/pkg@version` -> `@scope/pkg`
        match rest.find('@') {
            Some(i) => &arg[..i + 1],
            None => arg,
        }
    });
    match a {
        "@openai/codex" => "codex".to_string(),
        "@anthropic-ai/claude-code" => "claude".to_string(),
        _ => basename(a).to_string(),
    }
}

/// Index of the real program after wrappers like `nohup`, `env A=b`, `timeout 600`, `npx -y`.
fn skip_wrappers(argv: &[String]) -> usize {
    let mut i = 0;
    while let Some(a) = argv.get(i) {
        match basename(a) {
            "nohup" | "time" | "command" | "exec" | "builtin" | "caffeinate" => i += 1,
            "env" => {
                i += 1;
                while let Some(a) = argv.get(i) {
                    if a == "-u" || a == "-C" || a == "-S" {
                        i += 2;
                    } else if a.starts_with('-') || (a.contains('=') && !a.starts_with('=')) {
                        i += 1;
                    } else {
                        break;
                    }
                }
            }
            "timeout" | "gtimeout" => {
                i += 1;
                while let Some(a) = argv.get(i) {
                    if a == "-s" || a == "-k" || a == "--signal" || a == "--kill-after" {
                        i += 2;
                    } else if a.starts_with('-') {
                        i += 1;
                    } else {
                        break;
                    }
                }
                i += 1; // the duration
            }
            "nice" => {
                i += 1;
                match argv.get(i).map(String::as_str) {
                    Some("-n") => i += 2,
                    Some(a) if a.starts_with('-') => i += 1,
                    _ => {}
                }
            }
            "stdbuf" | "unbuffer" => {
                i += 1;
                while argv.get(i).is_some_and(|a| a.starts_with('-')) {
                    i += 1;
                }
            }
            "npx" | "bunx" | "pnpx" => {
                i += 1;
                while argv.get(i).is_some_and(|a| a.starts_with('-')) {
                    i += 1;
                }
            }
            _ => break,
        }
    }
    i.min(argv.len())
}

/// An argument that is an option (not `-`, not text with blanks such as a prompt).
fn is_option(a: &str) -> bool {
    a.len() > 1 && a.starts_with('-') && !a.contains(char::is_whitespace)
}

/// Split `--opt=value` and `-mVALUE` forms. `short_with_value` lists short options taking a value.
fn split_opt<'a>(a: &'a str, short_with_value: &[&str]) -> (&'a str, Option<&'a str>) {
    if a.starts_with("--") {
        return match a.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (a, None),
        };
    }
    if let (Some(n), Some(rest)) = (a.get(..2), a.get(2..)) {
        if !rest.is_empty() && short_with_value.contains(&n) {
            return (n, Some(rest.strip_prefix('=').unwrap_or(rest)));
        }
    }
    (a, None)
}

fn stdin_prompt(inv: &Invocation) -> PromptText {
    if let Some(t) = &inv.stdin_text {
        PromptText::Inline(t.clone())
    } else if let Some(f) = &inv.stdin_file {
        PromptText::File(f.clone())
    } else if let Some(f) = &inv.piped_from {
        PromptText::File(f.clone())
    } else {
        PromptText::Missing
    }
}

fn prompt_from(inv: &Invocation, positional: Option<&String>) -> PromptText {
    match positional {
        Some(p) if p != "-" => PromptText::Inline(p.clone()),
        _ => stdin_prompt(inv),
    }
}

fn codex_call(inv: &Invocation, args: &[String]) -> Option<GeneratorCall> {
    const VALUE: [&str; 24] = [
        "-C",
        "--cd",
        "-m",
        "--model",
        "-o",
        "--output-last-message",
        "-c",
        "--config",
        "-s",
        "--sandbox",
        "-p",
        "--profile",
        "-i",
        "--image",
        "--color",
        "--output-schema",
        "--add-dir",
        "-a",
        "--ask-for-approval",
        "--local-provider",
        "--enable",
        "--disable",
        "--oss-provider",
        "--model-provider",
    ];
    const SHORT: [&str; 8] = ["-C", "-m", "-o", "-c", "-s", "-p", "-i", "-a"];
    let mut call = GeneratorCall {
        invocation: inv.clone(),
        tool: "codex".to_string(),
        cd: None,
        model: None,
        last_message_file: None,
        json: false,
        prompt: PromptText::Missing,
    };
    let mut seen_exec = false;
    let mut only_positional = false;
    let mut last_flag = false;
    let mut positionals: Vec<&String> = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if only_positional || !is_option(a) {
            if !seen_exec {
                if a == "exec" || a == "e" {
                    seen_exec = true;
                    continue;
                }
                return None;
            }
            positionals.push(a);
            continue;
        }
        if a == "--" {
            only_positional = seen_exec;
            continue;
        }
        let (name, inline) = split_opt(a, &SHORT);
        if VALUE.contains(&name) {
            let value = match inline {
                Some(v) => Some(v.to_string()),
                None => {
                    i += 1;
                    args.get(i - 1).cloned()
                }
            };
            match name {
                "-C" | "--cd" => call.cd = value,
                "-m" | "--model" => call.model = value,
                "-o" | "--output-last-message" => call.last_message_file = value,
                _ => {}
            }
        } else {
            match name {
                "--json" | "--experimental-json" => call.json = true,
                "--last" => last_flag = true,
                _ => {}
            }
        }
    }
    if !seen_exec {
        return None;
    }
    // `codex exec resume [--last | SESSION_ID] [PROMPT]`
    let mut pos = positionals.as_slice();
    if pos.first().is_some_and(|p| p.as_str() == "resume") {
        pos = &pos[1..];
        if !last_flag && !pos.is_empty() {
            pos = &pos[1..];
        }
    }
    call.prompt = prompt_from(inv, pos.first().copied());
    Some(call)
}

fn claude_call(inv: &Invocation, args: &[String]) -> Option<GeneratorCall> {
    const VALUE: [&str; 20] = [
        "--output-format",
        "--input-format",
        "--model",
        "--max-turns",
        "--system-prompt",
        "--system-prompt-file",
        "--append-system-prompt",
        "--permission-mode",
        "--permission-prompt-tool",
        "--session-id",
        "--settings",
        "--fallback-model",
        "--agents",
        "--agent",
        "--max-budget-usd",
        "--json-schema",
        "--setting-sources",
        "--resume",
        "-r",
        "--max-thinking-tokens",
    ];
    const MULTI: [&str; 9] = [
        "--allowedTools",
        "--allowed-tools",
        "--disallowedTools",
        "--disallowed-tools",
        "--tools",
        "--mcp-config",
        "--add-dir",
        "--betas",
        "--plugin-dir",
    ];
    static TOOL: OnceLock<Option<Regex>> = OnceLock::new();
    let tool_re = TOOL
        .get_or_init(|| {
            Regex::new(r"^[A-Za-z_][\w-]*(\([^()\n]*\))?(\s*,\s*[A-Za-z_][\w-]*(\([^()\n]*\))?)*$")
                .ok()
        })
        .as_ref();
    let mut call = GeneratorCall {
        invocation: inv.clone(),
        tool: "claude".to_string(),
        cd: None,
        model: None,
        last_message_file: None,
        json: false,
        prompt: PromptText::Missing,
    };
    let mut print = false;
    let mut only_positional = false;
    let mut positionals: Vec<&String> = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if only_positional || !is_option(a) {
            positionals.push(a);
            continue;
        }
        if a == "--" {
            only_positional = true;
            continue;
        }
        let (name, inline) = split_opt(a, &["-r"]);
        if VALUE.contains(&name) {
            let value = match inline {
                Some(v) => Some(v.to_string()),
                None => {
                    i += 1;
                    args.get(i - 1).cloned()
                }
            };
            match name {
                "--model" => call.model = value,
                "--output-format" => {
                    call.json = matches!(value.as_deref(), Some("json" | "stream-json"))
                }
                _ => {}
            }
        } else if MULTI.contains(&name) {
            if inline.is_none() {
                i += 1; // first value
                let tools = name.contains("ools");
                while let Some(v) = args.get(i) {
                    let more = !v.starts_with('-')
                        && if tools {
                            tool_re.is_some_and(|r| r.is_match(v))
                        } else {
                            !v.contains(char::is_whitespace)
                        };
                    if !more {
                        break;
                    }
                    i += 1;
                }
            }
        } else if name == "-p" || name == "--print" {
            print = true;
        } else if a.starts_with('-') && !a.starts_with("--") && a.contains('p') {
            // Clustered short flags such as `-cp`.
            print = true;
        }
    }
    if !print {
        return None;
    }
    call.prompt = prompt_from(inv, positionals.first().copied());
    Some(call)
}

/// A configured generator: options are skipped (a few common ones take a value); the first
/// positional, or `--prompt`/`--message` value, is the prompt.
fn generic_call(inv: &Invocation, args: &[String], tool: &str) -> GeneratorCall {
    const VALUE: [&str; 14] = [
        "-m",
        "--model",
        "-C",
        "--cd",
        "-o",
        "--output",
        "-c",
        "--config",
        "--output-format",
        "--prompt",
        "--message",
        "--msg",
        "-f",
        "--file",
    ];
    let mut call = GeneratorCall {
        invocation: inv.clone(),
        tool: tool.to_string(),
        cd: None,
        model: None,
        last_message_file: None,
        json: false,
        prompt: PromptText::Missing,
    };
    let mut prompt_opt: Option<PromptText> = None;
    let mut positionals: Vec<&String> = Vec::new();
    let mut i = 1;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if !is_option(a) {
            positionals.push(a);
            continue;
        }
        let (name, inline) = split_opt(a, &["-m", "-C", "-o", "-c", "-f"]);
        if VALUE.contains(&name) {
            let value = match inline {
                Some(v) => Some(v.to_string()),
                None => {
                    i += 1;
                    args.get(i - 1).cloned()
                }
            };
            match name {
                "-m" | "--model" => call.model = value,
                "-C" | "--cd" => call.cd = value,
                "--output-format" => {
                    call.json = matches!(value.as_deref(), Some("json" | "stream-json"))
                }
                "--prompt" | "--message" | "--msg" => prompt_opt = value.map(PromptText::Inline),
                "-f" | "--file" if prompt_opt.is_none() => prompt_opt = value.map(PromptText::File),
                _ => {}
            }
        } else if name == "--json" {
            call.json = true;
        }
    }
    call.prompt = match prompt_opt {
        Some(p) => p,
        None => prompt_from(inv, positionals.first().copied()),
    };
    call
}

#[cfg(test)]
mod tests {
    use super::*;

    const B1: &str = include_str!("../../../tests/data/scripts/phase6-codex-batch1.sh");
    const B2: &str = include_str!("../../../tests/data/scripts/phase6-codex-batch2.sh");
    const B3: &str = include_str!("../../../tests/data/scripts/phase6-codex-batch3.sh");
    const B4: &str = include_str!("../../../tests/data/scripts/phase6-codex-batch4.sh");
    const B5: &str = include_str!("../../../tests/data/scripts/phase6-codex-batch5.sh");
    const PROMPT_MD: &str = include_str!("../../../tests/data/scripts/b3-api-tests.md");
    const CMDS1: &str = include_str!("../../../tests/data/scripts/batch1.cmds");
    const CMDS2: &str = include_str!("../../../tests/data/scripts/batch2.cmds");
    const RUN2: &str = include_str!("../../../tests/data/scripts/run-batch2.sh");

    const PROJECT: &str = "/home/luce/apps/sparkqueue";
    const LOGS: &str = "/home/luce/apps/sparkqueue/_build/logs/phase6";

    fn no_gen() -> Vec<String> {
        Vec::new()
    }

    fn inline(p: &PromptText) -> &str {
        match p {
            PromptText::Inline(t) => t,
            other => panic!("not inline: {other:?}"),
        }
    }

    fn call(text: &str) -> GeneratorCall {
        let inv = shell::parse_command(text, &HashMap::new()).expect("command");
        generator_call(&inv, &no_gen()).expect("generator call")
    }

    #[test]
    fn sparkq_batch1_two_inline_prompts() {
        let s = parse(B1, "b1.sh", "phase6-codex-batch1.sh", &no_gen());
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(s.batches.len(), 1);
        let b = &s.batches[0];
        assert_eq!(b.number, Some(1));
        assert_eq!(
            b.name.as_deref(),
            Some("SparkQ Phase 6 - Batch 1 (parallel)")
        );
        assert_eq!(b.calls.len(), 2);
        let c = &b.calls[1];
        assert_eq!(c.tool, "codex");
        assert_eq!(c.cd.as_deref(), Some(PROJECT));
        assert!(c.json);
        assert_eq!(c.model, None);
        let p = inline(&c.prompt);
        assert!(p.starts_with("\nContext: SparkQ Phase 6 Batch 1 - Storage layer\n"));
        assert!(p.contains("File to create: sparkq/src/storage.py\n"));
        assert!(p.contains("One table `tasks`; claim takes"));
        assert!(p.ends_with("any important details.\n"));
        assert_eq!(
            c.invocation.stdout.as_deref(),
            Some(format!("{LOGS}/b1-storage.jsonl").as_str())
        );
        assert_eq!(c.invocation.line, 28);
        assert!(c.invocation.background);
        assert_eq!(s.vars["PROJECT"], PROJECT);
        assert!(s.parallel.is_empty());
    }

    #[test]
    fn sparkq_batch2_heredocs_with_background_after_delimiter() {
        let s = parse(B2, "b2.sh", "phase6-codex-batch2.sh", &no_gen());
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(s.batches.len(), 1);
        let b = &s.batches[0];
        assert_eq!(b.number, Some(2));
        assert_eq!(b.calls.len(), 2);
        let cli = &b.calls[0];
        let p = inline(&cli.prompt);
        assert!(p.starts_with("Context: SparkQ Phase 6 Batch 2 - CLI\n"));
        assert!(p.contains("File to create: sparkq/src/cli.py\n"));
        assert!(p.ends_with("any important details.\n"));
        assert!(!p.contains("PROMPT"));
        assert!(cli.invocation.background);
        assert_eq!(
            cli.invocation.stdout.as_deref(),
            Some(format!("{LOGS}/b2-cli.jsonl").as_str())
        );
        assert_eq!(
            cli.invocation.stderr.as_deref(),
            Some(format!("{LOGS}/b2-cli.err").as_str())
        );
        let api = &b.calls[1];
        assert!(inline(&api.prompt).contains("File to create: sparkq/src/api.py"));
        assert_eq!(api.invocation.line, 28);
    }

    #[test]
    fn sparkq_batch3_inline_and_file_prompts() {
        let s = parse(B3, "b3.sh", "phase6-codex-batch3.sh", &no_gen());
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(s.batches.len(), 1);
        let b = &s.batches[0];
        assert_eq!(b.number, Some(3));
        assert_eq!(b.calls.len(), 3);
        let conftest = &b.calls[0];
        let p = inline(&conftest.prompt);
        assert!(p.contains("- Fixture `repo` returns an in-memory TaskRepository\n"));
        assert!(p.contains("File to create: sparkq/tests/conftest.py"));
        assert_eq!(
            conftest.invocation.stdout.as_deref(),
            Some("/home/luce/apps/sparkqueue/_build/logs/phase6/b3-conftest.jsonl")
        );
        assert_eq!(
            conftest.invocation.stderr.as_deref(),
            Some("/home/luce/apps/sparkqueue/_build/logs/phase6/b3-conftest.err")
        );
        let storage = &b.calls[1];
        assert!(inline(&storage.prompt)
            .contains("- Use the `repo` fixture from sparkq/tests/conftest.py"));
        let api = &b.calls[2];
        assert_eq!(
            api.prompt,
            PromptText::File(
                "/home/luce/apps/sparkqueue/_build/prompts-build/prompts/b3-api-tests.md".into()
            )
        );
        assert_eq!(api.cd.as_deref(), Some(PROJECT));
        assert_eq!(
            api.invocation.stdout.as_deref(),
            Some(format!("{LOGS}/b3-api-tests.jsonl").as_str())
        );
        assert_eq!(api.invocation.line, 48);
    }

    #[test]
    fn sparkq_batches_4_and_5() {
        for (text, name, n, out) in [
            (
                B4,
                "phase6-codex-batch4.sh",
                4,
                "sparkq/tests/test_e2e_workflow.py",
            ),
            (B5, "phase6-codex-batch5.sh", 5, "docs/TESTING.md"),
        ] {
            let s = parse(text, name, name, &no_gen());
            assert!(s.warnings.is_empty());
            assert_eq!(s.batches.len(), 1);
            assert_eq!(s.batches[0].number, Some(n));
            assert_eq!(s.batches[0].calls.len(), 1);
            let p = inline(&s.batches[0].calls[0].prompt);
            assert!(p.contains(&format!("File to create: {out}\n")), "{p}");
        }
    }

    #[test]
    fn notes_command_lists() {
        let s = parse_command_list(CMDS2, "_build/batch2.cmds", "batch2.cmds", &no_gen());
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        assert_eq!(s.batches.len(), 1);
        let b = &s.batches[0];
        assert_eq!(b.number, Some(2));
        assert_eq!(b.calls.len(), 3);
        let c = &b.calls[2];
        assert_eq!(c.prompt, PromptText::File("_build/prompts/b2-3.md".into()));
        assert_eq!(c.cd.as_deref(), Some("/home/dev/notes"));
        assert!(c.json);
        assert_eq!(
            c.invocation.stdout.as_deref(),
            Some("_build/logs/b2-3.jsonl")
        );
        assert_eq!(c.invocation.stderr.as_deref(), Some("_build/logs/b2-3.err"));
        assert_eq!(c.invocation.line, 3);
        assert!(!c.invocation.background);

        let s1 = parse_command_list(CMDS1, "batch1.cmds", "batch1.cmds", &no_gen());
        assert_eq!(s1.batches[0].number, Some(1));
        assert_eq!(s1.batches[0].calls.len(), 2);
    }

    #[test]
    fn command_list_skips_non_generator_lines_with_warning() {
        let text = "# jobs\ncodex exec 'a'\n\nls -l\ncodex exec 'b\n";
        let s = parse_command_list(text, "x.cmds", "x.cmds", &no_gen());
        let calls = &s.batches[0].calls;
        assert_eq!(s.batches[0].number, None);
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1].invocation.line, 5);
        assert_eq!(inline(&calls[1].prompt), "b");
        assert_eq!(s.warnings.len(), 2);
        assert_eq!(s.warnings[0].line, Some(4));
        assert_eq!(
            s.warnings[0].message,
            "not a generator call, skipped: ls -l"
        );
        assert_eq!(s.warnings[1].line, Some(5));
        assert_eq!(s.warnings[1].message, "unterminated single-quoted string");
    }

    #[test]
    fn notes_runner_script_links_joblog_and_list() {
        let s = parse(RUN2, "_build/run-batch2.sh", "run-batch2.sh", &no_gen());
        assert!(s.warnings.is_empty());
        assert_eq!(
            s.parallel,
            vec![ParallelCall {
                joblog: Some("_build/joblog-batch2.tsv".into()),
                input: Some("_build/batch2.cmds".into()),
                line: 5,
            }]
        );
        assert_eq!(s.cd.as_deref(), Some("/home/dev/notes"));
        assert_eq!(s.batches.len(), 1);
        assert_eq!(s.batches[0].number, Some(2));
        assert!(s.batches[0].calls.is_empty());
        assert_eq!(
            s.batches[0].name.as_deref(),
            Some("notes Phase 2 - Batch 2: run all jobs in parallel, keep a joblog")
        );
    }

    #[test]
    fn parallel_call_forms() {
        let p = |t: &str| {
            let inv = shell::parse_command(t, &HashMap::new()).unwrap();
            parallel_call(&inv).unwrap()
        };
        let a = p("parallel --joblog +logs/jl.tsv --resume-failed :::: jobs.cmds");
        assert_eq!(a.joblog.as_deref(), Some("logs/jl.tsv"));
        assert_eq!(a.input.as_deref(), Some("jobs.cmds"));
        let b = p("parallel -j 4 --joblog=jl.tsv -a list.txt");
        assert_eq!(b.joblog.as_deref(), Some("jl.tsv"));
        assert_eq!(b.input.as_deref(), Some("list.txt"));
        let c = p("cat b3.cmds | parallel --jl j3.tsv");
        assert_eq!(c.joblog.as_deref(), Some("j3.tsv"));
        assert_eq!(c.input.as_deref(), Some("b3.cmds"));
        let inv = shell::parse_command("sort x", &HashMap::new()).unwrap();
        assert_eq!(parallel_call(&inv), None);
    }

    #[test]
    fn several_batches_by_markers_and_wait() {
        let text = r#"#!/bin/bash
set -euo pipefail
PROJECT=/srv/app
cd "$PROJECT"

# Batch 1
echo "=== Batch 1 ==="
codex exec --full-auto 'Create a.py' > logs/1a.log 2>&1 &
codex exec --full-auto 'Create b.py' > logs/1b.log 2>&1 &
wait
echo "Batch 1 done"

codex exec 'Create c.py' &
wait

# Batch 5: docs
cd docs
codex exec 'Write README.md' | tee logs/5.log
"#;
        let s = parse(text, "multi.sh", "phase2-run.sh", &no_gen());
        assert!(s.warnings.is_empty());
        let nums: Vec<Option<u32>> = s.batches.iter().map(|b| b.number).collect();
        assert_eq!(nums, [Some(1), Some(2), Some(5)]);
        assert_eq!(s.batches[0].name.as_deref(), Some("Batch 1"));
        assert_eq!(s.batches[0].calls.len(), 2);
        assert_eq!(s.batches[1].name, None);
        assert_eq!(inline(&s.batches[1].calls[0].prompt), "Create c.py");
        assert_eq!(s.batches[2].name.as_deref(), Some("Batch 5: docs"));
        let docs = &s.batches[2].calls[0];
        assert_eq!(docs.invocation.tee.as_deref(), Some("logs/5.log"));
        assert_eq!(
            s.batches[0].calls[0].invocation.stderr.as_deref(),
            Some("logs/1a.log")
        );
        // `cd` is the last one before the first call.
        assert_eq!(s.cd.as_deref(), Some("/srv/app"));
    }

    #[test]
    fn wait_without_markers_numbers_from_file_name() {
        let text = "codex exec a &\nwait\ncodex exec b &\ncodex exec c &\nwait\n";
        let s = parse(text, "x", "run-batch2.sh", &no_gen());
        let nums: Vec<Option<u32>> = s.batches.iter().map(|b| b.number).collect();
        assert_eq!(nums, [Some(2), Some(3)]);
        assert_eq!(s.batches[1].calls.len(), 2);

        let s = parse(text, "x", "go.sh", &no_gen());
        let nums: Vec<Option<u32>> = s.batches.iter().map(|b| b.number).collect();
        assert_eq!(nums, [Some(1), Some(2)]);
    }

    #[test]
    fn codex_options_and_prompt_sources() {
        let c = call("codex exec -m gpt-5-codex -s workspace-write -c model_reasoning_effort=high --skip-git-repo-check -o out/last.txt --cd=/w 'Do it'");
        assert_eq!(c.model.as_deref(), Some("gpt-5-codex"));
        assert_eq!(c.last_message_file.as_deref(), Some("out/last.txt"));
        assert_eq!(c.cd.as_deref(), Some("/w"));
        assert!(!c.json);
        assert_eq!(c.prompt, PromptText::Inline("Do it".into()));

        let c = call("codex --json exec --experimental-json -mo3 -- '-starts with dash'");
        assert!(c.json);
        assert_eq!(c.model.as_deref(), Some("o3"));
        assert_eq!(inline(&c.prompt), "-starts with dash");

        let c = call("cat prompts/t1.md | codex e --full-auto -");
        assert_eq!(c.prompt, PromptText::File("prompts/t1.md".into()));
        let c = call("cat prompts/t1.md | codex exec --json");
        assert_eq!(c.prompt, PromptText::File("prompts/t1.md".into()));
        let c = call("codex exec --json");
        assert_eq!(c.prompt, PromptText::Missing);
        let c = call("nohup timeout 600 /usr/local/bin/codex exec 'x' > l &");
        assert_eq!(inline(&c.prompt), "x");
        assert_eq!(c.tool, "codex");
        let c = call("codex exec resume --last 'continue please'");
        assert_eq!(inline(&c.prompt), "continue please");

        for not in [
            "codex login",
            "codex 'interactive prompt'",
            "codexx exec a",
            "echo codex exec",
        ] {
            let inv = shell::parse_command(not, &HashMap::new()).unwrap();
            assert_eq!(generator_call(&inv, &no_gen()), None, "{not}");
        }
    }

    #[test]
    fn claude_print_calls() {
        let c = call("claude -p 'Create a.py' --output-format stream-json --verbose --model sonnet --allowedTools Read Edit 'Bash(git log:*)' > l.jsonl");
        assert_eq!(c.tool, "claude");
        assert_eq!(inline(&c.prompt), "Create a.py");
        assert!(c.json);
        assert_eq!(c.model.as_deref(), Some("sonnet"));
        assert_eq!(c.invocation.stdout.as_deref(), Some("l.jsonl"));

        let c = call("claude --print --allowedTools Read --output-format json < prompts/x.md");
        assert_eq!(c.prompt, PromptText::File("prompts/x.md".into()));
        assert!(c.json);

        let inv = shell::parse_command("claude 'hello'", &HashMap::new()).unwrap();
        assert_eq!(generator_call(&inv, &no_gen()), None);
    }

    #[test]
    fn configured_generators() {
        let gens = vec!["aider".to_string(), "/opt/bin/mygen".to_string()];
        let inv = shell::parse_command("mygen --model m1 -x 'Build it' > o.log", &HashMap::new())
            .unwrap();
        let c = generator_call(&inv, &gens).unwrap();
        assert_eq!(c.tool, "mygen");
        assert_eq!(c.model.as_deref(), Some("m1"));
        assert_eq!(inline(&c.prompt), "Build it");
        let inv = shell::parse_command("aider --yes --message 'Fix bug'", &HashMap::new()).unwrap();
        assert_eq!(
            inline(&generator_call(&inv, &gens).unwrap().prompt),
            "Fix bug"
        );
        assert!(looks_like("mygen 'x'\n", &gens));
        assert!(!looks_like("mygen\n", &gens));
        assert!(!looks_like("mygen 'x'\n", &no_gen()));
    }

    #[test]
    fn injection_text_is_never_run() {
        let s = parse(
            "codex exec \"Create $(touch pwned).py and `touch pwned2`\" > \"$(touch pwned3).log\"\n",
            "x.sh",
            "x.sh",
            &no_gen(),
        );
        let c = &s.batches[0].calls[0];
        assert_eq!(
            inline(&c.prompt),
            "Create $(touch pwned).py and `touch pwned2`"
        );
        assert_eq!(c.invocation.stdout.as_deref(), Some("$(touch pwned3).log"));
        for f in ["pwned", "pwned2", "pwned3"] {
            assert!(!std::path::Path::new(f).exists());
        }
    }

    #[test]
    fn batch_numbers_from_names() {
        assert_eq!(batch_number_from_name("phase6-codex-batch3.sh"), Some(3));
        assert_eq!(batch_number_from_name("_build/run-batch2.sh"), Some(2));
        assert_eq!(batch_number_from_name("batch2.cmds"), Some(2));
        assert_eq!(batch_number_from_name("b4.sh"), Some(4));
        assert_eq!(batch_number_from_name("batch_03.sh"), Some(3));
        assert_eq!(batch_number_from_name("Batch-12.sh"), Some(12));
        assert_eq!(batch_number_from_name("phase6-codex.sh"), None);
        assert_eq!(batch_number_from_name("phase6.sh"), None);
        assert_eq!(batch_number_from_name("sub2.sh"), None);
        assert_eq!(batch_number_from_name("batches.sh"), None);
    }

    #[test]
    fn batch_markers() {
        assert_eq!(batch_marker("Batch 3").map(|m| m.0), Some(3));
        assert_eq!(
            batch_marker("SparkQ Phase 6 - Batch 3 (parallel)"),
            Some((3, "SparkQ Phase 6 - Batch 3 (parallel)".into()))
        );
        assert_eq!(
            batch_marker("notes Phase 2 - Batch 1: run all").map(|m| m.0),
            Some(1)
        );
        assert_eq!(
            batch_marker("=== Batch 4 ===").map(|m| m.1),
            Some("Batch 4".into())
        );
        assert_eq!(batch_marker("Starting batch 2...").map(|m| m.0), Some(2));
        assert_eq!(batch_marker("Batch 3 done"), None);
        assert_eq!(batch_marker("Batch 3: complete!"), None);
        assert_eq!(batch_marker("needs the outputs of batch 2"), None);
        assert_eq!(batch_marker("!/usr/bin/env bash"), None);
    }

    #[test]
    fn looks_like_scripts_lists_and_not_prompts() {
        let g = no_gen();
        for t in [B1, B2, B3, CMDS1, RUN2] {
            assert!(looks_like(t, &g));
        }
        assert!(!looks_like(PROMPT_MD, &g));
        assert!(!looks_like(
            "Context: use codex exec to run the batch\nTask: explain `claude -p`\n",
            &g
        ));
        assert!(!looks_like(
            "#!/bin/bash\nmkdir -p out\nparallel echo ::: a b\n",
            &g
        ));
        assert!(!looks_like(
            "{\"type\":\"thread.started\",\"cmd\":\"codex exec x\"}\n",
            &g
        ));
        assert!(looks_like("cd /x && codex exec 'y'\n", &g));
        assert!(looks_like("claude -p 'y'\n", &g));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        #[test]
        fn arbitrary_scripts_never_panic(text in "(codex exec |claude -p |parallel --joblog |# Batch [0-9] |wait\n|[ -~\t\n\\'\"$`]){0,40}") {
            let g = vec!["mygen".to_string()];
            let s = parse(&text, "x.sh", "batch2.sh", &g);
            let _ = parse_command_list(&text, "x.cmds", "b1.cmds", &g);
            let _ = looks_like(&text, &g);
            for w in &s.warnings {
                proptest::prop_assert!(w.line.is_some());
            }
        }
    }
}
