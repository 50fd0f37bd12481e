//! Recovery attempts from the app: the same `crate::app::recovery` steps the CLI uses, with live
//! output sent back as messages.

use super::app::App;
use super::driver::Tx;
use super::effects::Msg;
use crate::app::recovery;
use crate::core::model::AttemptOutcome;
use crate::exec::attempt::{AttemptEvent, AttemptSpec};
use tokio::sync::watch;

/// Snapshot (if the outputs changed since the last one), record the attempts as running, and
/// start them off the UI task. Returns the specs, to finish the attempts with when they end.
pub fn start(
    app: &mut App,
    tx: Tx,
    cancel: watch::Receiver<bool>,
    jobs: Vec<String>,
) -> Result<Vec<AttemptSpec>, String> {
    let s = app.project.as_mut().ok_or("nothing is loaded")?;
    let sd = s.writable_store()?;
    let prepared = recovery::prepare(s, &jobs).map_err(|e| e.to_string())?;
    let begun = recovery::start(s, &prepared).map_err(|e| e.to_string())?;
    let specs = begun.specs();
    app.running = true;
    app.busy = Some(format!("recovering {} job(s)", specs.len()));
    let events = tx.clone();
    tokio::spawn(async move {
        let on_event = move |e: AttemptEvent| {
            let (job, line) = match e {
                AttemptEvent::Started { job } => (job, "▶ generator started".to_string()),
                AttemptEvent::Output { job, line, .. } => match readable(&line) {
                    Some(l) => (job, l),
                    None => return,
                },
                AttemptEvent::ValidationStarted { job, argv } => (job, format!("▶ validation: {}", argv.join(" "))),
                AttemptEvent::ValidationDone { job, argv, exit_code } => (
                    job,
                    format!(
                        "■ validation {} exited {}",
                        argv.join(" "),
                        exit_code.map(|c| c.to_string()).unwrap_or_else(|| "-".into())
                    ),
                ),
                AttemptEvent::Finished { job, outcome } => (job, format!("■ attempt finished: {outcome:?}")),
                AttemptEvent::Error { job, message } => (job, format!("✗ {message}")),
            };
            let _ = events.send(Msg::AttemptLine { job, line });
        };
        let results = recovery::run(begun, cancel, on_event).await;
        if let Ok((list, _)) = crate::store::snapshot::list(&sd) {
            let _ = tx.send(Msg::Snapshots(list.iter().map(crate::app::project::snapshot_info).collect()));
        }
        let _ = tx.send(Msg::AttemptsDone(results));
    });
    Ok(specs)
}

/// Record the outcomes (ledger, journal, escalation) and say how it went.
pub fn finish(app: &mut App, specs: &[AttemptSpec], results: Vec<recovery::Ended>) {
    app.running = false;
    app.busy = None;
    let Some(s) = app.project.as_mut() else { return };
    match recovery::finish(s, specs, results) {
        Ok(done) => {
            for a in &done.attempts {
                let v = app.run_views.entry(a.job.clone()).or_default();
                v.state = format!("attempt {}: {}", a.number, format!("{:?}", a.outcome).to_lowercase());
            }
            for (job, e) in &done.not_run {
                app.run_views.entry(job.clone()).or_default().state = format!("did not run: {e}");
            }
            let passed = done.attempts.iter().filter(|a| a.outcome == AttemptOutcome::Passed).count();
            let total = done.attempts.len() + done.not_run.len();
            match done.escalation {
                Some(reason) => app.set_status(format!("ESCALATED: {reason}"), true),
                None => app.set_status(format!("{passed} of {total} attempt(s) passed validation"), passed < total),
            }
        }
        Err(e) => app.set_status(format!("could not record the attempts: {e}"), true),
    }
}

/// A generator's JSON event as a readable line; `None` for events not worth a line
/// (`item.started`, `item.updated`, deltas). Non-JSON lines are shown as they are.
pub fn readable(line: &str) -> Option<String> {
    let t = line.trim();
    if !t.starts_with('{') {
        return Some(line.to_string());
    }
    let Ok(v) = serde_json::from_str::<serde_json::Value>(t) else { return Some(line.to_string()) };
    let ty = v["type"].as_str().unwrap_or("");
    let item = &v["item"];
    let s = match (ty, item["type"].as_str().unwrap_or("")) {
        ("thread.started", _) => format!("session {}", v["thread_id"].as_str().unwrap_or("?")),
        ("turn.completed", _) => {
            let u = &v["usage"];
            format!(
                "turn completed: {} input + {} output tokens",
                u["input_tokens"].as_u64().unwrap_or(0),
                u["output_tokens"].as_u64().unwrap_or(0)
            )
        }
        ("turn.failed", _) => format!("TURN FAILED: {}", v["error"]["message"].as_str().unwrap_or("")),
        ("error", _) => format!("notice: {}", v["message"].as_str().unwrap_or("")),
        ("item.completed", "agent_message") => format!("codex: {}", item["text"].as_str().unwrap_or("")),
        ("item.completed", "reasoning") => {
            format!("thinking: {}", item["text"].as_str().unwrap_or("").trim_matches('*'))
        }
        ("item.completed", "file_change") => {
            let paths: Vec<&str> = item["changes"]
                .as_array()
                .map(|c| c.iter().filter_map(|x| x["path"].as_str()).collect())
                .unwrap_or_default();
            format!("wrote {}", paths.join(", "))
        }
        ("item.completed", "command_execution") => {
            format!(
                "$ {} (exit {})",
                item["command"].as_str().unwrap_or(""),
                item["exit_code"].as_i64().map(|c| c.to_string()).unwrap_or_else(|| "-".into())
            )
        }
        ("result", _) => format!("result: {}", v["subtype"].as_str().unwrap_or("")),
        _ => return None,
    };
    Some(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn codex_events_read_as_lines() {
        assert_eq!(super::readable(r#"{"type":"item.completed","item":{"id":"item_1","type":"file_change","changes":[{"path":"notes/render.py","kind":"update"}],"status":"completed"}}"#).as_deref(), Some("wrote notes/render.py"));
        assert_eq!(super::readable(r#"{"type":"turn.completed","usage":{"input_tokens":4234,"cached_input_tokens":2048,"output_tokens":380}}"#).as_deref(), Some("turn completed: 4234 input + 380 output tokens"));
        assert_eq!(
            super::readable(r#"{"type":"item.updated","item":{"id":"item_2","type":"command_execution"}}"#),
            None
        );
        assert_eq!(super::readable("plain text").as_deref(), Some("plain text"));
    }
}
