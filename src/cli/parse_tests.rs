//! The command line parses as documented (DESIGN.md §14), and small renderers.

use super::{Cli, Command, ExportFormat};
use clap::{CommandFactory, Parser};
use std::path::PathBuf;

fn parse(args: &[&str]) -> Command {
    let mut v = vec!["recover-tui"];
    v.extend_from_slice(args);
    Cli::try_parse_from(v).unwrap_or_else(|e| panic!("{args:?}: {e}")).command.unwrap()
}

#[test]
fn the_clap_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn restore_and_diff_take_an_optional_path_before_the_id() {
    match parse(&["restore", "2026"]) {
        Command::Restore { path, id, resume } => assert_eq!((path, id.as_str(), resume), (None, "2026", false)),
        c => panic!("{c:?}"),
    }
    match parse(&["restore", "proj", "2026", "--resume"]) {
        Command::Restore { path, id, resume } => {
            assert_eq!((path, id.as_str(), resume), (Some(PathBuf::from("proj")), "2026", true))
        }
        c => panic!("{c:?}"),
    }
    match parse(&["diff", "proj", "a1", "--job", "b2-1", "--against", "b2"]) {
        Command::Diff { path, id, job, against } => {
            assert_eq!(path, Some(PathBuf::from("proj")));
            assert_eq!((id.as_str(), job.as_deref(), against.as_deref()), ("a1", Some("b2-1"), Some("b2")));
        }
        c => panic!("{c:?}"),
    }
    assert!(Cli::try_parse_from(["recover-tui", "restore"]).is_err());
}

#[test]
fn recover_jobs_repeat_or_split_on_commas_and_are_optional() {
    match parse(&["recover", "p", "--job", "a,b", "--job", "c", "--dry-run"]) {
        Command::Recover { jobs, dry_run, yes, .. } => {
            assert_eq!(jobs, ["a", "b", "c"]);
            assert!(dry_run && !yes);
        }
        c => panic!("{c:?}"),
    }
    // Without --job: everything the plan's `next` says recover-tui does.
    match parse(&["recover", "p", "--yes"]) {
        Command::Recover { jobs, yes, .. } => assert!(jobs.is_empty() && yes),
        c => panic!("{c:?}"),
    }
}

#[test]
fn snapshot_job_and_batch_exclude_each_other_and_export_needs_a_format() {
    assert!(Cli::try_parse_from(["recover-tui", "snapshot", "--job", "a", "--batch", "2"]).is_err());
    assert!(Cli::try_parse_from(["recover-tui", "export", "p"]).is_err());
    match parse(&["export", "p", "--format", "md", "-o", "x.md", "--state-dir", "s"]) {
        Command::Export { format, output, .. } => {
            assert_eq!(format, ExportFormat::Md);
            assert_eq!(output, Some(PathBuf::from("x.md")));
        }
        c => panic!("{c:?}"),
    }
    let cli = Cli::try_parse_from(["recover-tui", "check", "p", "--state-dir", "s"]).unwrap();
    assert_eq!(cli.state_dir, Some(PathBuf::from("s")));
    assert!(Cli::try_parse_from(["recover-tui", "config", "--path", "x"]).is_err(), "--path needs --init");
}

#[test]
fn diff_renders_binary_summary_and_notes() {
    use crate::store::diff::{Change, FileDiff, PathDiff};
    let d = PathDiff {
        path: "a.bin".into(),
        change: Change::Modified,
        diff: FileDiff::Binary { old_size: 3, new_size: 4, changed: true },
        note: Some("mode 0644 -> 0755".into()),
    };
    assert_eq!(
        super::diff::render(&d),
        "# a.bin: mode 0644 -> 0755\nBinary files a/a.bin and b/a.bin differ (3 -> 4 bytes)\n"
    );
    let d = PathDiff {
        path: "big.log".into(),
        change: Change::Added,
        diff: FileDiff::Summary { old_lines: 0, new_lines: 900_000, changed: true },
        note: None,
    };
    assert_eq!(super::diff::render(&d), "# big.log: too large to diff line by line (0 -> 900000 lines)\n");
}
