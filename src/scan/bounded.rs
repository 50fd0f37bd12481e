//! Reading a file's bytes safely: only regular files (never waiting on a FIFO or a device),
//! only inside the project, and large text inputs bounded to their head and tail.

use crate::core::ingest::ParseWarning;
use std::io::Read;
use std::path::Path;

/// Text inputs (scripts, reports, joblogs, text logs) up to this size are read whole; a larger
/// one is read as its first [`TEXT_PART`] bytes and as much of its end as fits in the rest,
/// cut at line boundaries, the gap named in a warning (line numbers are kept).
pub(crate) const TEXT_WHOLE: usize = 8 << 20;
const TEXT_PART: usize = 4 << 20;
/// Lines of a text input longer than this are shortened (JSON lines have their strings cut,
/// other lines keep their first [`LINE_KEEP`] bytes), so one huge line never fills memory.
pub(crate) const TEXT_LINE_MAX: usize = 1 << 20;
const LINE_KEEP: usize = 64 << 10;

/// What a file that is not a regular file or directory is, for messages (`None` for files,
/// directories and symlinks).
pub(crate) fn special_kind(ft: &std::fs::FileType) -> Option<&'static str> {
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
pub(crate) fn open_regular(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let f = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path)?;
    let md = f.metadata()?;
    if !md.is_file() {
        let kind = special_kind(&md.file_type()).unwrap_or("not a regular file");
        return Err(std::io::Error::other(format!("it is {kind}")));
    }
    Ok(f)
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
    pub(crate) fn warning(&self, source: &str) -> ParseWarning {
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
    json: Option<crate::core::ingest::jsonl::Condenser>,
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
            let mut c = crate::core::ingest::jsonl::Condenser::default();
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

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
