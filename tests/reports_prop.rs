//! Property tests over the validation-report reader, one case per report shape as today's
//! tools print it (tests/data/tools/: pytest 9 `-q`, py_compile, mypy plain/`--pretty`/
//! `--show-error-end`/colour, cargo human and `--message-format=short`, tsc plain/pretty
//! and a `tsconfig.json` error, ESLint stylish, go build/vet/test -v).
//!
//! For each shape: arbitrary bytes spliced into the real output never panic (through
//! `parse` and through the streaming `read`), and cutting the output short never invents a
//! finding: a cut at a line end yields findings the whole output also has (same file, line
//! and error type, or the type a cut pytest section falls back to), and a cut anywhere names
//! no file the whole output does not name.
//!
//! Budget: 200 cases per property and shape, `RECOVER_TUI_PROP_CASES=N` to change it.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use recover_tui::core::ingest::validation::{self, ValidationReport};
use recover_tui::core::model::Finding;

fn cases() -> u32 {
    std::env::var("RECOVER_TUI_PROP_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

macro_rules! shape {
    ($name:literal, $count:literal) => {
        ($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/tools/", $name)), $count)
    };
}

/// One real output per report shape, and how many findings the whole of it gives.
const SHAPES: [(&str, &str, usize); 17] = [
    shape!("pytest/q-failures.txt", 4),
    shape!("pytest/q-params.txt", 3),
    shape!("pytest/q-collection-error.txt", 1),
    shape!("py_compile/missing-file.txt", 1),
    shape!("py_compile/tab-error.txt", 1),
    shape!("mypy/errors.txt", 4),
    shape!("mypy/errors-pretty.txt", 4),
    shape!("mypy/errors-error-end.txt", 4),
    shape!("cargo/build-human.txt", 5),
    shape!("cargo/build-short.txt", 5),
    shape!("cargo/clippy-deny-warnings.txt", 2),
    shape!("tsc/errors-pretty.txt", 3),
    shape!("tsc/tsconfig-error.txt", 2),
    shape!("tsc/no-inputs.txt", 1),
    shape!("eslint/stylish.txt", 4),
    shape!("go/vet-printf.txt", 2),
    shape!("go/test-v.txt", 1),
];

/// The error types a reader falls back to when the lines that name the real type were cut
/// off: a pytest section or summary, a mypy `--pretty` message whose `[code]` wrapped onto
/// the next line, a rustc error whose ` --> ` line or `= note:` naming the lint was cut.
const CUT_FALLBACK_TYPES: [&str; 6] = ["TestFailure", "TestError", "CollectionError", "mypy", "error", "rustc"];

fn runner() -> TestRunner {
    TestRunner::new(Config { cases: cases(), failure_persistence: None, ..Config::default() })
}

fn read_bytes(bytes: &[u8]) -> ValidationReport {
    validation::read(std::io::Cursor::new(bytes), "r.txt").expect("reading from memory cannot fail")
}

#[test]
fn the_whole_outputs_give_their_findings() {
    for (name, text, count) in SHAPES {
        let r = validation::parse(text, name);
        assert_eq!(r.findings.len(), count, "{name}");
        assert!(validation::looks_like(text), "{name} is found as a validation report");
        // The streaming reader gives the same findings.
        assert_eq!(read_bytes(text.as_bytes()).findings.len(), count, "{name}");
    }
}

#[test]
fn arbitrary_bytes_spliced_into_each_shape_never_panic() {
    for (name, text, _) in SHAPES {
        let len = text.len();
        let strategy = (0..=len, proptest::collection::vec(any::<u8>(), 0..256));
        runner()
            .run(&strategy, |(at, junk)| {
                let mut bytes = text.as_bytes().to_vec();
                bytes.splice(at..at, junk);
                let lossy = String::from_utf8_lossy(&bytes);
                let r = validation::parse(&lossy, "fuzz.txt");
                for f in &r.findings {
                    prop_assert!(f.source.starts_with("fuzz.txt:"));
                }
                let _ = read_bytes(&bytes);
                let _ = validation::looks_like(&lossy);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn arbitrary_bytes_alone_never_panic() {
    let strategy = proptest::collection::vec(any::<u8>(), 0..2048);
    runner()
        .run(&strategy, |bytes| {
            let lossy = String::from_utf8_lossy(&bytes);
            let _ = validation::parse(&lossy, "fuzz.txt");
            let _ = read_bytes(&bytes);
            let _ = validation::looks_like(&lossy);
            Ok(())
        })
        .unwrap();
}

/// The whole output has a finding that `f` (from a cut of it) is a part of.
fn is_part_of_one(f: &Finding, whole: &[Finding]) -> bool {
    whole.iter().any(|g| {
        let file = f.file.is_none() || f.file == g.file;
        let line = f.line.is_none() || f.line == g.line;
        let error_type = f.error_type == g.error_type || CUT_FALLBACK_TYPES.contains(&f.error_type.as_str());
        file && line && error_type
    })
}

#[test]
fn cutting_each_shape_at_a_line_end_invents_no_finding() {
    for (name, text, _) in SHAPES {
        let whole = validation::parse(text, name).findings;
        let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i + 1).collect();
        for end in ends {
            let cut = validation::parse(&text[..end], name).findings;
            assert!(cut.len() <= whole.len(), "{name} cut at byte {end}: {cut:?}");
            for f in &cut {
                assert!(is_part_of_one(f, &whole), "{name} cut at byte {end} invents {f:?}");
            }
        }
    }
}

#[test]
fn cutting_each_shape_anywhere_names_no_new_file() {
    for (name, text, _) in SHAPES {
        let whole = validation::parse(text, name);
        let files: Vec<&String> = whole.findings.iter().filter_map(|f| f.file.as_ref()).collect();
        let strategy = 0..=text.len();
        runner()
            .run(&strategy, |end| {
                let bytes = &text.as_bytes()[..end];
                let cut = read_bytes(bytes);
                prop_assert!(cut.findings.len() <= whole.findings.len(), "{:?}", cut.findings);
                for f in &cut.findings {
                    if let Some(file) = &f.file {
                        prop_assert!(files.contains(&file), "cut at byte {} names {}", end, file);
                    }
                }
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}
