//! What `core` needs from the disk, read here and handed in as data: the project's files for
//! the recovery prompt's code context, and the template files that override the built-in ones.

use crate::core::context::ProjectFiles;
use crate::core::prompt::Templates;
use std::path::{Path, PathBuf};

/// Bytes of project source read while searching for definitions.
const MAX_SCAN_BYTES: u64 = 32 << 20;
/// Largest file read whole.
const MAX_FILE_BYTES: u64 = 4 << 20;
const SKIP_DIRS: &[&str] =
    &[".git", "node_modules", "target", ".venv", "venv", "__pycache__", ".recover", "_build", "dist", "build"];

/// The project's files on disk, below `root`.
pub struct DiskFiles {
    root: PathBuf,
}

impl DiskFiles {
    pub fn new(root: &Path) -> DiskFiles {
        DiskFiles { root: root.to_path_buf() }
    }
}

impl ProjectFiles for DiskFiles {
    fn read(&self, rel: &str) -> Option<String> {
        if rel.starts_with('/') || rel.split('/').any(|c| c == "..") {
            return None;
        }
        let p = self.root.join(rel);
        let meta = std::fs::metadata(&p).ok()?;
        if meta.len() > MAX_FILE_BYTES {
            return None;
        }
        std::fs::read(p).ok().map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    fn code_files(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut budget = MAX_SCAN_BYTES;
        walk(&self.root, &self.root, 0, &mut out, &mut budget);
        out.sort();
        out
    }
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

/// The built-in templates overridden by the `*.md` files of each directory in turn (the user's
/// config dir, then `.recover/templates/`). Unreadable files are reported, not fatal.
pub fn templates(dirs: &[PathBuf]) -> (Templates, Vec<String>) {
    let mut files = Vec::new();
    let mut warnings = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(dir) else { continue };
        let mut paths: Vec<PathBuf> =
            entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "md")).collect();
        paths.sort();
        for p in paths {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            match std::fs::read(&p) {
                Ok(bytes) => files.push((name, p.display().to_string(), String::from_utf8_lossy(&bytes).into_owned())),
                Err(e) => warnings.push(format!("{}: cannot read template: {e}", p.display())),
            }
        }
    }
    (Templates::with_overrides(files), warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::context::{gather, render};
    use crate::core::model::{Finding, Job};

    fn fixture(name: &str) -> DiskFiles {
        DiskFiles::new(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixtures").join(name))
    }

    #[test]
    fn import_error_finds_where_the_symbols_live() {
        let files = fixture("sparkq-phase6");
        let job = Job { id: "b3-api-tests".into(), outputs: vec!["sparkq/tests/test_api.py".into()], ..Job::default() };
        let f = Finding {
            file: Some("sparkq/tests/test_api.py".into()),
            line: Some(1),
            error_type: "ModuleNotFoundError".into(),
            message: "No module named 'sparkq.api'".into(),
            ..Finding::default()
        };
        let snippets = gather(&files, &job, Some(&f));
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
        let files = fixture("notes-joblog");
        let job = Job { id: "b2-1".into(), outputs: vec!["notes/render.py".into()], ..Job::default() };
        let f = Finding {
            file: Some("notes/render.py".into()),
            line: Some(4),
            error_type: "SyntaxError".into(),
            message: "expected ':'".into(),
            ..Finding::default()
        };
        let s = gather(&files, &job, Some(&f));
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].file, "notes/render.py");
        assert_eq!(s[0].line, 1);
        assert!(s[0].code.contains("def render(note: Note) -> str"), "{}", s[0].code);
    }

    #[test]
    fn files_outside_the_project_are_never_read() {
        let files = DiskFiles::new(Path::new("/tmp"));
        assert_eq!(files.read("../etc/passwd"), None);
        assert_eq!(files.read("/etc/passwd"), None);
    }

    #[test]
    fn a_template_file_overrides_the_built_in_one() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("import.md"), "Fix {{file}}\n").unwrap();
        let (ts, w) = templates(&[d.path().to_path_buf()]);
        assert!(w.is_empty());
        let t = ts.get("import.md").unwrap();
        assert_eq!(t.text, "Fix {{file}}\n");
        assert_eq!(t.origin, d.path().join("import.md").display().to_string());
    }
}
