//! Prompt: the rendered recovery prompt of a job; edit, copy, revise, and the diff
//! between the original generation prompt and the revised one.

use super::block;
use crate::core::sanitize::clean;
use crate::tui::app::App;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(s) = &app.project else { return };
    let Some(job) = app.prompt_job_id() else {
        f.render_widget(Paragraph::new("No failed job to recover.").block(block("Prompt", false, app)), area);
        return;
    };
    let jobs = s.jobs_to_repair();
    let which =
        if jobs.len() > 1 { format!(" ({} of {}, Tab: next)", app.prompt_job + 1, jobs.len()) } else { String::new() };
    let revised = app.revised.get(&job);
    let lines: Vec<Line> = if app.show_prompt_diff {
        let original = s.run.job(&job).and_then(|j| j.prompt.as_ref()).map(|p| p.text.clone()).unwrap_or_default();
        match revised {
            Some(r) => diff_lines(app, &original, r),
            None => vec![Line::styled("No revised prompt yet: edit (e) or run the reviser (r) first.", app.theme.dim)],
        }
    } else {
        let text = match revised {
            Some(r) => r.clone(),
            None => match s.prompt_for(&job) {
                Ok(p) => p.text,
                Err(e) => format!("{e}"),
            },
        };
        clean(&text).lines().map(|l| Line::raw(l.to_string())).collect()
    };
    let title = if app.show_prompt_diff {
        format!("{job}: original → revised prompt{which}")
    } else if revised.is_some() {
        format!("{job}: revised generation prompt{which}")
    } else {
        let template = s.prompt_for(&job).map(|p| p.template).unwrap_or_default();
        format!("{job}: recovery prompt from {template}{which}")
    };
    let p = Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((app.prompt_scroll, 0)).block(block(
        &crate::core::sanitize::clean_line(&title),
        true,
        app,
    ));
    f.render_widget(p, area);
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
