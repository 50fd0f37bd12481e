//! The pre-recovery checklist (DESIGN.md §9): ten items, each passed automatically,
//! confirmed by the user, or waived with a reason. Pure: the facts that need the system
//! (processes, git, snapshots) are gathered elsewhere and passed in.

use super::classify::FailureClass;
use super::decide::Decision;
use super::failure;
use super::model::{Run, Status};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Checked by the tool.
    Auto,
    /// The user has to look and confirm.
    Confirm,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    Passed,
    Failed,
    /// Waiting for the user's confirmation.
    Pending,
    Confirmed,
    Waived,
}

impl ItemState {
    /// Passed, confirmed or waived: nothing blocks the recovery.
    pub fn ok(self) -> bool {
        matches!(self, ItemState::Passed | ItemState::Confirmed | ItemState::Waived)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ItemState::Passed => "passed",
            ItemState::Failed => "failed",
            ItemState::Pending => "pending",
            ItemState::Confirmed => "confirmed",
            ItemState::Waived => "waived",
        }
    }
}

/// What the user recorded for an item (kept in the ledger).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// `Confirmed` or `Waived`.
    pub state: ItemState,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub by: Option<String>,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChecklistItem {
    pub id: &'static str,
    pub number: u8,
    pub title: &'static str,
    pub kind: ItemKind,
    pub state: ItemState,
    /// What the check found (or what the user has to look at).
    pub detail: Vec<String>,
    pub reason: Option<String>,
    pub by: Option<String>,
    pub at: Option<DateTime<Utc>>,
    /// An action that can satisfy the item (`snapshot`).
    pub action: Option<&'static str>,
}

/// Facts from the system, gathered by the caller.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facts {
    /// Id of a snapshot covering every failed job's outputs, taken after the failure.
    pub snapshot: Option<String>,
    /// Live generator processes in the project ("pid 4242: codex exec ...").
    pub generators_running: Vec<String>,
    /// Outputs of failed jobs modified in the last few seconds.
    pub recently_modified: Vec<String>,
    /// `Some(porcelain)` in a git repository (empty = clean), `None` outside one.
    pub git_status: Option<String>,
}

/// Item ids, in order.
pub const IDS: [&str; 10] = [
    "boundary",
    "outputs_named",
    "prompts_found",
    "errors_captured",
    "dependencies_reviewed",
    "not_architectural",
    "snapshot_taken",
    "no_generation_running",
    "worktree_recorded",
    "cheaper_than_restart",
];

pub fn evaluate(run: &Run, d: &Decision, facts: &Facts, recorded: &BTreeMap<String, Recorded>) -> Vec<ChecklistItem> {
    let failed: Vec<&super::model::Job> = run
        .batch(d.failing_batch)
        .map(|b| b.jobs.iter().filter(|j| j.result.status == Status::Failed).collect())
        .unwrap_or_default();
    let mut items = Vec::with_capacity(10);
    let mut push = |id: &'static str,
                    title: &'static str,
                    kind: ItemKind,
                    passed: bool,
                    detail: Vec<String>,
                    action: Option<&'static str>| {
        let number = IDS.iter().position(|i| *i == id).map(|p| p as u8 + 1).unwrap_or(0);
        let auto_state = match (kind, passed) {
            (ItemKind::Auto, true) => ItemState::Passed,
            (ItemKind::Auto, false) => ItemState::Failed,
            (ItemKind::Confirm, _) => ItemState::Pending,
        };
        let rec = recorded.get(id);
        // A passed auto item stays passed; anything else takes what the user recorded.
        let (state, reason, by, at) = match rec {
            Some(r) if auto_state != ItemState::Passed => (r.state, r.reason.clone(), r.by.clone(), r.at),
            _ => (auto_state, None, None, None),
        };
        items.push(ChecklistItem { id, number, title, kind, state, detail, reason, by, at, action });
    };

    // 1. Failure boundary.
    let unvalidated: Vec<String> = if d.unvalidated_batches.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "batch(es) {} before the failing batch are not all validated as passed",
            nums(&d.unvalidated_batches)
        )]
    };
    let mut detail = vec![format!("failing batch {}; batches kept: {}", d.failing_batch, nums(&d.preserved_batches))];
    detail.extend(unvalidated.iter().cloned());
    push(
        "boundary",
        "Failure boundary identified (batch N; batches before it validated)",
        ItemKind::Auto,
        unvalidated.is_empty(),
        detail,
        None,
    );

    // 2. Outputs named.
    let unnamed: Vec<String> =
        failed.iter().filter(|j| j.outputs.is_empty()).map(|j| format!("{}: no output file named", j.id)).collect();
    let detail = if unnamed.is_empty() {
        failed.iter().map(|j| format!("{}: {}", j.id, j.outputs.join(", "))).collect()
    } else {
        unnamed.clone()
    };
    push(
        "outputs_named",
        "Every failed job has its output file(s) named",
        ItemKind::Auto,
        unnamed.is_empty(),
        detail,
        None,
    );

    // 3. Prompts found.
    let missing: Vec<String> = failed
        .iter()
        .filter(|j| j.prompt.as_ref().is_none_or(|p| p.text.trim().is_empty()))
        .map(|j| format!("{}: original prompt not found", j.id))
        .collect();
    let detail = if missing.is_empty() {
        failed.iter().filter_map(|j| j.prompt.as_ref().map(|p| format!("{}: {}", j.id, p.source))).collect()
    } else {
        missing.clone()
    };
    push(
        "prompts_found",
        "Every failed job's original prompt is found",
        ItemKind::Auto,
        missing.is_empty(),
        detail,
        None,
    );

    // 4. Errors captured.
    let no_error: Vec<String> = failed
        .iter()
        .filter(|j| j.result.findings.iter().all(|f| f.message.trim().is_empty()))
        .map(|j| format!("{}: no error text", j.id))
        .collect();
    let detail = if no_error.is_empty() {
        failed.iter().map(|j| format!("{}: {}", j.id, failure::reason(j))).collect()
    } else {
        no_error.clone()
    };
    push(
        "errors_captured",
        "Every failed job's error text is captured",
        ItemKind::Auto,
        no_error.is_empty(),
        detail,
        None,
    );

    // 5. Dependencies reviewed (confirm): the later batches' reads of N's outputs.
    let n = d.failing_batch;
    let batches: super::fasthash::FastMap<&str, u32> = run.jobs().map(|j| (j.id.as_str(), j.batch)).collect();
    let batch_of = |id: &str| batches.get(id).copied().unwrap_or(0);
    let mut detail: Vec<String> = d
        .graph
        .edges
        .iter()
        .filter(|e| batch_of(&e.writer) == n && batch_of(&e.reader) > n)
        .map(|e| {
            let how = if e.declared { "declared" } else { "inferred" };
            format!(
                "{} (batch {}) reads {} of {} — {how}: {}",
                e.reader,
                batch_of(&e.reader),
                e.output,
                e.writer,
                e.evidence
            )
        })
        .collect();
    for e in d.graph.evidence_only.iter().filter(|e| batch_of(&e.writer) == n && batch_of(&e.reader) > n) {
        detail.push(format!("not counted (the manifest declares the dependencies): {}", e.evidence));
    }
    for e in d.graph.rejected.iter().filter(|e| batch_of(&e.writer) == n && batch_of(&e.reader) > n) {
        detail.push(format!("rejected by you: {}", e.evidence));
    }
    for b in d.graph.declared.iter().filter(|b| **b > n) {
        detail.push(format!(
            "batch {b} declares depends_on {:?}",
            d.graph.batch_deps.get(b).map(|s| s.iter().copied().collect::<Vec<_>>()).unwrap_or_default()
        ));
    }
    if detail.is_empty() {
        detail.push(format!("no later batch reads an output of batch {n} (none declared or inferred)"));
    }
    push(
        "dependencies_reviewed",
        "Dependencies of later batches on the failing batch reviewed",
        ItemKind::Confirm,
        false,
        detail,
        None,
    );

    // 6. Not architectural (confirm).
    let detail: Vec<String> = failed
        .iter()
        .map(|j| format!("{}: class {} — {}", j.id, failure::job_class(j).as_str(), failure::reason(j)))
        .collect();
    let arch = failed.iter().any(|j| failure::job_class(j) == FailureClass::Architectural);
    let mut detail = detail;
    if arch {
        detail.insert(0, "the classifier says architectural: confirm only if you know better".into());
    }
    push("not_architectural", "Failure is not architectural", ItemKind::Confirm, false, detail, None);

    // 7. Snapshot.
    let detail = match &facts.snapshot {
        Some(id) => vec![format!("snapshot {id} holds the failed jobs' outputs")],
        None => vec!["no snapshot of the failed jobs' outputs yet".into()],
    };
    push(
        "snapshot_taken",
        "Snapshot of the batch output taken",
        ItemKind::Auto,
        facts.snapshot.is_some(),
        detail,
        Some("snapshot"),
    );

    // 8. Nothing still running.
    let mut detail: Vec<String> = facts.generators_running.iter().map(|p| format!("still running: {p}")).collect();
    detail.extend(facts.recently_modified.iter().map(|f| format!("modified in the last seconds: {f}")));
    let idle = detail.is_empty();
    if idle {
        detail.push("no generator process in the project; outputs are not changing".into());
    }
    push("no_generation_running", "No generation still running on these files", ItemKind::Auto, idle, detail, None);

    // 9. Working tree recorded.
    let (ok, detail) = match &facts.git_status {
        None => (true, vec!["not a git repository: nothing to record".to_string()]),
        Some(s) if s.trim().is_empty() => (true, vec!["git working tree clean".to_string()]),
        Some(s) => (
            true,
            std::iter::once("git status --porcelain recorded:".to_string())
                .chain(s.lines().take(20).map(|l| format!("  {l}")))
                .collect(),
        ),
    };
    push("worktree_recorded", "Working tree state recorded", ItemKind::Auto, ok, detail, None);

    // 10. Cheaper than a restart.
    let c = &d.cost;
    let time = |s: Option<f64>| super::export::view::seconds(s);
    let cheaper = match c.savings {
        Some(s) => s.tokens > 0 || (c.full_restart.tokens == 0 && s.seconds.is_some_and(|t| t > 0.0)),
        None => false,
    };
    let saves = match c.savings {
        Some(s) => format!("saves {:.1}%", s.tokens_pct),
        None => "the plan restarts the phase: no savings".to_string(),
    };
    push(
        "cheaper_than_restart",
        "Recovery is cheaper than a restart",
        ItemKind::Auto,
        cheaper,
        vec![format!(
            "recovery {} tokens / {} vs full restart {} tokens / {} ({saves})",
            c.recovery.tokens,
            time(c.recovery.seconds),
            c.full_restart.tokens,
            time(c.full_restart.seconds)
        )],
        None,
    );
    items
}

/// Every item passed, confirmed or waived.
pub fn satisfied(items: &[ChecklistItem]) -> bool {
    items.iter().all(|i| i.state.ok())
}

/// The items still blocking, as "7 Snapshot of the batch output taken (failed)".
pub fn blocking(items: &[ChecklistItem]) -> Vec<String> {
    items.iter().filter(|i| !i.state.ok()).map(|i| format!("{} {} ({})", i.number, i.title, i.state.as_str())).collect()
}

fn nums(v: &[u32]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::cost::Prices;
    use crate::core::decide::{decide, History, Input, Overrides, Thresholds};
    use crate::core::model::{Batch, Finding, Job, JobResult, Prompt, TokenUsage};

    fn j(id: &str, batch: u32, status: Status) -> Job {
        let mut job = Job {
            id: id.into(),
            batch,
            outputs: vec![format!("src/{id}.py")],
            prompt: Some(Prompt { text: "Task: x".into(), source: format!("prompts/{id}.md") }),
            matched_by: vec!["validated by report.md".into()],
            result: JobResult {
                status,
                tokens: TokenUsage { input: 10_000, cached_input: 0, output: 500 },
                ..JobResult::default()
            },
            ..Job::default()
        };
        if status == Status::Failed {
            job.result.findings.push(Finding {
                file: Some(format!("src/{id}.py")),
                line: Some(3),
                error_type: "SyntaxError".into(),
                message: "invalid syntax".into(),
                source: "report.md:4".into(),
                class: Some("syntax".into()),
            });
        }
        job
    }

    fn setup() -> (Run, Decision) {
        let run = Run {
            batches: vec![
                Batch {
                    number: 1,
                    jobs: vec![j("a", 1, Status::Passed), j("b", 1, Status::Passed)],
                    ..Batch::default()
                },
                Batch {
                    number: 2,
                    jobs: vec![j("c", 2, Status::Passed), j("d", 2, Status::Failed)],
                    ..Batch::default()
                },
            ],
            ..Run::default()
        };
        let d = decide(&Input {
            run: &run,
            history: &History::default(),
            thresholds: Thresholds::default(),
            overrides: &Overrides::default(),
            prices: Prices::default(),
            outputs: &Default::default(),
        })
        .unwrap();
        (run, d)
    }

    fn state(items: &[ChecklistItem], id: &str) -> ItemState {
        items.iter().find(|i| i.id == id).unwrap().state
    }

    #[test]
    fn ten_items_auto_evaluated_and_confirm_items_pending() {
        let (run, d) = setup();
        let items = evaluate(&run, &d, &Facts::default(), &BTreeMap::new());
        assert_eq!(items.len(), 10);
        assert_eq!(items.iter().map(|i| i.id).collect::<Vec<_>>(), IDS.to_vec());
        assert_eq!(state(&items, "boundary"), ItemState::Passed);
        assert_eq!(state(&items, "outputs_named"), ItemState::Passed);
        assert_eq!(state(&items, "prompts_found"), ItemState::Passed);
        assert_eq!(state(&items, "errors_captured"), ItemState::Passed);
        assert_eq!(state(&items, "dependencies_reviewed"), ItemState::Pending);
        assert_eq!(state(&items, "not_architectural"), ItemState::Pending);
        assert_eq!(state(&items, "snapshot_taken"), ItemState::Failed);
        assert_eq!(items[6].action, Some("snapshot"));
        assert_eq!(state(&items, "no_generation_running"), ItemState::Passed);
        assert_eq!(state(&items, "worktree_recorded"), ItemState::Passed);
        assert_eq!(state(&items, "cheaper_than_restart"), ItemState::Passed);
        assert!(!satisfied(&items));
        assert_eq!(
            blocking(&items),
            vec![
                "5 Dependencies of later batches on the failing batch reviewed (pending)",
                "6 Failure is not architectural (pending)",
                "7 Snapshot of the batch output taken (failed)"
            ]
        );
    }

    #[test]
    fn confirmations_waivers_and_a_snapshot_satisfy_it() {
        let (run, d) = setup();
        let mut rec = BTreeMap::new();
        rec.insert(
            "dependencies_reviewed".to_string(),
            Recorded { state: ItemState::Confirmed, reason: None, by: Some("ana".into()), at: None },
        );
        rec.insert(
            "not_architectural".to_string(),
            Recorded { state: ItemState::Waived, reason: Some("the spec is fine".into()), by: None, at: None },
        );
        let facts = Facts { snapshot: Some("20261125T150000Z-1a2b3c4d".into()), ..Facts::default() };
        let items = evaluate(&run, &d, &facts, &rec);
        assert!(satisfied(&items));
        let w = items.iter().find(|i| i.id == "not_architectural").unwrap();
        assert_eq!(w.reason.as_deref(), Some("the spec is fine"));
        assert_eq!(items[6].detail, vec!["snapshot 20261125T150000Z-1a2b3c4d holds the failed jobs' outputs"]);
    }

    #[test]
    fn running_generator_and_missing_prompt_fail_their_items() {
        let (mut run, _) = setup();
        run.batches[1].jobs[1].prompt = None;
        let d = decide(&Input {
            run: &run,
            history: &History::default(),
            thresholds: Thresholds::default(),
            overrides: &Overrides::default(),
            prices: Prices::default(),
            outputs: &Default::default(),
        })
        .unwrap();
        let facts = Facts { generators_running: vec!["pid 4242: codex exec --json -".into()], ..Facts::default() };
        let items = evaluate(&run, &d, &facts, &BTreeMap::new());
        assert_eq!(state(&items, "prompts_found"), ItemState::Failed);
        assert_eq!(items[2].detail, vec!["d: original prompt not found"]);
        assert_eq!(state(&items, "no_generation_running"), ItemState::Failed);
        assert_eq!(items[7].detail, vec!["still running: pid 4242: codex exec --json -"]);
    }

    #[test]
    fn a_waiver_of_a_failed_auto_item_is_kept() {
        let (run, d) = setup();
        let mut rec = BTreeMap::new();
        rec.insert(
            "snapshot_taken".to_string(),
            Recorded { state: ItemState::Waived, reason: Some("outputs are in git".into()), by: None, at: None },
        );
        let items = evaluate(&run, &d, &Facts::default(), &rec);
        assert_eq!(state(&items, "snapshot_taken"), ItemState::Waived);
    }

    #[test]
    fn item_5_lists_the_later_batches_reads_of_the_failing_batch() {
        let (mut run, _) = setup();
        // c (batch 2) reads a (batch 1): an edge before N, not what item 5 is about.
        run.batches[1].jobs[0].prompt = Some(Prompt { text: "Use src/a.py".into(), source: "p.md".into() });
        let mut e = j("e", 3, Status::Passed);
        e.prompt = Some(Prompt { text: "Task: report\nRead src/d.py first".into(), source: "prompts/e.md".into() });
        run.batches.push(Batch { number: 3, jobs: vec![e, j("f", 3, Status::Passed)], ..Batch::default() });
        let d = decide(&Input {
            run: &run,
            history: &History::default(),
            thresholds: Thresholds::default(),
            overrides: &Overrides::default(),
            prices: Prices::default(),
            outputs: &Default::default(),
        })
        .unwrap();
        let items = evaluate(&run, &d, &Facts::default(), &BTreeMap::new());
        let five = items.iter().find(|i| i.id == "dependencies_reviewed").unwrap();
        assert_eq!(five.detail, vec!["e (batch 3) reads src/d.py of d — inferred: prompt of e line 2 names src/d.py"]);
        let (run, d) = setup();
        let items = evaluate(&run, &d, &Facts::default(), &BTreeMap::new());
        assert_eq!(items[4].detail, vec!["no later batch reads an output of batch 2 (none declared or inferred)"]);
    }
}
