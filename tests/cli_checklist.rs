//! `recover-tui checklist`: the ten items, JSON, and --confirm / --waive into ledger and journal.

mod cli_common;
use cli_common::{code, json, stderr, stdout, Project};

#[test]
fn lists_the_ten_items_with_their_states() {
    let p = Project::copy("notes-joblog");
    let out = p.run("checklist", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains(" 1. [passed   ] Failure boundary identified"), "{text}");
    assert!(text.contains(" 5. [pending  ] Dependencies of later batches on the failing batch reviewed"), "{text}");
    assert!(text.contains(" 7. [failed   ] Snapshot of the batch output taken"), "{text}");
    assert!(text.contains("10. [passed   ] Recovery is cheaper than a restart"), "{text}");
    assert!(text.contains("      b2-1: notes/render.py"), "{text}");
    assert!(text.contains("Not satisfied: 5 Dependencies"), "{text}");
}

#[test]
fn json_has_schema_items_and_satisfied() {
    let p = Project::copy("notes-joblog");
    let v = json(&p.run("checklist", &["--json"]));
    assert_eq!(v["schema"], "recover-tui/checklist@1");
    assert_eq!(v["satisfied"], false);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 10);
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!(ids[0], "boundary");
    assert_eq!(ids[9], "cheaper_than_restart");
    assert_eq!(items[4]["kind"], "confirm");
    assert_eq!(items[4]["state"], "pending");
    assert_eq!(items[6]["state"], "failed");
}

#[test]
fn confirm_and_waive_are_recorded_in_ledger_and_journal() {
    let p = Project::copy("notes-joblog");
    let out = p.run(
        "checklist",
        &["--confirm", "dependencies_reviewed", "--waive", "6", "--reason", "a missing colon", "--json"],
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["items"][4]["state"], "confirmed");
    assert_eq!(v["items"][4]["by"], "tester");
    assert_eq!(v["items"][5]["state"], "waived");
    assert_eq!(v["items"][5]["reason"], "a missing colon");

    let ledger = p.ledger();
    assert_eq!(ledger["checklist"]["dependencies_reviewed"]["state"], "confirmed");
    assert_eq!(ledger["checklist"]["dependencies_reviewed"]["by"], "tester");
    assert!(ledger["checklist"]["dependencies_reviewed"]["at"].as_str().unwrap().starts_with("20"));
    assert_eq!(ledger["checklist"]["not_architectural"]["state"], "waived");
    assert_eq!(ledger["checklist"]["not_architectural"]["reason"], "a missing colon");

    let j = p.journal();
    assert_eq!(j[0]["event"], "confirmed");
    assert_eq!(j[0]["item"], "dependencies_reviewed");
    assert_eq!(j[0]["by"], "tester");
    assert_eq!(j[1]["event"], "waived");
    assert_eq!(j[1]["item"], "not_architectural");
    assert_eq!(j[1]["reason"], "a missing colon");

    // Only the snapshot is missing now; taking it satisfies the checklist.
    let out = p.run("snapshot", &[]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let v = json(&p.run("checklist", &["--json"]));
    assert_eq!(v["satisfied"], true);
    let text = stdout(&p.run("checklist", &[]));
    assert!(text.contains("      waived by tester at 20"), "{text}");
    assert!(text.contains(": a missing colon"), "{text}");
    assert!(text.contains("Satisfied: every item is passed, confirmed or waived."), "{text}");
}

#[test]
fn confirming_an_auto_item_is_refused_and_nothing_is_written() {
    let p = Project::copy("notes-joblog");
    let out = p.run("checklist", &["--confirm", "5", "--confirm", "snapshot_taken"]);
    assert_eq!(code(&out), 2);
    assert_eq!(
        stderr(&out).trim(),
        "recover-tui: checklist item 7 (snapshot_taken) is checked automatically and cannot be confirmed; waive it with --waive snapshot_taken --reason TEXT"
    );
    assert!(!p.state().join("ledger.json").exists());
    assert!(p.journal().is_empty());
}

#[test]
fn bad_ids_and_missing_reasons_are_bad_input() {
    let p = Project::copy("notes-joblog");
    let out = p.run("checklist", &["--confirm", "dependencies"]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("there is no checklist item `dependencies`: the items are boundary, outputs_named"),
        "{}",
        stderr(&out)
    );
    let out = p.run("checklist", &["--waive", "6"]);
    assert_eq!(code(&out), 2);
    assert!(stderr(&out).contains("--waive was given 1 time(s) and --reason 0 time(s)"), "{}", stderr(&out));
    let out = p.run("checklist", &["--waive", "6", "--reason", "  "]);
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("the reason for waiving checklist item 6 (not_architectural) is empty"),
        "{}",
        stderr(&out)
    );
}
