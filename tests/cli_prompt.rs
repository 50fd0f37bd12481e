//! `recover-tui prompt --job ID`.

mod cli_common;
use cli_common::{code, stderr, stdout, Project};

#[test]
fn sparkq_prompt_shows_where_handle_enqueue_really_lives() {
    let p = Project::copy("sparkq-phase6");
    let out = p.run("prompt", &["--job", "b3-api-tests"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("handle_enqueue is defined in sparkq/src/api.py"), "{text}");
    assert!(text.contains("sparkq.src.api"), "{text}");
    assert!(text.contains("No module named 'sparkq.api'"), "{text}");
    assert!(text.ends_with('\n'));
    assert!(!text.contains("recover-tui:"), "{text}");
}

#[test]
fn notes_prompt_names_the_syntax_error_line() {
    let p = Project::copy("notes-joblog");
    let text = stdout(&p.run("prompt", &["--job", "b2-1"]));
    assert!(text.contains("notes/render.py"), "{text}");
    assert!(text.contains("expected ':'"), "{text}");
}

#[test]
fn unknown_or_passed_jobs_are_bad_input() {
    let p = Project::copy("sparkq-phase6");
    let out = p.run("prompt", &["--job", "b9-nope"]);
    assert_eq!(code(&out), 2);
    assert!(stdout(&out).is_empty());
    let err = stderr(&out);
    assert!(
        err.starts_with("recover-tui: job `b9-nope` is not in the run; its failed jobs are b3-api-tests (loaded from "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let out = p.run("prompt", &["--job", "b1-models"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).trim(),
        "recover-tui: job `b1-models` did not fail (status passed): only a failed job has a recovery prompt"
    );
}
