//! `recover-tui --demo`: a temporary copy of the bundled demo run, with a configured generator
//! and reviser that really work on it (small scripts shipped with the demo), so the whole flow
//! runs to a successful recovery without any AI tool installed.

use std::path::{Path, PathBuf};

/// The demo files, embedded so the binary works from anywhere.
const FILES: &[(&str, &str)] = &[
    ("README.md", include_str!("../../assets/demo/README.md")),
    ("recover-demo.toml", include_str!("../../assets/demo/recover-demo.toml")),
    ("tools/fake-codex.py", include_str!("../../assets/demo/tools/fake-codex.py")),
    ("tools/fake-reviser.py", include_str!("../../assets/demo/tools/fake-reviser.py")),
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
    // The config names the demo's own tools by absolute path.
    let config = project.join("recover-demo.toml");
    let text = std::fs::read_to_string(&config)?.replace("{demo}", &project.display().to_string());
    std::fs::write(&config, text)?;
    Ok((dir, project, config))
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
