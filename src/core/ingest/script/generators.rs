//! Generator calls: the program behind wrappers (`nohup`, `env`, `timeout`, `npx`), and the
//! options and prompt of `codex exec`, `claude -p` and configured generators.

use super::{GeneratorCall, PromptText};
use crate::core::ingest::shell::{basename, Invocation};
use regex::Regex;
use std::sync::OnceLock;

/// `codex`, `/usr/local/bin/codex`, `@openai/codex@latest` (via npx) -> `codex`.
pub(super) fn tool_name(arg: &str) -> String {
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
pub(super) fn skip_wrappers(argv: &[String]) -> usize {
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

pub(super) fn codex_call(inv: &Invocation, args: &[String]) -> Option<GeneratorCall> {
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
    let mut call = GeneratorCall::new("codex");
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

pub(super) fn claude_call(inv: &Invocation, args: &[String]) -> Option<GeneratorCall> {
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
        .get_or_init(|| Regex::new(r"^[A-Za-z_][\w-]*(\([^()\n]*\))?(\s*,\s*[A-Za-z_][\w-]*(\([^()\n]*\))?)*$").ok())
        .as_ref();
    let mut call = GeneratorCall::new("claude");
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
                "--output-format" => call.json = matches!(value.as_deref(), Some("json" | "stream-json")),
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
pub(super) fn generic_call(inv: &Invocation, args: &[String], tool: &str) -> GeneratorCall {
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
    let mut call = GeneratorCall::new(tool);
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
                "--output-format" => call.json = matches!(value.as_deref(), Some("json" | "stream-json")),
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
