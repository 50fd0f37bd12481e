//! Helpers shared by the reliability tests (hostile input, paths, commands, crashes,
//! concurrency, processes). See RELIABILITY.md.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};

/// `RECOVER_TUI_LONG_TESTS=1` selects the long variants (200 MB logs, 100,000 property cases,
/// hundreds of crash trials).
pub fn long() -> bool {
    std::env::var("RECOVER_TUI_LONG_TESTS").is_ok_and(|v| !v.is_empty() && v != "0")
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixtures")
}

pub fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dst = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
        }
    }
}

/// Every escape a hostile log may carry, as text: CSI clear screen + cursor home, OSC 0 and
/// OSC 2 window titles (BEL- and ST-terminated), OSC 52 clipboard write, OSC 8 hyperlink, DCS
/// (XTGETTCAP), an 8-bit CSI (U+009B), bidi override and isolates, NUL, DEL and a bare BEL.
/// `MARK-` words around them show the text around the escapes still gets through.
pub const PAYLOAD: &str = "MARK-A \u{1b}[2J\u{1b}[H\u{1b}]0;pwned-title\u{7}\u{1b}]2;pwned-title-2\u{1b}\\\
\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{1b}]8;;https://evil.example/\u{1b}\\click here\u{1b}]8;;\u{1b}\\\
\u{1b}P+q544e\u{1b}\\\u{9b}31mred\u{9b}0m \u{202e}gnp.exe\u{202c} \u{2066}iso\u{2069}\u{0}nul\u{7f}\u{7} MARK-B";

/// The payload as raw bytes for a text file, plus a raw 8-bit C1 byte (invalid UTF-8).
pub fn payload_bytes() -> Vec<u8> {
    let mut b = PAYLOAD.as_bytes().to_vec();
    b.extend_from_slice(b" \x9b2J\x9d0;raw-c1\x07 MARK-C");
    b
}

/// The payload as a JSON string literal (serde_json escapes C0, leaves C1 and bidi raw).
pub fn payload_json() -> String {
    serde_json::to_string(PAYLOAD).unwrap()
}

/// Bytes that must never reach a terminal or a Markdown file: ESC, BEL, NUL, other C0 controls
/// except `\n` and `\t`, DEL, the UTF-8 encodings of C1 (U+0080..U+009F) and of the bidi
/// controls, and raw C1 bytes. Returns a description of the first one found.
pub fn forbidden(bytes: &[u8]) -> Option<String> {
    for (i, &b) in bytes.iter().enumerate() {
        let bad = match b {
            b'\n' | b'\t' => false,
            0x00..=0x1f | 0x7f => true,
            _ => false,
        };
        if bad {
            return Some(format!("byte {b:#04x} at {i}: {:?}", context(bytes, i)));
        }
    }
    let text = String::from_utf8_lossy(bytes);
    for (i, c) in text.char_indices() {
        let u = c as u32;
        if (0x80..=0x9f).contains(&u) || matches!(u, 0x200e | 0x200f | 0x061c | 0x202a..=0x202e | 0x2066..=0x2069) {
            return Some(format!("U+{u:04X} at {i}: {:?}", context(text.as_bytes(), i)));
        }
    }
    // Raw C1 bytes only appear inside multi-byte sequences in valid UTF-8; lossy decoding
    // above turned any stray one into U+FFFD, so also reject invalid UTF-8 outright.
    if std::str::from_utf8(bytes).is_err() {
        return Some("invalid UTF-8".into());
    }
    None
}

fn context(bytes: &[u8], i: usize) -> String {
    let lo = i.saturating_sub(60);
    let hi = (i + 60).min(bytes.len());
    String::from_utf8_lossy(&bytes[lo..hi]).into_owned()
}

pub fn assert_clean(what: &str, bytes: &[u8]) {
    if let Some(problem) = forbidden(bytes) {
        panic!("{what}: {problem}");
    }
}

/// SHA-256 of every regular file under `dir` (symlinks recorded as their target text).
pub fn tree_hashes(dir: &Path) -> std::collections::BTreeMap<PathBuf, String> {
    use sha2::{Digest, Sha256};
    let mut out = std::collections::BTreeMap::new();
    fn walk(base: &Path, dir: &Path, out: &mut std::collections::BTreeMap<PathBuf, String>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        for e in rd.flatten() {
            let p = e.path();
            let rel = p.strip_prefix(base).unwrap().to_path_buf();
            let md = std::fs::symlink_metadata(&p).unwrap();
            if md.file_type().is_symlink() {
                out.insert(rel, format!("-> {}", std::fs::read_link(&p).unwrap().display()));
            } else if md.is_dir() {
                out.insert(rel.clone(), format!("dir {:o}", md_mode(&md)));
                walk(base, &p, out);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                let h = Sha256::digest(&bytes);
                out.insert(rel, format!("{:x} {:o}", h, md_mode(&md)));
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

fn md_mode(md: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    md.permissions().mode() & 0o7777
}

/// Run the `recover-tui` binary; returns (stdout, stderr, exit code, peak RSS in KiB).
/// The peak RSS comes from `wait4` on exactly this child.
pub fn run_cli(args: &[&std::ffi::OsStr], cwd: Option<&Path>) -> (Vec<u8>, Vec<u8>, i32, u64) {
    let bin = env!("CARGO_BIN_EXE_recover-tui");
    let mut cmd = std::process::Command::new(bin);
    cmd.args(args)
        .env_remove("RECOVER_TUI_LONG_TESTS")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    if let Some(d) = cwd {
        cmd.current_dir(d);
    }
    let mut child = cmd.spawn().unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        out.read_to_end(&mut v).unwrap();
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        err.read_to_end(&mut v).unwrap();
        v
    });
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own unreaped child; the pointers are valid for the call.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -libc::WTERMSIG(status) };
    // The Child was reaped by wait4: do not let it be waited again.
    std::mem::forget(child);
    (t_out.join().unwrap(), t_err.join().unwrap(), code, usage.ru_maxrss as u64)
}

pub fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}
