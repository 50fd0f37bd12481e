//! Merge everything discovery read into one Run: jobs from batch scripts, command lists and
//! joblogs; logs matched to jobs (redirect, thread id, output path, order); validation findings
//! matched by output file; statuses decided. Every match says how it was made.

use super::agent::AgentLog;
use super::discover::{Input, Parsed};
use super::formats::codex_session::Session;
use super::formats::joblog::Joblog;
use super::formats::JobTable;
use super::paths::Rebaser;
use super::script::{self, GeneratorCall, PromptText, Script};
use super::validation::ValidationReport;
use super::ProjectFiles;
use super::{prompt_text, shell};
use crate::core::fasthash::{FastMap, FastSet};
use crate::core::model::{Batch, Finding, Job, JobResult, Prompt, Run, Status};
use crate::core::status::failed;
use chrono::{DateTime, TimeZone, Utc};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::Path;

mod jobs;
mod tables;

use jobs::{apply_reports, assign_ids, build_job, decide_status};

/// Below this many jobs a step over every job stays on one thread.
const PAR_MIN: usize = 2_000;

/// A job while it is being assembled.
#[derive(Debug, Default)]
struct Draft {
    batch: u32,
    id_hint: String,
    /// Where the job was defined (`script:line`).
    origin: String,
    command: Vec<String>,
    prompt: Option<Prompt>,
    /// Prompt file (relative to root) when the prompt was read from one.
    prompt_file: Option<String>,
    outputs: Vec<String>,
    validate: Vec<Vec<String>>,
    stdout_log: Option<String>,
    stderr_log: Option<String>,
    other_logs: Vec<String>,
    /// Files the matched session file's `apply_patch` calls wrote (relative to its cwd).
    session_files: Vec<String>,
    /// Failed commands the matched session file records.
    session_evidence: Vec<Finding>,
    row: Option<RowInfo>,
    agents: Vec<usize>,
    matched_by: Vec<String>,
    /// Warnings about this draft found while settling it (moved to the run's warnings).
    notes: Vec<String>,
}

#[derive(Debug, Clone)]
struct RowInfo {
    exitval: i64,
    signal: i64,
    start: Option<f64>,
    runtime_s: Option<f64>,
    earlier_attempts: u32,
    source: String,
}

#[derive(Default)]
struct Inputs {
    scripts: Vec<(String, Script)>,
    joblogs: Vec<(String, Joblog)>,
    job_tables: Vec<(String, JobTable)>,
    agents: Vec<(String, Box<AgentLog>)>,
    sessions: Vec<(String, Session)>,
    reports: Vec<(String, ValidationReport)>,
    /// The load is of one file (PATH = a log): it is one job of one batch, whatever its name.
    single_file: bool,
    /// Files of no known format (stderr captures, prompt files): rel -> first bytes.
    others: FastMap<String, String>,
}

pub fn merge(
    root: &Path,
    inputs: impl IntoIterator<Item = Input>,
    generators: &[String],
    files: &dyn ProjectFiles,
) -> Run {
    let mut run = Run { project_root: root.to_path_buf(), ..Run::default() };
    let mut inp = Inputs::default();
    let mut count = 0usize;
    for i in inputs {
        count += 1;
        let rel = i.rel;
        match i.parsed {
            Parsed::Script(s) => {
                run.warnings.extend(s.warnings.iter().map(|w| w.to_string()));
                inp.scripts.push((rel.clone(), *s));
            }
            Parsed::Joblog(j) => {
                run.warnings.extend(j.warnings.iter().map(|w| w.to_string()));
                inp.joblogs.push((rel.clone(), *j));
            }
            Parsed::Agent(a) => {
                run.warnings.extend(a.warnings.iter().map(|w| w.to_string()));
                inp.agents.push((rel.clone(), a));
            }
            Parsed::Session(s) => {
                run.warnings.extend(s.warnings.iter().map(|w| w.to_string()));
                inp.sessions.push((rel.clone(), *s));
            }
            Parsed::Validation(v) => {
                run.warnings.extend(v.warnings.iter().map(|w| w.to_string()));
                inp.reports.push((rel.clone(), *v));
            }
            Parsed::JobTable(t) => {
                run.warnings.extend(t.warnings.iter().map(|w| w.to_string()));
                inp.job_tables.push((rel.clone(), *t));
            }
            Parsed::Other { text_head } => {
                inp.others.insert(rel, text_head);
                continue;
            }
            Parsed::Skipped { reason } => {
                run.warnings.push(format!("{rel}: {reason}"));
                continue;
            }
        }
        run.sources.push(rel);
    }

    inp.single_file = count == 1;
    let mut rb = Rebaser::with_files(root, files);
    for (_, s) in &inp.scripts {
        if let Some(cd) = &s.cd {
            rb.add_foreign_root(cd);
        }
        for call in s.batches.iter().flat_map(|b| b.calls.iter()) {
            if let Some(cd) = &call.cd {
                rb.add_foreign_root(cd);
            }
        }
    }
    for (_, a) in &inp.agents {
        if let Some(cwd) = &a.cwd {
            rb.add_foreign_root(cwd);
        }
    }
    for (_, s) in &inp.sessions {
        if let Some(cwd) = &s.cwd {
            rb.add_foreign_root(cwd);
        }
    }

    let mut names: BTreeMap<u32, String> = BTreeMap::new();
    let mut drafts = drafts_from_scripts(&mut inp.scripts, &rb, &mut names, &mut run.warnings);
    attach_joblogs(&inp, &rb, generators, &mut drafts, &mut run.warnings);
    tables::attach_job_tables(&inp, &rb, &mut drafts, &mut run.warnings);
    read_prompt_files(root, files, &mut drafts, &mut run.warnings);
    attach_agents(&inp, &rb, &mut drafts, &mut run.warnings);
    attach_sessions(&inp, &mut drafts);
    let agents = &inp.agents;
    crate::core::par::for_each_mut(&mut drafts, PAR_MIN, |d| settle_outputs(d, agents, &rb));
    for d in &mut drafts {
        run.warnings.append(&mut d.notes);
    }
    let scripts_of = batch_scripts(&drafts, &inp.scripts, &rb);
    let ids = assign_ids(&drafts);
    let mut jobs: Vec<Job> = drafts.iter_mut().zip(ids).map(|(d, id)| build_job(d, id, &inp)).collect();
    apply_reports(&inp.reports, &rb, &mut jobs, &mut run.warnings);
    decide_status(root, files, &drafts, &inp, &mut jobs, &mut run.warnings);
    // What the readers produced is not needed any more: tens of thousands of strings on a
    // wide run, freed on the side while the jobs are put in their batches (which copies
    // them, so the copy reuses what is freed rather than new memory).
    crate::core::par::drop_in_background((inp, drafts));

    // Each batch's jobs are moved in once, into a vector of the right size.
    let mut sizes: BTreeMap<u32, usize> = BTreeMap::new();
    for j in &jobs {
        *sizes.entry(j.batch).or_default() += 1;
    }
    let mut batches: BTreeMap<u32, Batch> = BTreeMap::new();
    for j in jobs {
        let b = batches.entry(j.batch).or_insert_with(|| Batch {
            number: j.batch,
            name: names.get(&j.batch).cloned().unwrap_or_else(|| format!("Batch {}", j.batch)),
            depends_on: None,
            jobs: Vec::with_capacity(sizes.get(&j.batch).copied().unwrap_or(1)),
            scripts: scripts_of.get(&j.batch).cloned().unwrap_or_default(),
        });
        b.jobs.push(j);
    }
    run.batches = batches.into_values().collect();
    run.id = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "run".into());
    run.title = phase_title(&names).unwrap_or_else(|| run.id.clone());
    run
}

/// A draft's outputs once every input is attached: from its prompt, else from the files its
/// logs or session say were written, re-based under the root (one outside it is a note);
/// and its validation commands from the prompt when nothing else gave them.
fn settle_outputs(d: &mut Draft, agents: &[(String, Box<AgentLog>)], rb: &Rebaser) {
    if d.outputs.is_empty() {
        d.outputs = d.agents.iter().flat_map(|&a| agents[a].1.files_written.iter()).filter_map(|p| rb.rel(p)).collect();
        d.outputs.dedup();
    }
    if d.outputs.is_empty() {
        d.outputs = d.session_files.iter().filter_map(|p| rb.rel(p)).collect();
        d.outputs.dedup();
    }
    if d.validate.is_empty() {
        if let Some(p) = &d.prompt {
            d.validate = prompt_text::validation(&p.text);
        }
    }
    // Outputs come from prompts and logs: never one outside the project root.
    for o in std::mem::take(&mut d.outputs) {
        match rb.rel(&o) {
            Some(rel) if !d.outputs.contains(&rel) => d.outputs.push(rel),
            Some(_) => {}
            None => d.notes.push(format!("{}: output {o} lies outside the project root; ignored", d.origin)),
        }
    }
}

/// Per batch, the scripts that run it: the script its jobs were defined in (`origin` is
/// `file:line`), or for a command list, the script that feeds it to GNU parallel.
fn batch_scripts(drafts: &[Draft], scripts: &[(String, Script)], rb: &Rebaser) -> BTreeMap<u32, Vec<String>> {
    let known: FastSet<&str> = scripts.iter().map(|(rel, _)| rel.as_str()).collect();
    // Command list -> the first script that feeds it to GNU parallel.
    let mut runner_of: FastMap<String, &str> = FastMap::default();
    for (rel, s) in scripts {
        for list in s.parallel.iter().filter_map(|p| p.input.as_deref().and_then(|i| rb.rel(i))) {
            runner_of.entry(list).or_insert(rel.as_str());
        }
    }
    let mut out: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for d in drafts {
        let file = d.origin.rsplit_once(':').map_or(d.origin.as_str(), |(f, _)| f);
        let file = runner_of.get(file).copied().unwrap_or(file);
        if known.contains(file) {
            let list = out.entry(d.batch).or_default();
            if !list.iter().any(|s| s == file) {
                list.push(file.to_string());
            }
        }
    }
    out
}

/// `SparkQ Phase 6 - Batch 3 (parallel)` -> `SparkQ Phase 6`.
fn phase_title(names: &BTreeMap<u32, String>) -> Option<String> {
    let n = names.values().next()?;
    let lower = n.to_ascii_lowercase();
    let cut = lower.find(" - batch").or_else(|| lower.find(" batch "))?;
    let t = n[..cut].trim().trim_start_matches('#').trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The jobs the scripts define, in batch order. The calls' words and prompts are moved into
/// the jobs and the rest of the calls is dropped (nothing after this reads them from the
/// scripts); the drafts are made on every core, then a log written by two calls is counted
/// once, in order.
fn drafts_from_scripts(
    scripts: &mut [(String, Script)],
    rb: &Rebaser,
    names: &mut BTreeMap<u32, String>,
    warnings: &mut Vec<String>,
) -> Vec<Draft> {
    let mut ordered: Vec<&mut (String, Script)> = scripts.iter_mut().collect();
    ordered.sort_by_cached_key(|(rel, s)| {
        (s.batches.iter().filter_map(|b| b.number).min().unwrap_or(u32::MAX), rel.clone())
    });
    let mut work: Vec<CallDraft<'_>> = Vec::new();
    for (rel, s) in ordered {
        let rel: &str = rel;
        for b in &mut s.batches {
            if let (Some(n), Some(name)) = (b.number, &b.name) {
                names.entry(n).or_insert_with(|| name.clone());
            }
            if b.calls.is_empty() {
                continue;
            }
            let Some(number) = b.number else {
                warnings.push(format!("{rel}: cannot tell which batch its {} generator call(s) belong to (no `# Batch N` marker, no number in the file name); they are not loaded", b.calls.len()));
                continue;
            };
            if let Some(name) = &b.name {
                names.entry(number).or_insert_with(|| name.clone());
            }
            work.extend(b.calls.iter_mut().map(|call| CallDraft { call, batch: number, source: rel }));
        }
    }
    let made = crate::core::par::map_mut_in_order_chunks(&mut work, PAR_MIN, |w| {
        draft_from_call(w.call, w.batch, w.source, rb)
    });
    let calls_made = work.len();
    drop(work);
    // What is left of the calls (the programs and redirects, one call's worth of small
    // strings each) is freed now, on the side when there are many, to be reused by the merge.
    let calls: Vec<Vec<GeneratorCall>> =
        scripts.iter_mut().flat_map(|(_, s)| s.batches.iter_mut().map(|b| std::mem::take(&mut b.calls))).collect();
    if calls_made >= PAR_MIN {
        crate::core::par::drop_in_background(calls);
    }
    let mut drafts: Vec<Draft> = Vec::with_capacity(calls_made);
    // Log -> the draft that writes it.
    let mut seen_logs: FastMap<String, usize> = FastMap::with_capacity_and_hasher(calls_made, Default::default());
    for d in made.into_iter().flatten() {
        if let Some(log) = &d.stdout_log {
            if let Some(&prev) = seen_logs.get(log) {
                warnings.push(format!(
                    "{}: writes {} like {}; the job is counted once",
                    d.origin, log, drafts[prev].origin
                ));
                continue;
            }
            seen_logs.insert(log.clone(), drafts.len());
        }
        drafts.push(d);
    }
    drafts
}

/// A generator call of a script, with what its draft needs to know of where it is.
struct CallDraft<'a> {
    call: &'a mut GeneratorCall,
    batch: u32,
    source: &'a str,
}

/// The draft of a generator call, taking its words and prompt text.
fn draft_from_call(call: &mut GeneratorCall, batch: u32, source: &str, rb: &Rebaser) -> Draft {
    let inv = &mut call.invocation;
    let origin = format!("{source}:{}", inv.line);
    let mut d = Draft { batch, command: std::mem::take(&mut inv.argv), ..Draft::default() };
    d.stdout_log = inv.stdout.as_deref().and_then(|p| rb.rel(p));
    d.stderr_log = inv.stderr.as_deref().and_then(|p| rb.rel(p));
    // `cmd > log 2>&1 | tee log` names one log twice: it is one log of this job.
    for p in [inv.tee.as_deref(), call.last_message_file.as_deref()].into_iter().flatten() {
        if let Some(p) = rb.rel(p) {
            let known = d.stdout_log.as_ref() == Some(&p) || d.stderr_log.as_ref() == Some(&p);
            if !known && !d.other_logs.contains(&p) {
                d.other_logs.push(p);
            }
        }
    }
    match &mut call.prompt {
        PromptText::Inline(text) => {
            d.prompt = Some(Prompt { text: trim_newlines(std::mem::take(text)), source: origin.clone() });
        }
        PromptText::File(f) => d.prompt_file = Some(rb.rel_or_raw(f)),
        PromptText::Missing => {}
    }
    d.id_hint = id_hint(&d);
    d.matched_by.push(format!("defined by {origin}"));
    d.origin = origin;
    d
}

/// `text` without the newlines at its ends, in place.
fn trim_newlines(mut text: String) -> String {
    let end = text.trim_end_matches('\n').len();
    text.truncate(end);
    let start = text.len() - text.trim_start_matches('\n').len();
    text.drain(..start);
    text
}

/// `_build/logs/b3-conftest.jsonl` -> `b3-conftest`; numeric stems get the batch prefix.
fn id_hint(d: &Draft) -> String {
    let stem_of = |p: &str| -> String {
        let name = p.rsplit('/').next().unwrap_or(p);
        name.split('.').next().unwrap_or(name).to_string()
    };
    let candidates = [d.stdout_log.as_deref(), d.prompt_file.as_deref(), d.stderr_log.as_deref()];
    for c in candidates.into_iter().flatten() {
        let stem = stem_of(c);
        if stem.is_empty() {
            continue;
        }
        if stem.chars().all(|c| c.is_ascii_digit()) {
            return format!("b{}-{}", d.batch, stem);
        }
        return stem;
    }
    String::new()
}

fn attach_joblogs(
    inp: &Inputs,
    rb: &Rebaser,
    generators: &[String],
    drafts: &mut Vec<Draft>,
    warnings: &mut Vec<String>,
) {
    // joblog rel -> (runner script rel, input list rel)
    let mut links: FastMap<String, (String, Option<String>)> = FastMap::default();
    for (rel, s) in &inp.scripts {
        for p in &s.parallel {
            if let Some(j) = p.joblog.as_deref().and_then(|j| rb.rel(j)) {
                links.insert(j, (rel.clone(), p.input.as_deref().and_then(|i| rb.rel(i))));
            }
        }
    }
    let batch_of_script = |rel: &str| -> Option<u32> {
        inp.scripts.iter().find(|(r, _)| r == rel).and_then(|(_, s)| s.batches.iter().find_map(|b| b.number))
    };
    let file_name = |rel: &str| rel.rsplit('/').next().unwrap_or(rel).to_string();
    if inp.joblogs.is_empty() {
        return;
    }
    // Drafts a row can match, by key (rows only ever match drafts that existed before them).
    let mut by_stdout: DraftIndex<String> = DraftIndex::default();
    let mut by_prompt: DraftIndex<String> = DraftIndex::default();
    let mut by_command: DraftIndex<Vec<String>> = DraftIndex::default();
    for (i, d) in drafts.iter().enumerate() {
        if let Some(l) = &d.stdout_log {
            by_stdout.add(d.batch, l.clone(), i);
        }
        if let Some(p) = &d.prompt_file {
            by_prompt.add(d.batch, p.clone(), i);
        }
        if !d.command.is_empty() {
            by_command.add(d.batch, d.command.clone(), i);
        }
    }
    for (rel, jl) in &inp.joblogs {
        let batch = match links.get(rel) {
            Some((runner, input)) => input
                .as_deref()
                .and_then(batch_of_script)
                .or_else(|| script::batch_number_from_name(&file_name(runner))),
            None => None,
        }
        .or_else(|| script::batch_number_from_name(&file_name(rel)));
        let Some(batch) = batch else {
            warnings.push(format!("{rel}: cannot tell which batch this joblog belongs to (no runner script names it, no number in its name); it is not loaded"));
            continue;
        };
        for jj in jl.jobs() {
            let row = jj.last;
            let info = RowInfo {
                exitval: row.exitval,
                signal: row.signal,
                start: row.start,
                runtime_s: row.runtime_s,
                earlier_attempts: jj.earlier_attempts as u32,
                source: format!("{rel}:{}", row.line),
            };
            let inv = shell::parse_command(&row.command, &HashMap::new());
            let call = inv.as_ref().and_then(|i| script::generator_call(i, generators));
            let stdout = inv.as_ref().and_then(|i| i.stdout.as_deref()).and_then(|p| rb.rel(p));
            let stdin =
                inv.as_ref().and_then(|i| i.stdin_file.as_deref().or(i.piped_from.as_deref())).and_then(|p| rb.rel(p));
            let argv = inv.as_ref().map(|i| i.argv.clone()).unwrap_or_default();
            let found = stdout
                .as_deref()
                .and_then(|k| by_stdout.first_free(batch, k, drafts))
                .map(|i| (i, "its redirect names the same log"))
                .or_else(|| {
                    stdin
                        .as_deref()
                        .and_then(|k| by_prompt.first_free(batch, k, drafts))
                        .map(|i| (i, "it reads the same prompt file"))
                })
                .or_else(|| {
                    (!argv.is_empty())
                        .then_some(())
                        .and_then(|_| by_command.first_free(batch, &argv, drafts))
                        .map(|i| (i, "same command"))
                });
            let idx = match found {
                Some((i, how)) => {
                    drafts[i].matched_by.push(format!("joblog row {} (Seq {}): {how}", info.source, jj.seq));
                    i
                }
                None => {
                    let mut d = match call {
                        Some(mut c) => draft_from_call(&mut c, batch, rel, rb),
                        None => Draft { batch, command: argv.clone(), ..Draft::default() },
                    };
                    d.origin = info.source.clone();
                    d.matched_by = vec![format!("defined by joblog row {} (Seq {})", info.source, jj.seq)];
                    if d.id_hint.is_empty() {
                        d.id_hint = format!("b{batch}-{}", jj.seq);
                    }
                    drafts.push(d);
                    drafts.len() - 1
                }
            };
            drafts[idx].row = Some(info);
        }
    }
}

/// Draft indices by (batch, key), in draft order: finds the first draft without a joblog row
/// in O(1) amortized instead of scanning every draft for every row.
struct DraftIndex<K> {
    map: FastMap<u32, FastMap<K, VecDeque<usize>>>,
}

impl<K> Default for DraftIndex<K> {
    fn default() -> Self {
        DraftIndex { map: FastMap::default() }
    }
}

impl<K: std::hash::Hash + Eq> DraftIndex<K> {
    fn add(&mut self, batch: u32, key: K, i: usize) {
        self.map.entry(batch).or_default().entry(key).or_default().push_back(i);
    }

    /// The lowest-numbered draft of `batch` with this key that has no row yet.
    fn first_free<Q>(&mut self, batch: u32, key: &Q, drafts: &[Draft]) -> Option<usize>
    where
        K: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        let q = self.map.get_mut(&batch)?.get_mut(key)?;
        while let Some(&i) = q.front() {
            if drafts.get(i).is_some_and(|d| d.row.is_none()) {
                return Some(i);
            }
            q.pop_front();
        }
        None
    }
}

fn read_prompt_files(root: &Path, files: &dyn ProjectFiles, drafts: &mut [Draft], warnings: &mut Vec<String>) {
    for d in drafts.iter_mut() {
        let Some(pf) = d.prompt_file.clone() else { continue };
        if d.prompt.is_some() {
            continue;
        }
        let inside = !pf.starts_with('/') && !pf.split('/').any(|c| c == "..");
        let text = if inside { Some(files.read_inside(root, &pf)) } else { None };
        match text {
            Some(Ok(bytes)) => {
                d.prompt = Some(Prompt { text: String::from_utf8_lossy(&bytes).into_owned(), source: pf })
            }
            Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => {
                warnings.push(format!("{}: prompt file {pf} cannot be read ({e})", d.origin))
            }
            _ => warnings.push(format!("{}: prompt file {pf} was not found under the project root", d.origin)),
        }
    }
    crate::core::par::for_each_mut(drafts, PAR_MIN, |d| {
        if let Some(p) = &d.prompt {
            d.outputs = prompt_text::outputs(&p.text);
        }
    });
}

fn attach_agents(inp: &Inputs, rb: &Rebaser, drafts: &mut Vec<Draft>, warnings: &mut Vec<String>) {
    let mut matched: Vec<(usize, usize, String)> = Vec::new();
    let mut orphans = Vec::new();
    {
        let drafts: &[Draft] = drafts;
        let mut by_log: FastMap<&str, NamedBy> =
            FastMap::with_capacity_and_hasher(2 * drafts.len(), Default::default());
        for (i, d) in drafts.iter().enumerate() {
            for l in d.stdout_log.iter().chain(d.stderr_log.iter()).chain(d.other_logs.iter()) {
                by_log.entry(l.as_str()).and_modify(|n| n.add(i)).or_insert(NamedBy { first: i, last: i, jobs: 1 });
            }
        }
        // Only needed for a log no redirect names (most runs have none): made at the first.
        let mut by_output: Option<FastMap<&str, Vec<usize>>> = None;
        for (ai, (rel, log)) in inp.agents.iter().enumerate() {
            if let Some(n) = by_log.get(rel.as_str()) {
                let first = &drafts[n.first].origin;
                if n.jobs > 1 {
                    warnings.push(format!(
                        "{rel}: named by the redirects of {} jobs; matched to the first ({first})",
                        n.jobs
                    ));
                }
                matched.push((n.first, ai, format!("log {rel}: named by the redirect at {first}")));
                continue;
            }
            let by_output = by_output.get_or_insert_with(|| {
                let mut m: FastMap<&str, Vec<usize>> =
                    FastMap::with_capacity_and_hasher(drafts.len(), Default::default());
                for (i, d) in drafts.iter().enumerate() {
                    for o in &d.outputs {
                        m.entry(o.as_str()).or_default().push(i);
                    }
                }
                m
            });
            let mut hits: Vec<usize> = log
                .files_written
                .iter()
                .filter_map(|p| rb.rel(p))
                .filter_map(|p| by_output.get(p.as_str()))
                .flatten()
                .copied()
                .collect();
            hits.sort_unstable();
            hits.dedup();
            // A log that wrote nothing is matched by the outputs its echoed prompt names.
            let mut how = "wrote an output of the job";
            if hits.is_empty() {
                if let Some(p) = &log.prompt {
                    hits = prompt_text::outputs(p)
                        .iter()
                        .filter_map(|o| by_output.get(o.as_str()))
                        .flatten()
                        .copied()
                        .collect();
                    hits.sort_unstable();
                    hits.dedup();
                    how = "its echoed prompt names an output of the job";
                }
            }
            match hits.as_slice() {
                [one] => matched.push((*one, ai, format!("log {rel}: {how}"))),
                [] => orphans.push(ai),
                many => warnings.push(format!(
                    "{rel}: wrote outputs of {} different jobs ({}); not matched",
                    many.len(),
                    many.iter().map(|&i| drafts[i].origin.as_str()).collect::<Vec<_>>().join(", ")
                )),
            }
        }
    }
    for (di, ai, how) in matched {
        drafts[di].agents.push(ai);
        drafts[di].matched_by.push(how);
    }
    for ai in orphans {
        let (rel, log) = &inp.agents[ai];
        let batch = batch_from_path(rel).or(inp.single_file.then_some(1));
        let Some(batch) = batch else {
            warnings.push(format!("{rel}: agent log not matched to any job (no redirect names it, it wrote no known output, and its path names no batch)"));
            continue;
        };
        let stem = rel.rsplit('/').next().unwrap_or(rel).split('.').next().unwrap_or("job").to_string();
        let mut d = Draft { batch, origin: rel.clone(), stdout_log: Some(rel.clone()), ..Draft::default() };
        d.id_hint = if stem.chars().all(|c| c.is_ascii_digit()) { format!("b{batch}-{stem}") } else { stem };
        d.agents.push(ai);
        // The outputs its echoed prompt names (`File to create:`), written or not, then the
        // files it wrote: a job that wrote nothing still has its (missing) output.
        d.outputs = log.prompt.as_deref().map(prompt_text::outputs).unwrap_or_default();
        for p in log.files_written.iter().filter_map(|p| rb.rel(p)) {
            if !d.outputs.contains(&p) {
                d.outputs.push(p);
            }
        }
        d.matched_by.push(match batch_from_path(rel) {
            Some(_) => format!("defined by log {rel} (batch {batch} from its path)"),
            None => format!("defined by log {rel} (the one file loaded: one job of one batch)"),
        });
        if let Some(p) = &log.prompt {
            d.prompt = Some(Prompt { text: p.clone(), source: rel.clone() });
        }
        drafts.push(d);
    }
    // Prompts carried by the logs themselves (oldest JSON generation, text logs).
    for d in drafts.iter_mut() {
        if d.prompt.is_none() {
            if let Some((rel, p)) =
                d.agents.iter().find_map(|&a| inp.agents[a].1.prompt.as_ref().map(|p| (&inp.agents[a].0, p)))
            {
                d.prompt = Some(Prompt { text: p.clone(), source: rel.clone() });
                if d.outputs.is_empty() {
                    d.outputs = prompt_text::outputs(p);
                }
            }
        }
    }
}

/// The jobs whose redirects name one log: the first of them and how many.
struct NamedBy {
    first: usize,
    last: usize,
    jobs: usize,
}

impl NamedBy {
    /// One job naming a log twice (redirect and tee, stdout and stderr) is one job.
    fn add(&mut self, job: usize) {
        if self.last != job {
            self.last = job;
            self.jobs += 1;
        }
    }
}

/// `logs/b1/3.jsonl` -> 1, `_build/logs/b2-api.jsonl` -> 2, `batch3/x.jsonl` -> 3.
fn batch_from_path(rel: &str) -> Option<u32> {
    for part in rel.rsplit('/') {
        let lower = part.to_ascii_lowercase();
        let rest =
            lower.strip_prefix("batch").map(|r| r.trim_start_matches(['-', '_'])).or_else(|| lower.strip_prefix('b'));
        if let Some(rest) = rest {
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            let after = rest[digits.len()..].chars().next();
            if !digits.is_empty() && matches!(after, None | Some('-') | Some('_') | Some('.')) {
                return digits.parse().ok().filter(|n| *n > 0);
            }
        }
    }
    None
}

fn attach_sessions(inp: &Inputs, drafts: &mut [Draft]) {
    if inp.sessions.is_empty() {
        return;
    }
    let by_id: FastMap<&str, &(String, Session)> =
        inp.sessions.iter().filter_map(|s| s.1.id.as_deref().map(|id| (id, s))).collect();
    for d in drafts.iter_mut() {
        for &a in &d.agents {
            let Some(tid) = inp.agents[a].1.thread_id.as_deref() else { continue };
            let Some((rel, s)) = by_id.get(tid) else { continue };
            d.matched_by.push(format!("session {rel}: same thread id {tid}"));
            d.session_files.extend(s.files_written.iter().cloned());
            d.session_evidence.extend(s.evidence.iter().cloned());
            if d.prompt.is_none() {
                if let Some(p) = &s.prompt {
                    d.prompt = Some(Prompt { text: p.clone(), source: rel.clone() });
                    if d.outputs.is_empty() {
                        d.outputs = prompt_text::outputs(p);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_numbers_from_log_paths() {
        assert_eq!(batch_from_path("logs/b1/3.jsonl"), Some(1));
        assert_eq!(batch_from_path("_build/logs/phase6/b2-api.jsonl"), Some(2));
        assert_eq!(batch_from_path("runs/batch_3/x.jsonl"), Some(3));
        assert_eq!(batch_from_path("logs/build.jsonl"), None);
    }

    #[test]
    fn title_from_batch_marker() {
        let mut names = BTreeMap::new();
        names.insert(1, "SparkQ Phase 6 - Batch 1 (parallel)".to_string());
        assert_eq!(phase_title(&names).as_deref(), Some("SparkQ Phase 6"));
    }
}
