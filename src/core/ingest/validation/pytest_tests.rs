//! pytest output in each `--tb` style, and the short summary alone.

use crate::core::ingest::validation::parse;
use crate::core::ingest::validation::test_support::{data, rows, sources, Row};

#[test]
fn sparkq_pytest_collection_error_is_one_finding() {
    let r = parse(
        data!("fixtures/sparkq-phase6/_build/logs/phase6/batch3-pytest-test_api.py.txt"),
        "logs/phase6/batch3-pytest-test_api.py.txt",
    );
    assert_eq!(
        rows(&r),
        [(Some("sparkq/tests/test_api.py"), Some(1), "ModuleNotFoundError", "No module named 'sparkq.api'")]
    );
    assert_eq!(sources(&r), ["logs/phase6/batch3-pytest-test_api.py.txt:12"]);
    assert_eq!(r.checked, ["sparkq/tests/test_api.py"]);
    assert_eq!(r.failed, ["sparkq/tests/test_api.py"]);
}

/// The same run (pytest 9.2) printed three ways must give the same findings; only the
/// line of a failure raised in another file is lost with `--tb=line`.
fn expected_store_run(raised_at: &'static str, line: Option<u32>) -> Vec<Row<'static>> {
    vec![
        (Some("tests/test_render.py"), Some(1), "ModuleNotFoundError", "No module named 'notes.render'"),
        (Some("tests/test_syntax.py"), Some(1), "SyntaxError", "invalid syntax"),
        (Some("tests/test_store.py"), Some(25), "FixtureLookupError", "test_broken_fixture: fixture 'db' not found"),
        (Some("tests/test_store.py"), Some(12), "AssertionError", "test_add_then_count: assert 2 == 1"),
        (Some("tests/test_store.py"), line, "KeyError", raised_at),
        (Some("tests/test_store.py"), Some(22), "AssertionError", "TestRender.test_title[1]: assert '#1' == '# 1'"),
        (Some("tests/test_store.py"), Some(22), "AssertionError", "TestRender.test_title[2]: assert '#2' == '# 1'"),
    ]
}

#[test]
fn pytest_long_tracebacks_merge_with_the_short_summary() {
    let r = parse(data!("validation/pytest-default.txt"), "p.txt");
    assert_eq!(rows(&r), expected_store_run("test_get_missing: 'nope' (raised at notes/store.py:9)", Some(16)));
    assert_eq!(r.findings[3].source, "p.txt:63");
    assert_eq!(r.failed, ["tests/test_render.py", "tests/test_syntax.py", "tests/test_store.py"]);
}

#[test]
fn pytest_short_tracebacks() {
    let r = parse(data!("validation/pytest-tb-short.txt"), "p.txt");
    assert_eq!(rows(&r), expected_store_run("test_get_missing: 'nope' (raised at notes/store.py:9)", Some(16)));
    // The directory argument of the command counts as checked.
    assert_eq!(r.checked[0], "tests");
}

#[test]
fn pytest_line_tracebacks_pair_with_summary_lines_in_order() {
    let r = parse(data!("validation/pytest-tb-line.txt"), "p.txt");
    assert_eq!(
        rows(&r),
        expected_store_run("test_get_missing: 'nope' (raised at /home/dev/notes/notes/store.py:9)", None)
    );
    assert_eq!(r.checked, ["tests/test_store.py", "tests/test_render.py", "tests/test_syntax.py"]);
}

#[test]
fn pytest_summary_only() {
    let text = "$ pytest -q --tb=no sparkq/tests\n\
                ..F.E                                                                    [100%]\n\
                =========================== short test summary info ============================\n\
                FAILED sparkq/tests/test_api.py::test_status_404 - AssertionError: assert 200 == 404\n\
                FAILED sparkq/tests/test_api.py::TestEnqueue::test_empty_name\n\
                ERROR sparkq/tests/test_storage.py::test_claim - fixture 'repo' not found\n\
                ERROR sparkq/tests/test_cli.py\n\
                2 failed, 2 passed, 2 errors in 0.31s\n";
    let r = parse(text, "s.txt");
    assert_eq!(
        rows(&r),
        [
            (Some("sparkq/tests/test_api.py"), None, "AssertionError", "test_status_404: assert 200 == 404"),
            (Some("sparkq/tests/test_api.py"), None, "TestFailure", "TestEnqueue.test_empty_name: test failed"),
            (Some("sparkq/tests/test_storage.py"), None, "FixtureLookupError", "test_claim: fixture 'repo' not found"),
            (Some("sparkq/tests/test_cli.py"), None, "CollectionError", "error collecting the test module"),
        ]
    );
    assert_eq!(
        r.checked,
        ["sparkq/tests", "sparkq/tests/test_api.py", "sparkq/tests/test_storage.py", "sparkq/tests/test_cli.py"]
    );
}

#[test]
fn pytest_all_passing_lists_files_without_findings() {
    let text = "============================= test session starts ==============================\n\
                platform linux -- Python 3.11.7, pytest-9.2.0, pluggy-1.7.0\n\
                rootdir: /home/luce/apps/sparkqueue\n\
                collected 4 items\n\
                \n\
                sparkq/tests/test_storage.py ..                                          [ 50%]\n\
                sparkq/tests/test_models.py ..                                           [100%]\n\
                \n\
                ============================== 4 passed in 0.02s ===============================\n";
    let r = parse(text, "ok.txt");
    assert!(r.findings.is_empty());
    assert!(r.failed.is_empty());
    assert_eq!(r.checked, ["sparkq/tests/test_storage.py", "sparkq/tests/test_models.py"]);
}
