//! The one place that owns the real terminal: enter, leave, hand it to `$EDITOR` and back,
//! the mouse, the clipboard, and restore on every exit path (quit, Ctrl-C, SIGTERM, SIGHUP,
//! a closed terminal, panic). Child process groups are killed on panic.

use super::runner::{Host, InputStream};
use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture, EventStream};
use ratatui::crossterm::execute;
use ratatui::DefaultTerminal;
use std::io::{stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static MOUSE_ON: AtomicBool = AtomicBool::new(false);
/// The alternate screen is on (the app's frame is there).
static IN_APP_SCREEN: AtomicBool = AtomicBool::new(false);

/// Install the panic hook (kill children, restore the terminal, then report), then enter.
pub fn enter(mouse: bool) -> std::io::Result<DefaultTerminal> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        crate::exec::process::kill_all_groups();
        leave();
        previous(info);
    }));
    // What `ratatui::try_init` does, without its panic hook: that one reports a failed restore
    // with `eprintln!`, which panics again (so aborts) when the terminal is gone.
    ratatui::crossterm::terminal::enable_raw_mode()?;
    execute!(stdout(), ratatui::crossterm::terminal::EnterAlternateScreen)?;
    IN_APP_SCREEN.store(true, Ordering::SeqCst);
    let terminal = ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(stdout()))?;
    set_mouse(mouse);
    Ok(terminal)
}

/// Restore the terminal: mouse off, main screen, cursor shown, cooked mode. Safe to call twice,
/// and on a terminal that is gone (errors are ignored: there is nobody to tell).
pub fn leave() {
    if MOUSE_ON.swap(false, Ordering::SeqCst) {
        let _ = execute!(stdout(), DisableMouseCapture);
    }
    if IN_APP_SCREEN.swap(false, Ordering::SeqCst) {
        // Blank the app's screen before leaving it: a terminal that was resized meanwhile
        // (tmux after the window grew) can carry lines of it over to the shell's screen.
        use ratatui::crossterm::{cursor::MoveTo, terminal::Clear, terminal::ClearType};
        let _ = execute!(stdout(), Clear(ClearType::All), MoveTo(0, 0));
    }
    let _ = ratatui::try_restore();
    let _ = stdout().flush();
}

pub fn set_mouse(on: bool) {
    let was = MOUSE_ON.swap(on, Ordering::SeqCst);
    if on && !was {
        let _ = execute!(stdout(), EnableMouseCapture);
    } else if !on && was {
        let _ = execute!(stdout(), DisableMouseCapture);
    }
}

/// The terminal's input events.
pub fn input() -> InputStream {
    Box::pin(EventStream::new())
}

/// Write an OSC 52 clipboard sequence for `text`.
pub fn osc52(text: &str) -> std::io::Result<()> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut out = stdout();
    write!(out, "\x1b]52;c;{b64}\x07")?;
    out.flush()
}

/// The real terminal, for the runner.
pub struct Crossterm {
    mouse: bool,
}

impl Crossterm {
    pub fn new(mouse: bool) -> Crossterm {
        Crossterm { mouse }
    }
}

impl Host for Crossterm {
    fn owns_terminal(&self) -> bool {
        true
    }

    fn suspend(&mut self) {
        self.mouse = MOUSE_ON.load(Ordering::SeqCst);
        leave();
    }

    fn resume(&mut self) {
        let _ = ratatui::crossterm::terminal::enable_raw_mode();
        let _ = execute!(stdout(), ratatui::crossterm::terminal::EnterAlternateScreen);
        IN_APP_SCREEN.store(true, Ordering::SeqCst);
        set_mouse(self.mouse);
    }

    fn reopen_input(&mut self) -> Option<InputStream> {
        Some(input())
    }

    fn set_mouse(&mut self, on: bool) {
        set_mouse(on);
    }

    fn clipboard(&mut self, text: &str) -> std::io::Result<()> {
        osc52(text)
    }
}
