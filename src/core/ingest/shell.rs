//! A small reader for the shell lines people write to launch generators: words with quotes,
//! `$VAR`/`${VAR}` expansion, redirects, pipes, `&`, heredocs.
//!
//! Nothing is ever executed: command substitutions (`$(...)`, backquotes) stay in the words as
//! the text that was written. Unknown variables stay as written (`$HOME`).

use std::collections::HashMap;

/// One simple command as it would run, with its redirects taken out of argv.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Invocation {
    /// Words after quote removal and variable expansion (unknown variables stay as `$NAME`).
    pub argv: Vec<String>,
    /// `< file`
    pub stdin_file: Option<String>,
    /// Heredoc body (`<<'EOF'` / `<<EOF` / `<<-EOF`) or here-string.
    pub stdin_text: Option<String>,
    /// `cat file | cmd`: the file read by the `cat` feeding this command.
    pub piped_from: Option<String>,
    /// `> file` / `>> file` / `&> file` (stdout).
    pub stdout: Option<String>,
    /// `2> file` (or stdout's file for `2>&1` / `&>`).
    pub stderr: Option<String>,
    /// `| tee [-a] file`
    pub tee: Option<String>,
    /// Ended with `&`.
    pub background: bool,
    /// 1-based line where the command starts in its file.
    pub line: usize,
}

/// One thing a script does, in script order (see [`commands`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ShellItem {
    /// `NAME=value`, `export NAME=value` (value expanded with the variables known then).
    Assign { name: String, value: String, line: usize },
    /// Any other simple command (pipelines are folded: `cat f | cmd` -> `cmd` with
    /// `piped_from`, `cmd | tee log` -> `cmd` with `tee`).
    Command(Invocation),
    /// `# text` (text without the `#`, trimmed).
    Comment { text: String, line: usize },
    /// `wait`
    Wait { line: usize },
    /// `cd DIR` / `pushd DIR`
    Cd { dir: String, line: usize },
    /// `echo words...` (words joined by one space, leading `-n`/`-e` dropped).
    Echo { text: String, line: usize },
}

/// Parse one command line (a joblog Command, a line of a command list).
/// `None` when the text holds no command (blank, comment).
pub fn parse_command(text: &str, vars: &HashMap<String, String>) -> Option<Invocation> {
    parse_command_checked(text, vars).0
}

/// [`parse_command`], also returning the problems met (`"line N: unterminated ..."`).
///
/// When the text holds several commands (`cd x && codex exec ...`), the first one that is not
/// a setup command (`cd`, `export`, `mkdir`, ...) is returned.
pub fn parse_command_checked(text: &str, vars: &HashMap<String, String>) -> (Option<Invocation>, Vec<String>) {
    let mut vars = vars.clone();
    let (items, problems) = run(text, &mut vars, false);
    let cmds: Vec<Invocation> = items
        .into_iter()
        .filter_map(|i| match i {
            ShellItem::Command(inv) => Some(inv),
            _ => None,
        })
        .collect();
    let setup = |inv: &Invocation| {
        matches!(
            inv.argv.first().map(|a| basename(a)),
            Some(
                "cd" | "pushd"
                    | "popd"
                    | "export"
                    | "set"
                    | "source"
                    | "."
                    | "mkdir"
                    | "true"
                    | ":"
                    | "sleep"
                    | "wait"
                    | "echo"
                    | "umask"
            )
        )
    };
    let pick = cmds.iter().position(|c| !setup(c)).or(if cmds.is_empty() { None } else { Some(0) });
    let inv = pick.and_then(|i| cmds.into_iter().nth(i));
    (inv, problems)
}

/// Read a whole script: assignments (tracked in `vars`, which also supplies the values of
/// variables set before the script), commands, comments, `wait`, `cd`, `echo`.
/// Returns the items in script order and the problems met, each starting with `line N: `.
pub fn commands(text: &str, vars: &mut HashMap<String, String>) -> (Vec<ShellItem>, Vec<String>) {
    run(text, vars, true)
}

/// The last path component (`/usr/bin/codex` -> `codex`).
pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

// ---------------------------------------------------------------------------------------------
// Words

#[derive(Debug, Clone, PartialEq)]
enum Seg {
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
struct Word {
    segs: Vec<Seg>,
}

fn is_name_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn is_valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if is_name_start(c)) && chars.all(is_name_char)
}

fn lookup(name: &str, default: &Option<(bool, String)>, vars: &HashMap<String, String>) -> Option<String> {
    match (vars.get(name), default) {
        (Some(v), Some((true, d))) if v.is_empty() => Some(d.clone()),
        (Some(v), _) => Some(v.clone()),
        (None, Some((_, d))) => Some(d.clone()),
        (None, None) => None,
    }
}

impl Word {
    fn push_char(&mut self, c: char, quoted: bool) {
        if let Some(Seg::Lit { text, quoted: q }) = self.segs.last_mut() {
            if *q == quoted {
                text.push(c);
                return;
            }
        }
        self.segs.push(Seg::Lit { text: c.to_string(), quoted });
    }

    fn push_chars(&mut self, chars: &[char], quoted: bool) {
        if let Some(Seg::Lit { text, quoted: q }) = self.segs.last_mut() {
            if *q == quoted {
                text.extend(chars);
                return;
            }
        }
        self.segs.push(Seg::Lit { text: chars.iter().collect(), quoted });
    }

    fn push_str(&mut self, s: &str, quoted: bool) {
        if let Some(Seg::Lit { text, quoted: q }) = self.segs.last_mut() {
            if *q == quoted {
                text.push_str(s);
                return;
            }
        }
        self.segs.push(Seg::Lit { text: s.to_string(), quoted });
    }

    /// The word when it is one unquoted literal (reserved words, `{`).
    fn plain(&self) -> Option<&str> {
        match self.segs.as_slice() {
            [Seg::Lit { text, quoted: false }] => Some(text),
            _ => None,
        }
    }

    fn any_quoted(&self) -> bool {
        self.segs.iter().any(|s| match s {
            Seg::Lit { quoted, .. } | Seg::Var { quoted, .. } => *quoted,
        })
    }

    /// Text with quotes removed and variables as written (heredoc delimiters).
    fn literal(&self) -> String {
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
    fn expand(&self, vars: &HashMap<String, String>) -> String {
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

    /// Expand to argv fields: unquoted expansions of known variables are split on blanks,
    /// an unquoted word that expands to nothing disappears.
    fn fields(&self, vars: &HashMap<String, String>) -> Vec<String> {
        let mut fields = Vec::new();
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
        fields
    }

    /// `NAME=value` / `NAME+=value` at the start of an unquoted word.
    fn assignment(&self) -> Option<(String, bool, Word)> {
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
enum Tok {
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
struct Token {
    kind: Tok,
    line: usize,
}

struct Pending {
    tok: usize,
    delim: String,
    quoted: bool,
    strip: bool,
    line: usize,
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    toks: Vec<Token>,
    problems: Vec<String>,
    pending: Vec<Pending>,
}

impl Lexer {
    fn new(text: &str, line: usize) -> Self {
        Lexer {
            chars: text.chars().collect(),
            pos: 0,
            line,
            toks: Vec::new(),
            problems: Vec::new(),
            pending: Vec::new(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.chars.get(self.pos + n).copied()
    }

    fn starts_with(&self, s: &str) -> bool {
        (self.pos..).zip(s.chars()).all(|(i, c)| self.chars.get(i) == Some(&c))
    }

    fn text(&self, from: usize, to: usize) -> String {
        self.chars[from.min(self.chars.len())..to.min(self.chars.len())].iter().collect()
    }

    fn count_newlines(&self, from: usize, to: usize) -> usize {
        self.chars[from.min(self.chars.len())..to.min(self.chars.len())].iter().filter(|&&c| c == '\n').count()
    }

    fn push(&mut self, kind: Tok, line: usize) {
        self.toks.push(Token { kind, line });
    }

    fn run(&mut self) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' => self.pos += 1,
                '\\' if self.peek_at(1) == Some('\n') => {
                    self.pos += 2;
                    self.line += 1;
                }
                '\n' => {
                    self.push(Tok::Newline, self.line);
                    self.pos += 1;
                    self.line += 1;
                    self.read_heredocs();
                }
                '#' => {
                    let start = self.pos + 1;
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.pos += 1;
                    }
                    let text = self.text(start, self.pos).trim().to_string();
                    self.push(Tok::Comment(text), self.line);
                }
                '<' | '>' if self.peek_at(1) == Some('(') => {
                    // Process substitution: kept as a literal word.
                    let line = self.line;
                    let mut w = Word::default();
                    self.balanced_literal(&mut w, 1, "process substitution");
                    self.word_into(&mut w);
                    self.push(Tok::Word(w), line);
                }
                '|' | '&' | ';' | '(' | ')' | '<' | '>' => self.operator(None),
                c if c.is_ascii_digit() => {
                    let mut i = self.pos;
                    while self.chars.get(i).is_some_and(|c| c.is_ascii_digit()) {
                        i += 1;
                    }
                    if matches!(self.chars.get(i), Some('<' | '>')) {
                        let fd = self.text(self.pos, i).parse::<u32>().ok();
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

    fn word_token(&mut self) {
        let line = self.line;
        let mut w = Word::default();
        self.word_into(&mut w);
        self.push(Tok::Word(w), line);
    }

    fn operator(&mut self, fd: Option<u32>) {
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
                self.pos += op.chars().count();
                self.push(Tok::Redir { fd, op }, line);
                return;
            }
        }
        for op in OPS {
            if self.starts_with(op) {
                self.pos += op.chars().count();
                self.push(Tok::Op(op), line);
                return;
            }
        }
        // Unreachable in practice (callers check the first char); never loop forever.
        self.pos += 1;
    }

    fn heredoc_start(&mut self, strip: bool, line: usize) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
        let at_word = match self.peek() {
            None | Some('\n' | '\r' | '|' | '&' | ';' | '(' | ')' | '<' | '>') => false,
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
    fn read_heredocs(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for p in pending {
            let mut body = String::new();
            let mut found = false;
            let body_line = self.line;
            while self.pos < self.chars.len() {
                let eol =
                    self.chars[self.pos..].iter().position(|&c| c == '\n').map_or(self.chars.len(), |i| self.pos + i);
                let mut text = self.text(self.pos, eol);
                if eol < self.chars.len() {
                    self.line += 1;
                }
                self.pos = (eol + 1).min(self.chars.len());
                if p.strip {
                    text = text.trim_start_matches('\t').to_string();
                }
                if text.strip_suffix('\r').unwrap_or(&text) == p.delim {
                    found = true;
                    break;
                }
                body.push_str(&text);
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
    fn heredoc_word(&mut self, body: &str, line: usize) -> Word {
        let mut sub = Lexer::new(body, line);
        let mut w = Word::default();
        w.push_str("", true);
        while let Some(c) = sub.peek() {
            match c {
                '\\' => match sub.peek_at(1) {
                    Some(n @ ('$' | '`' | '\\')) => {
                        w.push_char(n, true);
                        sub.pos += 2;
                    }
                    Some('\n') => {
                        sub.pos += 2;
                        sub.line += 1;
                    }
                    _ => {
                        w.push_char('\\', true);
                        sub.pos += 1;
                    }
                },
                '$' => sub.dollar(&mut w, true),
                '`' => sub.backtick(&mut w, true),
                _ => {
                    if c == '\n' {
                        sub.line += 1;
                    }
                    w.push_char(c, true);
                    sub.pos += 1;
                }
            }
        }
        self.problems.append(&mut sub.problems);
        w
    }

    /// Lex one word (until an unquoted blank, newline or operator).
    fn word_into(&mut self, w: &mut Word) {
        while let Some(c) = self.peek() {
            match c {
                ' ' | '\t' | '\r' | '\n' | '|' | '&' | ';' | '<' | '>' | ')' => break,
                '(' => {
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
                '\\' => match self.peek_at(1) {
                    Some('\n') => {
                        self.pos += 2;
                        self.line += 1;
                    }
                    Some(n) => {
                        w.push_char(n, true);
                        self.pos += 2;
                    }
                    None => {
                        w.push_char('\\', false);
                        self.pos += 1;
                    }
                },
                '\'' => {
                    if !self.single_quoted(w) {
                        break;
                    }
                }
                '"' => {
                    if !self.double_quoted(w) {
                        break;
                    }
                }
                '$' if self.peek_at(1) == Some('\'') => {
                    if !self.ansi_c(w) {
                        break;
                    }
                }
                '$' if self.peek_at(1) == Some('"') => {
                    self.pos += 1;
                    if !self.double_quoted(w) {
                        break;
                    }
                }
                '$' => self.dollar(w, false),
                '`' => self.backtick(w, false),
                _ => {
                    w.push_char(c, false);
                    self.pos += 1;
                }
            }
        }
    }

    /// A quote that never closes: report it, keep the rest of its first line as literal text
    /// and go on from the end of that line.
    fn unterminated(&mut self, w: &mut Word, saved: Word, start: usize, line: usize, what: &str) {
        self.problems.push(format!("line {line}: unterminated {what}"));
        let eol = self.chars[start..].iter().position(|&c| c == '\n').map_or(self.chars.len(), |i| start + i);
        *w = saved;
        let text = self.text(start + 1, eol);
        w.push_str(&text, true);
        self.pos = eol;
        self.line = line;
    }

    fn single_quoted(&mut self, w: &mut Word) -> bool {
        let saved = w.clone();
        let (start, line) = (self.pos, self.line);
        self.pos += 1;
        w.push_str("", true);
        while let Some(c) = self.peek() {
            self.pos += 1;
            if c == '\'' {
                return true;
            }
            if c == '\n' {
                self.line += 1;
            }
            w.push_char(c, true);
        }
        self.unterminated(w, saved, start, line, "single-quoted string");
        false
    }

    fn double_quoted(&mut self, w: &mut Word) -> bool {
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
                Some('"') => {
                    self.pos += 1;
                    return true;
                }
                Some('\\') => match self.peek_at(1) {
                    Some('\n') => {
                        self.pos += 2;
                        self.line += 1;
                    }
                    Some(c @ ('"' | '\\' | '$' | '`')) => {
                        w.push_char(c, true);
                        self.pos += 2;
                    }
                    _ => {
                        w.push_char('\\', true);
                        self.pos += 1;
                    }
                },
                Some('$') => self.dollar(w, true),
                Some('`') => self.backtick(w, true),
                Some(_) => {
                    // A run of plain characters (long prompts are mostly this): copy it at once.
                    let start = self.pos;
                    let mut end = start;
                    while let Some(&c) = self.chars.get(end) {
                        if matches!(c, '"' | '\\' | '$' | '`') {
                            break;
                        }
                        if c == '\n' {
                            self.line += 1;
                        }
                        end += 1;
                    }
                    w.push_chars(&self.chars[start..end], true);
                    self.pos = end;
                }
            }
        }
    }

    /// `$'...'` with the usual C escapes.
    fn ansi_c(&mut self, w: &mut Word) -> bool {
        let saved = w.clone();
        let (start, line) = (self.pos, self.line);
        self.pos += 2;
        w.push_str("", true);
        while let Some(c) = self.peek() {
            match c {
                '\'' => {
                    self.pos += 1;
                    return true;
                }
                '\\' => {
                    let Some(n) = self.peek_at(1) else {
                        break;
                    };
                    self.pos += 2;
                    let simple = match n {
                        'n' => Some('\n'),
                        't' => Some('\t'),
                        'r' => Some('\r'),
                        'a' => Some('\u{7}'),
                        'b' => Some('\u{8}'),
                        'e' | 'E' => Some('\u{1b}'),
                        'f' => Some('\u{c}'),
                        'v' => Some('\u{b}'),
                        '\\' | '\'' | '"' | '?' => Some(n),
                        _ => None,
                    };
                    if let Some(ch) = simple {
                        w.push_char(ch, true);
                        continue;
                    }
                    let (radix, max) = match n {
                        'x' => (16, 2),
                        'u' => (16, 4),
                        'U' => (16, 8),
                        '0'..='7' => {
                            self.pos -= 1;
                            (8, 3)
                        }
                        _ => (0, 0),
                    };
                    if radix == 0 {
                        w.push_char('\\', true);
                        w.push_char(n, true);
                        continue;
                    }
                    let mut digits = String::new();
                    while digits.len() < max {
                        match self.peek() {
                            Some(d) if d.is_digit(radix) => {
                                digits.push(d);
                                self.pos += 1;
                            }
                            _ => break,
                        }
                    }
                    match u32::from_str_radix(&digits, radix).ok().and_then(char::from_u32) {
                        Some(ch) => w.push_char(ch, true),
                        None => {
                            w.push_char('\\', true);
                            w.push_char(n, true);
                        }
                    }
                }
                _ => {
                    if c == '\n' {
                        self.line += 1;
                    }
                    w.push_char(c, true);
                    self.pos += 1;
                }
            }
        }
        self.unterminated(w, saved, start + 1, line, "$'...' string");
        false
    }

    /// Index just after the `)` closing a substitution whose body starts at `from`, at depth 1.
    fn scan_parens(&self, from: usize) -> Option<usize> {
        let mut depth = 1usize;
        let mut i = from;
        while let Some(&c) = self.chars.get(i) {
            match c {
                '\\' => i += 1,
                '\'' => {
                    i += 1;
                    while self.chars.get(i).is_some_and(|&c| c != '\'') {
                        i += 1;
                    }
                    self.chars.get(i)?;
                }
                '"' => {
                    i += 1;
                    while let Some(&d) = self.chars.get(i) {
                        match d {
                            '\\' => i += 1,
                            '"' => break,
                            _ => {}
                        }
                        i += 1;
                    }
                    self.chars.get(i)?;
                }
                '`' => {
                    i += 1;
                    while let Some(&d) = self.chars.get(i) {
                        match d {
                            '\\' => i += 1,
                            '`' => break,
                            _ => {}
                        }
                        i += 1;
                    }
                    self.chars.get(i)?;
                }
                '(' => depth += 1,
                ')' => {
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

    /// Copy `(...)` (starting `skip` chars after pos) literally into the word.
    fn balanced_literal(&mut self, w: &mut Word, skip: usize, what: &str) {
        let open = self.pos + skip;
        match self.scan_parens(open + 1) {
            Some(end) => {
                let raw = self.text(self.pos, end);
                self.line += self.count_newlines(self.pos, end);
                w.push_str(&raw, true);
                self.pos = end;
            }
            None => {
                self.problems.push(format!("line {}: unterminated {what}", self.line));
                let raw = self.text(self.pos, open + 1);
                w.push_str(&raw, true);
                self.pos = open + 1;
            }
        }
    }

    /// `$...` at pos: variable, `${...}`, `$(...)` (kept literally), or a plain `$`.
    fn dollar(&mut self, w: &mut Word, quoted: bool) {
        match self.peek_at(1) {
            Some('(') => self.balanced_literal(w, 1, "command substitution `$(`"),
            Some('{') => {
                let from = self.pos + 2;
                let close = self.chars[from.min(self.chars.len())..]
                    .iter()
                    .position(|&c| c == '}' || c == '\n')
                    .map(|i| from + i)
                    .filter(|&i| self.chars[i] == '}');
                let Some(close) = close else {
                    self.problems.push(format!("line {}: unterminated `${{`", self.line));
                    w.push_str("${", quoted);
                    self.pos += 2;
                    return;
                };
                let inner = self.text(from, close);
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
            Some(c) if is_name_start(c) => {
                let from = self.pos + 1;
                let mut i = from;
                while self.chars.get(i).is_some_and(|&c| is_name_char(c)) {
                    i += 1;
                }
                let name = self.text(from, i);
                let raw = format!("${name}");
                self.pos = i;
                w.segs.push(Seg::Var { name, raw, default: None, quoted });
            }
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => {
                self.pos += 2;
                w.segs.push(Seg::Var { name: c.to_string(), raw: format!("${c}"), default: None, quoted });
            }
            _ => {
                w.push_char('$', quoted);
                self.pos += 1;
            }
        }
    }

    /// A backquoted command substitution, kept literally.
    fn backtick(&mut self, w: &mut Word, _quoted: bool) {
        let mut i = self.pos + 1;
        while let Some(&c) = self.chars.get(i) {
            match c {
                '\\' => i += 1,
                '`' => {
                    let raw = self.text(self.pos, i + 1);
                    self.line += self.count_newlines(self.pos, i + 1);
                    w.push_str(&raw, true);
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

// ---------------------------------------------------------------------------------------------
// Parser: tokens -> items

#[derive(Default)]
struct RawCmd {
    words: Vec<Word>,
    redirs: Vec<RawRedir>,
    line: usize,
    /// Ended with `|&`.
    pipe_stderr: bool,
}

impl RawCmd {
    fn is_empty(&self) -> bool {
        self.words.is_empty() && self.redirs.is_empty()
    }
}

struct RawRedir {
    fd: Option<u32>,
    op: &'static str,
    target: Word,
}

/// An expanded command before pipeline folding.
struct Cmd {
    inv: Invocation,
    /// `2>&1` while stdout still went to the pipe / terminal.
    stderr_follows_stdout: bool,
}

struct Parser<'v> {
    vars: &'v mut HashMap<String, String>,
    classify: bool,
    items: Vec<ShellItem>,
    problems: Vec<String>,
    cur: RawCmd,
    pipeline: Vec<RawCmd>,
    list: Vec<Vec<RawCmd>>,
    comments: Vec<ShellItem>,
    /// After `|`, `&&`, `||`: a newline does not end the command.
    cont: bool,
}

fn run(text: &str, vars: &mut HashMap<String, String>, classify: bool) -> (Vec<ShellItem>, Vec<String>) {
    let mut lexer = Lexer::new(text, 1);
    lexer.run();
    let mut p = Parser {
        vars,
        classify,
        items: Vec::new(),
        problems: std::mem::take(&mut lexer.problems),
        cur: RawCmd::default(),
        pipeline: Vec::new(),
        list: Vec::new(),
        comments: Vec::new(),
        cont: false,
    };
    let toks = std::mem::take(&mut lexer.toks);
    let mut iter = toks.into_iter().peekable();
    while let Some(tok) = iter.next() {
        let line = tok.line;
        match tok.kind {
            Tok::Word(w) => {
                if p.cur.is_empty() {
                    p.cur.line = line;
                }
                p.cur.words.push(w);
                p.cont = false;
            }
            Tok::Redir { fd, op } => {
                if p.cur.is_empty() {
                    p.cur.line = line;
                }
                match iter.peek().map(|t| &t.kind) {
                    Some(Tok::Word(_)) => {
                        if let Some(Token { kind: Tok::Word(target), .. }) = iter.next() {
                            p.cur.redirs.push(RawRedir { fd, op, target });
                        }
                    }
                    _ => p.problems.push(format!("line {line}: redirect `{op}` without a target")),
                }
                p.cont = false;
            }
            Tok::HereDoc { body } => {
                if p.cur.is_empty() {
                    p.cur.line = line;
                }
                p.cur.redirs.push(RawRedir { fd: None, op: "<<", target: body });
                p.cont = false;
            }
            Tok::Op(op) => match op {
                "|" | "|&" => {
                    p.cur.pipe_stderr = op == "|&";
                    p.end_cmd();
                    p.cont = true;
                }
                "&&" | "||" => {
                    p.end_pipeline();
                    p.cont = true;
                }
                ";" | ";;" => p.end_list(false),
                "&" => p.end_list(true),
                "(" => {
                    // `name() {` : a function definition, not a command.
                    let is_fn = p.cur.words.len() == 1
                        && p.cur.redirs.is_empty()
                        && matches!(iter.peek().map(|t| &t.kind), Some(Tok::Op(")")));
                    if is_fn {
                        p.cur = RawCmd::default();
                        iter.next();
                    }
                }
                _ => {}
            },
            Tok::Newline => {
                if !(p.cont && p.cur.is_empty()) {
                    p.end_list(false);
                }
            }
            Tok::Comment(text) => {
                let item = ShellItem::Comment { text, line };
                if p.cur.is_empty() && p.pipeline.is_empty() && p.list.is_empty() {
                    p.items.push(item);
                } else {
                    p.comments.push(item);
                }
            }
        }
    }
    p.end_list(false);
    (p.items, p.problems)
}

const DECLARE: [&str; 5] = ["export", "declare", "typeset", "readonly", "local"];

impl Parser<'_> {
    fn end_cmd(&mut self) {
        let cmd = std::mem::take(&mut self.cur);
        if !cmd.is_empty() {
            self.pipeline.push(cmd);
        }
    }

    fn end_pipeline(&mut self) {
        self.end_cmd();
        let pl = std::mem::take(&mut self.pipeline);
        if !pl.is_empty() {
            self.list.push(pl);
        }
    }

    fn end_list(&mut self, background: bool) {
        self.end_pipeline();
        self.cont = false;
        let list = std::mem::take(&mut self.list);
        for pl in list {
            self.emit_pipeline(pl, background);
        }
        let mut comments = std::mem::take(&mut self.comments);
        self.items.append(&mut comments);
    }

    fn emit_pipeline(&mut self, pl: Vec<RawCmd>, background: bool) {
        let mut cmds: Vec<Cmd> = Vec::new();
        for raw in pl {
            let pipe_stderr = raw.pipe_stderr;
            if let Some(mut cmd) = self.expand_cmd(raw) {
                if pipe_stderr && cmd.inv.stderr.is_none() {
                    cmd.stderr_follows_stdout = true;
                }
                cmds.push(cmd);
            }
        }
        // `cat FILE | cmd`, `echo TEXT | cmd`
        if cmds.len() >= 2 {
            let first = &cmds[0].inv;
            let prog = first.argv.first().map(|a| basename(a)).unwrap_or("");
            let args: Vec<&String> = first.argv.iter().skip(1).collect();
            let feed = match prog {
                "cat" => {
                    let files: Vec<&&String> =
                        args.iter().filter(|a| !a.starts_with('-') || a.as_str() == "-").collect();
                    match files.as_slice() {
                        [f] if f.as_str() != "-" => Some((Some(f.to_string()), None)),
                        _ => None,
                    }
                }
                "echo" => Some((None, Some(echo_text(&first.argv)))),
                "printf" => Some((None, Some(printf_text(&first.argv)))),
                _ => None,
            };
            if let Some((file, text)) = feed {
                cmds.remove(0);
                let next = &mut cmds[0].inv;
                if file.is_some() {
                    next.piped_from = file;
                }
                if text.is_some() && next.stdin_text.is_none() {
                    next.stdin_text = text;
                }
            }
        }
        // `cmd | tee [-a] FILE`
        if cmds.len() >= 2 {
            let last = &cmds[cmds.len() - 1].inv;
            if last.argv.first().map(|a| basename(a)) == Some("tee") {
                let file = last.argv.iter().skip(1).find(|a| !a.starts_with('-')).cloned();
                cmds.pop();
                let n = cmds.len();
                let prev = &mut cmds[n - 1];
                if let Some(f) = file {
                    if prev.stderr_follows_stdout {
                        prev.inv.stderr = Some(f.clone());
                    }
                    prev.inv.tee = Some(f);
                }
            }
        }
        for mut cmd in cmds {
            cmd.inv.background = background;
            let item = self.classify(cmd.inv);
            self.items.push(item);
        }
    }

    fn classify(&self, inv: Invocation) -> ShellItem {
        if !self.classify {
            return ShellItem::Command(inv);
        }
        let line = inv.line;
        match inv.argv.first().map(String::as_str) {
            Some("wait") => ShellItem::Wait { line },
            Some("cd" | "pushd") => {
                let dir = inv
                    .argv
                    .iter()
                    .skip(1)
                    .find(|a| !a.starts_with('-') || a.as_str() == "-")
                    .cloned()
                    .unwrap_or_else(|| "~".to_string());
                ShellItem::Cd { dir, line }
            }
            Some("echo") => ShellItem::Echo { text: echo_text(&inv.argv), line },
            _ => ShellItem::Command(inv),
        }
    }

    /// Keywords, assignments, expansion and redirects of one simple command.
    fn expand_cmd(&mut self, mut raw: RawCmd) -> Option<Cmd> {
        // Reserved words around simple commands.
        loop {
            match raw.words.first().and_then(|w| w.plain()) {
                Some(
                    "then" | "do" | "else" | "elif" | "if" | "while" | "until" | "!" | "time" | "{" | "done" | "fi"
                    | "esac" | "}",
                ) => {
                    raw.words.remove(0);
                }
                Some("for" | "case" | "select" | "function" | "in") => return None,
                _ => break,
            }
        }
        let mut assigns = Vec::new();
        while let Some(a) = raw.words.first().and_then(|w| w.assignment()) {
            assigns.push(a);
            raw.words.remove(0);
        }
        if raw.words.is_empty() {
            for (name, append, value) in assigns {
                self.assign(name, append, &value, raw.line);
            }
            return None;
        }
        let argv: Vec<String> = raw.words.iter().flat_map(|w| w.fields(self.vars)).collect();
        let prog = argv.first()?.clone();
        if DECLARE.contains(&prog.as_str()) {
            for w in raw.words.iter().skip(1) {
                if let Some((name, append, value)) = w.assignment() {
                    self.assign(name, append, &value, raw.line);
                }
            }
            if self.classify {
                return None;
            }
        }
        let mut inv = Invocation { argv, line: raw.line, ..Invocation::default() };
        let mut follows = false;
        for r in &raw.redirs {
            let target = r.target.expand(self.vars);
            match (r.op, r.fd) {
                ("<<", _) => inv.stdin_text = Some(target),
                ("<<<", _) => inv.stdin_text = Some(target),
                ("<", None | Some(0)) => inv.stdin_file = Some(target),
                (">" | ">>" | ">|", None | Some(1)) => {
                    inv.stdout = Some(target);
                    follows = false;
                }
                (">" | ">>" | ">|", Some(2)) => inv.stderr = Some(target),
                ("&>" | "&>>", _) => {
                    inv.stdout = Some(target.clone());
                    inv.stderr = Some(target);
                }
                (">&", fd) => match (fd.unwrap_or(1), target.as_str()) {
                    (2, "1") => {
                        inv.stderr = inv.stdout.clone();
                        follows = inv.stdout.is_none();
                    }
                    (1, "2") => inv.stdout = inv.stderr.clone(),
                    (_, t) if t.chars().all(|c| c.is_ascii_digit()) || t == "-" => {}
                    (1, _) => {
                        inv.stdout = Some(target.clone());
                        inv.stderr = Some(target);
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        Some(Cmd { inv, stderr_follows_stdout: follows })
    }

    fn assign(&mut self, name: String, append: bool, value: &Word, line: usize) {
        let mut v = value.expand(self.vars);
        if append {
            v = format!("{}{}", self.vars.get(&name).map_or("", String::as_str), v);
        }
        self.vars.insert(name.clone(), v.clone());
        self.items.push(ShellItem::Assign { name, value: v, line });
    }
}

fn echo_text(argv: &[String]) -> String {
    let args: Vec<&str> = argv
        .iter()
        .skip(1)
        .map(String::as_str)
        .skip_while(|a| matches!(*a, "-n" | "-e" | "-E" | "-ne" | "-en"))
        .collect();
    args.join(" ")
}

fn printf_text(argv: &[String]) -> String {
    let Some(fmt) = argv.get(1) else {
        return String::new();
    };
    if fmt.contains("%s") && argv.len() > 2 {
        argv[2..].join("\n")
    } else {
        fmt.replace("\\n", "\n")
    }
}

#[cfg(test)]
#[path = "shell_tests.rs"]
mod tests;
