//! JSON written straight to a writer, safe for a terminal: the characters a terminal or a
//! bidi-aware viewer would act on (C1 controls, DEL, bidi overrides) leave as `\uXXXX`
//! escapes, exactly like `core::export::to_safe_json`, without building the document first —
//! `inspect --json` of a million-row joblog streams instead of holding a tree of every job.

use serde::Serialize;
use serde_json::ser::Formatter;
use std::io::{self, Write};

/// Whether a character of a JSON document is written as a `\uXXXX` escape.
pub fn needs_escape(c: char) -> bool {
    let u = c as u32;
    (0x7f..=0x9f).contains(&u) || matches!(u, 0x200e | 0x200f | 0x061c | 0x202a..=0x202e | 0x2066..=0x2069)
}

/// Serialize `value` as pretty JSON into `out`, escaped as [`needs_escape`] says.
pub fn write_pretty<W: Write, T: Serialize + ?Sized>(out: W, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, SafePretty::default());
    value.serialize(&mut ser).map_err(io::Error::other)?;
    ser.into_inner().flush()
}

/// Pretty JSON as serde_json's `PrettyFormatter` writes it (two-space indent), whose string
/// contents are escaped as [`needs_escape`] says. Everything outside strings (punctuation,
/// numbers, serde_json's own escapes) is ASCII below DEL, so escaping the string fragments
/// alone escapes the whole document.
#[derive(Default)]
struct SafePretty {
    level: usize,
    has_value: bool,
}

/// `,`, a newline and the indentation of [`MAX_LEVEL`] levels: each line starts with one
/// slice of it, in a single write.
const BREAK: [u8; 2 + 2 * MAX_LEVEL] = {
    let mut b = [b' '; 2 + 2 * MAX_LEVEL];
    b[0] = b',';
    b[1] = b'\n';
    b
};
const MAX_LEVEL: usize = 32;

/// A newline (after a comma when `comma`) and the indentation of `level`.
fn line_break<W: ?Sized + Write>(w: &mut W, comma: bool, level: usize) -> io::Result<()> {
    let from = usize::from(!comma);
    if level <= MAX_LEVEL {
        return w.write_all(&BREAK[from..2 + 2 * level]);
    }
    w.write_all(&BREAK[from..2])?;
    (0..level).try_for_each(|_| w.write_all(b"  "))
}

impl SafePretty {
    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.level = self.level.saturating_sub(1);
        if self.has_value {
            line_break(w, false, self.level)?;
        }
        w.write_all(bracket)
    }
}

impl Formatter for SafePretty {
    fn write_string_fragment<W: ?Sized + Write>(&mut self, w: &mut W, fragment: &str) -> io::Result<()> {
        write_escaped(w, fragment)
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        line_break(w, !first, self.level)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        line_break(w, !first, self.level)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Write `text`, each character [`needs_escape`] names as `\uXXXX`.
fn write_escaped<W: ?Sized + Write>(w: &mut W, text: &str) -> io::Result<()> {
    // Fast path: every character to escape is U+007F or above, so text without such bytes
    // (nearly every string of a run) is copied whole, after one branch-free scan.
    if !text.as_bytes().iter().fold(false, |high, &b| high | (b >= 0x7f)) {
        return w.write_all(text.as_bytes());
    }
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if needs_escape(c) {
            w.write_all(&text.as_bytes()[start..i])?;
            write!(w, "\\u{:04x}", c as u32)?;
            start = i + c.len_utf8();
        }
    }
    w.write_all(&text.as_bytes()[start..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped_whole(v: &serde_json::Value) -> String {
        serde_json::to_string_pretty(v)
            .unwrap()
            .chars()
            .map(|c| if needs_escape(c) { format!("\\u{:04x}", c as u32) } else { c.to_string() })
            .collect()
    }

    #[test]
    fn the_stream_equals_the_document_escaped_as_a_whole() {
        let v = serde_json::json!({"b": ["plain", "c1 \u{9b}31m", "rtl \u{202e}cod.exe", "del \u{7f}"], "a": {"x": "é ☃ 𝄞"}});
        let mut out = Vec::new();
        write_pretty(&mut out, &v).unwrap();
        let whole = escaped_whole(&v);
        assert_eq!(String::from_utf8(out).unwrap(), whole);
        assert!(
            whole.contains("c1 \\u009b31m") && whole.contains("rtl \\u202ecod.exe") && whole.contains("del \\u007f")
        );
    }

    #[test]
    fn every_escaped_character_is_escaped_in_keys_and_values_beside_json_escapes() {
        let odd: String = (0x7e..=0xa0)
            .chain([0x061b, 0x061c, 0x200d, 0x200e, 0x200f, 0x2029, 0x202a, 0x202e, 0x202f, 0x2065, 0x2066, 0x2069])
            .chain([0x206a, 0x1d11e])
            .filter_map(char::from_u32)
            .collect();
        let v = serde_json::json!({ odd.clone(): [odd.clone(), format!("\"\\\n\u{1b}{odd}\t"), ""] });
        let mut out = Vec::new();
        write_pretty(&mut out, &v).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), escaped_whole(&v));
    }

    #[test]
    fn deep_and_empty_nesting_is_laid_out_like_serde_json() {
        let mut v = serde_json::json!({"empty": [], "none": {}, "one": [1], "s": "x"});
        for i in 0..(MAX_LEVEL + 3) {
            v = serde_json::json!({ "k": [v, i, {}], "z": null });
        }
        let mut out = Vec::new();
        write_pretty(&mut out, &v).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string_pretty(&v).unwrap());
    }
}
