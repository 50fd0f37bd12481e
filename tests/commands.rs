//! Group 4 of issue 8 (DESIGN.md §11/§18): text in logs and prompts that looks like a command
//! — `$(touch pwned)`, backquotes, `; rm -rf <dir>`, an option such as `--output=/etc/x` as a
//! job id, an output or a prompt — is never executed and never passed as an option. Loading
//! and planning run nothing; an attempt runs only the configured generator and validation
//! argv (no shell), with every value from a log as exactly one argument. `rm -rf ~` is played
//! by `rm -rf <tmp>/victim`: the victim directory must survive.

mod common;

use recover_tui::app::project::{OpenOptions, Project};
use recover_tui::app::recovery::{run_one, NotRun};
use recover_tui::core::model::{Attempt, PromptOrigin};
use recover_tui::core::model::{Job, Prompt, SystemClock};
use recover_tui::exec::argv::{substitute, Placeholders};
use recover_tui::exec::attempt::AttemptSpec;
use recover_tui::exec::ExecError;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct World {
    tmp: tempfile::TempDir,
    root: PathBuf,
    victim: PathBuf,
}

impl World {
    fn base(&self) -> &Path {
        self.tmp.path()
    }
}

/// Every `pwned*` file anywhere under the temp dir (files the hostile text would create), and
/// the victim directory if it is gone.
fn damage(w: &World) -> Vec<PathBuf> {
    fn walk(d: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
            let p = e.path();
            if e.file_name().to_string_lossy().starts_with("pwned") {
                out.push(p.clone());
            }
            if e.file_type().is_ok_and(|t| t.is_dir()) {
                walk(&p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(w.base(), &mut out);
    if !w.victim.join("keep.txt").exists() {
        out.push(w.victim.clone());
    }
    out
}

/// A project whose batch script, prompt files, joblog, codex log and validation report carry
/// command-looking text.
fn world() -> World {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(tmp.path()).unwrap();
    let victim = base.join("victim");
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("keep.txt"), b"still here\n").unwrap();
    let root = base.join("app");
    let b = root.join("_build");
    std::fs::create_dir_all(b.join("logs")).unwrap();
    std::fs::create_dir_all(b.join("prompts")).unwrap();
    std::fs::create_dir_all(root.join("src")).unwrap();
    let v = victim.display();
    let evil = format!("$(touch pwned1) `touch pwned2` ; rm -rf {v} ; touch pwned3 && --output=/etc/x");
    std::fs::write(
        b.join("prompts/b1-api.md"),
        format!(
            "Context: app Phase 1 Batch 1\n\nTask: write the API {evil}\n\nFile to create: src/api.py\n\n\
Validation: python3 -m py_compile src/api.py; touch pwned4; rm -rf {v}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        b.join("prompts/b1-cli.md"),
        format!(
            "Task: the CLI\n\nFile to create: src/cli.py\n\nValidation:\n- bash -c \"touch pwned5; rm -rf {v}\"\n\
- sh -lc 'touch pwned6'\n- $(touch pwned7)\n- `touch pwned8`\n- python3 -m py_compile src/`touch pwned9`.py\n"
        ),
    )
    .unwrap();
    std::fs::write(
        b.join("batch1.cmds"),
        "codex exec --full-auto --json -C /home/dev/app - < _build/prompts/b1-api.md > _build/logs/b1-api.jsonl 2> _build/logs/b1-api.err\n\
codex exec --full-auto --json -C /home/dev/app - < _build/prompts/b1-cli.md > _build/logs/b1-cli.jsonl 2> _build/logs/b1-cli.err\n",
    )
    .unwrap();
    std::fs::write(
        b.join("run-batch1.sh"),
        format!("#!/usr/bin/env bash\n# app Phase 1 - Batch 1\ncd /home/dev/app\nparallel -j4 --joblog _build/joblog-batch1.tsv < _build/batch1.cmds\n# {evil}\n"),
    )
    .unwrap();
    std::fs::write(
        b.join("joblog-batch1.tsv"),
        format!(
            "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n\
1\t:\t1795467326.617\t     1.061\t0\t0\t1\t0\tcodex exec --full-auto --json -C /home/dev/app - < _build/prompts/b1-api.md > _build/logs/b1-api.jsonl 2> _build/logs/b1-api.err ; touch pwned10 $(touch pwned11) ; rm -rf {v}\n\
2\t:\t1795467326.628\t     1.086\t0\t0\t0\t0\tcodex exec --full-auto --json -C /home/dev/app - < _build/prompts/b1-cli.md > _build/logs/b1-cli.jsonl 2> _build/logs/b1-cli.err\n"
        ),
    )
    .unwrap();
    let msg =
        serde_json::to_string(&format!("I ran `touch pwned12` and $(rm -rf {v}); next run --output=/etc/x")).unwrap();
    let msg = &msg[1..msg.len() - 1];
    std::fs::write(
        b.join("logs/b1-api.jsonl"),
        format!(
            "{{\"type\":\"thread.started\",\"thread_id\":\"t-api\"}}\n{{\"type\":\"turn.started\"}}\n\
{{\"type\":\"item.completed\",\"item\":{{\"id\":\"i0\",\"type\":\"command_execution\",\"command\":\"bash -lc 'touch pwned13; rm -rf {v}'\",\"aggregated_output\":\"{msg}\",\"exit_code\":1,\"status\":\"failed\"}}}}\n\
{{\"type\":\"item.completed\",\"item\":{{\"id\":\"i1\",\"type\":\"agent_message\",\"text\":\"{msg}\"}}}}\n\
{{\"type\":\"turn.failed\",\"error\":{{\"message\":\"{msg}\"}}}}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        b.join("logs/b1-cli.jsonl"),
        "{\"type\":\"thread.started\",\"thread_id\":\"t-cli\"}\n{\"type\":\"turn.started\"}\n{\"type\":\"turn.completed\",\"usage\":{\"input_tokens\":10,\"output_tokens\":2}}\n",
    )
    .unwrap();
    std::fs::write(
        b.join("validation-batch1.txt"),
        format!("$ python -m py_compile src/api.py\n  File \"src/api.py\", line 1\n    $(touch pwned14) ; rm -rf {v}\n    ^\nSyntaxError: invalid syntax `touch pwned15`\n"),
    )
    .unwrap();
    std::fs::write(root.join("src/api.py"), format!("$(touch pwned14) ; rm -rf {v}\n")).unwrap();
    std::fs::write(root.join("src/cli.py"), b"print('cli')\n").unwrap();
    World { tmp, root, victim }
}

#[test]
fn loading_planning_and_exporting_run_nothing() {
    let w = world();
    for args in [vec!["inspect"], vec!["inspect", "--json"], vec!["plan"], vec!["plan", "--json"]] {
        let mut a: Vec<&std::ffi::OsStr> = args.iter().map(|s| common::os(s)).collect();
        a.insert(1, w.root.as_os_str());
        let (_, err, code, _) = common::run_cli(&a, Some(&w.root));
        assert!(code == 0 || code == 1, "{args:?}: {}", String::from_utf8_lossy(&err));
    }
    let opts = OpenOptions { path: Some(w.root.clone()), state_dir: None, config: None, read_only: false };
    let s = Project::open(&opts).unwrap();
    let _ = s.export_markdown(chrono::Utc::now());
    let _ = s.export_json(chrono::Utc::now());
    for j in s.run.jobs() {
        let _ = s.prompt_for(&j.id);
    }
    assert_eq!(damage(&w), Vec::<PathBuf>::new());
    // The jobs were read, with the hostile text kept as data.
    let api = s.run.jobs().find(|j| j.outputs == ["src/api.py"]).expect("the api job");
    assert!(api.prompt.as_ref().unwrap().text.contains("$(touch pwned1)"));
    // Validation commands taken from a prompt are argv: the first command of the line, no
    // shell; shells given a command string are never taken.
    assert_eq!(api.validate, vec![vec!["python3".to_string(), "-m".into(), "py_compile".into(), "src/api.py".into()]]);
    let cli = s.run.jobs().find(|j| j.outputs == ["src/cli.py"]).expect("the cli job");
    for argv in &cli.validate {
        assert!(!matches!(argv[0].as_str(), "bash" | "sh"), "a shell with a command string from a prompt: {argv:?}");
        assert!(!argv[0].starts_with('$') && !argv[0].starts_with('`'), "{argv:?}");
    }
}

#[test]
fn placeholder_values_are_one_argument_and_never_an_option() {
    let root = "/home/dev/app".to_string();
    for value in ["$(touch pwned)", "`touch pwned`", "a; rm -rf ~", "a && b", "x y z", "'\"", "a\nb", "src/$(id).py"] {
        let vars = Placeholders {
            project_root: Some(root.clone()),
            job: Some(value.into()),
            output: Some(value.into()),
            prompt_file: None,
        };
        let argv = substitute(&["gen".into(), "--job={job}".into(), "--".into(), "{output}".into()], &vars).unwrap();
        assert_eq!(argv, ["gen".to_string(), format!("--job={value}"), "--".into(), value.to_string()]);
    }
    for value in ["--output=/etc/x", "-rf", "-", "--", "-c touch pwned"] {
        let vars = Placeholders {
            project_root: Some(root.clone()),
            job: Some(value.into()),
            output: Some(value.into()),
            prompt_file: None,
        };
        for t in [vec!["gen", "{job}"], vec!["gen", "{output}"], vec!["gen", "x{job}"]] {
            let t: Vec<String> = t.into_iter().map(String::from).collect();
            assert!(matches!(substitute(&t, &vars), Err(ExecError::OptionInjection { .. })), "{value} in {t:?}");
        }
    }
}

/// The configured generator: records its argv and stdin, writes the output it is given.
fn recorder(w: &World) -> (Vec<String>, PathBuf) {
    let script = w.base().join("rec.py");
    let record = w.base().join("record.jsonl");
    std::fs::write(
        &script,
        "import json, sys\nrec, out = sys.argv[1], sys.argv[3]\nprompt = sys.stdin.read()\n\
with open(rec, 'a') as f:\n    f.write(json.dumps({'argv': sys.argv[2:], 'stdin': prompt}) + '\\n')\n\
with open(out, 'w') as f:\n    f.write('print(1)\\n')\n",
    )
    .unwrap();
    let gen = vec![
        "python3".to_string(),
        script.to_string_lossy().into_owned(),
        record.to_string_lossy().into_owned(),
        "{job}".into(),
        "{output}".into(),
        "{prompt_file}".into(),
    ];
    (gen, record)
}

fn spec(w: &World, job: Job, prompt: &str, generator: Vec<String>) -> AttemptSpec {
    AttemptSpec {
        attempt_dir: w.root.join(".recover/attempts").join(job.id.replace('/', "_")).join("1"),
        job,
        number: 1,
        kind: recover_tui::core::model::AttemptKind::TargetedRecovery,
        prompt: prompt.into(),
        prompt_origin: PromptOrigin::Direct,
        project_root: w.root.clone(),
        generator,
        validate_defaults: [(
            "py".to_string(),
            vec!["python3".into(), "-m".into(), "py_compile".into(), "{output}".into()],
        )]
        .into(),
        timeout: Duration::from_secs(30),
    }
}

fn attempt(s: AttemptSpec) -> Result<Attempt, NotRun> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(run_one(s, "s1", tokio::sync::watch::channel(false).1, &SystemClock, |_| {}))
}

#[test]
fn attempts_run_only_configured_argv_with_log_text_as_data() {
    let w = world();
    let (gen, record) = recorder(&w);
    let v = w.victim.display().to_string();
    let id = format!("b1-$(touch pwned20)`touch pwned21`;rm -rf {v}");
    let output = "src/$(touch pwned22) `touch pwned23`; rm -rf x.py".to_string();
    let prompt = format!("Fix it: $(touch pwned24) `touch pwned25`\n; rm -rf {v}\n--output=/etc/x\n");
    let job = Job {
        id: id.clone(),
        outputs: vec![output.clone()],
        prompt: Some(Prompt { text: prompt.clone(), source: "p.md".into() }),
        validate: vec![vec!["python3".into(), "-m".into(), "py_compile".into(), "{output}".into()]],
        ..Job::default()
    };
    let dir = w.root.join(".recover/attempts").join(id.replace('/', "_")).join("1");
    attempt(spec(&w, job, &prompt, gen)).unwrap();
    let lines: Vec<serde_json::Value> =
        std::fs::read_to_string(&record).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 1, "the generator ran once");
    let prompt_file = w.root.join(".recover/attempts").join(id.replace('/', "_")).join("1/prompt.md");
    assert_eq!(lines[0]["argv"], serde_json::json!([id, output, prompt_file.to_string_lossy()]));
    assert_eq!(lines[0]["stdin"], prompt, "the prompt travels verbatim on stdin");
    assert_eq!(std::fs::read_to_string(&prompt_file).unwrap(), prompt);
    assert_eq!(std::fs::read_to_string(w.root.join(&output)).unwrap(), "print(1)\n");
    assert!(
        dir.join("validate-1.out").is_file() && !dir.join("validate-2.out").exists(),
        "the job's own validation ran, as argv"
    );
    assert_eq!(damage(&w), Vec::<PathBuf>::new());
}

#[test]
fn option_like_ids_and_outputs_stop_the_attempt_before_anything_runs() {
    let w = world();
    let (gen, record) = recorder(&w);
    for (id, output) in
        [("--output=/etc/x", "src/a.py"), ("b1-a", "--output=/etc/x"), ("-rf", "src/a.py"), ("b1-a", "-")]
    {
        let job = Job { id: id.into(), outputs: vec![output.into()], ..Job::default() };
        let err = attempt(spec(&w, job, "p", gen.clone())).unwrap_err();
        assert!(matches!(err, NotRun::Commands(ExecError::OptionInjection { .. })), "{id} / {output}: {err}");
        assert!(!record.exists(), "{id} / {output}: the generator must not have run");
    }
    // An option-like output in a validation default is refused the same way.
    let job = Job { id: "b1-a".into(), outputs: vec!["src/ok.py".into(), "-x.py".into()], ..Job::default() };
    let err = attempt(spec(&w, job, "p", gen.clone())).unwrap_err();
    assert!(matches!(err, NotRun::Commands(ExecError::OptionInjection { .. })), "{err}");
    assert!(!record.exists());
    assert!(!w.root.join("--output=").exists() && !Path::new("/etc/x").exists());
    assert_eq!(damage(&w), Vec::<PathBuf>::new());
}

#[test]
fn jobs_loaded_from_hostile_logs_run_safely_end_to_end() {
    let w = world();
    let (gen, record) = recorder(&w);
    let opts = OpenOptions { path: Some(w.root.clone()), state_dir: None, config: None, read_only: false };
    let s = Project::open(&opts).unwrap();
    let mut ran = 0;
    for job in s.run.jobs().cloned().collect::<Vec<_>>() {
        let prompt = job.prompt.as_ref().map(|p| p.text.clone()).unwrap_or_default();
        if let Ok(r) = attempt(spec(&w, job, &prompt, gen.clone())) {
            ran += 1;
            assert!(r.command.iter().all(|a| !a.contains("pwned")), "{:?}", r.command);
        }
    }
    assert_eq!(ran, 2, "both jobs ran their attempt");
    assert_eq!(std::fs::read_to_string(&record).unwrap().lines().count(), 2);
    assert_eq!(damage(&w), Vec::<PathBuf>::new());
}
