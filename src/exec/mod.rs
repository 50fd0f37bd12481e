//! Running recovery commands (DESIGN.md §11): the reviser, the generator and the validation
//! commands, as child processes driven by tokio.
//!
//! Rules kept here (DESIGN.md §18): commands come only from the config (or, for validation,
//! the job's own recorded argv); they are never run through a shell; placeholder values are
//! inserted as part of exactly one argv entry each; every child leads its own process group,
//! and timeouts, cancellation and [`process::kill_all_groups`] end the whole group (SIGTERM,
//! then SIGKILL), so no child outlives the tool.

pub mod argv;
pub mod attempt;
pub mod descendants;
mod error;
pub mod process;
pub mod reviser;

pub use error::ExecError;

#[cfg(test)]
pub(crate) mod test_support;
