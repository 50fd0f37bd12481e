//! Discovery (DESIGN.md §4): scan a directory, read every input by its content, merge into one Run.

use super::agent::AgentLog;
use super::codex_session::Session;
use super::joblog::Joblog;
use super::script::Script;
use super::sniff::{sniff, Format};
use super::validation::ValidationReport;
use super::{claude, codex_json, codex_session, codex_text, joblog, merge, script, validation, ParseWarning};
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
/// Text inputs (scripts, reports, joblogs, text logs) up to this size are read whole; a larger
/// one is read as its first [`TEXT_PART`] bytes and as much of its end as fits in the rest,
/// cut at line boundaries, the gap named in a warning (line numbers are kept).
const TEXT_WHOLE: usize = 8 << 20;
const TEXT_PART: usize = 4 << 20;
/// Lines of a text input longer than this are shortened (JSON lines have their strings cut,
/// other lines keep their first [`LINE_KEEP`] bytes), so one huge line never fills memory.
const TEXT_LINE_MAX: usize = 1 << 20;
const LINE_KEEP: usize = 64 << 10;
/// Files at least this big are read under the [`Gate`] ...
const GATED_BYTES: u64 = 1 << 20;
/// ... which lets reads that may hold up to this many bytes in total run at once.
const READ_BUDGET: u64 = 48 << 20;
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
    #[error("{0}: is {1}, not a log file, run.json or directory; give the path of a file or directory")]
    NotAFile(PathBuf, &'static str),
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
    Other {
        text_head: String,
    },
    /// A file of a known format that was not read, and why.
    Skipped {
        reason: String,
    },
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

pub fn load_with_progress(
    path: &Path,
    opts: &LoadOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Run, LoadError> {
    let md = match std::fs::metadata(path) {
        Ok(md) => md,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(LoadError::NotFound(path.to_path_buf())),
        Err(source) => return Err(LoadError::Io { path: path.to_path_buf(), source }),
    };
    // A FIFO would block the read forever, a device never ends: refused by what they are.
    if let Some(kind) = special_kind(&md.file_type()) {
        return Err(LoadError::NotAFile(path.to_path_buf(), kind));
    }
    let path = absolute(path);
    let mut notes: Vec<String> = Vec::new();
    let (root, files) = if md.is_dir() {
        if let Err(source) = std::fs::read_dir(&path) {
            return Err(LoadError::Io { path, source });
        }
        let run_json = path.join("run.json");
        if run_json.is_file() && head_of(&run_json).map(|h| manifest::looks_like(&h)).unwrap_or(false) {
            match manifest::read(&run_json) {
                Ok(run) => return Ok(run),
                // A broken manifest is one warning: the rest of the directory still loads.
                Err(e) => notes.push(manifest_warning("run.json", &e)),
            }
        }
        let mut files = Vec::new();
        let real_root = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let mut walk_ctx = Walk { root: &path, real_root: &real_root, opts, notes: &mut notes };
        walk_ctx.walk(&path, 0, &mut files);
        files.sort();
        (path.clone(), files)
    } else {
        if let Err(source) = open_regular(&path) {
            return Err(LoadError::Io { path, source });
        }
        if head_of(&path).map(|h| manifest::looks_like(&h)).unwrap_or(false) {
            return Ok(manifest::read(&path)?);
        }
        (path.parent().map(Path::to_path_buf).unwrap_or_default(), vec![path.clone()])
    };
    let inputs = read_all(&root, files, opts, progress);
    let mut run = merge::merge(&root, inputs, &opts.generators);
    run.warnings.extend(notes);
    if run.batches.is_empty() {
        return Err(LoadError::Empty(path));
    }
    Ok(run)
}

/// A broken `run.json` as one warning naming the file and line.
fn manifest_warning(rel: &str, e: &manifest::ManifestError) -> String {
    let what = match e {
        manifest::ManifestError::Parse { line, message, .. } => format!("{rel}:{line}: {message}"),
        manifest::ManifestError::Schema { found, .. } => {
            format!("{rel}: schema is {found:?}, expected \"{}\"", manifest::SCHEMA)
        }
        manifest::ManifestError::Read { source, .. } => format!("{rel}: cannot read it: {source}"),
    };
    format!("{what}; this run manifest is not used, the other files of the directory are loaded")
}

/// What a file that is not a regular file or directory is, for messages (`None` for files,
/// directories and symlinks).
fn special_kind(ft: &std::fs::FileType) -> Option<&'static str> {
    use std::os::unix::fs::FileTypeExt;
    if ft.is_fifo() {
        Some("a FIFO (named pipe)")
    } else if ft.is_char_device() {
        Some("a character device")
    } else if ft.is_block_device() {
        Some("a block device")
    } else if ft.is_socket() {
        Some("a socket")
    } else {
        None
    }
}

/// Read `rel` under `root` whole, only if it is a regular file inside the project (a symlink
/// leading out of it, a FIFO or a device is an error saying so, never read or waited on).
pub fn read_inside(root: &Path, rel: &str) -> std::io::Result<Vec<u8>> {
    let path = root.join(rel);
    let real = std::fs::canonicalize(&path)?;
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if !real.starts_with(&real_root) {
        return Err(std::io::Error::other(format!("it is a symlink to {} outside the project", real.display())));
    }
    let mut f = open_regular(&real)?;
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Open a file for reading only if it is a regular file: opened non-blocking (a FIFO swapped
/// in after the scan does not hang the open) and checked on the open descriptor.
fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)?;
    let md = f.metadata()?;
    if !md.is_file() {
        let kind = special_kind(&md.file_type()).unwrap_or("not a regular file");
        return Err(std::io::Error::other(format!("it is {kind}")));
    }
    Ok(f)
}

fn absolute(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(p)).unwrap_or_else(|_| p.to_path_buf())
    };
    manifest::normalize(&abs)
}

/// The scan of a directory: files to read, and a warning for each thing not read that could
/// have held a log (DESIGN.md §4: nothing is dropped silently).
struct Walk<'a> {
    root: &'a Path,
    real_root: &'a Path,
    opts: &'a LoadOptions,
    notes: &'a mut Vec<String>,
}

impl Walk<'_> {
    fn rel(&self, p: &Path) -> String {
        p.strip_prefix(self.root).unwrap_or(p).to_string_lossy().replace('\\', "/")
    }

    /// Files under `dir`, depth first with each directory's entries sorted by name: the
    /// result is in `Path` order already (so the caller's sort has nothing to do).
    fn walk(&mut self, dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                let rel = self.rel(dir);
                self.notes.push(format!(
                    "{}/: cannot read this directory ({e}); the files in it were not loaded",
                    if rel.is_empty() { "." } else { &rel }
                ));
                return;
            }
        };
        let mut entries: Vec<std::fs::DirEntry> = entries.flatten().collect();
        entries.sort_by_cached_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let Ok(ft) = e.file_type() else { continue };
            let name = e.file_name();
            let name = name.to_string_lossy();
            if ft.is_dir() {
                if depth < MAX_DEPTH && !SKIP_DIRS.contains(&name.as_ref()) && name != self.opts.state_dir_name {
                    self.walk(&path, depth + 1, out);
                }
            } else if ft.is_file() {
                if !is_source_code(&name) {
                    out.push(path);
                }
            } else if ft.is_symlink() {
                self.symlink(&path, &name, out);
            } else if let Some(kind) = special_kind(&ft) {
                let rel = self.rel(&path);
                self.notes.push(format!("{rel}: is {kind}, not a file; not read"));
            }
        }
    }

    /// A symlink is read only when it leads to a regular file inside the project.
    fn symlink(&mut self, path: &Path, name: &str, out: &mut Vec<PathBuf>) {
        if is_source_code(name) {
            return;
        }
        let rel = self.rel(path);
        let target = match std::fs::canonicalize(path) {
            Ok(t) => t,
            Err(e) => {
                self.notes.push(format!("{rel}: a symlink that leads nowhere ({e}); not read"));
                return;
            }
        };
        if !target.starts_with(self.real_root) {
            self.notes.push(format!("{rel}: a symlink to {} outside the project; not read", target.display()));
            return;
        }
        match std::fs::metadata(&target) {
            Ok(md) if md.is_file() => out.push(path.to_path_buf()),
            Ok(md) if md.is_dir() => {
                self.notes.push(format!("{rel}: a symlink to a directory; not followed"));
            }
            Ok(md) => {
                let kind = special_kind(&md.file_type()).unwrap_or("not a regular file");
                self.notes.push(format!("{rel}: a symlink to {kind}; not read"));
            }
            Err(e) => self.notes.push(format!("{rel}: cannot read it ({e}); not loaded")),
        }
    }
}

/// Project source files are outputs, never logs: not sniffed.
fn is_source_code(name: &str) -> bool {
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    matches!(
        ext.as_str(),
        "py" | "rs"
            | "ts"
            | "tsx"
            | "js"
            | "jsx"
            | "mjs"
            | "go"
            | "java"
            | "kt"
            | "c"
            | "h"
            | "cc"
            | "cpp"
            | "hpp"
            | "rb"
            | "toml"
            | "lock"
            | "cfg"
            | "ini"
            | "css"
            | "scss"
            | "html"
            | "png"
            | "jpg"
            | "jpeg"
            | "gif"
            | "svg"
            | "ico"
            | "pdf"
            | "zip"
            | "gz"
            | "tar"
            | "pyc"
            | "so"
            | "o"
            | "a"
            | "wasm"
            | "db"
            | "sqlite"
    )
}

fn head_of(path: &Path) -> Option<Vec<u8>> {
    head_of_checked(path).ok()
}

fn head_of_checked(path: &Path) -> std::io::Result<Vec<u8>> {
    let f = open_regular(path)?;
    // Sized by the file, not by the window: most inputs are small, and a zeroed 64 KiB per
    // file was a fifth of a large run's load time in page faults.
    let size = f.metadata().map(|m| m.len()).unwrap_or(SNIFF_BYTES as u64);
    let mut buf = Vec::with_capacity((size.min(SNIFF_BYTES as u64) as usize).saturating_add(1));
    f.take(SNIFF_BYTES as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

/// Read every file, in parallel, keeping the input order.
fn read_all(root: &Path, files: Vec<PathBuf>, opts: &LoadOptions, progress: &(dyn Fn(Progress) + Sync)) -> Vec<Input> {
    let sizes: Vec<u64> = files.iter().map(|f| std::fs::metadata(f).map(|m| m.len()).unwrap_or(0)).collect();
    let total = Progress { files_done: 0, files_total: files.len(), bytes_done: 0, bytes_total: sizes.iter().sum() };
    progress(total);
    let threads = if opts.threads > 0 {
        opts.threads
    } else {
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
    };
    let threads = threads.min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let done = Mutex::new(total);
    let gate = Gate::default();
    let slots: Vec<Mutex<Option<Input>>> = files.iter().map(|_| Mutex::new(None)).collect();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(path) = files.get(i) else { break };
                let rel = path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/");
                let parsed = {
                    let _held = gate.enter(sizes[i]);
                    read_one(path, &rel, sizes[i], &opts.generators)
                };
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

/// Read one file by what its content is.
///
/// `size` is no longer needed (every reader bounds its memory itself) and kept for callers.
pub fn read_one(path: &Path, rel: &str, size: u64, generators: &[String]) -> Parsed {
    let _ = size;
    let head = match head_of_checked(path) {
        Ok(h) => h,
        Err(e) => return Parsed::Skipped { reason: format!("cannot read it ({e}); not loaded") },
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let unreadable = |e: std::io::Error| Parsed::Skipped { reason: format!("cannot read it ({e}); not loaded") };
    // A file named like a script or command list is parsed once, as one: sniffing it would
    // run the same shell reader over it a second time. One that holds no generator call is
    // then sniffed like any other file.
    if let Some(parsed) = read_named_script(path, rel, &name, &head, generators) {
        return parsed;
    }
    let format = sniff(&name, &head, generators);
    if format == Format::CodexJson {
        if is_whole(&head) {
            return Parsed::Agent(codex_json::parse(&head, rel));
        }
        return match open_regular(path) {
            // The reader buffers itself (small at first, growing with the lines).
            Ok(f) => codex_json::read(f, rel).map(Parsed::Agent).unwrap_or_else(unreadable),
            Err(e) => unreadable(e),
        };
    }
    if matches!(format, Format::Manifest | Format::Unknown) {
        return Parsed::Other { text_head: String::from_utf8_lossy(&head).into_owned() };
    }
    // Formats that carry results are read whole, line by line (DESIGN.md §18): never head
    // and tail, which would leave out a failed row or finding in the middle.
    if matches!(format, Format::Joblog | Format::Validation) {
        let read = if is_whole(&head) {
            read_results(format, &head[..], rel)
        } else {
            match open_regular(path) {
                Ok(f) => read_results(format, std::io::BufReader::with_capacity(256 << 10, f), rel),
                Err(e) => Err(e),
            }
        };
        return read.unwrap_or_else(unreadable);
    }
    let (bytes, gap) = match whole_or_bounded(path, head) {
        Ok(r) => r,
        Err(e) => return unreadable(e),
    };
    let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let note = gap.map(|g| g.warning(rel));
    match format {
        Format::Claude => Parsed::Agent(with_note(claude::parse(&text, rel), note, |a| &mut a.warnings)),
        Format::CodexText => Parsed::Agent(with_note(codex_text::parse(&text, rel), note, |a| &mut a.warnings)),
        Format::CodexSession => Parsed::Session(with_note(codex_session::parse(&text, rel), note, |s| &mut s.warnings)),
        Format::Script => {
            Parsed::Script(with_note(script::parse(&text, rel, &name, generators), note, |s| &mut s.warnings))
        }
        Format::CommandList => {
            Parsed::Script(with_note(script::parse_command_list(&text, rel, &name, generators), note, |s| {
                &mut s.warnings
            }))
        }
        _ => Parsed::Other { text_head: String::new() },
    }
}

/// A joblog or validation report, read whole from `reader`.
fn read_results(format: Format, reader: impl std::io::BufRead, rel: &str) -> std::io::Result<Parsed> {
    Ok(match format {
        Format::Joblog => Parsed::Joblog(joblog::read(reader, rel)?),
        _ => Parsed::Validation(validation::read(reader, rel)?),
    })
}

/// The sniffed head is the whole file when it is shorter than the sniff window.
fn is_whole(head: &[u8]) -> bool {
    head.len() < SNIFF_BYTES
}

/// The file's text: the head already read when it is the whole file (most inputs), else the
/// bounded reader. A small file is opened once.
fn whole_or_bounded(path: &Path, head: Vec<u8>) -> std::io::Result<(Vec<u8>, Option<Gap>)> {
    if is_whole(&head) {
        return Ok((head, None));
    }
    read_bounded(path)
}

fn read_named_script(path: &Path, rel: &str, name: &str, head: &[u8], generators: &[String]) -> Option<Parsed> {
    let list = name.ends_with(".cmds");
    if !(list || name.ends_with(".sh") || name.ends_with(".bash")) || head.first() == Some(&b'{') {
        return None;
    }
    let (bytes, gap) = whole_or_bounded(path, head.to_vec()).ok()?;
    let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let parsed = if list {
        script::parse_command_list(&text, rel, name, generators)
    } else {
        script::parse(&text, rel, name, generators)
    };
    let calls =
        parsed.batches.iter().any(|b| !b.calls.is_empty()) || parsed.parallel.iter().any(|p| p.joblog.is_some());
    calls.then(|| Parsed::Script(with_note(parsed, gap.map(|g| g.warning(rel)), |s| &mut s.warnings)))
}

fn with_note<T>(
    mut parsed: T,
    note: Option<ParseWarning>,
    warnings: impl FnOnce(&mut T) -> &mut Vec<ParseWarning>,
) -> T {
    if let Some(n) = note {
        warnings(&mut parsed).push(n);
    }
    parsed
}

/// What [`read_bounded`] left out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Gap {
    /// First line left out (1-based) and how many lines.
    pub first_line: usize,
    pub lines: usize,
    pub bytes: u64,
    /// Lines shortened because they were longer than [`TEXT_LINE_MAX`].
    pub long_lines: usize,
    pub long_bytes: u64,
}

impl Gap {
    fn warning(&self, source: &str) -> ParseWarning {
        let mut parts = Vec::new();
        if self.lines > 0 {
            parts.push(format!(
                "lines {}-{} ({} MiB) in the middle of this large file were not read",
                self.first_line,
                self.first_line + self.lines - 1,
                self.bytes >> 20
            ));
        }
        if self.long_lines > 0 {
            parts.push(format!(
                "{} line(s) over {} MiB were shortened ({} MiB left out)",
                self.long_lines,
                TEXT_LINE_MAX >> 20,
                self.long_bytes >> 20
            ));
        }
        ParseWarning { source: source.to_string(), line: None, message: parts.join("; ") }
    }
}

/// Read a text input holding at most about [`TEXT_WHOLE`] bytes of it, whatever its size:
/// the whole file when it fits, else its first [`TEXT_PART`] bytes and its end, cut at line
/// boundaries, with one line saying what was left out and empty lines standing for the rest
/// of the gap (so line numbers after it stay right, up to [`TEXT_PART`] of them). Lines over
/// [`TEXT_LINE_MAX`] bytes are shortened as they stream by.
pub fn read_bounded(path: &Path) -> std::io::Result<(Vec<u8>, Option<Gap>)> {
    let file = open_regular(path)?;
    // A file no longer than the longest line kept whole needs no line-by-line reading.
    if file.metadata().map(|m| m.len() <= TEXT_LINE_MAX as u64).unwrap_or(false) {
        let mut bytes = Vec::new();
        (&file).read_to_end(&mut bytes)?;
        return Ok((bytes, None));
    }
    let mut reader = std::io::BufReader::with_capacity(256 << 10, file);
    let mut head: Vec<u8> = Vec::new();
    let mut head_full = false;
    // The end of the file: one byte queue (not a Vec per line, whose overhead would be many
    // times a short line), and how many lines it holds.
    let mut tail: std::collections::VecDeque<u8> = std::collections::VecDeque::new();
    let mut tail_lines = 0usize;
    let mut gap = Gap::default();
    let mut line_no = 0usize;
    let mut line = LongLine::default();
    loop {
        let buf = match std::io::BufRead::fill_buf(&mut reader) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let eof = buf.is_empty();
        let (chunk, ended) = match memchr::memchr(b'\n', buf) {
            Some(i) => (&buf[..=i], true),
            None => (buf, eof),
        };
        line.push(chunk);
        let used = chunk.len();
        std::io::BufRead::consume(&mut reader, used);
        if ended {
            let text = std::mem::take(&mut line).finish(&mut gap);
            if !text.is_empty() {
                line_no += 1;
                if !head_full && head.len() + text.len() <= TEXT_PART {
                    head.extend_from_slice(&text);
                } else {
                    head_full = true;
                    tail.extend(text.iter());
                    tail_lines += 1;
                    while tail.len() > TEXT_WHOLE.saturating_sub(head.len()) && tail_lines > 0 {
                        // Drop the oldest line of the tail.
                        let mut dropped = 0u64;
                        while let Some(b) = tail.pop_front() {
                            dropped += 1;
                            if b == b'\n' {
                                break;
                            }
                        }
                        tail_lines -= 1;
                        if gap.lines == 0 {
                            gap.first_line = line_no - tail_lines;
                        }
                        gap.lines += 1;
                        gap.bytes += dropped;
                    }
                }
            }
        }
        if eof {
            break;
        }
    }
    let mut out = head;
    out.reserve_exact(tail.len() + if gap.lines > 0 { 80 + (gap.lines - 1).min(TEXT_PART) } else { 0 });
    if gap.lines > 0 {
        out.extend_from_slice(
            format!("[recover-tui: {} lines ({} bytes) not read here]\n", gap.lines, gap.bytes).as_bytes(),
        );
        out.resize(out.len() + (gap.lines - 1).min(TEXT_PART), b'\n');
    }
    out.extend(tail);
    let noted = gap.lines > 0 || gap.long_lines > 0;
    Ok((out, noted.then_some(gap)))
}

/// One line being read: kept whole up to [`TEXT_LINE_MAX`], then shortened.
#[derive(Default)]
struct LongLine {
    kept: Vec<u8>,
    json: Option<codex_json::Condenser>,
    dropped: u64,
}

impl LongLine {
    fn push(&mut self, bytes: &[u8]) {
        if let Some(c) = self.json.as_mut() {
            c.feed(bytes);
            return;
        }
        if self.dropped > 0 {
            self.dropped += bytes.len() as u64;
            return;
        }
        if self.kept.len() + bytes.len() <= TEXT_LINE_MAX {
            self.kept.extend_from_slice(bytes);
            return;
        }
        if self.kept.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
            let mut c = codex_json::Condenser::default();
            c.feed(&self.kept);
            c.feed(bytes);
            self.kept = Vec::new();
            self.json = Some(c);
        } else {
            self.dropped = (self.kept.len() + bytes.len() - LINE_KEEP) as u64;
            self.kept.truncate(LINE_KEEP);
        }
    }

    /// The line to keep (with its newline when it had one).
    fn finish(self, gap: &mut Gap) -> Vec<u8> {
        let newline = |v: &[u8]| v.last() == Some(&b'\n');
        if let Some(c) = self.json {
            let total = c.total();
            let mut out =
                c.finish().unwrap_or_else(|| format!("[recover-tui: a line of {total} bytes not read]").into_bytes());
            if !newline(&out) {
                out.push(b'\n');
            }
            gap.long_lines += 1;
            gap.long_bytes += total.saturating_sub(out.len() as u64);
            return out;
        }
        if self.dropped == 0 {
            return self.kept;
        }
        let mut out = self.kept;
        gap.long_lines += 1;
        gap.long_bytes += self.dropped;
        out.extend_from_slice(format!(" … [{} bytes cut by recover-tui]\n", self.dropped).as_bytes());
        out
    }
}

/// Lets big reads (files of [`GATED_BYTES`] or more) run at once only while the bytes they
/// may hold stay under [`READ_BUDGET`] (one always runs), so that many threads reading many
/// big files do not multiply the memory a read needs.
#[derive(Default)]
struct Gate {
    in_flight: Mutex<u64>,
    freed: std::sync::Condvar,
}

struct Held<'a> {
    gate: &'a Gate,
    cost: u64,
}

impl Gate {
    fn enter(&self, size: u64) -> Held<'_> {
        if size < GATED_BYTES {
            return Held { gate: self, cost: 0 };
        }
        // What a read may hold: the bounded text (and its parse), or a codex stream's buffers.
        let cost = size.min(3 * TEXT_WHOLE as u64);
        let mut n = self.in_flight.lock().unwrap_or_else(|e| e.into_inner());
        while *n > 0 && *n + cost > READ_BUDGET {
            n = self.freed.wait(n).unwrap_or_else(|e| e.into_inner());
        }
        *n += cost;
        Held { gate: self, cost }
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if self.cost > 0 {
            let mut n = self.gate.in_flight.lock().unwrap_or_else(|e| e.into_inner());
            *n -= self.cost;
            self.gate.freed.notify_all();
        }
    }
}

#[cfg(test)]
mod bounded_tests {
    use super::*;

    fn write(bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("f.txt");
        std::fs::write(&p, bytes).unwrap();
        (d, p)
    }

    #[test]
    fn small_files_are_read_whole() {
        let (_d, p) = write(b"a\nb\n\nlast without newline");
        let (bytes, gap) = read_bounded(&p).unwrap();
        assert_eq!(bytes, b"a\nb\n\nlast without newline");
        assert_eq!(gap, None);
    }

    #[test]
    fn large_files_keep_head_and_tail_and_their_line_numbers() {
        let mut text = String::new();
        let mut n = 0;
        while text.len() < 3 * TEXT_WHOLE {
            n += 1;
            text.push_str(&format!("line {n} {}\n", "x".repeat(90)));
        }
        let (_d, p) = write(text.as_bytes());
        let (bytes, gap) = read_bounded(&p).unwrap();
        let gap = gap.unwrap();
        assert!(bytes.len() <= TEXT_WHOLE + TEXT_PART + 100, "{}", bytes.len());
        let got = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines.len(), n, "one line per original line");
        assert!(lines[0].starts_with("line 1 "));
        assert!(lines[n - 1].starts_with(&format!("line {n} ")));
        assert!(lines[gap.first_line - 2].starts_with(&format!("line {} ", gap.first_line - 1)));
        assert!(lines[gap.first_line - 1].starts_with("[recover-tui: "));
        let after = gap.first_line + gap.lines;
        assert!(lines[after - 1].starts_with(&format!("line {after} ")));
        assert!(gap.warning("f.txt").message.contains("were not read"));
    }

    #[test]
    fn huge_lines_are_shortened_json_ones_still_parse() {
        let big = "y".repeat(3 * TEXT_LINE_MAX);
        let json = format!("{{\"type\":\"result\",\"result\":\"{big}\",\"is_error\":true}}");
        let text = format!("before\n{big}\n{json}\nafter\n");
        let (_d, p) = write(text.as_bytes());
        let (bytes, gap) = read_bounded(&p).unwrap();
        let gap = gap.unwrap();
        assert_eq!(gap.long_lines, 2);
        let got = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = got.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[0], "before");
        assert!(lines[1].len() < LINE_KEEP + 100 && lines[1].ends_with("bytes cut by recover-tui]"));
        let v: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
        assert_eq!(v["is_error"], true);
        assert_eq!(lines[3], "after");
    }
}
