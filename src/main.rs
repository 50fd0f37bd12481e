use clap::Parser;
use recover_tui::cli::{self, Cli};

fn main() {
    let _ = recover_tui::STARTED.set(std::time::Instant::now());
    let args = Cli::parse();
    match cli::run(args) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("recover-tui: {}", recover_tui::core::sanitize::clean_line(&e.message));
            std::process::exit(e.code);
        }
    }
}
