//! Starting recovery attempts from the app: the same `session::run_recovery` the CLI uses,
//! with live output sent back as messages.

use super::app::App;
use super::driver::Tx;
use super::effects::Msg;
use crate::exec::attempt::AttemptEvent;
use tokio::sync::watch;

pub fn start(app: &mut App, tx: Tx, cancel: watch::Receiver<bool>, jobs: Vec<(String, String)>) {
    let Some(s) = &app.session else { return };
    let sd = match s.writable_store() {
        Ok(sd) => sd,
        Err(e) => {
            let _ = tx.send(Msg::AttemptsDone(Err(e)));
            return;
        }
    };
    let specs = match s.attempt_specs(&jobs) {
        Ok(specs) => specs,
        Err(e) => {
            let _ = tx.send(Msg::AttemptsDone(Err(e)));
            return;
        }
    };
    let concurrency = s.config.commands.concurrency;
    app.running = true;
    app.busy = Some(format!("recovering {} job(s)", specs.len()));
    let events = tx.clone();
    tokio::spawn(async move {
        let on_event = move |e: AttemptEvent| {
            let (job, line) = match e {
                AttemptEvent::Started { job } => (job, "▶ generator started".to_string()),
                AttemptEvent::Output { job, line, .. } => (job, line),
                AttemptEvent::ValidationStarted { job, argv } => (job, format!("▶ validation: {}", argv.join(" "))),
                AttemptEvent::ValidationDone { job, argv, exit_code } => {
                    (job, format!("■ validation {} exited {}", argv.join(" "), exit_code.map(|c| c.to_string()).unwrap_or_else(|| "-".into())))
                }
                AttemptEvent::Finished { job, outcome } => (job, format!("■ attempt finished: {outcome:?}")),
                AttemptEvent::Error { job, message } => (job, format!("✗ {message}")),
            };
            let _ = events.send(Msg::AttemptLine { job, line });
        };
        let r = crate::session::run_recovery(sd.clone(), specs, concurrency, cancel, on_event).await;
        if let Ok((list, _)) = crate::core::store::snapshot::list(&sd) {
            let _ = tx.send(Msg::Snapshots(list.iter().map(crate::session::snapshot_info).collect()));
        }
        let _ = tx.send(Msg::AttemptsDone(r));
    });
}
