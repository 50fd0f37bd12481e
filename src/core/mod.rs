//! The domain. Pure: no terminal, no async runtime.

pub mod attempt;
pub mod checklist;
pub mod classify;
pub mod context;
pub mod cost;
pub mod decide;
pub mod deps;
pub mod export;
pub mod failure;
pub mod fasthash;
pub mod flow;
pub mod ingest;
pub mod manifest;
pub mod model;
pub mod par;
pub mod prompt;
pub mod sanitize;
pub mod status;
pub mod words;
