//! Model-written reports.

use super::is_label_only;
use crate::core::ingest::validation::parse;
use crate::core::ingest::validation::test_support::{data, rows, sources};
use regex::Regex;

#[test]
fn sparkq_haiku_report_batch3() {
    let r = parse(
        data!("fixtures/sparkq-phase6/_build/logs/phase6/batch3-validation.md"),
        "logs/phase6/batch3-validation.md",
    );
    assert_eq!(r.batch, Some(3));
    assert_eq!(r.checked, ["sparkq/tests/conftest.py", "sparkq/tests/test_storage.py", "sparkq/tests/test_api.py"]);
    assert_eq!(r.failed, ["sparkq/tests/test_api.py"]);
    assert_eq!(
        rows(&r),
        [(Some("sparkq/tests/test_api.py"), None, "ModuleNotFoundError", "No module named 'sparkq.api'")]
    );
    assert_eq!(sources(&r), ["logs/phase6/batch3-validation.md:5"]);
    assert!(r.warnings.is_empty());
}

#[test]
fn sparkq_haiku_reports_all_pass() {
    let r = parse(data!("fixtures/sparkq-phase6/_build/logs/phase6/batch1-validation.md"), "b1.md");
    assert_eq!(r.batch, Some(1));
    assert_eq!(r.checked, ["sparkq/src/models.py", "sparkq/src/storage.py"]);
    assert!(r.failed.is_empty());
    assert!(r.findings.is_empty());
    let r = parse(data!("fixtures/sparkq-phase6/_build/logs/phase6/batch2-validation.md"), "b2.md");
    assert_eq!(r.batch, Some(2));
    assert_eq!(r.checked, ["sparkq/src/cli.py", "sparkq/src/api.py"]);
    assert!(r.findings.is_empty());
}

#[test]
fn report_variants_emoji_brackets_plain_and_path_first() {
    let r = parse(data!("validation/haiku-variants.md"), "v.md");
    assert_eq!(r.batch, Some(4));
    assert_eq!(
        rows(&r),
        [
            (
                Some("sparkq/src/scheduler.py"),
                Some(3),
                "ImportError",
                "cannot import name 'TaskRepo' from 'sparkq.storage'"
            ),
            (Some("sparkq/src/scheduler.py"), Some(27), "NameError", "name 'Task' is not defined"),
            (Some("sparkq/src/retry.py"), Some(12), "SyntaxError", "invalid syntax"),
            (Some("sparkq/src/metrics.py"), None, "ValidationFailure", "validation failed"),
            (Some("sparkq/src/config.py"), Some(8), "TypeError", "unsupported operand type(s) for +: 'int' and 'str'"),
            (
                Some("sparkq/src/config.py"),
                Some(14),
                "ValidationFailure",
                "Function `load()` is still a stub (returns None); see sparkq/src/config.py:14"
            ),
            (Some("sparkq/tests/test_worker.py"), None, "AssertionError", "test_retry_backoff: assert 3 == 2"),
            (Some("sparkq/src/queue.py"), None, "ValidationFailure", "placeholder left"),
        ]
    );
    assert_eq!(
        r.checked,
        [
            "sparkq/src/worker.py",
            "sparkq/src/scheduler.py",
            "sparkq/src/retry.py",
            "sparkq/src/metrics.py",
            "sparkq/src/config.py",
            "sparkq/src/__init__.py",
            "sparkq/tests/test_worker.py",
            "sparkq/tests/test_scheduler.py",
            "sparkq/src/locks.py",
            "sparkq/src/queue.py",
        ]
    );
    assert_eq!(
        r.failed,
        [
            "sparkq/src/scheduler.py",
            "sparkq/src/retry.py",
            "sparkq/src/metrics.py",
            "sparkq/src/config.py",
            "sparkq/tests/test_worker.py",
            "sparkq/src/queue.py",
        ]
    );
    // The metrics FAIL has no detail: its finding points at the FAIL line itself.
    assert_eq!(r.findings[3].source, "v.md:12");
}

#[test]
fn report_as_table_and_per_file_sections() {
    let r = parse(data!("validation/claude-table-report.md"), "t.md");
    assert_eq!(r.batch, Some(2));
    assert_eq!(
        rows(&r),
        [
            (Some("sparkq/src/api.py"), None, "ModuleNotFoundError", "No module named 'sparkq.handlers'"),
            (Some("sparkq/src/web.py"), None, "ValidationFailure", "validation failed"),
            (Some("sparkq/src/storage.py"), Some(2), "E0432", "unresolved import"),
            (Some("sparkq/src/storage.py"), None, "sqlite3.OperationalError", "no such column: tasks.priority"),
        ]
    );
    assert_eq!(
        r.checked,
        [
            "sparkq/src/cli.py",
            "sparkq/src/api.py",
            "sparkq/src/web.py",
            "sparkq/src/storage.py",
            "sparkq/src/models.py"
        ]
    );
    assert_eq!(r.failed, ["sparkq/src/api.py", "sparkq/src/web.py", "sparkq/src/storage.py"]);
}

#[test]
fn fail_line_followed_by_a_summary_does_not_take_it_as_detail() {
    let text = "Validation Report - Batch 2:\n\
                ✅ PASS: notes/export.py\n\
                ❌ FAIL: notes/render.py\n\
                Summary:\n\
                - 1/2 passed\n";
    let r = parse(text, "r.txt");
    assert_eq!(rows(&r), [(Some("notes/render.py"), None, "ValidationFailure", "validation failed")]);
    assert_eq!(r.checked, ["notes/export.py", "notes/render.py"]);
}

#[test]
fn detail_line_numbers_and_types() {
    let cases: &[(&str, Option<u32>, &str, &str)] = &[
        ("- SyntaxError: expected ':' (line 4)", Some(4), "SyntaxError", "expected ':'"),
        ("- Line 4: SyntaxError: expected ':'", Some(4), "SyntaxError", "expected ':'"),
        ("- IndentationError: unexpected indent [line 7, col 3]", Some(7), "IndentationError", "unexpected indent"),
        (
            "- `ModuleNotFoundError`: No module named 'x' on line 1",
            Some(1),
            "ModuleNotFoundError",
            "No module named 'x'",
        ),
        (
            "- error[E0432]: unresolved import `crate::lexer` (line 1)",
            Some(1),
            "E0432",
            "unresolved import `crate::lexer`",
        ),
        ("- TS2307: Cannot find module './types' (line 3)", Some(3), "TS2307", "Cannot find module './types'"),
        (
            "- Missing return type annotation at notes/render.py:12",
            Some(12),
            "ValidationFailure",
            "Missing return type annotation at notes/render.py:12",
        ),
        ("- File does not define render()", None, "ValidationFailure", "File does not define render()"),
    ];
    for (detail, line, error_type, message) in cases {
        let text = format!("❌ FAIL: notes/render.py\n  {detail}\n");
        let r = parse(&text, "r.md");
        assert_eq!(rows(&r), [(Some("notes/render.py"), *line, *error_type, *message)], "{detail}");
        assert_eq!(sources(&r), ["r.md:2"]);
    }
}

#[test]
fn details_under_a_label() {
    let text = "❌ FAIL: notes/render.py\n\
                Errors:\n\
                \x20 - SyntaxError: expected ':' (line 4)\n\
                \x20   def render(note: Note) -> str\n\
                \x20 - NameError: name 'Note' is not defined (line 4)\n\
                ✅ PASS: notes/export.py\n";
    let r = parse(text, "r.md");
    assert_eq!(
        rows(&r),
        [
            (Some("notes/render.py"), Some(4), "SyntaxError", "expected ':'"),
            (Some("notes/render.py"), Some(4), "NameError", "name 'Note' is not defined"),
        ]
    );
    assert_eq!(r.checked, ["notes/render.py", "notes/export.py"]);
}

#[test]
fn tool_output_pasted_under_a_fail_line() {
    let text = "Validation Report - Batch 2:\n\
                ❌ FAIL: notes/render.py\n\
                \x20   File \"notes/render.py\", line 4\n\
                \x20     def render(note: Note) -> str\n\
                \x20                                  ^\n\
                \x20   SyntaxError: expected ':'\n\
                ❌ FAIL: src/parser.rs\n\
                \x20 error[E0425]: cannot find value `tok` in this scope\n\
                \x20  --> src/parser.rs:6:5\n\
                ❌ FAIL: sparkq/tests/test_api.py\n\
                \x20 E   ModuleNotFoundError: No module named 'sparkq.api'\n";
    let r = parse(text, "r.md");
    assert_eq!(
        rows(&r),
        [
            (Some("notes/render.py"), Some(4), "SyntaxError", "expected ':'"),
            (Some("src/parser.rs"), Some(6), "E0425", "cannot find value `tok` in this scope"),
            (Some("sparkq/tests/test_api.py"), None, "ModuleNotFoundError", "No module named 'sparkq.api'"),
        ]
    );
}

/// `is_label_only` against the regex it stands for: labels of 30 and 31 characters, non-ASCII
/// letters (counted as characters, not bytes), stars and colons around them.
#[test]
fn label_lines_are_those_of_the_bounded_regex() {
    let re = Regex::new(r"^\**[\w /-]{1,30}\**:\**\s*$").expect("regex");
    let same = |line: &str| {
        assert_eq!(is_label_only(line), re.is_match(line), "{line:?}");
        re.is_match(line)
    };
    let a30 = "a".repeat(30);
    assert!(same(&format!("{a30}:")));
    assert!(!same(&format!("{a30}a:")));
    assert!(same(&format!("**{a30}**:** \t")));
    assert!(!same(&format!("**{a30}b**:")));
    let e30 = "é".repeat(30); // 60 bytes, 30 characters
    assert!(same(&format!("{e30}:")));
    assert!(!same(&format!("{e30}ü:")));
    assert!(same(&format!("{}:", "日本語 / ab-c_1".repeat(2))));
    assert!(same("Errors:"));
    assert!(same("**Details**:"));
    assert!(same("Root cause:  "));
    assert!(!same(":"));
    assert!(!same("**:"));
    assert!(!same("Errors: x"));
    assert!(!same("a*b:"));
    assert!(!same("Errors::"));
    assert!(same("Errors:**"));
    assert!(!same("Errors:\u{a0}x"));
    assert!(same("Errors:\u{a0}"));
    assert!(!same("Err.ors:"));
    for n in 0..40 {
        for unit in ["x", "é", " ", "-", "/", "_", "٣", "*", ":", "."] {
            let label = unit.repeat(n);
            for line in [format!("{label}:"), format!("*{label}*:"), format!("{label}a:"), format!("- {label}:")] {
                same(&line);
            }
        }
    }
}
