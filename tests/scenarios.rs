//! Scenarios of the kinds DESIGN §6 describes, written as the files a user would have:
//! batch scripts, joblogs, codex streams, project files, validation reports.

mod common;
use common::copy_dir;

use assert_cmd::Command;
use serde_json::Value;
use std::path::Path;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn plan(dir: &Path) -> Value {
    let out = Command::cargo_bin("recover-tui").unwrap().arg("plan").arg(dir).arg("--json").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn inspect(dir: &Path) -> Value {
    let out = Command::cargo_bin("recover-tui").unwrap().arg("inspect").arg(dir).arg("--json").output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ok_stream(thread: &str, path: &str, input: u64) -> String {
    format!(
        "{{\"type\":\"thread.started\",\"thread_id\":\"{thread}\"}}\n{{\"type\":\"turn.started\"}}\n\
{{\"type\":\"item.completed\",\"item\":{{\"id\":\"item_0\",\"type\":\"file_change\",\"changes\":[{{\"path\":\"/srv/app/{path}\",\"kind\":\"add\"}}],\"status\":\"completed\"}}}}\n\
{{\"type\":\"item.completed\",\"item\":{{\"id\":\"item_1\",\"type\":\"agent_message\",\"text\":\"Created {path}.\"}}}}\n\
{{\"type\":\"turn.completed\",\"usage\":{{\"input_tokens\":{input},\"cached_input_tokens\":4000,\"output_tokens\":900}}}}\n"
    )
}

/// A joblog-driven phase where one job of batch 2 was killed by `--timeout` mid-stream.
#[test]
fn a_job_killed_by_timeout_is_retried_as_is() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    for (b, jobs) in [(1, vec!["src/lexer.rs", "src/token.rs"]), (2, vec!["src/parser.rs", "src/ast.rs"])] {
        let mut cmds = String::new();
        let mut log = "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n".to_string();
        for (i, out) in jobs.iter().enumerate() {
            let n = i + 1;
            let cmd = format!("codex exec --json -C /srv/app 'Task: write the module.\n\nFile to create: {out}\n' > logs/b{b}/{n}.jsonl 2> logs/b{b}/{n}.err");
            cmds.push_str(&cmd.replace('\n', "\\n"));
            cmds.push('\n');
            let killed = b == 2 && n == 1;
            let (exit, sig, rt) = if killed { (-1, 15, "   600.002") } else { (0, 0, "   212.090") };
            log.push_str(&format!(
                "{n}\t:\t1763647391.{n}00\t{rt}\t0\t0\t{exit}\t{sig}\t{}\n",
                cmd.replace('\n', "\0")
            ));
            write(r, out, if killed { "" } else { "pub fn f() {}\n" });
            let stream = if killed {
                "{\"type\":\"thread.started\",\"thread_id\":\"t-killed\"}\n{\"type\":\"turn.started\"}\n{\"type\":\"item.started\",\"item\":{\"id\":\"item_0\",\"type\":\"command_execution\",\"command\":\"bash -lc 'cargo build'\",\"aggregated_output\":\"\",\"exit_code\":null,\"status\":\"in_progress\"}}\n".to_string()
            } else {
                ok_stream(&format!("t-{b}-{n}"), out, 20000)
            };
            write(r, &format!("logs/b{b}/{n}.jsonl"), &stream);
            write(r, &format!("logs/b{b}/{n}.err"), "");
        }
        write(r, &format!("joblog-batch{b}.tsv"), &log);
    }
    let p = plan(r);
    assert_eq!(p["verdict"], "retry_as_is", "{p:#}");
    assert_eq!(p["failing_batch"], 2);
    assert_eq!(p["rerun_jobs"][0]["class"], "transient");
    assert_eq!(p["preserved_batches"], serde_json::json!([1]));
    let i = inspect(r);
    let job = &i["batches"][1]["jobs"][0];
    assert_eq!(job["exit_code"], -1);
    assert_eq!(job["duration_s"], 600.002);
}

/// Batch 4 already ran and its prompt reads the file batch 3 failed on: it must run again.
#[test]
fn a_later_batch_that_read_the_repaired_file_re_runs() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let mut jobs = vec![];
    for (b, job, out, extra) in [
        (1, "b1-models", "app/models.py", ""),
        (1, "b1-storage", "app/storage.py", ""),
        (2, "b2-api", "app/api.py", "- Import TaskRepository from app.storage\n"),
        (3, "b3-schema", "app/schema.py", ""),
        (4, "b4-docs", "docs/SCHEMA.md", "- Document every field defined in app/schema.py\n"),
        (4, "b4-readme", "README.md", ""),
    ] {
        jobs.push((b, job, out));
        let script = format!(
            "#!/usr/bin/env bash\n# App Phase 2 - Batch {b}\nPROJECT=/srv/app\ncodex exec --full-auto --json -C \"$PROJECT\" \"\nContext: App Phase 2 Batch {b}\n\nFile to create: {out}\n\nRequirements:\n{extra}- Keep it small\n\" > \"$PROJECT/logs/{job}.jsonl\" 2> \"$PROJECT/logs/{job}.err\" &\nwait\n"
        );
        write(r, &format!("scripts/phase2-batch{b}-{job}.sh"), &script);
        write(r, &format!("logs/{job}.jsonl"), &ok_stream(job, out, 30000));
        write(r, out, "x = 1\n");
    }
    write(r, "logs/validation-batch3.md", "Haiku Validation Report - Batch 3:\n❌ FAIL: app/schema.py\n   - NameError: name 'Field' is not defined (line 7)\n");
    write(
        r,
        "logs/validation-batch4.md",
        "Haiku Validation Report - Batch 4:\n✅ PASS: docs/SCHEMA.md\n✅ PASS: README.md\n",
    );
    let p = plan(r);
    assert_eq!(p["verdict"], "targeted_recovery", "{p:#}");
    assert_eq!(p["scope"], "fix_then_continue");
    assert_eq!(p["failing_batch"], 3);
    assert_eq!(p["rerun_batches_after"], serde_json::json!([4]));
    assert_eq!(p["continue_from_batch"], 4);
    assert_eq!(p["preserved_batches"], serde_json::json!([1, 2]));
    let q2 = p["rationale"].as_array().unwrap().iter().find(|s| s["step"] == "Q2").unwrap();
    assert!(
        q2["evidence"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e.as_str().unwrap().contains("b4-docs reads what the repair changes")),
        "{q2:#}"
    );
}

/// Only codex streams and project files: jobs come from the logs, prompts from the sessions.
#[test]
fn prompts_are_recovered_from_session_files_by_thread_id() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    let jobs = [
        (1, "b1-lexer", "src/lexer.rs", "0199b5c2-0000-7d40-9a7c-000000000001"),
        (1, "b1-token", "src/token.rs", "0199b5c2-0000-7d40-9a7c-000000000002"),
        (2, "b2-parser", "src/parser.rs", "0199b5c2-0000-7d40-9a7c-000000000003"),
    ];
    for (b, job, out, thread) in jobs {
        write(r, &format!("logs/b{b}/{job}.jsonl"), &ok_stream(thread, out, 25000));
        write(r, out, "pub fn f() {}\n");
        let project = format!(
            "{{\"timestamp\":\"2025-11-20T14:03:11.482Z\",\"type\":\"session_meta\",\"payload\":{{\"id\":\"{thread}\",\"cwd\":\"/srv/app\",\"originator\":\"codex_exec\",\"cli_version\":\"0.63.0\"}}}}\n\
{{\"timestamp\":\"2025-11-20T14:03:11.503Z\",\"type\":\"event_msg\",\"payload\":{{\"type\":\"user_message\",\"message\":\"Task: write it.\\n\\nFile to create: {out}\\n\"}}}}\n"
        );
        write(r, &format!("sessions/2025/11/20/rollout-2025-11-20T14-03-11-{thread}.jsonl"), &project);
    }
    write(r, "logs/b2/cargo-check.txt", "error[E0432]: unresolved import `crate::lexer::Tok`\n --> src/parser.rs:3:5\n  |\n3 | use crate::lexer::Tok;\n  |     ^^^^^^^^^^^^^^^^^ no `Tok` in `lexer`\n");
    let i = inspect(r);
    let b2 = &i["batches"][1]["jobs"][0];
    assert_eq!(b2["id"], "b2-parser");
    assert_eq!(b2["status"], "failed");
    assert_eq!(
        b2["prompt_source"],
        "sessions/2025/11/20/rollout-2025-11-20T14-03-11-0199b5c2-0000-7d40-9a7c-000000000003.jsonl"
    );
    assert_eq!(b2["findings"][0]["error_type"], "E0432");
    assert_eq!(b2["findings"][0]["line"], 3);
    let p = plan(r);
    assert_eq!(p["verdict"], "targeted_recovery", "{p:#}");
    assert_eq!(p["rerun_jobs"][0]["class"], "import");
}

/// A failure in batch 1 leaves little to preserve: full restart, with both numbers reported.
#[test]
fn a_failure_in_the_first_batch_restarts_the_phase() {
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    for (b, job, out) in
        [(1, "b1-a", "pkg/a.py"), (1, "b1-b", "pkg/b.py"), (2, "b2-c", "pkg/c.py"), (3, "b3-d", "pkg/d.py")]
    {
        let script =
            format!("#!/bin/sh\n# Batch {b}\ncodex exec --json \"File to create: {out}\" > logs/{job}.jsonl &\nwait\n");
        write(r, &format!("run-batch{b}-{job}.sh"), &script);
        if b == 1 {
            write(r, &format!("logs/{job}.jsonl"), &ok_stream(job, out, 30000));
            write(r, out, "x = 1\n");
        }
    }
    write(r, "validation-batch1.txt", "$ python -m py_compile pkg/a.py\n  File \"pkg/a.py\", line 2\n    def f(\n         ^\nSyntaxError: '(' was never closed\n\n$ python -m py_compile pkg/b.py\n");
    let p = plan(r);
    assert_eq!(p["verdict"], "full_restart", "{p:#}");
    assert_eq!(p["scope"], "whole_phase");
    assert_eq!(p["continue_from_batch"], 1);
    let r4 = p["rationale"].as_array().unwrap().iter().find(|s| s["step"] == "R4").unwrap();
    assert_eq!(r4["fired"], true);
    assert!(r4["answer"].as_str().unwrap().starts_with("yes: preserved 0 of "), "{r4:#}");
}

/// import writes run.json; loading it gives the same run.
#[test]
fn a_manifest_written_by_import_reads_back_the_same() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fixtures/sparkq-phase6");
    let d = tempfile::tempdir().unwrap();
    let copy = d.path().join("p");
    copy_dir(&src, &copy);
    let out = Command::cargo_bin("recover-tui")
        .unwrap()
        .arg("import")
        .arg(&copy)
        .arg("-o")
        .arg(copy.join("run.json"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(copy.join("run.json")).unwrap();
    assert!(text.contains("\"schema\": \"recover-tui/run@1\""));
    let from_logs = Command::cargo_bin("recover-tui").unwrap().args(["plan", "--json"]).arg(&copy).output().unwrap();
    let from_manifest = Command::cargo_bin("recover-tui")
        .unwrap()
        .args(["plan", "--json"])
        .arg(copy.join("run.json"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&from_logs.stdout), String::from_utf8_lossy(&from_manifest.stdout));
    let a = inspect(&copy.join("run.json"));
    assert_eq!(a["batches"][2]["jobs"][2]["findings"][0]["message"], "No module named 'sparkq.api'");
}
