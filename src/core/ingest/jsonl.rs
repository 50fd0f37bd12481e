//! The JSONL toolkit every line-delimited JSON reader shares (Codex event streams, Codex
//! session files, Claude stream-json): a line scanner without a line-length limit that skips
//! repeated payloads unparsed and condenses over-long lines, borrowed strings, and the
//! error-text shape (`"text"` or `{"message": ...}`).

use memchr::memmem;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read};

/// How many bytes at the start of a line are enough to read its event type.
const HEAD: usize = 256;
const CHUNK: usize = 256 * 1024;
/// A line to parse is held whole up to this size; a longer one is condensed while it streams
/// by (see [`Condenser`]), so a single huge line never needs more memory than this.
pub const MAX_HELD: usize = 8 << 20;
/// In a condensed line, every JSON string keeps at most this many bytes of its content.
pub const STRING_KEEP: usize = 64 << 10;
const FIRST_CHUNK: usize = 16 * 1024;

pub enum Line<'a> {
    /// A line to parse (without its newline).
    Text(&'a [u8]),
    /// A line skipped unparsed; `complete` is false when it does not end like a JSON object.
    Skipped { complete: bool },
    /// A line over [`MAX_HELD`] bytes even once its strings were shortened; skipped.
    TooLong { bytes: u64 },
}

/// Shortens one over-long JSON line as it streams by: bytes outside strings are kept, every
/// string keeps its first [`STRING_KEEP`] bytes and then ends with a note of how much was cut
/// (cut only between characters and never inside an escape, so the line still parses).
/// Events are summaries: the head of a huge command output says what failed.
#[derive(Default)]
pub struct Condenser {
    out: Vec<u8>,
    /// Bytes of the original line.
    total: u64,
    in_string: bool,
    /// The previous byte was a backslash starting an escape.
    escape: bool,
    /// Hex digits of a `\uXXXX` escape still to come.
    hex_left: u8,
    /// Content bytes kept of the current string.
    kept: usize,
    /// Content bytes dropped of the current string (`> 0` = cutting).
    dropped: u64,
    /// More than [`MAX_HELD`] bytes would have been kept.
    overflow: bool,
}

impl Condenser {
    fn push(&mut self, b: u8) {
        if self.out.len() < MAX_HELD {
            self.out.push(b);
        } else {
            self.overflow = true;
        }
    }

    pub fn feed(&mut self, bytes: &[u8]) {
        self.total += bytes.len() as u64;
        for &b in bytes {
            if !self.in_string {
                self.push(b);
                if b == b'"' {
                    self.in_string = true;
                    self.escape = false;
                    self.hex_left = 0;
                    self.kept = 0;
                    self.dropped = 0;
                }
                continue;
            }
            let plain = !self.escape && self.hex_left == 0;
            if plain && b == b'"' {
                if self.dropped > 0 {
                    let note = format!(" … [{} bytes cut by recover-tui]", self.dropped);
                    for &n in note.as_bytes() {
                        self.push(n);
                    }
                }
                self.push(b);
                self.in_string = false;
                continue;
            }
            // Cut only at a character boundary outside an escape.
            if self.dropped == 0 && self.kept >= STRING_KEEP && plain && (b & 0xc0) != 0x80 {
                self.dropped = 1;
            } else if self.dropped > 0 {
                self.dropped += 1;
            } else {
                self.push(b);
                self.kept += 1;
            }
            if self.escape {
                self.escape = false;
                if b == b'u' {
                    self.hex_left = 4;
                }
            } else if self.hex_left > 0 {
                self.hex_left -= 1;
            } else if b == b'\\' {
                self.escape = true;
            }
        }
    }

    /// Bytes fed so far.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The shortened line, or `None` when even that is over [`MAX_HELD`] bytes.
    pub fn finish(self) -> Option<Vec<u8>> {
        (!self.overflow).then_some(self.out)
    }

    fn emit(self, on_line: &mut impl FnMut(Line<'_>)) {
        if self.overflow {
            on_line(Line::TooLong { bytes: self.total });
        } else {
            on_line(Line::Text(&self.out));
        }
    }
}

/// The searcher for an event's `"type"` key, built once (making one per stream or line was a
/// visible share of reading small streams).
static TYPE_KEY: std::sync::LazyLock<memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memmem::Finder::new(b"\"type\""));

/// Call `on_line` for every line of `reader`. Lines have no length limit; a line whose
/// head names a skippable event is passed over without being copied, and one longer than
/// [`MAX_HELD`] is condensed as it is read.
pub fn scan_lines<R: Read>(mut reader: R, mut on_line: impl FnMut(Line<'_>)) -> io::Result<()> {
    // Start small (most streams are a few KiB; zeroing a full chunk for each would cost more
    // than reading them) and grow to CHUNK while reads keep filling the buffer.
    let mut buf = vec![0u8; FIRST_CHUNK];
    let mut filled = false;
    let (mut start, mut end) = (0usize, 0usize);
    // Bytes after `start` already searched for a newline.
    let mut searched = 0usize;
    // While skipping a long line: the last non-blank byte seen so far.
    let mut skipping: Option<u8> = None;
    // While condensing a line longer than MAX_HELD.
    let mut condensing: Option<Condenser> = None;
    let mut eof = false;
    loop {
        // Hand out every complete line in buf[start..end].
        loop {
            if let Some(mut c) = condensing.take() {
                let avail = &buf[start..end];
                match memchr::memchr(b'\n', avail) {
                    Some(i) => {
                        c.feed(&avail[..i]);
                        c.emit(&mut on_line);
                        start += i + 1;
                        searched = 0;
                    }
                    None => {
                        c.feed(avail);
                        condensing = Some(c);
                        start = end;
                        break;
                    }
                }
            } else if let Some(last) = skipping.as_mut() {
                let avail = &buf[start..end];
                match memchr::memchr(b'\n', avail) {
                    Some(i) => {
                        *last = last_non_blank(&avail[..i]).unwrap_or(*last);
                        on_line(Line::Skipped { complete: *last == b'}' });
                        skipping = None;
                        start += i + 1;
                        searched = 0;
                    }
                    None => {
                        *last = last_non_blank(avail).unwrap_or(*last);
                        start = end;
                        break;
                    }
                }
            } else {
                match memchr::memchr(b'\n', &buf[start + searched..end]) {
                    Some(i) => {
                        let line = &buf[start..start + searched + i];
                        hand_out(line, &mut on_line);
                        start += searched + i + 1;
                        searched = 0;
                    }
                    None => {
                        let partial = &buf[start..end];
                        if partial.len() >= HEAD && is_skippable(partial) {
                            skipping = Some(last_non_blank(partial).unwrap_or(b' '));
                            start = end;
                            searched = 0;
                        } else if partial.len() >= MAX_HELD {
                            let mut c = Condenser::default();
                            c.feed(partial);
                            condensing = Some(c);
                            start = end;
                            searched = 0;
                        } else {
                            searched = end - start;
                        }
                        break;
                    }
                }
            }
        }
        if eof {
            if let Some(c) = condensing.take() {
                c.emit(&mut on_line);
            } else if let Some(last) = skipping {
                on_line(Line::Skipped { complete: last == b'}' });
            } else if start < end {
                hand_out(&buf[start..end], &mut on_line);
            }
            return Ok(());
        }
        // Make room: move the partial line to the front, grow only when it fills the buffer.
        if start == end {
            start = 0;
            end = 0;
            if buf.len() > 4 * CHUNK {
                buf.truncate(CHUNK);
                buf.shrink_to_fit();
            } else if filled && buf.len() < CHUNK {
                let grown = (buf.len() * 2).min(CHUNK);
                buf.resize(grown, 0);
            }
        } else if start > 0 {
            buf.copy_within(start..end, 0);
            end -= start;
            start = 0;
        }
        if end == buf.len() {
            let grown = buf.len() * 2;
            buf.resize(grown, 0);
        }
        let n = loop {
            match reader.read(&mut buf[end..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        filled = n > 0 && end + n == buf.len();
        if n == 0 {
            eof = true;
        } else {
            end += n;
        }
    }
}

/// [`scan_lines`] over a stream already in memory (most logs: a head read whole): the same
/// lines, handed out where they lie instead of copied through a buffer. A stream long enough
/// to hold a line to condense goes through [`scan_lines`].
pub fn scan_bytes(bytes: &[u8], mut on_line: impl FnMut(Line<'_>)) -> io::Result<()> {
    if bytes.len() >= MAX_HELD {
        return scan_lines(bytes, on_line);
    }
    let mut rest = bytes;
    while !rest.is_empty() {
        let (line, after) = match memchr::memchr(b'\n', rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        hand_out(line, &mut on_line);
        rest = after;
    }
    Ok(())
}

/// A whole line as the scanners hand it out: skipped when [`is_skippable`], else its text.
fn hand_out(line: &[u8], on_line: &mut impl FnMut(Line<'_>)) {
    if is_skippable(line) {
        on_line(Line::Skipped { complete: last_non_blank(line) == Some(b'}') });
    } else {
        on_line(Line::Text(line));
    }
}

/// `item.updated` and streaming deltas repeat what a later event says in full.
fn is_skippable(line: &[u8]) -> bool {
    let head = &line[..line.len().min(HEAD)];
    match first_type_value(head) {
        Some(t) => t == b"item.updated" || t.ends_with(b"_delta") || t.ends_with(b".delta"),
        None => false,
    }
}

/// The value of the first `"type"` key in `bytes` (`{"type":"turn.started"}` -> `turn.started`).
pub fn first_type_value(bytes: &[u8]) -> Option<&[u8]> {
    let pos = TYPE_KEY.find(bytes)?;
    let mut i = pos + 6;
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    if bytes.get(i) != Some(&b':') {
        return None;
    }
    i += 1;
    while bytes.get(i).is_some_and(u8::is_ascii_whitespace) {
        i += 1;
    }
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    let rest = bytes.get(i + 1..)?;
    let close = memchr::memchr(b'"', rest)?;
    Some(&rest[..close])
}

fn last_non_blank(bytes: &[u8]) -> Option<u8> {
    bytes.iter().rev().find(|b| !b.is_ascii_whitespace()).copied()
}

pub fn trim_ascii(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(bytes.len());
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace()).map_or(start, |p| p + 1);
    &bytes[start..end]
}

/// A string borrowed from the line when it holds no escapes.
#[derive(Deserialize)]
pub struct Str<'a>(#[serde(borrow)] pub Cow<'a, str>);

impl Str<'_> {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Epoch seconds given as a number or a numeric string.
fn epoch_of(v: &serde_json::Value) -> Option<f64> {
    v.as_f64().or_else(|| v.as_str().and_then(|s| s.trim().parse().ok())).filter(|s| s.is_finite() && *s > 0.0)
}

/// `message (resets at 2026-12-01T15:45:00Z)` when the error names an epoch reset time.
fn with_reset(message: Option<String>, resets_at: Option<f64>) -> Option<String> {
    let at = resets_at.and_then(|s| chrono::DateTime::from_timestamp(s as i64, 0));
    match (message, at) {
        (Some(m), Some(at)) => Some(format!("{m} (resets at {})", at.format("%Y-%m-%dT%H:%M:%SZ"))),
        (None, Some(at)) => Some(format!("usage limit reached (resets at {})", at.format("%Y-%m-%dT%H:%M:%SZ"))),
        (m, None) => m,
    }
}

/// An error or message given as a string, or as an object with a `message` (or as null).
#[derive(Default)]
pub struct ErrText(pub Option<String>);

impl<'de> Deserialize<'de> for ErrText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ErrText;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a message string or an object with a message")
            }
            fn visit_str<E>(self, v: &str) -> Result<ErrText, E> {
                Ok(ErrText(Some(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<ErrText, E> {
                Ok(ErrText(Some(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<ErrText, E> {
                Ok(ErrText(Some(v.to_string())))
            }
            fn visit_u64<E>(self, v: u64) -> Result<ErrText, E> {
                Ok(ErrText(Some(v.to_string())))
            }
            fn visit_f64<E>(self, v: f64) -> Result<ErrText, E> {
                Ok(ErrText(Some(v.to_string())))
            }
            fn visit_bool<E>(self, _: bool) -> Result<ErrText, E> {
                Ok(ErrText(None))
            }
            fn visit_unit<E>(self) -> Result<ErrText, E> {
                Ok(ErrText(None))
            }
            fn visit_none<E>(self) -> Result<ErrText, E> {
                Ok(ErrText(None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<ErrText, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(ErrText(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ErrText, A::Error> {
                let mut message = None;
                let mut resets_at = None;
                while let Some(key) = map.next_key::<Str<'de>>()? {
                    match key.as_str() {
                        "message" => message = map.next_value::<ErrText>()?.0,
                        // A usage limit's reset time (epoch seconds) is kept in the text.
                        "resets_at" => resets_at = epoch_of(&map.next_value::<serde_json::Value>()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(ErrText(with_reset(message, resets_at)))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
#[path = "jsonl_tests.rs"]
mod tests;
