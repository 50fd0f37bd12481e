//! `recover-tui export --format md|json [-o FILE]`.

mod cli_common;
use cli_common::{code, stderr, stdout, Project};

#[test]
fn markdown_to_stdout_is_journaled() {
    let p = Project::copy("sparkq-phase6");
    let out = p.run("export", &["--format", "md"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("b3-api-tests"), "{text}");
    assert!(text.contains("No module named 'sparkq.api'"), "{text}");
    assert!(text.trim_end().ends_with("## Outcome: IN_PROGRESS"), "{text}");
    let last = p.journal().pop().unwrap();
    assert_eq!(last["event"], "exported");
    assert_eq!(last["format"], "md");
    assert!(last["path"].is_null());
}

#[test]
fn json_to_a_file_is_written_whole_and_journaled_with_its_path() {
    let p = Project::copy("sparkq-phase6");
    let file = p.tmp.path().join("rationale.json");
    let out = p.run("export", &["--format", "json", "-o", file.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).starts_with(&format!("wrote {} (", file.display())), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(v["schema"], "recover-tui/export@1");
    assert_eq!(v["decision"]["verdict"], "targeted_recovery");
    assert_eq!(v["outcome"], "IN_PROGRESS");
    assert_eq!(v["failed_jobs"][0]["job"], "b3-api-tests");
    let last = p.journal().pop().unwrap();
    assert_eq!(last["event"], "exported");
    assert_eq!(last["format"], "json");
    assert_eq!(last["path"], file.display().to_string());
}

#[test]
fn nothing_failed_exits_1_with_a_sentence() {
    let p = Project::copy("notes-joblog");
    let run_json = p.root.join("run.json");
    assert_eq!(code(&p.cmd().arg("import").arg(&p.root).arg("-o").arg(&run_json).output().unwrap()), 0);
    let mut v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&run_json).unwrap()).unwrap();
    for b in v["batches"].as_array_mut().unwrap() {
        for j in b["jobs"].as_array_mut().unwrap() {
            j["result"]["status"] = "passed".into();
            j["result"]["findings"] = serde_json::json!([]);
        }
    }
    std::fs::write(&run_json, serde_json::to_string(&v).unwrap()).unwrap();
    let out = p.cmd().arg("export").arg(&run_json).args(["--format", "md"]).output().unwrap();
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(stderr(&out).trim(), "recover-tui: Nothing failed in notes Phase 2: there is no recovery to export.");
}
