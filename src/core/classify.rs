//! Failure classes (DESIGN §7): a rule table of regexes over "error_type: message".
//!
//! The first rule that matches wins, so the table is ordered from the most specific
//! and most decisive texts to the most general ones. Extra rules from the config
//! (`[classify]`) are tried before the built-in table.

use crate::core::model::Finding;
use chrono::{DateTime, Utc};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

/// What kind of fix a failure needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    Syntax,
    Import,
    Type,
    Test,
    Placeholder,
    MissingOutput,
    Transient,
    Sandbox,
    Context,
    Architectural,
    Unknown,
}

impl FailureClass {
    pub const ALL: [FailureClass; 11] = [
        FailureClass::Syntax,
        FailureClass::Import,
        FailureClass::Type,
        FailureClass::Test,
        FailureClass::Placeholder,
        FailureClass::MissingOutput,
        FailureClass::Transient,
        FailureClass::Sandbox,
        FailureClass::Context,
        FailureClass::Architectural,
        FailureClass::Unknown,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            FailureClass::Syntax => "syntax",
            FailureClass::Import => "import",
            FailureClass::Type => "type",
            FailureClass::Test => "test",
            FailureClass::Placeholder => "placeholder",
            FailureClass::MissingOutput => "missing_output",
            FailureClass::Transient => "transient",
            FailureClass::Sandbox => "sandbox",
            FailureClass::Context => "context",
            FailureClass::Architectural => "architectural",
            FailureClass::Unknown => "unknown",
        }
    }

    /// The sentence the recovery prompt uses to tell the reviser what kind of fix is needed.
    pub fn hint(&self) -> &'static str {
        match self {
            FailureClass::Syntax => {
                "The file does not parse. Fix the syntax error at the reported line (unclosed \
                 brackets or strings, a missing colon or semicolon, inconsistent indentation), \
                 check that the whole file now compiles, and change nothing else."
            }
            FailureClass::Import => {
                "A module, package or name does not resolve. Look up where the module and the \
                 symbols really live in the project files given in the context below, and import \
                 them from there under their exact names; do not invent modules or rename \
                 existing symbols to fit the import."
            }
            FailureClass::Type => {
                "Values are used with the wrong types or attributes. Match the actual signatures, \
                 field names and return types of the code given in the context below, and fix \
                 the calls or annotations instead of silencing the checker."
            }
            FailureClass::Test => {
                "Tests fail on behaviour. Read the expected and actual values in the failures \
                 below and fix the implementation so the assertions hold; change a test only if \
                 it contradicts the original task's specification."
            }
            FailureClass::Placeholder => {
                "The output still contains placeholders (TODO or FIXME notes, stub bodies, \
                 NotImplementedError, todo!()/unimplemented!()). Replace every one with a \
                 complete, working implementation of what the task asks for."
            }
            FailureClass::MissingOutput => {
                "The expected output file was never written. Create it at exactly the path the \
                 task names, with the complete content the task asks for."
            }
            FailureClass::Transient => {
                "The previous attempt was cut off by the service (rate limit, usage limit, \
                 overload, network error or timeout), not by a mistake in the code. Run the \
                 original task again unchanged and keep any complete files it already wrote."
            }
            FailureClass::Sandbox => {
                "The agent was stopped by its environment (file permissions, sandbox policy, an \
                 untrusted directory, a pending approval or failed authentication). Fix the run \
                 settings before retrying; the prompt itself does not need to change."
            }
            FailureClass::Context => {
                "The previous attempt ran out of room (context window or turn limit) before it \
                 finished. Work only on the files named here, rely on the context given below \
                 instead of exploring the repository, and write the output directly."
            }
            FailureClass::Architectural => {
                "Files from different batches disagree about a shared interface or data schema. \
                 Make this file follow the earlier batch's definitions given below exactly \
                 (names, fields, columns, signatures) and do not change those earlier files."
            }
            FailureClass::Unknown => {
                "The failure could not be classified. Read the error output below, find its \
                 cause in this file, and fix it without changing unrelated code."
            }
        }
    }
}

impl fmt::Display for FailureClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FailureClass {
    type Err = ClassifyError;

    /// Accepts the snake_case names (`missing_output`); `-` is read as `_`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase().replace('-', "_");
        FailureClass::ALL
            .into_iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| ClassifyError::UnknownClass { rule: String::new(), class: s.to_string() })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    #[error("classify rule {rule}: unknown failure class {class:?} (expected one of: syntax, import, type, test, placeholder, missing_output, transient, sandbox, context, architectural, unknown)")]
    UnknownClass { rule: String, class: String },
    #[error("classify rule {rule}: invalid regex {pattern:?}: {source}")]
    BadPattern {
        rule: String,
        pattern: String,
        #[source]
        source: Box<regex::Error>,
    },
}

/// One entry of the rule table.
#[derive(Debug, Clone)]
pub struct Rule {
    pub class: FailureClass,
    pub pattern: Pattern,
    pub name: String,
}

/// What a rule matches: a regex (a config's extra rule); a built-in regex, compiled at its
/// first use (the whole table takes ~15 ms to compile, and a load classifies a few findings,
/// which meet the first few rules); or a built-in regex whose bounded repetition of Unicode
/// classes takes milliseconds to compile, written out in code (see `CODED`).
#[derive(Debug, Clone)]
pub enum Pattern {
    Regex(Regex),
    Builtin(&'static BuiltinRegex),
    Coded(Matcher),
}

/// A rule matched by code.
pub type Matcher = fn(&str) -> bool;

impl Pattern {
    pub fn is_match(&self, text: &str) -> bool {
        match self {
            Pattern::Regex(re) => re.is_match(text),
            Pattern::Builtin(b) => b.regex().is_match(text),
            Pattern::Coded(f) => f(text),
        }
    }
}

/// A regex of the built-in table, compiled once, at its first use, for every classifier.
#[derive(Debug)]
pub struct BuiltinRegex {
    source: &'static str,
    compiled: std::sync::OnceLock<Regex>,
}

impl BuiltinRegex {
    fn regex(&self) -> &Regex {
        self.compiled.get_or_init(|| Regex::new(self.source).expect("built-in classify rule is a valid regex"))
    }
}

#[derive(Debug, Clone)]
pub struct Classifier {
    rules: Vec<Rule>,
}

/// The built-in table, most decisive first. Every pattern is matched against
/// `"<error_type>: <message>"`.
const BUILTIN: &[(FailureClass, &str, &str)] = &[
    // An assertion failure is always a test result, even when the message quotes an HTTP
    // status, a rate limit or a timeout that the code under test is supposed to produce
    // (`AssertionError: assert resp.status == 429`), so it is decided before the
    // agent-level texts below.
    (FailureClass::Test, "assertion-error", r"^AssertionError\b"),
    // Context: the model ran out of room. "Reached maximum number of turns (10)" (Claude's
    // error_max_turns) is also put here: like an exceeded context window it means the session
    // spent its whole budget before finishing; retrying unchanged hits the same wall
    // (so it is not transient), and the cure is the same: a narrower prompt that inlines
    // the context so the model needs fewer turns.
    (
        FailureClass::Context,
        "context-window",
        r"(?i)context[ _-]?length[ _-]?exceeded|maximum context length|context[ _-]window|prompt is too long|input is too long|too many (?:input )?tokens|exceeds? the (?:model'?s? )?context",
    ),
    (FailureClass::Context, "max-turns", r"(?i)maximum number of turns|\bmax(?:imum)?[ _]turns\b|error_max_turns"),
    // Sandbox: the environment stopped the agent.
    (FailureClass::Sandbox, "untrusted-directory", r"(?i)not inside a trusted directory|--skip-git-repo-check"),
    (
        FailureClass::Sandbox,
        "permission-denied",
        r"(?i)permission denied|\bEACCES\b|\bEPERM\b|operation not permitted|read-only file system|^PermissionError\b",
    ),
    (
        FailureClass::Sandbox,
        "approval",
        r"(?i)approval (?:is )?(?:required|needed)|requires? (?:your )?approval|needs? approval|requested permissions? to|haven'?t granted",
    ),
    (
        FailureClass::Sandbox,
        "sandbox-denied",
        r"(?i)sandbox\w*(?:\W+\w+){0,6}?\W+(?:denied|blocked|rejected|refused|not allowed)|(?:denied|blocked|rejected) by (?:the )?sandbox",
    ),
    // Authentication failures (401 Unauthorized, bad API key, not logged in) are put in
    // sandbox rather than unknown: like a sandbox denial they are a property of the run's
    // environment, retrying the same way fails again, and a human fixes the setup while the
    // prompt stays as it is.
    (
        FailureClass::Sandbox,
        "auth",
        r"(?i)(?:status|code|error)\W{1,3}40[13]\b|\b401 unauthori[sz]ed|\bunauthori[sz]ed\b|\b403 forbidden|invalid (?:x-)?api[ _-]?key|authentication[ _]error|not logged in",
    ),
    // Transient: the service, the network or the clock cut the attempt short.
    (
        FailureClass::Transient,
        "rate-limit",
        r"(?i)(?:status|code|error)\W{1,3}429\b|\b429 too many requests|too many requests|(?:^|[^a-z])(?:rate|usage|session)[ _-]?limit(?:s|ed|ing)?(?:[^a-z]|$)|model (?:is )?at capacity",
    ),
    (
        FailureClass::Transient,
        "overloaded",
        r"(?i)overloaded_error|(?:api|server|servers|service|model|engine) (?:is |are )?(?:currently )?overloaded|(?:status|code|error)\W{1,3}529\b",
    ),
    (
        FailureClass::Transient,
        "server-error",
        r"(?i)(?:status|code|error)\W{1,3}50[0234]\b|internal server error|bad gateway|service unavailable|gateway time-?out|\bserver_error\b",
    ),
    (
        FailureClass::Transient,
        "network",
        r"(?i)stream disconnected|reconnecting\.\.\.|error sending request|connection (?:reset|refused|closed|aborted)|\bECONNRESET\b|\bECONNREFUSED\b|\bETIMEDOUT\b|\bEAI_AGAIN\b|network (?:error|is unreachable)|dns error|failed to lookup address|socket hang up",
    ),
    (
        FailureClass::Transient,
        "killed-or-timeout",
        r"(?i)no final event|killed after timeout|killed by signal|\bsignal (?:9|15)\b|\bSIG(?:TERM|KILL)\b|process (?:was )?(?:killed|interrupted|terminated)|(?:^|[^a-z_])timed out\b|\btimeout (?:exceeded|expired|reached|after)\b|exceeded (?:the )?timeout|^Failed: Timeout\b|deadline exceeded",
    ),
    // Architectural: only texts that plainly say two sides disagree. (Errors naming a symbol
    // that an earlier batch defines differently need the other batch's code to recognise;
    // that is left to the step that knows the run, which may upgrade import/type findings.)
    (
        FailureClass::Architectural,
        "schema-or-interface",
        r#"(?i)schema (?:mismatch|drift|version|conflict)|migrations?\b.{0,60}\b(?:mismatch|conflict|out of (?:date|sync)|missing|pending)|interface mismatch|breaking change|incompatible with (?:the )?(?:schema|interface|api)|column .{1,60} does not exist|no such column|no such table|has no column named|relation .{1,60} does not exist|contract mismatch"#,
    ),
    // Placeholder: left-over stubs. TODO/FIXME only in capitals (a word "todo" in a message
    // is usually the app's own domain).
    (
        FailureClass::Placeholder,
        "placeholder",
        r"(?i)NotImplementedError|\bunimplemented!|\btodo!|(?:^|: )not (?:yet )?implemented\b|(?-i:\bTODO\b|\bFIXME\b)|\bplaceholder\b|\bstub(?:bed)? (?:implementation|function|method|body|code)\b|\b(?:is|still|only|left as) an? stub\b|stubbed out|pass\s+#\s*(?:todo|implement)",
    ),
    // Missing output: a file that should exist does not.
    (
        FailureClass::MissingOutput,
        "missing-output",
        r#"(?i)missing output|output (?:file )?(?:is |was )?(?:missing|not (?:created|written|found))|file (?:was )?not (?:created|written)|was not created|no such file or directory|^FileNotFoundError\b|\bENOENT\b|\b(?:file|directory|path|output)\s+['"`]?[^\s'"`]+['"`]?\s+does not exist|\.[a-z0-9]{1,5}['"`]? does not exist"#,
    ),
    // Syntax.
    (
        FailureClass::Syntax,
        "syntax",
        r"(?i)^(?:SyntaxError|IndentationError|TabError)\b|invalid syntax|expected ':'|\bexpected one of\b|unexpected token|\bTS1(?:002|003|005|109|110|127|128|135|136|161|434)\b|syntax error|parsing error|unclosed delimiter|mismatched closing delimiter|unterminated (?:string|double quote|character)|unexpected (?:eof|end of (?:file|input))|was never closed|unexpected indent|unindent does not match",
    ),
    // Import. Unknown names (Python NameError, rustc E0425 "cannot find value", tsc TS2304
    // "Cannot find name", eslint no-undef, Go "undefined: x") are classed here too: in
    // generated code they nearly always mean a symbol that lives elsewhere in the project
    // was not imported or is referred to by a name it does not have, which is exactly what
    // the import hint asks the reviser to check. Go's "x.Y undefined (type T has no field or
    // method Y)" is a type error and is caught by the type rule because it does not match
    // "undefined: ".
    (
        FailureClass::Import,
        "import",
        r#"(?i)ModuleNotFoundError|ImportError|cannot import name|no module named|\bE04(?:32|33)\b|\bE0583\b|unresolved import|could not find `[^`]+` in|failed to resolve|\bTS230[457]\b|cannot find module|cannot find name|has no exported member|could not import|no required module provides package|cannot find package|is not in std|^NameError\b|is not defined\b|\bE0425\b|cannot find (?:value|function|type|struct|trait|macro|crate)\b|\bundefined: |^import(?:-not-found|-untyped)?\b|\bname-defined\b|module ['"][^'"]+['"] has no attribute|fixture '[^']+' not found|library stub"#,
    ),
    // Type.
    (
        FailureClass::Type,
        "type",
        r"(?i)^(?:TypeError|AttributeError|mypy)\b|^(?:assignment|arg-type|return-value|attr-defined|union-attr|call-arg|override|index|operator|type-var|var-annotated|has-type|valid-type|list-item|dict-item|return|misc)\b|\bE0(?:061|107|277|282|308|369|560|599|609|614)\b|mismatched types|\bTS2(?:322|339|345|349|352|531|532|551|554|740|741|769)\b|incompatible (?:types?|return value)|is not assignable to|cannot use .{1,80} as .{1,80} value|has no (?:field or )?method|no method named|does not implement|trait bound .{1,80} is not satisfied|not callable|unsupported operand",
    ),
    // Test: behaviour differs from what a test expects.
    (
        FailureClass::Test,
        "test",
        r"(?i)^(?:TestFailure|panic: assertion)\b|\bassert(?:ion)?\b.{0,60}\bfailed\b|^assert |\bassert\s|left == right|\bexpected\b.{0,80}\b(?:got|but|received)\b|\bExpected:|\btests? failed\b|^FAILED\b|, want ",
    ),
];

/// Built-in rules matched by code that gives what their regex in `BUILTIN` gives.
const CODED: &[(&str, Matcher)] = &[("sandbox-denied", sandbox_denied)];

/// The built-in table's regexes, not compiled yet (see [`BuiltinRegex`]).
static BUILTIN_REGEXES: LazyLock<Vec<BuiltinRegex>> = LazyLock::new(|| {
    BUILTIN.iter().map(|(_, _, source)| BuiltinRegex { source, compiled: std::sync::OnceLock::new() }).collect()
});

static BUILTIN_RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let regexes: &'static [BuiltinRegex] = &BUILTIN_REGEXES;
    BUILTIN
        .iter()
        .zip(regexes)
        .map(|((class, name, _), regex)| Rule {
            class: *class,
            pattern: match CODED.iter().find(|(n, _)| n == name) {
                Some((_, f)) => Pattern::Coded(*f),
                None => Pattern::Builtin(regex),
            },
            name: (*name).to_string(),
        })
        .collect()
});

static SANDBOX: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)sandbox").expect("regex"));
static WORD_RUN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\w+").expect("regex"));
static DENIAL_AT_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(?:denied|blocked|rejected|refused|not allowed)").expect("regex"));
static DENIED_BY_SANDBOX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)(?:denied|blocked|rejected) by (?:the )?sandbox").expect("regex"));

/// The `sandbox-denied` rule of `BUILTIN`: `sandbox\w*(?:\W+\w+){0,6}?\W+(?:denied|…)` says
/// that a denial word starts one of the first seven runs of word characters (Unicode `\w`)
/// after the word holding "sandbox" (the `\w*`), as each `\W+`/`\w+` there can only take a
/// whole run. Its seven copies of `\w` and of `\W` take ~4 ms to compile; these four
/// regexes under 1 ms.
fn sandbox_denied(text: &str) -> bool {
    let denial_follows = |sandbox: regex::Match<'_>| {
        let rest = text.get(sandbox.end()..).unwrap_or_default();
        WORD_RUN
            .find_iter(rest)
            .filter(|run| run.start() > 0)
            .take(7)
            .any(|run| rest.get(run.start()..).is_some_and(|r| DENIAL_AT_START.is_match(r)))
    };
    // "sandbox" cannot overlap itself, so `find_iter` meets every occurrence.
    SANDBOX.find_iter(text).any(denial_follows) || DENIED_BY_SANDBOX.is_match(text)
}

impl Default for Classifier {
    fn default() -> Self {
        Classifier { rules: BUILTIN_RULES.clone() }
    }
}

impl Classifier {
    /// The built-in table preceded by `extra` rules (`(class, regex)` from the config's
    /// `[classify]` section), so an extra rule wins over a built-in one. Extra rule `i`
    /// (1-based) is named `extra[i]`.
    pub fn with_extra(extra: &[(String, String)]) -> Result<Classifier, ClassifyError> {
        let mut rules = Vec::with_capacity(extra.len() + BUILTIN_RULES.len());
        for (i, (class, pattern)) in extra.iter().enumerate() {
            let name = format!("extra[{}]", i + 1);
            let class = class
                .parse::<FailureClass>()
                .map_err(|_| ClassifyError::UnknownClass { rule: name.clone(), class: class.clone() })?;
            let pattern = Regex::new(pattern).map_err(|e| ClassifyError::BadPattern {
                rule: name.clone(),
                pattern: pattern.clone(),
                source: Box::new(e),
            })?;
            rules.push(Rule { class, pattern: Pattern::Regex(pattern), name });
        }
        rules.extend(BUILTIN_RULES.iter().cloned());
        Ok(Classifier { rules })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The class of an error and the name of the rule that decided it (`None` = no rule
    /// matched, class `Unknown`). Rules see `"<error_type>: <message>"`.
    pub fn classify(&self, error_type: &str, message: &str) -> (FailureClass, Option<String>) {
        let text = joined(error_type, message);
        self.rules
            .iter()
            .find(|r| r.pattern.is_match(&text))
            .map_or((FailureClass::Unknown, None), |r| (r.class, Some(r.name.clone())))
    }

    pub fn classify_finding(&self, f: &Finding) -> FailureClass {
        self.classify(&f.error_type, &f.message).0
    }

    /// The class of a finding from a validation tool (a compiler, a test run, a type checker):
    /// a code defect, never `transient` — the transient rules are skipped.
    pub fn classify_code_defect(&self, error_type: &str, message: &str) -> (FailureClass, Option<String>) {
        let text = joined(error_type, message);
        self.rules
            .iter()
            .filter(|r| r.class != FailureClass::Transient)
            .find(|r| r.pattern.is_match(&text))
            .map_or((FailureClass::Unknown, None), |r| (r.class, Some(r.name.clone())))
    }
}

fn joined(error_type: &str, message: &str) -> String {
    let error_type = error_type.trim();
    if error_type.is_empty() {
        message.trim().to_string()
    } else {
        format!("{error_type}: {}", message.trim())
    }
}

/// When a transient failure says a retry can succeed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RetryAfter {
    /// In the user's words: "at 3:45 PM", "at 2025-11-20 15:45 UTC", "120 s after the failure".
    pub when: String,
    /// The moment, when the text gives one (an epoch, or a delay after a known end time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<DateTime<Utc>>,
    /// The words of the log that said it ("try again at 4:20 PM").
    pub said: String,
}

static RESETS_AT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"(?i)resets?_at\W{0,3}(\d{10})\b"#).expect("regex"));
static TRY_AGAIN_AT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?:try again at|resets?(?: at)?)\s+(\d{1,2}(?::\d{2})?\s*[ap]\.?m\.?)").expect("regex")
});
static TRY_AGAIN_IN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)try again in ((?:\d+(?:\.\d+)?\s*(?:hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s|ms)\b[\s,]*(?:and\s+)?)+)")
        .expect("regex")
});
static DELAY_PART: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(\d+(?:\.\d+)?)\s*(hours?|hrs?|h|minutes?|mins?|m|seconds?|secs?|s|ms)\b").expect("regex")
});
static RETRY_AFTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)retry[-_ ]after\W{0,3}(\d{1,6})\b").expect("regex"));

/// The reset time a transient failure's text gives (`resets_at` epoch, "try again at 3:45 PM",
/// "resets 3:45pm", `retry-after: 120`), if any. `failed_at`: when the job ended, for a delay.
pub fn retry_after(text: &str, failed_at: Option<DateTime<Utc>>) -> Option<RetryAfter> {
    if let Some(c) = RESETS_AT.captures(text) {
        let at = c[1].parse::<i64>().ok().and_then(|s| DateTime::<Utc>::from_timestamp(s, 0))?;
        return Some(RetryAfter {
            when: format!("at {}", at.format("%Y-%m-%d %H:%M UTC")),
            at: Some(at),
            said: c[0].to_string(),
        });
    }
    if let Some(c) = TRY_AGAIN_AT.captures(text) {
        let clock = c[1].replace('.', "").to_uppercase().replace(' ', "");
        let clock = format!("{} {}", &clock[..clock.len() - 2], &clock[clock.len() - 2..]);
        return Some(RetryAfter {
            when: format!("at {clock} (the service's local time)"),
            at: None,
            said: c[0].trim().to_string(),
        });
    }
    if let Some(c) = TRY_AGAIN_IN.captures(text) {
        let secs = delay_seconds(&c[1]);
        let said = c[0].trim().trim_end_matches([',', '.']).to_string();
        return Some(after_delay(secs.round() as i64, failed_at, said));
    }
    if let Some(c) = RETRY_AFTER.captures(text) {
        let secs: i64 = c[1].parse().ok()?;
        return Some(after_delay(secs, failed_at, c[0].to_string()));
    }
    None
}

/// "1 hour 52 minutes", "539ms", "20s" -> seconds.
fn delay_seconds(text: &str) -> f64 {
    DELAY_PART
        .captures_iter(text)
        .filter_map(|c| {
            let n: f64 = c[1].parse().ok()?;
            let unit = c[2].to_ascii_lowercase();
            let scale = match unit.as_str() {
                "ms" => 0.001,
                u if u.starts_with('h') => 3600.0,
                u if u.starts_with("mi") || u == "m" => 60.0,
                _ => 1.0,
            };
            Some(n * scale)
        })
        .sum()
}

/// A retry possible `secs` after the failure (at a moment when the failure time is known).
fn after_delay(secs: i64, failed_at: Option<DateTime<Utc>>, said: String) -> RetryAfter {
    let at = failed_at.map(|t| t + chrono::Duration::seconds(secs));
    let when = match at {
        Some(at) => format!("at {} ({secs} s after the failure)", at.format("%Y-%m-%d %H:%M:%S UTC")),
        None => format!("{secs} s after the failure"),
    };
    RetryAfter { when, at, said }
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
