//! Time-free driver for the snapshot benchmark (scripts/bench.sh times it from outside):
//! take one snapshot of PATHS of PROJECT into STATE_DIR with
//! `recover_tui::store::snapshot::take`, as `recover-tui` does before an attempt.
//!
//! ```text
//! cargo run --release --example snapshot_bench -- PROJECT STATE_DIR PATH...
//! ```
//!
//! Prints one line: files, bytes, blobs in the store, problems.

use recover_tui::core::model::SystemClock;
use recover_tui::store::snapshot::{self, SnapshotMeta};
use recover_tui::store::StateDir;
use std::path::Path;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: snapshot_bench PROJECT STATE_DIR PATH...");
        std::process::exit(2);
    }
    let sd = match StateDir::open(Path::new(&args[1]), Path::new(&args[0]), &SystemClock) {
        Ok(sd) => sd,
        Err(e) => {
            eprintln!("snapshot_bench: {e}");
            std::process::exit(1);
        }
    };
    if let Some(why) = sd.read_only_reason() {
        eprintln!("snapshot_bench: {why}");
        std::process::exit(1);
    }
    let meta = SnapshotMeta { reason: "benchmark".into(), ..Default::default() };
    match snapshot::take(&sd, &args[2..], meta, &SystemClock) {
        Ok(m) => println!(
            "snapshot {}: {} files, {} bytes, {} blobs in the store, {} problems",
            m.id,
            m.files.len(),
            m.total_size(),
            snapshot::blob_count(&sd),
            m.problems.len()
        ),
        Err(e) => {
            eprintln!("snapshot_bench: {e}");
            std::process::exit(1);
        }
    }
}
