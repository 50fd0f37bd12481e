//! The dispatcher: every regex, `$ command` lines, line cleaning, robustness, and `looks_like`.

use super::files::is_path_like;
use super::pytest::*;
use super::python::*;
use super::report::*;
use super::test_support::{data, rows};
use super::tools::*;
use super::*;

#[test]
fn every_regex_compiles() {
    let all: [&Regex; 56] = [
        &*NOT_A_REPORT,
        &*REPORT_SIGNS,
        &*PY_FRAME,
        &*PY_EXCEPTION_AT_START,
        &*ANSI,
        &*COMMAND,
        &*REPORT_HEADER,
        &*BATCH,
        &*EXCEPTION,
        &*LIST_MARKER,
        &*PLAIN_VERDICT_AFTER_PATH,
        &*DETAIL_LINE_PREFIX,
        &*DETAIL_LINE_PAREN,
        &*DETAIL_LINE_AT,
        &*DETAIL_LINE_WORD,
        &*DETAIL_PATH_LINE,
        &*DETAIL_TYPE,
        &*DETAIL_RUST_TYPE,
        &*LABEL_ONLY,
        &*ADVICE,
        &*SUMMARY_LABEL,
        &*STATUS_LINE,
        &*PYTEST_BANNER,
        &*PYTEST_SECTION,
        &*PYTEST_LOCATION,
        &*PYTEST_SETUP_FILE,
        &*PYTEST_SUMMARY,
        &*PYTEST_COLLECTING,
        &*PYTEST_PROGRESS_VERBOSE,
        &*PYTEST_PROGRESS,
        &*PY_TRACEBACK,
        &*PY_FILE_FRAME,
        &*PY_CHAINED,
        &*PY_SORRY,
        &*PY_ERRNO,
        &*RUST_ERROR,
        &*RUST_ARROW,
        &*RUST_LINT,
        &*RUST_PANIC,
        &*RUST_PANIC_OLD,
        &*RUST_SUMMARY,
        &*RUST_SHORT,
        &*MYPY_CODE_AT_END,
        &*MYPY_NOT_WRAPPED,
        &*TSC,
        &*TSC_PRETTY,
        &*TSC_GLOBAL,
        &*COLON_ERROR,
        &*LINT_CODE,
        &*GO,
        &*GO_FAIL,
        &*GO_PASS,
        &*GO_RUN,
        &*GO_TEST_LINE,
        &*ESLINT_HEADER,
        &*ESLINT_MESSAGE,
    ];
    assert!(all.iter().all(|r| !r.as_str().is_empty()));
    assert!(is_path_like("a/b.py") && has_extension("a/b.py"));
}

#[test]
fn command_arguments_name_the_checked_files() {
    let files = |c: &str| command_files(&split_args(c));
    assert_eq!(files("python -m py_compile notes/a.py notes/b.py"), ["notes/a.py", "notes/b.py"]);
    assert_eq!(files("pytest --collect-only -q sparkq/tests"), ["sparkq/tests"]);
    assert_eq!(
        files("python -m pytest -k enqueue sparkq/tests/test_api.py::test_enqueue -q"),
        ["sparkq/tests/test_api.py"]
    );
    assert_eq!(files("npx tsc --noEmit -p tsconfig.json"), Vec::<String>::new());
    assert_eq!(files("cd sparkq && bash -lc 'python -m py_compile src/api.py' 2>&1"), ["src/api.py"]);
    assert_eq!(files("cargo check"), Vec::<String>::new());
}

#[test]
fn colour_codes_and_crlf_are_ignored() {
    let text = "\x1b[31mFAILED\x1b[0m tests/test_x.py::test_y - AssertionError: assert 1 == 2\r\n";
    assert_eq!(
        rows(&parse(text, "c.txt")),
        [(Some("tests/test_x.py"), None, "AssertionError", "test_y: assert 1 == 2")]
    );
}

// --- robustness ---------------------------------------------------------------------

fn fragment() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        Just("❌ FAIL: notes/render.py".to_string()),
        Just("✅ PASS: x.py".to_string()),
        Just("  - SyntaxError: expected ':' (line 4)".to_string()),
        Just("[FAIL] ".to_string()),
        Just("$ python -m py_compile a.py".to_string()),
        Just("Sorry: TabError: x (a.py, line 3)$ pytest".to_string()),
        Just("==================== ERRORS ====================".to_string()),
        Just("==================== FAILURES ====================".to_string()),
        Just("____ ERROR collecting t.py ____".to_string()),
        Just("____ test_x ____".to_string()),
        Just("E   ".to_string()),
        Just("E".to_string()),
        Just("t.py:1: in <module>".to_string()),
        Just("/abs/t.py:12: assert 1 == 2".to_string()),
        Just("FAILED t.py::test_x - ".to_string()),
        Just("ERROR t.py".to_string()),
        Just("Traceback (most recent call last):".to_string()),
        Just("  File \"a.py\", line 9".to_string()),
        Just("ValueError".to_string()),
        Just("error[E0432]: x".to_string()),
        Just("  --> a.rs:1:1".to_string()),
        Just("thread 'main' (1) panicked at a.rs:1:1:".to_string()),
        Just("--- FAIL: TestX (0.00s)".to_string()),
        Just("    x_test.go:3: bad".to_string()),
        Just("/a/b.js".to_string()),
        Just("  1:1  error  x  no-undef".to_string()),
        Just("| a.py | ❌ FAIL | |".to_string()),
        Just("### a.py".to_string()),
        Just("**Status:** ❌".to_string()),
        Just(String::new()),
        "\\PC{0,40}",
    ]
}

proptest::proptest! {
    #[test]
    fn parse_never_panics(lines in proptest::collection::vec(fragment(), 0..40)) {
        let text = lines.join("\n");
        let r = parse(&text, "fuzz.txt");
        for f in &r.findings {
            proptest::prop_assert!(f.source.starts_with("fuzz.txt:"));
            if let Some(file) = &f.file {
                proptest::prop_assert!(r.failed.contains(file));
                proptest::prop_assert!(r.checked.contains(file));
            }
        }
        let _ = looks_like(&text);
    }
}

// --- looks_like --------------------------------------------------------------------

#[test]
fn looks_like_reports_and_tool_output() {
    for (name, text) in [
        ("sparkq-batch3-validation.md", data!("fixtures/sparkq-phase6/_build/logs/phase6/batch3-validation.md")),
        ("sparkq-batch1-validation.md", data!("fixtures/sparkq-phase6/_build/logs/phase6/batch1-validation.md")),
        ("sparkq pytest", data!("fixtures/sparkq-phase6/_build/logs/phase6/batch3-pytest-test_api.py.txt")),
        ("validation-batch1.txt", data!("fixtures/notes-joblog/_build/validation-batch1.txt")),
        ("validation-batch3.txt", data!("fixtures/notes-joblog/_build/validation-batch3.txt")),
        ("haiku-variants.md", data!("validation/haiku-variants.md")),
        ("claude-table-report.md", data!("validation/claude-table-report.md")),
        ("pytest-default.txt", data!("validation/pytest-default.txt")),
        ("mypy.txt", data!("validation/mypy.txt")),
        ("cargo-build.txt", data!("validation/cargo-build.txt")),
        ("tsc-pretty.txt", data!("validation/tsc-pretty.txt")),
        ("eslint.txt", data!("validation/eslint.txt")),
        ("go-build.txt", data!("validation/go-build.txt")),
        ("python-traceback.txt", data!("validation/python-traceback.txt")),
        ("[FAIL] line", "[FAIL] notes/render.py\n  - SyntaxError: expected ':'\n"),
        ("raw go", "./main.go:5:2: undefined: foo\n"),
        ("raw tsc", "src/x.ts(3,5): error TS2307: Cannot find module './y'.\n"),
        ("raw mypy", "notes/a.py:12: error: Incompatible types in assignment  [assignment]\n"),
        (
            "raw py_compile",
            "  File \"notes/render.py\", line 4\n    def render(note: Note) -> str\n                                 ^\nSyntaxError: expected ':'\n",
        ),
    ] {
        assert!(looks_like(text), "{name} should look like a validation report");
    }
}

#[test]
fn looks_like_rejects_other_inputs() {
    for (name, text) in [
        ("codex jsonl", data!("fixtures/sparkq-phase6/_build/logs/phase6/b3-api-tests.jsonl")),
        ("codex failed jsonl", data!("formats/codex_exec_json_failed.jsonl")),
        ("claude stream", data!("formats/claude_stream_json_error.jsonl")),
        ("joblog", data!("joblog/gnu_parallel_joblog.tsv")),
        ("notes joblog", data!("fixtures/notes-joblog/_build/joblog-batch2.tsv")),
        ("run script", data!("fixtures/notes-joblog/_build/run-batch2.sh")),
        ("codex batch script", data!("fixtures/sparkq-phase6/_build/prompts-build/phase6-codex-batch3.sh")),
        ("prompt with Validation: line", data!("fixtures/notes-joblog/_build/prompts/b2-1.md")),
        ("sparkq prompt", data!("fixtures/sparkq-phase6/_build/prompts-build/prompts/b3-api-tests.md")),
        (
            "codex text log that ran pytest",
            "OpenAI Codex v0.63.0 (research preview)\n--------\nworkdir: /home/dev/notes\n--------\nuser\nFix the tests\n\
             exec bash -lc 'pytest -q' in /home/dev/notes\n\
             FAILED tests/test_x.py::test_y - AssertionError: assert 1 == 2\n",
        ),
        ("empty", ""),
    ] {
        assert!(!looks_like(text), "{name} should not look like a validation report");
    }
}
