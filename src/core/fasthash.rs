//! The maps of a load and a decision keyed by job ids, paths and small numbers, with
//! foldhash's fast hasher under a fixed seed (the same order on every run, so nothing that
//! iterates one changes between runs). The keys come from the user's own run, so resistance
//! to crafted collisions (SipHash's purpose) is not needed, and SipHash was a visible share of
//! loading and deciding a run of thousands of jobs.

use std::collections::{HashMap, HashSet};

/// `HashMap` / `HashSet` with foldhash; build them with `FastMap::default()`.
pub type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
pub type FastSet<K> = HashSet<K, foldhash::fast::FixedState>;
