//! The whole recovery (DESIGN.md §2, §6, §11, §12) through the real binary, on the lifecycle
//! scenarios (tests/data/lifecycle: a later batch that reads the repaired file, one that does
//! not, a transient failure to retry as is) and on the public fixtures: `recover --yes` with no
//! `--job` repairs the failed jobs, re-runs the stale readers with their original prompts, and
//! leaves the plan `recovered`; `--job` of a stale reader waits for its repair; `plan` and
//! `inspect` create nothing; `override` from the command line re-decides as that answer does;
//! a second instance refuses every write.

mod lifecycle_common;
use lifecycle_common::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn expected(name: &str) -> Value {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/data/lifecycle/{name}.expected.json"));
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|j| j["job"].as_str().unwrap().to_string())
        .collect()
}

/// The decision on the scenario as logged is the one its `*.expected.json` names.
fn check_decided_as_expected(t: &mut Soft, name: &str, plan: &Value) {
    let exp = expected(name);
    for k in [
        "verdict",
        "scope",
        "failing_batch",
        "preserved_batches",
        "rerun_batches_after",
        "continue_from_batch",
        "escalated",
    ] {
        t.eq(&plan[k], &exp[k], &format!("{name} before the recovery: {k}"));
    }
    t.eq(json!(ids(&plan["rerun_jobs"])), exp["rerun_jobs"].clone(), &format!("{name}: rerun_jobs"));
    let outs: Vec<&str> = plan["rerun_jobs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|j| j["outputs"].as_array().unwrap())
        .map(|o| o.as_str().unwrap())
        .collect();
    t.eq(json!(outs), exp["rerun_outputs"].clone(), &format!("{name}: rerun outputs"));
    t.eq(json!(ids(&plan["rerun_jobs_after"])), exp["rerun_jobs_after"].clone(), &format!("{name}: rerun_jobs_after"));
    t.eq(&plan["outcome"], &json!("in_progress"), &format!("{name}: outcome before the recovery"));
}

/// Job id -> (status as logged, state now), from `inspect --json`.
fn states(s: &Scenario) -> BTreeMap<String, (String, String)> {
    let v = s.inspect();
    let mut out = BTreeMap::new();
    for b in v["batches"].as_array().unwrap() {
        for j in b["jobs"].as_array().unwrap() {
            out.insert(
                j["id"].as_str().unwrap().to_string(),
                (j["status"].as_str().unwrap_or("?").to_string(), j["state"].as_str().unwrap_or("<none>").to_string()),
            );
        }
    }
    out
}

fn want_states(list: &[(&str, &str, &str)]) -> BTreeMap<String, (String, String)> {
    list.iter().map(|(j, st, now)| (j.to_string(), (st.to_string(), now.to_string()))).collect()
}

/// The journal recorded each attempt (`jobs`: job and attempt kind, in the order they must
/// run): one attempt_started (with its kind and a snapshot journalled before it) and one
/// attempt_ended `passed` per job, each job started only after the one before it ended, and a
/// snapshot between the end of the repairs and the first re-run.
fn check_journal(t: &mut Soft, s: &Scenario, jobs: &[(&str, &str)]) {
    let j = s.journal();
    let find = |event: &str, job: &str| -> Vec<usize> {
        j.iter().enumerate().filter(|(_, e)| e["event"] == event && e["job"] == job).map(|(i, _)| i).collect()
    };
    let ran: Vec<&str> =
        j.iter().filter(|e| e["event"] == "attempt_started").map(|e| e["job"].as_str().unwrap_or("?")).collect();
    let want: Vec<&str> = jobs.iter().map(|(j, _)| *j).collect();
    t.eq(ran, want, "the attempts journalled (attempt_started, in order)");
    let mut last_end: Option<usize> = None;
    let mut last_kind = "";
    for (job, kind) in jobs {
        let started = find("attempt_started", job);
        let ended = find("attempt_ended", job);
        if started.len() != 1 || ended.len() != 1 {
            t.fail(format!(
                "{job}: {} attempt_started and {} attempt_ended in the journal",
                started.len(),
                ended.len()
            ));
            continue;
        }
        let (st, en) = (started[0], ended[0]);
        t.eq(&j[st]["kind"], &json!(kind), &format!("{job}: attempt_started kind"));
        t.eq(&j[st]["number"], &json!(1), &format!("{job}: attempt number"));
        t.eq(&j[en]["outcome"], &json!("passed"), &format!("{job}: attempt_ended outcome"));
        match j[st]["snapshot"].as_str() {
            None => t.fail(format!("{job}: attempt_started names no snapshot")),
            Some(snap) => {
                let taken = j.iter().position(|e| e["event"] == "snapshot" && e["id"] == snap);
                t.check(
                    taken.is_some_and(|x| x < st),
                    format!("{job}: snapshot {snap} is not journalled before the attempt"),
                );
            }
        }
        if let Some(prev) = last_end {
            t.check(prev < st, format!("{job} started before the job before it ended"));
            if *kind == "rerun" && last_kind != "rerun" && prev < st {
                t.check(
                    j[prev..st].iter().any(|e| e["event"] == "snapshot"),
                    format!("no snapshot journalled between the repairs and the first re-run ({job})"),
                );
            }
        }
        last_end = Some(en);
        last_kind = kind;
    }
}

/// After the whole recovery: recovered, nothing left, the progress as given, the decision as
/// it was; `next` is at most the "continue" step with the scenario's `continue_commands`.
fn check_recovered(t: &mut Soft, name: &str, s: &Scenario, before: &Value, repaired: &[&str], rerun: &[&str]) {
    let plan = s.plan();
    t.eq(&plan["outcome"], &json!("recovered"), &format!("{name}: outcome after recover --yes"));
    t.eq(&plan["rerun_jobs"], &json!([]), &format!("{name}: rerun_jobs after"));
    t.eq(&plan["rerun_jobs_after"], &json!([]), &format!("{name}: rerun_jobs_after after"));
    let done = |jobs: &[&str]| json!(jobs.iter().map(|j| json!({"job": j, "attempt": 1})).collect::<Vec<_>>());
    t.eq(&plan["repaired_jobs"], &done(repaired), &format!("{name}: repaired_jobs"));
    t.eq(&plan["rerun_passed_jobs"], &done(rerun), &format!("{name}: rerun_passed_jobs"));
    for k in ["verdict", "scope", "failing_batch", "escalated"] {
        t.eq(&plan[k], &before[k], &format!("{name}: {k} stays as decided"));
    }
    let next = plan["next"].as_array().cloned().unwrap_or_default();
    let exp = expected(name);
    if exp["continue_commands"] == json!([]) {
        t.eq(json!(next), json!([]), &format!("{name}: next (nothing left to do)"));
    } else {
        t.eq(
            json!(next),
            json!([{"step": "continue", "jobs": exp["never_run"], "commands": exp["continue_commands"]}]),
            &format!("{name}: next (only the continue step, with the scenario's own batch scripts)"),
        );
    }
}

fn prompt_of(c: &Value) -> &str {
    c["prompt"].as_str().unwrap_or_default()
}

fn recover_all(t: &mut Soft, s: &Scenario) {
    let out = s.run("recover", &["--yes"]);
    t.eq(code(&out), 0, &format!("recover --yes exit code ({}{})", stdout(&out), stderr(&out)));
}

#[test]
fn reader_later_repairs_the_module_then_reruns_its_readers_in_batch_order() {
    let s = Scenario::copy("reader-later");
    s.generator(GOOD);
    let mut t = Soft::default();
    let before = s.plan();
    check_decided_as_expected(&mut t, "reader-later", &before);
    t.eq(
        states(&s),
        want_states(&[
            ("b1-models", "passed", "passed"),
            ("b1-money", "passed", "passed"),
            ("b2-tax", "failed", "failed"),
            ("b2-store", "passed", "passed"),
            ("b3-totals", "passed", "stale"),
            ("b3-csv", "passed", "passed"),
            ("b4-render", "passed", "stale"),
            ("b5-cli", "not_run", "not_run"),
        ]),
        "inspect before the recovery (id -> status, state)",
    );

    recover_all(&mut t, &s);
    t.eq(s.called_jobs(), vec!["b2-tax".to_string(), "b3-totals".into(), "b4-render".into()], "the generator's calls");
    let calls = s.calls();
    if let Some(c) = calls.first() {
        t.check(
            prompt_of(c) != s.read("_build/prompts/b2-tax.md"),
            "the repair sends a recovery prompt, not the original",
        );
        t.check(
            prompt_of(c).contains("File to create: invoicekit/tax.py"),
            "the repair prompt keeps `File to create:`",
        );
    }
    for (i, job) in [(1, "b3-totals"), (2, "b4-render")] {
        let original = s.read(&format!("_build/prompts/{job}.md"));
        if let Some(c) = calls.get(i) {
            t.eq(prompt_of(c), original.as_str(), &format!("{job}: the prompt the generator got is the original"));
        }
        let sent = std::fs::read_to_string(s.state().join(format!("attempts/{job}/1/prompt.md"))).unwrap_or_default();
        t.eq(sent, original, &format!("{job}: attempts/{job}/1/prompt.md is the original prompt"));
    }

    check_recovered(&mut t, "reader-later", &s, &before, &["b2-tax"], &["b3-totals", "b4-render"]);
    t.eq(
        states(&s),
        want_states(&[
            ("b1-models", "passed", "passed"),
            ("b1-money", "passed", "passed"),
            ("b2-tax", "failed", "repaired"),
            ("b2-store", "passed", "passed"),
            ("b3-totals", "passed", "rerun_passed"),
            ("b3-csv", "passed", "passed"),
            ("b4-render", "passed", "rerun_passed"),
            ("b5-cli", "not_run", "not_run"),
        ]),
        "inspect after the recovery (id -> status, state)",
    );
    check_journal(&mut t, &s, &[("b2-tax", "targeted_recovery"), ("b3-totals", "rerun"), ("b4-render", "rerun")]);
    let mut kinds: Vec<(String, String, String)> = s
        .attempts()
        .iter()
        .map(|(j, a)| {
            (j.clone(), a["kind"].as_str().unwrap_or("?").into(), a["outcome"].as_str().unwrap_or("?").into())
        })
        .collect();
    kinds.sort();
    let want = vec![
        ("b2-tax".to_string(), "targeted_recovery".to_string(), "passed".to_string()),
        ("b3-totals".into(), "rerun".into(), "passed".into()),
        ("b4-render".into(), "rerun".into(), "passed".into()),
    ];
    t.eq(kinds, want, "the ledger's attempts (job, kind, outcome)");

    // Nothing is left for recover-tui to run: a second recover runs nothing.
    let calls = s.calls().len();
    let attempts = s.attempts().len();
    let again = s.run("recover", &["--yes"]);
    t.eq(s.calls().len(), calls, &format!("a second recover ran the generator ({}{})", stdout(&again), stderr(&again)));
    t.eq(s.attempts().len(), attempts, "a second recover recorded an attempt");
    t.finish();
}

#[test]
fn independent_later_repairs_only_the_failed_job() {
    let s = Scenario::copy("independent-later");
    s.generator(GOOD);
    let mut t = Soft::default();
    let before = s.plan();
    check_decided_as_expected(&mut t, "independent-later", &before);

    recover_all(&mut t, &s);
    t.eq(s.called_jobs(), vec!["b2-importer".to_string()], "only the repair runs");
    check_recovered(&mut t, "independent-later", &s, &before, &["b2-importer"], &[]);
    t.eq(
        states(&s),
        want_states(&[
            ("b1-model", "passed", "passed"),
            ("b1-storage", "passed", "passed"),
            ("b2-importer", "failed", "repaired"),
            ("b2-stats", "passed", "passed"),
            ("b3-tags", "passed", "passed"),
            ("b3-shelves", "passed", "passed"),
        ]),
        "inspect after the recovery (id -> status, state)",
    );
    check_journal(&mut t, &s, &[("b2-importer", "targeted_recovery")]);
    t.finish();
}

#[test]
fn retry_transient_sends_the_original_prompt_unchanged() {
    let s = Scenario::copy("retry-transient");
    s.generator(GOOD);
    let mut t = Soft::default();
    let before = s.plan();
    check_decided_as_expected(&mut t, "retry-transient", &before);

    recover_all(&mut t, &s);
    t.eq(s.called_jobs(), vec!["b3-notify".to_string()], "the generator's calls");
    let original = s.read("_build/prompts/b3-notify.md");
    let sent = std::fs::read_to_string(s.state().join("attempts/b3-notify/1/prompt.md")).unwrap_or_default();
    t.eq(sent.as_str(), original.as_str(), "attempts/b3-notify/1/prompt.md is the original prompt");
    if let Some(c) = s.calls().first() {
        t.eq(prompt_of(c), original.as_str(), "the generator got the original prompt");
    }
    check_recovered(&mut t, "retry-transient", &s, &before, &["b3-notify"], &[]);
    let st = states(&s);
    t.eq(&st["b3-notify"], &("failed".to_string(), "repaired".to_string()), "b3-notify in inspect (status, state)");
    t.eq(&st["b3-report"], &("passed".to_string(), "passed".to_string()), "b3-report in inspect (status, state)");
    check_journal(&mut t, &s, &[("b3-notify", "retry_as_is")]);
    t.finish();
}

/// The public fixtures, recovered to the end by `recover --yes` alone.
#[test]
fn the_public_fixtures_recover_to_the_end() {
    let mut t = Soft::default();
    for name in ["notes-joblog", "sparkq-phase6", "real-codex-current", "shape-usage-limit"] {
        if !exists(name) {
            eprintln!("{name}: not found beside the repository; skipped");
            continue;
        }
        let s = Scenario::copy(name);
        s.generator(GOOD);
        let before = s.plan();
        let to_repair = ids(&before["rerun_jobs"]);
        let out = s.run("recover", &["--yes"]);
        t.eq(code(&out), 0, &format!("{name}: recover --yes exit code ({}{})", stdout(&out), stderr(&out)));
        let mut called = s.called_jobs();
        called.sort();
        let mut want = to_repair.clone();
        want.sort();
        t.eq(called, want, &format!("{name}: the generator ran the repairs"));
        let plan = s.plan();
        let done: Vec<Value> = to_repair.iter().map(|j| json!({"job": j, "attempt": 1})).collect();
        for (k, v) in [
            ("outcome", json!("recovered")),
            ("rerun_jobs", json!([])),
            ("rerun_jobs_after", json!([])),
            ("repaired_jobs", json!(done)),
            ("rerun_passed_jobs", json!([])),
            ("verdict", before["verdict"].clone()),
            ("scope", before["scope"].clone()),
        ] {
            t.eq(&plan[k], &v, &format!("{name}: {k} after the recovery"));
        }
        let next = plan["next"].as_array().cloned().unwrap_or_default();
        t.check(
            next.len() <= 1 && next.iter().all(|n| n["step"] == "continue"),
            format!("{name}: next is {next:?}, want at most a continue step"),
        );
        if before["verdict"] == "retry_as_is" {
            let v = s.inspect();
            for b in v["batches"].as_array().unwrap() {
                for j in
                    b["jobs"].as_array().unwrap().iter().filter(|j| to_repair.iter().any(|r| j["id"] == *r.as_str()))
                {
                    let id = j["id"].as_str().unwrap();
                    let original = s.read(j["prompt_source"].as_str().unwrap());
                    let sent = std::fs::read_to_string(s.state().join(format!("attempts/{id}/1/prompt.md")))
                        .unwrap_or_default();
                    t.eq(sent, original, &format!("{name}: {id} is retried with its original prompt"));
                }
            }
        }
        let st = states(&s);
        for j in &to_repair {
            t.eq(st[j].1.as_str(), "repaired", &format!("{name}: {j}'s state in inspect"));
        }
    }
    t.finish();
}

#[test]
fn a_stale_reader_waits_for_its_repair_and_then_reruns_alone() {
    let s = Scenario::copy("reader-later");
    s.generator(GOOD);
    let mut t = Soft::default();
    let out = s.run("recover", &["--job", "b3-totals", "--yes"]);
    let err = stderr(&out);
    t.check(code(&out) != 0, format!("a re-run before its repair must be refused: {}{err}", stdout(&out)));
    t.check(err.contains("b2-tax"), format!("the refusal names the repair to do first: {err}"));
    t.check(!err.contains("not in the decision's rerun list"), format!("b3-totals is in rerun_jobs_after: {err}"));
    t.eq(s.called_jobs(), Vec::<String>::new(), "nothing ran before the repair");
    t.check(
        !s.events().iter().any(|e| e.starts_with("attempt")),
        format!("no attempt was journalled: {:?}", s.events()),
    );

    let out = s.run("recover", &["--job", "b2-tax", "--yes"]);
    t.eq(code(&out), 0, &format!("the repair: {}{}", stdout(&out), stderr(&out)));
    let plan = s.plan();
    t.eq(&plan["outcome"], &json!("in_progress"), "outcome after the repair");
    t.eq(json!(ids(&plan["rerun_jobs_after"])), json!(["b3-totals", "b4-render"]), "rerun_jobs_after after the repair");
    t.eq(&plan["next"][0]["step"], &json!("rerun"), "the next step after the repair");

    let out = s.run("recover", &["--job", "b3-totals", "--yes"]);
    t.eq(code(&out), 0, &format!("the re-run after the repair: {}{}", stdout(&out), stderr(&out)));
    t.eq(s.called_jobs(), vec!["b2-tax".to_string(), "b3-totals".into()], "the generator's calls");
    let sent = std::fs::read_to_string(s.state().join("attempts/b3-totals/1/prompt.md")).unwrap_or_default();
    t.eq(sent, s.read("_build/prompts/b3-totals.md"), "b3-totals re-runs with its original prompt");
    let plan = s.plan();
    t.eq(json!(ids(&plan["rerun_jobs_after"])), json!(["b4-render"]), "rerun_jobs_after after one re-run");
    t.eq(
        &plan["rerun_passed_jobs"],
        &json!([{"job": "b3-totals", "attempt": 1}]),
        "rerun_passed_jobs after one re-run",
    );
    t.eq(&plan["outcome"], &json!("in_progress"), "outcome after one re-run");

    let out = s.run("recover", &["--job", "b4-render", "--yes"]);
    t.eq(code(&out), 0, &format!("the last re-run: {}{}", stdout(&out), stderr(&out)));
    t.eq(&s.plan()["outcome"], &json!("recovered"), "outcome at the end");
    t.finish();
}

/// Every path under `root`, with its size and modification time.
fn tree(root: &std::path::Path) -> Vec<(String, u64, std::time::SystemTime)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            out.push((e.path().display().to_string(), m.len(), m.modified().unwrap()));
            if m.is_dir() {
                stack.push(e.path());
            }
        }
    }
    out.sort();
    out
}

#[test]
fn plan_and_inspect_create_nothing() {
    let mut t = Soft::default();
    for name in ["reader-later", "independent-later", "retry-transient"] {
        let s = Scenario::copy(name);
        let before = tree(&s.root);
        for (sub, args) in
            [("plan", vec![]), ("plan", vec!["--json"]), ("inspect", vec![]), ("inspect", vec!["--json"])]
        {
            let out = s.run(sub, &args);
            t.eq(code(&out), 0, &format!("{name}: `{sub} {}` exit code ({})", args.join(" "), stderr(&out)));
            if s.state().exists() {
                t.fail(format!("{name}: `{sub} {}` left {} behind", args.join(" "), s.state().display()));
                std::fs::remove_dir_all(s.state()).unwrap();
            }
        }
        t.check(tree(&s.root) == before, format!("{name}: plan and inspect changed the project"));
    }
    t.finish();
}

fn overridden(plan: &Value, q: &str) -> Value {
    plan["rationale"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == q)
        .map(|s| s["overridden"].clone())
        .unwrap_or(Value::Null)
}

#[test]
fn override_q2_no_keeps_the_readers_and_clear_brings_the_decision_back() {
    let s = Scenario::copy("reader-later");
    let before = s.plan();
    let reason = "totals.py only names the functions of tax.py; their signatures do not change";
    let out = s.run("override", &["Q2", "no", "--reason", reason]);
    assert_eq!(code(&out), 0, "override: {}{}", stdout(&out), stderr(&out));
    let after = s.plan();
    assert_eq!(after["verdict"], "targeted_recovery");
    assert_eq!(after["scope"], "fix_then_continue", "batch 5 still has to run");
    assert_eq!(after["preserved_batches"], json!([1, 3, 4]));
    assert_eq!(after["rerun_batches_after"], json!([]));
    assert_eq!(after["rerun_jobs_after"], json!([]));
    assert_eq!(after["continue_from_batch"], 5);
    assert_eq!(after["rerun_jobs"], before["rerun_jobs"]);
    assert_eq!(overridden(&after, "Q2"), json!(reason), "the trail shows the override");
    let j = s.journal();
    let last = j.iter().rev().find(|e| e["event"] == "overridden").unwrap_or_else(|| panic!("not journalled: {j:#?}"));
    assert!(last.to_string().contains(reason), "{last}");

    let out = s.run("override", &["--clear", "Q2"]);
    assert_eq!(code(&out), 0, "override --clear: {}{}", stdout(&out), stderr(&out));
    assert_eq!(s.plan(), before, "--clear Q2 brings the decision as logged back");
}

#[test]
fn override_q2_yes_makes_every_later_job_rerun_and_clear_brings_the_decision_back() {
    let s = Scenario::copy("independent-later");
    let before = s.plan();
    let reason = "the importer's rows feed the shelves file";
    let out = s.run("override", &["Q2", "yes", "--reason", reason]);
    assert_eq!(code(&out), 0, "override: {}{}", stdout(&out), stderr(&out));
    let after = s.plan();
    assert_eq!(after["verdict"], "targeted_recovery");
    assert_eq!(after["scope"], "fix_then_continue");
    assert_eq!(after["preserved_batches"], json!([1]));
    assert_eq!(after["rerun_batches_after"], json!([3]));
    assert_eq!(json!(ids(&after["rerun_jobs_after"])), json!(["b3-shelves", "b3-tags"]));
    assert_eq!(after["continue_from_batch"], 3);
    assert_eq!(overridden(&after, "Q2"), json!(reason));
    assert!(s.events().contains(&"overridden".to_string()), "{:?}", s.events());

    let out = s.run("override", &["--clear", "Q2"]);
    assert_eq!(code(&out), 0, "override --clear: {}{}", stdout(&out), stderr(&out));
    assert_eq!(s.plan(), before);
}

/// Every file under the state dir with its bytes, but the lock (which names the holder).
fn state_files(s: &Scenario) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = tree(&s.state())
        .into_iter()
        .map(|(p, _, _)| p)
        .filter(|p| std::path::Path::new(p).is_file() && !p.ends_with("/lock"))
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap_or_default();
            (p, bytes)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_second_instance_refuses_every_write_and_writes_nothing() {
    let s = Scenario::copy("independent-later");
    s.generator(SLEEPER);
    let mut reaper = Reaper::default();
    let mut first = s.spawn("recover", &["--job", "b2-importer", "--yes"]);
    let pid = first.id() as i32;
    reaper.pids.push(pid);
    wait_for(60, "the generator to start", || s.generator_pid().is_some());
    reaper.pids.push(s.generator_pid().unwrap());
    wait_for(10, "attempt_started in the journal", || s.events().iter().any(|e| e == "attempt_started"));
    let ledger = s.state_bytes("ledger.json");
    let files = state_files(&s);

    let mut failures = Vec::new();
    let writes: [&[&str]; 5] = [
        &["checklist", "--confirm", "dependencies_reviewed"],
        &["override", "Q2", "yes", "--reason", "second instance"],
        &["snapshot"],
        &["recover", "--job", "b2-importer", "--yes"],
        &["recover", "--yes"],
    ];
    for w in writes {
        let out = s.run(w[0], &w[1..]);
        let err = stderr(&out);
        if code(&out) == 0 || !err.contains("read-only") || !err.contains(&format!("pid {pid}")) {
            failures.push(format!("`{}` exited {} with: {}{err}", w.join(" "), code(&out), stdout(&out)));
        }
    }
    assert!(first.try_wait().unwrap().is_none(), "the first recover is still running");
    let ledger_after = s.state_bytes("ledger.json");
    let files_after = state_files(&s);

    signal(pid, libc::SIGKILL);
    let _ = wait_exit(&mut first, 30);
    drop(reaper);
    assert!(
        failures.is_empty(),
        "writes the second instance did not refuse as read-only (pid {pid}):\n{}",
        failures.join("\n")
    );
    assert!(ledger == ledger_after, "the second instance changed the ledger");
    let names = |f: &[(String, Vec<u8>)]| f.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&files_after), names(&files), "the second instance added or removed state files");
    assert!(files == files_after, "the second instance changed a state file");
}

/// A batch that never ran continues the way the user's own script runs it (its joblog and its
/// validation included), not through a bare `parallel < batchN.cmds`.
#[test]
fn continue_runs_the_users_own_batch_script() {
    if !exists("shape-usage-limit") {
        eprintln!("shape-usage-limit: not found beside the repository; skipped");
        return;
    }
    let s = Scenario::copy("shape-usage-limit");
    let plan = s.plan();
    let next = plan["next"].as_array().unwrap();
    let cont = next.iter().find(|n| n["step"] == "continue").unwrap_or_else(|| panic!("no continue step: {next:?}"));
    assert_eq!(cont["commands"], json!(["bash _build/run-batch4.sh"]), "{cont}");
}
