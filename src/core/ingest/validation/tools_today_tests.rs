//! Output of today's tool builds, captured from the real tools (tests/data/tools/README.md
//! names each version and command): pytest 9 `-q`, py_compile, mypy 2, cargo (both formats),
//! tsc 7, ESLint 10 stylish, go build/vet; and their broken forms (colour, CRLF, cut short).

use crate::core::classify::{Classifier, FailureClass};
use crate::core::ingest::validation::test_support::{data, rows, sources, Row};
use crate::core::ingest::validation::{looks_like, parse, ValidationReport};

fn classes(r: &ValidationReport) -> Vec<FailureClass> {
    let c = Classifier::default();
    r.findings.iter().map(|f| c.classify_finding(f)).collect()
}

// --- pytest 9 -q ------------------------------------------------------------------------

const PYTEST_Q: [Row<'static>; 4] = [
    (Some("tests/test_store.py"), Some(7), "AssertionError", "test_add_then_count: assert 2 == 1"),
    (Some("tests/test_store.py"), Some(12), "KeyError", "test_get_missing: 42 (raised at notes/store.py:24)"),
    (
        Some("tests/test_limiter.py"),
        Some(5),
        "TypeError",
        "test_limiter_allows_burst: RateLimiter.__init__() got an unexpected keyword argument 'clock'",
    ),
    (
        Some("tests/test_limiter.py"),
        Some(13),
        "AssertionError",
        "TestRateLimiterConstruction.test_limiter_refills_tokens_at_the_configured_rate_after_a_pause: assert False",
    ),
];

#[test]
fn pytest_q_summary_without_message_takes_it_from_the_e_lines() {
    // The last summary line is `FAILED tests/test_limiter.py::TestRate...pause` with no
    // ` - message` (the node id fills the line); its section header has one `_` each side.
    let text = data!("tools/pytest/q-failures.txt");
    assert!(text.contains("FAILED tests/test_limiter.py::TestRateLimiterConstruction::test_limiter_refills_tokens_at_the_configured_rate_after_a_pause\n"));
    let r = parse(text, "q.txt");
    assert_eq!(rows(&r), PYTEST_Q);
    // Each finding points at its `E   ` line, not at the summary.
    assert_eq!(sources(&r), ["q.txt:9", "q.txt:28", "q.txt:36", "q.txt:47"]);
    assert_eq!(r.failed, ["tests/test_store.py", "tests/test_limiter.py"]);
    assert_eq!(classes(&r)[0], FailureClass::Test);
    assert_eq!(classes(&r)[3], FailureClass::Test);
}

#[test]
fn pytest_q_colour_and_crlf_read_the_same() {
    let colour = data!("tools/pytest/q-failures-color.txt");
    assert!(colour.contains("\x1b[31m"));
    assert!(looks_like(colour));
    assert_eq!(rows(&parse(colour, "c.txt")), PYTEST_Q);
    let crlf = data!("tools/pytest/q-failures-crlf.txt");
    assert!(crlf.contains("\r\n"));
    assert_eq!(rows(&parse(crlf, "c.txt")), PYTEST_Q);
}

#[test]
fn pytest_q_cut_short_keeps_what_was_printed() {
    let r = parse(data!("tools/pytest/q-failures-truncated.txt"), "t.txt");
    // The first three sections are whole; the fourth was cut after its header: the test
    // failed, but no line of it says where or why.
    assert_eq!(rows(&r)[..3], PYTEST_Q[..3]);
    assert_eq!(
        rows(&r)[3],
        (
            None,
            None,
            "TestFailure",
            "TestRateLimiterConstruction.test_limiter_refills_tokens_at_the_configured_rate_after_a_pause: test failed"
        )
    );
    assert_eq!(r.findings.len(), 4);
}

#[test]
fn pytest_q_tb_no_has_only_the_summary() {
    let r = parse(data!("tools/pytest/q-tb-no.txt"), "n.txt");
    assert_eq!(
        rows(&r),
        [
            (Some("tests/test_store.py"), None, "AssertionError", "test_add_then_count: assert 2 == 1"),
            (Some("tests/test_store.py"), None, "KeyError", "test_get_missing: 42"),
            // pytest cut the message to the line width.
            (Some("tests/test_limiter.py"), None, "TypeError", "test_limiter_allows_burst: RateLimi..."),
            (
                Some("tests/test_limiter.py"),
                None,
                "TestFailure",
                "TestRateLimiterConstruction.test_limiter_refills_tokens_at_the_configured_rate_after_a_pause: test failed"
            ),
        ]
    );
}

#[test]
fn pytest_q_collection_error_interrupts_the_run() {
    let r = parse(data!("tools/pytest/q-collection-error.txt"), "e.txt");
    assert_eq!(
        rows(&r),
        [(Some("tests/test_render.py"), Some(1), "ModuleNotFoundError", "No module named 'notes.render'")]
    );
    assert_eq!(sources(&r), ["e.txt:12"]);
    assert_eq!(classes(&r), [FailureClass::Import]);
}

// --- py_compile -------------------------------------------------------------------------

#[test]
fn py_compile_of_a_file_never_written_is_a_missing_output() {
    let text = data!("tools/py_compile/missing-file.txt");
    assert!(!text.ends_with('\n'), "py_compile prints it without a final newline");
    assert!(looks_like(text), "a file holding only the Errno line is still found as a report");
    let r = parse(text, "m.txt");
    assert_eq!(
        rows(&r),
        [(Some("notes/search.py"), None, "FileNotFoundError", "No such file or directory: 'notes/search.py'")]
    );
    assert_eq!(classes(&r), [FailureClass::MissingOutput]);
}

#[test]
fn py_compile_syntax_and_tab_errors() {
    let r = parse(data!("tools/py_compile/syntax-error.txt"), "s.txt");
    assert_eq!(rows(&r), [(Some("notes/render.py"), Some(4), "SyntaxError", "expected ':'")]);
    assert_eq!(classes(&r), [FailureClass::Syntax]);
    // Several files: py_compile stops at the first error.
    let r = parse(data!("tools/py_compile/several-files.txt"), "s.txt");
    assert_eq!(rows(&r), [(Some("notes/render.py"), Some(4), "SyntaxError", "expected ':'")]);
    // `Sorry:` names the base name only; with no `$ command` line nothing says the directory.
    let r = parse(data!("tools/py_compile/tab-error.txt"), "t.txt");
    assert_eq!(
        rows(&r),
        [(Some("export.py"), Some(3), "TabError", "inconsistent use of tabs and spaces in indentation")]
    );
}

// --- mypy -------------------------------------------------------------------------------

const MYPY: [Row<'static>; 4] = [
    (Some("notes/sync.py"), Some(9), "call-arg", "Unexpected keyword argument \"clock\" for \"RateLimiter\""),
    (
        Some("notes/sync.py"),
        Some(10),
        "assignment",
        "Incompatible types in assignment (expression has type \"str\", variable has type \"int\")",
    ),
    (Some("notes/sync.py"), Some(11), "attr-defined", "\"Store\" has no attribute \"all\""),
    (Some("notes/sync.py"), Some(19), "return-value", "Incompatible return value type (got \"int\", expected \"str\")"),
];

#[test]
fn mypy_codes_and_notes() {
    let r = parse(data!("tools/mypy/errors.txt"), "m.txt");
    assert_eq!(rows(&r), MYPY);
    // The `note: "RateLimiter" defined in ...` line is no finding.
    assert_eq!(sources(&r), ["m.txt:1", "m.txt:3", "m.txt:4", "m.txt:5"]);
    assert_eq!(classes(&r)[1..], [FailureClass::Type, FailureClass::Type, FailureClass::Type]);
}

#[test]
fn mypy_pretty_wrapped_messages_are_joined_with_their_code() {
    let r = parse(data!("tools/mypy/errors-pretty.txt"), "p.txt");
    assert_eq!(rows(&r), MYPY);
    assert_eq!(sources(&r), ["p.txt:1", "p.txt:6", "p.txt:10", "p.txt:13"]);
}

#[test]
fn mypy_columns_colour_and_error_end() {
    let colour = data!("tools/mypy/errors-columns-color.txt");
    assert!(colour.contains("\x1b(B"), "mypy resets the charset in colour");
    assert!(looks_like(colour));
    assert_eq!(rows(&parse(colour, "c.txt")), MYPY);
    // `notes/sync.py:9:15:9:56: error:` (start and end of the span).
    let end = data!("tools/mypy/errors-error-end.txt");
    assert!(looks_like(end));
    let r = parse(end, "e.txt");
    assert_eq!(rows(&r), MYPY);
    assert_eq!(r.checked, ["notes/sync.py"]);
}

// --- cargo ------------------------------------------------------------------------------

#[test]
fn cargo_human_format_notes_and_helps_are_no_findings() {
    let expected: [Row; 5] = [
        (Some("src/parser.rs"), Some(1), "E0432", "unresolved import `crate::lexer::Span`"),
        (Some("src/parser.rs"), Some(16), "E0425", "cannot find value `totl` in this scope"),
        (Some("src/parser.rs"), Some(8), "E0061", "this function takes 1 argument but 2 arguments were supplied"),
        (Some("src/parser.rs"), Some(10), "E0308", "mismatched types"),
        (Some("src/parser.rs"), Some(13), "E0277", "cannot add-assign `&f64` to `i64`"),
    ];
    let text = data!("tools/cargo/build-human.txt");
    // `note: function defined here` --> src/lexer.rs:10:8, and `help:` --> /rustc/... .
    assert!(text.contains("note: function defined here\n  --> src/lexer.rs:10:8"));
    let r = parse(text, "h.txt");
    assert_eq!(rows(&r), expected);
    assert_eq!(r.failed, ["src/parser.rs"]);
    assert!(!r.checked.iter().any(|f| f.contains("lexer.rs") || f.starts_with("/rustc")));
    assert_eq!(
        classes(&r),
        [FailureClass::Import, FailureClass::Import, FailureClass::Type, FailureClass::Type, FailureClass::Type]
    );

    let colour = data!("tools/cargo/build-human-color.txt");
    assert!(looks_like(colour), "colour codes before `error[E0432]` do not hide it");
    assert_eq!(rows(&parse(colour, "c.txt")), expected);

    let cut = parse(data!("tools/cargo/build-human-truncated.txt"), "t.txt");
    assert_eq!(rows(&cut), expected[..3]);
}

#[test]
fn cargo_short_format() {
    let text = data!("tools/cargo/build-short.txt");
    assert!(looks_like(text));
    let r = parse(text, "s.txt");
    assert_eq!(
        rows(&r),
        [
            (Some("src/parser.rs"), Some(1), "E0432", "unresolved import `crate::lexer::Span`: no `Span` in `lexer`"),
            (
                Some("src/parser.rs"),
                Some(16),
                "E0425",
                "cannot find value `totl` in this scope: not found in this scope"
            ),
            (Some("src/parser.rs"), Some(8), "E0061", "this function takes 1 argument but 2 arguments were supplied"),
            (Some("src/parser.rs"), Some(10), "E0308", "mismatched types: expected `i64`, found floating-point number"),
            (
                Some("src/parser.rs"),
                Some(13),
                "E0277",
                "cannot add-assign `&f64` to `i64`: no implementation for `i64 += &f64`"
            ),
        ]
    );
    assert_eq!(sources(&r), ["s.txt:2", "s.txt:3", "s.txt:4", "s.txt:5", "s.txt:6"]);
}

#[test]
fn cargo_warnings_alone_are_no_findings() {
    for text in [data!("tools/cargo/warnings-only-human.txt"), data!("tools/cargo/warnings-only-short.txt")] {
        let r = parse(text, "w.txt");
        assert_eq!(rows(&r), []);
        assert!(r.failed.is_empty());
    }
}

// --- tsc --------------------------------------------------------------------------------

const TSC: [Row<'static>; 3] = [
    (
        Some("src/api/client.ts"),
        Some(2),
        "TS2307",
        "Cannot find module './retry' or its corresponding type declarations.",
    ),
    (Some("src/api/client.ts"), Some(15), "TS2322", "Type 'string' is not assignable to type 'number'."),
    (Some("src/api/client.ts"), Some(19), "TS2322", "Type 'string' is not assignable to type 'boolean'."),
];

#[test]
fn tsc_plain_and_pretty_in_colour() {
    let r = parse(data!("tools/tsc/errors.txt"), "t.txt");
    assert_eq!(rows(&r), TSC);
    assert_eq!(classes(&r), [FailureClass::Import, FailureClass::Type, FailureClass::Type]);
    let pretty = data!("tools/tsc/errors-pretty.txt");
    assert!(looks_like(pretty));
    let r = parse(pretty, "p.txt");
    // The related location (`src/api/types.ts:4:3 - The expected type comes from ...`) is
    // no finding.
    assert_eq!(rows(&r), TSC);
    assert_eq!(r.failed, ["src/api/client.ts"]);
}

#[test]
fn tsc_config_findings_belong_to_no_job() {
    let r = parse(data!("tools/tsc/tsconfig-error.txt"), "c.txt");
    assert_eq!(
        rows(&r),
        [
            (
                None,
                None,
                "TS5095",
                "tsconfig.json:7: Option 'bundler' can only be used when 'module' is set to 'preserve', 'commonjs', or 'es2015' or later."
            ),
            (
                None,
                None,
                "TS5109",
                "tsconfig.json:7: Option 'moduleResolution' must be set to 'NodeNext' (or left unspecified) when option 'module' is set to 'NodeNext'."
            ),
        ]
    );
    assert!(r.failed.is_empty() && r.checked.is_empty());
}

// --- eslint -----------------------------------------------------------------------------

const ESLINT: [Row<'static>; 4] = [
    (Some("/home/dev/web/src/app.js"), Some(3), "no-unused-vars", "'count' is assigned a value but never used"),
    (Some("/home/dev/web/src/app.js"), Some(6), "no-undef", "'fetchTasks' is not defined"),
    (Some("/home/dev/web/src/app.js"), Some(7), "eqeqeq", "Expected '===' and instead saw '=='"),
    (Some("/home/dev/web/src/components/list.js"), Some(9), "eslint", "Parsing error: Unexpected token"),
];

#[test]
fn eslint_stylish_errors_not_warnings_nor_the_summary() {
    let r = parse(data!("tools/eslint/stylish.txt"), "e.txt");
    // `3:5  warning  'count' is never reassigned ... prefer-const` and `✖ 5 problems` are no findings.
    assert_eq!(rows(&r), ESLINT);
    assert_eq!(sources(&r), ["e.txt:3", "e.txt:5", "e.txt:6", "e.txt:9"]);
    assert_eq!(r.checked, ["/home/dev/web/src/app.js", "/home/dev/web/src/components/list.js"]);
    assert_eq!(classes(&r)[3], FailureClass::Syntax);
}

#[test]
fn eslint_stylish_colour_and_crlf() {
    let colour = data!("tools/eslint/stylish-color.txt");
    assert!(looks_like(colour));
    assert_eq!(rows(&parse(colour, "c.txt")), ESLINT);
    assert_eq!(rows(&parse(data!("tools/eslint/stylish-crlf.txt"), "c.txt")), ESLINT);
}

// --- go ---------------------------------------------------------------------------------

#[test]
fn go_build_and_vet_under_package_headers() {
    let expected: [Row; 3] = [
        (Some("store/store.go"), Some(5), "go", "imported and not used: \"time\""),
        (Some("store/store.go"), Some(13), "go", "count declared but not used"),
        (Some("store/store.go"), Some(14), "go", "cannot use id (variable of type int) as type string in map index"),
    ];
    let r = parse(data!("tools/go/build.txt"), "b.txt");
    assert_eq!(rows(&r), expected);
    // `# example.com/tasks/store` is a header, not a file.
    assert_eq!(r.checked, ["store/store.go"]);
    assert_eq!(rows(&parse(data!("tools/go/vet.txt"), "v.txt")), expected);
}

#[test]
fn go_vet_prefix_and_printf_check() {
    let r = parse(data!("tools/go/vet-printf.txt"), "v.txt");
    assert_eq!(
        rows(&r),
        [
            (Some("store/store.go"), Some(16), "go", "fmt.Printf call needs 1 arg but has 2 args"),
            (Some("main.go"), Some(8), "go", "undeclared name: undefinedThing"),
        ]
    );
    let r = parse(data!("tools/go/build-undefined.txt"), "b.txt");
    assert_eq!(rows(&r), [(Some("main.go"), Some(8), "go", "undefined: undefinedThing")]);
}

#[test]
fn go_1_20_wording() {
    // Go 1.20+ words these two as formats/README.md §8 gives them (go 1.19 is installed here).
    let text = "# example.com/tasks/store\n./store/store.go:3:5: declared and not used: x\n./store/store.go:5:2: \"time\" imported and not used\n";
    assert!(looks_like(text));
    assert_eq!(
        rows(&parse(text, "g.txt")),
        [
            (Some("store/store.go"), Some(3), "go", "declared and not used: x"),
            (Some("store/store.go"), Some(5), "go", "\"time\" imported and not used"),
        ]
    );
}

// --- a last line without its newline may be cut short ----------------------------------

#[test]
fn a_cut_last_line_invents_no_file_nor_summary_error() {
    let whole = data!("tools/pytest/q-tb-no.txt");
    let at = whole.find("FAILED tests/test_store.py::test_get_missing").expect("the summary line");
    // Cut inside the node id: `FAILED tests/test_store.p`.
    let cut = &whole[..at + "FAILED tests/test_store.p".len()];
    let r = parse(cut, "c.txt");
    assert_eq!(rows(&r), [(Some("tests/test_store.py"), None, "AssertionError", "test_add_then_count: assert 2 == 1")]);
    let streamed = crate::core::ingest::validation::read(cut.as_bytes(), "c.txt").expect("read");
    assert_eq!(rows(&streamed), rows(&r));

    let cargo = data!("tools/cargo/build-short.txt");
    let cut = &cargo[..cargo.find("error: could not compile").expect("the summary") + "error: could not comp".len()];
    assert_eq!(parse(cut, "c.txt").findings.len(), 5);
}

#[test]
fn py_compile_lines_without_newline_are_read_whole_when_streamed() {
    for (text, file) in [
        (data!("tools/py_compile/missing-file.txt"), Some("notes/search.py")),
        (data!("tools/py_compile/tab-error.txt"), Some("export.py")),
    ] {
        let r = crate::core::ingest::validation::read(text.as_bytes(), "p.txt").expect("read");
        assert_eq!(r.findings.len(), 1);
        assert_eq!(r.findings[0].file.as_deref(), file);
    }
}

#[test]
fn go_test_plain_and_verbose() {
    let expected: [Row; 1] =
        [(Some("store_test.go"), Some(16), "TestFailure", "TestPutThenGet: Get(a) = \"b\", want \"c\"")];
    let r = parse(data!("tools/go/test.txt"), "t.txt");
    assert_eq!(rows(&r), expected);
    assert_eq!(sources(&r), ["t.txt:3"]);
    // With -v the message comes before `--- FAIL:`; the passing test's lines are dropped.
    let r = parse(data!("tools/go/test-v.txt"), "v.txt");
    assert_eq!(rows(&r), expected);
    assert_eq!(sources(&r), ["v.txt:5"]);
    let cut = data!("tools/go/test-v.txt");
    let cut = &cut[..cut.find("--- FAIL").expect("the FAIL line")];
    assert_eq!(rows(&parse(cut, "c.txt")), [], "a test cut before its verdict is no failure");
}

#[test]
fn go_test_outputs_are_found_as_reports() {
    assert!(looks_like(data!("tools/go/test.txt")));
    assert!(looks_like(data!("tools/go/test-v.txt")));
}

#[test]
fn pytest_parametrized_ids_with_spaces_and_dashes() {
    let row = |line, id| (Some("tests/test_params.py"), line, "AssertionError", id);
    let r = parse(data!("tools/pytest/q-params.txt"), "p.txt");
    assert_eq!(
        rows(&r),
        [
            row(Some(10), "test_count_after_add[plain]: assert 2 == 1"),
            row(Some(10), "test_count_after_add[two words]: assert 2 == 1"),
            row(Some(10), "test_count_after_add[a - b]: assert 2 == 1"),
        ]
    );
    // From the summary alone: the ids are whole, and ` - b]` is not taken for the message.
    let r = parse(data!("tools/pytest/q-params-tb-no.txt"), "n.txt");
    assert_eq!(
        rows(&r),
        [
            row(None, "test_count_after_add[plain]: assert 2 == 1"),
            row(None, "test_count_after_add[two words]: assert 2 == 1"),
            row(None, "test_count_after_add[a - b]: assert 2 == 1"),
        ]
    );
}

#[test]
fn clippy_denied_lints_are_named_by_the_lint() {
    let r = parse(data!("tools/cargo/clippy-deny-warnings.txt"), "c.txt");
    assert_eq!(
        rows(&r),
        [
            (Some("src/parser.rs"), Some(9), "unused-variables", "unused variable: `unused`"),
            (
                Some("src/lexer.rs"),
                Some(24),
                "clippy::ptr-arg",
                "writing `&Vec` instead of `&[_]` involves a new object where a slice will do"
            ),
        ]
    );
    // The short format does not name the lint.
    let r = parse(data!("tools/cargo/clippy-deny-warnings-short.txt"), "s.txt");
    assert_eq!(
        rows(&r),
        [
            (
                Some("src/parser.rs"),
                Some(9),
                "rustc",
                "unused variable: `unused`: help: if this is intentional, prefix it with an underscore: `_unused`"
            ),
            (
                Some("src/lexer.rs"),
                Some(24),
                "rustc",
                "writing `&Vec` instead of `&[_]` involves a new object where a slice will do"
            ),
        ]
    );
}

#[test]
fn clippy_output_is_found_as_a_report() {
    assert!(looks_like(data!("tools/cargo/clippy-deny-warnings.txt")));
    assert!(looks_like(data!("tools/cargo/clippy-deny-warnings-short.txt")));
}

#[test]
fn tsc_with_no_inputs_is_a_finding_of_no_job() {
    let text = data!("tools/tsc/no-inputs.txt");
    assert!(looks_like(text));
    let r = parse(text, "n.txt");
    assert_eq!(
        rows(&r),
        [(
            None,
            None,
            "TS18003",
            "No inputs were found in config file '/home/dev/web-empty/tsconfig.json'. Specified 'include' paths were '[\"src\"]' and 'exclude' paths were '[]'."
        )]
    );
    assert!(r.checked.is_empty());
}
