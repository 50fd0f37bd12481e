//! The agent log shapes of current tool builds (formats/README.md §8), read through the one
//! registry of readers, and what the load makes of them (DESIGN.md §2, §14).

mod common;

use recover_tui::core::ingest::agent::AgentLog;
use recover_tui::core::ingest::formats::{self, FileInfo, Format, Parsed};
use recover_tui::core::model::{Job, Run, Status};
use std::path::Path;

fn bytes(rel: &str) -> Vec<u8> {
    let p = common::data().join("formats").join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Sniff and read a fixture as the scan would; it must be an agent log of `format`.
fn agent(rel: &str, format: Format) -> AgentLog {
    let b = bytes(rel);
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let file = FileInfo { rel, name, generators: &[] };
    let reader = formats::sniff_reader(&b, &file).unwrap_or_else(|| panic!("{rel}: no reader"));
    assert_eq!(reader.format(), format, "{rel}");
    match reader.read(&mut &b[..], &file).unwrap() {
        Parsed::Agent(a) => *a,
        other => panic!("{rel}: {other:?}"),
    }
}

fn notices(a: &AgentLog) -> Vec<&str> {
    a.notices.iter().map(String::as_str).collect()
}

#[test]
fn codex_json_interrupted_has_no_final_event_and_keeps_what_it_wrote() {
    let a = agent("codex_json/interrupted.jsonl", Format::CodexJson);
    assert!(!a.finished);
    assert_eq!(a.failure.as_deref(), Some(formats::codex_json::NO_FINAL_EVENT));
    assert_eq!(a.files_written, vec!["sparkq/tests/test_storage_unit.py"]);
    assert_eq!(a.tokens, None);
    // The rerouting notice is an `error` item: evidence, not the failure.
    let warning: Vec<&str> =
        a.evidence.iter().filter(|f| f.error_type == "agent_warning").map(|f| f.message.as_str()).collect();
    assert_eq!(warning, vec!["model rerouted: gpt-5.1-codex -> gpt-5.1-codex-mini (high demand)"]);
}

#[test]
fn codex_json_usage_limit_keeps_the_reset_time() {
    let a = agent("codex_json/usage_limit.jsonl", Format::CodexJson);
    assert!(a.finished);
    let failure = a.failure.unwrap_or_default();
    assert!(failure.starts_with("You've hit your usage limit."), "{failure}");
    assert!(failure.contains("try again at 3:45 PM."), "{failure}");
    assert!(failure.ends_with("(resets at 2025-12-01T16:00:00Z)"), "{failure}");
    assert_eq!(a.retries, 1);
}

#[test]
fn codex_json_capacity_error_is_the_turn_failure_and_retries_are_notices() {
    let a = agent("codex_json/capacity.jsonl", Format::CodexJson);
    assert_eq!(
        a.failure.as_deref(),
        Some("Selected model is at capacity. Please try a different model. (request id: req_7f3a9c21e0b4)")
    );
    assert_eq!(a.retries, 2);
    assert_eq!(notices(&a).len(), 2);
}

#[test]
fn codex_json_declined_patch_writes_nothing_and_telemetry_lines_are_skipped() {
    let a = agent("codex_json/declined_and_telemetry.jsonl", Format::CodexJson);
    assert_eq!(a.failure, None);
    assert!(a.finished);
    // The declined patch's path is still one of the job's outputs; its finding says it failed.
    assert_eq!(a.files_written, vec!["sparkq/src/queue_api.py", "sparkq/src/queue_worker.py"]);
    let patch: Vec<&str> =
        a.evidence.iter().filter(|f| f.error_type == "patch_failed").map(|f| f.message.as_str()).collect();
    assert_eq!(patch, vec!["file change failed: sparkq/src/queue_api.py"]);
    assert_eq!(a.tokens.map(|t| (t.input, t.cached_input, t.output)), Some((20412, 15360, 1307)));
    assert_eq!(
        a.final_message.as_deref(),
        Some("Added sparkq/src/queue_worker.py; the patch to queue_api.py was rejected by the sandbox.")
    );
    // The web_search line with its `id` twice is read (it is not reported as broken).
    assert!(!a.warnings.iter().any(|w| w.line == Some(5)), "{:?}", a.warnings);
}

#[test]
fn codex_text_apply_patch_paths_are_the_outputs() {
    let a = agent("codex_text/current_ok.log", Format::CodexText);
    assert_eq!(a.files_written, vec!["/home/dev/sparkq/sparkq/tests/test_storage_unit.py"]);
    assert_eq!(a.thread_id.as_deref(), Some("019a7c52-6e0f-7b31-8c92-4d7a1e3f9b26"));
    assert!(a.finished);
    assert_eq!(a.failure, None);
    let prompt = a.prompt.unwrap_or_default();
    assert!(prompt.ends_with("Validation: python -m pytest -q sparkq/tests/test_storage_unit.py"), "{prompt}");
    assert!(!prompt.contains("Reading the storage module"), "{prompt}");
    let kinds: Vec<(&str, &str)> = a.evidence.iter().map(|f| (f.error_type.as_str(), f.message.as_str())).collect();
    assert!(kinds.contains(&("patch_failed", "apply patch declined: sparkq/src/storage.py")), "{kinds:?}");
    assert!(a.evidence.iter().any(|f| f.message.contains("pytest")), "{kinds:?}");
    assert_eq!(
        a.final_message.as_deref(),
        Some("Created sparkq/tests/test_storage_unit.py. One test fails because Queue needs a path argument.")
    );
}

#[test]
fn codex_text_usage_limit_names_its_output_through_the_echoed_prompt() {
    let a = agent("codex_text/usage_limit.log", Format::CodexText);
    assert!(a.files_written.is_empty());
    assert!(a.failure.as_deref().is_some_and(|f| f.contains("try again at 3:45 PM.")), "{:?}", a.failure);
    let outputs = recover_tui::core::ingest::prompt_text::outputs(a.prompt.as_deref().unwrap_or(""));
    assert_eq!(outputs, vec!["sparkq/tests/test_api_integration.py"]);
}

#[test]
fn codex_text_turn_interrupted_is_the_failure() {
    let a = agent("codex_text/interrupted.log", Format::CodexText);
    assert_eq!(a.failure.as_deref(), Some("turn interrupted"));
    assert_eq!(notices(&a), vec!["model rerouted: gpt-5.1-codex -> gpt-5.1-codex-mini (high demand)"]);
    assert_eq!(a.prompt.as_deref(), Some("File to create: sparkq/src/worker.py"));
}

#[test]
fn codex_session_reads_apply_patch_calls_and_exit_codes() {
    let rel = "codex_session/rollout-2026-12-01T11-20-01-019a7c5b-3c71-7a90-8e14-6d2f9b0a4c58.jsonl";
    let b = bytes(rel);
    let file = FileInfo { rel, name: rel, generators: &[] };
    assert_eq!(formats::sniff(rel, &b, &[]), Format::CodexSession);
    let Parsed::Session(s) = formats::read_bytes(&b, &file) else { panic!("not a session") };
    assert_eq!(s.id.as_deref(), Some("019a7c5b-3c71-7a90-8e14-6d2f9b0a4c58"));
    assert_eq!(s.files_written, vec!["sparkq/tests/test_queue_api.py", "sparkq/src/queue_api.py"]);
    assert!(s.prompt.as_deref().is_some_and(|p| p.starts_with("Task: tests for the queue API.")));
    assert_eq!(s.evidence.len(), 1, "{:?}", s.evidence);
    assert!(s.evidence[0].message.contains("python -m pytest -q sparkq/tests/test_queue_api.py"), "{:?}", s.evidence);
    assert!(s.completed);
}

#[test]
fn claude_api_retry_and_rate_limit_frames_are_retries_not_failures() {
    let a = agent("claude/stream_api_retry.jsonl", Format::Claude);
    assert_eq!(a.failure, None);
    assert_eq!(a.retries, 3);
    assert_eq!(
        notices(&a),
        vec![
            "API retry 1/10: overloaded (529)",
            "API retry 2/10: overloaded (529)",
            "rate limit allowed_warning (resets at 2025-12-01T16:00:00Z)"
        ]
    );
    assert_eq!(a.files_written, vec!["/home/dev/sparkq/sparkq/tests/test_worker.py"]);
}

#[test]
fn claude_session_limit_is_a_failure_with_its_reset_time() {
    let a = agent("claude/session_limit.json", Format::Claude);
    assert_eq!(a.failure.as_deref(), Some("You've hit your session limit · resets 3:45pm"));
    assert!(a.tokens.is_some_and(|t| t.is_zero()));
}

#[test]
fn claude_error_subtypes_without_result_take_their_errors() {
    let a = agent("claude/error_structured_output.json", Format::Claude);
    assert_eq!(a.failure.as_deref(), Some("Failed to provide valid structured output after 5 attempts"));
}

#[test]
fn false_successes_fail_and_soft_signs_are_suspect() {
    use recover_tui::core::status::failed::{false_success, suspect_signs};
    let api = agent("claude/false_success_api_error.json", Format::Claude);
    assert_eq!(api.failure, None);
    let why = false_success(&api).unwrap_or_default();
    assert!(why.starts_with("false success: the run reported success, but its result is an API error: API Error: 529"));
    let zero = agent("claude/zero_output.json", Format::Claude);
    assert_eq!(
        false_success(&zero).as_deref(),
        Some("false success: the run reported success with 0 output tokens and wrote no file")
    );
    let ok = agent("claude/stream_api_retry.jsonl", Format::Claude);
    assert_eq!(false_success(&ok), None);
    assert!(suspect_signs(&ok).is_empty());
    // A Codex run whose final message is a limit text.
    let mut limit = agent("codex_json/declined_and_telemetry.jsonl", Format::CodexJson);
    limit.final_message = Some("You've hit your usage limit. Try again at 8:10 PM.".into());
    assert!(false_success(&limit).is_some_and(|m| m.contains("usage-limit or capacity error")));
    let mut gave_up = agent("codex_json/declined_and_telemetry.jsonl", Format::CodexJson);
    gave_up.final_message = Some("I could not finish the worker: the queue API is missing.".into());
    assert_eq!(false_success(&gave_up), None);
    assert_eq!(
        suspect_signs(&gave_up),
        vec!["its final message says it could not finish: I could not finish the worker: the queue API is missing."]
    );
}

fn job<'r>(run: &'r recover_tui::core::model::Run, id: &str) -> &'r Job {
    run.batches.iter().flat_map(|b| b.jobs.iter()).find(|j| j.id == id).unwrap_or_else(|| {
        panic!("no job {id}: {:?}", run.batches.iter().flat_map(|b| &b.jobs).map(|j| &j.id).collect::<Vec<_>>())
    })
}

#[test]
fn a_real_parallel_batch_loads_with_its_exit_codes_and_unknown_tokens() {
    let dir = common::data().join("formats/joblog");
    let run = recover_tui::scan::load(&dir, &Default::default()).unwrap();
    assert_eq!(run.batches.len(), 1, "{:?}", run.warnings);
    let ids: Vec<&str> = run.batches[0].jobs.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    let (ok, limit, killed) = (&run.batches[0].jobs[0], &run.batches[0].jobs[1], &run.batches[0].jobs[2]);
    assert_eq!(ok.result.status, Status::Passed, "{:?}", ok.result.findings);
    assert!(!ok.result.tokens_unknown);
    assert_eq!(limit.result.status, Status::Failed);
    assert!(limit.result.agent_error.as_deref().is_some_and(|e| e.contains("(resets at 2025-12-01T16:00:00Z)")));
    assert!(limit.result.tokens_unknown, "a failed turn before any usage has unknown tokens");
    assert_eq!(killed.result.status, Status::Failed);
    assert_eq!(killed.result.exit_code, Some(-1));
    assert!(killed.result.tokens_unknown);
    assert!(killed.result.findings.iter().any(|f| f.message.starts_with("killed (Exitval -1, signal 15)")));
    let _ = job(&run, ids[0]);
}

#[test]
fn a_single_log_is_one_job_of_one_batch_in_the_current_project() {
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("sparkq");
    std::fs::create_dir_all(project.join("notes")).unwrap();
    let log = project.join("notes/api-run.log");
    std::fs::write(&log, bytes("codex_text/usage_limit.log")).unwrap();
    // The tool is run in the project root; PATH names the log (its name carries no batch).
    let (out, err, code, _) =
        common::run_cli(&["inspect".as_ref(), "notes/api-run.log".as_ref(), "--json".as_ref()], Some(&project));
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let text = v.to_string();
    assert!(text.contains("sparkq/tests/test_api_integration.py"), "{text}");
    assert!(!project.join("notes/.recover").exists(), "the state dir is never the log's folder");
    let run = {
        let _cwd = CwdGuard::enter(&project);
        recover_tui::scan::load(Path::new("notes/api-run.log"), &Default::default()).unwrap()
    };
    assert_eq!(run.batches.len(), 1);
    assert_eq!(run.batches[0].jobs.len(), 1);
    let j = &run.batches[0].jobs[0];
    assert_eq!(j.outputs, vec!["sparkq/tests/test_api_integration.py"]);
    assert_eq!(j.result.status, Status::Failed);
    assert_eq!(std::fs::canonicalize(&run.project_root).unwrap(), std::fs::canonicalize(&project).unwrap());
}

/// Changes the current directory for the scope (this test binary runs it in one test only).
struct CwdGuard(std::path::PathBuf);

impl CwdGuard {
    fn enter(dir: &Path) -> Self {
        let prev = std::env::current_dir().unwrap();
        std::env::set_current_dir(dir).unwrap();
        CwdGuard(prev)
    }
}

impl Drop for CwdGuard {
    fn drop(&mut self) {
        let _ = std::env::set_current_dir(&self.0);
    }
}

#[test]
fn a_runner_batch_is_read_from_its_job_tables() {
    let dir = common::data().join("formats/runner_project");
    let run = recover_tui::scan::load(&dir, &Default::default()).unwrap();
    let ids: Vec<&str> = run.batches.iter().flat_map(|b| b.jobs.iter()).map(|j| j.id.as_str()).collect();
    assert_eq!(ids, vec!["b1-lexer", "b1-parser", "b1-eval"], "{:?}", run.warnings);
    let lexer = job(&run, "b1-lexer");
    assert_eq!(lexer.outputs, vec!["src/lexer.rs"]);
    assert_eq!(lexer.prompt.as_ref().map(|p| p.source.as_str()), Some("prompts/b1-lexer.md"));
    assert_eq!(lexer.result.status, Status::Passed, "{:?}", lexer.result.findings);
    assert_eq!(lexer.result.duration_s, Some(41.0));
    assert_eq!(lexer.result.logs, vec!["logs/b1-lexer.jsonl", "logs/b1-lexer.last.txt"]);
    let parser = job(&run, "b1-parser");
    assert_eq!(parser.result.status, Status::Failed);
    assert_eq!(parser.result.exit_code, Some(1));
    assert!(parser.result.agent_error.as_deref().is_some_and(|e| e.contains("usage limit")));
    let eval = job(&run, "b1-eval");
    assert_eq!(eval.result.exit_code, Some(124));
    assert!(eval.result.findings.iter().any(|f| f.message == "exited with status 124"), "{:?}", eval.result.findings);
    assert!(eval.result.tokens_unknown);
}

/// A project whose batch-1 script holds `calls` (after `# Batch 1`, before `wait`) and whose
/// `logs/b1/lexer.jsonl` is a successful Codex stream (911 output tokens), loaded.
fn batch1_with_lexer_log(calls: &str) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    std::fs::create_dir_all(p.join("logs/b1")).unwrap();
    std::fs::write(p.join("phase2-codex-batch1.sh"), format!("#!/usr/bin/env bash\n# Batch 1\n{calls}wait\n")).unwrap();
    std::fs::write(p.join("logs/b1/lexer.jsonl"), bytes("codex_exec_json_ok.jsonl")).unwrap();
    recover_tui::scan::load(p, &Default::default()).unwrap()
}

#[test]
fn a_log_named_by_a_redirect_and_a_tee_of_one_job_is_one_log() {
    let run = batch1_with_lexer_log(concat!(
        "codex exec --json --full-auto \"Create src/lexer.rs: a Token enum.\n\nFile to create: src/lexer.rs\" ",
        "2>&1 | tee logs/b1/lexer.jsonl &\n",
    ));
    assert!(!run.warnings.iter().any(|w| w.contains("named by")), "{:?}", run.warnings);
    let jobs: Vec<&Job> = run.batches.iter().flat_map(|b| b.jobs.iter()).collect();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].result.logs, vec!["logs/b1/lexer.jsonl"]);
    assert_eq!(jobs[0].result.tokens.output, 911);
}

#[test]
fn a_log_named_by_two_jobs_is_matched_to_the_first_with_a_warning() {
    let run = batch1_with_lexer_log(concat!(
        "codex exec --json \"Create src/lexer.rs.\n\nFile to create: src/lexer.rs\" > logs/b1/lexer.jsonl &\n",
        "codex exec --json \"Create src/ast.rs.\n\nFile to create: src/ast.rs\" > logs/b1/ast.jsonl 2> logs/b1/lexer.jsonl &\n",
    ));
    let named: Vec<&String> = run.warnings.iter().filter(|w| w.contains("named by")).collect();
    assert_eq!(
        named,
        ["logs/b1/lexer.jsonl: named by the redirects of 2 jobs; matched to the first (phase2-codex-batch1.sh:3)"],
        "{:?}",
        run.warnings
    );
    let lexer = run.batches[0].jobs.iter().find(|j| j.outputs == ["src/lexer.rs"]).expect("the lexer job");
    assert_eq!(lexer.result.tokens.output, 911);
    let ast = run.batches[0].jobs.iter().find(|j| j.outputs == ["src/ast.rs"]).expect("the ast job");
    assert_eq!(ast.result.tokens.output, 0);
}
