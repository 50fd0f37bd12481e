//! `-v/--verbose`: a plain log of what the tool did, appended to `<state dir>/recover-tui.log`
//! (never to the terminal, which belongs to the app).

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

static FILE: Mutex<Option<std::fs::File>> = Mutex::new(None);

/// Start logging into `state_dir` (created if needed). Errors are returned, not fatal.
pub fn init(state_dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(state_dir)?;
    // The state directory is untrusted (DESIGN.md §12): neither it nor the log is followed
    // through a symlink.
    let dir = crate::store::fsx::Dir::open_ambient(state_dir)
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", state_dir.display())))?;
    let (f, _) = dir
        .open_append(Path::new("recover-tui.log"))
        .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", state_dir.join("recover-tui.log").display())))?;
    if let Ok(mut g) = FILE.lock() {
        *g = Some(f);
    }
    log(&format!(
        "recover-tui {} started: {}",
        env!("CARGO_PKG_VERSION"),
        std::env::args().collect::<Vec<_>>().join(" ")
    ));
    Ok(())
}

/// One timestamped line; does nothing unless `init` ran.
pub fn log(line: &str) {
    if let Ok(mut g) = FILE.lock() {
        if let Some(f) = g.as_mut() {
            let clean = crate::core::sanitize::clean_line(line);
            let _ = writeln!(f, "{} {clean}", chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S%.3fZ"));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_are_appended_with_a_timestamp() {
        let d = tempfile::tempdir().unwrap();
        super::init(d.path()).unwrap();
        super::log("loaded 7 jobs\u{1b}[2J");
        let text = std::fs::read_to_string(d.path().join("recover-tui.log")).unwrap();
        let last = text.lines().last().unwrap();
        assert!(last.ends_with("Z loaded 7 jobs"), "{last}");
        assert_eq!(last.len(), "2026-11-25T15:16:34.000Z loaded 7 jobs".len());
    }
}
