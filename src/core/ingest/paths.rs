//! Paths found in logs -> paths relative to the project root being loaded.
//!
//! Logs record absolute paths of the machine they ran on (`-C /home/luce/apps/sparkqueue`,
//! `file_change` paths, pytest tracebacks). Those are re-based onto the project root: first
//! under the root itself, then under every directory the generators ran in (`-C`, `--cd`, `cd`,
//! session `cwd`), and last by the longest suffix that exists under the root.

use super::ProjectFiles;
use std::path::{Component, Path, PathBuf};

#[derive(Clone, Default)]
pub struct Rebaser<'f> {
    root: PathBuf,
    /// Directories the generators ran in, longest first.
    foreign: Vec<PathBuf>,
    /// Where the longest existing suffix is looked up (none: no suffix is trusted).
    files: Option<&'f dyn ProjectFiles>,
}

impl std::fmt::Debug for Rebaser<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rebaser").field("root", &self.root).field("foreign", &self.foreign).finish_non_exhaustive()
    }
}

impl<'f> Rebaser<'f> {
    /// Re-base by the roots alone (no lookup of suffixes on disk).
    pub fn new(root: &Path) -> Self {
        Rebaser { root: super::super::manifest::normalize(root), foreign: Vec::new(), files: None }
    }

    /// Re-base by the roots, and last by the longest suffix that exists in `files`.
    pub fn with_files(root: &Path, files: &'f dyn ProjectFiles) -> Self {
        Rebaser { files: Some(files), ..Rebaser::new(root) }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Record a directory a generator ran in (absolute; relative ones are the root already).
    pub fn add_foreign_root(&mut self, dir: &str) {
        let dir = dir.trim_end_matches('/');
        // Every call of a wide run names the same directory or two: no allocation for those.
        if self.foreign.iter().any(|f| f.as_os_str() == dir) {
            return;
        }
        let p = PathBuf::from(dir);
        if p.is_absolute() && p != self.root && !self.foreign.contains(&p) {
            self.foreign.push(p);
            self.foreign.sort_by_key(|p| std::cmp::Reverse(p.as_os_str().len()));
        }
    }

    /// The path relative to the root, with `/` separators; `None` when it lies outside the root
    /// (`..` escaping it, an absolute path not under any known root and no suffix of it existing).
    pub fn rel(&self, raw: &str) -> Option<String> {
        let raw = raw.trim();
        if raw.is_empty() || raw.contains('\0') {
            return None;
        }
        let p = Path::new(raw);
        if !p.is_absolute() {
            if is_plain_rel(raw) {
                // Nothing for `lexical_rel` to remove: it would return the text as it is.
                return Some(raw.to_string());
            }
            return lexical_rel(p);
        }
        if let Some(found) = self.rel_plain(raw) {
            return found;
        }
        let p = super::super::manifest::normalize(p);
        if let Ok(r) = p.strip_prefix(&self.root) {
            return lexical_rel(r);
        }
        for f in &self.foreign {
            if let Ok(r) = p.strip_prefix(f) {
                return lexical_rel(r);
            }
        }
        // Longest suffix that exists under the root.
        let comps: Vec<&std::ffi::OsStr> = p
            .components()
            .filter_map(|c| match c {
                Component::Normal(s) => Some(s),
                _ => None,
            })
            .collect();
        // A bare file name is too weak to trust: suffixes keep at least one directory.
        for start in 0..comps.len().saturating_sub(1) {
            let suffix: PathBuf = comps[start..].iter().collect();
            if self.files.is_some_and(|f| f.exists(&self.root.join(&suffix))) {
                return lexical_rel(&suffix);
            }
        }
        None
    }

    /// Fast path of [`Rebaser::rel`] for the common case, decided on the text alone: `raw` is
    /// an absolute path with no empty, `.` or `..` component (so normalizing does not change
    /// it), and so are the root and the foreign roots (so string prefixes at a `/` boundary are
    /// exactly component prefixes). `None` = not decided here (take the general path).
    fn rel_plain(&self, raw: &str) -> Option<Option<String>> {
        if !is_plain_abs(raw) {
            return None;
        }
        for dir in std::iter::once(&self.root).chain(self.foreign.iter()) {
            let d = dir.to_str().filter(|d| is_plain_abs(d))?;
            let Some(rest) = raw.strip_prefix(d) else { continue };
            if rest.is_empty() {
                // The root itself: not a path under it.
                return Some(None);
            }
            let rest = if d == "/" { Some(rest) } else { rest.strip_prefix('/') };
            if let Some(rest) = rest {
                return Some(Some(rest.to_string()));
            }
        }
        None
    }

    /// `rel`, falling back to the raw text (for display) when it cannot be re-based.
    pub fn rel_or_raw(&self, raw: &str) -> String {
        self.rel(raw).unwrap_or_else(|| raw.to_string())
    }
}

/// `/a/b/c` with no empty, `.` or `..` component (`/` itself counts).
fn is_plain_abs(p: &str) -> bool {
    match p.strip_prefix('/') {
        Some("") => true,
        Some(rest) => rest.split('/').all(|c| !c.is_empty() && c != "." && c != ".."),
        None => false,
    }
}

/// `a/b/c` with no empty, `.` or `..` component.
fn is_plain_rel(p: &str) -> bool {
    !p.is_empty() && !p.starts_with('/') && p.split('/').all(|c| !c.is_empty() && c != "." && c != "..")
}

/// A relative path, normalized; `None` if it climbs out with `..`.
fn lexical_rel(p: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::Normal(s) => parts.push(s.to_string_lossy().into_owned()),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

/// Python module form of a path (`sparkq/src/storage.py` -> `sparkq.src.storage`); Rust
/// (`src/lexer.rs` -> `lexer`); `None` for package `__init__` files and other languages.
pub fn module_forms(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(stem) = path.strip_suffix(".py") {
        if !stem.ends_with("__init__") {
            out.push(stem.replace('/', "."));
        }
    } else if let Some(stem) = path.strip_suffix(".rs") {
        let name = stem.rsplit('/').next().unwrap_or(stem);
        if !matches!(name, "mod" | "lib" | "main") {
            out.push(format!("crate::{}", stem.trim_start_matches("src/").replace('/', "::")));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebases_generator_dir_and_keeps_relative() {
        let mut r = Rebaser::new(Path::new("/tmp/x/sparkq-phase6"));
        r.add_foreign_root("/home/luce/apps/sparkqueue");
        assert_eq!(
            r.rel("/home/luce/apps/sparkqueue/sparkq/tests/test_api.py").as_deref(),
            Some("sparkq/tests/test_api.py")
        );
        assert_eq!(r.rel("./sparkq/src/api.py").as_deref(), Some("sparkq/src/api.py"));
        assert_eq!(r.rel("/tmp/x/sparkq-phase6/_build/logs/a.jsonl").as_deref(), Some("_build/logs/a.jsonl"));
    }

    #[test]
    fn plain_fast_path_agrees_with_the_general_one() {
        let mut r = Rebaser::new(Path::new("/tmp/x/sparkq-phase6"));
        r.add_foreign_root("/home/luce/apps/sparkqueue");
        r.add_foreign_root("/home/luce/apps");
        r.add_foreign_root("/srv//odd/./root");
        for raw in [
            "/home/luce/apps/sparkqueue/sparkq/tests/test_api.py",
            "/home/luce/apps/sparkqueue",
            "/home/luce/apps/sparkqueue2/x.py",
            "/home/luce/apps/other/x.py",
            "/tmp/x/sparkq-phase6/_build/logs/a.jsonl",
            "/tmp/x/sparkq-phase6",
            "/tmp/x/sparkq-phase6/../escape",
            "/tmp/x/sparkq-phase6/./a//b",
            "/srv/odd/root/f.py",
            "/etc/passwd",
            "/",
        ] {
            let general = {
                let p = crate::core::manifest::normalize(Path::new(raw));
                let mut found = None;
                let mut decided = false;
                for d in std::iter::once(&r.root).chain(r.foreign.iter()) {
                    if let Ok(rest) = p.strip_prefix(d) {
                        found = lexical_rel(rest);
                        decided = true;
                        break;
                    }
                }
                decided.then_some(found)
            };
            if let Some(fast) = r.rel_plain(raw) {
                assert_eq!(Some(fast), general, "{raw}");
            }
        }
        assert_eq!(r.rel_plain("/home/luce/apps/sparkqueue/a/b.py"), Some(Some("a/b.py".into())));
        for raw in ["a/b.py", "sparkq/src/x.py", "a", "a/./b", "./a", "a//b", "a/", "a/../b", "../a", "a/b/.."] {
            assert_eq!(r.rel(raw), lexical_rel(Path::new(raw)), "{raw}");
        }
    }

    #[test]
    fn refuses_escapes() {
        let r = Rebaser::new(Path::new("/tmp/x/p"));
        assert_eq!(r.rel("../../.bashrc"), None);
        assert_eq!(r.rel("a/../../b"), None);
        assert_eq!(r.rel("/etc/passwd"), None);
        assert_eq!(r.rel("a\0b"), None);
    }

    #[test]
    fn suffix_under_root_is_found() {
        /// A project holding one file.
        struct One(PathBuf);
        impl ProjectFiles for One {
            fn exists(&self, path: &Path) -> bool {
                path == self.0
            }
            fn read_inside(&self, _: &Path, _: &str) -> std::io::Result<Vec<u8>> {
                Ok(Vec::new())
            }
            fn read(&self, _: &Path) -> std::io::Result<Vec<u8>> {
                Ok(Vec::new())
            }
        }
        let files = One(PathBuf::from("/p/root/pkg/tests/t.py"));
        let r = Rebaser::with_files(Path::new("/p/root"), &files);
        assert_eq!(r.rel("/somewhere/else/pkg/tests/t.py").as_deref(), Some("pkg/tests/t.py"));
        // Without the files no suffix is trusted.
        assert_eq!(Rebaser::new(Path::new("/p/root")).rel("/somewhere/else/pkg/tests/t.py"), None);
    }

    #[test]
    fn module_forms_of_python_and_rust() {
        assert_eq!(module_forms("sparkq/src/storage.py"), vec!["sparkq.src.storage"]);
        assert!(module_forms("sparkq/__init__.py").is_empty());
        assert_eq!(module_forms("src/lexer.rs"), vec!["crate::lexer"]);
    }
}
