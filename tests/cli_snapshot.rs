//! `snapshot`, `snapshots`, `diff`, `restore`, `check` on a copy of notes-joblog.

mod cli_common;
use cli_common::{code, json, stderr, stdout, Project};

const BROKEN: &str = "from notes.model import Note\n\n\ndef render(note: Note) -> str\n";

fn snapshot(p: &Project, args: &[&str]) -> String {
    let out = p.run("snapshot", args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let id = text.lines().last().unwrap().to_string();
    assert_eq!(id.len(), 25, "{text}");
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'), "{id}");
    id
}

#[test]
fn snapshot_prints_a_summary_and_the_id_last_and_is_listed() {
    let p = Project::copy("notes-joblog");
    let out = p.run("snapshot", &[]);
    let text = stdout(&out);
    assert!(text.starts_with("Snapshot (outputs of the jobs to repair): 1 file, "), "{text}");
    assert!(text.contains("  notes/render.py  "), "{text}");
    let id = text.lines().last().unwrap();
    assert!(p.state().join("snapshots/manifests").join(format!("{id}.json")).is_file());

    let batch = snapshot(&p, &["--batch", "2"]);
    let job = snapshot(&p, &["--job", "b3-2"]);
    let v = json(&p.run("snapshots", &["--json"]));
    assert_eq!(v["schema"], "recover-tui/snapshots@1");
    let list = v["snapshots"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list[0]["id"], id);
    assert_eq!(list[0]["paths"], serde_json::json!(["notes/render.py"]));
    assert_eq!(list[1]["id"], batch.as_str());
    assert_eq!(list[1]["batch"], 2);
    assert_eq!(list[1]["paths"], serde_json::json!(["notes/export.py", "notes/render.py", "notes/search.py"]));
    assert_eq!(list[2]["id"], job.as_str());
    assert_eq!(list[2]["job"], "b3-2");
    assert_eq!(list[2]["paths"], serde_json::json!(["README.md"]));
    let text = stdout(&p.run("snapshots", &[]));
    assert!(text.contains(&format!("{batch}  ")), "{text}");
    assert!(text.contains("batch 2"), "{text}");
    assert_eq!(p.events(), ["snapshot", "snapshot", "snapshot"]);
}

#[test]
fn unknown_job_or_batch_is_bad_input() {
    let p = Project::copy("notes-joblog");
    let out = p.run("snapshot", &["--batch", "9"]);
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out).trim(), "recover-tui: there is no batch 9 in the run (batches: 1, 2, 3)");
    let out = p.run("snapshot", &["--job", "zz"]);
    assert_eq!(code(&out), 2);
    assert_eq!(stderr(&out).trim(), "recover-tui: job `zz` is not in the run; its failed jobs are b2-1");
}

#[test]
fn diff_shows_changes_since_the_snapshot_only_for_the_job() {
    let p = Project::copy("notes-joblog");
    let id = snapshot(&p, &["--batch", "2"]);
    p.write("notes/render.py", BROKEN.replace("-> str\n", "-> str:\n    return note.title\n").as_bytes());
    let out = p.run("diff", &[&id]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("--- a/notes/render.py\n+++ b/notes/render.py\n@@ "), "{text}");
    assert!(text.contains("\n-def render(note: Note) -> str\n"), "{text}");
    assert!(text.contains("\n+def render(note: Note) -> str:\n+    return note.title\n"), "{text}");
    assert!(stderr(&out).contains("1 file changed, +2 -3"), "{}", stderr(&out));
    // --color always paints it, even into a pipe; never (and auto into a pipe) does not.
    let colour = stdout(&p.run("diff", &[&id, "--color", "always"]));
    assert!(colour.starts_with("\x1b[1m--- a/notes/render.py\x1b[0m\n"), "{colour:?}");
    assert!(colour.contains("\n\x1b[31m-def render(note: Note) -> str\x1b[0m\n"), "{colour:?}");
    assert!(colour.contains("\n\x1b[32m+def render(note: Note) -> str:\x1b[0m\n"), "{colour:?}");
    assert_eq!(stdout(&p.run("diff", &[&id, "--color", "never"])), text);
    let out = p.run("diff", &[&id, "--job", "b2-2"]);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("no differences"), "{}", stderr(&out));

    // Against a later snapshot; binary content is reported as such.
    p.write("notes/render.py", b"\x00\x01binary\xff");
    let later = snapshot(&p, &["--job", "b2-1"]);
    let out = p.run("diff", &[&id, "--against", &later, "--job", "b2-1"]);
    assert_eq!(code(&out), 0);
    assert_eq!(stdout(&out), "Binary files a/notes/render.py and b/notes/render.py differ (179 -> 9 bytes)\n");
}

#[test]
fn restore_writes_back_prints_the_undo_id_and_is_journaled() {
    let p = Project::copy("notes-joblog");
    let original = p.read("notes/render.py");
    let id = snapshot(&p, &[]);
    p.write("notes/render.py", b"changed\n");
    let out = p.run("restore", &[&id]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(&format!(
            "Restored snapshot {id}: 1 written, 0 deleted, 0 unchanged.\n  wrote    notes/render.py\n"
        )),
        "{text}"
    );
    assert_eq!(p.read("notes/render.py"), original);
    let undo =
        text.lines().last().unwrap().strip_prefix("Undo snapshot: ").unwrap().split(' ').next().unwrap().to_string();
    let j = p.journal();
    let last = j.last().unwrap();
    assert_eq!(last["event"], "restore");
    assert_eq!(last["snapshot"], id.as_str());
    assert_eq!(last["undo_snapshot"], undo.as_str());
    assert_eq!(last["written"], 1);
    // The undo snapshot brings the change back.
    assert_eq!(code(&p.run("restore", &[&undo])), 0);
    assert_eq!(p.read("notes/render.py"), "changed\n");
}

#[test]
fn restore_refuses_while_another_restore_is_pending() {
    let p = Project::copy("notes-joblog");
    let id = snapshot(&p, &[]);
    let stage = p.state().join("restore-staging/20261125T000000Z-00000000");
    std::fs::create_dir_all(&stage).unwrap();
    std::fs::write(stage.join("plan.json"), "{}").unwrap();
    let out = p.run("restore", &[&id]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("an interrupted restore of snapshot 20261125T000000Z-00000000 is pending"), "{err}");
    assert!(err.trim_end().ends_with("; to complete it pass --resume"), "{err}");
    let out = p.run("restore", &[&id, "--resume"]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.contains("the interrupted restore is of snapshot 20261125T000000Z-00000000, not"), "{err}");
    assert!(!p.events().contains(&"restore".to_string()));
}

#[test]
fn check_is_clean_then_names_a_corrupt_blob_with_exit_1() {
    let p = Project::copy("notes-joblog");
    snapshot(&p, &[]);
    let out = p.run("check", &[]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).trim_end().ends_with("1 snapshot manifest(s) and 1 blob(s) verified; no problems."),
        "{}",
        stdout(&out)
    );

    let blobs = p.state().join("snapshots/blobs");
    let dir = std::fs::read_dir(&blobs).unwrap().next().unwrap().unwrap().path();
    let blob = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(&blob).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&blob, bytes).unwrap();
    let out = p.run("check", &[]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    assert!(text.starts_with(&format!("{}: corrupt: content hashes to ", blob.display())), "{text}");
    assert!(text.contains("notes/render.py"), "{text}");
    assert!(text.trim_end().ends_with("; 1 problem(s)."), "{text}");
}

#[test]
fn state_dir_flag_is_honoured() {
    let p = Project::copy("notes-joblog");
    let elsewhere = p.tmp.path().join("elsewhere");
    let out = p.cmd().args(["snapshot"]).arg(&p.root).arg("--state-dir").arg(&elsewhere).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let id = stdout(&out).lines().last().unwrap().to_string();
    assert!(elsewhere.join("snapshots/manifests").join(format!("{id}.json")).is_file());
    assert!(!p.state().join("snapshots").exists());
    let v = json(&p.cmd().args(["snapshots", "--json", "--state-dir"]).arg(&elsewhere).arg(&p.root).output().unwrap());
    assert_eq!(v["snapshots"][0]["id"], id.as_str());
    let out = p.cmd().arg("check").arg(&p.root).arg("--state-dir").arg(&elsewhere).output().unwrap();
    assert_eq!(code(&out), 0, "{}", stdout(&out));
}
