//! The attempt driver with real processes: `core::attempt`'s machine, performed by `drive` with
//! `exec`'s commands. The configured commands here are test fixtures (`sh`, `python3`).

use super::*;
use crate::core::model::{FixedClock, Job, PromptOrigin};
use crate::exec::process::Stream;
use crate::exec::test_support::*;
use crate::exec::ExecError;
use chrono::{TimeZone, Utc};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What one attempt left: the attempt and the logs in its directory.
#[derive(Debug)]
struct Report {
    attempt: Attempt,
    generator_log: PathBuf,
    validation_logs: Vec<PathBuf>,
}

async fn run_attempt(
    spec: AttemptSpec,
    cancel: watch::Receiver<bool>,
    clock: &FixedClock,
    on_event: impl FnMut(AttemptEvent) + Send,
) -> Result<Report, NotRun> {
    let dir = spec.attempt_dir.clone();
    let attempt = run_one(spec, "s1", cancel, clock, on_event).await?;
    let mut validation_logs: Vec<PathBuf> = (1..10).map(|k| dir.join(format!("validate-{k}.out"))).collect();
    validation_logs.retain(|p| p.is_file());
    Ok(Report { attempt, generator_log: dir.join("generator.stdout"), validation_logs })
}

/// Several attempts through [`run`], with a state directory under `root`.
async fn run_attempts(
    root: &Path,
    specs: Vec<AttemptSpec>,
    concurrency: usize,
    cancel: watch::Receiver<bool>,
    on_event: impl FnMut(AttemptEvent) + Send,
) -> Vec<Ended> {
    let store = Arc::new(StateDir::open(&root.join(".recover"), root, &clock()).unwrap());
    let attempts = specs.into_iter().map(|s| running(s, "s1", clock().0).unwrap()).collect();
    let begun = Begun {
        step: StepKind::Repair,
        snapshot: String::new(),
        attempts,
        snapshot_taken: false,
        store,
        concurrency,
        clock: Arc::new(clock()),
    };
    run(begun, cancel, on_event).await
}

fn v(s: &[&str]) -> Vec<String> {
    s.iter().map(|x| x.to_string()).collect()
}

fn clock() -> FixedClock {
    FixedClock(Utc.with_ymd_and_hms(2025, 3, 1, 12, 0, 0).unwrap())
}

fn job(id: &str, outputs: &[&str], validate: Vec<Vec<String>>) -> Job {
    Job { id: id.into(), batch: 1, outputs: v(outputs), validate, ..Default::default() }
}

fn defaults() -> BTreeMap<String, Vec<String>> {
    BTreeMap::from([("py".to_string(), v(&["python3", "-m", "py_compile", "{output}"]))])
}

/// A temp project with `gen.py`: writes its stdin to the file named by argv[1].
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("gen.py"),
        "import sys, os\ndata = sys.stdin.read()\nos.makedirs(os.path.dirname(sys.argv[1]) or '.', exist_ok=True)\n\
         open(sys.argv[1], 'w').write(data)\nprint('wrote', sys.argv[1])\n",
    )
    .unwrap();
    dir
}

fn spec(root: &Path, job: Job, prompt: &str, generator: Vec<String>) -> AttemptSpec {
    AttemptSpec {
        attempt_dir: root.join(".recover/attempts").join(&job.id).join("1"),
        job,
        number: 1,
        kind: crate::core::model::AttemptKind::TargetedRecovery,
        prompt: prompt.into(),
        prompt_origin: PromptOrigin::Direct,
        project_root: root.to_path_buf(),
        generator,
        validate_defaults: defaults(),
        timeout: secs(20),
    }
}

/// The generator writes the prompt (its stdin) to the job's output.
fn gen_writes_prompt() -> Vec<String> {
    v(&["python3", "{project_root}/gen.py", "{output}"])
}

#[tokio::test]
async fn broken_output_fails_with_a_validation_finding() {
    let _lock = shared().await;
    let root = project();
    let own = vec![v(&["python3", "-m", "py_compile", "{output}"])];
    let s = spec(root.path(), job("b2-1", &["pkg/mod.py"], own), "def broken(:\n", gen_writes_prompt());
    let dir = s.attempt_dir.clone();
    let mut events = Vec::new();
    let report = run_attempt(s, no_cancel(), &clock(), |e| events.push(e)).await.unwrap();
    let a = &report.attempt;
    assert_eq!(a.outcome, AttemptOutcome::Failed);
    assert_eq!(a.exit_code, Some(0));
    assert_eq!((a.job.as_str(), a.number, a.kind.as_str()), ("b2-1", 1, "targeted_recovery"));
    assert_eq!(a.started_at, clock().0);
    assert_eq!(a.ended_at, Some(clock().0));
    let root_s = std::path::absolute(root.path()).unwrap().to_string_lossy().into_owned();
    assert_eq!(a.command, vec!["python3".to_string(), format!("{root_s}/gen.py"), "pkg/mod.py".to_string()]);
    // The validation output is parsed like any report: the real SyntaxError, not a generic failure.
    assert_eq!(a.findings.len(), 1, "{:?}", a.findings);
    let f = &a.findings[0];
    assert_eq!(f.error_type, "SyntaxError");
    assert_eq!(f.file.as_deref(), Some("pkg/mod.py"));
    assert_eq!(f.line, Some(1));
    let log = dir.join("validate-1.out");
    assert!(f.source.starts_with(&format!("{}:", log.display())), "{}", f.source);
    assert_eq!(report.validation_logs, vec![log.clone()]);
    assert!(std::fs::read_to_string(&log).unwrap().contains("SyntaxError"));
    assert_eq!(report.generator_log, dir.join("generator.stdout"));
    assert_eq!(std::fs::read_to_string(dir.join("generator.stdout")).unwrap(), "wrote pkg/mod.py\n");
    assert_eq!(std::fs::read_to_string(dir.join("prompt.md")).unwrap(), "def broken(:\n");
    assert_eq!(std::fs::read_to_string(root.path().join("pkg/mod.py")).unwrap(), "def broken(:\n");
    assert_eq!(events.first(), Some(&AttemptEvent::Started { job: "b2-1".into() }));
    assert!(events.contains(&AttemptEvent::Output {
        job: "b2-1".into(),
        stream: Stream::Stdout,
        line: "wrote pkg/mod.py".into()
    }));
    let argv = v(&["python3", "-m", "py_compile", "pkg/mod.py"]);
    assert!(events.contains(&AttemptEvent::ValidationStarted { job: "b2-1".into(), argv: argv.clone() }));
    assert!(events.contains(&AttemptEvent::ValidationDone { job: "b2-1".into(), argv, exit_code: Some(1) }));
    assert_eq!(events.last(), Some(&AttemptEvent::Finished { job: "b2-1".into(), outcome: AttemptOutcome::Failed }));
}

#[tokio::test]
async fn good_output_passes_with_per_extension_defaults() {
    let _lock = shared().await;
    let root = project();
    let s = spec(root.path(), job("b2-2", &["ok.py", "notes.txt"], vec![]), "x = 1\n", gen_writes_prompt());
    std::fs::write(root.path().join("notes.txt"), "already there").unwrap();
    let report = run_attempt(s, no_cancel(), &clock(), |_| {}).await.unwrap();
    assert_eq!(report.attempt.outcome, AttemptOutcome::Passed, "{:?}", report.attempt.findings);
    assert!(report.attempt.findings.is_empty());
    assert_eq!(report.attempt.exit_code, Some(0));
    // Only `.py` has a default: one validation ran.
    assert_eq!(report.validation_logs.len(), 1);
    assert!(root.path().join("__pycache__").is_dir());
}

#[tokio::test]
async fn missing_output_is_a_finding_and_skips_its_default_validation() {
    let _lock = shared().await;
    let root = project();
    let s = spec(root.path(), job("b2-3", &["gone.py"], vec![]), "p", v(&["sh", "-c", "cat > /dev/null"]));
    let report = run_attempt(s, no_cancel(), &clock(), |_| {}).await.unwrap();
    let a = &report.attempt;
    assert_eq!(a.outcome, AttemptOutcome::Failed);
    assert_eq!(a.exit_code, Some(0));
    assert_eq!(a.findings.len(), 1);
    assert_eq!(a.findings[0].error_type, "missing_output");
    assert_eq!(a.findings[0].file.as_deref(), Some("gone.py"));
    assert_eq!(a.findings[0].message, "`gone.py` does not exist after the generator ran");
    assert!(report.validation_logs.is_empty());
}

#[tokio::test]
async fn generator_failure_names_the_command_and_its_last_error_line() {
    let _lock = shared().await;
    let root = project();
    std::fs::write(root.path().join("a.py"), "x = 1\n").unwrap();
    let generator = v(&["sh", "-c", "echo working; echo boom >&2; echo >&2; exit 4"]);
    let s = spec(root.path(), job("b2-4", &["a.py"], vec![]), "p", generator);
    let report = run_attempt(s, no_cancel(), &clock(), |_| {}).await.unwrap();
    let a = &report.attempt;
    assert_eq!(a.outcome, AttemptOutcome::Failed);
    assert_eq!(a.exit_code, Some(4));
    assert_eq!(a.findings.len(), 1, "{:?}", a.findings);
    assert_eq!(a.findings[0].error_type, "generator_failed");
    assert_eq!(a.findings[0].message, "`sh -c 'echo working; echo boom >&2; echo >&2; exit 4'` exited 4: boom");
    // Validation still ran on the existing output, and passed.
    assert_eq!(report.validation_logs.len(), 1);
}

#[tokio::test]
async fn prompt_on_stdin_and_in_prompt_file_and_values_stay_single_arguments() {
    let _lock = shared().await;
    let root = project();
    let evil_job = "job 1; $(touch pwned) `touch pwned2`";
    let generator = v(&[
        "python3",
        "-c",
        "import sys, shutil; open('stdin.txt', 'w').write(sys.stdin.read()); \
         shutil.copy(sys.argv[1], 'file.txt'); open('args.txt', 'w').write(repr(sys.argv[2:]))",
        "{prompt_file}",
        "{job}",
        "--out={output}",
    ]);
    let s = spec(root.path(), job(evil_job, &["o u t.py"], vec![]), "the prompt\nline 2\n", generator);
    let report = run_attempt(s, no_cancel(), &clock(), |_| {}).await.unwrap();
    assert_eq!(report.attempt.exit_code, Some(0));
    let read = |n: &str| std::fs::read_to_string(root.path().join(n)).unwrap();
    assert_eq!(read("stdin.txt"), "the prompt\nline 2\n");
    assert_eq!(read("file.txt"), "the prompt\nline 2\n");
    assert_eq!(read("args.txt"), "['job 1; $(touch pwned) `touch pwned2`', '--out=o u t.py']");
    assert!(!root.path().join("pwned").exists() && !root.path().join("pwned2").exists());
    assert_eq!(report.attempt.outcome, AttemptOutcome::Failed); // the output was never written
}

#[tokio::test]
async fn timeout_ends_the_attempt_and_its_grandchildren() {
    let _lock = shared().await;
    let root = project();
    let generator = v(&["sh", "-c", "sleep 300 & echo $! > child.pid; wait"]);
    let mut s = spec(root.path(), job("b2-5", &["a.py"], vec![]), "p", generator);
    s.timeout = millis(600);
    let report = run_attempt(s, no_cancel(), &clock(), |_| {}).await.unwrap();
    let a = &report.attempt;
    assert_eq!(a.outcome, AttemptOutcome::TimedOut);
    assert_eq!(a.exit_code, None);
    assert_eq!(a.findings.len(), 1);
    assert_eq!(a.findings[0].error_type, "timeout");
    assert!(report.validation_logs.is_empty());
    assert!(wait_gone(read_pid(&root.path().join("child.pid"))).await);
}

#[tokio::test]
async fn cancel_aborts_the_attempt() {
    let _lock = shared().await;
    let root = project();
    let (tx, rx) = watch::channel(false);
    let generator = v(&["sh", "-c", "sleep 300 & echo $! > child.pid; wait"]);
    let s = spec(root.path(), job("b2-6", &["a.py"], vec![]), "p", generator);
    let pid_file = root.path().join("child.pid");
    let canceller = async {
        wait_for_file(&pid_file).await;
        tx.send(true).unwrap();
    };
    let clock = clock();
    let (report, ()) = tokio::join!(run_attempt(s, rx, &clock, |_| {}), canceller);
    let report = report.unwrap();
    assert_eq!(report.attempt.outcome, AttemptOutcome::Aborted);
    assert!(report.attempt.findings.is_empty());
    assert!(wait_gone(read_pid(&pid_file)).await);
}

#[tokio::test]
async fn nothing_runs_when_a_placeholder_is_wrong_or_the_program_is_missing() {
    let _lock = shared().await;
    let root = project();
    let s = spec(root.path(), job("b2-7", &["a.py"], vec![]), "p", v(&["gen", "{promt_file}"]));
    let dir = s.attempt_dir.clone();
    let mut events = Vec::new();
    let err = run_attempt(s, no_cancel(), &clock(), |e| events.push(e)).await.unwrap_err();
    assert!(
        matches!(&err, NotRun::Commands(ExecError::UnknownPlaceholder { name, .. }) if name == "promt_file"),
        "{err:?}"
    );
    assert!(!dir.exists());
    assert!(events.is_empty());

    let s = spec(root.path(), job("b2-7", &["a.py"], vec![]), "p", v(&["no-such-generator-xyz", "{job}"]));
    let err = run_attempt(s, no_cancel(), &clock(), |e| events.push(e)).await.unwrap_err();
    assert!(matches!(&err, NotRun::Start(m) if m == "program not found: `no-such-generator-xyz`"), "{err:?}");
    assert_eq!(events.len(), 2);
    assert!(
        matches!(&events[1], AttemptEvent::Error { job, message } if job == "b2-7" && message.contains("no-such-generator-xyz"))
    );

    let s = spec(root.path(), job("b2-7", &["-rf.py"], vec![]), "p", gen_writes_prompt());
    assert!(matches!(
        run_attempt(s, no_cancel(), &clock(), |_| {}).await,
        Err(NotRun::Commands(ExecError::OptionInjection { .. }))
    ));
}

#[tokio::test]
async fn a_validation_program_that_cannot_start_is_a_finding() {
    let _lock = shared().await;
    let root = project();
    let own = vec![v(&["no-such-validator-xyz", "{output}"])];
    let s = spec(root.path(), job("b2-8", &["a.py"], own), "x = 1\n", gen_writes_prompt());
    let report = run_attempt(s, no_cancel(), &clock(), |_| {}).await.unwrap();
    let a = &report.attempt;
    assert_eq!(a.outcome, AttemptOutcome::Failed);
    assert_eq!(a.findings.len(), 1);
    assert_eq!(a.findings[0].error_type, "validation_error");
    assert_eq!(
        a.findings[0].message,
        "`no-such-validator-xyz a.py` could not run: program not found: `no-such-validator-xyz`"
    );
}

#[tokio::test]
async fn own_validation_commands_keep_other_braces() {
    let _lock = shared().await;
    let root = project();
    let own = vec![v(&[
        "python3",
        "-c",
        "import sys; sys.exit(0 if sys.argv[1:] == ['{job}', 'a.py'] else 5)",
        "{job}",
        "{output}",
    ])];
    let s = spec(root.path(), job("b2-9", &["a.py"], own), "x = 1\n", gen_writes_prompt());
    let report = run_attempt(s, no_cancel(), &clock(), |_| {}).await.unwrap();
    assert_eq!(report.attempt.outcome, AttemptOutcome::Passed, "{:?}", report.attempt.findings);
}

/// Fake generator recording its start and end time in `<job>.t`.
fn timed_generator(seconds: f64) -> Vec<String> {
    // No `{name}` in the code: it would be read as an (unknown) placeholder.
    let code = format!(
        "import sys, time\ns = time.time()\ntime.sleep({seconds})\nopen(sys.argv[1] + '.t', 'w').write('%r %r' % (s, time.time()))"
    );
    vec!["python3".into(), "-c".into(), code, "{job}".into()]
}

fn intervals(root: &Path, ids: &[&str]) -> Vec<(f64, f64)> {
    ids.iter()
        .map(|id| {
            let t = std::fs::read_to_string(root.join(format!("{id}.t"))).unwrap();
            let (s, e) = t.split_once(' ').unwrap();
            (s.parse().unwrap(), e.parse().unwrap())
        })
        .collect()
}

fn max_overlap(iv: &[(f64, f64)]) -> usize {
    iv.iter().map(|&(s, _)| iv.iter().filter(|&&(s2, e2)| s2 <= s && s < e2).count()).max().unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_one_runs_jobs_one_after_another_in_input_order() {
    let _lock = shared().await;
    let root = project();
    let ids = ["j1", "j2", "j3"];
    let specs: Vec<_> =
        ids.iter().map(|id| spec(root.path(), job(id, &[], vec![]), "p", timed_generator(0.3))).collect();
    let mut started = Vec::new();
    let reports = run_attempts(root.path(), specs, 1, no_cancel(), |e| {
        if let AttemptEvent::Started { job } = e {
            started.push(job)
        }
    })
    .await;
    let jobs: Vec<_> = reports.iter().map(|r| r.as_ref().unwrap().job.clone()).collect();
    assert_eq!(jobs, v(&ids));
    assert!(reports.iter().all(|r| r.as_ref().unwrap().outcome == AttemptOutcome::Passed));
    started.sort();
    assert_eq!(started, v(&ids));
    let iv = intervals(root.path(), &ids);
    assert_eq!(max_overlap(&iv), 1, "{iv:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_three_runs_jobs_together() {
    let _lock = shared().await;
    let root = project();
    let ids = ["k1", "k2", "k3"];
    let specs: Vec<_> =
        ids.iter().map(|id| spec(root.path(), job(id, &[], vec![]), "p", timed_generator(1.5))).collect();
    let reports = run_attempts(root.path(), specs, 3, no_cancel(), |_| {}).await;
    assert_eq!(reports.len(), 3);
    let iv = intervals(root.path(), &ids);
    assert!(max_overlap(&iv) >= 2, "{iv:?}");
}

#[tokio::test]
async fn run_attempts_after_cancel_runs_nothing() {
    let _lock = shared().await;
    let root = project();
    let (_tx, rx) = watch::channel(true);
    let specs = vec![spec(root.path(), job("c1", &[], vec![]), "p", v(&["touch", "ran"]))];
    let reports = run_attempts(root.path(), specs, 2, rx, |_| {}).await;
    assert!(
        matches!(reports.as_slice(), [Err((job, m))] if job == "c1" && m == "cancelled before it started"),
        "{reports:?}"
    );
    assert!(!root.path().join("ran").exists());
}

#[test]
fn dry_run_lists_every_command() {
    let root = Path::new("/proj");
    let mut s = spec(root, job("b3-1", &["a.py", "b.py", "c.rs"], vec![]), "p", gen_writes_prompt());
    s.validate_defaults.insert("rs".into(), v(&["cargo", "check", "--quiet"]));
    let mut t =
        spec(root, job("odd id", &["x.py"], vec![v(&["pytest", "-q", "tests/x test.py"])]), "p", gen_writes_prompt());
    t.attempt_dir = PathBuf::from("/state/attempts/odd id/2");
    assert_eq!(
        exec_attempt::dry_run(&[s, t]).unwrap(),
        vec![
            "b3-1: python3 /proj/gen.py a.py < /proj/.recover/attempts/b3-1/1/prompt.md",
            "b3-1: python3 -m py_compile a.py",
            "b3-1: python3 -m py_compile b.py",
            "b3-1: cargo check --quiet",
            "'odd id': python3 /proj/gen.py x.py < '/state/attempts/odd id/2/prompt.md'",
            "'odd id': pytest -q 'tests/x test.py'",
        ]
    );
    let bad = spec(root, job("b", &[], vec![]), "p", v(&["gen", "{output}"]));
    assert!(matches!(exec_attempt::dry_run(&[bad]), Err(ExecError::MissingValue { .. })));
}
