//! Context for a recovery prompt: the real code that answers the error. For an import error,
//! where the named symbols are really defined and the module path to import them from; for a
//! syntax error, the lines around it; for a failing test, the assertion and the code it calls.
//! Bounded in size; every snippet names its file and line.

use super::ingest::paths::module_forms;
use super::model::{Finding, Job};
use regex::Regex;
use std::path::Path;
use std::sync::LazyLock;

/// Most snippets in one prompt.
const MAX_SNIPPETS: usize = 8;
/// Lines of code in one snippet.
const MAX_LINES: usize = 24;
/// Bytes of project source read while searching for definitions.
const MAX_SCAN_BYTES: u64 = 32 << 20;
const SKIP_DIRS: &[&str] =
    &[".git", "node_modules", "target", ".venv", "venv", "__pycache__", ".recover", "_build", "dist", "build"];

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
pub fn gather(root: &Path, job: &Job, finding: Option<&Finding>) -> Vec<Snippet> {
    let mut out = Vec::new();
    let Some(f) = finding else { return out };
    let file = f.file.clone().or_else(|| job.outputs.first().cloned());
    let text = format!("{}: {}", f.error_type, f.message);
    // 1. The lines around the error in the failing file.
    if let (Some(file), Some(line)) = (&file, f.line) {
        if let Some(s) = around(root, file, line, &format!("{file} around line {line}")) {
            out.push(s);
        }
    }
    // 2. A missing module: the files that look like it.
    if let Some(module) = missing_module(&text) {
        let last = module.rsplit(['.', '/']).next().unwrap_or(&module).to_string();
        for (path, m) in project_modules(root).into_iter().filter(|(p, _)| file_stem(p) == last).take(3) {
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
            symbols.extend(imported_from(root, file, &module));
        }
    }
    symbols.sort();
    symbols.dedup();
    if !symbols.is_empty() {
        let defs = find_definitions(root, &symbols, file.as_deref());
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
fn around(root: &Path, file: &str, line: u32, title: &str) -> Option<Snippet> {
    if file.starts_with('/') || file.split('/').any(|c| c == "..") {
        return None;
    }
    let text = read_text(&root.join(file))?;
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

fn read_text(p: &Path) -> Option<String> {
    let meta = std::fs::metadata(p).ok()?;
    if meta.len() > 4 << 20 {
        return None;
    }
    std::fs::read(p).ok().map(|b| String::from_utf8_lossy(&b).into_owned())
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
fn imported_from(root: &Path, file: &str, module: &str) -> Vec<String> {
    if file.starts_with('/') || file.split('/').any(|c| c == "..") {
        return Vec::new();
    }
    let Some(text) = read_text(&root.join(file)) else { return Vec::new() };
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

/// Source files of the project with their module form, bounded by MAX_SCAN_BYTES.
fn project_modules(root: &Path) -> Vec<(String, String)> {
    source_files(root).into_iter().filter_map(|p| module_forms(&p).into_iter().next().map(|m| (p, m))).collect()
}

fn source_files(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut budget = MAX_SCAN_BYTES;
    walk(root, root, 0, &mut out, &mut budget);
    out.sort();
    out
}

fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<String>, budget: &mut u64) {
    if depth > 8 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let Ok(ft) = e.file_type() else { continue };
        let name = e.file_name().to_string_lossy().into_owned();
        if ft.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) && !name.starts_with('.') {
                walk(root, &e.path(), depth + 1, out, budget);
            }
        } else if ft.is_file() && is_code(&name) {
            let size = e.metadata().map(|m| m.len()).unwrap_or(0);
            if size > *budget {
                return;
            }
            *budget -= size;
            if let Ok(rel) = e.path().strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
}

fn is_code(name: &str) -> bool {
    [".py", ".rs", ".ts", ".tsx", ".js", ".jsx", ".go"].iter().any(|e| name.ends_with(e))
}

/// Where each symbol is defined, with the module path to import it from.
fn find_definitions(root: &Path, symbols: &[String], failing_file: Option<&str>) -> Vec<Snippet> {
    let alternation = symbols.iter().map(|s| regex::escape(s)).collect::<Vec<_>>().join("|");
    let pattern = format!(
        r"^\s*(?:export\s+)?(?:default\s+)?(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:def|class|fn|struct|enum|trait|type|const|function|interface|func|let|var)\s+(?:\([^)]*\)\s*)?({alternation})\b|^({alternation})\s*(?::[^=]*)?="
    );
    let Ok(re) = Regex::new(&pattern) else { return Vec::new() };
    let mut out = Vec::new();
    let mut found: Vec<String> = Vec::new();
    for path in source_files(root) {
        if Some(path.as_str()) == failing_file {
            continue;
        }
        let Some(text) = read_text(&root.join(&path)) else { continue };
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
    use crate::core::model::Finding;

    #[test]
    fn import_error_finds_where_the_symbols_live() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixtures/sparkq-phase6");
        let job = Job { id: "b3-api-tests".into(), outputs: vec!["sparkq/tests/test_api.py".into()], ..Job::default() };
        let f = Finding {
            file: Some("sparkq/tests/test_api.py".into()),
            line: Some(1),
            error_type: "ModuleNotFoundError".into(),
            message: "No module named 'sparkq.api'".into(),
            ..Finding::default()
        };
        let snippets = gather(&root, &job, Some(&f));
        let titles: Vec<&str> = snippets.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles[0], "sparkq/tests/test_api.py around line 1");
        assert!(snippets[0].code.starts_with("from sparkq.api import handle_enqueue, handle_status"));
        let def = snippets.iter().find(|s| s.title.starts_with("handle_enqueue is defined")).expect("definition found");
        assert_eq!(def.title, "handle_enqueue is defined in sparkq/src/api.py; import it as `from sparkq.src.api import handle_enqueue` (module sparkq.src.api)");
        assert_eq!(def.file, "sparkq/src/api.py");
        assert_eq!(def.line, 5);
        assert!(def.code.starts_with("def handle_enqueue(repo: TaskRepository, body: dict)"));
        assert!(snippets.iter().any(|s| s.title.starts_with("handle_status is defined in sparkq/src/api.py")));
        assert!(snippets
            .iter()
            .any(|s| s.title
                == "`sparkq.api` does not exist; the project has sparkq/src/api.py (module `sparkq.src.api`)"));
        let text = render(&snippets);
        assert!(text.contains("       5 | def handle_enqueue("), "{text}");
    }

    #[test]
    fn syntax_error_shows_the_lines_around_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixtures/notes-joblog");
        let job = Job { id: "b2-1".into(), outputs: vec!["notes/render.py".into()], ..Job::default() };
        let f = Finding {
            file: Some("notes/render.py".into()),
            line: Some(4),
            error_type: "SyntaxError".into(),
            message: "expected ':'".into(),
            ..Finding::default()
        };
        let s = gather(&root, &job, Some(&f));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].file, "notes/render.py");
        assert_eq!(s[0].line, 1);
        assert!(s[0].code.contains("def render(note: Note) -> str"), "{}", s[0].code);
    }

    #[test]
    fn escaping_paths_are_never_read() {
        let job = Job::default();
        let f = Finding {
            file: Some("../../etc/passwd".into()),
            line: Some(1),
            error_type: "SyntaxError".into(),
            ..Finding::default()
        };
        assert!(gather(Path::new("/tmp"), &job, Some(&f)).is_empty());
    }
}
