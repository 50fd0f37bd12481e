//! Run: the steps of the whole recovery in order — what is done (repaired, re-run) and what is
//! next — the jobs with their state, attempt counter and where their prompt comes from, the
//! live output of the attempts, and the escalation banner. `R` runs the step that is next
//! (repairs first, then the stale re-runs) after a confirmation listing every command.

use crate::core::checklist;
use crate::core::decide::Verdict;
use crate::core::sanitize::clean_line;
use crate::core::status::{Outcome, StepKind};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::effects::{Effect, Job};
use crate::tui::modal::{Modal, Then};
use crate::tui::recovery::{Prepared, Summary};
use crate::tui::scroll::{Pane, Scroll};
use crate::tui::widgets::{block, mark, state_of, state_style};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;
use std::collections::BTreeMap;

/// Live output of one job's attempt.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobRunView {
    pub lines: Vec<String>,
    pub state: String,
}

#[derive(Default)]
pub struct State {
    pub views: BTreeMap<String, JobRunView>,
    pub scroll: Scroll,
    /// The project's unapproved validation commands were shown once (a "no" is not asked again).
    pub approval_asked: bool,
}

pub const KEYS: &[(&str, Action)] = &[("R", Action::StartRecovery), ("x", Action::Cancel)];

pub fn on_action(app: &mut App, a: Action) -> Option<Vec<Effect>> {
    if super::step(app, a).is_some() {
        if let Some(head) = head(app) {
            let (top, _) = areas(app, head.len(), crate::tui::view::body(app));
            Pane::wrapped(head, top).apply(&mut app.screens.run.scroll, a);
        }
        return Some(vec![]);
    }
    match a {
        Action::StartRecovery => Some(start(app)),
        Action::Cancel if !app.running.is_empty() => {
            app.set_status("cancelling: the running commands are being stopped", false);
            Some(vec![Effect::Cancel])
        }
        Action::Cancel => {
            app.set_status("nothing is running", false);
            Some(vec![])
        }
        _ => None,
    }
}

/// `R`: check what can be checked here, then ask the project for the step and its commands.
fn start(app: &mut App) -> Vec<Effect> {
    if crate::tui::update::read_only_refusal(app) {
        return vec![];
    }
    let Some(p) = app.project.as_ref() else { return vec![] };
    let Some(d) = p.decision.as_ref() else {
        app.set_status("nothing failed: nothing to recover", false);
        return vec![];
    };
    if !app.running.is_empty() {
        app.set_status("attempts are running; x cancels them", true);
        return vec![];
    }
    if d.verdict == Verdict::FullRestart {
        let why = if d.escalated { "escalated after failed recoveries" } else { "the decision is a full restart" };
        app.set_status(format!("no recovery: {why}; export the rationale (X) and restart the phase"), true);
        return vec![];
    }
    let Some(progress) = p.progress.as_ref() else { return vec![] };
    if progress.runnable_now().is_none() {
        let text = match (progress.outcome, progress.next.first()) {
            (Outcome::Recovered, Some(s)) => {
                format!("recovered; the phase continues with your own commands: {}", s.commands.join("; "))
            }
            (Outcome::Recovered, None) => "recovered: every step is done; export the rationale with X".to_string(),
            _ => "there is no step recover-tui can run now".to_string(),
        };
        app.set_status(text, false);
        return vec![];
    }
    if !checklist::satisfied(&p.checklist) {
        let blocking = checklist::blocking(&p.checklist);
        app.set_status(format!("checklist not done: {}", blocking.join("; ")), true);
        return vec![];
    }
    app.busy = Some("preparing the recovery".into());
    vec![Effect::Project(Job::PrepareRecovery)]
}

/// The step and its commands came back: ask before running them.
pub fn on_prepared(app: &mut App, result: Result<Prepared, String>) {
    app.busy = None;
    let prep = match result {
        Ok(p) => p,
        Err(e) => return app.set_status(format!("recovery could not start: {e}"), true),
    };
    if !prep.unapproved.is_empty() && !app.screens.run.approval_asked {
        // Commands written in the project are data until approved: show each one and ask.
        app.screens.run.approval_asked = true;
        let mut lines = vec!["Written in the project (a prompt's Validation: section or run.json):".to_string()];
        lines.extend(prep.unapproved.iter().map(|l| format!("  {l}")));
        lines.push("y approves exactly these (journalled); n keeps them unrun: the config's per-extension".into());
        lines.push("commands validate instead. Then press R again.".into());
        let question = "Approve these validation commands to run?".to_string();
        app.modal = Some(Modal::Confirm { question, lines, then: Then::Approve { jobs: prep.jobs } });
        return;
    }
    let n = prep.jobs.len();
    let verdict = app.project.as_ref().and_then(|p| p.decision.as_ref()).map(|d| d.verdict.as_str().replace('_', " "));
    let question = match prep.step {
        StepKind::Rerun => format!("Re-run {n} stale job(s) now with their original prompts?"),
        _ => format!("Run {} of {n} job(s) now with the configured generator?", verdict.unwrap_or_default()),
    };
    let mut lines: Vec<String> =
        prep.origins.iter().map(|(j, o)| format!("{j}: prompt from {}", o.word())).collect();
    lines.push("Commands (a snapshot of the outputs is taken first):".into());
    const SHOWN: usize = 30;
    lines.extend(prep.lines.iter().take(SHOWN).map(|l| format!("  {l}")));
    lines.extend(prep.unapproved.iter().map(|l| format!("  {l}   # written in the project: not approved, does not run")));
    if prep.lines.len() > SHOWN {
        lines.push(format!("  … and {} more command(s) (`recover-tui recover --dry-run` lists them all)", prep.lines.len() - SHOWN));
    }
    app.modal = Some(Modal::Confirm { question, lines, then: Then::Recover { jobs: prep.jobs } });
}

/// "yes" to the confirmation: snapshot and record the attempts, then run them.
pub fn begin(app: &mut App, jobs: Vec<String>) -> Vec<Effect> {
    for j in &jobs {
        app.screens.run.views.insert(j.clone(), JobRunView { lines: Vec::new(), state: "starting".into() });
    }
    app.busy = Some(format!("starting {}", crate::core::words::count(jobs.len(), "attempt")));
    vec![Effect::Project(Job::BeginRecovery { jobs })]
}

pub fn on_line(app: &mut App, job: String, line: String) {
    let v = app.screens.run.views.entry(job).or_default();
    v.lines.push(line);
    if v.lines.len() > 2000 {
        v.lines.drain(..1000);
    }
}

pub fn on_finished(app: &mut App, result: Result<Summary, String>) {
    app.busy = None;
    match result {
        Ok(s) => {
            for (job, state) in s.states {
                app.screens.run.views.entry(job).or_default().state = state;
            }
            app.set_status(s.status, s.error);
        }
        Err(e) => app.set_status(format!("could not record the attempts: {e}"), true),
    }
}

pub fn derive(_: &mut App) -> Vec<Effect> {
    vec![]
}

pub fn click(_: &mut App, _: Rect, _: u16, _: u16) -> Vec<Effect> {
    vec![]
}

/// The jobs the screen lists: those to repair, then the stale later jobs.
fn jobs(app: &App) -> Vec<String> {
    let Some(p) = app.project.as_ref() else { return vec![] };
    let mut v = p.jobs_to_repair();
    if let Some(pr) = &p.progress {
        v.extend(pr.rerun_jobs_after.iter().map(|l| l.job.clone()));
        for d in &pr.rerun_passed_jobs {
            if !v.contains(&d.job) {
                v.push(d.job.clone());
            }
        }
    }
    v
}

/// A job's last attempt in the user's words: running now, ended (how), or still recorded as
/// running by an instance that is gone (the next write records it `interrupted`).
fn attempt_text(last: Option<&crate::core::model::Attempt>, running_here: bool) -> String {
    use crate::core::model::AttemptOutcome;
    match last {
        None => "no attempt yet".into(),
        Some(a) if running_here => format!("attempt {} running now", a.number),
        Some(a) if a.outcome == AttemptOutcome::Running => {
            format!("attempt {}: did not finish (recorded as running)", a.number)
        }
        Some(a) => format!("last attempt {}: {}", a.number, a.outcome.word()),
    }
}

/// The steps, the jobs and the hint (`None`: nothing failed).
fn head(app: &App) -> Option<Vec<Line<'static>>> {
    let s = app.project.as_ref()?;
    let d = s.decision.as_ref()?;
    let t = &app.theme;
    let max = s.config.decision.max_failed_recoveries;
    let history = s.ledger.history();
    let mut head = Vec::new();
    if d.escalated {
        head.push(Line::styled(
            "ESCALATED TO FULL RESTART — a job failed its recovery the maximum number of times. Export the rationale (X) and restart the phase.",
            t.bad,
        ));
    } else if d.verdict == Verdict::FullRestart {
        head.push(Line::styled("The decision is a full restart: there is no targeted recovery to run.", t.bad));
    }
    // The steps, in order: what is done, then what is next.
    head.push(Line::styled("Steps", t.title));
    if let Some(pr) = &s.progress {
        for done in &pr.repaired_jobs {
            head.push(Line::styled(format!("  ✓ done  repair {} (attempt {})", clean_line(&done.job), done.attempt), t.ok));
        }
        for done in &pr.rerun_passed_jobs {
            head.push(Line::styled(format!("  ✓ done  re-run {} (attempt {})", clean_line(&done.job), done.attempt), t.ok));
        }
        let runnable = pr.runnable_now().is_some();
        for (i, step) in pr.next.iter().enumerate() {
            let (tag, style) = match (i, step.step.is_ours()) {
                (0, true) if !app.running.is_empty() => ("⟳ running", t.warn),
                (0, true) if runnable => ("▶ next ", t.accent),
                (_, true) => ("· then ", ratatui::style::Style::new()),
                (_, false) => ("· yours", t.dim),
            };
            let what = match step.step {
                StepKind::Repair => "repair",
                StepKind::Rerun => "re-run (original prompts)",
                StepKind::Continue => "continue the phase (shown, not run)",
                StepKind::Restart => "restart the phase (shown, not run)",
            };
            let jobs = if step.jobs.len() > 6 {
                format!("{} and {} more", step.jobs[..6].join(", "), step.jobs.len() - 6)
            } else {
                step.jobs.join(", ")
            };
            head.push(Line::styled(format!("  {tag} {what}: {}", clean_line(&jobs)), style));
            for c in step.commands.iter().take(4) {
                head.push(Line::styled(format!("      $ {}", clean_line(c)), t.dim));
            }
        }
        if pr.outcome == Outcome::Recovered {
            head.push(Line::styled("  Recovered: every job is repaired or re-run.", t.ok));
        }
    }
    head.push(Line::raw(""));
    // The jobs.
    for j in jobs(app) {
        let Some(job) = s.run.job(&j) else { continue };
        let state = state_of(s, job);
        let failed = history.failed_recoveries.get(&j).copied().unwrap_or(0);
        let last = s.ledger.attempts.get(&j).and_then(|v| v.iter().max_by_key(|a| a.number));
        let running_here = app.running.contains(&j);
        let origin = crate::tui::recovery::origin_now(s, &j);
        head.push(Line::from(vec![
            Span::styled(format!("{} {:<13}", mark(state), state.word()), state_style(app, state)),
            Span::raw(format!(" {:<20} failed recoveries {failed}/{max}   {}", clean_line(&j), attempt_text(last, running_here))),
        ]));
        // What the last run here said when no attempt is recorded for it (it did not start).
        let said = app.screens.run.views.get(&j).filter(|_| last.is_none()).map(|v| format!("   {}", clean_line(&v.state)));
        head.push(Line::styled(format!("    prompt: {}{}", origin.word(), said.unwrap_or_default()), t.dim));
    }
    let hint = if !app.running.is_empty() {
        Line::styled("running… x: cancel", t.accent)
    } else if app.read_only.is_some() {
        Line::styled("read-only: another instance holds this project; nothing can run from here", t.bad)
    } else if d.escalated || d.verdict == Verdict::FullRestart {
        Line::styled("no recovery to run: export the rationale (X) and restart the phase", t.bad)
    } else if s.progress.as_ref().and_then(|p| p.runnable_now()).is_none() {
        Line::styled("nothing for recover-tui to run; X: export the rationale", t.dim)
    } else if !checklist::satisfied(&s.checklist) {
        Line::styled("the checklist (3) must be done before a recovery runs", t.dim)
    } else {
        Line::styled("R: run the next step (asks to confirm)", t.dim)
    };
    head.push(hint);
    Some(head)
}

/// (the steps and jobs, the live output below) for a head of `head_lines` lines.
fn areas(app: &App, head_lines: usize, area: Rect) -> (Rect, Rect) {
    let head_h = if app.screens.run.views.is_empty() {
        area.height
    } else {
        (head_lines.min(u16::MAX as usize) as u16).saturating_add(2).min(area.height * 2 / 3)
    };
    let [top, rest] = Layout::vertical([Constraint::Length(head_h), Constraint::Min(0)]).areas(area);
    (top, rest)
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(head) = head(app) else {
        if app.project.is_some() {
            f.render_widget(Paragraph::new("Nothing failed: nothing to run.").block(block("Run", false, app)), area);
        }
        return;
    };
    let t = &app.theme;
    let shown: Vec<&String> = app.screens.run.views.keys().collect();
    let (top, rest) = areas(app, head.len(), area);
    let pane = Pane::wrapped(head, top);
    let title = pane.title("Recovery", app.screens.run.scroll);
    f.render_widget(pane.at(app.screens.run.scroll, block(&title, true, app)), top);
    if shown.is_empty() || rest.height < 3 {
        return;
    }
    let n = shown.len() as u32;
    let areas = Layout::vertical((0..n).map(|_| Constraint::Ratio(1, n))).split(rest);
    for (i, j) in shown.iter().enumerate() {
        let Some(area) = areas.get(i) else { break };
        let v = &app.screens.run.views[*j];
        let h = area.height.saturating_sub(2) as usize;
        let start = v.lines.len().saturating_sub(h);
        let lines: Vec<Line> = if v.lines.is_empty() {
            vec![Line::styled("no output yet", t.dim)]
        } else {
            v.lines[start..].iter().map(|l| Line::raw(clean_line(l))).collect()
        };
        f.render_widget(
            Paragraph::new(lines).wrap(Wrap { trim: false }).block(block(
                &format!("{} output", clean_line(j)),
                false,
                app,
            )),
            *area,
        );
    }
}
