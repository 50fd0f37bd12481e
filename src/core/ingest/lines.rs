//! Reading a text input line by line in bounded memory (DESIGN.md §18): the formats that carry
//! results (joblogs, validation reports) are read whole through this, never head and tail.
//! Only the line being read is held, and at most [`LINE_MAX`] bytes of it: the rest of a longer
//! line is counted, not kept, and the reader says how much was cut.

use std::io::BufRead;

/// Bytes of one line kept; the rest of a longer line is counted in [`Line::cut`].
pub const LINE_MAX: usize = 1 << 20;

/// One line: its 1-based number, its bytes without the `\n` (a `\r` before it removed), and
/// how many bytes past [`LINE_MAX`] were left out.
pub struct Line<'a> {
    pub number: usize,
    pub bytes: &'a [u8],
    pub cut: u64,
}

/// A line reader over any `BufRead` that reuses one buffer.
pub struct Lines<R> {
    reader: R,
    buf: Vec<u8>,
    max: usize,
    number: usize,
    cut: u64,
    /// Lines that were cut, and the bytes they lost.
    pub cut_lines: usize,
    pub cut_bytes: u64,
}

impl<R: BufRead> Lines<R> {
    pub fn new(reader: R) -> Self {
        Self::with_max(reader, LINE_MAX)
    }

    pub fn with_max(reader: R, max: usize) -> Self {
        Lines { reader, buf: Vec::new(), max, number: 0, cut: 0, cut_lines: 0, cut_bytes: 0 }
    }

    /// The next line, or `None` at the end of the input. A last line without `\n` is a line.
    pub fn next_line(&mut self) -> std::io::Result<Option<Line<'_>>> {
        self.buf.clear();
        self.cut = 0;
        let mut any = false;
        loop {
            let avail = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                if !any {
                    return Ok(None);
                }
                break;
            }
            any = true;
            let (chunk, ended) = match memchr::memchr(b'\n', avail) {
                Some(i) => (&avail[..i], Some(i + 1)),
                None => (avail, None),
            };
            let room = self.max.saturating_sub(self.buf.len());
            let keep = chunk.len().min(room);
            self.buf.extend_from_slice(&chunk[..keep]);
            self.cut += (chunk.len() - keep) as u64;
            let used = ended.unwrap_or(chunk.len());
            self.reader.consume(used);
            if ended.is_some() {
                break;
            }
        }
        if self.cut == 0 && self.buf.last() == Some(&b'\r') {
            self.buf.pop();
        }
        if self.cut > 0 {
            self.cut_lines += 1;
            self.cut_bytes += self.cut;
        }
        self.number += 1;
        Ok(Some(Line { number: self.number, bytes: &self.buf, cut: self.cut }))
    }

    /// Lines read so far.
    pub fn count(&self) -> usize {
        self.number
    }

    /// Give back memory a long line took (called by readers between lines when they like).
    pub fn shrink(&mut self) {
        if self.buf.capacity() > 64 << 10 {
            self.buf = Vec::new();
        }
    }
}

/// The warning for lines a reader cut, if any.
pub fn cut_warning(source: &str, cut_lines: usize, cut_bytes: u64) -> Option<super::ParseWarning> {
    (cut_lines > 0).then(|| super::ParseWarning {
        source: source.to_string(),
        line: None,
        message: format!(
            "{cut_lines} line(s) longer than {} MiB were cut for display ({cut_bytes} bytes not kept); every line was still read",
            LINE_MAX >> 20
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(bytes: &[u8], max: usize) -> Vec<(usize, Vec<u8>, u64)> {
        let mut l = Lines::with_max(std::io::BufReader::with_capacity(3, bytes), max);
        let mut out = Vec::new();
        while let Some(line) = l.next_line().unwrap() {
            out.push((line.number, line.bytes.to_vec(), line.cut));
        }
        out
    }

    #[test]
    fn lines_numbers_and_cuts() {
        let got = all(b"a\r\nbb\n\nlong line here\nlast", 6);
        assert_eq!(
            got,
            vec![
                (1, b"a".to_vec(), 0),
                (2, b"bb".to_vec(), 0),
                (3, b"".to_vec(), 0),
                (4, b"long l".to_vec(), 8),
                (5, b"last".to_vec(), 0)
            ]
        );
        assert!(all(b"", 6).is_empty());
        assert_eq!(all(b"x\n", 6).len(), 1);
    }
}
