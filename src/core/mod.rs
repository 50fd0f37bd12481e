//! The domain. Pure: no terminal, no async runtime.

pub mod classify;
pub mod ingest;
pub mod model;
