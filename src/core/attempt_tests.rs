//! The attempt state machine: state + event -> state + effects, no IO.

use super::*;
use chrono::TimeZone;

fn at(s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, s).unwrap()
}

fn v(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

fn plan() -> Plan {
    Plan {
        job: "b2-render".into(),
        number: 1,
        kind: AttemptKind::TargetedRecovery,
        outputs: v(&["notes/render.py", "notes/extra.py"]),
        prompt: "Create notes/render.py; fix the missing ':'".into(),
        prompt_origin: PromptOrigin::Reviser,
        generator: v(&["codex", "exec", "-"]),
        validations: vec![
            Validation {
                argv: v(&["python3", "-m", "py_compile", "notes/render.py"]),
                requires: Some("notes/render.py".into()),
            },
            Validation {
                argv: v(&["python3", "-m", "py_compile", "notes/extra.py"]),
                requires: Some("notes/extra.py".into()),
            },
        ],
        timeout_s: 900,
    }
}

fn ok_run(log: &str) -> RawRun {
    RawRun { exit_code: Some(0), log: log.into(), ..RawRun::default() }
}

/// Start with a snapshot and write the prompt: the machine is then generating.
fn generating() -> Machine {
    let mut m = Machine::new(plan());
    assert_eq!(
        m.handle(Event::Start { snapshot: Some("s1".into()), at: at(0) }, at(0)),
        vec![Effect::WritePrompt { text: "Create notes/render.py; fix the missing ':'".into() }]
    );
    let fx = m.handle(Event::PromptWritten, at(1));
    assert_eq!(fx.len(), 2);
    let Effect::RecordStarted(a) = &fx[0] else { panic!("{fx:?}") };
    assert_eq!((a.outcome, a.snapshot.as_deref(), a.started_at), (AttemptOutcome::Running, Some("s1"), at(0)));
    assert_eq!(a.prompt_origin, Some(PromptOrigin::Reviser));
    assert_eq!(fx[1], Effect::RunGenerator { argv: v(&["codex", "exec", "-"]), stdin: plan().prompt, timeout_s: 900 });
    assert_eq!(m.phase(), &Phase::Generating);
    m
}

fn ended(fx: &[Effect]) -> &Attempt {
    match fx {
        [Effect::RecordEnded(a)] => a,
        other => panic!("expected the end, got {other:?}"),
    }
}

#[test]
fn without_a_snapshot_it_takes_one_before_anything_runs() {
    let mut m = Machine::new(plan());
    let fx = m.handle(Event::Start { snapshot: None, at: at(0) }, at(0));
    assert_eq!(fx, vec![Effect::TakeSnapshot { outputs: v(&["notes/render.py", "notes/extra.py"]) }]);
    assert_eq!(m.phase(), &Phase::Snapshotting);
    assert_eq!(m.handle(Event::PromptWritten, at(1)), vec![], "no prompt before the snapshot");
    let fx = m.handle(Event::SnapshotTaken { id: "s9".into() }, at(1));
    assert!(matches!(&fx[..], [Effect::WritePrompt { .. }]), "{fx:?}");
    assert_eq!(m.attempt().snapshot.as_deref(), Some("s9"));
}

#[test]
fn a_clean_generator_and_clean_validations_pass() {
    let mut m = generating();
    let fx = m.handle(Event::GeneratorDone { run: ok_run("g.out"), agent_failure: None, missing: vec![] }, at(5));
    assert_eq!(fx, vec![Effect::RunValidation { index: 0, argv: plan().validations[0].argv.clone(), timeout_s: 900 }]);
    let fx = m.handle(Event::ValidationDone { index: 0, run: ok_run("v1.out"), findings: vec![] }, at(6));
    assert!(matches!(&fx[..], [Effect::RunValidation { index: 1, .. }]), "{fx:?}");
    let fx = m.handle(Event::ValidationDone { index: 1, run: ok_run("v2.out"), findings: vec![] }, at(7));
    let a = ended(&fx);
    assert_eq!((a.outcome, a.exit_code, a.ended_at), (AttemptOutcome::Passed, Some(0), Some(at(7))));
    assert!(a.findings.is_empty());
    assert_eq!(m.phase(), &Phase::Ended(AttemptOutcome::Passed));
    assert_eq!(m.handle(Event::ValidationDone { index: 1, run: ok_run("x"), findings: vec![] }, at(8)), vec![]);
}

#[test]
fn a_missing_output_is_a_finding_and_its_validation_is_skipped() {
    let mut m = generating();
    let fx = m.handle(
        Event::GeneratorDone { run: ok_run("g.out"), agent_failure: None, missing: v(&["notes/render.py"]) },
        at(5),
    );
    assert!(matches!(&fx[..], [Effect::RunValidation { index: 1, .. }]), "the first is skipped: {fx:?}");
    let a = ended(&m.handle(Event::ValidationDone { index: 1, run: ok_run("v2"), findings: vec![] }, at(6))).clone();
    assert_eq!(a.outcome, AttemptOutcome::Failed);
    assert_eq!(a.findings.len(), 1);
    assert_eq!(a.findings[0].error_type, "missing_output");
    assert_eq!(a.findings[0].message, "`notes/render.py` does not exist after the generator ran");
}

#[test]
fn an_agent_failure_fails_the_attempt_even_at_exit_zero() {
    let mut m = generating();
    m.handle(
        Event::GeneratorDone {
            run: ok_run("g.out"),
            agent_failure: Some("You've hit your usage limit.".into()),
            missing: vec![],
        },
        at(5),
    );
    m.handle(Event::ValidationDone { index: 0, run: ok_run("v1"), findings: vec![] }, at(6));
    let a = ended(&m.handle(Event::ValidationDone { index: 1, run: ok_run("v2"), findings: vec![] }, at(7))).clone();
    assert_eq!(a.outcome, AttemptOutcome::Failed);
    assert_eq!(a.findings[0].error_type, "agent_failure");
    assert_eq!(a.findings[0].message, "You've hit your usage limit.");
    assert_eq!(a.findings[0].source, "g.out");
}

#[test]
fn a_failed_generator_names_its_command_and_last_line() {
    let mut m = generating();
    let run = RawRun {
        exit_code: Some(3),
        last_line: Some((7, "error: no model".into())),
        log: "g.out".into(),
        ..RawRun::default()
    };
    m.handle(Event::GeneratorDone { run, agent_failure: None, missing: vec![] }, at(5));
    m.handle(Event::ValidationDone { index: 0, run: ok_run("v1"), findings: vec![] }, at(6));
    let a = ended(&m.handle(Event::ValidationDone { index: 1, run: ok_run("v2"), findings: vec![] }, at(7))).clone();
    assert_eq!(a.outcome, AttemptOutcome::Failed);
    assert_eq!(a.exit_code, Some(3));
    assert_eq!(a.findings[0].message, "`codex exec -` exited 3: error: no model");
}

#[test]
fn a_failing_validation_without_parsed_findings_quotes_its_last_line() {
    let mut m = generating();
    m.handle(Event::GeneratorDone { run: ok_run("g.out"), agent_failure: None, missing: vec![] }, at(5));
    let run = RawRun {
        exit_code: Some(1),
        last_line: Some((4, "SyntaxError: expected ':'".into())),
        log: "v1.out".into(),
        ..RawRun::default()
    };
    m.handle(Event::ValidationDone { index: 0, run, findings: vec![] }, at(6));
    let a = ended(&m.handle(Event::ValidationDone { index: 1, run: ok_run("v2"), findings: vec![] }, at(7))).clone();
    assert_eq!(a.outcome, AttemptOutcome::Failed);
    assert_eq!(a.findings[0].error_type, "validation_failed");
    assert_eq!(a.findings[0].message, "`python3 -m py_compile notes/render.py` exited 1: SyntaxError: expected ':'");
    assert_eq!(a.findings[0].source, "v1.out:4");
}

#[test]
fn parsed_findings_stand_for_the_failure() {
    let mut m = generating();
    m.handle(Event::GeneratorDone { run: ok_run("g.out"), agent_failure: None, missing: vec![] }, at(5));
    let f = Finding {
        file: Some("notes/render.py".into()),
        line: Some(4),
        error_type: "SyntaxError".into(),
        message: "expected ':'".into(),
        source: "v1.out:2".into(),
        class: None,
    };
    let run = RawRun { exit_code: Some(1), log: "v1.out".into(), ..RawRun::default() };
    m.handle(Event::ValidationDone { index: 0, run, findings: vec![f.clone()] }, at(6));
    let a = ended(&m.handle(Event::ValidationDone { index: 1, run: ok_run("v2"), findings: vec![] }, at(7))).clone();
    assert_eq!(a.findings, vec![f]);
}

#[test]
fn timeouts_and_cancels_end_at_once_as_timed_out_and_aborted() {
    let mut m = generating();
    let run = RawRun { timed_out: true, log: "g.out".into(), ..RawRun::default() };
    let a = ended(&m.handle(Event::GeneratorDone { run, agent_failure: None, missing: vec![] }, at(5))).clone();
    assert_eq!(a.outcome, AttemptOutcome::TimedOut);
    assert_eq!(a.findings[0].message, "`codex exec -` timed out after 900 s");

    let mut m = generating();
    let run = RawRun { cancelled: true, signal: Some(15), log: "g.out".into(), ..RawRun::default() };
    let a = ended(&m.handle(Event::GeneratorDone { run, agent_failure: None, missing: vec![] }, at(5))).clone();
    assert_eq!(a.outcome, AttemptOutcome::Aborted);
    assert!(a.findings.is_empty());

    let mut m = generating();
    m.handle(Event::GeneratorDone { run: ok_run("g.out"), agent_failure: None, missing: vec![] }, at(5));
    let run = RawRun { cancelled: true, log: "v1.out".into(), ..RawRun::default() };
    let a = ended(&m.handle(Event::ValidationDone { index: 0, run, findings: vec![] }, at(6))).clone();
    assert_eq!(a.outcome, AttemptOutcome::Aborted);
}

#[test]
fn a_validation_that_cannot_start_is_a_finding_and_the_next_one_still_runs() {
    let mut m = generating();
    m.handle(Event::GeneratorDone { run: ok_run("g.out"), agent_failure: None, missing: vec![] }, at(5));
    let fx = m.handle(
        Event::ValidationNotStarted { index: 0, message: "program not found: `python3`".into(), log: "v1.out".into() },
        at(6),
    );
    assert!(matches!(&fx[..], [Effect::RunValidation { index: 1, .. }]), "{fx:?}");
    let a = ended(&m.handle(Event::ValidationDone { index: 1, run: ok_run("v2"), findings: vec![] }, at(7))).clone();
    assert_eq!(a.outcome, AttemptOutcome::Failed);
    assert_eq!(
        a.findings[0].message,
        "`python3 -m py_compile notes/render.py` could not run: program not found: `python3`"
    );
}

#[test]
fn an_attempt_that_could_not_start_is_abandoned_not_recorded() {
    let mut m = Machine::new(plan());
    m.handle(Event::Start { snapshot: Some("s1".into()), at: at(0) }, at(0));
    m.handle(Event::PromptWritten, at(1));
    let fx = m.handle(Event::NotRun { message: "program not found: `codex`".into() }, at(2));
    assert_eq!(fx, vec![Effect::Abandon { message: "program not found: `codex`".into() }]);
    assert_eq!(m.phase(), &Phase::NotRun("program not found: `codex`".into()));
}
