//! The demo needs nothing installed: its generator, reviser and (without python3) validation
//! are `recover-tui demo-tool`, inside the binary. A whole recovery with an empty PATH.

use recover_tui::tui::demo;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_recover-tui");

#[test]
fn the_demo_recovers_with_nothing_on_path() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("notes");
    demo::write_all(&project).unwrap();
    let config = project.join("recover-demo.toml");
    let template = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, demo::config_text(&template, Path::new(BIN), false).unwrap()).unwrap();
    let empty = dir.path().join("empty-path");
    std::fs::create_dir(&empty).unwrap();

    let out = Command::new(BIN)
        .arg("--config")
        .arg(&config)
        .args(["recover", "--yes"])
        .current_dir(&project)
        .env("PATH", &empty)
        .env("XDG_CONFIG_HOME", dir.path().join("xdg"))
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("b2-1: attempt 1 passed"), "{text}");
    let render = std::fs::read_to_string(project.join("notes/render.py")).unwrap();
    assert!(render.contains("def render(note: Note) -> str:\n"), "{render}");
    assert!(text.contains("validating: "), "{text}");
    assert!(text.contains(" demo-tool validate notes/render.py"), "{text}");
}
