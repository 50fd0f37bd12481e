//! Dependencies between jobs of different batches (DESIGN.md §5): declared at batch level,
//! inferred at job level from prompts and validation commands that name an earlier job's
//! outputs (as paths or module paths). Each inferred edge carries its evidence.

use super::fasthash::{FastMap, FastSet};
use super::ingest::paths::module_forms;
use super::model::{Job, Run};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
    let jobs: Vec<&Job> = run.jobs().collect();
    let (mut found, rank) = if jobs.len() < 2_000 {
        let forms = ModuleForms::of(&jobs);
        (Index::new(&jobs, &forms).edges_in(0..jobs.len()), id_ranks(&jobs))
    } else {
        find_in_parallel(&jobs)
    };
    // Ordered by (reader id, writer id), as the ids are unique: their ranks order the same.
    found.sort_unstable_by_key(|f| (rank[f.reader], rank[f.writer]));
    let mut g = Graph::default();
    for b in &run.batches {
        let deps = g.batch_deps.entry(b.number).or_default();
        if let Some(declared) = &b.depends_on {
            g.declared.insert(b.number);
            deps.extend(declared.iter().copied());
        }
    }
    let declaring: Vec<bool> =
        run.batches.iter().flat_map(|b| b.jobs.iter().map(move |j| declares(run, b, j))).collect();
    for f in found {
        let (r, w, edge) = (jobs[f.reader], jobs[f.writer], f.edge);
        if declaring[f.reader] {
            g.evidence_only.push(edge);
            continue;
        }
        let verdict = if verdicts.is_empty() { None } else { verdicts.get(&edge_key(&r.id, &w.id)) };
        if verdict == Some(&EdgeVerdict::Rejected) {
            g.rejected.push(edge);
            continue;
        }
        g.add_batch_dep(r.batch, w.batch);
        g.edges.push(edge);
    }
    let declared = declared_edges(run);
    if !declared.is_empty() {
        let batch_of: FastMap<&str, u32> = jobs.iter().map(|j| (j.id.as_str(), j.batch)).collect();
        for e in &declared {
            if let (Some(&rb), Some(&wb)) = (batch_of.get(e.reader.as_str()), batch_of.get(e.writer.as_str())) {
                g.add_batch_dep(rb, wb);
            }
        }
        g.edges.extend(declared);
        g.edges.sort_by(|a, b| (a.reader.as_str(), a.writer.as_str()).cmp(&(b.reader.as_str(), b.writer.as_str())));
    }
    g
}

/// `infer`'s edges and id ranks on a large run: the ranks are found while the index is built,
/// and the readers, which are independent, are shared out over the cores.
fn find_in_parallel(jobs: &[&Job]) -> (Vec<Found>, Vec<usize>) {
    std::thread::scope(|outer| {
        let ranks = outer.spawn(|| id_ranks(jobs));
        let forms = ModuleForms::of(jobs);
        let idx = Index::new(jobs, &forms);
        // Runs of readers, handed out as the threads free up (a core of a shared machine can
        // be slower than the other).
        let n = jobs.len();
        let runs: Vec<std::ops::Range<usize>> =
            (0..n).step_by(READERS_PER_RUN).map(|from| from..(from + READERS_PER_RUN).min(n)).collect();
        let found = super::par::map_in_order(super::par::cores(), &runs, |run| idx.edges_in(run.clone()));
        (found.into_iter().flatten().collect(), join(ranks))
    })
}

/// Readers per run of [`find_in_parallel`].
const READERS_PER_RUN: usize = 64;

/// A scoped thread's result, its panic passed on.
fn join<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

/// Each job's position in the order of the ids (by job index).
fn id_ranks(jobs: &[&Job]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_unstable_by(|&a, &b| jobs[a].id.cmp(&jobs[b].id));
    let mut rank = vec![0; jobs.len()];
    for (r, &ji) in order.iter().enumerate() {
        rank[ji] = r;
    }
    rank
}

/// Whether a job's dependencies are declared: its own `depends_on`, else its batch's.
fn declares(run: &Run, b: &super::model::Batch, j: &Job) -> bool {
    run.job_depends_on(&j.id).is_some() || b.depends_on.is_some()
}

/// The edges the manifest declares: a job's own `depends_on` (job ids), else its batch's
/// (`depends_on: [N]` = reads every output of batch N).
fn declared_edges(run: &Run) -> Vec<Edge> {
    let mut out = Vec::new();
    if run.job_depends_on.is_empty() && run.batches.iter().all(|b| b.depends_on.is_none()) {
        return out;
    }
    let by_id: FastMap<&str, &Job> = run.jobs().map(|j| (j.id.as_str(), j)).collect();
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

/// An inferred edge with the indices of its reader and writer (to order and class it).
struct Found {
    reader: usize,
    writer: usize,
    edge: Edge,
}

/// The (job, output) pairs a key names: the first inline (most keys name one output), any
/// others in `more`, so an index of thousands of keys holds few allocations to make and free.
struct Hits {
    first: (usize, usize),
    more: Vec<(usize, usize)>,
}

impl Hits {
    fn iter(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        std::iter::once(self.first).chain(self.more.iter().copied())
    }
}

fn add_hit<'k>(map: &mut FastMap<&'k str, Hits>, key: &'k str, hit: (usize, usize)) {
    match map.entry(key) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut().more.push(hit),
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(Hits { first: hit, more: Vec::new() });
        }
    }
}

/// The module forms of every output, in one string: (start, end, job, output) per form.
struct ModuleForms {
    text: String,
    spans: Vec<(usize, usize, usize, usize)>,
}

impl ModuleForms {
    fn of(jobs: &[&Job]) -> ModuleForms {
        let mut f = ModuleForms { text: String::new(), spans: Vec::new() };
        for (ji, j) in jobs.iter().enumerate() {
            for (oi, o) in j.outputs.iter().enumerate() {
                for m in module_forms(o) {
                    let start = f.text.len();
                    f.text.push_str(&m);
                    f.spans.push((start, f.text.len(), ji, oi));
                }
            }
        }
        f
    }
}

/// What `infer` looks tokens up in: every output path, module form and ancestor directory ->
/// (job, output) indices.
struct Index<'a> {
    jobs: &'a [&'a Job],
    by_path: FastMap<&'a str, Hits>,
    by_module: FastMap<&'a str, Hits>,
    by_dir: FastMap<&'a str, Hits>,
}

impl<'a> Index<'a> {
    fn new(jobs: &'a [&'a Job], forms: &'a ModuleForms) -> Index<'a> {
        let cap = jobs.len();
        let mut idx = Index {
            jobs,
            by_path: FastMap::with_capacity_and_hasher(cap, Default::default()),
            by_module: FastMap::with_capacity_and_hasher(forms.spans.len(), Default::default()),
            by_dir: FastMap::default(),
        };
        for (ji, j) in jobs.iter().enumerate() {
            for (oi, o) in j.outputs.iter().enumerate() {
                add_hit(&mut idx.by_path, o, (ji, oi));
                let mut dir = o.as_str();
                while let Some((parent, _)) = dir.rsplit_once('/') {
                    add_hit(&mut idx.by_dir, parent, (ji, oi));
                    dir = parent;
                }
            }
        }
        for &(start, end, ji, oi) in &forms.spans {
            if let Some(m) = forms.text.get(start..end) {
                add_hit(&mut idx.by_module, m, (ji, oi));
            }
        }
        idx
    }

    /// The edges of the readers in `readers`.
    fn edges_in(&self, readers: std::ops::Range<usize>) -> Vec<Found> {
        let mut found = Vec::new();
        for ri in readers {
            self.edges_of(ri, &mut found);
        }
        found
    }

    /// The edges of reader `ri`: one per writer, with the first evidence found. Evidence text
    /// is only built for a new edge (most hits are repeats or a job naming its own outputs).
    fn edges_of(&self, ri: usize, found: &mut Vec<Found>) {
        let jobs = self.jobs;
        let r = jobs[ri];
        let first = found.len();
        // The writers found, looked up in `found` while there are few (most readers have one
        // to three), in a set once there are many (a directory of many outputs).
        let mut many: Option<FastSet<usize>> = None;
        let mut add = |wi: usize, oi: usize, evidence: &dyn Fn() -> String| {
            if jobs[wi].batch >= r.batch || wi == ri {
                return;
            }
            let known = match &mut many {
                Some(set) => !set.insert(wi),
                None => found[first..].iter().any(|f| f.writer == wi),
            };
            if known {
                return;
            }
            if many.is_none() && found.len() - first >= 16 {
                many = Some(found[first..].iter().map(|f| f.writer).chain([wi]).collect());
            }
            let w = jobs[wi];
            let edge = Edge {
                reader: r.id.clone(),
                writer: w.id.clone(),
                output: w.outputs[oi].clone(),
                evidence: evidence(),
                declared: false,
            };
            found.push(Found { reader: ri, writer: wi, edge });
        };
        if let Some(p) = &r.prompt {
            // The whole text at once; the line number is counted only for a token that hits.
            let mut line_of = LineOf { text: p.text.as_bytes(), pos: 0, line: 0 };
            for (at, tok) in tokens_at(&p.text) {
                let t = strip_dot_slashes(tok);
                if let Some(hits) = self.by_path.get(t) {
                    let ln = line_of.at(at);
                    for (wi, oi) in hits.iter() {
                        add(wi, oi, &|| format!("prompt of {} line {} names {}", r.id, ln + 1, t));
                    }
                    continue;
                }
                // Module forms: the token or any dotted/`::` prefix of it.
                for m in prefixes(t) {
                    if let Some(hits) = self.by_module.get(m) {
                        let ln = line_of.at(at);
                        for (wi, oi) in hits.iter() {
                            let out = &jobs[wi].outputs[oi];
                            add(wi, oi, &|| format!("prompt of {} line {} names {} ({})", r.id, ln + 1, m, out));
                        }
                        break;
                    }
                }
            }
        }
        for argv in &r.validate {
            for arg in argv {
                let a = strip_dot_slashes(arg).trim_end_matches('/');
                let a = a.get(..find_colons(a).unwrap_or(a.len())).unwrap_or(a);
                let Some(hits) = self.by_path.get(a).or_else(|| self.by_dir.get(a)) else { continue };
                for (wi, oi) in hits.iter() {
                    let out = &jobs[wi].outputs[oi];
                    add(wi, oi, &|| format!("validation of {} (`{}`) touches {}", r.id, argv.join(" "), out));
                }
            }
        }
    }
}

/// Path-like or dotted tokens of a text: runs of `[A-Za-z0-9_./:-]`, trimmed of punctuation,
/// each with the offset of its run (no run spans a line: a line break is no token character).
fn tokens_at(text: &str) -> impl Iterator<Item = (usize, &str)> {
    Runs { s: text, pos: 0 }.map(|(at, t)| (at, t.trim_matches(|c: char| c == '.' || c == ':' || c == '-'))).filter(
        |(_, t)| t.len() > 2 && (memchr::memchr2(b'.', b'/', t.as_bytes()).is_some() || find_colons(t).is_some()),
    )
}

/// The first `::` in `s`. (A `&str` pattern sets up a substring searcher on every call; the
/// tokens here are short and there are hundreds of thousands of them on a wide run.)
fn find_colons(s: &str) -> Option<usize> {
    s.as_bytes().windows(2).position(|w| w == b"::")
}

/// The last `::` in `s` (see `find_colons`).
fn rfind_colons(s: &str) -> Option<usize> {
    s.as_bytes().windows(2).rposition(|w| w == b"::")
}

/// `s` without any leading `./` (what `trim_start_matches("./")` gives, without its searcher).
fn strip_dot_slashes(mut s: &str) -> &str {
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s
}

/// `tokens_at` without the offsets.
#[cfg(test)]
fn tokens(line: &str) -> impl Iterator<Item = &str> {
    tokens_at(line).map(|(_, t)| t)
}

/// Maximal runs of token characters (alphanumeric or one of `_./:-`) that hold a `.`, `/` or
/// `:` and are longer than 2 bytes (the others cannot survive `tokens_at`' filter). Fast path:
/// this runs over every prompt, which is mostly plain words, so it jumps from mark to mark
/// with `memchr3` and widens each mark to its run, instead of reading every character.
struct Runs<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Iterator for Runs<'a> {
    type Item = (usize, &'a str);

    fn next(&mut self) -> Option<(usize, &'a str)> {
        loop {
            let rest = self.s.as_bytes().get(self.pos..)?;
            let mark = self.pos + memchr::memchr3(b'.', b'/', b':', rest)?;
            let (start, end) = (run_start(self.s, self.pos, mark), run_end(self.s, mark));
            self.pos = end;
            if end - start > 2 {
                return self.s.get(start..end).map(|run| (start, run));
            }
        }
    }
}

/// Where the run holding byte `mark` starts, at `floor` at the earliest (the end of the
/// previous run). Byte by byte over ASCII, by characters from the first non-ASCII byte on.
fn run_start(s: &str, floor: usize, mark: usize) -> usize {
    let bytes = s.as_bytes();
    let mut start = mark;
    while start > floor && bytes.get(start - 1).is_some_and(|b| is_ascii_token_byte(*b)) {
        start -= 1;
    }
    if start == floor || bytes.get(start - 1).is_none_or(|b| b.is_ascii()) {
        return start;
    }
    let before = s.get(floor..start).unwrap_or_default();
    before.char_indices().rev().take_while(|(_, c)| is_token_char(*c)).last().map_or(start, |(i, _)| floor + i)
}

/// Where the run holding byte `mark` ends (see `run_start`).
fn run_end(s: &str, mark: usize) -> usize {
    let bytes = s.as_bytes();
    let mut end = mark;
    while bytes.get(end).is_some_and(|b| is_ascii_token_byte(*b)) {
        end += 1;
    }
    if bytes.get(end).is_none_or(|b| b.is_ascii()) {
        return end;
    }
    let after = s.get(end..).unwrap_or_default();
    end + after.char_indices().find(|(_, c)| !is_token_char(*c)).map_or(after.len(), |(i, _)| i)
}

#[inline]
fn is_ascii_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'/' | b':' | b'-')
}

/// Alphanumeric or one of `_./:-`.
#[inline]
fn is_token_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '_' | '.' | '/' | ':' | '-')
}

/// The 0-based line of byte offsets met in increasing order, counting line breaks as it goes.
struct LineOf<'a> {
    text: &'a [u8],
    pos: usize,
    line: usize,
}

impl LineOf<'_> {
    fn at(&mut self, offset: usize) -> usize {
        if offset > self.pos {
            self.line += self.text.get(self.pos..offset).map_or(0, |b| memchr::memchr_iter(b'\n', b).count());
            self.pos = offset;
        }
        self.line
    }
}

/// `sparkq.src.api.handle_enqueue` -> `sparkq.src.api.handle_enqueue`, `sparkq.src.api`, `sparkq.src`;
/// `crate::lexer::Token` -> `crate::lexer::Token`, `crate::lexer`. Longest first.
fn prefixes(tok: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(tok), |cur| {
        let cut = match (rfind_colons(cur), cur.rfind('.')) {
            (Some(a), Some(b)) => a.max(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => return None,
        };
        cur.get(..cut).filter(|p| !p.is_empty())
    })
}

impl Graph {
    /// Batch `reader` reads batch `writer`, unless `reader` declares its dependencies.
    fn add_batch_dep(&mut self, reader: u32, writer: u32) {
        if !self.declared.contains(&reader) {
            self.batch_deps.entry(reader).or_default().insert(writer);
        }
    }

    /// Jobs (ids) that read an output of any job in `writers`, directly or through other readers,
    /// restricted to batches after `after`. Declared edges are edges like the others (a declared
    /// batch-level `depends_on: [N]` reads every output of N).
    pub fn readers_of(&self, run: &Run, writers: &BTreeSet<String>, after: u32) -> BTreeMap<String, Vec<String>> {
        let mut stale: FastMap<&str, Vec<&str>> = FastMap::default();
        let mut frontier: Vec<&str> = writers.iter().map(String::as_str).collect();
        let mut known: FastSet<&str> = frontier.iter().copied().collect();
        let batch_of: FastMap<&str, u32> = run.jobs().map(|j| (j.id.as_str(), j.batch)).collect();
        // Only the edges read after `after` can be followed.
        let mut by_writer: FastMap<&str, Vec<&Edge>> = FastMap::default();
        for e in self.edges.iter().filter(|e| batch_of.get(e.reader.as_str()).copied().unwrap_or(0) > after) {
            by_writer.entry(e.writer.as_str()).or_default().push(e);
        }
        while let Some(w) = frontier.pop() {
            for e in by_writer.get(w).into_iter().flatten() {
                stale.entry(e.reader.as_str()).or_default().push(e.evidence.as_str());
                if known.insert(e.reader.as_str()) {
                    frontier.push(e.reader.as_str());
                }
            }
        }
        stale
            .into_iter()
            .map(|(reader, mut v)| {
                v.sort_unstable();
                v.dedup();
                (reader.to_string(), v.into_iter().map(str::to_string).collect())
            })
            .collect()
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
            "a.bé/c é.x x.é ab.c日 日ab.c 语a.b语 é",
            "",
            "...::--//",
        ] {
            let got: Vec<String> = tokens(line).map(str::to_string).collect();
            assert_eq!(got, reference(line), "{line}");
        }
    }

    #[test]
    fn tokens_of_a_whole_text_are_those_of_its_lines() {
        let text = "Import a.b from ../x/y.py\r\nno marks here\n\n日本/語.py: sparkq.src.api.x.\nlast::line";
        let mut line_of = LineOf { text: text.as_bytes(), pos: 0, line: 0 };
        let got: Vec<(usize, &str)> = tokens_at(text).map(|(at, t)| (line_of.at(at), t)).collect();
        let want: Vec<(usize, &str)> =
            text.lines().enumerate().flat_map(|(ln, line)| tokens(line).map(move |t| (ln, t))).collect();
        assert_eq!(got, want);
        assert_eq!(
            prefixes("crate::lexer::Token").collect::<Vec<_>>(),
            vec!["crate::lexer::Token", "crate::lexer", "crate"]
        );
        assert_eq!(prefixes(".a").collect::<Vec<_>>(), vec![".a"]);
        for s in ["a:::b", "::", "a::b::c", "none", ":", "x:"] {
            assert_eq!(find_colons(s), s.find("::"), "{s}");
            assert_eq!(rfind_colons(s), s.rfind("::"), "{s}");
        }
        for s in ["./a", "././b", ".//c", "d", "./"] {
            assert_eq!(strip_dot_slashes(s), s.trim_start_matches("./"), "{s}");
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
