//! The one place that owns the terminal: enter, leave, suspend around the editor, and restore
//! on every exit path (quit, Ctrl-C, SIGTERM, panic). Child process groups are killed on panic.

use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::execute;
use ratatui::DefaultTerminal;
use std::io::{stdout, Write};
use std::sync::atomic::{AtomicBool, Ordering};

static MOUSE_ON: AtomicBool = AtomicBool::new(false);

/// Install the panic hook (kill children, restore the terminal, then report), then enter.
pub fn enter(mouse: bool) -> std::io::Result<DefaultTerminal> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        crate::exec::process::kill_all_groups();
        leave();
        previous(info);
    }));
    let terminal = ratatui::try_init()?;
    set_mouse(mouse);
    Ok(terminal)
}

/// Restore the terminal: mouse off, main screen, cursor shown, cooked mode. Safe to call twice.
pub fn leave() {
    if MOUSE_ON.swap(false, Ordering::SeqCst) {
        let _ = execute!(stdout(), DisableMouseCapture);
    }
    ratatui::restore();
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

/// Run `f` with the terminal handed back to the user (for `$EDITOR`), then take it again.
pub fn suspended<T>(terminal: &mut DefaultTerminal, f: impl FnOnce() -> T) -> T {
    let mouse = MOUSE_ON.load(Ordering::SeqCst);
    leave();
    let out = f();
    if let Ok(t) = ratatui::try_init() {
        *terminal = t;
    }
    set_mouse(mouse);
    let _ = terminal.clear();
    out
}

/// Write an OSC 52 clipboard sequence for `text`.
pub fn osc52(text: &str) -> std::io::Result<()> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut out = stdout();
    write!(out, "\x1b]52;c;{b64}\x07")?;
    out.flush()
}
