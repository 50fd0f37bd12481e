//! The decision as a flowchart: Q1 -> Q2 -> Q3 -> the rules in order -> the verdict.
//!
//! One model for every picture of the decision (the TUI's flowchart, the Mermaid block of
//! the Markdown export): which nodes the path passed through, which rule decided, which
//! answers the user overrode. Derived from the trail only, so a picture can never disagree
//! with the text.

use super::decide::{Decision, Step, StepId, Verdict};

/// A question (Q1..Q3) or a verdict rule (R1..R7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    Question,
    Rule,
}

/// One box of the chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// `Q1`..`Q3`, `R1`..`R7`: the trail's step id.
    pub id: StepId,
    pub kind: NodeKind,
    /// A few words: "Failure boundary", "Escalation", ...
    pub title: &'static str,
    /// The answer, shortened to its first clause ("no", "yes", "batch 3 failed").
    pub answer: String,
    /// The path passed through this node: every question, and every rule up to the deciding one.
    pub on_path: bool,
    /// For rules: its condition holds.
    pub fired: bool,
    /// The rule that set the verdict (exactly one node).
    pub decided: bool,
    /// The user overrode this answer (with this reason).
    pub overridden: Option<String>,
    /// Index of the step in `Decision::rationale`, for its question and evidence.
    pub step: usize,
}

/// The whole chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub nodes: Vec<Node>,
    pub verdict: Verdict,
    pub escalated: bool,
}

impl Flow {
    /// The deciding rule, if the trail has one.
    pub fn deciding(&self) -> Option<&Node> {
        self.nodes.iter().find(|n| n.decided)
    }

    /// The ids along the path taken, in order (`Q1`, `Q2`, `Q3`, `R1`, ... the deciding rule).
    pub fn path(&self) -> Vec<&str> {
        self.nodes.iter().filter(|n| n.on_path).map(|n| n.id.as_str()).collect()
    }

    /// The ids along the path taken, typed.
    pub fn path_ids(&self) -> Vec<StepId> {
        self.nodes.iter().filter(|n| n.on_path).map(|n| n.id).collect()
    }
}

/// The chart of a decision.
pub fn flow(decision: &Decision) -> Flow {
    let decided_at = decision.rationale.iter().position(|s| s.decided == Some(true));
    let nodes = decision.rationale.iter().enumerate().map(|(i, s)| node(i, s, decided_at)).collect();
    Flow { nodes, verdict: decision.verdict, escalated: decision.escalated }
}

fn node(index: usize, step: &Step, decided_at: Option<usize>) -> Node {
    let kind = if step.step.is_rule() { NodeKind::Rule } else { NodeKind::Question };
    let on_path = match kind {
        NodeKind::Question => true,
        NodeKind::Rule => decided_at.is_none_or(|d| index <= d),
    };
    Node {
        id: step.step,
        kind,
        title: step.step.title(),
        answer: short_answer(&step.answer),
        on_path,
        fired: step.fired == Some(true),
        decided: step.decided == Some(true),
        overridden: step.overridden.clone(),
        step: index,
    }
}

/// The few words naming a step in a picture.
pub fn title(id: StepId) -> &'static str {
    id.title()
}

/// The first clause of an answer: up to the first `;` or `:`, at most 40 characters.
fn short_answer(answer: &str) -> String {
    let first = answer.split([';', ':']).next().unwrap_or(answer).trim();
    if first.chars().count() <= 40 {
        return first.to_string();
    }
    let cut: String = first.chars().take(39).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(id: &str, answer: &str, fired: Option<bool>, decided: Option<bool>) -> Step {
        Step {
            step: id.parse().unwrap(),
            question: format!("question {id}"),
            answer: answer.into(),
            evidence: vec![],
            overridden: None,
            fired,
            decided,
            yes: None,
        }
    }

    fn trail(decide_at: &str) -> Vec<Step> {
        let mut steps = vec![
            step("Q1", "batch 3 failed; kept so far: 1, 2", None, None),
            step("Q2", "no; scope fix_batch_only", None, None),
            step("Q3", "yes", None, None),
        ];
        for r in ["R1", "R2", "R3", "R4", "R5", "R6", "R7"] {
            let d = r == decide_at;
            steps.push(step(r, if d { "yes" } else { "no" }, Some(d), Some(d)));
        }
        steps
    }

    #[test]
    fn path_runs_through_every_question_and_stops_at_the_deciding_rule() {
        let steps = trail("R2");
        let d = decided_at(&steps);
        let nodes: Vec<Node> = steps.iter().enumerate().map(|(i, s)| node(i, s, d)).collect();
        let on: Vec<&str> = nodes.iter().filter(|n| n.on_path).map(|n| n.id.as_str()).collect();
        assert_eq!(on, ["Q1", "Q2", "Q3", "R1", "R2"]);
        assert_eq!(nodes.iter().filter(|n| n.decided).map(|n| n.id.as_str()).collect::<Vec<_>>(), ["R2"]);
        assert_eq!(nodes[0].kind, NodeKind::Question);
        assert_eq!(nodes[3].kind, NodeKind::Rule);
        assert_eq!(nodes[0].answer, "batch 3 failed");
        assert_eq!(nodes[4].title, "Systemic");
    }

    #[test]
    fn long_answers_are_cut_with_an_ellipsis() {
        let long = "a".repeat(60);
        assert_eq!(short_answer(&long).chars().count(), 40);
        assert!(short_answer(&long).ends_with('…'));
        assert_eq!(short_answer("no: every failed job has its prompt"), "no");
    }

    fn decided_at(steps: &[Step]) -> Option<usize> {
        steps.iter().position(|s| s.decided == Some(true))
    }
}
