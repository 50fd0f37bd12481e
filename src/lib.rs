//! recover-tui: decide between a targeted recovery and a full restart after a failed batch
//! of AI code-generation jobs, and carry the recovery out without losing anything.

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod exec;
pub mod logfile;
pub mod scan;
pub mod store;
pub mod tui;

/// When the process started (set first thing in `main`), for the first-frame figure in the log.
pub static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
