//! Diffs of file contents (with `similar`): snapshot vs current, snapshot vs snapshot.
//!
//! Text gives a unified diff with hunk headers (`@@ -12,7 +12,8 @@`); a side with a NUL in its
//! first 8 KiB or that is not UTF-8 gives [`FileDiff::Binary`]; inputs over 50 MB, or a diff that
//! runs past its deadline, give a [`FileDiff::Summary`] instead of stalling.

use super::snapshot::{self, SnapshotFile, SnapshotManifest};
use super::{paths, Result, StateDir, StoreError};
use serde::Serialize;
use similar::{Algorithm, ChangeTag, DiffOp};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Inputs larger than this are summarized, not diffed.
pub const MAX_DIFF_BYTES: u64 = 50 * 1024 * 1024;
/// Per-file deadline used by [`diff_snapshot_vs_current`] and [`diff_snapshots`].
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(1);
const BINARY_SNIFF: usize = 8 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FileDiff {
    /// Unified diff text (empty when the contents are equal).
    Text {
        unified: String,
        added: usize,
        removed: usize,
    },
    Binary {
        old_size: u64,
        new_size: u64,
        changed: bool,
    },
    /// Too large or too slow to diff line by line.
    Summary {
        old_lines: usize,
        new_lines: usize,
        changed: bool,
    },
}

impl FileDiff {
    pub fn changed(&self) -> bool {
        match self {
            FileDiff::Text { added, removed, .. } => *added > 0 || *removed > 0,
            FileDiff::Binary { changed, .. } | FileDiff::Summary { changed, .. } => *changed,
        }
    }
}

/// Diff two byte strings.
pub fn diff_bytes(old: &[u8], new: &[u8], old_name: &str, new_name: &str, deadline: Duration) -> FileDiff {
    let changed = old != new;
    let binary = is_binary(old) || is_binary(new);
    if old.len() as u64 > MAX_DIFF_BYTES || new.len() as u64 > MAX_DIFF_BYTES {
        return if binary {
            FileDiff::Binary { old_size: old.len() as u64, new_size: new.len() as u64, changed }
        } else {
            FileDiff::Summary { old_lines: count_lines(old), new_lines: count_lines(new), changed }
        };
    }
    let (Ok(old_s), Ok(new_s), false) = (std::str::from_utf8(old), std::str::from_utf8(new), binary) else {
        return FileDiff::Binary { old_size: old.len() as u64, new_size: new.len() as u64, changed };
    };
    if !changed {
        return FileDiff::Text { unified: String::new(), added: 0, removed: 0 };
    }
    let start = Instant::now();
    let until = start.checked_add(deadline);
    // Lines as similar's `diff_lines` cuts them, each replaced by a number (equal lines, equal
    // numbers): Myers then compares integers, and the lines are hashed once, with a fast hash.
    let (old_lines, new_lines) = (lines_of(old_s), lines_of(new_s));
    let (old_ids, new_ids) = intern(&old_lines, &new_lines);
    let ops = similar::capture_diff_slices_deadline(Algorithm::Myers, &old_ids, &new_ids, until);
    if until.is_some_and(|u| Instant::now() >= u) {
        return FileDiff::Summary { old_lines: count_lines(old), new_lines: count_lines(new), changed };
    }
    let (mut added, mut removed) = (0, 0);
    for op in &ops {
        match *op {
            DiffOp::Insert { new_len, .. } => added += new_len,
            DiffOp::Delete { old_len, .. } => removed += old_len,
            DiffOp::Replace { old_len, new_len, .. } => {
                added += new_len;
                removed += old_len;
            }
            DiffOp::Equal { .. } => {}
        }
    }
    let unified = unified(ops, &old_lines, &new_lines, old_name, new_name);
    FileDiff::Text { unified, added, removed }
}

/// Lines with their terminators (`\n`, `\r\n` or a lone `\r`), the last one possibly without:
/// the tokens of similar's `diff_lines`.
fn lines_of(text: &str) -> Vec<&str> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(memchr::memchr_iter(b'\n', b).count() + 1);
    let mut start = 0;
    let mut i = 0;
    while let Some(k) = memchr::memchr2(b'\n', b'\r', &b[i..]) {
        let at = i + k;
        let end = if b[at] == b'\r' && b.get(at + 1) == Some(&b'\n') { at + 2 } else { at + 1 };
        out.push(&text[start..end]);
        start = end;
        i = end;
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

/// Number every distinct line (same text, same number). An open-addressing table of
/// `(hash, number)` pairs, 8 bytes a slot: much smaller than a map of `&str` keys, which
/// matters when a side has 100,000 lines (the table is probed once per line, at random).
fn intern<'a>(old: &[&'a str], new: &[&'a str]) -> (Vec<u32>, Vec<u32>) {
    let n = old.len() + new.len();
    let cap = (n * 2).next_power_of_two().max(16);
    let bits = cap.trailing_zeros();
    const EMPTY: u64 = u64::MAX;
    let mut slots = vec![EMPTY; cap];
    // Number -> the first line that got it.
    let mut lines: Vec<&'a str> = Vec::with_capacity(n.min(1 << 16));
    let mut id_of = |line: &'a str| -> u32 {
        let mut h = LineHasher::default();
        h.write(line.as_bytes());
        let h = h.finish();
        let tag = h & 0xffff_ffff_0000_0000;
        let mut i = (h >> (64 - bits)) as usize;
        loop {
            let slot = slots[i];
            if slot == EMPTY {
                let id = lines.len() as u32;
                lines.push(line);
                slots[i] = tag | u64::from(id);
                return id;
            }
            if slot & 0xffff_ffff_0000_0000 == tag && lines[(slot & 0xffff_ffff) as usize] == line {
                return slot as u32;
            }
            i = (i + 1) & (cap - 1);
        }
    };
    let o = old.iter().map(|&l| id_of(l)).collect();
    let n = new.iter().map(|&l| id_of(l)).collect();
    (o, n)
}

/// A fast multiplicative hash of lines (FxHash's mixing, 8 bytes at a time). Lines come from
/// the user's own project files, so resistance to crafted collisions is not needed here.
#[derive(Default)]
struct LineHasher(u64);

impl LineHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// The unified diff of `ops` with 3 lines of context, written as similar's `unified_diff()`
/// writes it (`missing_newline_hint(true)`, the header before the first hunk only).
fn unified(ops: Vec<DiffOp>, old: &[&str], new: &[&str], old_name: &str, new_name: &str) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for group in similar::group_diff_ops(ops, 3).into_iter().filter(|g| !g.is_empty()) {
        if out.is_empty() {
            let _ = writeln!(out, "--- {old_name}\n+++ {new_name}");
        }
        let (Some(first), Some(last)) = (group.first(), group.last()) else { continue };
        let range = |start: usize, end: usize| {
            let len = end.saturating_sub(start);
            match len {
                1 => format!("{}", start + 1),
                0 => format!("{start},0"),
                _ => format!("{},{len}", start + 1),
            }
        };
        let _ = writeln!(
            out,
            "@@ -{} +{} @@",
            range(first.old_range().start, last.old_range().end),
            range(first.new_range().start, last.new_range().end)
        );
        for op in &group {
            for change in op.iter_changes(old, new) {
                out.push_str(match change.tag() {
                    ChangeTag::Equal => " ",
                    ChangeTag::Delete => "-",
                    ChangeTag::Insert => "+",
                });
                out.push_str(change.value());
                if change.missing_newline() {
                    out.push_str("\n\\ No newline at end of file\n");
                }
            }
        }
    }
    out
}

/// NUL in the first 8 KiB, or not UTF-8.
pub fn is_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(BINARY_SNIFF)]).is_some() || std::str::from_utf8(bytes).is_err()
}

fn count_lines(bytes: &[u8]) -> usize {
    let n = memchr::memchr_iter(b'\n', bytes).count();
    if bytes.last().is_some_and(|b| *b != b'\n') {
        n + 1
    } else {
        n
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Added,
    Removed,
    Modified,
}

/// The diff of one path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathDiff {
    pub path: String,
    pub change: Change,
    pub diff: FileDiff,
    /// E.g. "not in the snapshot (compared with empty)", "mode 0644 -> 0755".
    pub note: Option<String>,
}

/// Files changed and lines added/removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DiffStat {
    pub files_changed: usize,
    pub added: usize,
    pub removed: usize,
}

impl std::fmt::Display for DiffStat {
    /// `2 files changed, +10 -3`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = if self.files_changed == 1 { "" } else { "s" };
        write!(f, "{} file{s} changed, +{} -{}", self.files_changed, self.added, self.removed)
    }
}

/// What a set of diffs adds up to (binary and summarized files count as changed files only).
pub fn stat(diffs: &[PathDiff]) -> DiffStat {
    let mut s = DiffStat::default();
    for d in diffs {
        s.files_changed += 1;
        if let FileDiff::Text { added, removed, .. } = d.diff {
            s.added += added;
            s.removed += removed;
        }
    }
    s
}

/// One side of a comparison.
enum Side {
    /// A snapshot blob (verified when read).
    Blob(SnapshotFile),
    /// A file in the project now.
    Disk { full: PathBuf, size: u64, mode: u32 },
    /// Absent, with why.
    Absent(&'static str),
}

/// Snapshot `id` vs the project now: every path it recorded plus files now present under the
/// paths it was taken of. Only changed paths are returned, sorted.
pub fn diff_snapshot_vs_current(sd: &StateDir, id: &str, only: Option<&[String]>) -> Result<Vec<PathDiff>> {
    let m = snapshot::load(sd, id)?;
    let mut old: BTreeMap<String, (String, Side)> = BTreeMap::new();
    let mut inputs: Vec<snapshot::Input> = m.roots.iter().map(|r| (r.clone(), paths::normalize(r))).collect();
    for f in &m.files {
        let side = if f.sha256.is_some() { Side::Blob(f.clone()) } else { Side::Absent("missing in the snapshot") };
        old.insert(f.key(), (f.path.clone(), side));
        inputs.push((f.path.clone(), f.rel_path()));
    }
    let collected = snapshot::collect(sd, inputs);
    let mut new: BTreeMap<String, (String, Side)> = BTreeMap::new();
    for e in collected.entries {
        let (path, hex) = paths::to_record(&e.rel);
        let key = hex.map(|h| format!("\u{0}{h}")).unwrap_or_else(|| path.clone());
        let side = match &e.meta {
            Some(md) => Side::Disk { full: e.full.clone(), size: md.len(), mode: mode_of(md) },
            None => Side::Absent("missing now"),
        };
        new.insert(key, (path, side));
    }
    compare(sd, old, new, only, "not in the snapshot", "not found now")
}

/// Snapshot `a` vs snapshot `b`. Only changed paths are returned, sorted.
pub fn diff_snapshots(sd: &StateDir, a: &str, b: &str, only: Option<&[String]>) -> Result<Vec<PathDiff>> {
    let ma = snapshot::load(sd, a)?;
    let mb = snapshot::load(sd, b)?;
    compare(sd, sides(&ma), sides(&mb), only, "not in the first snapshot", "not in the second snapshot")
}

fn sides(m: &SnapshotManifest) -> BTreeMap<String, (String, Side)> {
    m.files
        .iter()
        .map(|f| {
            let side = if f.sha256.is_some() { Side::Blob(f.clone()) } else { Side::Absent("missing in the snapshot") };
            (f.key(), (f.path.clone(), side))
        })
        .collect()
}

fn compare(
    sd: &StateDir,
    old: BTreeMap<String, (String, Side)>,
    mut new: BTreeMap<String, (String, Side)>,
    only: Option<&[String]>,
    not_in_old: &'static str,
    not_in_new: &'static str,
) -> Result<Vec<PathDiff>> {
    let mut pairs: Vec<(String, Side, Side)> = Vec::new();
    for (key, (path, o)) in old {
        let n = new.remove(&key).map(|(_, s)| s).unwrap_or(Side::Absent(not_in_new));
        pairs.push((path, o, n));
    }
    for (_, (path, n)) in new {
        pairs.push((path, Side::Absent(not_in_old), n));
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (path, o, n) in pairs {
        if !selected(&path, only) {
            continue;
        }
        if let Some(d) = diff_pair(sd, &path, &o, &n)? {
            out.push(d);
        }
    }
    Ok(out)
}

fn selected(path: &str, only: Option<&[String]>) -> bool {
    let Some(only) = only else { return true };
    only.iter().any(|o| {
        let o = o.trim_start_matches("./").trim_end_matches('/');
        o.is_empty() || o == "." || path == o || path.strip_prefix(o).is_some_and(|rest| rest.starts_with('/'))
    })
}

fn diff_pair(sd: &StateDir, path: &str, old: &Side, new: &Side) -> Result<Option<PathDiff>> {
    let (change, note) = match (old, new) {
        (Side::Absent(_), Side::Absent(_)) => return Ok(None),
        (Side::Absent(why), _) => (Change::Added, Some(format!("{why} (compared with empty)"))),
        (_, Side::Absent(why)) => (Change::Removed, Some(format!("{why} (compared with empty)"))),
        _ => (Change::Modified, None),
    };
    let (old_sha, old_size, old_mode) = side_facts(sd, old)?;
    let (new_sha, new_size, new_mode) = side_facts(sd, new)?;
    let mut note = note;
    if change == Change::Modified {
        if old_sha == new_sha && old_mode == new_mode {
            return Ok(None);
        }
        if old_mode != new_mode {
            note = Some(format!("mode {old_mode:04o} -> {new_mode:04o}"));
        }
    }
    let old_name = if matches!(old, Side::Absent(_)) { "/dev/null".to_string() } else { format!("a/{path}") };
    let new_name = if matches!(new, Side::Absent(_)) { "/dev/null".to_string() } else { format!("b/{path}") };
    let diff = if old_size > MAX_DIFF_BYTES || new_size > MAX_DIFF_BYTES {
        let (ol, ob) = stream_facts(sd, old)?;
        let (nl, nb) = stream_facts(sd, new)?;
        if ob || nb {
            FileDiff::Binary { old_size, new_size, changed: old_sha != new_sha }
        } else {
            FileDiff::Summary { old_lines: ol, new_lines: nl, changed: old_sha != new_sha }
        }
    } else {
        let o = side_bytes(sd, old)?;
        let n = side_bytes(sd, new)?;
        diff_bytes(&o, &n, &old_name, &new_name, DEFAULT_DEADLINE)
    };
    Ok(Some(PathDiff { path: path.to_string(), change, diff, note }))
}

/// (sha256, size, mode) of a side; absent = hash of nothing.
fn side_facts(_sd: &StateDir, side: &Side) -> Result<(String, u64, u32)> {
    match side {
        Side::Blob(f) => Ok((f.sha256.clone().unwrap_or_default(), f.size, f.mode)),
        Side::Disk { full, size, mode } => {
            let (sha, _, _) = std::fs::File::open(full).and_then(scan).map_err(|e| StoreError::io(full, e))?;
            Ok((sha, *size, *mode))
        }
        Side::Absent(_) => Ok((snapshot::sha256_hex(b""), 0, 0)),
    }
}

fn side_bytes(sd: &StateDir, side: &Side) -> Result<Vec<u8>> {
    match side {
        Side::Blob(f) => Ok(snapshot::read_blob(sd, f)?.unwrap_or_default()),
        Side::Disk { full, .. } => std::fs::read(full).map_err(|e| StoreError::io(full, e)),
        Side::Absent(_) => Ok(Vec::new()),
    }
}

/// (lines, binary) of a large side, read in a stream.
fn stream_facts(sd: &StateDir, side: &Side) -> Result<(usize, bool)> {
    let (p, file) = match side {
        Side::Blob(f) => {
            let sha = f.sha256.as_deref().unwrap_or_default();
            (snapshot::blob_path(sd, sha), snapshot::open_blob(sd, sha))
        }
        Side::Disk { full, .. } => (full.clone(), std::fs::File::open(full)),
        Side::Absent(_) => return Ok((0, false)),
    };
    let (_, lines, binary) = file.and_then(scan).map_err(|e| StoreError::io(&p, e))?;
    Ok((lines, binary))
}

/// Stream a file: (sha256, lines, NUL in the first 8 KiB).
fn scan(mut f: std::fs::File) -> std::io::Result<(String, usize, bool)> {
    let (mut lines, mut first, mut last, mut binary) = (0usize, true, b'\n', false);
    let (hash, _) = paths::hash_stream(
        &mut f,
        |chunk: &[u8]| {
            if first {
                binary = memchr::memchr(0, &chunk[..chunk.len().min(BINARY_SNIFF)]).is_some();
                first = false;
            }
            lines += memchr::memchr_iter(b'\n', chunk).count();
            if let Some(b) = chunk.last() {
                last = *b;
            }
            Ok::<(), std::io::Error>(())
        },
        |e| e,
    )?;
    if last != b'\n' {
        lines += 1;
    }
    Ok((hash, lines, binary))
}

fn mode_of(md: &std::fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        md.permissions().mode() & 0o7777
    }
    #[cfg(not(unix))]
    {
        if md.permissions().readonly() {
            0o444
        } else {
            0o644
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::snapshot::tests::fixture;

    const LONG: Duration = Duration::from_secs(30);

    /// How the diff was made before lines were interned: similar's own text diff.
    fn reference(old: &str, new: &str) -> (String, usize, usize) {
        let diff = similar::TextDiff::configure().algorithm(Algorithm::Myers).diff_lines(old, new);
        let (mut added, mut removed) = (0, 0);
        for op in diff.ops() {
            added += op.new_range().len() * usize::from(!matches!(op, DiffOp::Delete { .. } | DiffOp::Equal { .. }));
            removed += op.old_range().len() * usize::from(!matches!(op, DiffOp::Insert { .. } | DiffOp::Equal { .. }));
        }
        let unified = diff.unified_diff().context_radius(3).missing_newline_hint(true).header("a", "b").to_string();
        (unified, added, removed)
    }

    fn ours(old: &str, new: &str) -> (String, usize, usize) {
        match diff_bytes(old.as_bytes(), new.as_bytes(), "a", "b", LONG) {
            FileDiff::Text { unified, added, removed } => (unified, added, removed),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn same_output_as_similars_text_diff() {
        let cases = [
            ("", "a\n"),
            ("a\n", ""),
            ("a\nb\nc", "a\nb\nc\n"),
            ("a\r\nb\r\n", "a\r\nc\r\n"),
            ("a\rb\rc", "a\rB\rc"),
            ("x\n\n\ny\n", "x\n\ny\n\n"),
            ("é\nü\n日本\n", "é\nu\n日本\n"),
        ];
        for (old, new) in cases {
            assert_eq!(ours(old, new), reference(old, new), "{old:?} -> {new:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn same_output_as_similars_text_diff_on_random_edits(
            old in proptest::collection::vec(0u8..6, 0..120),
            new in proptest::collection::vec(0u8..6, 0..120),
            old_nl in proptest::bool::ANY,
            new_nl in proptest::bool::ANY,
        ) {
            let text = |v: &[u8], nl: bool| {
                let mut t: String = v.iter().map(|i| ["a\n", "b\n", "c\n", "dd\n", "\n", "e\r\n"][*i as usize]).collect();
                if !nl && t.ends_with('\n') {
                    t.pop();
                }
                t
            };
            let (o, n) = (text(&old, old_nl), text(&new, new_nl));
            if o != n {
                proptest::prop_assert_eq!(ours(&o, &n), reference(&o, &n));
            }
        }
    }

    #[test]
    fn unified_output_is_exact() {
        let d = diff_bytes(b"a\nb\nc\n", b"a\nB\nc\nd\n", "a/x.txt", "b/x.txt", LONG);
        assert_eq!(
            d,
            FileDiff::Text {
                unified: "--- a/x.txt\n+++ b/x.txt\n@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d\n".into(),
                added: 2,
                removed: 1
            }
        );
    }

    #[test]
    fn hunks_carry_line_numbers_far_into_the_file() {
        let old: String = (1..=30).map(|i| format!("line {i}\n")).collect();
        let new = old.replace("line 15\n", "line fifteen\nline 15b\n");
        let FileDiff::Text { unified, added, removed } = diff_bytes(old.as_bytes(), new.as_bytes(), "a", "b", LONG)
        else {
            panic!()
        };
        assert_eq!((added, removed), (2, 1));
        assert_eq!(
            unified,
            "--- a\n+++ b\n@@ -12,7 +12,8 @@\n line 12\n line 13\n line 14\n-line 15\n+line fifteen\n+line 15b\n line 16\n line 17\n line 18\n"
        );
    }

    #[test]
    fn missing_newline_and_empty_sides() {
        let FileDiff::Text { unified, .. } = diff_bytes(b"", b"x\ny", "/dev/null", "b/n", LONG) else { panic!() };
        assert_eq!(unified, "--- /dev/null\n+++ b/n\n@@ -0,0 +1,2 @@\n+x\n+y\n\\ No newline at end of file\n");
        assert_eq!(
            diff_bytes(b"same", b"same", "a", "b", LONG),
            FileDiff::Text { unified: String::new(), added: 0, removed: 0 }
        );
    }

    #[test]
    fn binary_is_detected() {
        assert_eq!(
            diff_bytes(b"text\n", b"te\x00xt\n", "a", "b", LONG),
            FileDiff::Binary { old_size: 5, new_size: 6, changed: true }
        );
        assert_eq!(
            diff_bytes(b"\xff\xfe", b"\xff\xfe", "a", "b", LONG),
            FileDiff::Binary { old_size: 2, new_size: 2, changed: false }
        );
        assert!(is_binary(b"caf\xe9"));
        assert!(!is_binary("café\n".as_bytes()));
    }

    #[test]
    fn deadline_gives_a_summary() {
        let old: String = (0..2000).map(|i| format!("{i}\n")).collect();
        let new: String = (0..2000).map(|i| format!("{}\n", i * 7 % 2001)).collect();
        assert_eq!(
            diff_bytes(old.as_bytes(), new.as_bytes(), "a", "b", Duration::ZERO),
            FileDiff::Summary { old_lines: 2000, new_lines: 2000, changed: true }
        );
        assert_eq!(
            diff_bytes(b"a\nb", b"a\n", "a", "b", Duration::ZERO),
            FileDiff::Summary { old_lines: 2, new_lines: 1, changed: true }
        );
    }

    #[test]
    fn snapshot_vs_current_and_snapshot_vs_snapshot() {
        let fx = fixture();
        fx.write("src/a.py", b"x = 1\ny = 2\n", 0o644);
        fx.write("src/gone.py", b"bye\n", 0o644);
        fx.write("run.sh", b"echo\n", 0o644);
        fx.write("same.txt", b"same\n", 0o644);
        let before = fx.take(&["src", "run.sh", "same.txt", "later.txt"]);
        fx.write("src/a.py", b"x = 1\ny = 3\n", 0o644);
        std::fs::remove_file(fx.sd.project_root().join("src/gone.py")).unwrap();
        fx.write("src/new.py", b"new\n", 0o644);
        fx.write("later.txt", b"l\n", 0o644);
        fx.write("run.sh", b"echo\n", 0o755);
        let diffs = diff_snapshot_vs_current(&fx.sd, &before.id, None).unwrap();
        let summary: Vec<(&str, Change, Option<&str>)> =
            diffs.iter().map(|d| (d.path.as_str(), d.change, d.note.as_deref())).collect();
        assert_eq!(
            summary,
            vec![
                ("later.txt", Change::Added, Some("missing in the snapshot (compared with empty)")),
                ("run.sh", Change::Modified, Some("mode 0644 -> 0755")),
                ("src/a.py", Change::Modified, None),
                ("src/gone.py", Change::Removed, Some("missing now (compared with empty)")),
                ("src/new.py", Change::Added, Some("not in the snapshot (compared with empty)")),
            ]
        );
        assert_eq!(
            diffs[2].diff,
            FileDiff::Text {
                unified: "--- a/src/a.py\n+++ b/src/a.py\n@@ -1,2 +1,2 @@\n x = 1\n-y = 2\n+y = 3\n".into(),
                added: 1,
                removed: 1
            }
        );
        assert_eq!(
            diffs[3].diff,
            FileDiff::Text {
                unified: "--- a/src/gone.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-bye\n".into(),
                added: 0,
                removed: 1
            }
        );
        let st = stat(&diffs);
        assert_eq!(st, DiffStat { files_changed: 5, added: 3, removed: 2 });
        assert_eq!(st.to_string(), "5 files changed, +3 -2");
        let only = diff_snapshot_vs_current(&fx.sd, &before.id, Some(&["src/".to_string()])).unwrap();
        assert_eq!(
            only.iter().map(|d| d.path.as_str()).collect::<Vec<_>>(),
            vec!["src/a.py", "src/gone.py", "src/new.py"]
        );

        let after = fx.take(&["src", "run.sh", "same.txt", "later.txt"]);
        let between = diff_snapshots(&fx.sd, &before.id, &after.id, None).unwrap();
        assert_eq!(
            between.iter().map(|d| (d.path.as_str(), d.change)).collect::<Vec<_>>(),
            vec![
                ("later.txt", Change::Added),
                ("run.sh", Change::Modified),
                ("src/a.py", Change::Modified),
                ("src/gone.py", Change::Removed),
                ("src/new.py", Change::Added),
            ]
        );
        assert_eq!(between[0].note.as_deref(), Some("missing in the snapshot (compared with empty)"));
        assert_eq!(between[4].note.as_deref(), Some("not in the first snapshot (compared with empty)"));
        assert_eq!(stat(&between).to_string(), "5 files changed, +3 -2");
        assert!(diff_snapshots(&fx.sd, &after.id, &after.id, None).unwrap().is_empty());
    }
}
