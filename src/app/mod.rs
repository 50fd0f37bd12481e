//! The one owner of the lifecycle (DESIGN.md §1), shared by both front ends: open a project
//! read-only, every write to its state, and the recovery driven through `core::attempt`.

pub mod attempt_record;
pub mod commands;
pub mod facts;
pub mod files;
pub mod next_step;
pub mod project;
pub mod prompts;
pub mod recovery;
