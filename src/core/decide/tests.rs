//! Every question and verdict rule of the tree, on small runs built in code.

use super::*;
use crate::core::model::{Batch, Finding, JobResult, Prompt, TokenUsage};
use proptest::prelude::*;

fn finding(file: &str, line: u32, ty: &str, msg: &str, class: &str) -> Finding {
    Finding {
        file: Some(file.into()),
        line: Some(line),
        error_type: ty.into(),
        message: msg.into(),
        source: "validation.md:3".into(),
        class: Some(class.into()),
    }
}

fn job(id: &str, batch: u32, out: &str, prompt: &str, tokens: u64) -> Job {
    Job {
        id: id.into(),
        batch,
        outputs: vec![out.into()],
        prompt: Some(Prompt {
            text: format!("Task: {prompt}\n\nFile to create: {out}\n"),
            source: "script.sh:3".into(),
        }),
        matched_by: vec!["validated by validation.md".into()],
        result: JobResult {
            status: Status::Passed,
            tokens: TokenUsage { input: tokens, cached_input: 0, output: 0 },
            duration_s: Some(tokens as f64 / 100.0),
            ..JobResult::default()
        },
        ..Job::default()
    }
}

fn failed(mut j: Job, f: Finding) -> Job {
    j.result.status = Status::Failed;
    j.result.findings.push(f);
    j
}

fn not_run(mut j: Job) -> Job {
    j.result = JobResult::default();
    j.matched_by.clear();
    j
}

fn run_of(jobs: Vec<Job>) -> Run {
    let mut batches: BTreeMap<u32, crate::core::model::Batch> = BTreeMap::new();
    for j in jobs {
        batches
            .entry(j.batch)
            .or_insert_with(|| Batch { number: j.batch, name: format!("Batch {}", j.batch), ..Batch::default() })
            .jobs
            .push(j);
    }
    Run { title: "test phase".into(), batches: batches.into_values().collect(), ..Run::default() }
}

fn decide_with(run: &Run, history: &History, overrides: &Overrides) -> Decision {
    let input = Input {
        run,
        history,
        thresholds: Thresholds::default(),
        overrides,
        prices: Prices::default(),
        outputs: &Default::default(),
    };
    decide(&input).expect("a failed job")
}

fn plain(run: &Run) -> Decision {
    decide_with(run, &History::default(), &Overrides::default())
}

fn rule<'a>(d: &'a Decision, id: &str) -> &'a Step {
    d.step(id.parse().expect("a step id")).expect("step present")
}

fn import_error(file: &str) -> Finding {
    finding(file, 1, "ModuleNotFoundError", "No module named 'app.api'", "import")
}

/// Three batches of two jobs; batch 3's API test fails on an import; nothing after it.
fn api_test_failure() -> Run {
    run_of(vec![
        job("b1-models", 1, "app/models.py", "Create the models", 12000),
        job("b1-storage", 1, "app/storage.py", "Create the storage layer", 14000),
        job("b2-api", 2, "app/api.py", "Create the API; import from app.storage", 16000),
        job("b2-cli", 2, "app/cli.py", "Create the CLI", 11000),
        job("b3-storage-tests", 3, "tests/test_storage.py", "Test the storage", 15000),
        failed(
            job("b3-api-tests", 3, "tests/test_api.py", "Test the API handlers", 13000),
            import_error("tests/test_api.py"),
        ),
    ])
}

#[test]
fn targeted_recovery_of_the_last_batch_keeps_everything_else() {
    let d = plain(&api_test_failure());
    assert_eq!(d.verdict, Verdict::TargetedRecovery);
    assert_eq!(d.scope, Scope::FixBatchOnly);
    assert_eq!(d.failing_batch, 3);
    assert_eq!(d.preserved_batches, vec![1, 2]);
    assert_eq!(d.skip_validation_batches, vec![1, 2]);
    assert_eq!(d.rerun_jobs.len(), 1);
    assert_eq!(d.rerun_jobs[0].job, "b3-api-tests");
    assert_eq!(d.rerun_jobs[0].reason, "validation: ModuleNotFoundError in tests/test_api.py:1");
    assert_eq!(d.rerun_jobs[0].class, "import");
    assert_eq!(d.continue_from_batch, None);
    assert_eq!(rule(&d, "Q1").answer, "batch 3 failed; kept so far: 1, 2; ran after it: none");
    assert_eq!(rule(&d, "Q2").answer, "no; scope fix_batch_only");
    assert_eq!(rule(&d, "Q3").answer, "no");
    assert_eq!(rule(&d, "R7").fired, Some(true));
    assert_eq!(rule(&d, "R7").decided, Some(true));
    for r in ["R1", "R2", "R3", "R4", "R5", "R6"] {
        assert_eq!(rule(&d, r).fired, Some(false), "{r}");
        assert_eq!(rule(&d, r).decided, Some(false), "{r}");
    }
}

#[test]
fn later_batches_that_never_ran_are_continued_from() {
    let mut r = api_test_failure();
    r.batches.push(Batch {
        number: 4,
        jobs: vec![not_run(job("b4-e2e", 4, "tests/test_e2e.py", "End to end via app.api", 0))],
        ..Batch::default()
    });
    r.batches.push(Batch {
        number: 5,
        jobs: vec![not_run(job("b5-docs", 5, "docs/TESTING.md", "Write docs", 0))],
        ..Batch::default()
    });
    let d = plain(&r);
    assert_eq!(d.verdict, Verdict::TargetedRecovery);
    assert_eq!(d.scope, Scope::FixThenContinue);
    assert_eq!(d.continue_from_batch, Some(4));
    assert!(d.rerun_batches_after.is_empty());
    assert_eq!(d.preserved_batches, vec![1, 2]);
    assert!(rule(&d, "Q2").evidence.contains(&"batch 4 has not run yet; it runs after the fix".to_string()));
}

#[test]
fn a_later_batch_that_ran_and_reads_the_repaired_file_re_runs() {
    let mut r = api_test_failure();
    let mut b4 = job("b4-report", 4, "tools/report.py", "Summarise the results of tests/test_api.py", 9000);
    b4.id = "b4-report".into();
    r.batches.push(Batch { number: 4, jobs: vec![b4], ..Batch::default() });
    r.batches.push(Batch {
        number: 5,
        jobs: vec![job("b5-docs", 5, "docs/TESTING.md", "Write docs", 8000)],
        ..Batch::default()
    });
    let d = plain(&r);
    assert_eq!(d.verdict, Verdict::TargetedRecovery);
    assert_eq!(d.scope, Scope::FixThenContinue);
    assert_eq!(d.rerun_batches_after, vec![4]);
    assert_eq!(d.continue_from_batch, Some(4));
    assert_eq!(d.preserved_batches, vec![1, 2, 5]);
    let q2 = rule(&d, "Q2");
    assert_eq!(q2.answer, "yes: re-run b4-report (batch 4); scope fix_then_continue, continue from batch 4");
    assert!(q2.evidence.iter().any(|e| e == "batch 4 must re-run: b4-report reads what the repair changes (prompt of b4-report line 1 names tests/test_api.py)"), "{:?}", q2.evidence);
    assert!(q2.evidence.contains(&"batch 5 ran, passed and reads nothing the repair changes: kept".to_string()));
}

#[test]
fn a_later_batch_that_ran_and_reads_nothing_repaired_is_kept() {
    let mut r = api_test_failure();
    r.batches.push(Batch {
        number: 4,
        jobs: vec![job("b4-docs", 4, "docs/API.md", "Document app/api.py", 9000)],
        ..Batch::default()
    });
    let d = plain(&r);
    assert_eq!(d.scope, Scope::FixBatchOnly);
    assert_eq!(d.preserved_batches, vec![1, 2, 4]);
    assert_eq!(d.continue_from_batch, None);
}

#[test]
fn q2_override_forces_later_batches_to_re_run() {
    let mut r = api_test_failure();
    r.batches.push(Batch {
        number: 4,
        jobs: vec![job("b4-docs", 4, "docs/API.md", "Document app/api.py", 9000)],
        ..Batch::default()
    });
    let mut o = Overrides::default();
    o.answers.insert(StepId::Q2, Override { answer: true, reason: "the docs quote the tests".into() });
    let d = decide_with(&r, &History::default(), &o);
    assert_eq!(d.rerun_batches_after, vec![4]);
    assert_eq!(d.scope, Scope::FixThenContinue);
    assert_eq!(rule(&d, "Q2").overridden.as_deref(), Some("the docs quote the tests"));
}

#[test]
fn r1_two_failed_recoveries_escalate_to_a_full_restart() {
    let r = api_test_failure();
    let mut h = History::default();
    h.failed_recoveries.insert("b3-api-tests".into(), 1);
    let d = decide_with(&r, &h, &Overrides::default());
    assert_eq!(d.verdict, Verdict::TargetedRecovery);
    assert_eq!(rule(&d, "R1").evidence, vec!["b3-api-tests: 1 failed recovery attempt of 2"]);
    h.failed_recoveries.insert("b3-api-tests".into(), 2);
    let d = decide_with(&r, &h, &Overrides::default());
    assert_eq!(d.verdict, Verdict::FullRestart);
    assert!(d.escalated);
    assert_eq!(d.scope, Scope::WholePhase);
    assert_eq!(d.continue_from_batch, Some(1));
    assert!(d.preserved_batches.is_empty());
    assert_eq!(d.rerun_jobs.len(), 6);
    assert_eq!(rule(&d, "R1").fired, Some(true));
    assert_eq!(rule(&d, "R1").evidence, vec!["b3-api-tests has 2 failed recovery attempts (limit 2)"]);
    // Later rules are still evaluated and recorded, but do not decide; rule 7 (otherwise) does
    // not fire when a rule before it did.
    assert_eq!(rule(&d, "R1").decided, Some(true));
    assert_eq!(rule(&d, "R7").fired, Some(false));
    let decided: Vec<&str> = d.rationale.iter().filter(|s| s.decided == Some(true)).map(|s| s.step.as_str()).collect();
    assert_eq!(decided, vec!["R1"]);
}

#[test]
fn r2_architectural_failure_is_systemic() {
    let mut r = api_test_failure();
    let j = &mut r.batches[2].jobs[1];
    j.result.findings =
        vec![finding("tests/test_api.py", 8, "OperationalError", "no such column: tasks.priority", "architectural")];
    let d = plain(&r);
    assert_eq!(d.verdict, Verdict::FullRestart);
    assert!(!d.escalated);
    assert_eq!(rule(&d, "Q3").answer, "yes");
    assert_eq!(
        rule(&d, "Q3").evidence,
        vec!["b3-api-tests is classed architectural: validation: OperationalError in tests/test_api.py:8"]
    );
    assert_eq!(rule(&d, "R2").fired, Some(true));
}

#[test]
fn r2_the_same_error_in_two_batches_is_a_cascade() {
    let mut r = api_test_failure();
    let j = r.batches[1].jobs.remove(1);
    r.batches[1]
        .jobs
        .push(failed(j, finding("app/cli.py", 1, "ModuleNotFoundError", "No module named 'app.api'", "import")));
    let d = plain(&r);
    assert_eq!(d.failing_batch, 2);
    assert_eq!(d.verdict, Verdict::FullRestart);
    assert!(
        rule(&d, "Q3").evidence[0].starts_with("the same error in batches 2, 3: b2-cli, b3-api-tests"),
        "{:?}",
        rule(&d, "Q3").evidence
    );
}

#[test]
fn r2_the_same_error_in_most_jobs_of_the_batch_is_systemic() {
    let mut r = api_test_failure();
    let j = r.batches[2].jobs.remove(0);
    r.batches[2].jobs.insert(0, failed(j, import_error("tests/test_storage.py")));
    let d = plain(&r);
    assert_eq!(d.verdict, Verdict::FullRestart);
    assert_eq!(
        rule(&d, "Q3").evidence,
        vec!["the same error in 2 of 2 jobs of batch 3: validation: ModuleNotFoundError in tests/test_storage.py:1"]
    );
}

#[test]
fn q3_override_no_lets_recovery_go_on() {
    let mut r = api_test_failure();
    r.batches[2].jobs[1].result.findings =
        vec![finding("tests/test_api.py", 8, "OperationalError", "no such column", "architectural")];
    let mut o = Overrides::default();
    o.answers.insert(StepId::Q3, Override { answer: false, reason: "only the test's fixture is stale".into() });
    let d = decide_with(&r, &History::default(), &o);
    assert_eq!(d.verdict, Verdict::TargetedRecovery);
    assert_eq!(rule(&d, "Q3").overridden.as_deref(), Some("only the test's fixture is stale"));
}

#[test]
fn q3_override_yes_marks_the_spec_wrong() {
    let r = api_test_failure();
    let mut o = Overrides::default();
    o.answers.insert(StepId::Q3, Override { answer: true, reason: "the FRD names the wrong module".into() });
    let d = decide_with(&r, &History::default(), &o);
    assert_eq!(d.verdict, Verdict::FullRestart);
    assert_eq!(rule(&d, "R2").fired, Some(true));
}

#[test]
fn r3_a_failed_job_without_its_prompt_cannot_be_recovered() {
    let mut r = api_test_failure();
    r.batches[2].jobs[1].prompt = None;
    let d = plain(&r);
    assert_eq!(d.verdict, Verdict::FullRestart);
    assert_eq!(rule(&d, "R3").fired, Some(true));
    assert_eq!(rule(&d, "R3").evidence, vec!["b3-api-tests: original prompt not found"]);
    let mut r = api_test_failure();
    r.batches[2].jobs[1].outputs.clear();
    let d = plain(&r);
    assert_eq!(rule(&d, "R3").evidence, vec!["b3-api-tests: output file not named"]);
}

/// A syntax error in batch 1 of 2, batch 2 never ran: little of the run is kept by a recovery.
fn syntax_error_in_batch_1() -> Run {
    run_of(vec![
        failed(
            job("b1-models", 1, "app/models.py", "models", 12000),
            finding("app/models.py", 3, "SyntaxError", "invalid syntax", "syntax"),
        ),
        job("b1-storage", 1, "app/storage.py", "storage", 14000),
        not_run(job("b2-api", 2, "app/api.py", "api", 0)),
    ])
}

#[test]
fn r4_a_failure_in_batch_1_has_little_to_preserve() {
    let r = syntax_error_in_batch_1();
    let d = plain(&r);
    assert_eq!(d.verdict, Verdict::FullRestart);
    assert_eq!(rule(&d, "R4").fired, Some(true));
    assert_eq!(rule(&d, "R4").answer, "yes: preserved 0 of 39,000 tokens (0.0%, minimum 25%); 1 figure(s) estimated");
}

#[test]
fn r5_recovery_that_costs_nearly_a_restart_is_not_worth_it() {
    let r = run_of(vec![
        job("b1-small", 1, "a/small.py", "small", 3000),
        failed(
            job("b2-huge", 2, "a/huge.py", "huge", 7000),
            finding("a/huge.py", 9, "TypeError", "unsupported operand", "type"),
        ),
    ]);
    let d = plain(&r);
    assert_eq!(rule(&d, "R4").fired, Some(false));
    assert_eq!(rule(&d, "R5").fired, Some(true));
    assert_eq!(d.verdict, Verdict::FullRestart);
    assert!(rule(&d, "R5").answer.starts_with("yes: recovery "), "{}", rule(&d, "R5").answer);
}

#[test]
fn r6_transient_failures_are_retried_as_is() {
    let mut r = api_test_failure();
    let j = &mut r.batches[2].jobs[1];
    j.result.findings = vec![
        Finding {
            file: Some("tests/test_api.py".into()),
            error_type: "agent_error".into(),
            message: "exceeded retry limit, last status: 429 Too Many Requests".into(),
            source: "logs/b3-api-tests.jsonl".into(),
            class: Some("transient".into()),
            line: None,
        },
        Finding {
            file: Some("tests/test_api.py".into()),
            error_type: "missing_output".into(),
            message: "expected output tests/test_api.py does not exist after the job ran".into(),
            source: "b3.sh:20".into(),
            class: Some("missing_output".into()),
            line: None,
        },
    ];
    let d = plain(&r);
    assert_eq!(d.verdict, Verdict::RetryAsIs);
    assert_eq!(rule(&d, "R6").fired, Some(true));
    assert_eq!(rule(&d, "R6").evidence, vec!["b3-api-tests: transient"]);
    assert_eq!(d.rerun_jobs[0].reason, "agent: exceeded retry limit, last status: 429 Too Many Requests");
    assert_eq!(d.scope, Scope::FixBatchOnly);
}

#[test]
fn nothing_failed_means_no_decision() {
    let mut r = api_test_failure();
    r.batches[2].jobs[1].result.status = Status::Passed;
    r.batches[2].jobs[1].result.findings.clear();
    let input = Input {
        run: &r,
        history: &History::default(),
        thresholds: Thresholds::default(),
        overrides: &Overrides::default(),
        prices: Prices::default(),
        outputs: &Default::default(),
    };
    assert!(decide(&input).is_none());
}

#[test]
fn thresholds_come_from_config() {
    let r = api_test_failure();
    let t = Thresholds { min_preserved_fraction: 0.9, ..Thresholds::default() };
    let input = Input {
        run: &r,
        history: &History::default(),
        thresholds: t,
        overrides: &Overrides::default(),
        prices: Prices::default(),
        outputs: &Default::default(),
    };
    let d = decide(&input).unwrap();
    assert_eq!(d.verdict, Verdict::FullRestart);
    assert!(rule(&d, "R4").answer.ends_with("minimum 90%)"), "{}", rule(&d, "R4").answer);
}

fn arb_run() -> impl Strategy<Value = (Run, BTreeMap<String, u32>)> {
    // 1..5 batches of 1..4 jobs; each job passes, fails (some class) or never ran.
    let classes = prop::sample::select(vec!["import", "syntax", "test", "transient", "architectural", "type"]);
    let job_s = (0u8..3, classes, 1000u64..50_000, any::<bool>());
    prop::collection::vec(prop::collection::vec(job_s, 1..4), 1..5).prop_flat_map(|batches| {
        let mut jobs = Vec::new();
        for (bi, b) in batches.iter().enumerate() {
            for (ji, (state, class, tokens, mentions_prev)) in b.iter().enumerate() {
                let n = bi as u32 + 1;
                let prev =
                    if *mentions_prev && bi > 0 { format!("reads out/b{}_0.py", bi) } else { "standalone".into() };
                let mut j = job(&format!("b{n}-{ji}"), n, &format!("out/b{n}_{ji}.py"), &prev, *tokens);
                match state {
                    0 => {}
                    1 => {
                        j = failed(
                            j,
                            finding(&format!("out/b{n}_{ji}.py"), 2, "Error", &format!("boom {class}"), class),
                        )
                    }
                    _ => j = not_run(j),
                }
                jobs.push(j);
            }
        }
        let r = run_of(jobs);
        let ids: Vec<String> = r.jobs().map(|j| j.id.clone()).collect();
        let hist = prop::collection::btree_map(prop::sample::select(ids), 0u32..3, 0..3);
        (Just(r), hist)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn the_same_input_gives_the_same_json((r, h) in arb_run()) {
        let history = History { failed_recoveries: h };
        let o = Overrides::default();
        let input = Input { run: &r, history: &history, thresholds: Thresholds::default(), overrides: &o, prices: Prices::default(), outputs: &Default::default() };
        let a = decide(&input).map(|d| serde_json::to_string(&d).unwrap());
        let b = decide(&input).map(|d| serde_json::to_string(&d).unwrap());
        prop_assert_eq!(a, b);
    }

    #[test]
    fn a_failed_recovery_never_turns_a_full_restart_into_a_recovery((r, h) in arb_run(), pick in any::<prop::sample::Index>()) {
        let history = History { failed_recoveries: h };
        let o = Overrides::default();
        let input = Input { run: &r, history: &history, thresholds: Thresholds::default(), overrides: &o, prices: Prices::default(), outputs: &Default::default() };
        let Some(before) = decide(&input) else { return Ok(()) };
        let ids: Vec<String> = r.jobs().map(|j| j.id.clone()).collect();
        let id = pick.get(&ids).clone();
        let mut more = history.clone();
        *more.failed_recoveries.entry(id).or_insert(0) += 1;
        let input = Input { run: &r, history: &more, thresholds: Thresholds::default(), overrides: &o, prices: Prices::default(), outputs: &Default::default() };
        let after = decide(&input).unwrap();
        if before.verdict == Verdict::FullRestart {
            prop_assert_eq!(after.verdict, Verdict::FullRestart);
        }
    }
}

/// Exactly `decided` decides; `fired` are the rules whose condition holds.
fn assert_marks(d: &Decision, decided: &str, fired: &[&str]) {
    for r in ["R1", "R2", "R3", "R4", "R5", "R6", "R7"] {
        assert_eq!(rule(d, r).decided, Some(r == decided), "{r} decided");
        assert_eq!(rule(d, r).fired, Some(fired.contains(&r)), "{r} fired: {:?}", rule(d, r));
    }
    assert_eq!(d.deciding().map(|s| s.step.as_str()), Some(decided));
}

#[test]
fn every_rule_of_the_table_is_in_the_trail_in_order() {
    let d = plain(&api_test_failure());
    let ids: Vec<StepId> = d.rationale.iter().map(|s| s.step).collect();
    assert_eq!(ids, StepId::ALL);
    let table: Vec<StepId> = rules::RULES.iter().map(|r| r.id.step()).collect();
    assert_eq!(table, &StepId::ALL[3..]);
}

#[test]
fn r1_marks_and_evidence() {
    let mut h = History::default();
    h.failed_recoveries.insert("b3-api-tests".into(), 2);
    let d = decide_with(&api_test_failure(), &h, &Overrides::default());
    assert_marks(&d, "R1", &["R1"]);
    assert_eq!(rule(&d, "R1").answer, "yes: full restart, escalated; never a third recovery of that job");
    assert_eq!(rule(&d, "R7").answer, "no: a rule before it fired");
    assert!(d.cost.savings.is_none(), "a restart claims no savings");
    assert!(d.cost.recovery.tokens > 0, "it says what a recovery would have cost");
}

#[test]
fn r2_marks_and_evidence() {
    let mut r = api_test_failure();
    r.batches[2].jobs[1].result.findings =
        vec![finding("tests/test_api.py", 8, "OperationalError", "no such column: tasks.priority", "architectural")];
    let d = plain(&r);
    assert_marks(&d, "R2", &["R2"]);
    assert_eq!(rule(&d, "R2").evidence, vec!["Q3 answered yes"]);
    assert_eq!(d.cost.savings, None);
}

#[test]
fn r2_an_interface_mismatch_found_in_an_earlier_output_is_architectural() {
    let mut r = api_test_failure();
    r.batches[2].jobs[1].result.findings = vec![finding(
        "tests/test_api.py",
        14,
        "TypeError",
        "RateLimiter.__init__() got an unexpected keyword argument 'burst'",
        "type",
    )];
    let texts: OutputTexts = [(
        "app/storage.py".to_string(),
        "import time\n\n\nclass RateLimiter:\n    def __init__(self, rate, capacity):\n        self.rate = rate\n"
            .to_string(),
    )]
    .into();
    let input = Input {
        run: &r,
        history: &History::default(),
        thresholds: Thresholds::default(),
        overrides: &Overrides::default(),
        prices: Prices::default(),
        outputs: &texts,
    };
    let d = decide(&input).unwrap();
    assert_marks(&d, "R2", &["R2"]);
    assert_eq!(rule(&d, "Q3").evidence[1], "  defined at app/storage.py:4 (b1-storage of batch 1)");
    assert!(rule(&d, "Q3").evidence[2].starts_with("  used at tests/test_api.py:14: TypeError: RateLimiter"));
    // Without the earlier output's text it is an ordinary type error: a targeted recovery.
    let d = plain(&r);
    assert_marks(&d, "R7", &["R7"]);
    assert_eq!(d.rerun_jobs[0].class, "type");
}

#[test]
fn r3_marks_and_evidence() {
    let mut r = api_test_failure();
    r.batches[2].jobs[1].outputs.clear();
    let d = plain(&r);
    assert_marks(&d, "R3", &["R3"]);
    assert_eq!(rule(&d, "R3").answer, "yes: full restart unless they are supplied");
}

#[test]
fn r4_marks_and_evidence() {
    let r = syntax_error_in_batch_1();
    let d = plain(&r);
    assert_marks(&d, "R4", &["R4"]);
    assert_eq!(
        rule(&d, "R4").evidence,
        vec![
            "preserved batches: none",
            "estimated: b2-api (never ran) counts 13,000 tokens, the average of the run's 2 job(s) with tokens"
        ]
    );
}

#[test]
fn r5_marks_and_evidence() {
    let r = run_of(vec![
        job("b1-small", 1, "a/small.py", "small", 3000),
        failed(
            job("b2-huge", 2, "a/huge.py", "huge", 7000),
            finding("a/huge.py", 9, "TypeError", "unsupported operand", "type"),
        ),
    ]);
    let d = plain(&r);
    assert_marks(&d, "R5", &["R5"]);
    // 7,000 for the job again, 1,543 for the recovery prompt (its prompt, error and context).
    assert_eq!(rule(&d, "R4").answer, "no: preserved 3,000 of 10,000 tokens (30.0%, minimum 25%)");
    assert_eq!(rule(&d, "R5").answer, "yes: recovery 8,543 vs full restart 10,000 tokens (85.4%, maximum 80%)");
}

#[test]
fn r6_marks_evidence_and_the_reset_time() {
    let mut r = api_test_failure();
    r.batches[2].jobs[1].result.findings = vec![Finding {
        file: None,
        line: None,
        error_type: "agent_error".into(),
        message: "You've hit your session limit · resets 3:45pm".into(),
        source: "logs/b3-api-tests.jsonl:4".into(),
        class: Some("transient".into()),
    }];
    let d = plain(&r);
    assert_marks(&d, "R6", &["R6"]);
    assert_eq!(
        rule(&d, "R6").evidence,
        vec!["b3-api-tests: transient; a retry can succeed at 3:45 PM (the service's local time)"]
    );
    let retry = d.rerun_jobs[0].retry_after.as_ref().unwrap();
    assert_eq!(retry.when, "at 3:45 PM (the service's local time)");
    assert_eq!(retry.said, "resets 3:45pm");
    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["rerun_jobs"][0]["retry_after"]["when"], "at 3:45 PM (the service's local time)");
}

#[test]
fn r7_marks_and_savings() {
    let d = plain(&api_test_failure());
    assert_marks(&d, "R7", &["R7"]);
    let s = d.cost.savings.expect("a recovery claims its savings");
    assert_eq!(s.tokens, d.cost.full_restart.tokens as i64 - d.cost.recovery.tokens as i64);
}

#[test]
fn a_declared_empty_depends_on_is_never_overridden_by_an_inferred_edge() {
    let mut r = api_test_failure();
    let reader = job("b4-report", 4, "tools/report.py", "Summarise the results of tests/test_api.py", 9000);
    r.batches.push(Batch { number: 4, jobs: vec![reader], depends_on: Some(vec![]), ..Batch::default() });
    let d = plain(&r);
    assert_eq!(d.scope, Scope::FixBatchOnly);
    assert_eq!(d.preserved_batches, vec![1, 2, 4]);
    assert!(d.stale_jobs.is_empty());
    assert!(rule(&d, "Q2").evidence.contains(
        &"not an edge (the manifest declares the dependencies): prompt of b4-report line 1 names tests/test_api.py"
            .to_string()
    ));
    // Job level: a declared job dependency makes exactly that job stale, not its batch mates.
    let mut r = api_test_failure();
    let a = job("b4-a", 4, "tools/a.py", "standalone", 9000);
    let b = job("b4-b", 4, "tools/b.py", "standalone", 9000);
    r.batches.push(Batch { number: 4, jobs: vec![a, b], ..Batch::default() });
    r.job_depends_on.insert("b4-b".into(), vec!["b3-api-tests".into()]);
    let d = plain(&r);
    assert_eq!(d.stale_jobs.keys().collect::<Vec<_>>(), ["b4-b"]);
    assert_eq!(d.rerun_batches_after, vec![4]);
    assert_eq!(rule(&d, "Q2").answer, "yes: re-run b4-b (batch 4); scope fix_then_continue, continue from batch 4");
}

#[test]
fn stale_jobs_are_transitive_and_costed_one_by_one() {
    let mut r = api_test_failure();
    r.batches.push(Batch {
        number: 4,
        jobs: vec![
            job("b4-report", 4, "tools/report.py", "Summarise tests/test_api.py", 9000),
            job("b4-other", 4, "tools/other.py", "standalone", 50_000),
        ],
        ..Batch::default()
    });
    r.batches.push(Batch {
        number: 5,
        jobs: vec![job("b5-mail", 5, "tools/mail.py", "Mail what tools/report.py prints", 7000)],
        ..Batch::default()
    });
    let d = plain(&r);
    assert_eq!(d.stale_jobs.keys().collect::<Vec<_>>(), ["b4-report", "b5-mail"]);
    assert_eq!(d.rerun_batches_after, vec![4, 5]);
    let repaired = 13_000;
    let prompt = d.cost.recovery.tokens - repaired - 9000 - 7000;
    assert!(prompt > 0 && prompt < 3000, "b4-other (50,000) is not costed: {prompt}");
}

#[test]
fn unknown_times_stay_unknown() {
    let mut r = api_test_failure();
    for b in &mut r.batches {
        for j in &mut b.jobs {
            j.result.duration_s = None;
        }
    }
    let d = plain(&r);
    assert_eq!(d.cost.full_restart.seconds, None);
    assert_eq!(d.cost.savings.unwrap().seconds_pct, None);
}
