//! mypy, rustc/cargo, tsc, eslint, go and ruff output.

use crate::core::ingest::validation::parse;
use crate::core::ingest::validation::test_support::{data, rows, sources};

#[test]
fn mypy_errors_with_codes_and_notes_skipped() {
    let r = parse(data!("validation/mypy.txt"), "m.txt");
    assert_eq!(
        rows(&r),
        [
            (
                Some("notes/typed.py"),
                Some(2),
                "import-not-found",
                "Cannot find implementation or library stub for module named \"notes.missing_mod\""
            ),
            (Some("notes/typed.py"), Some(3), "import-untyped", "Library stubs not installed for \"requests\""),
            (
                Some("notes/typed.py"),
                Some(7),
                "assignment",
                "Incompatible types in assignment (expression has type \"str\", variable has type \"int\")"
            ),
            (Some("notes/typed.py"), Some(8), "attr-defined", "\"Store\" has no attribute \"nothing\""),
            (
                Some("notes/typed.py"),
                Some(12),
                "return-value",
                "Incompatible return value type (got \"int\", expected \"str\")"
            ),
        ]
    );
    let r = parse("x.py:3:5: error: Name \"y\" is not defined\n", "m.txt");
    assert_eq!(rows(&r), [(Some("x.py"), Some(3), "mypy", "Name \"y\" is not defined")]);
}

#[test]
fn rustc_errors_take_their_location_from_the_arrow_line() {
    let r = parse(data!("validation/cargo-build.txt"), "c.txt");
    assert_eq!(
        rows(&r),
        [
            (Some("src/lib.rs"), Some(1), "E0432", "unresolved import `crate::lexer`"),
            (Some("src/lib.rs"), Some(6), "E0425", "cannot find value `tok` in this scope"),
            (Some("src/parser.rs"), Some(1), "E0308", "mismatched types"),
            (Some("src/lib.rs"), Some(5), "E0308", "mismatched types"),
        ]
    );
    assert_eq!(sources(&r), ["c.txt:3", "c.txt:9", "c.txt:15", "c.txt:28"]);
    // The warning and "could not compile" lines are no findings.
    assert_eq!(r.failed, ["src/lib.rs", "src/parser.rs"]);

    let r = parse(data!("validation/cargo-check-syntax.txt"), "c.txt");
    assert_eq!(rows(&r), [(Some("src/lib.rs"), Some(10), "rustc", "mismatched closing delimiter: `}`")]);
}

#[test]
fn rustc_error_without_location() {
    // As a Codex command_execution printed it (formats/examples/codex_exec_json_failed).
    let r = parse("$ cargo check\nerror[E0425]: cannot find value `tok` in this scope\n", "c.txt");
    assert_eq!(rows(&r), [(None, None, "E0425", "cannot find value `tok` in this scope")]);
}

#[test]
fn cargo_test_panics() {
    let r = parse(data!("validation/cargo-test.txt"), "t.txt");
    assert_eq!(
        rows(&r),
        [
            (Some("src/lib.rs"), Some(6), "panic", "tests::later: not yet implemented"),
            (Some("src/lib.rs"), Some(14), "panic", "tests::adds: assertion `left == right` failed; left: 0; right: 4"),
        ]
    );
    let old = "thread 'main' panicked at 'index out of bounds: the len is 3 but the index is 5', src/main.rs:4:5\n";
    assert_eq!(
        rows(&parse(old, "o.txt")),
        [(Some("src/main.rs"), Some(4), "panic", "index out of bounds: the len is 3 but the index is 5")]
    );
}

#[test]
fn tsc_plain_and_pretty() {
    let r = parse(data!("validation/tsc.txt"), "t.txt");
    assert_eq!(
        rows(&r),
        [
            (
                Some("src/api/client.ts"),
                Some(3),
                "TS2307",
                "Cannot find module './types' or its corresponding type declarations."
            ),
            (Some("src/api/client.ts"), Some(14), "TS2322", "Type 'string' is not assignable to type 'number'."),
            (Some("src/index.ts"), Some(8), "TS1005", "';' expected."),
        ]
    );
    let r = parse(data!("validation/tsc-pretty.txt"), "t.txt");
    assert_eq!(
        rows(&r),
        [
            (Some("src/store/tasks.ts"), Some(12), "TS2339", "Property 'priority' does not exist on type 'Task'."),
            (
                Some("src/store/tasks.ts"),
                Some(20),
                "TS2345",
                "Argument of type 'number' is not assignable to parameter of type 'string'."
            ),
        ]
    );
}

#[test]
fn eslint_errors_but_not_warnings() {
    let r = parse(data!("validation/eslint.txt"), "e.txt");
    assert_eq!(
        rows(&r),
        [
            (Some("/home/dev/web/src/app.js"), Some(3), "no-undef", "'fetchTasks' is not defined"),
            (Some("/home/dev/web/src/util.js"), Some(1), "eslint", "Parsing error: Unexpected token export"),
            (
                Some("/home/dev/web/src/components/TaskList.jsx"),
                Some(7),
                "react/jsx-key",
                "Missing \"key\" prop for element in iterator"
            ),
        ]
    );
}

#[test]
fn go_build_and_go_test() {
    let r = parse(data!("validation/go-build.txt"), "g.txt");
    assert_eq!(
        rows(&r),
        [
            (Some("store/store.go"), Some(14), "go", "undefined: sqlx"),
            (
                Some("store/store.go"),
                Some(22),
                "go",
                "cannot use id (variable of type int) as string value in return statement"
            ),
            (Some("main.go"), Some(6), "go", "no required module provides package example.com/tasks/queue; to add it:"),
            (Some("main.go"), Some(11), "go", "syntax error: unexpected }, expected expression"),
        ]
    );
    let r = parse(data!("validation/go-test.txt"), "g.txt");
    assert_eq!(
        rows(&r),
        [
            (Some("store_test.go"), Some(15), "TestFailure", "TestAdd: Add(2, 2) = 5, want 4"),
            (
                Some("store_test.go"),
                Some(31),
                "TestFailure",
                "TestClaim: Claim() error = sql: no rows in result set, want nil"
            ),
        ]
    );
}

#[test]
fn ruff_codes() {
    let r = parse(data!("validation/ruff.txt"), "r.txt");
    assert_eq!(
        rows(&r),
        [
            (Some("notes/render.py"), Some(1), "F401", "`os` imported but unused"),
            (Some("notes/render.py"), Some(9), "F821", "Undefined name `Note`"),
        ]
    );
}
