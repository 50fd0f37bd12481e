//! The shell reader's lexer: words with their quoting and expansions, and tokens.
//!
//! Why hand-written and not `brush-parser` (tried: brush-parser 0.4.0, 2026-12-01, against
//! every script shape of formats/README.md §6, the scripts of the four public fixtures
//! and of tests/data/, and the inputs of `shell_tests.rs`). It parsed all the fixture
//! scripts and the §6 shapes that are well formed, and it read `case` arms right (which
//! showed the bug fixed here in `shell.rs`), but it fails where a batch script reader must
//! not:
//! - an unterminated quote, `$(`, `$'...'` or heredoc anywhere is an error for the whole
//!   file (`unterminated double quote at 1,12`): none of its commands is read, where this
//!   lexer reports the line and reads the rest (`unterminated_quote_is_reported_...`,
//!   `unterminated_heredoc_is_reported`, `unterminated_substitution_is_literal`);
//! - it panics on a redirect whose fd does not fit in a u32 (`x 9999999999999999>f`:
//!   `ParseIntError { kind: PosOverflow }` unwrapped in `parser/peg.rs`), an input from
//!   `never_panics_on_odd_input`;
//! - it drops comments from its AST, so `# Batch 3` markers and `# job 1` notes are lost;
//! - in a CRLF script, `\r` is part of the words (`wait\r`), so `wait` is no `wait`;
//! - its words are raw text (quotes and `$VAR` as written): quote removal, `$VAR`/`${VAR:-x}`
//!   expansion and field splitting would still be ours, i.e. most of this file;
//! - it depends on 68 crates, 27 of them new to this build (among them `insta` as a normal
//!   dependency, `cached`, `bon`, `peg`).

use std::collections::HashMap;

// ---------------------------------------------------------------------------------------------
// Words

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Seg {
    /// Literal text; `quoted` text is not field-split and marks the word as present.
    Lit { text: String, quoted: bool },
    /// `$NAME` / `${NAME}` / `${NAME:-default}`.
    Var {
        name: String,
        raw: String,
        /// (`:` form, default text)
        default: Option<(bool, String)>,
        quoted: bool,
    },
}

#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Word {
    pub(super) segs: Vec<Seg>,
}

pub(super) fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

pub(super) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

pub(super) fn is_valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if is_name_start(c)) && chars.all(is_name_char)
}

pub(super) fn lookup(name: &str, default: &Option<(bool, String)>, vars: &HashMap<String, String>) -> Option<String> {
    match (vars.get(name), default) {
        (Some(v), Some((true, d))) if v.is_empty() => Some(d.clone()),
        (Some(v), _) => Some(v.clone()),
        (None, Some((_, d))) => Some(d.clone()),
        (None, None) => None,
    }
}

impl Word {
    pub(super) fn push_char(&mut self, c: char, quoted: bool) {
        if let Some(Seg::Lit { text, quoted: q }) = self.segs.last_mut() {
            if *q == quoted {
                text.push(c);
                return;
            }
        }
        self.segs.push(Seg::Lit { text: c.to_string(), quoted });
    }

    pub(super) fn push_str(&mut self, s: &str, quoted: bool) {
        if let Some(Seg::Lit { text, quoted: q }) = self.segs.last_mut() {
            if *q == quoted {
                text.push_str(s);
                return;
            }
        }
        self.segs.push(Seg::Lit { text: s.to_string(), quoted });
    }

    /// The word when it is one unquoted literal (reserved words, `{`).
    pub(super) fn plain(&self) -> Option<&str> {
        match self.segs.as_slice() {
            [Seg::Lit { text, quoted: false }] => Some(text),
            _ => None,
        }
    }

    pub(super) fn any_quoted(&self) -> bool {
        self.segs.iter().any(|s| match s {
            Seg::Lit { quoted, .. } | Seg::Var { quoted, .. } => *quoted,
        })
    }

    /// Text with quotes removed and variables as written (heredoc delimiters).
    pub(super) fn literal(&self) -> String {
        let mut out = String::new();
        for s in &self.segs {
            match s {
                Seg::Lit { text, .. } => out.push_str(text),
                Seg::Var { raw, .. } => out.push_str(raw),
            }
        }
        out
    }

    /// Expand to one string (no field splitting): assignments, redirect targets, heredocs.
    pub(super) fn expand(&self, vars: &HashMap<String, String>) -> String {
        let mut out = String::new();
        for s in &self.segs {
            match s {
                Seg::Lit { text, .. } => out.push_str(text),
                Seg::Var { name, raw, default, .. } => match lookup(name, default, vars) {
                    Some(v) => out.push_str(&v),
                    None => out.push_str(raw),
                },
            }
        }
        out
    }

    /// [`Word::push_fields`] into a vector of its own.
    #[cfg(test)]
    pub(super) fn fields(&self, vars: &HashMap<String, String>) -> Vec<String> {
        let mut fields = Vec::new();
        self.push_fields(vars, &mut fields);
        fields
    }

    /// Expand to argv fields, added to `fields` (a command's argv, made without a vector per
    /// word): unquoted expansions of known variables are split on blanks, an unquoted word
    /// that expands to nothing disappears.
    pub(super) fn push_fields(&self, vars: &HashMap<String, String>, fields: &mut Vec<String>) {
        let mut cur = String::new();
        let mut live = false;
        for s in &self.segs {
            match s {
                Seg::Lit { text, quoted } => {
                    cur.push_str(text);
                    if *quoted || !text.is_empty() {
                        live = true;
                    }
                }
                Seg::Var { name, raw, default, quoted } => match lookup(name, default, vars) {
                    None => {
                        cur.push_str(raw);
                        live = true;
                    }
                    Some(v) if *quoted => {
                        cur.push_str(&v);
                        live = true;
                    }
                    Some(v) => {
                        let ws = |c: char| c == ' ' || c == '\t' || c == '\n';
                        let pieces: Vec<&str> = v.split(ws).filter(|p| !p.is_empty()).collect();
                        let starts_ws = v.starts_with(ws);
                        let ends_ws = v.ends_with(ws);
                        if starts_ws && live {
                            fields.push(std::mem::take(&mut cur));
                            live = false;
                        }
                        for (i, p) in pieces.iter().enumerate() {
                            if i > 0 {
                                fields.push(std::mem::take(&mut cur));
                            }
                            cur.push_str(p);
                            live = true;
                        }
                        if ends_ws && live {
                            fields.push(std::mem::take(&mut cur));
                            live = false;
                        }
                    }
                },
            }
        }
        if live {
            fields.push(cur);
        }
    }

    /// [`Word::push_fields`] of a word given away: a word of one literal (most words, and
    /// every plain quoted prompt) is its own field, moved rather than copied.
    pub(super) fn push_fields_moved(mut self, vars: &HashMap<String, String>, fields: &mut Vec<String>) {
        match self.segs.as_mut_slice() {
            [Seg::Lit { text, quoted }] => {
                if *quoted || !text.is_empty() {
                    fields.push(std::mem::take(text));
                }
            }
            _ => self.push_fields(vars, fields),
        }
    }

    #[cfg(test)]
    pub(super) fn into_fields(self, vars: &HashMap<String, String>) -> Vec<String> {
        let mut fields = Vec::new();
        self.push_fields_moved(vars, &mut fields);
        fields
    }

    /// `NAME=value` / `NAME+=value` at the start of an unquoted word.
    pub(super) fn assignment(&self) -> Option<(String, bool, Word)> {
        let Some(Seg::Lit { text, quoted: false }) = self.segs.first() else {
            return None;
        };
        let eq = text.find('=')?;
        let (name, append) = match text[..eq].strip_suffix('+') {
            Some(n) => (n, true),
            None => (&text[..eq], false),
        };
        if !is_valid_name(name) {
            return None;
        }
        let mut value = Word::default();
        let rest = &text[eq + 1..];
        if !rest.is_empty() {
            value.segs.push(Seg::Lit { text: rest.to_string(), quoted: false });
        }
        value.segs.extend(self.segs[1..].iter().cloned());
        Some((name.to_string(), append, value))
    }
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    Word(Word),
    Op(&'static str),
    Redir {
        fd: Option<u32>,
        op: &'static str,
    },
    /// `<<DELIM` / `<<-DELIM`, with the body read from the following lines.
    HereDoc {
        body: Word,
    },
    Newline,
    Comment(String),
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) kind: Tok,
    pub(super) line: usize,
}

pub(super) struct Pending {
    pub(super) tok: usize,
    pub(super) delim: String,
    pub(super) quoted: bool,
    pub(super) strip: bool,
    pub(super) line: usize,
}

pub(super) struct Lexer<'a> {
    /// The text, read byte by byte: every byte the grammar looks at is ASCII, so every
    /// position it stops at is a character boundary and runs of other text are copied whole.
    pub(super) src: &'a str,
    /// Byte offset into `src`, always at a character boundary.
    pub(super) pos: usize,
    pub(super) line: usize,
    pub(super) toks: Vec<Token>,
    pub(super) problems: Vec<String>,
    pub(super) pending: Vec<Pending>,
}

/// Bytes that end a run of plain text in an unquoted word.
fn ends_plain_run(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t'
            | b'\r'
            | b'\n'
            | b'|'
            | b'&'
            | b';'
            | b'<'
            | b'>'
            | b'('
            | b')'
            | b'\\'
            | b'\''
            | b'"'
            | b'$'
            | b'`'
    )
}

impl<'a> Lexer<'a> {
    pub(super) fn new(text: &'a str, line: usize) -> Self {
        Lexer { src: text, pos: 0, line, toks: Vec::new(), problems: Vec::new(), pending: Vec::new() }
    }

    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    pub(super) fn peek_at(&self, n: usize) -> Option<u8> {
        self.bytes().get(self.pos + n).copied()
    }

    /// The character starting at byte `i` (`i` at a character boundary).
    fn char_at(&self, i: usize) -> Option<char> {
        self.src.get(i..)?.chars().next()
    }

    /// Index of the first byte at or after `from` that `stop` accepts, else the end.
    fn find_from(&self, from: usize, stop: impl Fn(u8) -> bool) -> usize {
        let from = from.min(self.src.len());
        self.bytes()[from..].iter().position(|&b| stop(b)).map_or(self.src.len(), |i| from + i)
    }

    /// Index of the next newline at or after `from`, else the end.
    fn eol_from(&self, from: usize) -> usize {
        let from = from.min(self.src.len());
        memchr::memchr(b'\n', &self.bytes()[from..]).map_or(self.src.len(), |i| from + i)
    }

    pub(super) fn starts_with(&self, s: &str) -> bool {
        self.bytes().get(self.pos..).is_some_and(|rest| rest.starts_with(s.as_bytes()))
    }

    /// The text between two byte offsets (both at character boundaries: the lexer only stops
    /// at ASCII bytes).
    fn slice(&self, from: usize, to: usize) -> &'a str {
        let len = self.src.len();
        self.src.get(from.min(len)..to.min(len)).unwrap_or_default()
    }

    pub(super) fn text(&self, from: usize, to: usize) -> String {
        self.slice(from, to).to_string()
    }

    pub(super) fn count_newlines(&self, from: usize, to: usize) -> usize {
        memchr::memchr_iter(b'\n', self.slice(from, to).as_bytes()).count()
    }

    pub(super) fn push(&mut self, kind: Tok, line: usize) {
        self.toks.push(Token { kind, line });
    }

    pub(super) fn run(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\\' if self.peek_at(1) == Some(b'\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                b'\n' => {
                    self.push(Tok::Newline, self.line);
                    self.pos += 1;
                    self.line += 1;
                    self.read_heredocs();
                }
                b'#' => {
                    let start = self.pos + 1;
                    self.pos = self.eol_from(start);
                    let text = self.slice(start, self.pos).trim().to_string();
                    self.push(Tok::Comment(text), self.line);
                }
                b'<' | b'>' if self.peek_at(1) == Some(b'(') => {
                    // Process substitution: kept as a literal word.
                    let line = self.line;
                    let mut w = Word::default();
                    self.balanced_literal(&mut w, 1, "process substitution");
                    self.word_into(&mut w);
                    self.push(Tok::Word(w), line);
                }
                b'|' | b'&' | b';' | b'(' | b')' | b'<' | b'>' => self.operator(None),
                c if c.is_ascii_digit() => {
                    let i = self.find_from(self.pos, |c| !c.is_ascii_digit());
                    if matches!(self.bytes().get(i), Some(b'<' | b'>')) {
                        let fd = self.slice(self.pos, i).parse::<u32>().ok();
                        self.pos = i;
                        self.operator(fd);
                    } else {
                        self.word_token();
                    }
                }
                _ => self.word_token(),
            }
        }
        if !self.pending.is_empty() {
            self.read_heredocs();
        }
    }

    pub(super) fn word_token(&mut self) {
        let line = self.line;
        let mut w = Word::default();
        self.word_into(&mut w);
        self.push(Tok::Word(w), line);
    }

    pub(super) fn operator(&mut self, fd: Option<u32>) {
        let line = self.line;
        const REDIRS: [&str; 10] = ["<<<", "&>>", "&>", ">>", ">|", ">&", "<&", "<>", ">", "<"];
        const OPS: [&str; 9] = ["&&", "||", ";;", "|&", "|", "&", ";", "(", ")"];
        if self.starts_with("<<-") || (self.starts_with("<<") && !self.starts_with("<<<")) {
            let strip = self.starts_with("<<-");
            self.pos += if strip { 3 } else { 2 };
            self.heredoc_start(strip, line);
            return;
        }
        for op in REDIRS {
            if self.starts_with(op) {
                self.pos += op.len();
                self.push(Tok::Redir { fd, op }, line);
                return;
            }
        }
        for op in OPS {
            if self.starts_with(op) {
                self.pos += op.len();
                self.push(Tok::Op(op), line);
                return;
            }
        }
        // Unreachable in practice (callers check the first byte); never loop forever.
        self.pos += 1;
    }

    pub(super) fn heredoc_start(&mut self, strip: bool, line: usize) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
        let at_word = match self.peek() {
            None | Some(b'\n' | b'\r' | b'|' | b'&' | b';' | b'(' | b')' | b'<' | b'>') => false,
            Some(_) => true,
        };
        if !at_word {
            self.problems.push(format!("line {line}: heredoc `<<` without a delimiter word"));
            return;
        }
        let mut w = Word::default();
        self.word_into(&mut w);
        let delim = w.literal();
        let quoted = w.any_quoted();
        self.push(Tok::HereDoc { body: Word::default() }, line);
        self.pending.push(Pending { tok: self.toks.len() - 1, delim, quoted, strip, line });
    }

    /// Read the bodies of the heredocs opened on the line just ended.
    pub(super) fn read_heredocs(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        let len = self.src.len();
        for p in pending {
            let mut body = String::new();
            let mut found = false;
            let body_line = self.line;
            while self.pos < len {
                let eol = self.eol_from(self.pos);
                let mut text = self.slice(self.pos, eol);
                if eol < len {
                    self.line += 1;
                }
                self.pos = (eol + 1).min(len);
                if p.strip {
                    text = text.trim_start_matches('\t');
                }
                if text.strip_suffix('\r').unwrap_or(text) == p.delim {
                    found = true;
                    break;
                }
                body.push_str(text);
                body.push('\n');
            }
            if !found {
                self.problems.push(format!("line {}: unterminated heredoc (no line `{}` closes it)", p.line, p.delim));
            }
            let word = if p.quoted {
                let mut w = Word::default();
                w.push_str(&body, true);
                w
            } else {
                self.heredoc_word(&body, body_line)
            };
            if let Some(tok) = self.toks.get_mut(p.tok) {
                tok.kind = Tok::HereDoc { body: word };
            }
        }
    }

    /// An unquoted heredoc body: `$VAR` expansion, `\$ \` \\` and backslash-newline.
    pub(super) fn heredoc_word(&mut self, body: &str, line: usize) -> Word {
        let mut sub = Lexer::new(body, line);
        let mut w = Word::default();
        w.push_str("", true);
        while let Some(c) = sub.peek() {
            match c {
                b'\\' => match sub.peek_at(1) {
                    Some(n @ (b'$' | b'`' | b'\\')) => {
                        w.push_char(n as char, true);
                        sub.pos += 2;
                    }
                    Some(b'\n') => {
                        sub.pos += 2;
                        sub.line += 1;
                    }
                    _ => {
                        w.push_char('\\', true);
                        sub.pos += 1;
                    }
                },
                b'$' => sub.dollar(&mut w, true),
                b'`' => sub.backtick(&mut w, true),
                _ => {
                    let end = sub.find_from(sub.pos, |b| matches!(b, b'\\' | b'$' | b'`'));
                    sub.line += sub.count_newlines(sub.pos, end);
                    w.push_str(sub.slice(sub.pos, end), true);
                    sub.pos = end;
                }
            }
        }
        self.problems.append(&mut sub.problems);
        w
    }

    /// Lex one word (until an unquoted blank, newline or operator).
    pub(super) fn word_into(&mut self, w: &mut Word) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\r' | b'\n' | b'|' | b'&' | b';' | b'<' | b'>' | b')' => break,
                b'(' => {
                    // `arr=(a b c)`: keep the array literally in the assignment.
                    let assign = w.plain().is_some_and(|t| {
                        t.strip_suffix('=').is_some_and(|n| is_valid_name(n.strip_suffix('+').unwrap_or(n)))
                    });
                    if assign {
                        self.balanced_literal(w, 0, "array assignment");
                    } else {
                        break;
                    }
                }
                b'\\' => match self.char_at(self.pos + 1) {
                    Some('\n') => {
                        self.pos += 2;
                        self.line += 1;
                    }
                    Some(n) => {
                        w.push_char(n, true);
                        self.pos += 1 + n.len_utf8();
                    }
                    None => {
                        w.push_char('\\', false);
                        self.pos += 1;
                    }
                },
                b'\'' => {
                    if !self.single_quoted(w) {
                        break;
                    }
                }
                b'"' => {
                    if !self.double_quoted(w) {
                        break;
                    }
                }
                b'$' if self.peek_at(1) == Some(b'\'') => {
                    if !self.ansi_c(w) {
                        break;
                    }
                }
                b'$' if self.peek_at(1) == Some(b'"') => {
                    self.pos += 1;
                    if !self.double_quoted(w) {
                        break;
                    }
                }
                b'$' => self.dollar(w, false),
                b'`' => self.backtick(w, false),
                _ => {
                    // A run of plain text, copied at once (never empty: `c` is not a stop).
                    let end = self.find_from(self.pos, ends_plain_run);
                    w.push_str(self.slice(self.pos, end), false);
                    self.pos = end;
                }
            }
        }
    }

    /// A quote that never closes: report it, keep the rest of its first line as literal text
    /// and go on from the end of that line.
    pub(super) fn unterminated(&mut self, w: &mut Word, saved: Word, start: usize, line: usize, what: &str) {
        self.problems.push(format!("line {line}: unterminated {what}"));
        let eol = self.eol_from(start);
        *w = saved;
        w.push_str(self.slice(start + 1, eol), true);
        self.pos = eol;
        self.line = line;
    }

    pub(super) fn single_quoted(&mut self, w: &mut Word) -> bool {
        let (start, line) = (self.pos, self.line);
        let from = start + 1;
        match memchr::memchr(b'\'', self.bytes().get(from..).unwrap_or_default()) {
            Some(i) => {
                let body = self.slice(from, from + i);
                self.line += self.count_newlines(from, from + i);
                w.push_str(body, true);
                self.pos = from + i + 1;
                true
            }
            None => {
                let saved = w.clone();
                self.unterminated(w, saved, start, line, "single-quoted string");
                false
            }
        }
    }

    pub(super) fn double_quoted(&mut self, w: &mut Word) -> bool {
        let saved = w.clone();
        let (start, line) = (self.pos, self.line);
        self.pos += 1;
        w.push_str("", true);
        loop {
            match self.peek() {
                None => {
                    self.unterminated(w, saved, start, line, "double-quoted string");
                    return false;
                }
                Some(b'"') => {
                    self.pos += 1;
                    return true;
                }
                Some(b'\\') => match self.peek_at(1) {
                    Some(b'\n') => {
                        self.pos += 2;
                        self.line += 1;
                    }
                    Some(c @ (b'"' | b'\\' | b'$' | b'`')) => {
                        w.push_char(c as char, true);
                        self.pos += 2;
                    }
                    _ => {
                        w.push_char('\\', true);
                        self.pos += 1;
                    }
                },
                Some(b'$') => self.dollar(w, true),
                Some(b'`') => self.backtick(w, true),
                Some(_) => {
                    // A run of plain text (long prompts are mostly this): found with the
                    // vector searches, copied at once.
                    let rest = &self.bytes()[self.pos..];
                    let run = memchr::memchr3(b'"', b'\\', b'$', rest).unwrap_or(rest.len());
                    let run = memchr::memchr(b'`', &rest[..run]).unwrap_or(run);
                    let end = self.pos + run;
                    self.line += self.count_newlines(self.pos, end);
                    w.push_str(self.slice(self.pos, end), true);
                    self.pos = end;
                }
            }
        }
    }

    /// `$'...'` with the usual C escapes.
    pub(super) fn ansi_c(&mut self, w: &mut Word) -> bool {
        let saved = w.clone();
        let (start, line) = (self.pos, self.line);
        self.pos += 2;
        w.push_str("", true);
        while let Some(c) = self.peek() {
            match c {
                b'\'' => {
                    self.pos += 1;
                    return true;
                }
                b'\\' => {
                    let Some(n) = self.peek_at(1) else {
                        break;
                    };
                    self.pos += 2;
                    let simple = match n {
                        b'n' => Some('\n'),
                        b't' => Some('\t'),
                        b'r' => Some('\r'),
                        b'a' => Some('\u{7}'),
                        b'b' => Some('\u{8}'),
                        b'e' | b'E' => Some('\u{1b}'),
                        b'f' => Some('\u{c}'),
                        b'v' => Some('\u{b}'),
                        b'\\' | b'\'' | b'"' | b'?' => Some(n as char),
                        _ => None,
                    };
                    if let Some(ch) = simple {
                        w.push_char(ch, true);
                        continue;
                    }
                    let (radix, max) = match n {
                        b'x' => (16, 2),
                        b'u' => (16, 4),
                        b'U' => (16, 8),
                        b'0'..=b'7' => {
                            self.pos -= 1;
                            (8, 3)
                        }
                        _ => (0, 0),
                    };
                    if radix == 0 {
                        // Not an escape: the backslash as written, and the character after it
                        // (of any length) read as plain text by the next round.
                        w.push_char('\\', true);
                        self.pos -= 1;
                        continue;
                    }
                    let digits_from = self.pos;
                    let digits_to =
                        self.find_from(digits_from, |d| !(d as char).is_digit(radix)).min(digits_from + max);
                    self.pos = digits_to;
                    match u32::from_str_radix(self.slice(digits_from, digits_to), radix).ok().and_then(char::from_u32) {
                        Some(ch) => w.push_char(ch, true),
                        None => {
                            w.push_char('\\', true);
                            w.push_char(n as char, true);
                        }
                    }
                }
                _ => {
                    let end = self.find_from(self.pos, |b| matches!(b, b'\'' | b'\\'));
                    self.line += self.count_newlines(self.pos, end);
                    w.push_str(self.slice(self.pos, end), true);
                    self.pos = end;
                }
            }
        }
        self.unterminated(w, saved, start + 1, line, "$'...' string");
        false
    }

    /// Index just after the `)` closing a substitution whose body starts at `from`, at depth 1.
    pub(super) fn scan_parens(&self, from: usize) -> Option<usize> {
        let bytes = self.bytes();
        let mut depth = 1usize;
        let mut i = from;
        // The end of a quoted stretch opened at `i` and closed by `q`, `\` escaping in `"`/`` ` ``.
        let close = |mut i: usize, q: u8| -> Option<usize> {
            i += 1;
            while let Some(&d) = bytes.get(i) {
                if d == q {
                    return Some(i);
                }
                if d == b'\\' && q != b'\'' {
                    i += 1;
                }
                i += 1;
            }
            None
        };
        while let Some(&c) = bytes.get(i) {
            match c {
                b'\\' => i += 1,
                b'\'' | b'"' | b'`' => i = close(i, c)?,
                b'(' => depth += 1,
                b')' => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(i + 1);
                    }
                }
                _ => {}
            }
            i += 1;
        }
        None
    }

    /// Copy `(...)` (starting `skip` bytes after pos) literally into the word.
    pub(super) fn balanced_literal(&mut self, w: &mut Word, skip: usize, what: &str) {
        let open = self.pos + skip;
        match self.scan_parens(open + 1) {
            Some(end) => {
                self.line += self.count_newlines(self.pos, end);
                w.push_str(self.slice(self.pos, end), true);
                self.pos = end;
            }
            None => {
                self.problems.push(format!("line {}: unterminated {what}", self.line));
                w.push_str(self.slice(self.pos, open + 1), true);
                self.pos = open + 1;
            }
        }
    }

    /// `$...` at pos: variable, `${...}`, `$(...)` (kept literally), or a plain `$`.
    pub(super) fn dollar(&mut self, w: &mut Word, quoted: bool) {
        match self.peek_at(1) {
            Some(b'(') => self.balanced_literal(w, 1, "command substitution `$(`"),
            Some(b'{') => {
                let from = self.pos + 2;
                let stop = self.find_from(from, |c| c == b'}' || c == b'\n');
                let Some(close) = (self.bytes().get(stop) == Some(&b'}')).then_some(stop) else {
                    self.problems.push(format!("line {}: unterminated `${{`", self.line));
                    w.push_str("${", quoted);
                    self.pos += 2;
                    return;
                };
                let inner = self.slice(from, close);
                let raw = self.text(self.pos, close + 1);
                self.pos = close + 1;
                let name_end = inner.char_indices().find(|&(_, c)| !is_name_char(c)).map_or(inner.len(), |(i, _)| i);
                let (name, rest) = inner.split_at(name_end);
                let default = if rest.is_empty() {
                    Some(None)
                } else if let Some(d) = rest.strip_prefix(":-").or(rest.strip_prefix(":=")) {
                    Some(Some((true, d.to_string())))
                } else {
                    rest.strip_prefix('-').or(rest.strip_prefix('=')).map(|d| Some((false, d.to_string())))
                };
                match default {
                    Some(default)
                        if is_valid_name(name) || (!name.is_empty() && name.chars().all(|c| c.is_ascii_digit())) =>
                    {
                        w.segs.push(Seg::Var { name: name.to_string(), raw, default, quoted })
                    }
                    _ => w.push_str(&raw, true),
                }
            }
            Some(c) if is_name_start(c as char) => {
                let from = self.pos + 1;
                let end = self.find_from(from, |c| !is_name_char(c as char));
                let name = self.text(from, end);
                let raw = format!("${name}");
                self.pos = end;
                w.segs.push(Seg::Var { name, raw, default: None, quoted });
            }
            Some(c) if c.is_ascii_digit() || b"@*#?$!-".contains(&c) => {
                self.pos += 2;
                let c = c as char;
                w.segs.push(Seg::Var { name: c.to_string(), raw: format!("${c}"), default: None, quoted });
            }
            _ => {
                w.push_char('$', quoted);
                self.pos += 1;
            }
        }
    }

    /// A backquoted command substitution, kept literally.
    pub(super) fn backtick(&mut self, w: &mut Word, _quoted: bool) {
        let bytes = self.bytes();
        let mut i = self.pos + 1;
        while let Some(&c) = bytes.get(i) {
            match c {
                b'\\' => i += 1,
                b'`' => {
                    self.line += self.count_newlines(self.pos, i + 1);
                    w.push_str(self.slice(self.pos, i + 1), true);
                    self.pos = i + 1;
                    return;
                }
                _ => {}
            }
            i += 1;
        }
        self.problems.push(format!("line {}: unterminated backquote", self.line));
        w.push_char('`', true);
        self.pos += 1;
    }
}
