//! The pictures against a `Buffer`, on decisions the real `core::decide` takes on small runs
//! built here: what a user reads in them (the path marker on exactly the path's nodes, the
//! deciding rule's mark, an overridden answer's mark, the failed job's bar where it ran).

use super::flowchart::{self, Flowchart, Form, DECIDES, OVERRIDDEN, PATH};
use super::timeline::{self, Timeline};
use crate::core::cost::Prices;
use crate::core::decide::{decide, Decision, History, Input, Override, Overrides, Thresholds, Verdict};
use crate::core::flow::flow;
use crate::core::model::{Batch, Finding, Job, JobResult, Prompt, Run, Status, TokenUsage};
use crate::core::status::JobState;
use crate::tui::theme::Theme;
use chrono::{TimeZone, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

fn finding(file: &str, ty: &str, msg: &str, class: &str) -> Finding {
    Finding {
        file: Some(file.into()),
        line: Some(3),
        error_type: ty.into(),
        message: msg.into(),
        source: "validation.md:3".into(),
        class: Some(class.into()),
    }
}

fn job(id: &str, batch: u32, out: &str, tokens: u64) -> Job {
    Job {
        id: id.into(),
        batch,
        outputs: vec![out.into()],
        prompt: Some(Prompt { text: format!("Task: write {out}\n"), source: "script.sh:3".into() }),
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

fn run_of(jobs: Vec<Job>) -> Run {
    let mut batches: Vec<Batch> = Vec::new();
    for j in jobs {
        match batches.iter_mut().find(|b| b.number == j.batch) {
            Some(b) => b.jobs.push(j),
            None => batches.push(Batch {
                number: j.batch,
                name: format!("Batch {}", j.batch),
                jobs: vec![j],
                ..Batch::default()
            }),
        }
    }
    Run { title: "test phase".into(), batches, ..Run::default() }
}

/// Three batches; the last one's API test fails with `finding`.
fn run_failing_with(f: Finding) -> Run {
    let mut failed = job("b3-api-tests", 3, "tests/test_api.py", 13000);
    failed.result.status = Status::Failed;
    failed.result.findings.push(f);
    run_of(vec![
        job("b1-models", 1, "app/models.py", 12000),
        job("b1-storage", 1, "app/storage.py", 14000),
        job("b2-api", 2, "app/api.py", 16000),
        job("b2-cli", 2, "app/cli.py", 11000),
        job("b3-storage-tests", 3, "tests/test_storage.py", 15000),
        failed,
    ])
}

fn import_error() -> Finding {
    finding("tests/test_api.py", "ModuleNotFoundError", "No module named 'app.api'", "import")
}

fn architectural() -> Finding {
    finding("tests/test_api.py", "OperationalError", "no such column: tasks.priority", "architectural")
}

fn transient() -> Finding {
    Finding {
        file: Some("tests/test_api.py".into()),
        line: None,
        error_type: "agent_error".into(),
        message: "exceeded retry limit, last status: 429 Too Many Requests".into(),
        source: "logs/b3-api-tests.jsonl".into(),
        class: Some("transient".into()),
    }
}

fn decided(run: &Run, overrides: &Overrides) -> Decision {
    let history = History::default();
    let input =
        Input { run, history: &history, thresholds: Thresholds::default(), overrides, prices: Prices::default() };
    decide(&input).expect("a job failed")
}

fn lines(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect::<String>().trim_end().to_string())
        .collect()
}

fn chart(d: &Decision, w: u16, h: u16, selected: usize) -> Vec<String> {
    let fl = flow(d);
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    let theme = Theme::plain();
    (&Flowchart { flow: &fl, selected, theme: &theme }).render(area, &mut buf);
    lines(&buf)
}

/// The compact chart's rows, one per node then the verdict: (id, has the path marker, row).
fn compact_rows(d: &Decision) -> Vec<(String, bool, String)> {
    let rows = chart(d, 56, 11, 0);
    let ids: Vec<String> = d.rationale.iter().map(|s| s.step.to_string()).chain(["verdict".to_string()]).collect();
    assert_eq!(rows.len(), ids.len());
    ids.into_iter().zip(rows).map(|(id, row)| (id, row.contains(PATH), row)).collect()
}

fn marked(rows: &[(String, bool, String)]) -> Vec<&str> {
    rows.iter().filter(|r| r.1).map(|r| r.0.as_str()).collect()
}

#[test]
fn a_targeted_recovery_passes_every_node_and_r7_decides() {
    let d = decided(&run_failing_with(import_error()), &Overrides::default());
    assert_eq!(d.verdict, Verdict::TargetedRecovery);
    let rows = compact_rows(&d);
    assert_eq!(marked(&rows), ["Q1", "Q2", "Q3", "R1", "R2", "R3", "R4", "R5", "R6", "R7", "verdict"]);
    assert!(rows[0].2.starts_with("┌▶ Q1  Failure boundary"), "{}", rows[0].2);
    assert!(rows[0].2.contains("batch 3 failed"), "{}", rows[0].2);
    assert!(rows[9].2.starts_with("├▶ R7") && rows[9].2.ends_with(DECIDES), "{}", rows[9].2);
    assert_eq!(rows.iter().filter(|r| r.2.contains(DECIDES)).count(), 1);
    assert_eq!(rows[10].2, "└▶ TARGETED RECOVERY");
    assert!(rows.iter().all(|r| !r.2.contains(OVERRIDDEN)));
}

#[test]
fn a_retry_stops_at_r6_and_dims_r7() {
    let d = decided(&run_failing_with(transient()), &Overrides::default());
    assert_eq!(d.verdict, Verdict::RetryAsIs);
    let rows = compact_rows(&d);
    assert_eq!(marked(&rows), ["Q1", "Q2", "Q3", "R1", "R2", "R3", "R4", "R5", "R6", "verdict"]);
    assert!(rows[8].2.starts_with("├▶ R6  Transient") && rows[8].2.ends_with(DECIDES), "{}", rows[8].2);
    assert!(rows[9].2.starts_with("│  R7"), "{}", rows[9].2);
    assert_eq!(rows[10].2, "└▶ RETRY AS IS");
}

#[test]
fn a_full_restart_by_rule_2_leaves_the_later_rules_off_the_path() {
    let d = decided(&run_failing_with(architectural()), &Overrides::default());
    assert_eq!(d.verdict, Verdict::FullRestart);
    let rows = compact_rows(&d);
    assert_eq!(marked(&rows), ["Q1", "Q2", "Q3", "R1", "R2", "verdict"]);
    assert!(rows[2].2.contains("Systemic?") && rows[2].2.contains("yes"), "{}", rows[2].2);
    assert!(rows[4].2.starts_with("├▶ R2  Systemic") && rows[4].2.ends_with(DECIDES), "{}", rows[4].2);
    for r in &rows[5..10] {
        assert!(r.2.starts_with("│  R"), "{}", r.2);
    }
    assert_eq!(rows[10].2, "└▶ FULL RESTART");
}

#[test]
fn an_overridden_answer_is_marked_and_the_path_follows_it() {
    let mut o = Overrides::default();
    o.answers.insert("Q3".into(), Override { answer: false, reason: "only the fixture is stale".into() });
    let d = decided(&run_failing_with(architectural()), &o);
    assert_eq!(d.verdict, Verdict::TargetedRecovery);
    let rows = compact_rows(&d);
    assert!(rows[2].2.starts_with("├▶ Q3") && rows[2].2.ends_with(OVERRIDDEN), "{}", rows[2].2);
    assert_eq!(rows.iter().filter(|r| r.2.contains(OVERRIDDEN)).count(), 1);
    assert_eq!(marked(&rows).len(), 11, "the path now runs to R7");
    assert!(rows[9].2.ends_with(DECIDES), "{}", rows[9].2);
    // In boxes, the mark sits on the lower edge of Q3's box, whole.
    let fl = flow(&d);
    let q3 = flowchart::places(&fl, Rect::new(0, 0, 70, 35), 0)[2].expect("Q3 drawn");
    let rows = chart(&d, 70, 35, 0);
    assert!(rows[(q3.bottom() - 1) as usize].contains(OVERRIDDEN), "{}", rows[(q3.bottom() - 1) as usize]);
}

#[test]
fn with_room_the_chart_is_boxes_with_the_verdict_beside_the_deciding_rule() {
    let d = decided(&run_failing_with(architectural()), &Overrides::default());
    let fl = flow(&d);
    let area = Rect::new(0, 0, 70, 35);
    assert_eq!(flowchart::form(&fl, area), Form::Boxes);
    assert_eq!(flowchart::form(&fl, Rect::new(0, 0, 44, 15)), Form::Compact);
    let rows = chart(&d, 70, 35, 0);
    let places = flowchart::places(&fl, area, 0);
    let r2 = places[4].expect("R2 drawn");
    let r3 = places[5].expect("R3 drawn");
    let verdict = places[10].expect("verdict drawn");
    // The boxes on the path are titled with the marker, the others not.
    assert!(rows[0].contains(&format!("{PATH} Q1")) && rows[0].contains(&format!("{PATH} Q3")), "{}", rows[0]);
    assert!(rows[r2.y as usize].contains(&format!("{PATH} R2")), "{}", rows[r2.y as usize]);
    assert!(rows.iter().any(|r| r.contains("repair?")), "Q2's whole question shows: {rows:?}");
    let r3_top = &rows[r3.y as usize];
    assert!(r3_top.contains(" R3 ") && !r3_top.contains(PATH), "{r3_top}");
    // The deciding rule says so on its lower edge, and its arrow leads to the verdict beside it.
    assert!(rows[(r2.y + 2) as usize].contains(DECIDES), "{}", rows[(r2.y + 2) as usize]);
    assert_eq!(verdict.y, r2.y);
    let middle = &rows[(r2.y + 1) as usize];
    assert!(
        middle.contains("Systemic: yes") && middle.contains("━━━━▶") && middle.contains("FULL RESTART"),
        "{middle}"
    );
    // Clicking a box selects its node.
    assert_eq!(flowchart::node_at(&fl, area, 0, r3.x + 2, r3.y + 1), Some(5));
    assert_eq!(flowchart::node_at(&fl, area, 0, verdict.x + 1, verdict.y + 1), Some(10));
}

#[test]
fn the_chart_never_panics_in_a_tiny_area_or_with_a_selection_out_of_range() {
    let d = decided(&run_failing_with(import_error()), &Overrides::default());
    for (w, h) in [(0, 0), (1, 1), (3, 1), (10, 2), (20, 4), (59, 33), (60, 34), (200, 60)] {
        let rows = chart(&d, w, h, 99);
        assert_eq!(rows.len(), h as usize);
    }
    // A short area keeps the selected node in view.
    let rows = chart(&d, 44, 4, 9);
    assert!(rows[3].starts_with("├▶ R7"), "{rows:?}");
}

fn timed(id: &str, batch: u32, start: i64, secs: i64, status: Status) -> Job {
    let mut j = job(id, batch, &format!("{id}.py"), 1000);
    let t0 = Utc.timestamp_opt(1_795_467_000 + start, 0).single();
    j.result.started_at = t0;
    j.result.ended_at = t0.map(|t| t + chrono::Duration::seconds(secs));
    j.result.duration_s = Some(secs as f64);
    j.result.status = status;
    j
}

fn timeline_rows(run: &Run, selected: Option<(usize, usize)>, w: u16, h: u16) -> Vec<String> {
    let area = Rect::new(0, 0, w, h);
    let mut buf = Buffer::empty(area);
    let theme = Theme::plain();
    let state = |j: &Job| JobState::from_logs(j.result.status);
    (&Timeline { run, state: &state, selected, focus_batch: 0, theme: &theme }).render(area, &mut buf);
    lines(&buf)
}

fn bar(row: &str, glyph: char) -> (usize, usize) {
    let cells: Vec<char> = row.chars().collect();
    let first = cells.iter().position(|c| *c == glyph).unwrap_or(usize::MAX);
    (first, cells.iter().filter(|c| **c == glyph).count())
}

#[test]
fn each_job_is_a_bar_of_its_real_duration_on_its_batch_axis() {
    let run = run_of(vec![
        timed("b1-1", 1, 0, 20, Status::Passed),
        timed("b1-2", 1, 0, 40, Status::Passed),
        timed("b2-1", 2, 100, 30, Status::Passed),
        timed("b2-2", 2, 100, 90, Status::Failed),
        timed("b2-3", 2, 130, 30, Status::Passed),
    ]);
    let rows = timeline_rows(&run, None, 4 + 2 + 4 + 1 + 30 + 8, 5);
    assert_eq!(rows.len(), 5);
    assert!(rows[0].starts_with("  1 ✓ b1-1 ") && rows[0].ends_with("20s"), "{}", rows[0]);
    assert!(rows[2].starts_with("  2 ✓ b2-1"), "{}", rows[2]);
    assert!(rows[3].starts_with("    ✗ b2-2") && rows[3].ends_with("1m 30s"), "{}", rows[3]);
    // 30 cells for the batch: b1-2 (40 s) fills batch 1's axis, b1-1 half of it.
    assert_eq!(bar(&rows[1], '█'), (11, 30));
    assert_eq!(bar(&rows[0], '█'), (11, 15));
    // The failed job is the longest bar of batch 2, drawn in its own glyph from the start;
    // b2-3 starts when b2-1 ends (a third of the axis in).
    assert_eq!(bar(&rows[3], '▓'), (11, 30));
    assert_eq!(bar(&rows[2], '█'), (11, 10));
    assert_eq!(bar(&rows[4], '█'), (21, 10));
}

#[test]
fn without_times_a_batch_keeps_its_marks() {
    let mut run =
        run_of(vec![timed("b1-1", 1, 0, 20, Status::Passed), job("b2-1", 2, "a.py", 10), job("b2-2", 2, "b.py", 10)]);
    for j in &mut run.batches[1].jobs {
        j.result.duration_s = None;
    }
    run.batches[1].jobs[1].result.status = Status::Failed;
    let rows = timeline_rows(&run, None, 60, 3);
    assert!(rows[0].starts_with("  1 ✓ b1-1"), "{}", rows[0]);
    assert_eq!(rows[1], "  2 ✓✗  Batch 2 (times unknown)");
    assert_eq!(rows[2], "");
    assert_eq!(timeline::rows_wanted(&run, 10), 2);
}

#[test]
fn only_the_rows_in_view_are_drawn_and_the_selected_job_stays_in_view() {
    let jobs: Vec<Job> =
        (0..100_000).map(|i| timed(&format!("j{i}"), 1 + i / 50_000, i as i64 % 60, 10, Status::Passed)).collect();
    let run = run_of(jobs);
    assert_eq!(timeline::rows_wanted(&run, 7), 7);
    let rows = timeline_rows(&run, Some((1, 49_999)), 60, 4);
    assert!(rows[3].starts_with("    ✓ j99999"), "{rows:?}");
    let rows = timeline_rows(&run, Some((1, 0)), 60, 4);
    assert!(rows[0].starts_with("  1 ✓ j49997") && rows[3].starts_with("  2 ✓ j50000"), "{rows:?}");
    for (w, h) in [(0, 0), (5, 1), (12, 3)] {
        assert_eq!(timeline_rows(&run, Some((7, 7)), w, h).len(), h as usize);
    }
}
