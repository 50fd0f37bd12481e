//! Interface mismatches across batches (DESIGN.md §7): an error that names a symbol (class,
//! function, attribute, keyword argument) which an output of an earlier batch defines, where
//! the use does not fit that definition. Found in the text of the earlier outputs, which the
//! caller passes in (core reads no files).

use crate::core::model::{Finding, Job, Run, Status};
use regex::Regex;
use std::collections::BTreeMap;
use std::sync::LazyLock;

/// Output path (relative to the project root) -> its text, for the outputs of earlier batches.
pub type OutputTexts = BTreeMap<String, String>;

/// How a use does not fit its definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Misfit {
    UnexpectedKeyword(String),
    MissingArgument(String),
    WrongArity,
    NoAttribute(String),
}

/// One mismatch, with both places.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The failed job whose output uses the symbol.
    pub job: String,
    /// The earlier job whose output defines it, and its batch.
    pub writer: String,
    pub writer_batch: u32,
    pub symbol: String,
    pub misfit: Misfit,
    /// `path:line` of the definition.
    pub definition: String,
    /// `path:line` of the use (the finding's place).
    pub use_at: String,
    /// The error as reported.
    pub error: String,
}

impl Mismatch {
    /// "RateLimiter (ratelimit/limiter.py:8, batch 1) takes no keyword argument 'burst'"
    pub fn summary(&self) -> String {
        let what = match &self.misfit {
            Misfit::UnexpectedKeyword(k) => format!("takes no keyword argument '{k}'"),
            Misfit::MissingArgument(a) => format!("requires {a}, which the use does not pass"),
            Misfit::WrongArity => "is called with the wrong number of arguments".to_string(),
            Misfit::NoAttribute(a) => format!("has no attribute '{a}'"),
        };
        format!(
            "interface mismatch across batches: {} as batch {} defines it {what}; used that way at {}",
            self.symbol, self.writer_batch, self.use_at
        )
    }
}

static UNEXPECTED_KW: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<sym>[A-Za-z_][\w.]*)\(\) got an unexpected keyword argument '(?P<arg>\w+)'").expect("regex")
});
static MISSING_ARG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?P<sym>[A-Za-z_][\w.]*)\(\) missing \d+ required (?:positional |keyword-only )?arguments?: (?P<args>.+)",
    )
    .expect("regex")
});
static ARITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<sym>[A-Za-z_][\w.]*)\(\) takes (?:from )?\d+(?: to \d+)? positional arguments? but \d+ (?:were|was) given")
        .expect("regex")
});
static NO_ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"'(?P<sym>[A-Za-z_]\w*)' object has no attribute '(?P<arg>\w+)'").expect("regex"));

/// The symbol an error names and how the use misfits, if the message has that shape.
fn misuse(f: &Finding) -> Option<(String, Misfit)> {
    let m = &f.message;
    if let Some(c) = shaped(m, "() got an unexpected keyword argument '", &UNEXPECTED_KW) {
        return Some((owner(&c["sym"]), Misfit::UnexpectedKeyword(c["arg"].to_string())));
    }
    if let Some(c) = shaped(m, "() missing ", &MISSING_ARG) {
        return Some((owner(&c["sym"]), Misfit::MissingArgument(c["args"].trim().to_string())));
    }
    if let Some(c) = shaped(m, "() takes ", &ARITY) {
        return Some((owner(&c["sym"]), Misfit::WrongArity));
    }
    if let Some(c) = shaped(m, "' object has no attribute '", &NO_ATTR) {
        return Some((c["sym"].to_string(), Misfit::NoAttribute(c["arg"].to_string())));
    }
    None
}

/// `re`'s captures in `m`, looked for only when `m` holds `literal`, a piece of text every
/// match of `re` holds: on a run whose messages never have these shapes (most runs) the
/// regexes are never compiled, which takes a few ms (this runs on every plan).
fn shaped<'m>(m: &'m str, literal: &str, re: &LazyLock<Regex>) -> Option<regex::Captures<'m>> {
    if m.contains(literal) {
        re.captures(m)
    } else {
        None
    }
}

/// `RateLimiter.__init__` -> `RateLimiter`; `pkg.client.Client.get` -> `get`.
fn owner(sym: &str) -> String {
    let sym = sym.strip_suffix(".__init__").unwrap_or(sym);
    sym.rsplit('.').next().unwrap_or(sym).to_string()
}

/// Whether any failed job has a finding shaped like a misuse (then the caller reads the
/// earlier outputs for `find`).
pub fn wanted(run: &Run) -> bool {
    run.jobs()
        .filter(|j| j.result.status == Status::Failed)
        .flat_map(|j| j.result.findings.iter())
        .any(|f| misuse(f).is_some())
}

/// The outputs whose text `find` needs: those of every batch before the last failed one.
pub fn texts_wanted(run: &Run) -> Vec<String> {
    let last_failed = run.jobs().filter(|j| j.result.status == Status::Failed).map(|j| j.batch).max().unwrap_or(0);
    run.jobs().filter(|j| j.batch < last_failed).flat_map(|j| j.outputs.iter().cloned()).collect()
}

/// Every interface mismatch of the failed jobs against the outputs of earlier batches.
pub fn find(run: &Run, texts: &OutputTexts) -> Vec<Mismatch> {
    if texts.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for job in run.jobs().filter(|j| j.result.status == Status::Failed) {
        for f in &job.result.findings {
            let Some((symbol, misfit)) = misuse(f) else { continue };
            if let Some(m) = against_earlier(run, job, f, &symbol, misfit, texts) {
                out.push(m);
                break;
            }
        }
    }
    out
}

fn against_earlier(
    run: &Run,
    job: &Job,
    f: &Finding,
    symbol: &str,
    misfit: Misfit,
    texts: &OutputTexts,
) -> Option<Mismatch> {
    for writer in run.jobs().filter(|w| w.batch < job.batch) {
        for path in &writer.outputs {
            let Some(text) = texts.get(path) else { continue };
            let Some((line, block)) = definition(text, symbol) else { continue };
            if fits(&block, &misfit) {
                continue;
            }
            return Some(Mismatch {
                job: job.id.clone(),
                writer: writer.id.clone(),
                writer_batch: writer.batch,
                symbol: symbol.to_string(),
                misfit,
                definition: format!("{path}:{line}"),
                use_at: f.location().or_else(|| job.outputs.first().cloned()).unwrap_or_else(|| job.id.clone()),
                error: format!("{}: {}", f.error_type, crate::core::failure::one_line(&f.message, 200)),
            });
        }
    }
    None
}

/// The 1-based line of `class X` / `def X` (or `fn`, `struct`, `function`, `interface`) in
/// `text`, and the block it opens (its line and the more indented lines after it).
fn definition(text: &str, symbol: &str) -> Option<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| {
        let t = l.trim_start();
        ["class ", "def ", "async def ", "fn ", "pub fn ", "struct ", "pub struct ", "function ", "interface "]
            .iter()
            .any(|k| t.strip_prefix(k).is_some_and(|rest| starts_with_word(rest, symbol)))
    })?;
    let indent = lines[at].len() - lines[at].trim_start().len();
    let mut block = String::from(lines[at]);
    for l in &lines[at + 1..] {
        let blank = l.trim().is_empty();
        let deeper = l.len() - l.trim_start().len() > indent;
        if !blank && !deeper && !l.trim_start().starts_with(')') {
            break;
        }
        block.push('\n');
        block.push_str(l);
    }
    Some((at + 1, block))
}

fn starts_with_word(s: &str, word: &str) -> bool {
    s.strip_prefix(word).is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
}

/// Whether the definition does take what the use passes (then it is not this mismatch).
fn fits(block: &str, misfit: &Misfit) -> bool {
    let has_word = |w: &str| {
        block.match_indices(w).any(|(i, _)| {
            let before = block[..i].chars().next_back();
            let after = block[i + w.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
    };
    match misfit {
        Misfit::UnexpectedKeyword(k) | Misfit::NoAttribute(k) => has_word(k) || block.contains("**"),
        Misfit::MissingArgument(_) | Misfit::WrongArity => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Batch, JobResult};

    const LIMITER: &str = "\"\"\"Token bucket.\"\"\"\nfrom dataclasses import dataclass\n\n\nclass RateLimiter:\n    def __init__(self, rate: float, capacity: int) -> None:\n        self.rate = rate\n        self.capacity = capacity\n\n    def allow(self) -> bool:\n        return True\n";

    fn run(message: &str) -> Run {
        let writer = Job {
            id: "b1-limiter".into(),
            batch: 1,
            outputs: vec!["ratelimit/limiter.py".into()],
            result: JobResult { status: Status::Passed, ..JobResult::default() },
            ..Job::default()
        };
        let user = Job {
            id: "b2-tests".into(),
            batch: 2,
            outputs: vec!["tests/test_limiter.py".into()],
            result: JobResult {
                status: Status::Failed,
                findings: vec![Finding {
                    file: Some("tests/test_limiter.py".into()),
                    line: Some(9),
                    error_type: "TypeError".into(),
                    message: message.into(),
                    source: "pytest.txt:31".into(),
                    class: Some("type".into()),
                }],
                ..JobResult::default()
            },
            ..Job::default()
        };
        Run {
            batches: vec![
                Batch { number: 1, jobs: vec![writer], ..Batch::default() },
                Batch { number: 2, jobs: vec![user], ..Batch::default() },
            ],
            ..Run::default()
        }
    }

    fn texts() -> OutputTexts {
        [("ratelimit/limiter.py".to_string(), LIMITER.to_string())].into()
    }

    #[test]
    fn an_unexpected_keyword_of_an_earlier_class_is_found_with_both_places() {
        let r = run("RateLimiter.__init__() got an unexpected keyword argument 'burst'");
        assert!(wanted(&r));
        let m = find(&r, &texts());
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].definition, "ratelimit/limiter.py:5");
        assert_eq!(m[0].use_at, "tests/test_limiter.py:9");
        assert_eq!(m[0].misfit, Misfit::UnexpectedKeyword("burst".into()));
        assert_eq!(m[0].writer, "b1-limiter");
    }

    #[test]
    fn a_keyword_the_definition_takes_is_no_mismatch() {
        let r = run("RateLimiter.__init__() got an unexpected keyword argument 'capacity'");
        assert!(find(&r, &texts()).is_empty());
    }

    #[test]
    fn a_missing_attribute_of_an_earlier_class_is_found() {
        let r = run("AttributeError: 'RateLimiter' object has no attribute 'acquire'");
        let m = find(&r, &texts());
        assert_eq!(m[0].misfit, Misfit::NoAttribute("acquire".into()));
        let r = run("AttributeError: 'RateLimiter' object has no attribute 'allow'");
        assert!(find(&r, &texts()).is_empty());
    }

    #[test]
    fn a_missing_argument_and_a_wrong_arity_are_found() {
        let r = run("TypeError: RateLimiter.__init__() missing 1 required positional argument: 'capacity'");
        assert_eq!(find(&r, &texts())[0].misfit, Misfit::MissingArgument("'capacity'".into()));
        let r = run("TypeError: RateLimiter.allow() takes from 1 to 2 positional arguments but 3 were given");
        let m = find(&r, &texts());
        assert_eq!(m[0].misfit, Misfit::WrongArity);
        assert_eq!(m[0].symbol, "allow");
        assert_eq!(m[0].definition, "ratelimit/limiter.py:10");
    }

    #[test]
    fn every_shape_holds_the_literal_looked_for_before_its_regex() {
        for (literal, re, hit) in [
            ("() got an unexpected keyword argument '", &UNEXPECTED_KW, "a.B() got an unexpected keyword argument 'x'"),
            ("() missing ", &MISSING_ARG, "f() missing 2 required keyword-only arguments: 'a' and 'b'"),
            ("() takes ", &ARITY, "g() takes 1 positional argument but 2 were given"),
            ("' object has no attribute '", &NO_ATTR, "'Lämp' object has no attribute 'ü'"),
        ] {
            assert!(hit.contains(literal) && re.is_match(hit), "{hit}");
            // Without the literal (one character changed in it) the regex does not match either.
            for i in 0..literal.len() {
                let broken = hit.replacen(literal, &format!("{}#{}", &literal[..i], &literal[i + 1..]), 1);
                assert!(!re.is_match(&broken), "{broken}");
            }
        }
        let m = |message: &str| misuse(&Finding { message: message.into(), ..Finding::default() });
        assert_eq!(m("TypeError: nothing of the kind"), None);
        assert_eq!(m("x() takes no arguments"), None);
    }

    #[test]
    fn a_symbol_no_earlier_batch_defines_is_not_a_mismatch() {
        let r = run("Bucket.__init__() got an unexpected keyword argument 'burst'");
        assert!(find(&r, &texts()).is_empty());
    }
}
