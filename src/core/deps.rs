//! Dependencies between jobs of different batches (DESIGN.md §5): declared at batch level,
//! inferred at job level from prompts and validation commands that name an earlier job's
//! outputs (as paths or module paths). Each inferred edge carries its evidence.

use super::ingest::paths::module_forms;
use super::model::Run;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// `reader` (a job of a later batch) depends on `writer` (a job of an earlier batch).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Edge {
    pub reader: String,
    pub writer: String,
    /// The writer's output that is read.
    pub output: String,
    /// "prompt of b4-e2e line 12 names sparkq/tests/conftest.py"
    pub evidence: String,
    /// Declared in the manifest (`depends_on` of the batch or the job), not inferred.
    #[serde(default)]
    pub declared: bool,
}

/// What the user said about an inferred edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EdgeVerdict {
    Confirmed,
    Rejected,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Graph {
    /// Job-level edges: declared ones, and inferred ones of readers that declare nothing
    /// (after user rejections are removed).
    pub edges: Vec<Edge>,
    /// Inferred edges of a reader whose batch or job declares `depends_on`: the declaration
    /// wins, so these are shown as evidence only.
    pub evidence_only: Vec<Edge>,
    /// Edges the user rejected (kept to show them).
    pub rejected: Vec<Edge>,
    /// Batch number -> batches it depends on: declared when the batch declares, else inferred.
    pub batch_deps: BTreeMap<u32, BTreeSet<u32>>,
    /// Batches whose `depends_on` was declared.
    pub declared: BTreeSet<u32>,
}

/// Key identifying an edge for confirm/reject overrides: `reader->writer`.
pub fn edge_key(reader: &str, writer: &str) -> String {
    format!("{reader}->{writer}")
}

/// Infer the graph. `verdicts` maps `edge_key` to the user's confirm/reject.
pub fn infer(run: &Run, verdicts: &BTreeMap<String, EdgeVerdict>) -> Graph {
    // Index every output path, module form and ancestor directory -> (job, batch, output).
    let mut by_path: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    let mut by_module: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    let mut by_dir: HashMap<String, Vec<(usize, usize)>> = HashMap::new();
    let jobs: Vec<&super::model::Job> = run.jobs().collect();
    for (ji, j) in jobs.iter().enumerate() {
        for (oi, o) in j.outputs.iter().enumerate() {
            by_path.entry(o.as_str()).or_default().push((ji, oi));
            for m in module_forms(o) {
                by_module.entry(m).or_default().push((ji, oi));
            }
            let mut dir = o.as_str();
            while let Some((parent, _)) = dir.rsplit_once('/') {
                by_dir.entry(parent.to_string()).or_default().push((ji, oi));
                dir = parent;
            }
        }
    }
    // Readers are independent: on a large run, share them out over the cores.
    let idx = Index { jobs: &jobs, by_path: &by_path, by_module: &by_module, by_dir: &by_dir };
    let threads =
        if jobs.len() < 2_000 { 1 } else { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8) };
    let per = jobs.len().div_ceil(threads.max(1)).max(1);
    let mut found: Vec<Edge> = if threads <= 1 {
        (0..jobs.len()).flat_map(|ri| idx.edges_of(ri)).collect()
    } else {
        std::thread::scope(|s| {
            let idx = &idx;
            let n = jobs.len();
            let parts: Vec<_> = (0..n)
                .step_by(per)
                .map(|from| {
                    s.spawn(move || (from..(from + per).min(n)).flat_map(|ri| idx.edges_of(ri)).collect::<Vec<Edge>>())
                })
                .collect();
            parts.into_iter().flat_map(|p| p.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
        })
    };
    // Ordered by (reader id, writer id), as the ids are unique.
    found.sort_unstable_by(|a, b| (a.reader.as_str(), a.writer.as_str()).cmp(&(b.reader.as_str(), b.writer.as_str())));
    let mut g = Graph::default();
    let declaring: HashMap<&str, bool> =
        run.batches.iter().flat_map(|b| b.jobs.iter().map(move |j| (j.id.as_str(), declares(run, b, j)))).collect();
    for e in found {
        if declaring.get(e.reader.as_str()).copied().unwrap_or(false) {
            g.evidence_only.push(e);
            continue;
        }
        let verdict = if verdicts.is_empty() { None } else { verdicts.get(&edge_key(&e.reader, &e.writer)) };
        match verdict {
            Some(EdgeVerdict::Rejected) => g.rejected.push(e),
            _ => g.edges.push(e),
        }
    }
    g.edges.extend(declared_edges(run));
    g.edges.sort_by(|a, b| (a.reader.as_str(), a.writer.as_str()).cmp(&(b.reader.as_str(), b.writer.as_str())));
    let batch_of: HashMap<&str, u32> = jobs.iter().map(|j| (j.id.as_str(), j.batch)).collect();
    for b in &run.batches {
        let deps = g.batch_deps.entry(b.number).or_default();
        if let Some(declared) = &b.depends_on {
            g.declared.insert(b.number);
            deps.extend(declared.iter().copied());
        }
    }
    for e in &g.edges {
        if let (Some(&rb), Some(&wb)) = (batch_of.get(e.reader.as_str()), batch_of.get(e.writer.as_str())) {
            if !g.declared.contains(&rb) {
                g.batch_deps.entry(rb).or_default().insert(wb);
            }
        }
    }
    g
}

/// Whether a job's dependencies are declared: its own `depends_on`, else its batch's.
fn declares(run: &Run, b: &super::model::Batch, j: &super::model::Job) -> bool {
    run.job_depends_on(&j.id).is_some() || b.depends_on.is_some()
}

/// The edges the manifest declares: a job's own `depends_on` (job ids), else its batch's
/// (`depends_on: [N]` = reads every output of batch N).
fn declared_edges(run: &Run) -> Vec<Edge> {
    let mut out = Vec::new();
    if run.job_depends_on.is_empty() && run.batches.iter().all(|b| b.depends_on.is_none()) {
        return out;
    }
    let by_id: HashMap<&str, &super::model::Job> = run.jobs().map(|j| (j.id.as_str(), j)).collect();
    for b in &run.batches {
        for j in &b.jobs {
            if let Some(ids) = run.job_depends_on(&j.id) {
                for w in ids.iter().filter_map(|id| by_id.get(id.as_str())).filter(|w| w.batch < j.batch) {
                    out.push(Edge {
                        reader: j.id.clone(),
                        writer: w.id.clone(),
                        output: w.outputs.first().cloned().unwrap_or_default(),
                        evidence: format!("{} declares depends_on [{}]", j.id, w.id),
                        declared: true,
                    });
                }
            } else if let Some(batches) = &b.depends_on {
                for wb in batches.iter().filter(|n| **n < b.number).filter_map(|n| run.batch(*n)) {
                    for w in &wb.jobs {
                        out.push(Edge {
                            reader: j.id.clone(),
                            writer: w.id.clone(),
                            output: w.outputs.first().cloned().unwrap_or_default(),
                            evidence: format!("batch {} declares depends_on [{}]", b.number, wb.number),
                            declared: true,
                        });
                    }
                }
            }
        }
    }
    out
}

/// What `infer` looks tokens up in.
struct Index<'a> {
    jobs: &'a [&'a super::model::Job],
    by_path: &'a HashMap<&'a str, Vec<(usize, usize)>>,
    by_module: &'a HashMap<String, Vec<(usize, usize)>>,
    by_dir: &'a HashMap<String, Vec<(usize, usize)>>,
}

impl Index<'_> {
    /// The edges of reader `ri`: one per writer, with the first evidence found. Evidence text
    /// is only built for a new edge (most hits are repeats or a job naming its own outputs).
    fn edges_of(&self, ri: usize) -> Vec<Edge> {
        let jobs = self.jobs;
        let r = jobs[ri];
        let mut found: HashMap<usize, Edge> = HashMap::new();
        let mut add = |wi: usize, oi: usize, evidence: &dyn Fn() -> String| {
            let w = jobs[wi];
            if w.batch >= r.batch || wi == ri {
                return;
            }
            found.entry(wi).or_insert_with(|| Edge {
                reader: r.id.clone(),
                writer: w.id.clone(),
                output: w.outputs[oi].clone(),
                evidence: evidence(),
                declared: false,
            });
        };
        if let Some(p) = &r.prompt {
            for (ln, line) in p.text.lines().enumerate() {
                for tok in tokens(line) {
                    let t = tok.trim_start_matches("./");
                    if let Some(hits) = self.by_path.get(t) {
                        for &(wi, oi) in hits {
                            add(wi, oi, &|| format!("prompt of {} line {} names {}", r.id, ln + 1, t));
                        }
                        continue;
                    }
                    // Module forms: the token or any dotted/`::` prefix of it.
                    for m in prefixes(t) {
                        if let Some(hits) = self.by_module.get(m) {
                            for &(wi, oi) in hits {
                                let out = &jobs[wi].outputs[oi];
                                add(wi, oi, &|| format!("prompt of {} line {} names {} ({})", r.id, ln + 1, m, out));
                            }
                            break;
                        }
                    }
                }
            }
        }
        for argv in &r.validate {
            for arg in argv {
                let a = arg.trim_start_matches("./").trim_end_matches('/');
                let a = a.split("::").next().unwrap_or(a);
                let Some(hits) = self.by_path.get(a).or_else(|| self.by_dir.get(a)) else { continue };
                for &(wi, oi) in hits {
                    let out = &jobs[wi].outputs[oi];
                    add(wi, oi, &|| format!("validation of {} (`{}`) touches {}", r.id, argv.join(" "), out));
                }
            }
        }
        found.into_values().collect()
    }
}

/// Path-like or dotted tokens of a line: runs of `[A-Za-z0-9_./:-]`, trimmed of punctuation.
fn tokens(line: &str) -> impl Iterator<Item = &str> {
    Runs { s: line, pos: 0 }
        .map(|t| t.trim_matches(|c: char| c == '.' || c == ':' || c == '-'))
        .filter(|t| t.len() > 2 && (t.contains('.') || t.contains('/') || t.contains("::")))
}

/// Maximal runs of token characters (alphanumeric or one of `_./:-`), read byte by byte for
/// ASCII (prompts are mostly ASCII; this runs over every line of every prompt). Only runs
/// that can become tokens are returned.
struct Runs<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for Runs<'a> {
    type Item = &'a str;

    /// The next run that can survive `tokens`' filter: longer than 2 bytes and holding a `.`,
    /// `/` or `:` (plain words, most of a prompt, are passed over here).
    fn next(&mut self) -> Option<&'a str> {
        let len = self.s.len();
        loop {
            while self.pos < len {
                let (tok, n) = token_char_at(self.s, self.pos);
                if tok {
                    break;
                }
                self.pos += n;
            }
            if self.pos >= len {
                return None;
            }
            let start = self.pos;
            let mut marked = false;
            while self.pos < len {
                let (tok, n) = token_char_at(self.s, self.pos);
                if !tok {
                    break;
                }
                marked |= matches!(self.s.as_bytes().get(self.pos), Some(b'.' | b'/' | b':'));
                self.pos += n;
            }
            if marked && self.pos - start > 2 {
                return self.s.get(start..self.pos);
            }
        }
    }
}

/// Whether the character at byte `i` (a char boundary) is a token character, and its length.
#[inline]
fn token_char_at(s: &str, i: usize) -> (bool, usize) {
    match s.as_bytes().get(i) {
        Some(&b) if b < 0x80 => (b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b':' | b'-'), 1),
        _ => match s.get(i..).and_then(|r| r.chars().next()) {
            Some(c) => (c.is_alphanumeric(), c.len_utf8()),
            None => (false, 1),
        },
    }
}

/// `sparkq.src.api.handle_enqueue` -> `sparkq.src.api.handle_enqueue`, `sparkq.src.api`, `sparkq.src`;
/// `crate::lexer::Token` -> `crate::lexer::Token`, `crate::lexer`. Longest first.
fn prefixes(tok: &str) -> Vec<&str> {
    let mut out = vec![tok];
    let mut cur = tok;
    loop {
        let cut = match (cur.rfind("::"), cur.rfind('.')) {
            (Some(a), Some(b)) => a.max(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => break,
        };
        cur = &cur[..cut];
        if cur.is_empty() {
            break;
        }
        out.push(cur);
    }
    out
}

impl Graph {
    /// Jobs (ids) that read an output of any job in `writers`, directly or through other readers,
    /// restricted to batches after `after`. Declared edges are edges like the others (a declared
    /// batch-level `depends_on: [N]` reads every output of N).
    pub fn readers_of(&self, run: &Run, writers: &BTreeSet<String>, after: u32) -> BTreeMap<String, Vec<String>> {
        let mut stale: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut frontier: Vec<String> = writers.iter().cloned().collect();
        let mut known: BTreeSet<String> = writers.clone();
        let batch_of: HashMap<&str, u32> = run.jobs().map(|j| (j.id.as_str(), j.batch)).collect();
        let mut by_writer: HashMap<&str, Vec<&Edge>> = HashMap::new();
        for e in &self.edges {
            by_writer.entry(e.writer.as_str()).or_default().push(e);
        }
        while let Some(w) = frontier.pop() {
            for e in by_writer.get(w.as_str()).into_iter().flatten() {
                if batch_of.get(e.reader.as_str()).copied().unwrap_or(0) <= after {
                    continue;
                }
                stale.entry(e.reader.clone()).or_default().push(e.evidence.clone());
                if known.insert(e.reader.clone()) {
                    frontier.push(e.reader.clone());
                }
            }
        }
        for v in stale.values_mut() {
            v.sort();
            v.dedup();
        }
        stale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{Batch, Job, Prompt};

    #[test]
    fn tokens_are_the_runs_split_would_give() {
        let reference = |line: &str| -> Vec<String> {
            line.split(|c: char| !(c.is_alphanumeric() || "_./:-".contains(c)))
                .map(|t| t.trim_matches(|c: char| c == '.' || c == ':' || c == '-'))
                .filter(|t| t.len() > 2 && (t.contains('.') || t.contains('/') || t.contains("::")))
                .map(str::to_string)
                .collect()
        };
        for line in [
            "- Import Task, TaskStatus from sparkq.src.models",
            "Validation: pytest sparkq/tests/test_api.py::test_enqueue -q",
            "use crate::lexer::Token; see ./src/lexer.rs.",
            "Ünïcödé/päth.py and naïve.module — café.rs, 日本/語.py",
            "",
            "...::--//",
        ] {
            let got: Vec<String> = tokens(line).map(str::to_string).collect();
            assert_eq!(got, reference(line), "{line}");
        }
    }

    fn job(id: &str, batch: u32, out: &str, prompt: &str) -> Job {
        Job {
            id: id.into(),
            batch,
            outputs: vec![out.into()],
            prompt: Some(Prompt { text: prompt.into(), source: "t".into() }),
            ..Job::default()
        }
    }

    fn run(jobs: Vec<Job>) -> Run {
        let mut batches: BTreeMap<u32, Batch> = BTreeMap::new();
        for j in jobs {
            batches.entry(j.batch).or_insert_with(|| Batch { number: j.batch, ..Batch::default() }).jobs.push(j);
        }
        Run { batches: batches.into_values().collect(), ..Run::default() }
    }

    #[test]
    fn path_and_module_mentions_make_edges_with_evidence() {
        let r = run(vec![
            job("b1-storage", 1, "sparkq/src/storage.py", "File to create: sparkq/src/storage.py"),
            job(
                "b2-api",
                2,
                "sparkq/src/api.py",
                "File to create: sparkq/src/api.py\n- Use TaskRepository from sparkq.src.storage",
            ),
            job("b3-tests", 3, "sparkq/tests/test_api.py", "Requirements:\n- read sparkq/src/api.py first"),
        ]);
        let g = infer(&r, &BTreeMap::new());
        assert_eq!(g.edges.len(), 2);
        assert_eq!(g.edges[0].reader, "b2-api");
        assert_eq!(g.edges[0].writer, "b1-storage");
        assert_eq!(g.edges[0].evidence, "prompt of b2-api line 2 names sparkq.src.storage (sparkq/src/storage.py)");
        assert_eq!(g.edges[1].evidence, "prompt of b3-tests line 2 names sparkq/src/api.py");
        assert_eq!(g.batch_deps[&3], BTreeSet::from([2]));
    }

    #[test]
    fn validation_directory_touches_outputs_and_rejections_drop_edges() {
        let mut r = run(vec![
            job("b1-a", 1, "pkg/tests/test_a.py", "File to create: pkg/tests/test_a.py"),
            job("b2-b", 2, "docs/b.md", "Write docs"),
        ]);
        r.batches[1].jobs[0].validate = vec![vec!["pytest".into(), "pkg/tests".into()]];
        let g = infer(&r, &BTreeMap::new());
        assert_eq!(g.edges.len(), 1);
        assert_eq!(g.edges[0].evidence, "validation of b2-b (`pytest pkg/tests`) touches pkg/tests/test_a.py");
        let mut v = BTreeMap::new();
        v.insert(edge_key("b2-b", "b1-a"), EdgeVerdict::Rejected);
        let g = infer(&r, &v);
        assert!(g.edges.is_empty());
        assert_eq!(g.rejected.len(), 1);
    }

    #[test]
    fn same_batch_and_later_writers_are_not_edges() {
        let r = run(vec![
            job("b1-a", 1, "a.py", "uses b.py"),
            job("b1-b", 1, "b.py", "uses a.py"),
            job("b2-c", 2, "c.py", "nothing"),
        ]);
        assert!(infer(&r, &BTreeMap::new()).edges.is_empty());
    }

    #[test]
    fn readers_are_transitive_and_declared_batches_count() {
        let mut r = run(vec![
            job("b1-a", 1, "a.py", ""),
            job("b2-b", 2, "b.py", "import a.py"),
            job("b3-c", 3, "c.py", "import b.py"),
            job("b4-d", 4, "d.py", "independent"),
        ]);
        r.batches[3].depends_on = Some(vec![1]);
        let g = infer(&r, &BTreeMap::new());
        let stale = g.readers_of(&r, &BTreeSet::from(["b1-a".to_string()]), 1);
        assert_eq!(stale.keys().cloned().collect::<Vec<_>>(), vec!["b2-b", "b3-c", "b4-d"]);
        assert_eq!(stale["b4-d"], vec!["batch 4 declares depends_on [1]"]);
    }
}
