//! JSON written straight to a writer, safe for a terminal: the characters a terminal or a
//! bidi-aware viewer would act on (C1 controls, DEL, bidi overrides) leave as `\uXXXX`
//! escapes, exactly like `core::export::to_safe_json`, without building the document first —
//! `inspect --json` of a million-row joblog streams instead of holding a tree of every job.

use serde::Serialize;
use std::io::Write;

/// Whether a character of a JSON document is written as a `\uXXXX` escape.
pub fn needs_escape(c: char) -> bool {
    let u = c as u32;
    (0x7f..=0x9f).contains(&u) || matches!(u, 0x200e | 0x200f | 0x061c | 0x202a..=0x202e | 0x2066..=0x2069)
}

/// Serialize `value` as pretty JSON into `out`, escaped as [`needs_escape`] says.
pub fn write_pretty<W: Write, T: Serialize + ?Sized>(out: W, value: &T) -> std::io::Result<()> {
    let mut w = SafeWriter { inner: out, pending: Vec::new() };
    serde_json::to_writer_pretty(&mut w, value).map_err(std::io::Error::other)?;
    w.finish()
}

struct SafeWriter<W: Write> {
    inner: W,
    /// The start of a UTF-8 character split between two writes.
    pending: Vec<u8>,
}

impl<W: Write> SafeWriter<W> {
    fn finish(mut self) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.pending);
        self.inner.write_all(&rest)?;
        self.inner.flush()
    }

    fn emit(&mut self, text: &str) -> std::io::Result<()> {
        let mut start = 0;
        for (i, c) in text.char_indices() {
            if needs_escape(c) {
                self.inner.write_all(&text.as_bytes()[start..i])?;
                write!(self.inner, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        self.inner.write_all(&text.as_bytes()[start..])
    }
}

impl<W: Write> Write for SafeWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = std::mem::take(&mut self.pending);
        bytes.extend_from_slice(buf);
        // serde_json writes valid UTF-8; a write may end inside a character.
        let valid = match std::str::from_utf8(&bytes) {
            Ok(_) => bytes.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
        };
        let (text, rest) = bytes.split_at(valid);
        self.emit(std::str::from_utf8(text).map_err(std::io::Error::other)?)?;
        self.pending = rest.to_vec();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_equals_the_document_escaped_as_a_whole() {
        let v = serde_json::json!({"b": ["plain", "c1 \u{9b}31m", "rtl \u{202e}cod.exe", "del \u{7f}"], "a": {"x": "é ☃ 𝄞"}});
        let mut out = Vec::new();
        write_pretty(&mut out, &v).unwrap();
        let whole: String = serde_json::to_string_pretty(&v)
            .unwrap()
            .chars()
            .map(|c| if needs_escape(c) { format!("\\u{:04x}", c as u32) } else { c.to_string() })
            .collect();
        assert_eq!(String::from_utf8(out).unwrap(), whole);
        assert!(
            whole.contains("c1 \\u009b31m") && whole.contains("rtl \\u202ecod.exe") && whole.contains("del \\u007f")
        );
    }

    #[test]
    fn a_character_split_between_writes_is_kept_whole() {
        let mut out = Vec::new();
        let mut w = SafeWriter { inner: &mut out, pending: Vec::new() };
        let text = "a\u{202e}b𝄞c".as_bytes();
        for b in text {
            w.write_all(std::slice::from_ref(b)).unwrap();
        }
        w.finish().unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "a\\u202eb𝄞c");
    }
}
