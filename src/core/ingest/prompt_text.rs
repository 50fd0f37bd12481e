//! What a generation prompt written to the playbook template says about its job:
//! the output files (`File to create:`, `File to create/modify:`, `Files:`) and the
//! validation commands (`Validation:`).

use super::shell;
use std::collections::HashMap;

/// The keys of a prompt line that name its output files (any case).
const OUTPUT_KEYS: &[&str] = &[
    "file to create",
    "file to create/modify",
    "file to modify",
    "files to create",
    "files",
    "file",
    "output file",
    "output files",
];

/// Output paths named by the prompt, in order, without repeats.
pub fn outputs(prompt: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_files_list = false;
    for line in prompt.lines() {
        let t = line.trim();
        if in_files_list {
            if let Some(item) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
                push_paths(&mut out, item);
                continue;
            }
            in_files_list = false;
        }
        let Some((key, value)) = t.split_once(':') else { continue };
        let key = key.trim().trim_start_matches(['-', '*', '#', ' ']).trim();
        if !OUTPUT_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            continue;
        }
        if value.trim().is_empty() {
            in_files_list = true;
        } else {
            push_paths(&mut out, value);
        }
    }
    out
}

fn push_paths(out: &mut Vec<String>, value: &str) {
    for part in value.split([',', ' ']) {
        let p = part.trim().trim_matches(['`', '"', '\'', '(', ')', '.', ';']).trim_start_matches("./");
        if looks_like_path(p) && !out.iter().any(|o| o == p) {
            out.push(p.to_string());
        }
    }
}

/// A relative file path with an extension or a directory part; not a URL, not prose.
fn looks_like_path(p: &str) -> bool {
    !p.is_empty()
        && !p.contains("://")
        && (p.contains('.') || p.contains('/'))
        && p.chars().all(|c| c.is_alphanumeric() || "._-/+@".contains(c))
        && !p.ends_with('/')
}

/// Validation commands named by the prompt (`Validation: pytest x -q`, or a list under it),
/// as argv. Prose after the key (no runnable command) is skipped.
pub fn validation(prompt: &str) -> Vec<Vec<String>> {
    let vars = HashMap::new();
    let mut out = Vec::new();
    let mut in_list = false;
    for line in prompt.lines() {
        let t = line.trim();
        if in_list {
            let item = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")).or_else(|| t.strip_prefix("$ "));
            if let Some(item) = item {
                push_command(&mut out, item, &vars);
                continue;
            }
            if !t.is_empty() {
                in_list = false;
            }
            continue;
        }
        let Some(rest) = strip_key(t, "validation") else { continue };
        if rest.trim().is_empty() {
            in_list = true;
        } else {
            push_command(&mut out, rest, &vars);
        }
    }
    out
}

fn strip_key<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let (k, v) = line.split_once(':')?;
    (k.trim().trim_start_matches(['#', '*', ' ']).trim().eq_ignore_ascii_case(key)).then_some(v)
}

fn push_command(out: &mut Vec<Vec<String>>, text: &str, vars: &HashMap<String, String>) {
    let text = text.trim().trim_matches('`');
    let first = text.split_whitespace().next().unwrap_or("");
    let runnable = [
        "python", "python3", "pytest", "mypy", "ruff", "cargo", "rustc", "go", "npx", "tsc", "npm", "node", "eslint",
        "test", "make", "bash", "sh", "uv", "poetry", "flake8", "pyright", "deno", "bun", "pnpm", "yarn",
    ];
    if !runnable.contains(&first) {
        return;
    }
    if let Some(argv) = simple_argv(text) {
        // Nothing a shell would expand, quote or redirect: its words are the argv.
        if !shell_with_command_string(&argv) && !out.contains(&argv) {
            out.push(argv);
        }
        return;
    }
    if let Some(inv) = shell::parse_command(text, vars) {
        if !inv.argv.is_empty() && !shell_with_command_string(&inv.argv) && !out.contains(&inv.argv) {
            out.push(inv.argv);
        }
    }
}

/// The words of a command made only of characters no shell treats specially (letters, digits,
/// `_-./:,@+%`, blanks), else `None`. Most `Validation:` lines are like that, and reading
/// them this way is much cheaper than running the shell reader.
fn simple_argv(text: &str) -> Option<Vec<String>> {
    let plain = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'_' | b'-' | b'.' | b'/' | b':' | b',' | b'@' | b'+' | b'%' | b' ' | b'\t')
    };
    if !text.bytes().all(plain) {
        return None;
    }
    let argv: Vec<String> = text.split([' ', '\t']).filter(|w| !w.is_empty()).map(str::to_string).collect();
    (!argv.is_empty()).then_some(argv)
}

/// `bash -c '...'`, `sh -lc ...`: a shell told to run a string, here a string from a prompt.
/// Commands are argv, never a shell running text (DESIGN.md §11): not a validation command.
fn shell_with_command_string(argv: &[String]) -> bool {
    let shells = ["sh", "bash", "zsh", "dash", "ksh", "fish"];
    shells.contains(&shell::basename(&argv[0]))
        && argv[1..].iter().take_while(|a| a.starts_with('-')).any(|a| !a.starts_with("--") && a.contains('c'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPARKQ: &str = "Context: SparkQ Phase 6 Batch 3 - API Tests\nReference: FRD v7.5 Section 11.3\n\n\
Task: Create tests for the API handlers\n\nFile to create: sparkq/tests/test_api.py\n\nRequirements:\n\
- Import handle_enqueue, handle_status from the api module\n\nValidation: pytest sparkq/tests/test_api.py -q\n\n\
Output: Confirm file created and any important details.\n";

    #[test]
    fn file_to_create_and_validation() {
        assert_eq!(outputs(SPARKQ), vec!["sparkq/tests/test_api.py"]);
    }

    #[test]
    fn files_list_and_modify_forms() {
        let p =
            "Task: split the parser\n\nFiles:\n- src/parser.rs\n- `src/ast.rs`\n\nFile to create/modify: src/lib.rs\n";
        assert_eq!(outputs(p), vec!["src/parser.rs", "src/ast.rs", "src/lib.rs"]);
        assert_eq!(outputs("Files: web/a.ts, web/b.ts\n"), vec!["web/a.ts", "web/b.ts"]);
    }

    #[test]
    fn shells_given_a_command_string_are_not_validation_commands() {
        assert!(validation("Validation: bash -c 'rm -rf ~'\n").is_empty());
        assert!(validation("Validation:\n- sh -lc 'touch x'\n").is_empty());
        assert_eq!(
            validation("Validation: bash scripts/check.sh\n"),
            vec![vec!["bash".to_string(), "scripts/check.sh".into()]]
        );
    }

    #[test]
    fn prose_is_not_an_output() {
        assert!(outputs("Output: Confirm file created and any important details.\n").is_empty());
    }
}
