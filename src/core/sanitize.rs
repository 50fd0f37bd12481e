//! Untrusted text (logs, prompts, reports) -> text that is safe to put on a terminal or in Markdown.
//!
//! Escape sequences (CSI, OSC incl. OSC 52 / OSC 8, DCS, APC/PM/SOS, 8-bit C1) are removed whole;
//! other control characters become visible (`\u{1b}` shown as `␛`, NUL as `␀`); bidi overrides
//! and isolates are removed. Newlines and tabs are kept (`clean_line` turns them into spaces).

/// Remove escape sequences and make other control characters visible. Keeps `\n` and `\t`.
pub fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            // 8-bit C1 introducers: CSI, OSC, DCS, SOS, PM, APC.
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\n' | '\t' => out.push(c),
            '\r' => {}
            c if is_bidi_control(c) => {}
            c if is_invisible(c) => out.push_str(&format!("<U+{:04X}>", c as u32)),
            c if (c as u32) < 0x20 => out.push(char::from_u32(0x2400 + c as u32).unwrap_or('?')),
            '\u{7f}' => out.push('␡'),
            c if ('\u{80}'..='\u{9f}').contains(&c) => out.push('�'),
            c => out.push(c),
        }
    }
    out
}

/// `clean`, then newlines and tabs become spaces: for one-line fields (table cells, titles).
pub fn clean_line(text: &str) -> String {
    clean(text).replace(['\n', '\t'], " ")
}

/// Only strip ANSI/terminal escape sequences (for parsers reading coloured logs).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => skip_escape(&mut chars),
            '\u{9b}' => skip_csi(&mut chars),
            c => out.push(c),
        }
    }
    out
}

/// Characters that print as nothing (zero-width spaces and joiners, word joiner, BOM, soft
/// hyphen): shown as `<U+200B>` so that two names that look alike are told apart.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{00ad}' | '\u{180e}')
}

/// Combining marks (accents drawn over the previous character).
fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036f}' | '\u{1ab0}'..='\u{1aff}' | '\u{1dc0}'..='\u{1dff}' | '\u{20d0}'..='\u{20ff}' | '\u{fe20}'..='\u{fe2f}')
}

/// An id or a path for display: `clean_line`, and combining marks shown as `<U+0301>`, so that
/// text that looks the same is the same (DESIGN.md §18).
pub fn clean_name(text: &str) -> String {
    let line = clean_line(text);
    if !line.chars().any(is_combining) {
        return line;
    }
    line.chars().map(|c| if is_combining(c) { format!("<U+{:04X}>", c as u32) } else { c.to_string() }).collect()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}')
}

type Chars<'a> = std::iter::Peekable<std::str::Chars<'a>>;

/// After ESC: skip the whole sequence.
fn skip_escape(chars: &mut Chars<'_>) {
    match chars.peek().copied() {
        Some('[') => {
            chars.next();
            skip_csi(chars);
        }
        Some(']') | Some('P') | Some('X') | Some('^') | Some('_') => {
            chars.next();
            skip_string(chars);
        }
        // Two-byte sequences (ESC c, ESC 7, ESC ( B ...).
        Some('(') | Some(')') | Some('*') | Some('+') => {
            chars.next();
            chars.next();
        }
        Some(_) => {
            chars.next();
        }
        None => {}
    }
}

/// CSI parameters and intermediates until the final byte (0x40..=0x7e).
fn skip_csi(chars: &mut Chars<'_>) {
    for c in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&c) {
            return;
        }
        if !('\u{20}'..='\u{3f}').contains(&c) {
            // Malformed: stop at anything that cannot be part of a CSI.
            return;
        }
    }
}

/// OSC / DCS / SOS / PM / APC payload until BEL, ST (ESC \) or 8-bit ST.
/// A string sequence (OSC, DCS, APC, PM, SOS) ends at BEL, ST, or, when it is never
/// terminated, at the end of its line: an unterminated one hides no more than that line.
fn skip_string(chars: &mut Chars<'_>) {
    while let Some(&c) = chars.peek() {
        if c == '\n' {
            return;
        }
        chars.next();
        match c {
            '\u{7}' | '\u{9c}' => return,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                return;
            }
            _ => {}
        }
    }
}

/// Quote one argument for display as a POSIX shell word. Plain words are left alone; text
/// with control characters, C1 controls or bidi overrides is written as `$'...'` with escapes,
/// so that printing it can never drive the terminal.
pub fn shell_quote(arg: &str) -> String {
    let plain = |b: u8| b.is_ascii_alphanumeric() || b"_-./=:,+@%^".contains(&b);
    if !arg.is_empty() && arg.bytes().all(plain) {
        return arg.to_string();
    }
    if arg.chars().any(needs_escape) {
        let mut s = String::from("$'");
        for c in arg.chars() {
            match c {
                '\\' => s.push_str("\\\\"),
                '\'' => s.push_str("\\'"),
                '\n' => s.push_str("\\n"),
                '\t' => s.push_str("\\t"),
                '\r' => s.push_str("\\r"),
                c if needs_escape(c) && (c as u32) < 0x80 => s.push_str(&format!("\\x{:02x}", c as u32)),
                c if needs_escape(c) => s.push_str(&format!("\\u{:04x}", c as u32)),
                c => s.push(c),
            }
        }
        s.push('\'');
        return s;
    }
    format!("'{}'", arg.replace('\'', "'\\''"))
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// A whole argv as one display line.
pub fn display_argv(argv: &[String]) -> String {
    argv.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unterminated_osc_hides_no_more_than_its_line() {
        assert_eq!(clean("a \x1b]52;c;cm0gLXJmIH4= rest\nnext line\n"), "a \nnext line\n");
        assert_eq!(clean("x\u{9d}0;title\nshown"), "x\nshown");
    }

    #[test]
    fn names_that_look_alike_are_told_apart() {
        assert_eq!(clean("b2\u{200b}-1"), "b2<U+200B>-1");
        assert_eq!(clean_line("fix\u{feff}one\u{00ad}"), "fix<U+FEFF>one<U+00AD>");
        assert_eq!(clean_name("cafe\u{0301}.py"), "cafe<U+0301>.py");
        assert_eq!(clean_name("café.py"), "café.py", "a precomposed letter is a letter");
        assert_ne!(clean_name("b2-1"), clean_name("b2\u{200d}-1"));
    }

    #[test]
    fn removes_csi_osc_dcs_and_c1() {
        let s = "a\u{1b}[2Jb\u{1b}]0;pwned title\u{7}c\u{1b}]52;c;cHduZWQ=\u{1b}\\d\u{1b}Pq#0\u{1b}\\e\u{9b}31mf";
        assert_eq!(clean(s), "abcdef");
    }

    #[test]
    fn osc8_hyperlink_keeps_only_the_text() {
        let s = "see \u{1b}]8;;http://evil.example\u{1b}\\docs\u{1b}]8;;\u{1b}\\ now";
        assert_eq!(clean(s), "see docs now");
    }

    #[test]
    fn bidi_removed_nul_visible_newlines_kept() {
        assert_eq!(clean("abc\u{202e}fed\0x\ny\tz"), "abcfed␀x\ny\tz");
        assert_eq!(clean_line("a\nb\tc"), "a b c");
    }

    #[test]
    fn colour_codes_stripped_for_parsers() {
        assert_eq!(strip_ansi("\u{1b}[1m\u{1b}[31mERROR:\u{1b}[0m boom"), "ERROR: boom");
    }

    #[test]
    fn truncated_sequences_do_not_panic() {
        assert_eq!(clean("x\u{1b}"), "x");
        assert_eq!(clean("x\u{1b}[12"), "x");
        assert_eq!(clean("x\u{1b}]0;title"), "x");
    }
}
