//! recover-tui: decide between a targeted recovery and a full restart after a failed batch
//! of AI code-generation jobs, and carry the recovery out without losing anything.

pub mod cli;
pub mod config;
pub mod core;
pub mod exec;
pub mod logfile;
pub mod session;
pub mod tui;
