//! The decision as a Mermaid `flowchart` for the Markdown note (DESIGN.md §13): the questions
//! and rules as nodes, the path taken and the deciding rule styled, overridden answers marked.
//! Built from `core::flow`, so it shows exactly the path of the trail.

use crate::core::decide::Verdict;
use crate::core::flow::{Flow, NodeKind};
use crate::core::sanitize::clean_line;

/// The fenced block, ready to paste into Markdown.
pub fn flowchart(flow: &Flow) -> String {
    let mut s = String::from("```mermaid\nflowchart TD\n");
    for n in &flow.nodes {
        let mut label = escape(&format!("{} · {}", n.id, n.title));
        if !n.answer.is_empty() {
            label += &format!("<br/>{}", escape(&n.answer));
        }
        if n.overridden.is_some() {
            label += "<br/>(overridden by the user)";
        }
        s += &match n.kind {
            NodeKind::Question => format!("    {}[\"{label}\"]\n", n.id),
            NodeKind::Rule => format!("    {}{{\"{label}\"}}\n", n.id),
        };
    }
    let verdict = match flow.verdict {
        Verdict::FullRestart if flow.escalated => "FULL RESTART (escalated)",
        Verdict::FullRestart => "FULL RESTART",
        Verdict::RetryAsIs => "RETRY AS IS",
        Verdict::TargetedRecovery => "TARGETED RECOVERY",
    };
    s += &format!("    verdict([\"{verdict}\"])\n");

    // Edges in order: each node to the next, the deciding rule to the verdict.
    let mut edges: Vec<(String, bool)> = Vec::new();
    for pair in flow.nodes.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let via = if a.kind == NodeKind::Rule { " -- no --> " } else { " --> " };
        edges.push((format!("    {}{via}{}\n", a.id, b.id), a.on_path && b.on_path && !a.decided));
    }
    if let Some(d) = flow.deciding() {
        edges.push((format!("    {} -- yes --> verdict\n", d.id), true));
    }
    for (e, _) in &edges {
        s += e;
    }
    s += "    classDef path fill:#dbeafe,stroke:#1d4ed8,stroke-width:2px\n";
    s += "    classDef decided fill:#fde68a,stroke:#b45309,stroke-width:3px\n";
    s += "    classDef overridden stroke-dasharray:5 3\n";
    s += "    classDef off fill:#f3f4f6,stroke:#9ca3af,color:#6b7280\n";
    let ids = |f: &dyn Fn(&crate::core::flow::Node) -> bool| -> Vec<&str> {
        flow.nodes.iter().filter(|n| f(n)).map(|n| n.id.as_str()).collect()
    };
    let on_path = ids(&|n| n.on_path && !n.decided);
    let decided = ids(&|n| n.decided);
    let off = ids(&|n| !n.on_path);
    let overridden = ids(&|n| n.overridden.is_some());
    if !on_path.is_empty() {
        s += &format!("    class {} path\n", on_path.join(","));
    }
    if !decided.is_empty() {
        s += &format!("    class {},verdict decided\n", decided.join(","));
    }
    if !off.is_empty() {
        s += &format!("    class {} off\n", off.join(","));
    }
    if !overridden.is_empty() {
        s += &format!("    class {} overridden\n", overridden.join(","));
    }
    let path_links: Vec<String> =
        edges.iter().enumerate().filter(|(_, (_, p))| *p).map(|(i, _)| i.to_string()).collect();
    if !path_links.is_empty() {
        s += &format!("    linkStyle {} stroke:#1d4ed8,stroke-width:3px\n", path_links.join(","));
    }
    s += "```\n";
    s
}

/// Text made safe inside a quoted Mermaid label: one clean line, with the characters Mermaid
/// or Markdown would read (`"`, `#`, `<`, `>`, brackets, braces, `|`, backticks) as entities.
pub fn escape(text: &str) -> String {
    let mut out = String::new();
    for c in clean_line(text).chars() {
        match c {
            '#' => out += "#35;",
            '"' => out += "#quot;",
            '<' => out += "#lt;",
            '>' => out += "#gt;",
            '[' => out += "#91;",
            ']' => out += "#93;",
            '{' => out += "#123;",
            '}' => out += "#125;",
            '(' => out += "#40;",
            ')' => out += "#41;",
            '|' => out += "#124;",
            '`' => out += "#96;",
            ';' => out += "#59;",
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::cost::Prices;
    use crate::core::decide::{decide, History, Input, Override, Overrides, StepId, Thresholds};
    use crate::core::model::{Batch, Finding, Job, JobResult, Prompt, Run, Status, TokenUsage};

    fn run() -> Run {
        let job = |id: &str, b: u32, status: Status| Job {
            id: id.into(),
            batch: b,
            outputs: vec![format!("pkg/{id}.py")],
            prompt: Some(Prompt { text: "Task".into(), source: "p.md".into() }),
            result: JobResult {
                status,
                tokens: TokenUsage { input: 9000, cached_input: 0, output: 1000 },
                findings: if status == Status::Failed {
                    vec![Finding {
                        error_type: "SyntaxError".into(),
                        message: "expected ':'".into(),
                        ..Finding::default()
                    }]
                } else {
                    vec![]
                },
                ..JobResult::default()
            },
            ..Job::default()
        };
        Run {
            batches: vec![
                Batch {
                    number: 1,
                    jobs: vec![job("a", 1, Status::Passed), job("b", 1, Status::Passed)],
                    ..Batch::default()
                },
                Batch {
                    number: 2,
                    jobs: vec![job("c", 2, Status::Failed), job("d", 2, Status::Passed)],
                    ..Batch::default()
                },
            ],
            ..Run::default()
        }
    }

    #[test]
    fn an_overridden_answer_is_marked_and_the_path_follows_it() {
        let r = run();
        let mut o = Overrides::default();
        o.answers.insert(StepId::Q3, Override { answer: true, reason: "the spec names \"Tasks\" #1".into() });
        let input = Input {
            run: &r,
            history: &History::default(),
            thresholds: Thresholds::default(),
            overrides: &o,
            prices: Prices::default(),
            outputs: &Default::default(),
        };
        let d = decide(&input).unwrap();
        let m = flowchart(&crate::core::flow::flow(&d));
        assert!(m.contains("    class Q1,Q2,Q3,R1 path\n"), "{m}");
        assert!(m.contains("    class R2,verdict decided\n"), "{m}");
        assert!(m.contains("    class R3,R4,R5,R6,R7 off\n"), "{m}");
        assert!(m.contains("    class Q3 overridden\n"), "{m}");
        assert!(m.contains("    Q3[\"Q3 · Systemic?<br/>yes<br/>(overridden by the user)\"]\n"), "{m}");
        assert!(m.contains("    verdict([\"FULL RESTART\"])\n"), "{m}");
        assert!(m.contains("    R2 -- yes --> verdict\n"), "{m}");
        // Edges 0..=3 (Q1->Q2, Q2->Q3, Q3->R1, R1->R2) and the verdict edge are the path.
        assert!(m.contains("    linkStyle 0,1,2,3,9 stroke:#1d4ed8,stroke-width:3px\n"), "{m}");
    }

    #[test]
    fn labels_from_a_project_cannot_break_out_of_the_node() {
        let e = escape("a \"b\" [c] {d} <script> #1 | `x` (y);\u{1b}[31m");
        assert!(!e.contains(['"', '[', ']', '{', '}', '<', '>', '|', '`', '(', ')', '\u{1b}']), "{e}");
        assert!(e.starts_with("a #quot;b#quot; #91;c#93; #123;d#125; #lt;script#gt; #35;1 #124;"), "{e}");
    }
}
