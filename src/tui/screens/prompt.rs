//! Prompt: the rendered recovery prompt of a job (what the reviser reads); edit the
//! generation prompt in `$EDITOR`, copy, run the reviser, and the diff between the original
//! generation prompt and the one recovery sends, with where that one came from.
//!
//! The rendered prompts read the project's files (code context), so they are computed off the
//! UI task (`Job::PromptView`) and kept with the inputs they were computed from.

use crate::core::decide::Verdict;
use crate::core::model::PromptOrigin;
use crate::core::sanitize::{clean, clean_line};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::effects::{Effect, Job};
use crate::tui::modal::{Modal, Then};
use crate::tui::recovery::PromptView;
use crate::tui::scroll::{Pane, Scroll};
use crate::tui::widgets::block;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;
use ratatui::Frame;
use std::collections::BTreeMap;

/// What the rendered prompts of a job depend on: a view is reused while these are the same.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inputs {
    pub job: String,
    /// Attempts of the job so far (the recovery prompt quotes them).
    pub attempts: usize,
    /// Where the saved generation prompt came from, if one is saved.
    pub saved: Option<PromptOrigin>,
    /// Saves of a generation prompt in this session (the saved file's content changed).
    pub saves: u64,
    pub verdict: Option<Verdict>,
}

#[derive(Default)]
pub struct State {
    /// Index in the jobs to repair.
    pub job: usize,
    pub scroll: Scroll,
    pub show_diff: bool,
    pub view: Option<PromptView>,
    /// The inputs of the view asked for and not back yet.
    pub requested: Option<Inputs>,
    /// Generation prompts edited or revised in this session, and where they came from.
    pub edited: BTreeMap<String, (String, PromptOrigin)>,
    pub saves: u64,
}

pub const KEYS: &[(&str, Action)] =
    &[("e", Action::Edit), ("y", Action::Copy), ("r", Action::Revise), ("d", Action::Diff)];

/// The job the screen shows.
pub fn job(app: &App) -> Option<String> {
    app.project.as_ref()?.jobs_to_repair().get(app.screens.prompt.job).cloned()
}

/// The inputs of the shown job's prompts now.
pub fn inputs(app: &App) -> Option<Inputs> {
    let p = app.project.as_ref()?;
    let job = job(app)?;
    Some(Inputs {
        attempts: p.ledger.attempts.get(&job).map(Vec::len).unwrap_or(0),
        saved: p.ledger.saved_prompts.get(&job).copied(),
        saves: app.screens.prompt.saves,
        verdict: p.decision.as_ref().map(|d| d.verdict),
        job,
    })
}

/// The view of the shown job, if it is up to date.
pub fn fresh_view(app: &App) -> Option<&PromptView> {
    let now = inputs(app)?;
    app.screens.prompt.view.as_ref().filter(|v| v.inputs == now)
}

/// The generation prompt recovery sends for the shown job, and where it came from.
fn to_send(app: &App, job: &str) -> Option<(String, PromptOrigin)> {
    if let Some(e) = app.screens.prompt.edited.get(job) {
        return Some(e.clone());
    }
    fresh_view(app)?.to_send.clone().ok()
}

pub fn on_action(app: &mut App, a: Action) -> Option<Vec<Effect>> {
    if super::step(app, a).is_some() {
        if let Some((_, lines)) = content(app) {
            let pane = Pane::wrapped(lines, crate::tui::view::body(app));
            pane.apply(&mut app.screens.prompt.scroll, a);
        }
        return Some(vec![]);
    }
    let Some(job) = job(app) else {
        return matches!(a, Action::Edit | Action::Copy | Action::Revise | Action::Diff).then(|| {
            app.set_status("no job to recover", true);
            vec![]
        });
    };
    if matches!(a, Action::Edit | Action::Revise) && crate::tui::update::read_only_refusal(app) {
        return Some(vec![]);
    }
    Some(match a {
        Action::NextPane => {
            let n = app.project.as_ref().map(|p| p.jobs_to_repair().len()).unwrap_or(0).max(1);
            let st = &mut app.screens.prompt;
            st.job = (st.job + 1) % n;
            st.scroll.reset();
            vec![]
        }
        Action::Diff => {
            app.screens.prompt.show_diff = !app.screens.prompt.show_diff;
            app.screens.prompt.scroll.reset();
            vec![]
        }
        Action::Edit => match to_send(app, &job) {
            Some((text, _)) => vec![Effect::Edit { job, text }],
            None => {
                app.set_status("the prompt is still being prepared; try again in a moment", true);
                vec![]
            }
        },
        Action::Copy => {
            let text = match (to_send(app, &job), fresh_view(app).map(|v| v.recovery.clone())) {
                (Some((t, PromptOrigin::Reviser | PromptOrigin::Edit)), _) => t,
                (_, Some(Ok((t, _)))) => t,
                (_, Some(Err(e))) => {
                    app.set_status(e, true);
                    return Some(vec![]);
                }
                _ => {
                    app.set_status("the prompt is still being prepared; try again in a moment", true);
                    return Some(vec![]);
                }
            };
            let file = match (&app.read_only, &app.project) {
                (None, Some(p)) => Some(crate::tui::recovery::copy_file(&p.state_dir, &job)),
                _ => None,
            };
            vec![Effect::Copy { text, file }]
        }
        Action::Revise => revise(app, job),
        _ => return None,
    })
}

/// `r`: revise the recovery prompt; ask first when it would replace a saved or edited prompt.
fn revise(app: &mut App, job: String) -> Vec<Effect> {
    let Some(p) = app.project.as_ref() else { return vec![] };
    if p.config.commands.reviser.is_none() {
        app.set_status("no reviser configured ([commands] reviser): edit the prompt with e, or copy it with y", true);
        return vec![];
    }
    let existing = app.screens.prompt.edited.get(&job).map(|(_, o)| *o).or(p.ledger.saved_prompts.get(&job).copied());
    if let Some(origin) = existing {
        app.modal = Some(Modal::Confirm {
            question: format!(
                "{job} has a saved generation prompt from {}. Run the reviser on the recovery prompt and replace it?",
                origin.word()
            ),
            lines: vec![],
            then: Then::Revise { job },
        });
        return vec![];
    }
    start_revise(app, job)
}

/// Run the reviser on the job's recovery prompt (it is read off the UI task first).
pub fn start_revise(app: &mut App, job: String) -> Vec<Effect> {
    app.busy = Some("running the reviser".into());
    vec![Effect::Project(Job::PrepareRevise { job })]
}

/// The rendered prompts came back.
pub fn on_view(app: &mut App, view: PromptView) {
    let st = &mut app.screens.prompt;
    if st.requested.as_ref() == Some(&view.inputs) {
        st.requested = None;
    }
    st.view = Some(view);
}

/// A new generation prompt from the editor or the reviser: keep it, and save it.
pub fn on_new_prompt(app: &mut App, job: String, origin: PromptOrigin, result: Result<String, String>) -> Vec<Effect> {
    app.busy = None;
    match result {
        Ok(text) if !text.trim().is_empty() => {
            app.screens.prompt.edited.insert(job.clone(), (text.clone(), origin));
            app.screens.prompt.show_diff = true;
            vec![Effect::Project(Job::SavePrompt { job, text, origin })]
        }
        Ok(_) => {
            app.set_status("the new prompt is empty; nothing kept", true);
            vec![]
        }
        Err(e) => {
            app.set_status(e, true);
            vec![]
        }
    }
}

/// The generation prompt was saved (or refused).
pub fn on_saved(
    app: &mut App,
    job: &str,
    origin: PromptOrigin,
    result: Result<std::path::PathBuf, crate::app::commands::CommandError>,
) {
    match result {
        Ok(_) => {
            app.screens.prompt.saves += 1;
            app.set_status(
                format!(
                    "revised prompt for {job} kept (from {}); it is what the recovery will send (d: diff)",
                    origin.word()
                ),
                false,
            );
        }
        Err(e) => app.set_status(format!("{e} (the prompt is kept in this session only)"), true),
    }
}

pub fn derive(app: &mut App) -> Vec<Effect> {
    let Some(now) = inputs(app) else { return vec![] };
    let st = &mut app.screens.prompt;
    if st.view.as_ref().is_some_and(|v| v.inputs == now) || st.requested.as_ref() == Some(&now) {
        return vec![];
    }
    st.requested = Some(now.clone());
    vec![Effect::Project(Job::PromptView { inputs: now })]
}

pub fn click(_: &mut App, _: Rect, _: u16, _: u16) -> Vec<Effect> {
    vec![]
}

/// The title and lines the screen shows (`None`: no job to recover).
fn content(app: &App) -> Option<(String, Vec<Line<'static>>)> {
    let p = app.project.as_ref()?;
    let job = job(app)?;
    let st = &app.screens.prompt;
    let jobs = p.jobs_to_repair();
    let which = if jobs.len() > 1 { format!(" ({} of {}, Tab: next)", st.job + 1, jobs.len()) } else { String::new() };
    let view = fresh_view(app);
    let sending = to_send(app, &job);
    let mut lines: Vec<Line> = Vec::new();
    let origin = sending.as_ref().map(|(_, o)| *o).unwrap_or_else(|| crate::tui::recovery::origin_now(p, &job));
    lines.push(Line::styled(format!("Recovery sends: {}", origin.word()), app.theme.accent));
    lines.push(Line::raw(""));
    let title = if st.show_diff {
        let original = view.and_then(|v| v.original.clone()).unwrap_or_default();
        match &sending {
            Some((t, _)) => lines.extend(diff_lines(app, &original, t)),
            None => lines.push(Line::styled("…preparing the prompt", app.theme.dim)),
        }
        match origin {
            PromptOrigin::Reviser | PromptOrigin::Edit => {
                format!("{job}: original → revised prompt (from {}){which}", origin.word())
            }
            _ => format!("{job}: original → prompt to send{which}"),
        }
    } else {
        match view.map(|v| &v.recovery) {
            Some(Ok((text, template))) => {
                lines.extend(clean(text).lines().map(|l| Line::raw(l.to_string())));
                format!("{job}: recovery prompt from {template}{which}")
            }
            Some(Err(e)) => {
                lines.push(Line::styled(clean_line(e), app.theme.bad));
                format!("{job}: recovery prompt{which}")
            }
            None => {
                lines.push(Line::styled("…rendering the recovery prompt", app.theme.dim));
                format!("{job}: recovery prompt{which}")
            }
        }
    };
    Some((title, lines))
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some((title, lines)) = content(app) else {
        f.render_widget(Paragraph::new("No failed job to recover.").block(block("Prompt", false, app)), area);
        return;
    };
    let pane = Pane::wrapped(lines, area);
    let title = pane.title(&clean_line(&title), app.screens.prompt.scroll);
    // The template's path gives way (in its middle) so that the title keeps where the pane is.
    let template = fresh_view(app).and_then(|v| v.recovery.as_ref().ok()).map(|(_, t)| clean_line(t));
    let title = fit_title(title, template.as_deref(), (area.width as usize).saturating_sub(6));
    f.render_widget(pane.at(app.screens.prompt.scroll, block(&title, true, app)), area);
}

/// `title` in `width` characters by shortening `path` in it, if it is there.
fn fit_title(title: String, path: Option<&str>, width: usize) -> String {
    let len = title.chars().count();
    let Some(path) = path.filter(|p| len > width && title.contains(*p)) else { return title };
    let keep = path.chars().count().saturating_sub(len - width);
    title.replacen(path, &crate::tui::widgets::short_path(path, keep), 1)
}

fn diff_lines(app: &App, old: &str, new: &str) -> Vec<Line<'static>> {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut out = Vec::new();
    for change in diff.iter_all_changes() {
        let text = clean(change.value().trim_end_matches('\n'));
        let line = match change.tag() {
            similar::ChangeTag::Delete => Line::styled(format!("- {text}"), app.theme.removed),
            similar::ChangeTag::Insert => Line::styled(format!("+ {text}"), app.theme.added),
            similar::ChangeTag::Equal => Line::styled(format!("  {text}"), app.theme.dim),
        };
        out.push(line);
    }
    out
}
