//! The layers of DESIGN.md §1, checked on the source: an arrow only ever points down.
//! `core` is the domain (no terminal, no async runtime, no processes, no state directory, no
//! front end); `tui` and `cli` are two front ends that never reach into each other.

use std::path::{Path, PathBuf};

fn sources(dir: &str) -> Vec<(PathBuf, String)> {
    fn walk(d: &Path, out: &mut Vec<(PathBuf, String)>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push((p.clone(), std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir), &mut out);
    assert!(!out.is_empty(), "no sources under src/{dir}");
    out
}

/// The code of a file without its unit tests (test files and `#[cfg(test)]` modules may use
/// anything to set up their data).
fn non_test(path: &Path, text: &str) -> String {
    if path.file_name().is_some_and(|n| n.to_string_lossy().ends_with("tests.rs")) {
        return String::new();
    }
    text.split("#[cfg(test)]\nmod tests").next().unwrap_or(text).to_string()
}

fn offenders(dir: &str, forbidden: &[&str], except: &[&str]) -> Vec<String> {
    let mut bad = Vec::new();
    for (path, text) in sources(dir) {
        let shown = path.to_string_lossy().into_owned();
        if except.iter().any(|e| shown.contains(e)) {
            continue;
        }
        let code = non_test(&path, &text);
        for f in forbidden {
            if code.lines().any(|l| !l.trim_start().starts_with("//") && l.contains(f)) {
                bad.push(format!("{shown}: {f}"));
            }
        }
    }
    bad
}

#[test]
fn core_knows_no_terminal_runtime_process_state_dir_or_front_end() {
    let forbidden = [
        "ratatui",
        "crossterm",
        "tokio",
        "std::process",
        "crate::app",
        "crate::store",
        "crate::exec",
        "crate::tui",
        "crate::cli",
        "crate::config",
    ];
    assert_eq!(offenders("core", &forbidden, &[]), Vec::<String>::new());
}

#[test]
fn core_reads_no_files() {
    // The scan (`src/scan/`) walks the tree and opens files; every reader, the merge and the
    // manifest take bytes, streams and the project's files (`ProjectFiles`) as data.
    let fs = [
        "std::fs",
        "File::open",
        "read_dir",
        "OpenOptions",
        "canonicalize(",
        ".exists()",
        ".is_file()",
        ".is_dir()",
        "metadata(",
        "std::env::current_dir",
    ];
    assert_eq!(offenders("core", &fs, &[]), Vec::<String>::new());
}

#[test]
fn the_front_ends_do_not_reach_into_each_other() {
    assert_eq!(offenders("tui", &["crate::cli"], &[]), Vec::<String>::new());
    // The CLI starts the app, nothing more.
    for (path, text) in sources("cli") {
        for l in non_test(&path, &text).lines().filter(|l| l.contains("crate::tui::")) {
            assert!(l.contains("crate::tui::run(") || l.contains("crate::tui::Launch"), "{}: {l}", path.display());
        }
    }
}

#[test]
fn store_and_exec_know_no_front_end() {
    for dir in ["store", "exec", "app"] {
        assert_eq!(
            offenders(dir, &["crate::tui", "crate::cli", "ratatui", "crossterm"], &[]),
            Vec::<String>::new(),
            "{dir}"
        );
    }
}
