//! Batch scripts and command lists from the sample runs, generator options, markers, looks_like.

use super::*;

const B1: &str =
    include_str!("../../../../tests/data/fixtures/sparkq-phase6/_build/prompts-build/phase6-codex-batch1.sh");
const B2: &str =
    include_str!("../../../../tests/data/fixtures/sparkq-phase6/_build/prompts-build/phase6-codex-batch2.sh");
const B3: &str =
    include_str!("../../../../tests/data/fixtures/sparkq-phase6/_build/prompts-build/phase6-codex-batch3.sh");
const B4: &str =
    include_str!("../../../../tests/data/fixtures/sparkq-phase6/_build/prompts-build/phase6-codex-batch4.sh");
const B5: &str =
    include_str!("../../../../tests/data/fixtures/sparkq-phase6/_build/prompts-build/phase6-codex-batch5.sh");
const PROMPT_MD: &str =
    include_str!("../../../../tests/data/fixtures/sparkq-phase6/_build/prompts-build/prompts/b3-api-tests.md");
const CMDS1: &str = include_str!("../../../../tests/data/fixtures/notes-joblog/_build/batch1.cmds");
const CMDS2: &str = include_str!("../../../../tests/data/fixtures/notes-joblog/_build/batch2.cmds");
const RUN2: &str = include_str!("../../../../tests/data/fixtures/notes-joblog/_build/run-batch2.sh");

const PROJECT: &str = "/home/luce/apps/sparkqueue";
const LOGS: &str = "/home/luce/apps/sparkqueue/_build/logs/phase6";

fn no_gen() -> Vec<String> {
    Vec::new()
}

fn inline(p: &PromptText) -> &str {
    match p {
        PromptText::Inline(t) => t,
        other => panic!("not inline: {other:?}"),
    }
}

fn call(text: &str) -> GeneratorCall {
    let inv = shell::parse_command(text, &HashMap::new()).expect("command");
    generator_call(&inv, &no_gen()).expect("generator call")
}

#[test]
fn sparkq_batch1_two_inline_prompts() {
    let s = parse(B1, "b1.sh", "phase6-codex-batch1.sh", &no_gen());
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.batches.len(), 1);
    let b = &s.batches[0];
    assert_eq!(b.number, Some(1));
    assert_eq!(b.name.as_deref(), Some("SparkQ Phase 6 - Batch 1 (parallel)"));
    assert_eq!(b.calls.len(), 2);
    let c = &b.calls[1];
    assert_eq!(c.tool, "codex");
    assert_eq!(c.cd.as_deref(), Some(PROJECT));
    assert!(c.json);
    assert_eq!(c.model, None);
    let p = inline(&c.prompt);
    assert!(p.starts_with("\nContext: SparkQ Phase 6 Batch 1 - Storage layer\n"));
    assert!(p.contains("File to create: sparkq/src/storage.py\n"));
    assert!(p.contains("One table `tasks`; claim takes"));
    assert!(p.ends_with("any important details.\n"));
    assert_eq!(c.invocation.stdout.as_deref(), Some(format!("{LOGS}/b1-storage.jsonl").as_str()));
    assert_eq!(c.invocation.line, 28);
    assert!(c.invocation.background);
    assert_eq!(s.vars["PROJECT"], PROJECT);
    assert!(s.parallel.is_empty());
}

#[test]
fn sparkq_batch2_heredocs_with_background_after_delimiter() {
    let s = parse(B2, "b2.sh", "phase6-codex-batch2.sh", &no_gen());
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.batches.len(), 1);
    let b = &s.batches[0];
    assert_eq!(b.number, Some(2));
    assert_eq!(b.calls.len(), 2);
    let cli = &b.calls[0];
    let p = inline(&cli.prompt);
    assert!(p.starts_with("Context: SparkQ Phase 6 Batch 2 - CLI\n"));
    assert!(p.contains("File to create: sparkq/src/cli.py\n"));
    assert!(p.ends_with("any important details.\n"));
    assert!(!p.contains("PROMPT"));
    assert!(cli.invocation.background);
    assert_eq!(cli.invocation.stdout.as_deref(), Some(format!("{LOGS}/b2-cli.jsonl").as_str()));
    assert_eq!(cli.invocation.stderr.as_deref(), Some(format!("{LOGS}/b2-cli.err").as_str()));
    let api = &b.calls[1];
    assert!(inline(&api.prompt).contains("File to create: sparkq/src/api.py"));
    assert_eq!(api.invocation.line, 28);
}

#[test]
fn sparkq_batch3_inline_and_file_prompts() {
    let s = parse(B3, "b3.sh", "phase6-codex-batch3.sh", &no_gen());
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.batches.len(), 1);
    let b = &s.batches[0];
    assert_eq!(b.number, Some(3));
    assert_eq!(b.calls.len(), 3);
    let conftest = &b.calls[0];
    let p = inline(&conftest.prompt);
    assert!(p.contains("- Fixture `repo` returns an in-memory TaskRepository\n"));
    assert!(p.contains("File to create: sparkq/tests/conftest.py"));
    assert_eq!(
        conftest.invocation.stdout.as_deref(),
        Some("/home/luce/apps/sparkqueue/_build/logs/phase6/b3-conftest.jsonl")
    );
    assert_eq!(
        conftest.invocation.stderr.as_deref(),
        Some("/home/luce/apps/sparkqueue/_build/logs/phase6/b3-conftest.err")
    );
    let storage = &b.calls[1];
    assert!(inline(&storage.prompt).contains("- Use the `repo` fixture from sparkq/tests/conftest.py"));
    let api = &b.calls[2];
    assert_eq!(
        api.prompt,
        PromptText::File("/home/luce/apps/sparkqueue/_build/prompts-build/prompts/b3-api-tests.md".into())
    );
    assert_eq!(api.cd.as_deref(), Some(PROJECT));
    assert_eq!(api.invocation.stdout.as_deref(), Some(format!("{LOGS}/b3-api-tests.jsonl").as_str()));
    assert_eq!(api.invocation.line, 48);
}

#[test]
fn sparkq_batches_4_and_5() {
    for (text, name, n, out) in [
        (B4, "phase6-codex-batch4.sh", 4, "sparkq/tests/test_e2e_workflow.py"),
        (B5, "phase6-codex-batch5.sh", 5, "docs/TESTING.md"),
    ] {
        let s = parse(text, name, name, &no_gen());
        assert!(s.warnings.is_empty());
        assert_eq!(s.batches.len(), 1);
        assert_eq!(s.batches[0].number, Some(n));
        assert_eq!(s.batches[0].calls.len(), 1);
        let p = inline(&s.batches[0].calls[0].prompt);
        assert!(p.contains(&format!("File to create: {out}\n")), "{p}");
    }
}

#[test]
fn notes_command_lists() {
    let s = parse_command_list(CMDS2, "_build/batch2.cmds", "batch2.cmds", &no_gen());
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.batches.len(), 1);
    let b = &s.batches[0];
    assert_eq!(b.number, Some(2));
    assert_eq!(b.calls.len(), 3);
    let c = &b.calls[2];
    assert_eq!(c.prompt, PromptText::File("_build/prompts/b2-3.md".into()));
    assert_eq!(c.cd.as_deref(), Some("/home/dev/notes"));
    assert!(c.json);
    assert_eq!(c.invocation.stdout.as_deref(), Some("_build/logs/b2-3.jsonl"));
    assert_eq!(c.invocation.stderr.as_deref(), Some("_build/logs/b2-3.err"));
    assert_eq!(c.invocation.line, 3);
    assert!(!c.invocation.background);

    let s1 = parse_command_list(CMDS1, "batch1.cmds", "batch1.cmds", &no_gen());
    assert_eq!(s1.batches[0].number, Some(1));
    assert_eq!(s1.batches[0].calls.len(), 2);
}

#[test]
fn command_list_skips_non_generator_lines_with_warning() {
    let text = "# jobs\ncodex exec 'a'\n\nls -l\ncodex exec 'b\n";
    let s = parse_command_list(text, "x.cmds", "x.cmds", &no_gen());
    let calls = &s.batches[0].calls;
    assert_eq!(s.batches[0].number, None);
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[1].invocation.line, 5);
    assert_eq!(inline(&calls[1].prompt), "b");
    assert_eq!(s.warnings.len(), 2);
    assert_eq!(s.warnings[0].line, Some(4));
    assert_eq!(s.warnings[0].message, "not a generator call, skipped: ls -l");
    assert_eq!(s.warnings[1].line, Some(5));
    assert_eq!(s.warnings[1].message, "unterminated single-quoted string");
}

#[test]
fn notes_runner_script_links_joblog_and_list() {
    let s = parse(RUN2, "_build/run-batch2.sh", "run-batch2.sh", &no_gen());
    assert!(s.warnings.is_empty());
    assert_eq!(
        s.parallel,
        vec![ParallelCall {
            joblog: Some("_build/joblog-batch2.tsv".into()),
            input: Some("_build/batch2.cmds".into()),
            line: 5,
        }]
    );
    assert_eq!(s.cd.as_deref(), Some("/home/dev/notes"));
    assert_eq!(s.batches.len(), 1);
    assert_eq!(s.batches[0].number, Some(2));
    assert!(s.batches[0].calls.is_empty());
    assert_eq!(s.batches[0].name.as_deref(), Some("notes Phase 2 - Batch 2: run all jobs in parallel, keep a joblog"));
}

#[test]
fn parallel_call_forms() {
    let p = |t: &str| {
        let inv = shell::parse_command(t, &HashMap::new()).unwrap();
        parallel_call(&inv).unwrap()
    };
    let a = p("parallel --joblog +logs/jl.tsv --resume-failed :::: jobs.cmds");
    assert_eq!(a.joblog.as_deref(), Some("logs/jl.tsv"));
    assert_eq!(a.input.as_deref(), Some("jobs.cmds"));
    let b = p("parallel -j 4 --joblog=jl.tsv -a list.txt");
    assert_eq!(b.joblog.as_deref(), Some("jl.tsv"));
    assert_eq!(b.input.as_deref(), Some("list.txt"));
    let c = p("cat b3.cmds | parallel --jl j3.tsv");
    assert_eq!(c.joblog.as_deref(), Some("j3.tsv"));
    assert_eq!(c.input.as_deref(), Some("b3.cmds"));
    let inv = shell::parse_command("sort x", &HashMap::new()).unwrap();
    assert_eq!(parallel_call(&inv), None);
}

#[test]
fn several_batches_by_markers_and_wait() {
    let text = r#"#!/bin/bash
set -euo pipefail
PROJECT=/srv/app
cd "$PROJECT"

# Batch 1
echo "=== Batch 1 ==="
codex exec --full-auto 'Create a.py' > logs/1a.log 2>&1 &
codex exec --full-auto 'Create b.py' > logs/1b.log 2>&1 &
wait
echo "Batch 1 done"

codex exec 'Create c.py' &
wait

# Batch 5: docs
cd docs
codex exec 'Write README.md' | tee logs/5.log
"#;
    let s = parse(text, "multi.sh", "phase2-run.sh", &no_gen());
    assert!(s.warnings.is_empty());
    let nums: Vec<Option<u32>> = s.batches.iter().map(|b| b.number).collect();
    assert_eq!(nums, [Some(1), Some(2), Some(5)]);
    assert_eq!(s.batches[0].name.as_deref(), Some("Batch 1"));
    assert_eq!(s.batches[0].calls.len(), 2);
    assert_eq!(s.batches[1].name, None);
    assert_eq!(inline(&s.batches[1].calls[0].prompt), "Create c.py");
    assert_eq!(s.batches[2].name.as_deref(), Some("Batch 5: docs"));
    let docs = &s.batches[2].calls[0];
    assert_eq!(docs.invocation.tee.as_deref(), Some("logs/5.log"));
    assert_eq!(s.batches[0].calls[0].invocation.stderr.as_deref(), Some("logs/1a.log"));
    // `cd` is the last one before the first call.
    assert_eq!(s.cd.as_deref(), Some("/srv/app"));
}

#[test]
fn wait_without_markers_numbers_from_file_name() {
    let text = "codex exec a &\nwait\ncodex exec b &\ncodex exec c &\nwait\n";
    let s = parse(text, "x", "run-batch2.sh", &no_gen());
    let nums: Vec<Option<u32>> = s.batches.iter().map(|b| b.number).collect();
    assert_eq!(nums, [Some(2), Some(3)]);
    assert_eq!(s.batches[1].calls.len(), 2);

    let s = parse(text, "x", "go.sh", &no_gen());
    let nums: Vec<Option<u32>> = s.batches.iter().map(|b| b.number).collect();
    assert_eq!(nums, [Some(1), Some(2)]);
}

#[test]
fn codex_options_and_prompt_sources() {
    let c = call("codex exec -m gpt-5-codex -s workspace-write -c model_reasoning_effort=high --skip-git-repo-check -o out/last.txt --cd=/w 'Do it'");
    assert_eq!(c.model.as_deref(), Some("gpt-5-codex"));
    assert_eq!(c.last_message_file.as_deref(), Some("out/last.txt"));
    assert_eq!(c.cd.as_deref(), Some("/w"));
    assert!(!c.json);
    assert_eq!(c.prompt, PromptText::Inline("Do it".into()));

    let c = call("codex --json exec --experimental-json -mo3 -- '-starts with dash'");
    assert!(c.json);
    assert_eq!(c.model.as_deref(), Some("o3"));
    assert_eq!(inline(&c.prompt), "-starts with dash");

    let c = call("cat prompts/t1.md | codex e --full-auto -");
    assert_eq!(c.prompt, PromptText::File("prompts/t1.md".into()));
    let c = call("cat prompts/t1.md | codex exec --json");
    assert_eq!(c.prompt, PromptText::File("prompts/t1.md".into()));
    let c = call("codex exec --json");
    assert_eq!(c.prompt, PromptText::Missing);
    let c = call("nohup timeout 600 /usr/local/bin/codex exec 'x' > l &");
    assert_eq!(inline(&c.prompt), "x");
    assert_eq!(c.tool, "codex");
    let c = call("codex exec resume --last 'continue please'");
    assert_eq!(inline(&c.prompt), "continue please");

    for not in ["codex login", "codex 'interactive prompt'", "codexx exec a", "echo codex exec"] {
        let inv = shell::parse_command(not, &HashMap::new()).unwrap();
        assert_eq!(generator_call(&inv, &no_gen()), None, "{not}");
    }
}

#[test]
fn claude_print_calls() {
    let c = call("claude -p 'Create a.py' --output-format stream-json --verbose --model sonnet --allowedTools Read Edit 'Bash(git log:*)' > l.jsonl");
    assert_eq!(c.tool, "claude");
    assert_eq!(inline(&c.prompt), "Create a.py");
    assert!(c.json);
    assert_eq!(c.model.as_deref(), Some("sonnet"));
    assert_eq!(c.invocation.stdout.as_deref(), Some("l.jsonl"));

    let c = call("claude --print --allowedTools Read --output-format json < prompts/x.md");
    assert_eq!(c.prompt, PromptText::File("prompts/x.md".into()));
    assert!(c.json);

    let inv = shell::parse_command("claude 'hello'", &HashMap::new()).unwrap();
    assert_eq!(generator_call(&inv, &no_gen()), None);
}

#[test]
fn configured_generators() {
    let gens = vec!["aider".to_string(), "/opt/bin/mygen".to_string()];
    let inv = shell::parse_command("mygen --model m1 -x 'Build it' > o.log", &HashMap::new()).unwrap();
    let c = generator_call(&inv, &gens).unwrap();
    assert_eq!(c.tool, "mygen");
    assert_eq!(c.model.as_deref(), Some("m1"));
    assert_eq!(inline(&c.prompt), "Build it");
    let inv = shell::parse_command("aider --yes --message 'Fix bug'", &HashMap::new()).unwrap();
    assert_eq!(inline(&generator_call(&inv, &gens).unwrap().prompt), "Fix bug");
    assert!(looks_like("mygen 'x'\n", &gens));
    assert!(!looks_like("mygen\n", &gens));
    assert!(!looks_like("mygen 'x'\n", &no_gen()));
}

#[test]
fn injection_text_is_never_run() {
    let s = parse(
        "codex exec \"Create $(touch pwned).py and `touch pwned2`\" > \"$(touch pwned3).log\"\n",
        "x.sh",
        "x.sh",
        &no_gen(),
    );
    let c = &s.batches[0].calls[0];
    assert_eq!(inline(&c.prompt), "Create $(touch pwned).py and `touch pwned2`");
    assert_eq!(c.invocation.stdout.as_deref(), Some("$(touch pwned3).log"));
    for f in ["pwned", "pwned2", "pwned3"] {
        assert!(!std::path::Path::new(f).exists());
    }
}

#[test]
fn batch_numbers_from_names() {
    assert_eq!(batch_number_from_name("phase6-codex-batch3.sh"), Some(3));
    assert_eq!(batch_number_from_name("_build/run-batch2.sh"), Some(2));
    assert_eq!(batch_number_from_name("batch2.cmds"), Some(2));
    assert_eq!(batch_number_from_name("b4.sh"), Some(4));
    assert_eq!(batch_number_from_name("batch_03.sh"), Some(3));
    assert_eq!(batch_number_from_name("Batch-12.sh"), Some(12));
    assert_eq!(batch_number_from_name("phase6-codex.sh"), None);
    assert_eq!(batch_number_from_name("phase6.sh"), None);
    assert_eq!(batch_number_from_name("sub2.sh"), None);
    assert_eq!(batch_number_from_name("batches.sh"), None);
}

#[test]
fn batch_markers() {
    assert_eq!(batch_marker("Batch 3").map(|m| m.0), Some(3));
    assert_eq!(
        batch_marker("SparkQ Phase 6 - Batch 3 (parallel)"),
        Some((3, "SparkQ Phase 6 - Batch 3 (parallel)".into()))
    );
    assert_eq!(batch_marker("notes Phase 2 - Batch 1: run all").map(|m| m.0), Some(1));
    assert_eq!(batch_marker("=== Batch 4 ===").map(|m| m.1), Some("Batch 4".into()));
    assert_eq!(batch_marker("Starting batch 2...").map(|m| m.0), Some(2));
    assert_eq!(batch_marker("Batch 3 done"), None);
    assert_eq!(batch_marker("Batch 3: complete!"), None);
    assert_eq!(batch_marker("needs the outputs of batch 2"), None);
    assert_eq!(batch_marker("!/usr/bin/env bash"), None);
}

#[test]
fn looks_like_scripts_lists_and_not_prompts() {
    let g = no_gen();
    for t in [B1, B2, B3, CMDS1, RUN2] {
        assert!(looks_like(t, &g));
    }
    assert!(!looks_like(PROMPT_MD, &g));
    assert!(!looks_like("Context: use codex exec to run the batch\nTask: explain `claude -p`\n", &g));
    assert!(!looks_like("#!/bin/bash\nmkdir -p out\nparallel echo ::: a b\n", &g));
    assert!(!looks_like("{\"type\":\"thread.started\",\"cmd\":\"codex exec x\"}\n", &g));
    assert!(looks_like("cd /x && codex exec 'y'\n", &g));
    assert!(looks_like("claude -p 'y'\n", &g));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
    #[test]
    fn arbitrary_scripts_never_panic(text in "(codex exec |claude -p |parallel --joblog |# Batch [0-9] |wait\n|[ -~\t\n\\'\"$`]){0,40}") {
        let g = vec!["mygen".to_string()];
        let s = parse(&text, "x.sh", "batch2.sh", &g);
        let _ = parse_command_list(&text, "x.cmds", "b1.cmds", &g);
        let _ = looks_like(&text, &g);
        for w in &s.warnings {
            proptest::prop_assert!(w.line.is_some());
        }
    }
}

#[test]
fn taking_a_call_moves_its_words_and_leaves_anything_else_alone() {
    let mut inv = shell::parse_command("codex exec --json 'Write a.py' > logs/1.jsonl", &HashMap::new()).unwrap();
    let copy = generator_call(&inv, &no_gen()).expect("a call");
    let taken = take_generator_call(&mut inv, &no_gen()).expect("a call");
    assert_eq!(taken, copy);
    assert_eq!(taken.invocation.argv, ["codex", "exec", "--json", "Write a.py"]);
    assert_eq!(inv, Invocation::default(), "the words moved into the call");
    let mut other = shell::parse_command("parallel --joblog j.log < cmds.txt", &HashMap::new()).unwrap();
    let before = other.clone();
    assert_eq!(take_generator_call(&mut other, &no_gen()), None);
    assert_eq!(other, before);
}
