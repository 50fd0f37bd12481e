//! The event loop: input, background work and effects feed one message queue; every message
//! goes through `update`; the screen is redrawn after each. Effects run off the UI task.

use super::app::App;
use super::effects::{Effect, Msg};
use super::{terminal, update, view};
use crate::app::project::{OpenOptions, Project};
use crate::core::model::SystemClock;
use crate::store::journal::{self, JournalEvent};
use ratatui::crossterm::event::{self, Event};
use ratatui::DefaultTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

pub type Tx = mpsc::UnboundedSender<Msg>;

/// State writes run one after another on this queue, in the order they were asked for.
type WriteJob = Box<dyn FnOnce() -> Option<Msg> + Send>;

pub struct Driver {
    /// The specs of the attempts running now.
    running: Vec<crate::exec::attempt::AttemptSpec>,
    tx: Tx,
    writes: mpsc::UnboundedSender<WriteJob>,
    input_paused: Arc<AtomicBool>,
    cancel: watch::Sender<bool>,
}

pub async fn run(mut terminal: DefaultTerminal, mut app: App, opts: OpenOptions) -> std::io::Result<()> {
    let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
    let input_paused = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    spawn_input(tx.clone(), input_paused.clone(), stop.clone());
    spawn_signals(tx.clone());
    let (wtx, mut wrx) = mpsc::unbounded_channel::<WriteJob>();
    let writer_tx = tx.clone();
    tokio::spawn(async move {
        while let Some(job) = wrx.recv().await {
            if let Ok(Some(msg)) = tokio::task::spawn_blocking(job).await {
                let _ = writer_tx.send(msg);
            }
        }
    });
    let (cancel, _) = watch::channel(false);
    let mut driver = Driver { running: Vec::new(), tx: tx.clone(), writes: wtx, input_paused, cancel };

    // The first frame, before anything is loaded.
    terminal.draw(|f| view::draw(f, &app))?;
    if let Some(t0) = crate::STARTED.get() {
        crate::logfile::log(&format!("first frame drawn {:.1} ms after start", t0.elapsed().as_secs_f64() * 1000.0));
    }
    spawn_load(tx.clone(), opts);
    let ticker = tx.clone();
    tokio::spawn(async move {
        let mut iv = tokio::time::interval(Duration::from_millis(120));
        loop {
            iv.tick().await;
            if ticker.send(Msg::Tick).is_err() {
                break;
            }
        }
    });

    let mut mouse = app.mouse;
    while let Some(msg) = rx.recv().await {
        let idle_tick = matches!(msg, Msg::Tick) && app.busy.is_none() && app.loading.is_none() && !app.running;
        let loaded = matches!(msg, Msg::Loaded(Ok(_)));
        if loaded {
            if let Some(t0) = crate::STARTED.get() {
                crate::logfile::log(&format!("run loaded {:.1} ms after start", t0.elapsed().as_secs_f64() * 1000.0));
            }
        }
        let effects = update::update(&mut app, msg);
        // Test hook for the terminal-restore checks (RELIABILITY.md): panic once the run is loaded.
        if loaded && std::env::var_os("RECOVER_TUI_TEST_PANIC").is_some() {
            panic!("RECOVER_TUI_TEST_PANIC is set: panicking after load");
        }
        if loaded {
            driver.refresh_journal(&app);
            driver.record(&app, update::decided_event(app.project.as_ref().and_then(|s| s.decision.as_ref())));
        }
        for e in effects {
            driver.run_effect(&mut app, &mut terminal, e);
        }
        if app.mouse != mouse {
            mouse = app.mouse;
            terminal::set_mouse(mouse);
        }
        if app.should_quit {
            break;
        }
        if !idle_tick {
            let size = terminal.size()?;
            app.page = size.height.saturating_sub(8);
            terminal.draw(|f| view::draw(f, &app))?;
        }
    }
    let _ = driver.cancel.send(true);
    stop.store(true, Ordering::SeqCst);
    crate::exec::process::kill_all_groups();
    Ok(())
}

fn spawn_input(tx: Tx, paused: Arc<AtomicBool>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || loop {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        if paused.load(Ordering::SeqCst) {
            std::thread::sleep(Duration::from_millis(30));
            continue;
        }
        match event::poll(Duration::from_millis(50)) {
            Ok(true) => {
                let msg = match event::read() {
                    Ok(Event::Key(k)) => Msg::Key(k),
                    Ok(Event::Mouse(m)) => Msg::Mouse(m),
                    Ok(Event::Resize(_, _)) => Msg::Resize,
                    _ => continue,
                };
                if tx.send(msg).is_err() {
                    break;
                }
            }
            Ok(false) => {}
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    });
}

/// SIGTERM / SIGHUP quit cleanly (terminal restored, children killed).
fn spawn_signals(tx: Tx) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut term), Ok(mut hup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup())) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(Msg::Key(ratatui::crossterm::event::KeyEvent::new(
            ratatui::crossterm::event::KeyCode::Char('c'),
            ratatui::crossterm::event::KeyModifiers::CONTROL,
        )));
        let _ = tx.send(Msg::Terminate);
    });
}

fn spawn_load(tx: Tx, opts: OpenOptions) {
    tokio::task::spawn_blocking(move || {
        let last = std::sync::Mutex::new(Instant::now());
        let progress_tx = tx.clone();
        let progress = move |p: crate::core::ingest::discover::Progress| {
            if let Ok(mut l) = last.lock() {
                if l.elapsed() >= Duration::from_millis(50) || p.files_done == p.files_total {
                    *l = Instant::now();
                    let _ = progress_tx.send(Msg::Progress(p));
                }
            }
        };
        let r = Project::open_with_progress(&opts, &progress)
            .map(|mut s| {
                s.check_facts();
                Box::new(s)
            })
            .map_err(|e| e.to_string());
        let _ = tx.send(Msg::Loaded(r));
    });
}

impl Driver {
    fn queue_write(&self, job: impl FnOnce() -> Option<Msg> + Send + 'static) {
        let _ = self.writes.send(Box::new(job));
    }

    /// Save the ledger and journal an event (queued, in order).
    fn record(&self, app: &App, event: JournalEvent) {
        let Some(s) = &app.project else { return };
        let Ok(sd) = s.writable_store() else { return };
        let ledger = s.ledger.clone();
        let journal_tx = self.tx.clone();
        let sd2 = sd.clone();
        self.queue_write(move || {
            let saved = ledger.save(&sd).map_err(|e| e.to_string());
            let appended = journal::append(&sd, &SystemClock, event).map(|_| ()).map_err(|e| e.to_string());
            let _ = journal_tx.send(Msg::Journal(journal_lines(&sd2)));
            match saved.and(appended) {
                Ok(()) => None,
                Err(e) => Some(Msg::Recorded(Err(format!("could not record: {e}")))),
            }
        });
    }

    fn refresh_journal(&self, app: &App) {
        if let Some(s) = &app.project {
            let (lines, _) = s.journal_lines();
            let _ = self.tx.send(Msg::Journal(lines));
        }
    }

    pub fn run_effect(&mut self, app: &mut App, term: &mut DefaultTerminal, e: Effect) {
        crate::logfile::log(&format!("effect {}", effect_name(&e)));
        match e {
            Effect::Quit | Effect::Cancel => {
                let _ = self.cancel.send(true);
            }
            Effect::Record { event } => self.record(app, event),
            Effect::Snapshot { paths, reason } => {
                let Some(s) = &app.project else { return };
                let sd = match s.writable_store() {
                    Ok(sd) => sd,
                    Err(e) => return self.send(Msg::Snapshotted(Err(e))),
                };
                self.queue_write(move || {
                    Some(Msg::Snapshotted(crate::app::project::snapshot_paths(
                        &sd,
                        &paths,
                        &reason,
                        None,
                        None,
                        &SystemClock,
                    )))
                });
            }
            Effect::Export => {
                let Some(s) = &app.project else { return };
                let now = chrono::Utc::now();
                let Some(md) = s.export_markdown(now) else {
                    return self.send(Msg::Exported(Err("nothing failed: nothing to export".into())));
                };
                let sd = match s.writable_store() {
                    Ok(sd) => sd,
                    Err(e) => return self.send(Msg::Exported(Err(e))),
                };
                let path = s.state_dir.join(format!("rationale-{}.md", now.format("%Y%m%dT%H%M%SZ")));
                let tx = self.tx.clone();
                self.queue_write(move || {
                    let r = crate::store::atomic::write(&path, md.as_bytes())
                        .map_err(|e| format!("{}: {e}", path.display()));
                    if r.is_ok() {
                        let _ = journal::append(
                            &sd,
                            &SystemClock,
                            JournalEvent::Exported { format: "md".into(), path: Some(path.display().to_string()) },
                        );
                        let _ = tx.send(Msg::Journal(journal_lines(&sd)));
                    }
                    Some(Msg::Exported(r.map(|_| path)))
                });
            }
            Effect::Edit { job, text } => {
                let Some(s) = &app.project else { return };
                let file = prompt_file(&s.state_dir, &job);
                let result = edit(term, &self.input_paused, &file, &text);
                self.send(Msg::Edited { job, result });
            }
            Effect::Copy { job, text } => {
                let Some(s) = &app.project else { return };
                // Not the revised-prompt file: what is copied may be the recovery prompt itself.
                let file =
                    s.state_dir.join("prompts").join(format!("{}.copied.md", crate::app::project::safe_name(&job)));
                let saved = write_prompt(&file, &text);
                let osc = terminal::osc52(&text).is_ok();
                let msg = match (osc, saved) {
                    (true, Ok(())) => {
                        Ok(format!("copied with OSC 52 (if your terminal allows it); also saved to {}", file.display()))
                    }
                    (false, Ok(())) => {
                        Ok(format!("the terminal refused the clipboard; the prompt is saved to {}", file.display()))
                    }
                    (true, Err(e)) => Ok(format!("copied with OSC 52; could not save a copy: {e}")),
                    (false, Err(e)) => Err(format!("could not copy or save the prompt: {e}")),
                };
                self.send(Msg::Copied(msg));
            }
            Effect::Revise { job, prompt } => {
                let Some(s) = &app.project else { return };
                let Some(argv) = s.config.commands.reviser.clone() else { return };
                let spec = crate::exec::reviser::ReviseSpec {
                    argv,
                    recovery_prompt: prompt,
                    dir: s.state_dir.join("reviser").join(&job),
                    project_root: s.run.project_root.clone(),
                    output: s.run.job(&job).and_then(|j| j.outputs.first().cloned()),
                    job: Some(job.clone()),
                    timeout: Duration::from_secs(s.config.commands.timeout_s),
                };
                let file = prompt_file(&s.state_dir, &job);
                let tx = self.tx.clone();
                let cancel = self.cancel.subscribe();
                tokio::spawn(async move {
                    let r = crate::exec::reviser::revise(spec, cancel).await.map_err(|e| e.to_string());
                    if let Ok(text) = &r {
                        let _ = write_prompt(&file, text);
                    }
                    let _ = tx.send(Msg::Revised { job, result: r });
                });
            }
            Effect::StartRecovery { jobs } => {
                let _ = self.cancel.send(false);
                match super::recovery::start(app, self.tx.clone(), self.cancel.subscribe(), jobs) {
                    Ok(specs) => self.running = specs,
                    Err(e) => app.set_status(format!("recovery could not start: {e}"), true),
                }
                self.refresh_journal(app);
            }
            Effect::FinishAttempts { results } => {
                let specs = std::mem::take(&mut self.running);
                super::recovery::finish(app, &specs, results);
                self.refresh_journal(app);
            }
            Effect::Restore { id } => {
                let Some(s) = &app.project else { return };
                let sd = match s.writable_store() {
                    Ok(sd) => sd,
                    Err(e) => return self.send(Msg::Restored(Err(e))),
                };
                let tx = self.tx.clone();
                self.queue_write(move || {
                    let r = crate::store::restore::restore(&sd, &id, &SystemClock);
                    let msg = match r {
                        Ok(rep) => {
                            let _ = journal::append(
                                &sd,
                                &SystemClock,
                                JournalEvent::Restore {
                                    snapshot: rep.snapshot.clone(),
                                    undo_snapshot: rep.undo_snapshot.clone(),
                                    written: rep.written.len() as u32,
                                    deleted: rep.deleted.len() as u32,
                                },
                            );
                            if let Ok((list, _)) = crate::store::snapshot::list(&sd) {
                                let _ = tx.send(Msg::Snapshots(
                                    list.iter().map(crate::app::project::snapshot_info).collect(),
                                ));
                            }
                            let _ = tx.send(Msg::Journal(journal_lines(&sd)));
                            Ok(format!(
                                "restored {}: {} written, {} deleted; undo with snapshot {}",
                                rep.snapshot,
                                rep.written.len(),
                                rep.deleted.len(),
                                rep.undo_snapshot
                            ))
                        }
                        Err(e) => Err(format!("restore refused: {e}")),
                    };
                    Some(Msg::Restored(msg))
                });
            }
            Effect::Diff { id } => {
                let Some(s) = &app.project else { return };
                let Some(sd) = s.store.clone() else { return };
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let r = crate::store::diff::diff_snapshot_vs_current(&sd, &id, None)
                        .map(|d| render_diff(&d))
                        .map_err(|e| e.to_string());
                    let _ = tx.send(Msg::DiffReady(r));
                });
            }
        }
    }

    fn send(&self, m: Msg) {
        let _ = self.tx.send(m);
    }
}

fn journal_lines(sd: &crate::store::StateDir) -> Vec<String> {
    let (entries, _) = journal::read(sd);
    entries.iter().map(crate::app::project::journal_line).collect()
}

/// Where a job's revised prompt is kept (recovery reads it from there).
pub fn prompt_file(state_dir: &std::path::Path, job: &str) -> PathBuf {
    crate::app::recovery::revised_prompt_file(state_dir, job)
}

fn write_prompt(file: &std::path::Path, text: &str) -> std::io::Result<()> {
    if let Some(d) = file.parent() {
        std::fs::create_dir_all(d)?;
    }
    crate::store::atomic::write(file, text.as_bytes())
}

/// Edit `text` in `$VISUAL`/`$EDITOR` (default `vi`) with the terminal suspended.
fn edit(term: &mut DefaultTerminal, paused: &AtomicBool, file: &std::path::Path, text: &str) -> Result<String, String> {
    write_prompt(file, text).map_err(|e| format!("{}: {e}", file.display()))?;
    let editor = std::env::var("VISUAL").or_else(|_| std::env::var("EDITOR")).unwrap_or_else(|_| "vi".into());
    let mut parts = editor.split_whitespace();
    let Some(program) = parts.next() else { return Err("$EDITOR is empty".into()) };
    let args: Vec<&str> = parts.collect();
    paused.store(true, Ordering::SeqCst);
    // Let the input thread notice before the editor takes the terminal.
    std::thread::sleep(Duration::from_millis(80));
    let status = terminal::suspended(term, || std::process::Command::new(program).args(&args).arg(file).status());
    paused.store(false, Ordering::SeqCst);
    match status {
        Ok(s) if s.success() => std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display())),
        Ok(s) => Err(format!("{editor} exited with {s}; the prompt was not changed")),
        Err(e) => Err(format!("cannot start the editor {editor}: {e}")),
    }
}

fn render_diff(diffs: &[crate::store::diff::PathDiff]) -> String {
    use crate::store::diff::FileDiff;
    if diffs.is_empty() {
        return "No change since this snapshot.".into();
    }
    let mut s = format!("{}\n\n", crate::store::diff::stat(diffs));
    for d in diffs {
        match &d.diff {
            FileDiff::Text { unified, .. } => s += unified,
            FileDiff::Binary { old_size, new_size, .. } => {
                s += &format!("{}: binary file ({old_size} -> {new_size} bytes)\n", d.path)
            }
            FileDiff::Summary { old_lines, new_lines, .. } => {
                s += &format!("{}: too large to diff quickly ({old_lines} -> {new_lines} lines)\n", d.path)
            }
        }
        if let Some(n) = &d.note {
            s += &format!("({n})\n");
        }
        s += "\n";
    }
    s
}

fn effect_name(e: &Effect) -> String {
    match e {
        Effect::Record { event } => format!("record {}", event.name()),
        Effect::Snapshot { paths, .. } => format!("snapshot of {} path(s)", paths.len()),
        Effect::Export => "export".into(),
        Effect::Edit { job, .. } => format!("edit prompt of {job}"),
        Effect::Copy { job, .. } => format!("copy prompt of {job}"),
        Effect::Revise { job, .. } => format!("revise prompt of {job}"),
        Effect::StartRecovery { jobs } => format!("recover {}", jobs.join(", ")),
        Effect::FinishAttempts { results } => format!("record {} attempt(s)", results.len()),
        Effect::Cancel => "cancel".into(),
        Effect::Restore { id } => format!("restore {id}"),
        Effect::Diff { id } => format!("diff {id}"),
        Effect::Quit => "quit".into(),
    }
}
