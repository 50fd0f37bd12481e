//! The recovery prompt of each failure class in the bundled scenarios, as `insta` snapshots:
//! the template chosen by class, the error, the context gathered from the project, the
//! validation, and the instructions to the reviser.

mod common;
use common::copy_dir;

use recover_tui::app::project::{OpenOptions, Project};
use std::path::{Path, PathBuf};

fn prompt(fixture: &str, job: &str) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let project: PathBuf = dir.path().join(fixture);
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixtures").join(fixture), &project);
    let home = dir.path().join("no-user-config.toml");
    std::fs::write(&home, "").unwrap();
    let s = Project::open(&OpenOptions { path: Some(project), state_dir: None, config: Some(home), read_only: false })
        .unwrap();
    let p = s.prompt_for(job).unwrap();
    (p.template, p.text)
}

#[test]
fn import_error_prompt_for_sparkq() {
    let (template, text) = prompt("sparkq-phase6", "b3-api-tests");
    assert_eq!(template, "recovery-templates/import.md (built in)");
    assert!(text.contains(
        "handle_enqueue is defined in sparkq/src/api.py; import it as `from sparkq.src.api import handle_enqueue`"
    ));
    insta::assert_snapshot!("import_sparkq_b3_api_tests", text);
}

#[test]
fn syntax_error_prompt_for_notes() {
    let (template, text) = prompt("notes-joblog", "b2-1");
    assert_eq!(template, "recovery-templates/syntax.md (built in)");
    assert!(text.contains("       4 | def render(note: Note) -> str"));
    insta::assert_snapshot!("syntax_notes_b2_1", text);
}
