use clap::Parser;
use recover_tui::cli::{self, Cli};

/// A wide run is tens of thousands of small strings made on two threads and freed at once:
/// mimalloc does that with a fraction of the system allocator's time (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc v2's `mi_option_purge_delay` (its option 15; the bindings leave the numeric
/// options unnamed): how long freed memory waits before it is given back to the OS.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() {
    let _ = recover_tui::STARTED.set(std::time::Instant::now());
    // Freed memory is kept for reuse, never given back while the process runs: a load frees
    // and reuses hundreds of MiB of small strings, and giving them back after the default
    // 10 ms made the kernel zero and fault them in again (a sixth of a wide run's faults).
    // The peak is what it was (tests/huge_input.rs holds it). Set before any thread starts,
    // as the option table is not thread safe.
    // SAFETY: a plain option store in the allocator, made while this is the only thread.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_option_is_mimallocs_purge_delay() {
        // Its default is 10 ms; the options around it (eager commit delay 1, NUMA nodes 0)
        // have other defaults, so a renumbered table would show here.
        // SAFETY: option reads.
        let (before, it, after) = unsafe {
            (
                libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY - 1),
                libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY),
                libmimalloc_sys::mi_option_get(MI_OPTION_PURGE_DELAY + 1),
            )
        };
        assert_eq!((before, it, after), (1, 10, 0));
    }
}
