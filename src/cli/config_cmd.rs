//! `recover-tui config --init [--path FILE]`: write the commented default config, never
//! over an existing file. Without `--init`: where the config is read from.

use super::{nothing, Cli, CliError};
use crate::config::{Config, DEFAULT_TOML};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(cli: &Cli, init: bool, path: Option<&Path>) -> Result<i32, CliError> {
    let user = Config::user_path();
    if !init {
        let opts = cli.open_options(None);
        let project = opts.state_dir(None).join("config.toml");
        let show = |p: &Path| format!("{} ({})", p.display(), if p.is_file() { "present" } else { "absent" });
        match (&cli.config, &user) {
            (Some(c), _) => println!("config file (--config): {}", show(c)),
            (None, Some(u)) => println!("user config: {}", show(u)),
            (None, None) => println!("user config: no config directory on this system"),
        }
        println!("project config: {}", show(&project));
        println!("environment: RECOVER_TUI_<SECTION>_<KEY> (e.g. RECOVER_TUI_COMMANDS_TIMEOUT_S)");
        return Ok(0);
    }
    let target: PathBuf = match path.map(Path::to_path_buf).or(user) {
        Some(p) => p,
        None => return Err(CliError::from("there is no user config directory on this system: pass --path FILE")),
    };
    write_new(&target)?;
    println!("wrote the default config to {}", target.display());
    Ok(0)
}

/// Create `path` with the default text; an existing file is left alone.
fn write_new(path: &Path) -> Result<(), CliError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| CliError::from(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut f = match std::fs::OpenOptions::new().write(true).create_new(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(nothing(format!("{} already exists; it was not overwritten", path.display())));
        }
        Err(e) => return Err(CliError::from(format!("cannot create {}: {e}", path.display()))),
    };
    f.write_all(DEFAULT_TOML.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| CliError::from(format!("cannot write {}: {e}", path.display())))
}
