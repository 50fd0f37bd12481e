use super::*;
use crate::core::model::TokenUsage;

fn finished(final_message: &str) -> AgentLog {
    let mut log = AgentLog::new(AgentLogKind::CodexJson);
    log.finished = true;
    log.tokens = Some(TokenUsage { input: 12000, cached_input: 8000, output: 640 });
    log.files_written.push("src/lexer.rs".into());
    log.set_final_message(final_message);
    log
}

#[test]
fn exit_statuses_of_a_joblog_row() {
    assert_eq!(exit_verdict(0, 0, None), ExitVerdict::Passed);
    assert_eq!(
        exit_verdict(-1, 15, None),
        ExitVerdict::Failed("killed (Exitval -1, signal 15): timeout, interrupt or out of memory".into())
    );
    assert_eq!(exit_verdict(-2, 0, None), ExitVerdict::NeverRan);
    assert_eq!(
        exit_verdict(1, 0, Some("error: unexpected argument '--ful-auto' found")),
        ExitVerdict::Failed("exited with status 1: error: unexpected argument '--ful-auto' found".into())
    );
    assert_eq!(exit_verdict(2, 9, None), ExitVerdict::Failed("exited with status 2 after signal 9".into()));
}

#[test]
fn a_real_success_is_no_false_success() {
    let log = finished("Created src/lexer.rs with a Token enum.");
    assert_eq!(false_success(&log), None);
    assert!(suspect_signs(&log).is_empty());
}

#[test]
fn limit_and_capacity_messages_are_false_successes() {
    for text in [
        "You've hit your usage limit. Upgrade to Pro or try again at 3:45 PM.",
        "You've hit your session limit · resets 3:45pm",
        "Selected model is at capacity. Please try a different model.",
        "API Error: 500 {\"type\":\"error\",\"error\":{\"type\":\"api_error\",\"message\":\"Internal server error\"}}",
    ] {
        let log = finished(text);
        let why = false_success(&log).unwrap_or_else(|| panic!("{text}"));
        assert!(why.starts_with("false success: the run reported success, but "), "{why}");
        assert!(why.ends_with(text.lines().next().unwrap_or("")), "{why}");
    }
    // A class named RateLimiter in the message is not a limit.
    assert_eq!(false_success(&finished("Added RateLimiter and its tests.")), None);
}

#[test]
fn zero_output_tokens_fail_only_without_files() {
    let mut log = finished("Done.");
    log.tokens = Some(TokenUsage { input: 3, cached_input: 0, output: 0 });
    assert_eq!(false_success(&log), None);
    assert_eq!(suspect_signs(&log), vec!["it reported 0 output tokens yet wrote files".to_string()]);
    log.files_written.clear();
    assert_eq!(
        false_success(&log).as_deref(),
        Some("false success: the run reported success with 0 output tokens and wrote no file")
    );
    // The text log has one blended total, no output figure.
    log.kind = AgentLogKind::CodexText;
    assert_eq!(false_success(&log), None);
}

#[test]
fn a_failed_or_unfinished_log_is_never_a_false_success() {
    let mut log = finished("You've hit your usage limit.");
    log.failure = Some("turn failed".into());
    assert_eq!(false_success(&log), None);
    let mut cut = finished("You've hit your usage limit.");
    cut.finished = false;
    assert_eq!(false_success(&cut), None);
}

#[test]
fn status_of_findings() {
    assert_eq!(status_of(&[]), Status::Passed);
    assert_eq!(status_of(&[Finding { error_type: "exit_status".into(), ..Finding::default() }]), Status::Failed);
}
