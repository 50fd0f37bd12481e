//! The scan (DESIGN.md §1, §4): walk the project tree (depth, skips, no symlink out), open
//! each file, and hand it to the reader the registry (`core::ingest::formats`) picks for its
//! first bytes; then merge what they read into one Run. The only part of loading that touches
//! the disk: the readers and the merge are pure.

mod bounded;
mod dirs;
mod files;
mod pages;

pub use bounded::{read_bounded, read_inside, Gap};
pub use files::{Disk, Listed};

use crate::core::ingest::discover::{Input, LoadError, LoadOptions, Progress};
use crate::core::ingest::formats::{self, FileInfo, Format, Parsed, Reading};
use crate::core::ingest::{merge, ParseWarning};
use crate::core::manifest;
use crate::core::model::Run;
use crate::core::par;
use bounded::{open_regular, special_kind, TEXT_WHOLE};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Directories never scanned.
const SKIP_DIRS: &[&str] =
    &[".git", "node_modules", "target", ".venv", "venv", "__pycache__", ".mypy_cache", ".pytest_cache", ".tox", ".hg"];
/// Files below this many directories under the scanned one are not looked at.
const MAX_DEPTH: usize = 4;
/// Files at least this big are read under the [`Gate`] ...
const GATED_BYTES: u64 = 1 << 20;
/// ... which lets reads that may hold up to this many bytes in total run at once.
const READ_BUDGET: u64 = 48 << 20;
/// Bytes read to decide a file's format.
const SNIFF_BYTES: usize = 64 << 10;

/// Load PATH: a `run.json`, a directory (scanned and merged), or a single file.
pub fn load(path: &Path, opts: &LoadOptions) -> Result<Run, LoadError> {
    load_with_progress(path, opts, &|_| {})
}

pub fn load_with_progress(
    path: &Path,
    opts: &LoadOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Run, LoadError> {
    match read_with_progress(path, opts, progress)? {
        Scan::Manifest(run) => Ok(run),
        Scan::Files(files) => files.merge(opts),
    }
}

/// What the first half of a load read: a run manifest's run, or the inputs to merge.
pub enum Scan {
    Manifest(Run),
    Files(ReadFiles),
}

/// Every input read, before the merge (which takes one core while the other is free for
/// other work: the caller compiles the classify rules then).
pub struct ReadFiles {
    path: PathBuf,
    root: PathBuf,
    /// In file order, in the runs the reading threads made them.
    inputs: Vec<Vec<Input>>,
    notes: Vec<String>,
    sources: Vec<PathBuf>,
}

impl ReadFiles {
    /// The second half of a load: the inputs merged into one Run.
    pub fn merge(self, opts: &LoadOptions) -> Result<Run, LoadError> {
        let mut run =
            merge::merge(&self.root, self.inputs.into_iter().flatten(), &opts.generators, &Listed::new(self.sources));
        run.warnings.extend(self.notes);
        if run.batches.is_empty() {
            return Err(LoadError::Empty(self.path));
        }
        Ok(run)
    }
}

/// The first half of a load: PATH walked and every file read.
pub fn read_with_progress(
    path: &Path,
    opts: &LoadOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Scan, LoadError> {
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
    let mut sources = Vec::new();
    let (root, files) = if md.is_dir() {
        if let Err(source) = std::fs::read_dir(&path) {
            return Err(LoadError::Io { path, source });
        }
        let run_json = path.join("run.json");
        if run_json.is_file() && head_of(&run_json).map(|h| manifest::looks_like(&h)).unwrap_or(false) {
            match read_manifest(&run_json) {
                Ok(run) => return Ok(Scan::Manifest(run)),
                // A broken manifest is one warning: the rest of the directory still loads.
                Err(e) => notes.push(manifest_warning("run.json", &e)),
            }
        }
        let real_root = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let found = walk_tree(&path, &real_root, opts);
        let mut files = found.files;
        if files.len() >= pages::WIDE_LOAD_FILES {
            pages::prefer_large_pages();
        }
        notes.extend(found.notes);
        sources = found.sources;
        files.sort();
        (path.clone(), files)
    } else {
        if let Err(source) = open_regular(&path) {
            return Err(LoadError::Io { path, source });
        }
        if head_of(&path).map(|h| manifest::looks_like(&h)).unwrap_or(false) {
            return Ok(Scan::Manifest(read_manifest(&path)?));
        }
        // One log is one job of the project it was run in: the current directory, never the
        // log's folder (DESIGN.md §14).
        (project_root_of_file(&path), vec![path.clone()])
    };
    let inputs = read_all(&root, files, opts, progress);
    Ok(Scan::Files(ReadFiles { path, root, inputs, notes, sources }))
}

/// The project root a single log file belongs to: the current directory (falling back to
/// the file's folder only when there is none).
fn project_root_of_file(path: &Path) -> PathBuf {
    match std::env::current_dir() {
        Ok(d) => manifest::normalize(&d),
        Err(_) => path.parent().map(Path::to_path_buf).unwrap_or_default(),
    }
}

/// PATH names a run manifest (`run.json`, by its content): its directory is its project.
pub fn is_manifest_file(path: &Path) -> bool {
    path.is_file() && head_of(path).is_some_and(|h| manifest::looks_like(&h))
}

/// Read a manifest file. Relative paths (project_root, prompt_file) are relative to its directory.
pub fn read_manifest(path: &Path) -> Result<Run, manifest::ManifestError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| manifest::ManifestError::Read { path: path.into(), source })?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    manifest::parse(&text, path, &dir, &Disk)
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
    found: Found,
}

/// What a walk (or one stretch of it) found, in walk order.
#[derive(Default)]
struct Found {
    files: Vec<PathBuf>,
    notes: Vec<String>,
    /// Project source files seen (not read): the outputs the merge will look for.
    sources: Vec<PathBuf>,
}

impl Found {
    fn append(&mut self, mut other: Found) {
        self.files.append(&mut other.files);
        self.notes.append(&mut other.notes);
        self.sources.append(&mut other.sources);
    }
}

/// Walk the tree under `root`: its own entries here, each of its subdirectories on a thread
/// of its own (a wide run is tens of thousands of entries), put back in walk order.
fn walk_tree(root: &Path, real_root: &Path, opts: &LoadOptions) -> Found {
    let mut top = Walk { root, real_root, opts, found: Found::default() };
    // The top directory's findings with a gap for each subdirectory, filled in afterwards.
    let mut stretches: Vec<Found> = Vec::new();
    let mut subdirs: Vec<PathBuf> = Vec::new();
    top.entries(root, 0, &mut |w, sub| {
        stretches.push(std::mem::take(&mut w.found));
        subdirs.push(sub.to_path_buf());
    });
    stretches.push(top.found);
    let mut walked = par::map_in_order(par::cores(), &subdirs, |sub| {
        let mut w = Walk { root, real_root, opts, found: Found::default() };
        w.walk(sub, 1);
        w.found
    })
    .into_iter();
    let mut all = Found::default();
    for stretch in stretches {
        all.append(stretch);
        if let Some(sub) = walked.next() {
            all.append(sub);
        }
    }
    all
}

impl Walk<'_> {
    fn rel(&self, p: &Path) -> String {
        p.strip_prefix(self.root).unwrap_or(p).to_string_lossy().replace('\\', "/")
    }

    /// Files under `dir`, depth first with each directory's entries sorted by name: the
    /// result is in `Path` order already (so the caller's sort has nothing to do).
    fn walk(&mut self, dir: &Path, depth: usize) {
        self.entries(dir, depth, &mut |w, sub| w.walk(sub, depth + 1));
    }

    /// The entries of `dir`, sorted by name; `on_dir` is given each subdirectory to walk.
    fn entries(&mut self, dir: &Path, depth: usize, on_dir: &mut dyn FnMut(&mut Self, &Path)) {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                let rel = self.rel(dir);
                self.found.notes.push(format!(
                    "{}/: cannot read this directory ({e}); the files in it were not loaded",
                    if rel.is_empty() { "." } else { &rel }
                ));
                return;
            }
        };
        // Each entry's name is made once: to sort by and to look at.
        let mut entries: Vec<(std::ffi::OsString, std::fs::DirEntry)> =
            entries.flatten().map(|e| (e.file_name(), e)).collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        for (name, e) in entries {
            let path = e.path();
            let Ok(ft) = e.file_type() else { continue };
            let name = name.to_string_lossy();
            if ft.is_dir() {
                if depth < MAX_DEPTH && !SKIP_DIRS.contains(&name.as_ref()) && name != self.opts.state_dir_name {
                    on_dir(self, &path);
                }
            } else if ft.is_file() {
                if is_source_code(&name) {
                    self.found.sources.push(path);
                } else {
                    self.found.files.push(path);
                }
            } else if ft.is_symlink() {
                self.symlink(&path, &name);
            } else if let Some(kind) = special_kind(&ft) {
                let rel = self.rel(&path);
                self.found.notes.push(format!("{rel}: is {kind}, not a file; not read"));
            }
        }
    }

    /// A symlink is read only when it leads to a regular file inside the project.
    fn symlink(&mut self, path: &Path, name: &str) {
        if is_source_code(name) {
            return;
        }
        let rel = self.rel(path);
        let target = match std::fs::canonicalize(path) {
            Ok(t) => t,
            Err(e) => {
                self.found.notes.push(format!("{rel}: a symlink that leads nowhere ({e}); not read"));
                return;
            }
        };
        if !target.starts_with(self.real_root) {
            self.found.notes.push(format!("{rel}: a symlink to {} outside the project; not read", target.display()));
            return;
        }
        match std::fs::metadata(&target) {
            Ok(md) if md.is_file() => self.found.files.push(path.to_path_buf()),
            Ok(md) if md.is_dir() => {
                self.found.notes.push(format!("{rel}: a symlink to a directory; not followed"));
            }
            Ok(md) => {
                let kind = special_kind(&md.file_type()).unwrap_or("not a regular file");
                self.found.notes.push(format!("{rel}: a symlink to {kind}; not read"));
            }
            Err(e) => self.found.notes.push(format!("{rel}: cannot read it ({e}); not loaded")),
        }
    }
}

/// Project source files are outputs, never logs: not sniffed.
fn is_source_code(name: &str) -> bool {
    let Some((_, ext)) = name.rsplit_once('.') else { return false };
    SOURCE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext))
}

/// Extensions of [`is_source_code`] (any case).
const SOURCE_EXTENSIONS: &[&str] = &[
    "py", "rs", "ts", "tsx", "js", "jsx", "mjs", "go", "java", "kt", "c", "h", "cc", "cpp", "hpp", "rb", "toml",
    "lock", "cfg", "ini", "css", "scss", "html", "png", "jpg", "jpeg", "gif", "svg", "ico", "pdf", "zip", "gz", "tar",
    "pyc", "so", "o", "a", "wasm", "db", "sqlite",
];

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

/// Read every file, in parallel, keeping the input order: first every file's size (one
/// `statx` each, on every core, so the progress knows the total), then the files themselves.
fn read_all(
    root: &Path,
    files: Vec<PathBuf>,
    opts: &LoadOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Vec<Vec<Input>> {
    let threads = if opts.threads > 0 { opts.threads } else { par::cores() };
    let dirs = dirs::Dirs::open(&files);
    let indices: Vec<usize> = (0..files.len()).collect();
    let sizes: Vec<Option<u64>> = par::map_in_order(threads, &indices, |&i| dirs.size(i, &files[i]));
    let total =
        Progress { files_done: 0, files_total: files.len(), bytes_done: 0, bytes_total: sizes.iter().flatten().sum() };
    progress(total);
    let done = Mutex::new(total);
    let gate = Gate::default();
    par::map_in_order_chunks(threads, &indices, |&i| {
        let path = &files[i];
        let size = sizes[i].unwrap_or(0);
        let rel = path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/");
        let parsed = {
            let _held = gate.enter(size);
            let head = match sizes[i] {
                Some(size) => head_of_sized(|| dirs.open_file(i, path), size),
                None => head_of_checked(path),
            };
            read_from_head(path, &rel, head, &opts.generators)
        };
        if let Ok(mut d) = done.lock() {
            d.files_done += 1;
            d.bytes_done += size;
            progress(*d);
        }
        Input { rel, parsed }
    })
}

/// Read one file by what its content is: the registry picks the reader, the reader reads
/// the stream it is given (results and event streams whole, text bounded; see [`Reading`]).
pub fn read_one(path: &Path, rel: &str, generators: &[String]) -> Parsed {
    read_from_head(path, rel, head_of_checked(path), generators)
}

/// [`read_one`], the file's first bytes already read (or the error reading them).
fn read_from_head(path: &Path, rel: &str, head: std::io::Result<Vec<u8>>, generators: &[String]) -> Parsed {
    let unreadable = |e: std::io::Error| Parsed::Skipped { reason: format!("cannot read it ({e}); not loaded") };
    let head = match head {
        Ok(h) => h,
        Err(e) => return unreadable(e),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let file = FileInfo { rel, name: &name, generators };
    // A file named like a script or command list is parsed once, as one: sniffing it would
    // run the same shell reader over it a second time. One that holds no generator call is
    // then sniffed like any other file.
    if let Some(parsed) = read_named_script(path, &file, &head) {
        return parsed;
    }
    let Some(reader) = formats::sniff_reader(&head, &file) else {
        return Parsed::Other { text_head: crate::core::ingest::text(&head).into_owned() };
    };
    if reader.format() == Format::Manifest {
        return Parsed::Other { text_head: crate::core::ingest::text(&head).into_owned() };
    }
    let read = match reader.reading() {
        // Formats that carry results are read whole, line by line (DESIGN.md §18): never head
        // and tail, which would leave out a failed row or finding in the middle.
        Reading::Stream if is_whole(&head) => reader.read_bytes(&head, &file),
        Reading::Stream => {
            open_regular(path).and_then(|f| reader.read(&mut std::io::BufReader::with_capacity(256 << 10, f), &file))
        }
        Reading::Text => whole_or_bounded(path, head).and_then(|(bytes, gap)| {
            let parsed = reader.read_bytes(&bytes, &file)?;
            Ok(with_note(parsed, gap.map(|g| g.warning(rel))))
        }),
    };
    read.unwrap_or_else(unreadable)
}

/// The first [`SNIFF_BYTES`] of a file a `stat` found regular and `size` bytes long. Empty:
/// nothing to open. Else one `read` of what the `stat` said, without a second `stat` or a
/// read to see the end: most inputs are a few KiB, and two of the six system calls a file
/// cost were those. A file that is not what the `stat` said (swapped for a pipe or a device
/// since) is opened without blocking and read no further than this window here; anything
/// read beyond it goes through [`open_regular`], which checks the file again.
fn head_of_sized(open: impl FnOnce() -> std::io::Result<std::fs::File>, size: u64) -> std::io::Result<Vec<u8>> {
    if size == 0 {
        return Ok(Vec::new());
    }
    let mut f = open()?;
    let want = size.min(SNIFF_BYTES as u64) as usize;
    let mut buf = vec![0u8; want];
    let mut filled = 0;
    while filled < want {
        match f.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    // All of what the `stat` said, and less than the window: that is the whole file.
    if filled == want && want < SNIFF_BYTES {
        return Ok(buf);
    }
    // Bigger than the window (or not the size it said): the rest of the window, as before.
    let mut rest = Vec::new();
    (&mut f).take((SNIFF_BYTES - filled) as u64).read_to_end(&mut rest)?;
    buf.extend_from_slice(&rest);
    Ok(buf)
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

fn read_named_script(path: &Path, file: &FileInfo<'_>, head: &[u8]) -> Option<Parsed> {
    let list = file.name.ends_with(".cmds");
    if !(list || file.name.ends_with(".sh") || file.name.ends_with(".bash")) || head.first() == Some(&b'{') {
        return None;
    }
    let format = if list { Format::CommandList } else { Format::Script };
    let (bytes, gap) = whole_or_bounded(path, head.to_vec()).ok()?;
    let parsed = formats::reader(format)?.read_bytes(&bytes, file).ok()?;
    let Parsed::Script(script) = &parsed else { return None };
    let calls =
        script.batches.iter().any(|b| !b.calls.is_empty()) || script.parallel.iter().any(|p| p.joblog.is_some());
    calls.then(|| with_note(parsed, gap.map(|g| g.warning(file.rel))))
}

fn with_note(mut parsed: Parsed, note: Option<ParseWarning>) -> Parsed {
    if let (Some(n), Some(w)) = (note, parsed.warnings_mut()) {
        w.push(n);
    }
    parsed
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
