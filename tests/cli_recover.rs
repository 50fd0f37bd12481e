//! `recover-tui recover`: a configured fake generator (a Python script written by the test)
//! repairs notes/render.py, or keeps breaking it until the decision escalates.

mod cli_common;
use cli_common::{age, code, json, stderr, stdout, Project};

const GOOD: &str = r#"import sys, pathlib
prompt = sys.stdin.read()
assert "expected ':'" in prompt, prompt
pathlib.Path(sys.argv[1]).write_text('from notes.model import Note\n\n\ndef render(note: Note) -> str:\n    return note.title + "\\n"\n')
print("rewrote", sys.argv[1])
"#;

const BAD: &str = r#"import sys, pathlib
pathlib.Path(sys.argv[1]).write_text('def render(note) -> str\n    return ""\n')
"#;

#[test]
fn a_passing_attempt_is_snapshotted_run_validated_and_recorded() {
    let p = Project::copy("notes-joblog");
    p.generator("fix.py", GOOD);
    let out = p.run("recover", &["--job", "b2-1", "--yes"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("b2-1: attempt 1 passed (exit 0; 1 file changed, +2 -3) ["), "{text}");
    assert_eq!(text.lines().count(), 1, "{text}");
    // The prompt's own `Validation:` command is not approved: the config's per-extension one runs.
    assert!(stderr(&out).contains("b2-1: validating: python3 -m py_compile notes/render.py"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "not run: validation commands written in the project (b2-1: python -m py_compile notes/render.py)"
        ),
        "{}",
        stderr(&out)
    );
    assert!(p.read("notes/render.py").contains("def render(note: Note) -> str:\n"));

    let ledger = p.ledger();
    let a = &ledger["attempts"]["b2-1"][0];
    assert_eq!(a["number"], 1);
    assert_eq!(a["outcome"], "passed");
    assert_eq!(a["kind"], "targeted_recovery");
    assert_eq!(a["exit_code"], 0);
    assert_eq!(a["revised_prompt"], "attempts/b2-1/1/prompt.md");
    assert_eq!(a["recovery_prompt"], "attempts/b2-1/1/recovery-prompt.md");
    let snap = a["snapshot"].as_str().unwrap();
    assert_eq!(ledger["checklist"]["dependencies_reviewed"]["reason"], "confirmed by --yes");
    assert_eq!(ledger["checklist"]["not_architectural"]["by"], "tester");

    let sent = std::fs::read_to_string(p.state().join("attempts/b2-1/1/prompt.md")).unwrap();
    assert!(sent.starts_with("Context: notes Phase 2 Batch 2"), "{sent}");
    assert!(sent.contains("## Fix required (recovery attempt)"), "{sent}");
    assert!(p.state().join("attempts/b2-1/1/generator.stdout").is_file());

    assert_eq!(p.events(), ["confirmed", "confirmed", "snapshot", "attempt_started", "attempt_ended"]);
    let j = p.journal();
    assert_eq!(j[0]["reason"], "confirmed by --yes");
    assert_eq!(j[2]["id"], snap);
    assert_eq!(j[2]["files"], 1);
    assert_eq!(j[3]["job"], "b2-1");
    assert_eq!(j[3]["snapshot"], snap);
    assert_eq!(j[4]["outcome"], "passed");

    // The snapshot holds the broken file: diff shows the repair.
    let diff = stdout(&p.run("diff", &[snap]));
    assert!(diff.contains("\n-def render(note: Note) -> str\n"), "{diff}");
    let plan = json(&p.run("plan", &["--json"]));
    assert_eq!(plan["schema"], "recover-tui/plan@1");
    assert_eq!(plan["escalated"], false);
    // Nothing left to recover for that job: it is repaired, and another recover says so.
    assert_eq!(plan["repaired_jobs"], serde_json::json!([{"job": "b2-1", "attempt": 1}]));
    assert_eq!(plan["rerun_jobs"], serde_json::json!([]));
    assert_eq!(plan["outcome"], "recovered");
    assert_eq!(plan["verdict"], "targeted_recovery", "the verdict stays as decided");
    let text = stdout(&p.run("plan", &[]));
    assert!(text.contains("repair b2-1 (batch 2): "), "{text}");
    assert!(text.contains("  — repaired\n"), "{text}");
    assert!(text.contains("Outcome: recovered\nDone: b2-1 repaired (attempt 1)\n"), "{text}");
    let again = p.run("recover", &["--job", "b2-1", "--yes"]);
    assert_eq!(code(&again), 1);
    assert!(stderr(&again).contains("b2-1 is already repaired"), "{}", stderr(&again));
    let md = stdout(&p.run("export", &["--format", "md"]));
    assert!(md.trim_end().ends_with("## Outcome: SUCCESS"), "{md}");
}

#[test]
fn two_failed_attempts_escalate_and_the_third_is_refused() {
    let p = Project::copy("notes-joblog");
    p.generator("break.py", BAD);
    let out = p.run("recover", &["--job", "b2-1", "--yes"]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "b2-1: attempt 1 failed (exit 0; 1 file changed, +2 -6) — SyntaxError in notes/render.py:1: expected ':' ["
        ),
        "{text}"
    );
    assert_eq!(json(&p.run("plan", &["--json"]))["verdict"], "targeted_recovery");

    age(&p.root.join("notes/render.py"));
    let out = p.run("recover", &["--job", "b2-1", "--yes"]);
    assert_eq!(code(&out), 1, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("b2-1: attempt 2 failed (exit 0; no change to notes/render.py) — SyntaxError"), "{text}");
    assert!(
        text.contains("\nESCALATED: b2-1 failed 2 recovery attempts (limit 2); the decision is now full_restart."),
        "{text}"
    );
    let attempts = p.ledger()["attempts"]["b2-1"].as_array().unwrap().clone();
    assert_eq!(attempts.len(), 2);
    assert_eq!(attempts[1]["outcome"], "failed");
    assert_ne!(attempts[0]["snapshot"], attempts[1]["snapshot"], "the second attempt snapshots attempt 1's output");
    let j = p.journal();
    let last = j.last().unwrap();
    assert_eq!(last["event"], "escalated");
    assert_eq!(last["job"], "b2-1");
    assert_eq!(last["failed_recoveries"], 2);

    let plan = json(&p.run("plan", &["--json"]));
    assert_eq!(plan["verdict"], "full_restart");
    assert_eq!(plan["escalated"], true);

    age(&p.root.join("notes/render.py"));
    let out = p.run("recover", &["--job", "b2-1", "--yes"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("escalated to a full restart after failed recoveries: no recovery attempt will run"),
        "{}",
        stderr(&out)
    );
    assert_eq!(p.ledger()["attempts"]["b2-1"].as_array().unwrap().len(), 2);

    let md = stdout(&p.run("export", &["--format", "md"]));
    assert!(md.trim_end().ends_with("## Outcome: ESCALATED_TO_FULL_RESTART"), "{md}");
}

#[test]
fn dry_run_prints_the_commands_and_changes_nothing() {
    let p = Project::copy("notes-joblog");
    p.generator("fix.py", GOOD);
    let out = p.run("recover", &["--job", "b2-1", "--dry-run"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let script = p.tmp.path().join("fix.py");
    let attempt = p.state().canonicalize().unwrap().join("attempts/b2-1/1/prompt.md");
    assert_eq!(
        stdout(&out),
        format!(
            "b2-1: python3 {} notes/render.py < {}\nb2-1: python3 -m py_compile notes/render.py\n\
             b2-1: python -m py_compile notes/render.py   # written in the project: runs only with --approve-validation\n",
            script.display(),
            attempt.display()
        )
    );
    assert!(stderr(&out).contains("dry run: would snapshot notes/render.py first"), "{}", stderr(&out));
    assert!(stderr(&out).contains("a real run would refuse: the checklist is not satisfied"), "{}", stderr(&out));
    assert!(!p.state().join("ledger.json").exists());
    assert!(
        !p.state().join("snapshots/manifests").exists()
            || std::fs::read_dir(p.state().join("snapshots/manifests")).unwrap().count() == 0
    );
    assert!(p.journal().is_empty());
    assert!(!p.state().join("attempts").exists());
}

#[test]
fn refusals_name_what_is_wrong_and_write_nothing() {
    let p = Project::copy("notes-joblog");
    p.generator("fix.py", GOOD);
    let out = p.run("recover", &["--job", "b2-2,b2-1"]);
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out).trim(), "recover-tui: b2-2 is not a job to repair or re-run (those are: b2-1)");

    let out = p.run("recover", &["--job", "b2-1"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).trim(),
        "recover-tui: the checklist is not satisfied: 5 dependencies_reviewed (pending), 6 not_architectural (pending) need(s) confirming; confirm with recover-tui checklist --confirm ID, or pass --yes"
    );
    assert!(p.journal().is_empty());

    // A failed automatic check is not waived by --yes.
    p.write("notes/render.py", b"x\n");
    let f = std::fs::File::options().write(true).open(p.root.join("notes/render.py")).unwrap();
    f.set_modified(std::time::SystemTime::now()).unwrap();
    let out = p.run("recover", &["--job", "b2-1", "--yes"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("8 no_generation_running (failed); failed checks are not waived by confirming"),
        "{}",
        stderr(&out)
    );
    assert!(p.journal().is_empty());
    assert!(!p.state().join("ledger.json").exists());
}

#[test]
fn after_manual_confirmation_recover_runs_without_yes() {
    let p = Project::copy("notes-joblog");
    p.generator("fix.py", GOOD);
    assert_eq!(code(&p.run("checklist", &["--confirm", "5", "--confirm", "6"])), 0);
    // A revised prompt saved earlier is what gets sent.
    let revised = "Create notes/render.py; the last run failed with expected ':' on the def line.\n";
    std::fs::create_dir_all(p.state().join("prompts")).unwrap();
    std::fs::write(p.state().join("prompts/b2-1.md"), revised).unwrap();
    let out = p.run("recover", &["--job", "b2-1"]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert_eq!(std::fs::read_to_string(p.state().join("attempts/b2-1/1/prompt.md")).unwrap(), revised);
    assert_eq!(p.events(), ["confirmed", "confirmed", "snapshot", "attempt_started", "attempt_ended"]);
    assert!(p.journal()[0]["reason"].is_null());
}

#[test]
fn the_projects_own_validation_runs_only_once_approved_and_the_approval_lapses_when_it_changes() {
    let p = Project::copy("notes-joblog");
    p.generator("break.py", BAD);
    let out = p.run("recover", &["--job", "b2-1", "--yes", "--approve-validation"]);
    assert_eq!(code(&out), 1, "the broken file fails its validation: {}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("b2-1: approved python -m py_compile notes/render.py"), "{}", stderr(&out));
    assert!(stderr(&out).contains("b2-1: validating: python -m py_compile notes/render.py"), "{}", stderr(&out));
    let approved = p.journal().into_iter().find(|e| e["event"] == "validation_approved").expect("journalled");
    assert_eq!(approved["job"], "b2-1");
    assert_eq!(approved["commands"], serde_json::json!([["python", "-m", "py_compile", "notes/render.py"]]));
    assert_eq!(
        p.ledger()["approved_validation"]["b2-1"],
        serde_json::json!([["python", "-m", "py_compile", "notes/render.py"]])
    );
    let dry = p.run("recover", &["--job", "b2-1", "--dry-run"]);
    assert!(stdout(&dry).contains("b2-1: python -m py_compile notes/render.py\n"), "{}", stdout(&dry));
    assert!(!stdout(&dry).contains("runs only with --approve-validation"), "{}", stdout(&dry));

    // The prompt now asks for another command: the old approval does not cover it.
    let rel = "_build/prompts/b2-1.md";
    let changed = p.read(rel).replace("python -m py_compile notes/render.py", "python -c 'import notes.render'");
    p.write(rel, changed.as_bytes());
    let dry = p.run("recover", &["--job", "b2-1", "--dry-run"]);
    assert!(
        stdout(&dry).contains(
            "b2-1: python -c 'import notes.render'   # written in the project: runs only with --approve-validation"
        ),
        "{}",
        stdout(&dry)
    );
    assert!(
        stdout(&dry).contains("b2-1: python3 -m py_compile notes/render.py\n"),
        "the config's command runs instead"
    );
}

#[test]
fn a_corrupt_or_newer_ledger_never_allows_a_third_recovery() {
    for damage in ["truncate", "newer"] {
        let p = Project::copy("notes-joblog");
        p.generator("break.py", BAD);
        assert_eq!(code(&p.run("recover", &["--job", "b2-1", "--yes"])), 1);
        assert_eq!(code(&p.run("recover", &["--job", "b2-1", "--yes"])), 1);
        assert_eq!(json(&p.run("plan", &["--json"]))["escalated"], true);
        let ledger = p.state().join("ledger.json");
        match damage {
            "truncate" => {
                let bytes = std::fs::read(&ledger).unwrap();
                std::fs::write(&ledger, &bytes[..bytes.len() / 3]).unwrap();
                // The previous save (one failed attempt) is all a fallback would find.
            }
            _ => std::fs::write(&ledger, br#"{"schema_version": 99, "attempts": {}}"#).unwrap(),
        }
        let plan = json(&p.run("plan", &["--json"]));
        assert_eq!(plan["escalated"], true, "{damage}: the journal still counts two failed recoveries");
        assert_eq!(plan["verdict"], "full_restart", "{damage}");
        let warnings = plan["warnings"].to_string();
        assert!(warnings.contains("ledger"), "{damage}: the damage is reported: {warnings}");
        let out = p.run("recover", &["--job", "b2-1", "--yes"]);
        assert_eq!(code(&out), 2, "{damage}: {}", stderr(&out));
        let attempts = p.journal().iter().filter(|e| e["event"] == "attempt_started").count();
        assert_eq!(attempts, 2, "{damage}: no third attempt ran");
    }
}

#[test]
fn a_projects_own_config_cannot_choose_what_runs() {
    let p = Project::copy("notes-joblog");
    let marker = p.tmp.path().join("pwned");
    std::fs::create_dir_all(p.state()).unwrap();
    let shipped = format!(
        "[commands]\ngenerator = [\"touch\", {m:?}]\nreviser = [\"touch\", {m:?}]\nvalidate = {{ py = [\"touch\", {m:?}] }}\ntimeout_s = 30\n\n[decision]\nmax_failed_recoveries = 3\n",
        m = marker.display().to_string()
    );
    std::fs::write(p.state().join("config.toml"), shipped).unwrap();
    let plan = json(&p.run("plan", &["--json"]));
    let warnings = plan["warnings"].to_string();
    for key in ["[commands] generator is not used", "[commands] reviser is not used", "[commands] validate is not used"]
    {
        assert!(warnings.contains(key), "{key}: {warnings}");
    }
    let out = p.run("recover", &["--job", "b2-1", "--yes"]);
    assert!(!marker.exists(), "a command from the project's config ran");
    assert!(stderr(&out).contains("a project's own config cannot choose what runs"), "{}", stderr(&out));
    // The harmless settings still apply: three failed recoveries before escalation.
    assert!(plan["rationale"].to_string().contains("0 failed recovery attempts of 3"), "{}", plan["rationale"]);
}
