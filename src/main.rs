use clap::Parser;
use recover_tui::cli::{self, Cli};

/// A wide run is tens of thousands of small strings made on two threads and freed at once:
/// mimalloc does that with a fraction of the system allocator's time (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let _ = recover_tui::STARTED.set(std::time::Instant::now());
    // What recover-tui starts comes back to it when orphaned, so it can always be ended.
    recover_tui::exec::descendants::become_subreaper();
    let args = Cli::parse();
    match cli::run(args) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("recover-tui: {}", recover_tui::core::sanitize::clean_line(&e.message));
            std::process::exit(e.code);
        }
    }
}
