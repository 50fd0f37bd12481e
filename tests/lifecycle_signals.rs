//! Interruptions of a running `recover` (DESIGN.md §11, §12), through the real binary on the
//! `independent-later` scenario with a generator that writes its pid and sleeps: SIGTERM and
//! SIGHUP end the generator, record the attempt `aborted` and release the lock; after a
//! `kill -9` the next writing command records the attempt `interrupted`; and a second attempt
//! right after a failed one is not refused by checklist item 8.

mod lifecycle_common;
use lifecycle_common::*;

const JOB: &str = "b2-importer";

/// Start `recover --job b2-importer --yes` with the sleeping generator and wait until the
/// generator runs and the attempt is journalled. Returns the child and the generator's pid.
fn start(s: &Scenario, reaper: &mut Reaper) -> (std::process::Child, i32) {
    s.generator(SLEEPER);
    let child = s.spawn("recover", &["--job", JOB, "--yes"]);
    reaper.pids.push(child.id() as i32);
    wait_for(60, "the generator to write its pid", || s.generator_pid().is_some());
    let gpid = s.generator_pid().unwrap();
    reaper.pids.push(gpid);
    wait_for(10, "attempt_started in the journal", || {
        s.journal().iter().any(|e| e["event"] == "attempt_started" && e["job"] == JOB)
    });
    assert!(alive(gpid), "the generator runs");
    (child, gpid)
}

fn outcomes(s: &Scenario) -> Vec<String> {
    s.attempts().iter().map(|(_, a)| a["outcome"].as_str().unwrap_or("?").to_string()).collect()
}

fn ended(s: &Scenario) -> Vec<String> {
    s.journal()
        .iter()
        .filter(|e| e["event"] == "attempt_ended" && e["job"] == JOB)
        .map(|e| e["outcome"].as_str().unwrap_or("?").to_string())
        .collect()
}

fn a_signal_aborts_the_attempt(sig: i32, name: &str) {
    let s = Scenario::copy("independent-later");
    let mut reaper = Reaper::default();
    let (mut child, gpid) = start(&s, &mut reaper);
    signal(child.id() as i32, sig);
    let status = wait_exit(&mut child, 30);
    // The generator is gone when recover has exited (a moment for /proc to agree).
    let gone = (0..100).any(|_| {
        if alive(gpid) {
            std::thread::sleep(std::time::Duration::from_millis(20));
            false
        } else {
            true
        }
    });
    let err = s.spawned_stderr("recover");
    drop(reaper);
    assert!(gone, "{name}: the generator (pid {gpid}) outlived recover ({status}); stderr: {err}");
    assert_eq!(outcomes(&s), ["aborted"], "{name}: the ledger's attempt ({status}); stderr: {err}");
    assert!(!recover_tui::store::lock::held(&s.state()), "{name}: the lock is still held ({status})");
    assert_eq!(ended(&s), ["aborted"], "{name}: attempt_ended in the journal");
}

#[test]
fn sigterm_to_recover_ends_the_generator_and_records_the_attempt_aborted() {
    a_signal_aborts_the_attempt(libc::SIGTERM, "SIGTERM");
}

#[test]
fn sighup_to_recover_ends_the_generator_and_records_the_attempt_aborted() {
    a_signal_aborts_the_attempt(libc::SIGHUP, "SIGHUP");
}

#[test]
fn after_kill_9_the_next_writing_command_records_the_attempt_interrupted() {
    let s = Scenario::copy("independent-later");
    let mut reaper = Reaper::default();
    let (mut child, gpid) = start(&s, &mut reaper);
    signal(child.id() as i32, libc::SIGKILL);
    let _ = wait_exit(&mut child, 30);
    // The orphaned generator: end it ourselves, as a user would.
    if alive(gpid) {
        signal(gpid, libc::SIGKILL);
    }
    wait_for(10, "the orphaned generator to end", || !alive(gpid));
    drop(reaper);
    assert_eq!(outcomes(&s), ["running"], "what the kill left in the ledger");

    let out = s.run("checklist", &["--confirm", "dependencies_reviewed"]);
    assert_eq!(code(&out), 0, "checklist --confirm: {}{}", stdout(&out), stderr(&out));
    let o = outcomes(&s);
    assert!(!o.iter().any(|x| x == "running"), "an attempt is still running in the ledger: {o:?}");
    assert_eq!(o.iter().filter(|x| *x == "interrupted").count(), 1, "one interrupted attempt: {o:?}");
    assert_eq!(ended(&s), ["interrupted"], "attempt_ended in the journal");
    // An interrupted attempt is not a failed recovery.
    let plan = s.plan();
    assert_eq!(plan["escalated"], false);
    assert_eq!(plan["verdict"], "targeted_recovery");
}

#[test]
fn a_second_attempt_right_after_a_failed_one_is_not_refused_by_item_8() {
    let s = Scenario::copy("independent-later");
    s.generator(STILL_BROKEN);
    let out = s.run("recover", &["--job", JOB, "--yes"]);
    assert_eq!(code(&out), 1, "the first attempt fails: {}{}", stdout(&out), stderr(&out));
    assert_eq!(outcomes(&s), ["failed"]);
    // At once: the output was just written by recover-tui's own attempt.
    let out = s.run("recover", &["--job", JOB, "--yes"]);
    let err = stderr(&out);
    assert!(
        !err.contains("no_generation_running") && !err.contains("modified in the last"),
        "item 8 refused the second attempt: {err}"
    );
    assert_eq!(s.called_jobs(), [JOB, JOB], "the second attempt ran: {}{err}", stdout(&out));
    assert_eq!(outcomes(&s), ["failed", "failed"]);
}
