//! File names in reports and in `$ command` lines: what is a path, which file two
//! spellings name, and which files a validation command checks.

use regex::Regex;
use std::sync::LazyLock;

/// A list without repeats, in first-seen order, checked in O(1) (a big report names
/// hundreds of thousands of files).
#[derive(Default)]
pub(super) struct Unique {
    list: Vec<String>,
    seen: std::collections::HashSet<String>,
}

impl Unique {
    pub(super) fn push(&mut self, item: &str) {
        if !item.is_empty() && !self.seen.contains(item) {
            self.seen.insert(item.to_string());
            self.list.push(item.to_string());
        }
    }

    pub(super) fn into_vec(self) -> Vec<String> {
        self.list
    }
}

pub(super) fn push_unique(list: &mut Vec<String>, item: &str) {
    if !item.is_empty() && !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}

pub(super) fn is_path_like(s: &str) -> bool {
    static EXT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\.[A-Za-z][A-Za-z0-9]{0,7}$").expect("literal regex is valid"));
    let s = s.split("::").next().unwrap_or(s);
    !s.is_empty()
        && s.len() < 260
        && !s.contains(char::is_whitespace)
        && !s.starts_with('-')
        && !s.contains("://")
        && s.chars().any(|c| c.is_ascii_alphabetic())
        && (s.contains('/') || EXT.is_match(s))
        && !s.ends_with('.')
}

pub(super) fn has_extension(s: &str) -> bool {
    static EXT: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[^\s=:]+\.[A-Za-z][A-Za-z0-9]{0,5}$").expect("literal regex is valid"));
    EXT.is_match(s) && !s.starts_with('-')
}

pub(super) fn split_node_id(node: &str) -> (String, Option<String>) {
    match node.split_once("::") {
        Some((file, test)) => (file.to_string(), Some(test.replace("::", "."))),
        None => (node.to_string(), None),
    }
}

pub(super) fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

pub(super) fn same_file(a: &str, b: &str) -> bool {
    let a = a.trim_start_matches("./");
    let b = b.trim_start_matches("./");
    a == b
        || (a.len() > b.len() && a.ends_with(b) && a[..a.len() - b.len()].ends_with('/'))
        || (b.len() > a.len() && b.ends_with(a) && b[..b.len() - a.len()].ends_with('/'))
}

pub(super) fn is_system_path(path: &str) -> bool {
    path.starts_with('<')
        || path.contains("/site-packages/")
        || path.contains("/dist-packages/")
        || path.contains("/lib/python")
        || path.starts_with("/usr/lib/")
}

/// Split a command line into words, honouring simple quotes.
pub(super) fn split_args(command: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for ch in command.chars() {
        match quote {
            Some(q) if ch == q => quote = None,
            Some(_) => word.push(ch),
            None if ch == '\'' || ch == '"' => {
                quote = Some(ch);
                in_word = true;
            }
            None if ch.is_whitespace() => {
                if in_word {
                    args.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            None => {
                word.push(ch);
                in_word = true;
            }
        }
    }
    if in_word {
        args.push(word);
    }
    args
}

/// Options whose value is the next word (so it is not a checked file).
const VALUE_OPTIONS: &[&str] = &[
    "-m",
    "-k",
    "-p",
    "-c",
    "-o",
    "-W",
    "-n",
    "-r",
    "--rootdir",
    "--confcutdir",
    "--basetemp",
    "--ignore",
    "--deselect",
    "--project",
    "--config",
    "--config-file",
    "--junitxml",
    "--cov",
    "--cov-report",
    "--maxfail",
    "--timeout",
    "--cache-dir",
    "--python-version",
    "--tb",
];

/// The files a validation command checks: every argument that is a path with an
/// extension, and for pytest every positional argument (directories, node ids).
pub(super) fn command_files(args: &[String]) -> Vec<String> {
    let mut files = Vec::new();
    for segment in args.split(|a| matches!(a.as_str(), "&&" | "||" | ";" | "|")) {
        let is_pytest = segment.iter().any(|a| matches!(base_name(a), "pytest" | "py.test"));
        let mut skip_value = false;
        for arg in segment.iter().skip(1) {
            if skip_value {
                skip_value = false;
                continue;
            }
            if arg.starts_with('-') {
                skip_value = VALUE_OPTIONS.contains(&arg.as_str());
                continue;
            }
            if arg.starts_with('>') || arg.starts_with("2>") || arg.starts_with('<') {
                continue;
            }
            if arg.contains(char::is_whitespace) {
                // `bash -lc 'python -m py_compile x.py'`
                for f in command_files(&split_args(arg)) {
                    push_unique(&mut files, &f);
                }
                continue;
            }
            let path = split_node_id(arg).0;
            if has_extension(&path) || (is_pytest && !path.contains('=') && is_path_like_dir(&path)) {
                push_unique(&mut files, &path);
            }
        }
    }
    files
}

fn is_path_like_dir(s: &str) -> bool {
    !s.is_empty()
        && !matches!(base_name(s), "pytest" | "py.test")
        && s.chars().all(|c| c.is_alphanumeric() || "/._-".contains(c))
        && s.chars().any(|c| c.is_alphabetic())
}
