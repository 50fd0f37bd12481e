//! `recover-tui checklist`: the ten items of DESIGN.md §9, and `--confirm` / `--waive` to
//! record the user's word in the ledger and the journal.

use super::{load, nothing_failed, user, Cli, CliError};
use crate::app::project::Project;
use crate::core::checklist::{self, ChecklistItem, ItemKind, ItemState, Recorded};
use crate::core::sanitize::clean_line;
use crate::store::journal::JournalEvent;
use serde_json::json;
use std::path::Path;

pub struct Args<'a> {
    pub json: bool,
    pub confirm: &'a [String],
    pub waive: &'a [String],
    pub reasons: &'a [String],
}

pub fn run(cli: &Cli, path: Option<&Path>, args: &Args) -> Result<i32, CliError> {
    if args.waive.len() != args.reasons.len() {
        return Err(CliError::from(format!(
            "--waive was given {} time(s) and --reason {} time(s): each waived item needs its own reason",
            args.waive.len(),
            args.reasons.len()
        )));
    }
    let mut project = load(cli, path)?;
    project.check_facts();
    if project.decision.is_none() {
        return Err(nothing_failed(&project, "there is no checklist to go through"));
    }
    let records = resolve(&project.checklist, args)?;
    if !records.is_empty() {
        record(&mut project, records, args.json)?;
    }
    if args.json {
        let doc = json!({
            "schema": "recover-tui/checklist@1",
            "items": project.checklist,
            "satisfied": checklist::satisfied(&project.checklist),
        });
        println!("{}", crate::core::export::to_safe_json(&doc));
    } else {
        print!("{}", text(&project.checklist));
    }
    Ok(0)
}

/// Find an item by id or number.
pub fn find<'a>(items: &'a [ChecklistItem], id: &str) -> Result<&'a ChecklistItem, CliError> {
    items.iter().find(|i| i.id == id || i.number.to_string() == id).ok_or_else(|| {
        CliError::from(format!(
            "there is no checklist item `{}`: the items are {} (or their numbers 1-{})",
            clean_line(id),
            checklist::IDS.join(", "),
            checklist::IDS.len()
        ))
    })
}

/// Every confirmation and waiver asked for, checked before anything is written.
fn resolve(items: &[ChecklistItem], args: &Args) -> Result<Vec<(&'static str, Recorded)>, CliError> {
    let (by, at) = (Some(user()), Some(chrono::Utc::now()));
    let mut out = Vec::new();
    for id in args.confirm {
        let item = find(items, id)?;
        if item.kind == ItemKind::Auto {
            return Err(CliError::from(format!(
                "checklist item {} ({}) is checked automatically and cannot be confirmed; waive it with --waive {} --reason TEXT",
                item.number, item.id, item.id
            )));
        }
        out.push((item.id, Recorded { state: ItemState::Confirmed, reason: None, by: by.clone(), at }));
    }
    for (id, reason) in args.waive.iter().zip(args.reasons) {
        let item = find(items, id)?;
        if reason.trim().is_empty() {
            return Err(CliError::from(format!(
                "the reason for waiving checklist item {} ({}) is empty",
                item.number, item.id
            )));
        }
        let reason = Some(clean_line(reason.trim()));
        out.push((item.id, Recorded { state: ItemState::Waived, reason, by: by.clone(), at }));
    }
    Ok(out)
}

/// Write the entries into the ledger, save it, journal each, and re-evaluate.
pub fn record(project: &mut Project, records: Vec<(&'static str, Recorded)>, quiet: bool) -> Result<(), CliError> {
    project.writable_store().map_err(CliError::from)?;
    let events: Vec<JournalEvent> = records
        .iter()
        .map(|(id, r)| match r.state {
            ItemState::Waived => JournalEvent::Waived {
                item: id.to_string(),
                reason: r.reason.clone().unwrap_or_default(),
                by: r.by.clone(),
            },
            _ => JournalEvent::Confirmed { item: id.to_string(), by: r.by.clone(), reason: r.reason.clone() },
        })
        .collect();
    for (id, r) in records {
        project.ledger.checklist.insert(id.to_string(), r);
    }
    project.save_ledger().map_err(CliError::from)?;
    for e in events {
        if !quiet {
            let what = match &e {
                JournalEvent::Waived { item, reason, .. } => format!("waived {item}: {reason}"),
                JournalEvent::Confirmed { item, .. } => format!("confirmed {item}"),
                _ => String::new(),
            };
            println!("{what}");
        }
        project.journal(e).map_err(CliError::from)?;
    }
    project.redecide();
    Ok(())
}

pub fn text(items: &[ChecklistItem]) -> String {
    let mut s = String::new();
    for i in items {
        s += &format!("{:>2}. [{:<9}] {}\n", i.number, i.state.as_str(), i.title);
        for d in &i.detail {
            s += &format!("      {}\n", clean_line(d));
        }
        if matches!(i.state, ItemState::Confirmed | ItemState::Waived) {
            let by = i.by.as_deref().map(|b| format!(" by {}", clean_line(b))).unwrap_or_default();
            let at = i.at.map(|t| format!(" at {}", t.format("%Y-%m-%d %H:%M:%S UTC"))).unwrap_or_default();
            let reason = i.reason.as_deref().map(|r| format!(": {}", clean_line(r))).unwrap_or_default();
            s += &format!("      {}{by}{at}{reason}\n", i.state.as_str());
        }
    }
    let blocking = checklist::blocking(items);
    if blocking.is_empty() {
        s += "\nSatisfied: every item is passed, confirmed or waived.\n";
    } else {
        s += &format!("\nNot satisfied: {}.\n", blocking.join("; "));
        s += "Confirm with --confirm ID, waive with --waive ID --reason TEXT.\n";
    }
    s
}
