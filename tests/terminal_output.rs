//! Project text printed by `prompt` and `diff` onto a real terminal (a pty from `script`)
//! reaches it without escapes: no title change, no clipboard write, no cleared screen, no
//! reversed text. Into a pipe the same text stays exact (a prompt to feed a model, a patch).

mod cli_common;
#[path = "common/mod.rs"]
mod common;
use cli_common::{code, stdout, Project};
use std::process::Command;

/// OSC 0 (title), OSC 52 (clipboard), CSI 2J (clear), DCS, 8-bit CSI, a bidi override.
const HOSTILE: &str =
    "\x1b]0;pwned-title\x07\x1b]52;c;cm0gLXJmIH4=\x07\x1b[2J\x1bPq#0;2;0;0;0\x1b\\\u{9b}31m\u{202e}txt.exe";

/// The payloads tried: the one above (and with `RECOVER_TUI_LONG_TESTS=1` more kinds: OSC 8
/// links, APC/PM/SOS strings, 8-bit OSC and DCS, cursor moves, a bell, backspaces, a
/// truncated sequence at the end).
fn payloads() -> Vec<String> {
    let mut v = vec![HOSTILE.to_string()];
    if common::long() {
        v.extend(
            [
                "\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\",
                "\x1b_apc payload\x1b\\\x1b^pm payload\x1b\\\x1bXsos payload\x1b\\",
                "\u{9d}0;pwned-title\u{9c}\u{90}q\u{9c}",
                "\x1b[10;10H\x1b[?1049h\x1b[?25l\x07\x08\x08\x08",
                "\x1b]52;c;cm0gLXJmIH4=",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
    }
    v
}

fn on_a_terminal(p: &Project, args: &str) -> Vec<u8> {
    let bin = assert_cmd::cargo::cargo_bin("recover-tui");
    let cmd = format!("{} {args}", bin.display());
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("XDG_CONFIG_HOME", p.tmp.path().join("xdg"))
        .output()
        .expect("script(1) runs the command on a pty");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    out.stdout
}

fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(!bytes.contains(&0x1b), "{what}: an ESC reached the terminal:\n{text}");
    for bad in ['\u{9b}', '\u{202e}', '\u{7}'] {
        assert!(!text.contains(bad), "{what}: {bad:?} reached the terminal");
    }
    assert!(!text.contains("cm0gLXJmIH4=") && !text.contains("pwned-title"), "{what}: an OSC payload was printed");
}

#[test]
fn prompt_on_a_terminal_is_sanitized_and_exact_into_a_pipe() {
    for payload in payloads() {
        let p = Project::copy("notes-joblog");
        let rel = "_build/prompts/b2-1.md";
        let original = p.read(rel);
        p.write(rel, format!("{original}\nNote: {payload}\nAfter it: txt.exe\n").as_bytes());
        let root = p.root.display();
        let shown = on_a_terminal(&p, &format!("prompt {root} --job b2-1"));
        assert_clean("prompt", &shown);
        assert!(String::from_utf8_lossy(&shown).contains("txt.exe"), "the words around the escapes stay");
        let piped = p.run("prompt", &["--job", "b2-1"]);
        assert_eq!(code(&piped), 0);
        assert!(stdout(&piped).contains(&payload), "into a pipe the prompt is exact");
    }
}

#[test]
fn diff_on_a_terminal_is_sanitized() {
    for payload in payloads() {
        let p = Project::copy("notes-joblog");
        assert_eq!(code(&p.run("snapshot", &[])), 0);
        let id = cli_common::json(&p.run("snapshots", &["--json"]))["snapshots"][0]["id"].as_str().unwrap().to_string();
        p.write("notes/render.py", format!("# {payload}\n").as_bytes());
        let root = p.root.display();
        let shown = on_a_terminal(&p, &format!("diff {root} {id}"));
        // On a terminal the diff is in colour: our own SGR codes, and nothing from the project.
        let shown = without_diff_colours(&shown);
        assert_clean("diff", &shown);
        assert!(String::from_utf8_lossy(&shown).contains("+# "), "the diff is still shown");
    }
}

/// `diff` output without the colour codes recover-tui itself paints a diff with.
fn without_diff_colours(bytes: &[u8]) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(bytes).into_owned();
    for code in ["\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[32m", "\x1b[36m"] {
        text = text.replace(code, "");
    }
    text.into_bytes()
}
