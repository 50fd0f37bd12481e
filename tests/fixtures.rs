//! The bundled scenarios: `plan --json` must give the fields in each `*.expected.json`,
//! and `inspect --json` must mark exactly the failed jobs.

mod common;
use common::copy_dir;

use assert_cmd::Command;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixtures")
}

/// A private copy, so the scan sees the scenario as a user's project.
fn copy(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join(name), &tmp.path().join(name));
    tmp
}

fn json_of(args: &[&str], dir: &Path) -> (Value, i32) {
    let out = Command::cargo_bin("recover-tui").unwrap().args(args).arg(dir).arg("--json").output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    (v, out.status.code().unwrap_or(-1))
}

fn check_plan(name: &str) -> Value {
    let tmp = copy(name);
    let (got, code) = json_of(&["plan"], &tmp.path().join(name));
    assert_eq!(code, 0);
    let exp: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join(format!("{name}.expected.json"))).unwrap())
            .unwrap();
    for k in ["verdict", "scope", "failing_batch", "continue_from_batch", "escalated"] {
        assert_eq!(got[k], exp[k], "{name}: {k}");
    }
    for k in ["preserved_batches", "rerun_batches_after"] {
        assert_eq!(got[k], exp[k], "{name}: {k}");
    }
    let mut outs: Vec<&str> = got["rerun_jobs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|j| j["outputs"].as_array().unwrap())
        .map(|o| o.as_str().unwrap())
        .collect();
    let mut want: Vec<&str> = exp["rerun_outputs"].as_array().unwrap().iter().map(|o| o.as_str().unwrap()).collect();
    // The same set of outputs, whatever the order of the jobs.
    outs.sort_unstable();
    want.sort_unstable();
    assert_eq!(outs, want, "{name}: rerun outputs");
    assert_eq!(got["schema"], "recover-tui/plan@1");
    got
}

#[test]
fn sparkq_phase6_plan_matches_expected() {
    let got = check_plan("sparkq-phase6");
    let job = &got["rerun_jobs"][0];
    assert_eq!(job["job"], "b3-api-tests");
    assert_eq!(job["batch"], 3);
    assert_eq!(job["class"], "import");
    assert_eq!(job["reason"], "validation: ModuleNotFoundError in sparkq/tests/test_api.py:1");
    assert_eq!(got["skip_validation_batches"], serde_json::json!([1, 2]));
    let steps: Vec<&str> = got["rationale"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["Q1", "Q2", "Q3", "R1", "R2", "R3", "R4", "R5", "R6", "R7"]);
    assert!(got["cost"]["savings"]["tokens"].as_i64().unwrap() > 0);
}

#[test]
fn notes_joblog_plan_matches_expected() {
    let got = check_plan("notes-joblog");
    let job = &got["rerun_jobs"][0];
    assert_eq!(job["job"], "b2-1");
    assert_eq!(job["class"], "syntax");
    assert_eq!(job["reason"], "validation: SyntaxError in notes/render.py:4");
}

#[test]
fn real_codex_current_plan_matches_expected() {
    let got = check_plan("real-codex-current");
    let jobs: Vec<(&str, &str)> = got["rerun_jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| (j["job"].as_str().unwrap(), j["class"].as_str().unwrap()))
        .collect();
    assert_eq!(jobs, [("b2-report", "transient"), ("b2-journal-tests", "test")]);
    let decided: Vec<&str> = got["rationale"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["decided"] == true)
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(decided, ["R7"]);
}

#[test]
fn shape_usage_limit_plan_retries_and_says_when() {
    let got = check_plan("shape-usage-limit");
    assert_eq!(got["verdict"], "retry_as_is");
    let b32 = &got["rerun_jobs"][0];
    assert_eq!(b32["job"], "b3-2");
    assert_eq!(b32["class"], "transient");
    assert_eq!(b32["retry_after"]["said"], "try again in 1 hour 52 minutes");
    assert_eq!(b32["retry_after"]["at"], "2025-11-26T12:03:50.258Z");
}

#[test]
fn inspect_marks_exactly_the_failed_jobs() {
    for (name, failed) in [("sparkq-phase6", vec!["b3-api-tests"]), ("notes-joblog", vec!["b2-1"])] {
        let tmp = copy(name);
        let (got, code) = json_of(&["inspect"], &tmp.path().join(name));
        assert_eq!(code, 0);
        let mut ids = Vec::new();
        for b in got["batches"].as_array().unwrap() {
            for j in b["jobs"].as_array().unwrap() {
                if j["status"] == "failed" {
                    ids.push(j["id"].as_str().unwrap().to_string());
                }
            }
        }
        assert_eq!(ids, failed, "{name}");
    }
}

#[test]
fn sparkq_jobs_statuses_tokens_and_matches() {
    let tmp = copy("sparkq-phase6");
    let (got, _) = json_of(&["inspect"], &tmp.path().join("sparkq-phase6"));
    let batches = got["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 5);
    let status: Vec<&str> = batches.iter().map(|b| b["status"].as_str().unwrap()).collect();
    assert_eq!(status, ["passed", "passed", "failed", "not_run", "not_run"]);
    let b3 = &batches[2]["jobs"];
    let api = b3.as_array().unwrap().iter().find(|j| j["id"] == "b3-api-tests").unwrap();
    assert_eq!(api["outputs"], serde_json::json!(["sparkq/tests/test_api.py"]));
    assert_eq!(api["tokens"], serde_json::json!({"input": 23123, "cached_input": 12529, "output": 1077}));
    assert_eq!(api["prompt_source"], "_build/prompts-build/prompts/b3-api-tests.md");
    let f = &api["findings"][0];
    assert_eq!(f["file"], "sparkq/tests/test_api.py");
    assert_eq!(f["line"], 1);
    assert_eq!(f["error_type"], "ModuleNotFoundError");
    assert_eq!(f["message"], "No module named 'sparkq.api'");
    assert_eq!(f["class"], "import");
    assert_eq!(api["findings"].as_array().unwrap().len(), 1, "{:#}", api["findings"]);
    assert!(api["matched_by"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m.as_str().unwrap().starts_with("log _build/logs/phase6/b3-api-tests.jsonl: named by the redirect")));
}

#[test]
fn notes_joblog_rows_give_exit_codes_and_durations() {
    let tmp = copy("notes-joblog");
    let (got, _) = json_of(&["inspect"], &tmp.path().join("notes-joblog"));
    let b2 = &got["batches"][1]["jobs"];
    let ids: Vec<&str> = b2.as_array().unwrap().iter().map(|j| j["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["b2-1", "b2-2", "b2-3"]);
    assert_eq!(b2[0]["exit_code"], 0);
    assert_eq!(b2[0]["duration_s"], 0.061);
    assert_eq!(b2[0]["outputs"], serde_json::json!(["notes/render.py"]));
}

#[test]
fn plan_text_reads_like_a_dry_run() {
    let tmp = copy("sparkq-phase6");
    let out =
        Command::cargo_bin("recover-tui").unwrap().arg("plan").arg(tmp.path().join("sparkq-phase6")).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Verdict: TARGETED RECOVERY   scope: fix_then_continue"), "{text}");
    assert!(
        text.contains(
            "repair b3-api-tests (batch 3): validation: ModuleNotFoundError in sparkq/tests/test_api.py:1  [import]  — failed"
        ),
        "{text}"
    );
    assert!(text.contains("then continue from batch 4"), "{text}");
    assert!(text.contains("batch 1 (2 jobs): before the failure, ran and passed"), "{text}");
    assert!(
        text.contains(
            "Outcome: in progress\nNext 1: repair b3-api-tests (recover-tui recover runs it)\n    $ recover-tui recover --job b3-api-tests\n\
             Next 2: continue b4-e2e, b5-docs (your own scripts; shown, not run)\n\
             \x20   $ bash _build/prompts-build/phase6-codex-batch4.sh\n    $ bash _build/prompts-build/phase6-codex-batch5.sh\n"
        ),
        "{text}"
    );
}

#[test]
fn plan_exit_codes() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("recover-tui").unwrap().arg("plan").arg(tmp.path().join("nope")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file or directory"));
    let out = Command::cargo_bin("recover-tui").unwrap().arg("plan").arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
