//! Time-free driver for the diff benchmark (scripts/bench.sh times it against `diff -u`):
//! read OLD and NEW, diff them with `recover_tui::store::diff::diff_bytes` and write the
//! unified diff to stdout, as `diff -u OLD NEW` does.
//!
//! ```text
//! cargo run --release --example diff_bench -- OLD NEW > out.diff
//! ```

use recover_tui::store::diff::{diff_bytes, FileDiff};
use std::io::Write;
use std::time::Duration;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [old, new] = args.as_slice() else {
        eprintln!("usage: diff_bench OLD NEW");
        std::process::exit(2);
    };
    let read = |p: &str| {
        std::fs::read(p).unwrap_or_else(|e| {
            eprintln!("diff_bench: {p}: {e}");
            std::process::exit(2);
        })
    };
    let (a, b) = (read(old), read(new));
    // A generous deadline: the benchmark measures the full diff, not the fallback summary.
    match diff_bytes(&a, &b, old, new, Duration::from_secs(600)) {
        FileDiff::Text { unified, added, removed } => {
            let _ = std::io::stdout().lock().write_all(unified.as_bytes());
            eprintln!("diff_bench: +{added} -{removed}");
            std::process::exit(if added + removed > 0 { 1 } else { 0 });
        }
        other => {
            eprintln!("diff_bench: not diffed as text: {other:?}");
            std::process::exit(2);
        }
    }
}
