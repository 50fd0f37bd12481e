//! `recover-tui --demo`: a temporary copy of the bundled demo run, with a configured generator,
//! reviser and validation that really work on it (`recover-tui demo-tool`, inside the binary),
//! so the whole flow runs to a successful recovery with nothing else installed.

use std::path::{Path, PathBuf};

/// The demo files, embedded so the binary works from anywhere.
const FILES: &[(&str, &str)] = &[
    ("README.md", include_str!("../../assets/demo/README.md")),
    ("recover-demo.toml", include_str!("../../assets/demo/recover-demo.toml")),
    ("notes/__init__.py", include_str!("../../assets/demo/notes/__init__.py")),
    ("notes/model.py", include_str!("../../assets/demo/notes/model.py")),
    ("notes/store.py", include_str!("../../assets/demo/notes/store.py")),
    ("notes/render.py", include_str!("../../assets/demo/notes/render.py")),
    ("notes/export.py", include_str!("../../assets/demo/notes/export.py")),
    ("notes/search.py", include_str!("../../assets/demo/notes/search.py")),
    ("notes/cli.py", include_str!("../../assets/demo/notes/cli.py")),
    ("_build/batch1.cmds", include_str!("../../assets/demo/_build/batch1.cmds")),
    ("_build/batch2.cmds", include_str!("../../assets/demo/_build/batch2.cmds")),
    ("_build/batch3.cmds", include_str!("../../assets/demo/_build/batch3.cmds")),
    ("_build/run-batch1.sh", include_str!("../../assets/demo/_build/run-batch1.sh")),
    ("_build/run-batch2.sh", include_str!("../../assets/demo/_build/run-batch2.sh")),
    ("_build/run-batch3.sh", include_str!("../../assets/demo/_build/run-batch3.sh")),
    ("_build/joblog-batch1.tsv", include_str!("../../assets/demo/_build/joblog-batch1.tsv")),
    ("_build/joblog-batch2.tsv", include_str!("../../assets/demo/_build/joblog-batch2.tsv")),
    ("_build/joblog-batch3.tsv", include_str!("../../assets/demo/_build/joblog-batch3.tsv")),
    ("_build/validation-batch1.txt", include_str!("../../assets/demo/_build/validation-batch1.txt")),
    ("_build/validation-batch2.txt", include_str!("../../assets/demo/_build/validation-batch2.txt")),
    ("_build/validation-batch3.txt", include_str!("../../assets/demo/_build/validation-batch3.txt")),
    ("_build/prompts/b1-1.md", include_str!("../../assets/demo/_build/prompts/b1-1.md")),
    ("_build/prompts/b1-2.md", include_str!("../../assets/demo/_build/prompts/b1-2.md")),
    ("_build/prompts/b2-1.md", include_str!("../../assets/demo/_build/prompts/b2-1.md")),
    ("_build/prompts/b2-2.md", include_str!("../../assets/demo/_build/prompts/b2-2.md")),
    ("_build/prompts/b2-3.md", include_str!("../../assets/demo/_build/prompts/b2-3.md")),
    ("_build/prompts/b3-1.md", include_str!("../../assets/demo/_build/prompts/b3-1.md")),
    ("_build/prompts/b3-2.md", include_str!("../../assets/demo/_build/prompts/b3-2.md")),
    ("_build/logs/b1-1.jsonl", include_str!("../../assets/demo/_build/logs/b1-1.jsonl")),
    ("_build/logs/b1-2.jsonl", include_str!("../../assets/demo/_build/logs/b1-2.jsonl")),
    ("_build/logs/b2-1.jsonl", include_str!("../../assets/demo/_build/logs/b2-1.jsonl")),
    ("_build/logs/b2-2.jsonl", include_str!("../../assets/demo/_build/logs/b2-2.jsonl")),
    ("_build/logs/b2-3.jsonl", include_str!("../../assets/demo/_build/logs/b2-3.jsonl")),
    ("_build/logs/b3-1.jsonl", include_str!("../../assets/demo/_build/logs/b3-1.jsonl")),
    ("_build/logs/b3-2.jsonl", include_str!("../../assets/demo/_build/logs/b3-2.jsonl")),
];

/// Write the demo into a new temporary directory: (guard, project dir, config file).
pub fn prepare() -> std::io::Result<(tempfile::TempDir, PathBuf, PathBuf)> {
    let dir = tempfile::Builder::new().prefix("recover-tui-demo-").tempdir()?;
    let project = dir.path().join("notes");
    write_all(&project)?;
    // The config calls the demo's offline tools inside this very binary.
    let config = write_config(&project, &std::env::current_exe()?)?;
    Ok((dir, project, config))
}

/// Point the demo's config at `exe` (a recover-tui binary, for `demo-tool`); its path.
/// With python3 installed the validation is the real `py_compile` (the command the demo's
/// prompts name, so nothing needs approving); without it, the built-in stand-in.
pub fn write_config(project: &Path, exe: &Path) -> std::io::Result<PathBuf> {
    let config = project.join("recover-demo.toml");
    let text = config_text(&std::fs::read_to_string(&config)?, exe, on_path("python3"))?;
    std::fs::write(&config, text)?;
    Ok(config)
}

pub fn config_text(template: &str, exe: &Path, python3: bool) -> std::io::Result<String> {
    let exe = serde_json::to_string(&exe.display().to_string()).map_err(std::io::Error::other)?;
    let mut text = template.replace("\"{exe}\"", &exe);
    if python3 {
        let stand_in = format!("py = [{exe}, \"demo-tool\", \"validate\", \"{{output}}\"]");
        text = text.replace(&stand_in, "py = [\"python3\", \"-m\", \"py_compile\", \"{output}\"]");
    }
    Ok(text)
}

/// Whether `program` is an executable file in a directory of `PATH`.
fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = std::env::var_os("PATH") else { return false };
    std::env::split_paths(&path)
        .any(|d| std::fs::metadata(d.join(program)).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// Write the demo files, dated an hour back like the logs of a batch that ended a while ago
/// (so the checklist does not see generation still going on).
pub fn write_all(project: &Path) -> std::io::Result<()> {
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for (rel, text) in FILES {
        let p = project.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d)?;
        }
        std::fs::write(&p, text)?;
        std::fs::File::options().write(true).open(&p)?.set_modified(then)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = include_str!("../../assets/demo/recover-demo.toml");

    #[test]
    fn the_config_calls_this_binary_and_py_compile_when_python3_is_there() {
        let text = config_text(TEMPLATE, Path::new("/opt/my tools/recover-tui"), true).unwrap();
        assert!(
            text.contains(r#"generator = ["/opt/my tools/recover-tui", "demo-tool", "codex", "{output}"]"#),
            "{text}"
        );
        assert!(text.contains(r#"reviser = ["/opt/my tools/recover-tui", "demo-tool", "reviser"]"#), "{text}");
        assert!(text.contains(r#"py = ["python3", "-m", "py_compile", "{output}"]"#), "{text}");
        let cfg: toml::Value = toml::from_str(&text).unwrap();
        assert_eq!(cfg["commands"]["generator"][0].as_str(), Some("/opt/my tools/recover-tui"));
    }

    #[test]
    fn without_python3_the_validation_is_the_built_in_stand_in() {
        let text = config_text(TEMPLATE, Path::new("/bin/recover-tui"), false).unwrap();
        assert!(text.contains(r#"py = ["/bin/recover-tui", "demo-tool", "validate", "{output}"]"#), "{text}");
        assert!(!text.contains("python3"), "{text}");
    }
}
