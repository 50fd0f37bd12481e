//! Context for a recovery prompt: the real code that answers the error. For an import error,
//! where the named symbols are really defined and the module path to import them from; for a
//! syntax error, the lines around it; for a failing test, the assertion and the code it calls.
//! Bounded in size; every snippet names its file and line.

use super::ingest::paths::module_forms;
use super::model::{Finding, Job};
use regex::Regex;
use std::sync::LazyLock;

/// Most snippets in one prompt.
const MAX_SNIPPETS: usize = 8;
/// Lines of code in one snippet.
const MAX_LINES: usize = 24;

/// The project's files as the context search needs them, given by the caller (core reads no
/// files itself). Paths are relative to the project root.
pub trait ProjectFiles {
    /// The text of a file (`None` when absent, too large, not inside the project, or unreadable).
    fn read(&self, rel: &str) -> Option<String>;
    /// The project's code files (`.py`, `.rs`, `.ts` ...), sorted, within a size budget.
    fn code_files(&self) -> Vec<String>;
}

/// A path from a log that may be read: relative, without `..`.
fn readable(file: &str) -> bool {
    !file.starts_with('/') && !file.split('/').any(|c| c == "..")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// What the snippet shows ("handle_enqueue is defined here; import it as `from sparkq.src.api import handle_enqueue`").
    pub title: String,
    pub file: String,
    /// First line shown (1-based).
    pub line: u32,
    pub code: String,
}

/// Gather snippets for the job's failure (`finding` = its primary finding).
pub fn gather(files: &dyn ProjectFiles, job: &Job, finding: Option<&Finding>) -> Vec<Snippet> {
    let mut out = Vec::new();
    let Some(f) = finding else { return out };
    let file = f.file.clone().or_else(|| job.outputs.first().cloned());
    let text = format!("{}: {}", f.error_type, f.message);
    // 1. The lines around the error in the failing file.
    if let (Some(file), Some(line)) = (&file, f.line) {
        if let Some(s) = around(files, file, line, &format!("{file} around line {line}")) {
            out.push(s);
        }
    }
    // 2. A missing module: the files that look like it.
    if let Some(module) = missing_module(&text) {
        let last = module.rsplit(['.', '/']).next().unwrap_or(&module).to_string();
        for (path, m) in project_modules(files).into_iter().filter(|(p, _)| file_stem(p) == last).take(3) {
            out.push(Snippet {
                title: format!("`{module}` does not exist; the project has {path} (module `{m}`)"),
                file: path,
                line: 1,
                code: String::new(),
            });
        }
    }
    // 3. Definitions of the symbols the error names (and that the failing file imports).
    let mut symbols = named_symbols(&text);
    if let Some(file) = &file {
        if let Some(module) = missing_module(&text) {
            symbols.extend(imported_from(files, file, &module));
        }
    }
    symbols.sort();
    symbols.dedup();
    if !symbols.is_empty() {
        let defs = find_definitions(files, &symbols, file.as_deref());
        for d in defs {
            if out.len() >= MAX_SNIPPETS {
                break;
            }
            out.push(d);
        }
    }
    out.truncate(MAX_SNIPPETS);
    out
}

/// Snippets as prompt text.
pub fn render(snippets: &[Snippet]) -> String {
    if snippets.is_empty() {
        return "No related code was found in the project.".into();
    }
    let mut s = String::new();
    for sn in snippets {
        s += &format!("- {} ({}:{})\n", sn.title, sn.file, sn.line);
        if !sn.code.is_empty() {
            s += "\n";
            for (i, l) in sn.code.lines().enumerate() {
                s += &format!("    {:>4} | {}\n", sn.line as usize + i, l);
            }
            s += "\n";
        }
    }
    s.trim_end().to_string()
}

fn file_stem(p: &str) -> &str {
    let name = p.rsplit('/').next().unwrap_or(p);
    name.split('.').next().unwrap_or(name)
}

/// Lines around `line` of a project file.
fn around(files: &dyn ProjectFiles, file: &str, line: u32, title: &str) -> Option<Snippet> {
    if !readable(file) {
        return None;
    }
    let text = files.read(file)?;
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return None;
    }
    let l = (line as usize).clamp(1, lines.len());
    let start = l.saturating_sub(6).max(1);
    let end = (l + 5).min(lines.len());
    Some(Snippet {
        title: title.to_string(),
        file: file.to_string(),
        line: start as u32,
        code: lines[start - 1..end].join("\n"),
    })
}

static QUOTED_NAME: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"cannot import name '([A-Za-z_][A-Za-z0-9_]*)'",
        r"name '([A-Za-z_][A-Za-z0-9_]*)' is not defined",
        r"has no attribute '([A-Za-z_][A-Za-z0-9_]*)'",
        r"undefined: ([A-Za-z_][A-Za-z0-9_.]*)",
        r"unresolved import `[^`]*?([A-Za-z_][A-Za-z0-9_]*)`",
        r"cannot find (?:value|function|type|struct|trait|macro) `([A-Za-z_][A-Za-z0-9_]*)`",
        r"Cannot find name '([A-Za-z_][A-Za-z0-9_]*)'",
        r"has no exported member '([A-Za-z_][A-Za-z0-9_]*)'",
    ]
    .iter()
    .filter_map(|r| Regex::new(r).ok())
    .collect()
});

/// Symbols an error message names.
fn named_symbols(text: &str) -> Vec<String> {
    let mut v = Vec::new();
    for re in QUOTED_NAME.iter() {
        for c in re.captures_iter(text) {
            if let Some(m) = c.get(1) {
                let name = m.as_str().rsplit('.').next().unwrap_or(m.as_str());
                v.push(name.to_string());
            }
        }
    }
    v
}

static MISSING_MODULE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [r"No module named '([^']+)'", r"cannot import name '[^']+' from '([^']+)'", r"Cannot find module '([^']+)'"]
        .iter()
        .filter_map(|r| Regex::new(r).ok())
        .collect()
});

fn missing_module(text: &str) -> Option<String> {
    MISSING_MODULE.iter().find_map(|re| re.captures(text).and_then(|c| c.get(1)).map(|m| m.as_str().to_string()))
}

/// Names the failing file imports from `module` (`from sparkq.api import a, b` -> a, b).
fn imported_from(files: &dyn ProjectFiles, file: &str, module: &str) -> Vec<String> {
    if !readable(file) {
        return Vec::new();
    }
    let Some(text) = files.read(file) else { return Vec::new() };
    let mut v = Vec::new();
    let prefix = format!("from {module} import ");
    for l in text.lines() {
        let t = l.trim();
        if let Some(rest) = t.strip_prefix(&prefix) {
            for name in rest.trim_matches(['(', ')']).split(',') {
                let n = name.split_whitespace().next().unwrap_or("").trim_matches(['(', ')']);
                if !n.is_empty() && n.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    v.push(n.to_string());
                }
            }
        }
    }
    v
}

/// Code files of the project with their module form.
fn project_modules(files: &dyn ProjectFiles) -> Vec<(String, String)> {
    files.code_files().into_iter().filter_map(|p| module_forms(&p).into_iter().next().map(|m| (p, m))).collect()
}

/// Where each symbol is defined, with the module path to import it from.
fn find_definitions(files: &dyn ProjectFiles, symbols: &[String], failing_file: Option<&str>) -> Vec<Snippet> {
    let alternation = symbols.iter().map(|s| regex::escape(s)).collect::<Vec<_>>().join("|");
    let pattern = format!(
        r"^\s*(?:export\s+)?(?:default\s+)?(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:def|class|fn|struct|enum|trait|type|const|function|interface|func|let|var)\s+(?:\([^)]*\)\s*)?({alternation})\b|^({alternation})\s*(?::[^=]*)?="
    );
    let Ok(re) = Regex::new(&pattern) else { return Vec::new() };
    let mut out = Vec::new();
    let mut found: Vec<String> = Vec::new();
    for path in files.code_files() {
        if Some(path.as_str()) == failing_file {
            continue;
        }
        let Some(text) = files.read(&path) else { continue };
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            let Some(c) = re.captures(l) else { continue };
            let Some(name) = c.get(1).or_else(|| c.get(2)).map(|m| m.as_str().to_string()) else { continue };
            let end = definition_end(&lines, i);
            let how = match module_forms(&path).first() {
                Some(m) if path.ends_with(".py") => format!("; import it as `from {m} import {name}` (module {m})"),
                Some(m) => format!(" (module path {m})"),
                None => String::new(),
            };
            out.push(Snippet {
                title: format!("{name} is defined in {path}{how}"),
                file: path.clone(),
                line: i as u32 + 1,
                code: lines[i..end].join("\n"),
            });
            found.push(name);
            if out.len() >= MAX_SNIPPETS {
                return out;
            }
        }
    }
    for s in symbols {
        if !found.contains(s) {
            out.push(Snippet {
                title: format!("{s} is not defined anywhere in the project"),
                file: failing_file.unwrap_or("").to_string(),
                line: 1,
                code: String::new(),
            });
        }
    }
    out
}

/// The definition's block: until the next line at the same or lower indentation, bounded.
fn definition_end(lines: &[&str], start: usize) -> usize {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let base = indent(lines[start]);
    let mut end = start + 1;
    while end < lines.len() && end - start < MAX_LINES {
        let l = lines[end];
        if !l.trim().is_empty() && indent(l) <= base && !l.trim_start().starts_with(['}', ')', ']']) {
            break;
        }
        end += 1;
    }
    while end > start + 1 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Files in memory.
    struct Mem(BTreeMap<String, String>);

    impl ProjectFiles for Mem {
        fn read(&self, rel: &str) -> Option<String> {
            self.0.get(rel).cloned()
        }
        fn code_files(&self) -> Vec<String> {
            self.0.keys().cloned().collect()
        }
    }

    fn mem(files: &[(&str, &str)]) -> Mem {
        Mem(files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect())
    }

    fn finding(file: &str, line: u32, ty: &str, msg: &str) -> Finding {
        Finding {
            file: Some(file.into()),
            line: Some(line),
            error_type: ty.into(),
            message: msg.into(),
            ..Finding::default()
        }
    }

    #[test]
    fn a_missing_name_is_found_where_it_is_defined() {
        let files = mem(&[
            ("app/tests/test_api.py", "from app.api import handle\n\n\ndef test_it():\n    assert handle()\n"),
            ("app/src/api.py", "import os\n\n\ndef handle():\n    return True\n"),
        ]);
        let job = Job { id: "b3".into(), outputs: vec!["app/tests/test_api.py".into()], ..Job::default() };
        let f = finding("app/tests/test_api.py", 1, "ModuleNotFoundError", "No module named 'app.api'");
        let s = gather(&files, &job, Some(&f));
        let def = s.iter().find(|s| s.title.starts_with("handle is defined")).expect("definition found");
        assert_eq!(
            def.title,
            "handle is defined in app/src/api.py; import it as `from app.src.api import handle` (module app.src.api)"
        );
        assert_eq!((def.file.as_str(), def.line), ("app/src/api.py", 4));
    }

    #[test]
    fn escaping_paths_are_never_read() {
        let files = mem(&[("../../etc/passwd", "root:x:0:0"), ("/etc/passwd", "root:x:0:0")]);
        let job = Job::default();
        for path in ["../../etc/passwd", "/etc/passwd"] {
            assert!(gather(&files, &job, Some(&finding(path, 1, "SyntaxError", ""))).is_empty(), "{path}");
        }
    }
}
