//! The state directory (DESIGN.md §12).

pub mod atomic;
