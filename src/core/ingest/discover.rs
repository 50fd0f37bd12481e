//! Discovery (DESIGN.md §4): scan a directory, read every input by its content, merge into one Run.

use super::agent::AgentLog;
use super::codex_session::Session;
use super::joblog::Joblog;
use super::script::Script;
use super::sniff::{sniff, Format};
use super::validation::ValidationReport;
use super::{claude, codex_json, codex_session, codex_text, joblog, merge, script, validation};
use crate::core::manifest;
use crate::core::model::Run;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// Directories never scanned.
const SKIP_DIRS: &[&str] =
    &[".git", "node_modules", "target", ".venv", "venv", "__pycache__", ".mypy_cache", ".pytest_cache", ".tox", ".hg"];
/// Files below this many directories under the scanned one are not looked at.
const MAX_DEPTH: usize = 4;
/// Text inputs (scripts, reports, joblogs) larger than this are not read whole.
const MAX_TEXT_BYTES: u64 = 64 << 20;
/// Bytes read to decide a file's format.
const SNIFF_BYTES: usize = 64 << 10;

#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Program names that count as generators besides `codex` and `claude`.
    pub generators: Vec<String>,
    /// Name of the state directory to skip (`.recover`).
    pub state_dir_name: String,
    /// Worker threads for reading files (0 = the machine's parallelism).
    pub threads: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions { generators: Vec::new(), state_dir_name: ".recover".into(), threads: 0 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0}: no such file or directory")]
    NotFound(PathBuf),
    #[error(transparent)]
    Manifest(#[from] manifest::ManifestError),
    #[error("{0}: found no batch scripts, joblogs, agent logs or run.json to load")]
    Empty(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// Progress of a load, for a UI that shows it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub files_done: usize,
    pub files_total: usize,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// One input file after reading.
#[derive(Debug)]
pub enum Parsed {
    Script(Script),
    Joblog(Joblog),
    Agent(AgentLog),
    Session(Session),
    Validation(ValidationReport),
    /// Empty, unreadable, or not a format we read (prompt files, stderr captures ...).
    Other { text_head: String },
    /// A file of a known format that was not read, and why.
    Skipped { reason: String },
}

/// A file found by the scan: its path relative to the scanned directory and what it holds.
#[derive(Debug)]
pub struct Input {
    pub rel: String,
    pub path: PathBuf,
    pub size: u64,
    pub parsed: Parsed,
}

/// Load PATH: a `run.json`, a directory (scanned and merged), or a single file.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Run, LoadError> {
    load_with_progress(path, opts, &|_| {})
}

pub fn load_with_progress(path: &Path, opts: &LoadOptions, progress: &(dyn Fn(Progress) + Sync)) -> Result<Run, LoadError> {
    if !path.exists() {
        return Err(LoadError::NotFound(path.to_path_buf()));
    }
    let path = absolute(path);
    let (root, files) = if path.is_dir() {
        let run_json = path.join("run.json");
        if run_json.is_file() && head_of(&run_json).map(|h| manifest::looks_like(&h)).unwrap_or(false) {
            return Ok(manifest::read(&run_json)?);
        }
        let mut files = Vec::new();
        walk(&path, 0, opts, &mut files);
        files.sort();
        (path.clone(), files)
    } else {
        if head_of(&path).map(|h| manifest::looks_like(&h)).unwrap_or(false) {
            return Ok(manifest::read(&path)?);
        }
        (path.parent().map(Path::to_path_buf).unwrap_or_default(), vec![path.clone()])
    };
    let inputs = read_all(&root, files, opts, progress);
    let run = merge::merge(&root, inputs, &opts.generators);
    if run.batches.is_empty() {
        return Err(LoadError::Empty(path));
    }
    Ok(run)
}

fn absolute(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() { p.to_path_buf() } else { std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf()) };
    manifest::normalize(&abs)
}

/// Files under `dir`, depth first with each directory's entries sorted by name: the result
/// is in `Path` order already (so the caller's sort has nothing to do).
fn walk(dir: &Path, depth: usize, opts: &LoadOptions, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<std::fs::DirEntry> = entries.flatten().collect();
    entries.sort_by_cached_key(|e| e.file_name());
    for e in entries {
        let Ok(ft) = e.file_type() else { continue };
        let name = e.file_name();
        let name = name.to_string_lossy();
        if ft.is_dir() {
            if depth < MAX_DEPTH && !SKIP_DIRS.contains(&name.as_ref()) && name != opts.state_dir_name {
                walk(&e.path(), depth + 1, opts, out);
            }
        } else if ft.is_file() && !is_source_code(&name) {
            out.push(e.path());
        }
    }
}

/// Project source files are outputs, never logs: not sniffed.
fn is_source_code(name: &str) -> bool {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    matches!(
        ext.as_str(),
        "py" | "rs" | "ts" | "tsx" | "js" | "jsx" | "mjs" | "go" | "java" | "kt" | "c" | "h" | "cc" | "cpp" | "hpp" | "rb"
            | "toml" | "lock" | "cfg" | "ini" | "css" | "scss" | "html" | "png" | "jpg" | "jpeg" | "gif" | "svg" | "ico"
            | "pdf" | "zip" | "gz" | "tar" | "pyc" | "so" | "o" | "a" | "wasm" | "db" | "sqlite"
    )
}

fn head_of(path: &Path) -> Option<Vec<u8>> {
    let mut f = std::fs::File::open(path).ok()?;
    let mut buf = vec![0u8; SNIFF_BYTES];
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(_) => return None,
        }
    }
    buf.truncate(n);
    Some(buf)
}

/// Read every file, in parallel, keeping the input order.
fn read_all(root: &Path, files: Vec<PathBuf>, opts: &LoadOptions, progress: &(dyn Fn(Progress) + Sync)) -> Vec<Input> {
    let sizes: Vec<u64> = files.iter().map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)).collect();
    let total = Progress { files_done: 0, files_total: files.len(), bytes_done: 0, bytes_total: sizes.iter().sum() };
    progress(total);
    let threads = if opts.threads > 0 { opts.threads } else { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) };
    let threads = threads.min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let done = Mutex::new(total);
    let slots: Vec<Mutex<Option<Input>>> = files.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                let rel = path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/");
                let parsed = read_one(path, &rel, sizes[i], &opts.generators);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(Input { rel, path: path.clone(), size: sizes[i], parsed });
                }
                if let Ok(mut d) = done.lock() {
                    d.files_done += 1;
                    d.bytes_done += sizes[i];
                    progress(*d);
                }
            });
        }
    });
    slots.into_iter().filter_map(|m| m.into_inner().ok().flatten()).collect()
}

/// Read one file by what its content is. The file is opened and read once: the head that
/// decides the format is also the start of what the reader parses.
pub fn read_one(path: &Path, rel: &str, size: u64, generators: &[String]) -> Parsed {
    let Ok(mut file) = std::fs::File::open(path) else {
        return Parsed::Other { text_head: String::new() };
    };
    let Some(head) = read_head(&mut file, size) else {
        return Parsed::Other { text_head: String::new() };
    };
    // A head shorter than the sniff window is the whole file.
    let whole = head.len() < SNIFF_BYTES;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let format = sniff(&name, &head, generators);
    let all_bytes = |head: Vec<u8>, mut file: std::fs::File| -> Option<Vec<u8>> {
        if whole {
            return Some(head);
        }
        let mut bytes = head;
        file.read_to_end(&mut bytes).ok()?;
        Some(bytes)
    };
    let whole_text = |head: Vec<u8>, file: std::fs::File| -> Option<String> {
        if size > MAX_TEXT_BYTES {
            return None;
        }
        all_bytes(head, file)
            .map(|b| String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    };
    match format {
        Format::CodexJson => {
            // Stream: the head already read, then the rest of the file.
            let reader = std::io::Cursor::new(head).chain(file);
            codex_json::read(reader, rel).map(Parsed::Agent).unwrap_or(Parsed::Other { text_head: String::new() })
        }
        Format::Claude => whole_text(head, file).map(|t| Parsed::Agent(claude::parse(&t, rel))).unwrap_or(too_big()),
        Format::CodexText => {
            whole_text(head, file).map(|t| Parsed::Agent(codex_text::parse(&t, rel))).unwrap_or(too_big())
        }
        Format::CodexSession => {
            whole_text(head, file).map(|t| Parsed::Session(codex_session::parse(&t, rel))).unwrap_or(too_big())
        }
        Format::Joblog => match all_bytes(head, file) {
            Some(b) => Parsed::Joblog(joblog::parse(&b, rel)),
            None => Parsed::Other { text_head: String::new() },
        },
        Format::Script => whole_text(head, file)
            .map(|t| Parsed::Script(script::parse(&t, rel, &name, generators)))
            .unwrap_or(too_big()),
        Format::CommandList => whole_text(head, file)
            .map(|t| Parsed::Script(script::parse_command_list(&t, rel, &name, generators)))
            .unwrap_or(too_big()),
        Format::Validation => {
            whole_text(head, file).map(|t| Parsed::Validation(validation::parse(&t, rel))).unwrap_or(too_big())
        }
        Format::Manifest | Format::Unknown => Parsed::Other { text_head: String::from_utf8_lossy(&head).into_owned() },
    }
}

/// The first [`SNIFF_BYTES`] of an open file (fewer when it is shorter), leaving the file
/// positioned right after them. The buffer is sized by the file, not by the window.
fn read_head(file: &mut std::fs::File, size: u64) -> Option<Vec<u8>> {
    let cap = (size.min(SNIFF_BYTES as u64) as usize).saturating_add(1).min(SNIFF_BYTES);
    let mut buf = Vec::with_capacity(cap);
    file.by_ref().take(SNIFF_BYTES as u64).read_to_end(&mut buf).ok()?;
    Some(buf)
}

fn too_big() -> Parsed {
    Parsed::Skipped { reason: format!("larger than {} MiB, not read", MAX_TEXT_BYTES >> 20) }
}
