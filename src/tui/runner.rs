//! The event loop: `Runner<B: Backend>` owns the terminal, selects over the input events and
//! the message channel (no polling thread, no sleeps), passes every message through `update`,
//! performs the effects it returns off the UI task, and redraws when something changed.
//!
//! Project work moves the project out of the app into a blocking task and sends it back with
//! the result (`Msg::Back`); keys wait meanwhile (they stay in the input stream), so they apply
//! in order to the project as it is after each write. Attempts and the reviser are async tasks
//! that report through the channel.
//!
//! Interruptions (SIGTERM, SIGHUP, SIGINT, Ctrl-C, the input ending or failing as it does when
//! the terminal is closed, a draw failing) cancel the running commands; the runner keeps going
//! until their attempts are recorded (`aborted`) and the project is back, then returns. The
//! caller drops the runner (the project, so the lock) and restores the terminal.
//!
//! Tests build a `Runner<TestBackend>` with a scripted input stream ([`scripted`]) and call
//! [`Runner::run_until_idle`], which returns once no input, message or work is pending.

use super::app::App;
use super::effects::{Effect, Job, Msg};
use super::{jobs, recovery, update, view};
use crate::app::project::OpenOptions;
use futures_util::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::crossterm::event::Event;
use ratatui::Terminal;
use std::collections::VecDeque;
use std::io;
use std::pin::Pin;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Terminal input events.
pub type InputStream = Pin<Box<dyn Stream<Item = io::Result<Event>> + Send>>;

/// How long to wait, once leaving, for running attempts to end and be recorded.
const QUIT_GRACE: Duration = Duration::from_secs(15);

/// What the runner needs from the real terminal beyond drawing (no-ops for tests).
pub trait Host: Send {
    /// The input stream reads the real terminal: drop it while another program has the terminal.
    fn owns_terminal(&self) -> bool {
        false
    }
    /// Hand the terminal to another program (`$EDITOR`) ...
    fn suspend(&mut self) {}
    /// ... and take it back.
    fn resume(&mut self) {}
    /// A new input stream after `resume` (the old one was dropped).
    fn reopen_input(&mut self) -> Option<InputStream> {
        None
    }
    fn set_mouse(&mut self, _on: bool) {}
    /// Put text on the terminal's clipboard (OSC 52).
    fn clipboard(&mut self, _text: &str) -> io::Result<()> {
        Err(io::Error::new(io::ErrorKind::Unsupported, "no terminal clipboard here"))
    }
}

/// A host with no real terminal (tests, benchmarks).
pub struct NoHost;
impl Host for NoHost {}

/// A scripted input: the stream the runner reads, and the sender a test writes events to.
/// Dropping the sender ends the stream, as a closed terminal does.
pub fn scripted() -> (InputStream, mpsc::UnboundedSender<Event>) {
    let (tx, rx) = mpsc::unbounded_channel::<Event>();
    let stream = futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) });
    (Box::pin(stream), tx)
}

pub struct Runner<B: Backend> {
    /// Dropped by hand (see `Drop`): after the project, and not at all once the terminal is
    /// gone (ratatui's drop would report a failure to show the cursor with `eprintln!`, which
    /// panics when stderr is the closed terminal).
    terminal: std::mem::ManuallyDrop<Terminal<B>>,
    pub app: App,
    input: Option<InputStream>,
    /// The input ended or failed: the terminal is gone.
    input_closed: bool,
    host: Box<dyn Host>,
    tx: mpsc::UnboundedSender<Msg>,
    rx: mpsc::UnboundedReceiver<Msg>,
    cancel: watch::Sender<bool>,
    /// Project jobs waiting for the project to come back.
    queue: VecDeque<Job>,
    /// A project job has the project.
    away: bool,
    /// Attempts are running (their `AttemptsDone` is due).
    attempts: bool,
    /// Other tasks whose message is due (the load, the reviser, a copy).
    tasks: usize,
    /// The editor command (`$VISUAL`, `$EDITOR`, else `vi`).
    editor: String,
    /// Drawing works (it fails once the terminal is gone).
    term_ok: bool,
    dirty: bool,
    first_frame: bool,
    panic_after_load: bool,
}

impl<B: Backend> Runner<B> {
    pub fn new(terminal: Terminal<B>, app: App, input: InputStream, host: Box<dyn Host>) -> Runner<B> {
        let (tx, rx) = mpsc::unbounded_channel();
        let (cancel, _) = watch::channel(false);
        let editor = std::env::var("VISUAL")
            .or_else(|_| std::env::var("EDITOR"))
            .ok()
            .filter(|e| !e.trim().is_empty())
            .unwrap_or_else(|| "vi".into());
        let mut r = Runner {
            terminal: std::mem::ManuallyDrop::new(terminal),
            app,
            input: Some(input),
            input_closed: false,
            host,
            tx,
            rx,
            cancel,
            queue: VecDeque::new(),
            away: false,
            attempts: false,
            tasks: 0,
            editor,
            term_ok: true,
            dirty: true,
            first_frame: true,
            panic_after_load: std::env::var_os("RECOVER_TUI_TEST_PANIC").is_some(),
        };
        if let Ok(size) = r.terminal.size() {
            r.app.size = (size.width, size.height);
        }
        r
    }

    /// Use this editor command instead of `$VISUAL`/`$EDITOR`.
    pub fn with_editor(mut self, editor: impl Into<String>) -> Self {
        self.editor = editor.into();
        self
    }

    /// A sender for messages from outside (signals).
    pub fn sender(&self) -> mpsc::UnboundedSender<Msg> {
        self.tx.clone()
    }

    pub fn terminal(&self) -> &Terminal<B> {
        &self.terminal
    }

    /// Open the project off the UI task; `Msg::Loaded` comes back (progress on the way).
    pub fn load(&mut self, opts: OpenOptions) {
        self.tasks += 1;
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let last = std::sync::Mutex::new(None::<Instant>);
            let progress_tx = tx.clone();
            let progress = move |p: crate::core::ingest::discover::Progress| {
                if let Ok(mut l) = last.lock() {
                    if l.is_none_or(|t| t.elapsed() >= Duration::from_millis(50)) || p.files_done == p.files_total {
                        *l = Some(Instant::now());
                        let _ = progress_tx.send(Msg::Progress(p));
                    }
                }
            };
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| jobs::load(&opts, &progress)))
                .unwrap_or_else(|_| Err("internal error while loading".into()));
            let _ = tx.send(Msg::Loaded(r));
        });
    }

    /// Nothing left to do: leaving, and nothing in flight that must be recorded.
    fn finished(&self) -> bool {
        self.app.should_quit && !self.away && self.queue.is_empty() && !self.attempts
    }

    fn takes_input(&self) -> bool {
        !self.away && !self.input_closed && !self.app.should_quit
    }

    fn idle(&self) -> bool {
        !self.away && !self.attempts && self.tasks == 0 && self.queue.is_empty()
    }

    /// Run until the app has quit and everything in flight has been recorded.
    pub async fn run(&mut self) {
        self.draw();
        let mut ticker = tokio::time::interval(Duration::from_millis(120));
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut deadline: Option<tokio::time::Instant> = None;
        while !self.finished() {
            if self.app.should_quit && deadline.is_none() {
                deadline = Some(tokio::time::Instant::now() + QUIT_GRACE);
            }
            let quit_at = deadline;
            tokio::select! {
                Some(msg) = self.rx.recv() => self.dispatch(msg).await,
                ev = next_input(&mut self.input), if self.takes_input() => self.on_input(ev).await,
                _ = ticker.tick(), if self.app.animating() => self.dispatch(Msg::Tick).await,
                _ = sleep_until(quit_at), if quit_at.is_some() => {
                    crate::logfile::log("leaving without waiting longer for the running attempts");
                    break;
                }
            }
            self.draw();
        }
    }

    /// Handle input and messages until none is pending and no work is in flight (tests).
    pub async fn run_until_idle(&mut self) {
        loop {
            self.draw();
            if self.finished() {
                return;
            }
            let idle = self.idle();
            tokio::select! {
                biased;
                Some(msg) = self.rx.recv() => self.dispatch(msg).await,
                ev = next_input(&mut self.input), if self.takes_input() => self.on_input(ev).await,
                _ = std::future::ready(()), if idle => return,
            }
        }
    }

    async fn on_input(&mut self, ev: Option<io::Result<Event>>) {
        let msg = match ev {
            Some(Ok(Event::Key(k))) => Msg::Key(k),
            Some(Ok(Event::Mouse(m))) => Msg::Mouse(m),
            Some(Ok(Event::Resize(w, h))) => {
                // Clear and redraw everything at the new size (not only what changed).
                let _ = self.terminal.resize(ratatui::layout::Rect::new(0, 0, w, h));
                self.dirty = true;
                Msg::Resize(w, h)
            }
            Some(Ok(_)) => return,
            Some(Err(e)) => {
                self.input_closed = true;
                self.input = None;
                Msg::Interrupted(format!("the terminal closed ({e})"))
            }
            None => {
                self.input_closed = true;
                self.input = None;
                Msg::Interrupted("the terminal closed".into())
            }
        };
        self.dispatch(msg).await;
    }

    async fn dispatch(&mut self, msg: Msg) {
        match &msg {
            Msg::Back { .. } => self.away = false,
            Msg::AttemptsDone { .. } => self.attempts = false,
            Msg::Loaded(_) | Msg::Revised { .. } | Msg::Copied(_) => self.tasks = self.tasks.saturating_sub(1),
            Msg::Tick if !self.app.animating() => return,
            _ => {}
        }
        let loaded = matches!(msg, Msg::Loaded(Ok(_)));
        let effects = update::update(&mut self.app, msg);
        self.dirty = true;
        if loaded {
            if let Some(t0) = crate::STARTED.get() {
                crate::logfile::log(&format!("run loaded {:.1} ms after start", t0.elapsed().as_secs_f64() * 1000.0));
            }
            // Test hook for the terminal-restore checks (RELIABILITY.md).
            if self.panic_after_load {
                panic!("RECOVER_TUI_TEST_PANIC is set: panicking after load");
            }
        }
        for e in effects {
            self.perform(e).await;
        }
        if !self.away {
            if let Some(job) = self.queue.pop_front() {
                self.start_job(job);
            }
        }
    }

    fn draw(&mut self) {
        if !self.dirty || !self.term_ok || self.away {
            return;
        }
        self.dirty = false;
        let app = &self.app;
        if self.terminal.draw(|f| view::draw(f, app)).is_err() {
            // The terminal is gone (EIO): leave as for a closed terminal.
            self.term_ok = false;
            let _ = self.tx.send(Msg::Interrupted("the terminal closed (drawing failed)".into()));
            return;
        }
        if std::mem::take(&mut self.first_frame) {
            if let Some(t0) = crate::STARTED.get() {
                crate::logfile::log(&format!(
                    "first frame drawn {:.1} ms after start",
                    t0.elapsed().as_secs_f64() * 1000.0
                ));
            }
        }
    }

    /// Start new work unless leaving (then a cancel already holds).
    fn fresh_cancel(&mut self) -> watch::Receiver<bool> {
        if !self.app.should_quit && !self.attempts {
            self.cancel.send_replace(false);
        }
        self.cancel.subscribe()
    }

    async fn perform(&mut self, e: Effect) {
        crate::logfile::log(&format!("effect {}", effect_name(&e)));
        match e {
            Effect::Project(job) => {
                if self.away {
                    self.queue.push_back(job);
                } else {
                    self.start_job(job);
                }
            }
            Effect::RunAttempts(started) => {
                self.attempts = true;
                let cancel = self.fresh_cancel();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let jobs = started.jobs();
                    let task = tokio::spawn(recovery::run(started.clone(), cancel, tx.clone()));
                    if let Err(e) = task.await {
                        let results = jobs.iter().map(|j| Err((j.clone(), format!("internal error: {e}")))).collect();
                        let _ = tx.send(Msg::AttemptsDone { started, results });
                    }
                });
            }
            Effect::Revise(req) => {
                self.tasks += 1;
                let cancel = self.fresh_cancel();
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let job = req.job.clone();
                    let task = tokio::spawn(recovery::revise(req, cancel));
                    let result = task.await.unwrap_or_else(|e| Err(format!("internal error: {e}")));
                    let _ = tx.send(Msg::Revised { job, result });
                });
            }
            Effect::Edit { job, text } => {
                let result = self.edit(text).await;
                let _ = self.tx.send(Msg::Edited { job, result });
            }
            Effect::Copy { text, file } => {
                let osc = self.host.clipboard(&text).is_ok();
                self.tasks += 1;
                let tx = self.tx.clone();
                tokio::task::spawn_blocking(move || {
                    let saved = file.as_ref().map(|(dir, rel)| {
                        crate::store::write_state_file(dir, rel, text.as_bytes()).map_err(|e| e.to_string())
                    });
                    let msg = match (osc, saved) {
                        (true, Some(Ok(f))) => Ok(format!(
                            "copied with OSC 52 (if your terminal allows it); also saved to {}",
                            f.display()
                        )),
                        (true, None) => Ok("copied with OSC 52 (if your terminal allows it)".to_string()),
                        (false, Some(Ok(f))) => {
                            Ok(format!("the terminal refused the clipboard; the prompt is saved to {}", f.display()))
                        }
                        (true, Some(Err(e))) => Ok(format!("copied with OSC 52; could not save a copy: {e}")),
                        (false, Some(Err(e))) => Err(format!("could not copy or save the prompt: {e}")),
                        (false, None) => Err("the terminal refused the clipboard (read-only: no file copy)".into()),
                    };
                    let _ = tx.send(Msg::Copied(msg));
                });
            }
            Effect::Cancel => {
                self.cancel.send_replace(true);
            }
            Effect::SetMouse(on) => self.host.set_mouse(on),
        }
    }

    /// Move the project into a blocking task that does `job` and sends it back.
    fn start_job(&mut self, job: Job) {
        let Some(mut project) = self.app.project.take() else { return };
        self.away = true;
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let (done, journal) =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| jobs::perform(&mut project, job)))
                    .unwrap_or_else(|_| {
                        let e = crate::app::commands::CommandError::Failed("internal error (see the log)".into());
                        (super::effects::Done::Said(Err(e)), None)
                    });
            let _ = tx.send(Msg::Back { project: Box::new(project), done, journal });
        });
    }

    /// Edit `text` in the editor with the terminal handed over.
    async fn edit(&mut self, text: String) -> Result<String, String> {
        let owns = self.host.owns_terminal();
        if owns {
            // The input stream's reader would take the editor's keys.
            self.input = None;
        }
        self.host.suspend();
        let editor = self.editor.clone();
        let result = tokio::task::spawn_blocking(move || run_editor(&editor, &text))
            .await
            .unwrap_or_else(|e| Err(format!("the editor could not run: {e}")));
        self.host.resume();
        if owns && !self.input_closed {
            self.input = self.host.reopen_input();
        }
        // Clear and redraw everything. (`Terminal::clear` asks the terminal where its cursor is
        // first, which a terminal just handed back may not answer.)
        if let Ok(size) = self.terminal.size() {
            let _ = self.terminal.resize(ratatui::layout::Rect::new(0, 0, size.width, size.height));
        }
        self.dirty = true;
        result
    }
}

impl<B: Backend> Drop for Runner<B> {
    fn drop(&mut self) {
        // The project first: that releases the lock whatever happens to the terminal.
        self.app.project = None;
        if self.term_ok && !self.input_closed {
            // SAFETY: dropped once, here, and never used after.
            unsafe { std::mem::ManuallyDrop::drop(&mut self.terminal) };
        }
    }
}

async fn next_input(input: &mut Option<InputStream>) -> Option<io::Result<Event>> {
    match input {
        Some(s) => s.next().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Run the editor on a temporary copy of `text` and read it back.
fn run_editor(editor: &str, text: &str) -> Result<String, String> {
    let mut file = tempfile::Builder::new()
        .prefix("recover-tui-prompt-")
        .suffix(".md")
        .tempfile()
        .map_err(|e| format!("cannot create a file for the editor: {e}"))?;
    io::Write::write_all(&mut file, text.as_bytes()).map_err(|e| format!("cannot write the prompt: {e}"))?;
    let path = file.path().to_path_buf();
    let mut parts = editor.split_whitespace();
    let program = parts.next().ok_or("$EDITOR is empty")?;
    let status = std::process::Command::new(program).args(parts).arg(&path).status();
    match status {
        Ok(s) if s.success() => std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display())),
        Ok(s) => Err(format!("{editor} exited with {s}; the prompt was not changed")),
        Err(e) => Err(format!("cannot start the editor {editor}: {e}")),
    }
}

fn effect_name(e: &Effect) -> String {
    match e {
        Effect::Project(j) => format!("project job {}", job_name(j)),
        Effect::RunAttempts(s) => format!("run attempts of {}", s.jobs().join(", ")),
        Effect::Revise(r) => format!("revise the recovery prompt of {}", r.job),
        Effect::Edit { job, .. } => format!("edit the prompt of {job}"),
        Effect::Copy { .. } => "copy".into(),
        Effect::Cancel => "cancel".into(),
        Effect::SetMouse(on) => format!("mouse {}", if *on { "on" } else { "off" }),
    }
}

fn job_name(j: &Job) -> &'static str {
    match j {
        Job::Mark(_) => "mark",
        Job::Override { .. } => "override",
        Job::Snapshot => "snapshot",
        Job::ApproveValidation { .. } => "approve validation",
        Job::Restore { .. } => "restore",
        Job::Export { .. } => "export",
        Job::SavePrompt { .. } => "save prompt",
        Job::PromptView { .. } => "prompt view",
        Job::Diff { .. } => "diff",
        Job::PrepareRecovery => "prepare recovery",
        Job::BeginRecovery { .. } => "begin recovery",
        Job::FinishRecovery { .. } => "finish recovery",
        Job::PrepareRevise { .. } => "prepare revise",
    }
}
