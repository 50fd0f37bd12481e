//! The jobs of a merge's drafts: their ids, their results from the logs and joblog rows, the
//! validation reports' findings on their outputs, and their status (DESIGN.md §2).

use super::*;

pub(super) fn assign_ids(drafts: &[Draft]) -> Vec<String> {
    let mut used: FastSet<String> = FastSet::default();
    let mut per_batch: FastMap<u32, usize> = FastMap::default();
    drafts
        .iter()
        .map(|d| {
            let k = per_batch.entry(d.batch).or_insert(0);
            *k += 1;
            let base = if d.id_hint.is_empty() { format!("b{}-{}", d.batch, k) } else { d.id_hint.clone() };
            if !used.contains(&base) {
                used.insert(base.clone());
                return base;
            }
            let mut n = 2;
            loop {
                let id = format!("{base}-{n}");
                if !used.contains(&id) {
                    used.insert(id.clone());
                    return id;
                }
                n += 1;
            }
        })
        .collect()
}

fn epoch(secs: f64) -> Option<DateTime<Utc>> {
    if !secs.is_finite() || secs < 0.0 {
        return None;
    }
    Utc.timestamp_millis_opt((secs * 1000.0).round() as i64).single()
}

/// The job of a draft. Moves out what only the job needs (outputs, prompt, command,
/// validation, matched_by); `decide_status` reads the rest of the draft afterwards.
pub(super) fn build_job(d: &mut Draft, id: String, inp: &Inputs) -> Job {
    let mut r = JobResult::default();
    let mut logs: Vec<String> = Vec::new();
    for l in d.stdout_log.iter().chain(d.stderr_log.iter()).chain(d.other_logs.iter()) {
        if !logs.contains(l) {
            logs.push(l.clone());
        }
    }
    for &a in &d.agents {
        let (rel, log) = &inp.agents[a];
        if !logs.contains(rel) {
            logs.push(rel.clone());
        }
        if let Some(t) = log.tokens {
            if t.total() >= r.tokens.total() {
                r.tokens = t;
            }
        }
        r.started_at = r.started_at.or(log.started_at);
        r.ended_at = r.ended_at.or(log.ended_at);
        r.duration_s = r.duration_s.or(log.duration_s);
        r.evidence.extend(log.evidence.iter().cloned());
        r.evidence.extend(log.notices.iter().map(|n| Finding {
            error_type: "notice".into(),
            message: n.clone(),
            source: rel.clone(),
            ..Finding::default()
        }));
    }
    // No log gave a figure (killed before its first usage event, no log at all, a result whose
    // usage is all zeros): unknown, not a measured 0.
    r.tokens_unknown = !d.agents.iter().any(|&a| inp.agents[a].1.tokens.is_some_and(|t| !t.is_zero()));
    if let Some(row) = &d.row {
        r.exit_code = Some(row.exitval as i32);
        r.started_at = row.start.and_then(epoch).or(r.started_at);
        r.duration_s = row.runtime_s.or(r.duration_s);
        if let (Some(s), Some(rt)) = (row.start, row.runtime_s) {
            r.ended_at = epoch(s + rt).or(r.ended_at);
        }
        r.earlier_attempts = row.earlier_attempts;
    }
    if r.duration_s.is_none() {
        if let (Some(s), Some(e)) = (r.started_at, r.ended_at) {
            r.duration_s = Some((e - s).num_milliseconds() as f64 / 1000.0);
        }
    }
    r.evidence.extend(std::mem::take(&mut d.session_evidence));
    r.logs = logs;
    Job {
        id,
        batch: d.batch,
        outputs: std::mem::take(&mut d.outputs),
        prompt: d.prompt.take(),
        command: std::mem::take(&mut d.command),
        validate: std::mem::take(&mut d.validate),
        result: r,
        matched_by: std::mem::take(&mut d.matched_by),
    }
}

pub(super) fn apply_reports(
    reports: &[(String, ValidationReport)],
    rb: &Rebaser,
    jobs: &mut [Job],
    warnings: &mut Vec<String>,
) {
    // What each report says about which job, found with a map that borrows the outputs, then
    // applied in the same order.
    let mut said: Vec<(usize, Said<'_>)> = Vec::new();
    {
        let mut by_output: FastMap<&str, usize> = FastMap::default();
        for (i, j) in jobs.iter().enumerate() {
            for o in &j.outputs {
                if by_output.insert(o.as_str(), i).is_some() {
                    warnings.push(format!("{o} is an output of more than one job; findings on it go to {}", j.id));
                }
            }
        }
        for (rel, rep) in reports {
            for c in &rep.checked {
                if let Some(&i) = rb.rel(c).and_then(|p| by_output.get(p.as_str())) {
                    said.push((i, Said::Checked(rel)));
                }
            }
            for f in &rep.findings {
                let file = f.file.as_deref().and_then(|p| rb.rel(p));
                let Some(&i) = file.as_deref().and_then(|p| by_output.get(p)) else {
                    warnings.push(format!(
                        "{}: finding on {} matches no job's output: {}",
                        f.source,
                        f.file.as_deref().unwrap_or("(no file)"),
                        f.message
                    ));
                    continue;
                };
                said.push((i, Said::Finding(f, file)));
            }
        }
    }
    for (i, s) in said {
        match s {
            Said::Checked(rel) => {
                let tag = format!("validated by {rel}");
                if !jobs[i].matched_by.contains(&tag) {
                    jobs[i].matched_by.push(tag);
                }
            }
            Said::Finding(f, file) => {
                let mut f = f.clone();
                f.file = file;
                add_finding(&mut jobs[i].result.findings, f);
            }
        }
    }
}

/// What a validation report says about a job: it checked one of its outputs, or found this
/// (the file re-based under the root).
enum Said<'a> {
    Checked(&'a str),
    Finding(&'a Finding, Option<String>),
}

/// Add a finding unless the same error (file, type, message) is already there; keep the one with a line.
fn add_finding(list: &mut Vec<Finding>, f: Finding) {
    if let Some(existing) =
        list.iter_mut().find(|e| e.file == f.file && e.error_type == f.error_type && e.message == f.message)
    {
        if existing.line.is_none() && f.line.is_some() {
            existing.line = f.line;
            existing.source = f.source;
        }
        return;
    }
    list.push(f);
}

pub(super) fn decide_status(
    root: &Path,
    files: &dyn ProjectFiles,
    drafts: &[Draft],
    inp: &Inputs,
    jobs: &mut [Job],
    warnings: &mut Vec<String>,
) {
    let any_output_on_disk = jobs.iter().flat_map(|j| j.outputs.iter()).any(|o| files.exists(&root.join(o)));
    let agent_logs: FastSet<&str> = inp.agents.iter().map(|(r, _)| r.as_str()).collect();
    let ctx = StatusInputs { root, files, inp, agent_logs: &agent_logs, any_output_on_disk };
    let skipped = std::sync::atomic::AtomicBool::new(false);
    let mut pairs: Vec<(&Draft, &mut Job)> = drafts.iter().zip(jobs.iter_mut()).collect();
    crate::core::par::for_each_mut(&mut pairs, PAR_MIN, |(d, j)| {
        if job_status(d, j, &ctx) {
            skipped.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    });
    if skipped.into_inner() {
        warnings.push(format!("none of the jobs' outputs exist under {}; missing outputs were not checked (load the project directory to check them)", root.display()));
    }
}

/// What [`job_status`] reads besides its job.
struct StatusInputs<'a> {
    root: &'a Path,
    files: &'a dyn ProjectFiles,
    inp: &'a Inputs,
    agent_logs: &'a FastSet<&'a str>,
    any_output_on_disk: bool,
}

/// One job's status from its findings, after adding those its logs, its joblog row and its
/// missing outputs give. True when its outputs could not be checked (none exist on disk).
fn job_status(d: &Draft, j: &mut Job, ctx: &StatusInputs<'_>) -> bool {
    let StatusInputs { root, files, inp, agent_logs, any_output_on_disk } = *ctx;
    let mut missing_check_skipped = false;
    let log_started =
        d.stdout_log.as_ref().map(|l| inp.others.contains_key(l) || agent_logs.contains(l.as_str())).unwrap_or(false);
    let validated = j.matched_by.iter().any(|m| m.starts_with("validated by "));
    let ran = d.row.is_some() || !d.agents.is_empty() || log_started || validated || !j.result.findings.is_empty();
    if !ran {
        j.result.status = Status::NotRun;
        return false;
    }
    let first_output = j.outputs.first().cloned();
    // Agent-level failures, false successes (DESIGN.md §2) and suspect signs.
    for &a in &d.agents {
        let (rel, log) = &inp.agents[a];
        for sign in failed::suspect_signs(log) {
            j.result.evidence.push(Finding {
                file: first_output.clone(),
                error_type: failed::SUSPECT.into(),
                message: sign,
                source: rel.clone(),
                ..Finding::default()
            });
        }
        if let Some(msg) = failed::false_success(log) {
            j.result.agent_error.get_or_insert_with(|| msg.clone());
            add_finding(
                &mut j.result.findings,
                Finding {
                    file: first_output.clone(),
                    error_type: failed::FALSE_SUCCESS.into(),
                    message: msg,
                    source: rel.clone(),
                    ..Finding::default()
                },
            );
        }
        if let Some(msg) = &log.failure {
            j.result.agent_error.get_or_insert_with(|| msg.clone());
            add_finding(
                &mut j.result.findings,
                Finding {
                    file: first_output.clone(),
                    line: None,
                    error_type: "agent_error".into(),
                    message: msg.clone(),
                    source: rel.clone(),
                    class: None,
                },
            );
        }
    }
    if d.agents.is_empty() {
        if let Some(l) = &d.stdout_log {
            if inp.others.get(l).is_some_and(|t| t.trim().is_empty()) && d.row.is_none() {
                let msg = "the job's log is empty: it started but wrote no event (killed before its first event, or still starting)".to_string();
                j.result.agent_error.get_or_insert_with(|| msg.clone());
                add_finding(
                    &mut j.result.findings,
                    Finding {
                        file: first_output.clone(),
                        error_type: "agent_error".into(),
                        message: msg,
                        source: l.clone(),
                        ..Finding::default()
                    },
                );
            }
        }
    }
    // Exit status from the joblog.
    if let Some(row) = &d.row {
        let stderr_tail = d.stderr_log.as_ref().and_then(|l| inp.others.get(l)).and_then(|t| last_error_line(t));
        let msg = match failed::exit_verdict(row.exitval, row.signal, stderr_tail.as_deref()) {
            failed::ExitVerdict::Passed => None,
            failed::ExitVerdict::NeverRan => {
                j.result.status = Status::NotRun;
                return false;
            }
            failed::ExitVerdict::Failed(msg) => Some(msg),
        };
        if let Some(msg) = msg {
            add_finding(
                &mut j.result.findings,
                Finding {
                    file: first_output.clone(),
                    error_type: "exit_status".into(),
                    message: msg,
                    source: row.source.clone(),
                    ..Finding::default()
                },
            );
        }
    }
    // Expected outputs on disk.
    if any_output_on_disk {
        for o in &j.outputs {
            if !files.exists(&root.join(o)) {
                add_finding(
                    &mut j.result.findings,
                    Finding {
                        file: Some(o.clone()),
                        error_type: "missing_output".into(),
                        message: format!("expected output {o} does not exist after the job ran"),
                        source: d.origin.clone(),
                        ..Finding::default()
                    },
                );
            }
        }
    } else if !j.outputs.is_empty() {
        missing_check_skipped = true;
    }
    j.result.status = failed::status_of(&j.result.findings);
    missing_check_skipped
}

/// The last line of a stderr capture that reads like an error.
fn last_error_line(text: &str) -> Option<String> {
    let clean = crate::core::sanitize::strip_ansi(text);
    clean
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty() && (l.to_ascii_lowercase().contains("error") || l.contains("Not inside")))
        .or_else(|| clean.lines().rev().map(str::trim).find(|l| !l.is_empty()))
        .map(|l| l.chars().take(300).collect())
}
