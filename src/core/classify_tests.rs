//! The built-in rule table on real error texts from each tool and on parsed tool output; extra
//! rules from the config; class names.

use super::*;

fn class_of(error_type: &str, message: &str) -> FailureClass {
    Classifier::default().classify(error_type, message).0
}

/// Each case is a real error text as a tool or agent prints it, split the way the
/// readers split it into error_type and message.
fn check(cases: &[(&str, &str)], want: FailureClass) {
    let c = Classifier::default();
    for (error_type, message) in cases {
        let (got, rule) = c.classify(error_type, message);
        assert_eq!(got, want, "{error_type}: {message} -> {got} (rule {rule:?}), want {want}");
    }
}

#[test]
fn syntax_errors_from_each_tool() {
    check(
        &[
            ("SyntaxError", "expected ':'"),
            ("SyntaxError", "invalid syntax"),
            ("SyntaxError", "'(' was never closed"),
            ("IndentationError", "unexpected indent"),
            ("TabError", "inconsistent use of tabs and spaces in indentation"),
            ("rustc", "mismatched closing delimiter: `}`"),
            ("rustc", "expected one of `!`, `(`, `+`, `::`, `;`, `<`, or `=`, found `}`"),
            ("TS1005", "';' expected."),
            ("eslint", "Parsing error: Unexpected token export"),
            ("go", "syntax error: unexpected keyword return, expected expression"),
        ],
        FailureClass::Syntax,
    );
}

#[test]
fn import_errors_from_each_tool() {
    check(
        &[
            ("ModuleNotFoundError", "No module named 'sparkq.api'"),
            (
                "ImportError",
                "cannot import name 'TaskRepo' from 'sparkq.storage' (/home/luce/apps/sparkqueue/sparkq/storage.py)",
            ),
            ("NameError", "name 'undefined_name' is not defined"),
            ("E0432", "unresolved import `crate::lexer`"),
            ("E0433", "failed to resolve: use of undeclared crate or module `serde_json`"),
            ("E0425", "cannot find value `tok` in this scope"),
            ("TS2307", "Cannot find module './types' or its corresponding type declarations."),
            ("TS2304", "Cannot find name 'fetchTasks'."),
            ("no-undef", "'fetchTasks' is not defined"),
            ("go", "undefined: sqlx"),
            ("go", "no required module provides package example.com/tasks/queue; to add it:"),
            ("import-not-found", "Cannot find implementation or library stub for module named \"notes.missing_mod\""),
            ("import-untyped", "Library stubs not installed for \"requests\""),
            ("AttributeError", "module 'sparkq.api' has no attribute 'handle_enqueue'"),
            ("FixtureLookupError", "test_broken_fixture: fixture 'db' not found"),
        ],
        FailureClass::Import,
    );
}

#[test]
fn type_errors_from_each_tool() {
    check(
        &[
            ("TypeError", "handle_enqueue() missing 1 required positional argument: 'repo'"),
            ("AttributeError", "'Store' object has no attribute 'nothing'"),
            ("assignment", "Incompatible types in assignment (expression has type \"str\", variable has type \"int\")"),
            ("return-value", "Incompatible return value type (got \"int\", expected \"str\")"),
            ("attr-defined", "\"Store\" has no attribute \"nothing\""),
            ("mypy", "Unsupported operand types for + (\"int\" and \"str\")"),
            ("E0308", "mismatched types"),
            ("E0599", "no method named `peek` found for struct `Lexer` in the current scope"),
            ("TS2322", "Type 'string' is not assignable to type 'number'."),
            ("TS2339", "Property 'path' does not exist on type 'Task'."),
            ("go", "cannot use id (variable of type int) as string value in return statement"),
            ("go", "s.db.Exec undefined (type *Store has no field or method db)"),
        ],
        FailureClass::Type,
    );
}

#[test]
fn test_failures_from_each_tool() {
    check(
        &[
            ("AssertionError", "test_add_then_count: assert 2 == 1"),
            ("AssertionError", "TestRender.test_title[1]: assert '#1' == '# 1'"),
            // The assertion rule runs before the agent-level texts on purpose.
            ("AssertionError", "test_enqueue_limit: assert 503 == 429"),
            ("AssertionError", "test_rate: assert 'Too Many Requests' == 'OK'"),
            ("panic", "assertion `left == right` failed; left: 0; right: 4"),
            ("panic", "assertion failed: lexer.next().is_none()"),
            ("TestFailure", "TestAdd: Add(2, 2) = 5, want 4"),
            ("Error", "expect(received).toBe(expected) Expected: 4 Received: 5"),
        ],
        FailureClass::Test,
    );
}

#[test]
fn placeholders() {
    check(
        &[
            ("NotImplementedError", "test_render: "),
            ("panic", "not yet implemented"),
            ("panic", "not implemented: parse_expr"),
            ("ValidationFailure", "handle_status is a stub that returns None"),
            ("ValidationFailure", "TODO left in render(): `pass  # TODO`"),
            ("ValidationFailure", "Body is still a placeholder"),
        ],
        FailureClass::Placeholder,
    );
    // "the trait ... is not implemented for" is a type error, not a stub.
    assert_eq!(class_of("E0277", "the trait `Display` is not implemented for `Token`"), FailureClass::Type);
    // "todo" in lower case is usually the app's own domain.
    assert_eq!(class_of("AssertionError", "test_add_todo: assert 0 == 1"), FailureClass::Test);
}

#[test]
fn missing_output() {
    check(
        &[
            ("FileNotFoundError", "No such file or directory: 'notes/missing.py'"),
            ("ValidationFailure", "File was not created"),
            ("ValidationFailure", "file sparkq/src/api.py does not exist"),
            ("missing_output", "missing output: sparkq/src/api.py"),
            ("Error", "ENOENT: no such file or directory, open '/home/dev/app/src/ast.rs'"),
        ],
        FailureClass::MissingOutput,
    );
}

#[test]
fn transient_agent_errors() {
    check(
        &[
            ("turn.failed", "exceeded retry limit, last status: 429 Too Many Requests"),
            ("error", "You've hit your usage limit. Try again later."),
            ("error", "usage_limit_exceeded"),
            (
                "error",
                "Reconnecting... 1/5 (stream disconnected before completion: error sending request for url (https://api.example.invalid/v1/responses))",
            ),
            ("error", "stream disconnected before completion"),
            (
                "result",
                r#"API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
            ),
            (
                "result",
                r#"API Error: 500 {"type":"error","error":{"type":"api_error","message":"Internal server error"}}"#,
            ),
            ("turn.failed", "unexpected status 502 Bad Gateway"),
            ("turn.failed", "unexpected status 503 Service Unavailable"),
            ("error", "Rate limit reached for gpt-5 in organization org-x on tokens per min"),
            ("agent", "no final event (process killed or interrupted)"),
            ("joblog", "killed after timeout (Exitval -1, signal 15)"),
            ("error", "connection reset by peer (os error 104)"),
            ("error", "request timed out"),
        ],
        FailureClass::Transient,
    );
    // A keyword argument named timeout is not a timeout.
    assert_eq!(class_of("TypeError", "__init__() got an unexpected keyword argument 'timeout'"), FailureClass::Type);
}

#[test]
fn sandbox_errors() {
    check(
        &[
            ("error", "Not inside a trusted directory and --skip-git-repo-check was not specified."),
            ("PermissionError", "[Errno 13] Permission denied: '/usr/local/lib/notes'"),
            ("error", "EACCES: permission denied, open '/etc/notes.conf'"),
            ("error", "Operation not permitted (os error 1)"),
            ("error", "Read-only file system (os error 30)"),
            (
                "tool_result",
                "Claude requested permissions to write to /home/dev/app/src/parser.rs, but you haven't granted it yet.",
            ),
            ("error", "command blocked by sandbox policy: network access is not allowed"),
            ("result", "Invalid API key · Please run /login"),
            ("turn.failed", "unexpected status 401 Unauthorized"),
        ],
        FailureClass::Sandbox,
    );
}

#[test]
fn context_errors() {
    check(
        &[
            (
                "error",
                "Codex ran out of room in the model's context window. Start a new conversation or clear earlier history before retrying.",
            ),
            ("error", "context_length_exceeded"),
            (
                "invalid_request_error",
                "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens.",
            ),
            ("result", "Prompt is too long"),
            // Claude error_max_turns: see the comment on the "max-turns" rule.
            ("error_max_turns", "Reached maximum number of turns (10)"),
        ],
        FailureClass::Context,
    );
}

#[test]
fn architectural_errors() {
    check(
        &[
            ("OperationalError", "no such column: tasks.priority"),
            ("sqlite3.OperationalError", "table tasks has no column named claimed_at"),
            ("UndefinedColumn", "column \"claimed_at\" of relation \"tasks\" does not exist"),
            ("ValidationFailure", "Schema mismatch: storage.py writes `state`, models.py defines `status`"),
            ("ValidationFailure", "Interface mismatch between api.py and storage.py"),
            ("ValidationFailure", "Breaking change: TaskRepository.claim() now takes a worker id"),
        ],
        FailureClass::Architectural,
    );
}

/// Every finding the validation reader gets from the real tool outputs lands in the
/// class a person would pick.
#[test]
fn classes_of_parsed_tool_output() {
    use crate::core::ingest::validation;
    use FailureClass::*;
    let classes = |text: &str| -> Vec<FailureClass> {
        let c = Classifier::default();
        validation::parse(text, "t").findings.iter().map(|f| c.classify_finding(f)).collect()
    };
    macro_rules! data {
        ($name:literal) => {
            include_str!(concat!("../../tests/data/", $name))
        };
    }
    assert_eq!(classes(data!("fixtures/sparkq-phase6/_build/logs/phase6/batch3-pytest-test_api.py.txt")), [Import]);
    assert_eq!(classes(data!("fixtures/sparkq-phase6/_build/logs/phase6/batch3-validation.md")), [Import]);
    assert_eq!(classes(data!("validation/py-compile-transcript.txt")), [Syntax, Syntax, Syntax, MissingOutput]);
    // The KeyError raised in the code under test names no kind of fix: unknown.
    assert_eq!(classes(data!("validation/pytest-default.txt")), [Import, Syntax, Import, Test, Unknown, Test, Test]);
    assert_eq!(classes(data!("validation/mypy.txt")), [Import, Import, Type, Type, Type]);
    assert_eq!(classes(data!("validation/cargo-build.txt")), [Import, Import, Type, Type]);
    assert_eq!(classes(data!("validation/cargo-check-syntax.txt")), [Syntax]);
    assert_eq!(classes(data!("validation/cargo-test.txt")), [Placeholder, Test]);
    assert_eq!(classes(data!("validation/tsc.txt")), [Import, Type, Syntax]);
    assert_eq!(classes(data!("validation/eslint.txt")), [Import, Syntax, Unknown]);
    assert_eq!(classes(data!("validation/go-build.txt")), [Import, Type, Import, Syntax]);
    assert_eq!(classes(data!("validation/go-test.txt")), [Test, Test]);
    assert_eq!(classes(data!("validation/python-traceback.txt")), [Architectural, Unknown]);
    assert_eq!(
        classes(data!("validation/haiku-variants.md")),
        [Import, Import, Syntax, Unknown, Type, Placeholder, Test, Placeholder]
    );
}

#[test]
fn unknown_when_nothing_matches() {
    let (class, rule) = Classifier::default().classify("ValidationFailure", "validation failed");
    assert_eq!(class, FailureClass::Unknown);
    assert_eq!(rule, None);
}

#[test]
fn classify_returns_the_rule_name_and_reads_findings() {
    let c = Classifier::default();
    assert_eq!(
        c.classify("ModuleNotFoundError", "No module named 'sparkq.api'"),
        (FailureClass::Import, Some("import".to_string()))
    );
    assert_eq!(c.classify("error_max_turns", "Reached maximum number of turns (10)").1, Some("max-turns".to_string()));
    let f = Finding {
        file: Some("notes/render.py".into()),
        line: Some(4),
        error_type: "SyntaxError".into(),
        message: "expected ':'".into(),
        source: "validation-batch2.txt:5".into(),
        class: None,
    };
    assert_eq!(c.classify_finding(&f), FailureClass::Syntax);
}

#[test]
fn extra_rules_come_first_and_win() {
    let c = Classifier::with_extra(&[
        ("architectural".into(), r"cannot import name 'TaskRepo'".into()),
        ("transient".into(), r"(?i)quota exceeded".into()),
    ])
    .unwrap();
    assert_eq!(
        c.classify("ImportError", "cannot import name 'TaskRepo' from 'sparkq.storage'"),
        (FailureClass::Architectural, Some("extra[1]".to_string()))
    );
    assert_eq!(c.classify("error", "You exceeded your current quota exceeded").0, FailureClass::Transient);
    // Built-ins still apply after the extras.
    assert_eq!(
        c.classify("ImportError", "cannot import name 'Task' from 'sparkq.models'"),
        (FailureClass::Import, Some("import".to_string()))
    );
    assert_eq!(c.rules().len(), BUILTIN.len() + 2);
}

#[test]
fn bad_extra_regex_names_the_rule() {
    let err = Classifier::with_extra(&[
        ("import".into(), r"No module named".into()),
        ("syntax".into(), r"unclosed (paren".into()),
    ])
    .unwrap_err();
    assert!(matches!(&err, ClassifyError::BadPattern { rule, .. } if rule == "extra[2]"));
    let text = err.to_string();
    assert!(text.starts_with("classify rule extra[2]: invalid regex \"unclosed (paren\""), "{text}");
}

#[test]
fn unknown_extra_class_names_the_rule() {
    let err = Classifier::with_extra(&[("flaky".into(), r"timeout".into())]).unwrap_err();
    assert!(matches!(&err, ClassifyError::UnknownClass { rule, class } if rule == "extra[1]" && class == "flaky"));
    assert!(err.to_string().contains("unknown failure class \"flaky\""));
}

#[test]
fn names_round_trip_through_str_and_serde() {
    for class in FailureClass::ALL {
        assert_eq!(class.as_str().parse::<FailureClass>().unwrap(), class);
        let json = serde_json::to_string(&class).unwrap();
        assert_eq!(json, format!("\"{}\"", class.as_str()));
        assert_eq!(serde_json::from_str::<FailureClass>(&json).unwrap(), class);
        assert!(class.hint().len() > 60, "{class} hint too thin");
    }
    assert_eq!("missing-output".parse::<FailureClass>().unwrap(), FailureClass::MissingOutput);
    assert!("flaky".parse::<FailureClass>().is_err());
    assert!(FailureClass::Import.hint().contains("import them from there"));
}

#[test]
fn rules_match_words_never_pieces_of_identifiers() {
    check(
        &[
            ("TypeError", "RateLimiter.__init__() got an unexpected keyword argument 'burst'"),
            ("AttributeError", "'UsageLimitPolicy' object has no attribute 'window'"),
        ],
        FailureClass::Type,
    );
    check(
        &[
            ("agent_error", "You've hit your usage limit. Upgrade to Pro or try again at 4:20 PM."),
            ("agent_error", "You've hit your session limit · resets 3:45pm"),
            ("agent_error", "rate_limit_exceeded: Rate limit reached for gpt-5"),
            ("agent_error", "Selected model is at capacity. Please try a different model."),
            ("agent_error", "request timed out"),
        ],
        FailureClass::Transient,
    );
    assert_eq!(class_of("AssertionError", "assert test_timed_output() == 3"), FailureClass::Test);
}

#[test]
fn a_validation_finding_is_never_transient() {
    let c = Classifier::default();
    // A test that checks the app's own rate limiting fails as a test, not as a rate limit.
    assert_ne!(c.classify_code_defect("E", "429 Too Many Requests was not raised").0, FailureClass::Transient);
    assert_eq!(c.classify("E", "429 Too Many Requests was not raised").0, FailureClass::Transient);
    assert_eq!(c.classify_code_defect("Failed", "Timeout >10.0s").0, FailureClass::Test);
    let (class, _) = c.classify_code_defect("TypeError", "rate limit must be positive, got 0");
    assert_eq!(class, FailureClass::Type);
    // Through the run: pytest's finding is a code defect, the agent's own error stays transient.
    let finding = |error_type: &str, message: &str| Finding {
        error_type: error_type.into(),
        message: message.into(),
        ..Finding::default()
    };
    let mut run = crate::core::model::Run {
        batches: vec![crate::core::model::Batch {
            number: 1,
            jobs: vec![crate::core::model::Job {
                id: "b1-api".into(),
                result: crate::core::model::JobResult {
                    findings: vec![
                        finding("Failed", "Timeout >10.0s"),
                        finding("agent_error", "stream disconnected before completion"),
                    ],
                    ..Default::default()
                },
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    };
    crate::core::failure::classify_run(&mut run, &c);
    let classes: Vec<Option<&str>> =
        run.batches[0].jobs[0].result.findings.iter().map(|f| f.class.as_deref()).collect();
    assert_eq!(classes, [Some("test"), Some("transient")]);
}

#[test]
fn reset_times_are_kept_in_every_form() {
    let r = retry_after("You've hit your usage limit. Upgrade to Pro or try again at 4:20 PM.", None).unwrap();
    assert_eq!(r.when, "at 4:20 PM (the service's local time)");
    assert_eq!(r.said, "try again at 4:20 PM.");
    let r = retry_after("You've hit your session limit · resets 3:45pm", None).unwrap();
    assert_eq!(r.when, "at 3:45 PM (the service's local time)");
    let r = retry_after(r#"{"type":"usage_limit_reached","resets_at":1763652300}"#, None).unwrap();
    assert_eq!(r.when, "at 2025-11-20 15:25 UTC");
    assert_eq!(r.at.map(|t| t.timestamp()), Some(1_763_652_300));
    let ended = chrono::DateTime::<chrono::Utc>::from_timestamp(1_763_650_000, 0);
    let r = retry_after("429 Too Many Requests; retry-after: 120", ended).unwrap();
    assert_eq!(r.when, "at 2025-11-20 14:48:40 UTC (120 s after the failure)");
    assert_eq!(retry_after("stream disconnected before completion", None), None);
}

#[test]
fn a_reset_after_a_delay_is_a_moment_after_the_failure() {
    let ended = chrono::DateTime::<chrono::Utc>::from_timestamp(1_763_650_000, 0);
    let r =
        retry_after("You've hit your usage limit. Upgrade to Plus or try again in 1 hour 52 minutes.", ended).unwrap();
    assert_eq!(r.when, "at 2025-11-20 16:38:40 UTC (6720 s after the failure)");
    assert_eq!(r.said, "try again in 1 hour 52 minutes");
    let r = retry_after("Rate limit reached for gpt-5 ... Please try again in 539ms.", None).unwrap();
    assert_eq!(r.when, "1 s after the failure");
    let r = retry_after("try again in 2m 30s", None).unwrap();
    assert_eq!(r.when, "150 s after the failure");
}

/// `sandbox_denied` against the rule's regex in `BUILTIN`: hand-picked edges, then every text
/// of up to five pieces from a set of words, separators and denial words.
#[test]
fn sandbox_denied_in_code_matches_what_its_regex_matches() {
    let (_, _, pattern) = BUILTIN.iter().find(|(_, name, _)| *name == "sandbox-denied").expect("the rule");
    let re = Regex::new(pattern).expect("regex");
    let same = |text: &str| {
        assert_eq!(sandbox_denied(text), re.is_match(text), "{text:?}");
        re.is_match(text)
    };
    // Up to six words between: the denial starts the 7th run of word characters at most.
    assert!(same("sandbox: a b c d e f denied"));
    assert!(!same("sandbox: a b c d e f g denied"));
    assert!(same("sandbox denied"));
    assert!(same("sandboxes, policy=deny: Refused"));
    assert!(same("the SANDBOX policy blocked it"));
    assert!(same("\u{17f}andbox: write bloc\u{212a}ed")); // Unicode case folding (long s, Kelvin sign)
    assert!(same("sandbox_policy\u{2014}denied"));
    assert!(same("nosandbox,denied"));
    assert!(!same("sandboxdenied"));
    assert!(!same("sandbox: writedenied"));
    assert!(same("sandbox: écrire refusé — not allowed"));
    assert!(!same("sandbox: é ü ö ä å ø ß denied")); // non-ASCII letters are words
    assert!(same("sandbox: é ü ö ä å ø denied"));
    assert!(same("sandbox a , , , ; ; b denied"));
    assert!(!same("sandbox: not  allowed"));
    assert!(same("sandbox: not allowedX"));
    assert!(same("a sandbox b c d e f g h i sandbox j denied"));
    assert!(same("write denied by the sandbox"));
    assert!(same("Rejected by sandbox"));
    assert!(!same("denied by a sandbox"));
    assert!(!same("deni\u{e9}d sandbox"));
    assert!(!same(""));
    let pieces = ["sandbox", "Sandboxed", "x", "é", "_", " ", ": ", "-", "—", "denied", "not allowed", "by the"];
    let mut texts = vec![String::new()];
    for _ in 0..5 {
        texts = texts.iter().flat_map(|t| pieces.iter().map(move |p| format!("{t}{p}"))).collect();
        for t in &texts {
            same(t);
        }
    }
}

#[test]
fn every_built_in_rule_compiles_and_matches_only_where_its_regex_does() {
    // The built-in regexes compile at their first use: each is made to compile here, and
    // each rule, asked through its pattern, answers what its regex answers.
    let c = Classifier::default();
    let texts =
        ["", "ModuleNotFoundError: No module named 'x'", "AssertionError: assert 1 == 2", "429 Too Many Requests"];
    let mut compiled = 0;
    for rule in c.rules() {
        if let Pattern::Builtin(b) = &rule.pattern {
            let re = Regex::new(b.source).expect("a valid regex");
            for t in texts {
                assert_eq!(rule.pattern.is_match(t), re.is_match(t), "{}: {t:?}", rule.name);
            }
            compiled += 1;
        }
    }
    assert_eq!(compiled, BUILTIN.len() - CODED.len());
}
