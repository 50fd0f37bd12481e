//! py_compile transcripts, Python tracebacks and unittest.

use crate::core::ingest::validation::parse;
use crate::core::ingest::validation::test_support::{data, rows, sources};

#[test]
fn notes_py_compile_transcripts() {
    let r = parse(data!("fixtures/notes-joblog/_build/validation-batch2.txt"), "_build/validation-batch2.txt");
    assert_eq!(r.batch, None);
    assert_eq!(r.checked, ["notes/render.py", "notes/export.py", "notes/search.py"]);
    assert_eq!(r.failed, ["notes/render.py"]);
    assert_eq!(rows(&r), [(Some("notes/render.py"), Some(4), "SyntaxError", "expected ':'")]);
    assert_eq!(sources(&r), ["_build/validation-batch2.txt:5"]);

    let r = parse(data!("fixtures/notes-joblog/_build/validation-batch1.txt"), "v1.txt");
    assert_eq!(r.checked, ["notes/model.py", "notes/store.py"]);
    assert!(r.failed.is_empty() && r.findings.is_empty());
    let r = parse(data!("fixtures/notes-joblog/_build/validation-batch3.txt"), "v3.txt");
    assert_eq!(r.checked, ["notes/cli.py"]);
    assert!(r.findings.is_empty());
}

#[test]
fn py_compile_sorry_and_errno_lines_glued_to_the_next_command() {
    // Real python 3.11 output: "Sorry: ..." and "[Errno 2] ..." end without a newline.
    let r = parse(data!("validation/py-compile-transcript.txt"), "pc.txt");
    assert_eq!(
        rows(&r),
        [
            (
                Some("notes/store.py"),
                Some(4),
                "IndentationError",
                "unindent does not match any outer indentation level"
            ),
            (Some("notes/render.py"), Some(3), "TabError", "inconsistent use of tabs and spaces in indentation"),
            (Some("notes/export.py"), Some(1), "SyntaxError", "expected ':'"),
            (Some("notes/search.py"), None, "FileNotFoundError", "No such file or directory: 'notes/search.py'"),
        ]
    );
    assert_eq!(sources(&r), ["pc.txt:3", "pc.txt:4", "pc.txt:8", "pc.txt:10"]);
    assert_eq!(
        r.checked,
        ["notes/model.py", "notes/store.py", "notes/render.py", "notes/export.py", "notes/search.py"]
    );
    assert_eq!(r.failed, ["notes/store.py", "notes/render.py", "notes/export.py", "notes/search.py"]);
}

#[test]
fn python_tracebacks_keep_the_cause_and_the_deepest_project_frame() {
    let r = parse(data!("validation/python-traceback.txt"), "run.txt");
    assert_eq!(
        rows(&r),
        [
            (
                Some("/home/luce/apps/sparkqueue/sparkq/storage.py"),
                Some(15),
                "sqlite3.OperationalError",
                "table tasks has no column named priority"
            ),
            (
                Some("/home/luce/apps/sparkqueue/sparkq/cli.py"),
                Some(10),
                "json.decoder.JSONDecodeError",
                "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)"
            ),
        ]
    );
    assert_eq!(sources(&r), ["run.txt:5", "run.txt:37"]);
}

#[test]
fn unittest_failure() {
    let r = parse(data!("validation/unittest.txt"), "u.txt");
    assert_eq!(rows(&r), [(Some("/home/dev/notes/tests/test_store.py"), Some(9), "AssertionError", "2 != 1")]);
    assert_eq!(r.checked[0], "tests/test_store.py");
}
