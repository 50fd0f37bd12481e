//! recover-tui: decide between a targeted recovery and a full restart after a failed batch.

pub mod core;
