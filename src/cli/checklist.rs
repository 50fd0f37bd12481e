//! `recover-tui checklist`: the ten items of DESIGN.md §9, and `--confirm` / `--waive` to
//! record the user's word in the ledger and the journal.

use super::{command_error, load, nothing_failed, Cli, CliError};
use crate::app::commands::{self, Mark};
use crate::core::checklist::{self, ChecklistItem, ItemState};
use crate::core::sanitize::clean_line;
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
    let writes = !args.confirm.is_empty() || !args.waive.is_empty();
    let mut project = if writes { load(cli, path)? } else { super::load_read_only(cli, path)? };
    project.check_facts();
    if project.decision.is_none() {
        return Err(nothing_failed(&project, "there is no checklist to go through"));
    }
    let marks = marks(args);
    if !marks.is_empty() {
        let said = commands::mark(&mut project, &marks, chrono::Utc::now()).map_err(command_error)?;
        if !args.json {
            for line in said {
                println!("{line}");
            }
        }
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

/// Every confirmation and waiver asked for, in the order given.
fn marks(args: &Args) -> Vec<Mark> {
    let confirm = args.confirm.iter().map(|id| Mark::Confirm { item: id.clone(), reason: None });
    let waive = args.waive.iter().zip(args.reasons).map(|(id, r)| Mark::Waive { item: id.clone(), reason: r.clone() });
    confirm.chain(waive).collect()
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
