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
#[path = "shell_lex.rs"]
mod lex;
use lex::*;

pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
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
    /// Open `case ... esac` statements: there a `)` ends an arm's pattern.
    case_depth: usize,
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
        case_depth: 0,
    };
    let toks = std::mem::take(&mut lexer.toks);
    let mut iter = toks.into_iter().peekable();
    while let Some(tok) = iter.next() {
        let line = tok.line;
        match tok.kind {
            Tok::Word(w) => {
                if p.cur.is_empty() {
                    p.cur.line = line;
                    if p.pipeline.is_empty() {
                        match w.plain() {
                            Some("case") => p.case_depth += 1,
                            Some("esac") => p.case_depth = p.case_depth.saturating_sub(1),
                            _ => {}
                        }
                    }
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
                ")" if p.case_depth > 0 && p.cur.redirs.is_empty() => {
                    // `a|b) codex exec ...`: the words so far are the arm's pattern.
                    p.cur = RawCmd::default();
                    p.pipeline.clear();
                }
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
        // The words move into argv (a prompt is one long word) unless a declaration builtin
        // needs them afterwards for its assignments.
        let declares = raw.words.first().and_then(|w| w.plain()).is_none_or(|p| DECLARE.contains(&p));
        let mut argv: Vec<String> = Vec::with_capacity(raw.words.len());
        if declares {
            raw.words.iter().for_each(|w| w.push_fields(self.vars, &mut argv));
        } else {
            std::mem::take(&mut raw.words).into_iter().for_each(|w| w.push_fields_moved(self.vars, &mut argv));
        }
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
