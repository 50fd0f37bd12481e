//! One scenario per decision shape (tests/data/decisions/, see its README): a run as the
//! user's own scripts and the real validation tools left it, decided through `plan --json`
//! as a user would run it. Each test asserts the verdict, the scope, the `fired`/`decided`
//! marks, the evidence lines a user would check and the cost figures.

mod common;
use common::{copy_dir, data};

use assert_cmd::Command;
use serde_json::{json, Value};
use std::path::Path;

/// A private copy of the scenario (the scan sees it as a user's project), planned.
fn plan(name: &str, target: &str) -> Value {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(name);
    copy_dir(&data().join("decisions").join(name), &dir);
    let out =
        Command::cargo_bin("recover-tui").unwrap().arg("plan").arg(dir.join(target)).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn step<'a>(p: &'a Value, id: &str) -> &'a Value {
    p["rationale"].as_array().unwrap().iter().find(|s| s["step"] == id).unwrap_or_else(|| panic!("no {id}"))
}

fn evidence(p: &Value, id: &str) -> Vec<String> {
    step(p, id)["evidence"].as_array().unwrap().iter().map(|e| e.as_str().unwrap().to_string()).collect()
}

/// Exactly `decided` decides; `fired` are the rules whose condition holds.
fn marks(p: &Value, decided: &str, fired: &[&str]) {
    for r in ["R1", "R2", "R3", "R4", "R5", "R6", "R7"] {
        assert_eq!(step(p, r)["decided"], r == decided, "{r} decided");
        assert_eq!(step(p, r)["fired"], fired.contains(&r), "{r} fired: {:#}", step(p, r));
    }
}

fn jobs(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|j| j["job"].as_str().unwrap().to_string()).collect()
}

#[test]
fn a_declared_manifest_wins_over_what_the_prompts_name() {
    let p = plan("declared-manifest", "run.json");
    assert_eq!(p["verdict"], "targeted_recovery");
    assert_eq!(p["scope"], "fix_then_continue");
    assert_eq!(p["failing_batch"], 2);
    assert_eq!(p["preserved_batches"], json!([1]));
    assert_eq!(p["rerun_batches_after"], json!([3]));
    assert_eq!(p["continue_from_batch"], 3);
    // b3-report's prompt names shelfie/api.py, but run.json declares it independent: kept.
    // b3-cli's prompt names nothing of batch 2, but run.json declares it reads b2-api: re-run.
    assert_eq!(jobs(&p["rerun_jobs"]), ["b2-api"]);
    assert_eq!(jobs(&p["rerun_jobs_after"]), ["b3-cli"]);
    assert_eq!(p["rerun_jobs_after"][0]["reason"], "b3-cli declares depends_on [b2-api]");
    marks(&p, "R7", &["R7"]);
    assert_eq!(
        step(&p, "Q2")["answer"],
        "yes: re-run b3-cli (batch 3); scope fix_then_continue, continue from batch 3"
    );
    let q2 = evidence(&p, "Q2");
    assert!(
        q2.contains(
            &"batch 3 must re-run: b3-cli reads what the repair changes (b3-cli declares depends_on [b2-api])"
                .to_string()
        ),
        "{q2:#?}"
    );
    assert!(
        q2.contains(&"batch 3: the other 1 job(s) read nothing the repair changes and are kept".to_string()),
        "{q2:#?}"
    );
    assert!(
        q2.contains(
            &"not an edge (the manifest declares the dependencies): prompt of b3-report line 9 names shelfie/api.py"
                .to_string()
        ),
        "{q2:#?}"
    );
    // Every job's input + output; the recovery costs b2-api (31,331) and, of batch 3, only
    // b3-cli (24,549), plus the recovery prompt (1,692).
    assert_eq!(p["cost"]["full_restart"]["tokens"], 156_747);
    assert_eq!(p["cost"]["recovery"]["tokens"], 31_331 + 24_549 + 1_692);
    assert_eq!(p["cost"]["savings"]["tokens"], 99_175);
    assert_eq!(p["cost"]["savings"]["tokens_pct"], 63.3);
    assert_eq!(p["cost"]["full_restart"]["seconds"], Value::Null, "no times in these logs: unknown, not 0");
}

#[test]
fn an_interface_mismatch_across_batches_is_architectural_with_both_places() {
    let p = plan("interface-mismatch", ".");
    assert_eq!(p["verdict"], "full_restart");
    assert_eq!(p["scope"], "whole_phase");
    assert_eq!(p["failing_batch"], 2);
    assert_eq!(p["preserved_batches"], json!([]));
    assert_eq!(p["continue_from_batch"], 1);
    marks(&p, "R2", &["R2"]);
    let failed: Vec<&Value> = p["rerun_jobs"].as_array().unwrap().iter().filter(|j| j["class"] != "").collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["job"], "b2-tests");
    assert_eq!(failed[0]["class"], "architectural", "a TypeError naming RateLimiter is not a rate limit");
    assert_eq!(step(&p, "Q3")["answer"], "yes");
    assert_eq!(
        evidence(&p, "Q3"),
        [
            "b2-tests is classed architectural: interface mismatch across batches: RateLimiter as batch 1 defines it takes no keyword argument 'burst'; used that way at tests/test_limiter.py:6",
            "  defined at ratelimit/limiter.py:8 (b1-limiter of batch 1)",
            "  used at tests/test_limiter.py:6: TypeError: test_allows_up_to_the_burst: RateLimiter.__init__() got an unexpected keyword argument 'burst'",
        ]
    );
    // A restart says what a recovery would have cost and claims no savings.
    assert_eq!(p["cost"]["savings"], Value::Null);
    assert_eq!(p["cost"]["full_restart"]["tokens"], 139_431);
    assert!(p["cost"]["recovery"]["tokens"].as_u64().unwrap() > 0);
}

#[test]
fn the_same_error_in_two_batches_is_a_cascade() {
    let p = plan("cascade", ".");
    assert_eq!(p["verdict"], "full_restart");
    assert_eq!(p["failing_batch"], 2);
    marks(&p, "R2", &["R2"]);
    assert_eq!(
        evidence(&p, "Q3"),
        ["the same error in batches 2, 3: b2-orders-tests, b3-invoices-tests (validation: ImportError in tests/test_orders.py:2)"]
    );
    let classes: Vec<(&str, &str)> = p["rerun_jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["class"] != "")
        .map(|j| (j["job"].as_str().unwrap(), j["class"].as_str().unwrap()))
        .collect();
    assert_eq!(classes, [("b2-orders-tests", "import"), ("b3-invoices-tests", "import")]);
    assert_eq!(p["cost"]["savings"], Value::Null);
    assert_eq!(step(&p, "R7")["answer"], "no: a rule before it fired");
}

#[test]
fn a_job_without_tokens_is_estimated_and_tokens_stay_the_measure() {
    let p = plan("missing-tokens", ".");
    assert_eq!(p["verdict"], "targeted_recovery");
    assert_eq!(p["scope"], "fix_then_continue");
    assert_eq!(p["failing_batch"], 3);
    assert_eq!(p["preserved_batches"], json!([1, 2]));
    assert_eq!(p["continue_from_batch"], 4);
    marks(&p, "R7", &["R7"]);
    let classes: Vec<(&str, &str)> = p["rerun_jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| (j["job"].as_str().unwrap(), j["class"].as_str().unwrap()))
        .collect();
    assert_eq!(classes, [("b3-import", "syntax"), ("b3-export", "transient")]);
    assert_eq!(
        step(&p, "R4")["answer"],
        "no: preserved 115,000 of 200,920 tokens (57.2%, minimum 25%); 2 figure(s) estimated"
    );
    let r4 = evidence(&p, "R4");
    assert_eq!(
        r4[1..],
        [
            "estimated: b3-export (tokens unknown) counts 28,600 tokens, the average of batch 3's 1 job(s) with tokens",
            "estimated: b4-cli (never ran) counts 28,720 tokens, the average of the run's 5 job(s) with tokens",
        ]
    );
    assert_eq!(
        step(&p, "R5")["answer"],
        "no: recovery 89,410 vs full restart 200,920 tokens (44.5%, maximum 80%); 2 figure(s) estimated"
    );
    assert_eq!(p["cost"]["full_restart"]["tokens"], 200_920);
    assert_eq!(p["cost"]["recovery"]["tokens"], 89_410);
    assert_eq!(p["cost"]["savings"]["tokens"], 111_510);
    assert_eq!(p["cost"]["savings"]["tokens_pct"], 55.5);
}

#[test]
fn a_late_failure_in_a_long_phase_keeps_the_phase_and_saves_most_of_it() {
    let p = plan("late-costly", ".");
    assert_eq!(p["verdict"], "targeted_recovery");
    assert_eq!(p["scope"], "fix_batch_only");
    assert_eq!(p["failing_batch"], 5);
    assert_eq!(p["preserved_batches"], json!([1, 2, 3, 4]));
    assert_eq!(p["skip_validation_batches"], json!([1, 2, 3, 4]));
    assert_eq!(p["continue_from_batch"], Value::Null);
    assert_eq!(jobs(&p["rerun_jobs"]), ["b5-cli"]);
    assert_eq!(p["rerun_jobs"][0]["reason"], "validation: SyntaxError in etlkit/cli.py:7");
    marks(&p, "R7", &["R7"]);
    assert_eq!(step(&p, "R4")["answer"], "no: preserved 1,319,700 of 1,392,600 tokens (94.8%, minimum 25%)");
    assert_eq!(step(&p, "R5")["answer"], "no: recovery 39,388 vs full restart 1,392,600 tokens (2.8%, maximum 80%)");
    assert_eq!(p["cost"]["savings"]["tokens"], 1_353_212);
    assert_eq!(p["cost"]["savings"]["tokens_pct"], 97.2);
    assert_eq!(p["cost"]["savings"]["seconds"], Value::Null, "the logs give no times");
}

#[test]
fn a_usage_limit_with_a_reset_time_is_retried_as_is_after_it() {
    let p = plan("transient-reset", ".");
    assert_eq!(p["verdict"], "retry_as_is");
    assert_eq!(p["scope"], "fix_then_continue");
    assert_eq!(p["failing_batch"], 2);
    assert_eq!(p["preserved_batches"], json!([1]));
    assert_eq!(p["continue_from_batch"], 3);
    marks(&p, "R6", &["R6"]);
    let job = &p["rerun_jobs"][0];
    assert_eq!(job["job"], "b2-notify");
    assert_eq!(job["class"], "transient");
    assert_eq!(
        job["retry_after"],
        json!({"when": "at 4:20 PM (the service's local time)", "said": "try again at 4:20 PM."})
    );
    assert_eq!(evidence(&p, "R6"), ["b2-notify: transient; a retry can succeed at 4:20 PM (the service's local time)"]);
    let out = Command::cargo_bin("recover-tui")
        .unwrap()
        .arg("plan")
        .arg(data().join("decisions/transient-reset"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("      a retry can succeed at 4:20 PM (the service's local time)\n"), "{text}");
}

/// The Markdown note of every scenario draws the decision; its highlighted path is the trail's.
#[test]
fn the_markdown_flowchart_follows_the_trail_of_each_scenario() {
    for (name, target) in [
        ("declared-manifest", "run.json"),
        ("interface-mismatch", "."),
        ("cascade", "."),
        ("missing-tokens", "."),
        ("late-costly", "."),
        ("transient-reset", "."),
    ] {
        let p = plan(name, target);
        let md = export_md(&data().join("decisions").join(name).join(target));
        check_flowchart(name, &md, &p);
    }
}

/// The same for the bundled public fixtures.
#[test]
fn the_markdown_flowchart_follows_the_trail_of_each_public_fixture() {
    let mut names: Vec<String> = std::fs::read_dir(data().join("fixtures"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["notes-joblog", "real-codex-current", "shape-usage-limit", "sparkq-phase6"]);
    for name in names {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(&name);
        copy_dir(&data().join("fixtures").join(&name), &dir);
        let out = Command::cargo_bin("recover-tui").unwrap().arg("plan").arg(&dir).arg("--json").output().unwrap();
        let p: Value = serde_json::from_slice(&out.stdout).unwrap();
        check_flowchart(&name, &export_md(&dir), &p);
    }
}

fn export_md(path: &Path) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("recover-tui")
        .unwrap()
        .arg("--state-dir")
        .arg(tmp.path().join("state"))
        .args(["export", "--format", "md"])
        .arg(path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The `class … path` and `class …,verdict decided` lines of the Mermaid block name exactly the
/// trail's questions and rules up to the deciding one.
pub fn check_flowchart(name: &str, md: &str, plan: &Value) {
    let block = md.split("```mermaid\n").nth(1).and_then(|b| b.split("```").next()).expect("a mermaid block");
    assert!(block.starts_with("flowchart TD\n"), "{name}: {block}");
    let steps: Vec<&Value> = plan["rationale"].as_array().unwrap().iter().collect();
    let decided = steps.iter().position(|s| s["decided"] == true).expect("a deciding rule");
    let want_path: Vec<&str> = steps[..decided].iter().map(|s| s["step"].as_str().unwrap()).collect();
    let class_line = |suffix: &str| -> Vec<String> {
        block
            .lines()
            .find(|l| l.trim_start().starts_with("class ") && l.ends_with(suffix))
            .map(|l| {
                l.trim_start()["class ".len()..l.trim_start().len() - suffix.len()]
                    .split(',')
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    };
    assert_eq!(class_line(" path"), want_path, "{name}: path\n{block}");
    assert_eq!(
        class_line(" decided"),
        [steps[decided]["step"].as_str().unwrap(), "verdict"],
        "{name}: decided\n{block}"
    );
    let text_path: Vec<&str> = steps[..=decided].iter().map(|s| s["step"].as_str().unwrap()).collect();
    let line = md.lines().find(|l| l.starts_with("The path taken: ")).expect("the path as text");
    let named: Vec<&str> = text_path.iter().copied().filter(|id| line.contains(&format!("{id} "))).collect();
    assert_eq!(named, text_path, "{name}: {line}");
    assert!(
        md.find("```mermaid").unwrap() < md.find("### The questions").unwrap(),
        "{name}: the trail is kept below the chart"
    );
}
