//! Boxes over the screen: the reason prompt, confirmations, the filter, and the help overlay.

use crate::core::sanitize::clean_line;
use crate::tui::app::{App, Modal, ReasonFor};
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use ratatui::Frame;

fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))]).flex(Flex::Center).areas(area);
    let [c] = Layout::horizontal([Constraint::Length(w.min(area.width))]).flex(Flex::Center).areas(v);
    c
}

pub fn draw(f: &mut Frame, app: &App) {
    let Some(m) = &app.modal else { return };
    let area = f.area();
    match m {
        Modal::Reason { purpose, text } => {
            let what = match purpose {
                ReasonFor::Override { step, answer } => {
                    format!("Override {step}: answer {}", if *answer { "yes" } else { "no" })
                }
                ReasonFor::Waive { id } => format!("Waive checklist item {id}"),
            };
            let r = centered(area, 70, 6);
            f.render_widget(Clear, r);
            let lines = vec![
                Line::raw(what),
                Line::raw(""),
                Line::styled(format!("> {}█", clean_line(text)), app.theme.accent),
                Line::styled("Enter: record   Esc: cancel", app.theme.dim),
            ];
            f.render_widget(Paragraph::new(lines).block(Block::bordered().title(" Reason (required) ")), r);
        }
        Modal::Confirm { question, .. } => {
            let r = centered(area, 70, 5);
            f.render_widget(Clear, r);
            let lines = vec![
                Line::raw(clean_line(question)),
                Line::raw(""),
                Line::styled("y / Enter: yes    n / Esc: no", app.theme.dim),
            ];
            f.render_widget(
                Paragraph::new(lines).wrap(Wrap { trim: false }).block(Block::bordered().title(" Confirm ")),
                r,
            );
        }
        Modal::Filter { text } => {
            let r = Rect { x: area.x, y: area.bottom().saturating_sub(2), width: area.width, height: 1 };
            f.render_widget(Clear, r);
            f.render_widget(
                Paragraph::new(Line::styled(
                    format!("/{}█  (Enter: keep, Esc: clear)", clean_line(text)),
                    app.theme.accent,
                )),
                r,
            );
        }
        Modal::Help { query, searching } => {
            let rows = app.keymap.help_rows(query);
            let h = (rows.len() as u16 + 4).min(area.height.saturating_sub(2));
            let r = centered(area, 64, h);
            f.render_widget(Clear, r);
            let mut lines = vec![Line::styled(
                if *searching {
                    format!("search: {}█", clean_line(query))
                } else {
                    format!(
                        "/ search{}   Esc close",
                        if query.is_empty() { String::new() } else { format!(" ({})", clean_line(query)) }
                    )
                },
                app.theme.accent,
            )];
            for (keys, desc, screen) in rows {
                lines.push(Line::raw(format!("{keys:<16} {desc:<28} {screen}")));
            }
            f.render_widget(Paragraph::new(lines).block(Block::bordered().title(" Keys ")), r);
        }
    }
}
