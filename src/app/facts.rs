//! System facts the checklist needs: live generator processes in the project, outputs that
//! are still changing, and the git working tree state.

use std::path::Path;
use std::time::{Duration, SystemTime};

/// Live processes whose command line runs one of `programs` (`codex`, `claude`, ...) with the
/// project root as working directory or named on the command line. Linux `/proc`; elsewhere none.
pub fn generators_running(project_root: &Path, programs: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else { return out };
    let root = std::fs::canonicalize(project_root).unwrap_or_else(|_| project_root.to_path_buf());
    let me = std::process::id();
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
        if pid == me {
            continue;
        }
        let Ok(cmdline) = std::fs::read(e.path().join("cmdline")) else { continue };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .filter(|a| !a.is_empty())
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let Some(prog) = args.first().map(|a| a.rsplit('/').next().unwrap_or(a).to_string()) else { continue };
        // `node .../codex.js exec` runs codex too.
        let runs_generator = programs.iter().any(|p| {
            prog == *p || args.iter().take(3).any(|a| a.ends_with(&format!("/{p}")) || a.ends_with(&format!("/{p}.js")))
        });
        if !runs_generator {
            continue;
        }
        let cwd = std::fs::read_link(e.path().join("cwd")).ok();
        let in_project = cwd.as_deref().is_some_and(|c| c.starts_with(&root))
            || args.iter().any(|a| Path::new(a).starts_with(&root));
        if in_project {
            let line = crate::core::failure::one_line(&args.join(" "), 120);
            out.push(format!("pid {pid}: {line}"));
        }
    }
    out.sort();
    out
}

/// Outputs (relative to the root) modified less than `within` ago, leaving out changes made by
/// recover-tui's own attempts: a file last modified no later than `ours_until` (the end of the
/// latest attempt recover-tui ran, plus a second of clock slack) was written by that attempt.
pub fn recently_modified(
    project_root: &Path,
    outputs: &[String],
    within: Duration,
    ours_until: Option<SystemTime>,
) -> Vec<String> {
    let now = SystemTime::now();
    outputs
        .iter()
        .filter(|o| {
            let Ok(modified) = std::fs::metadata(project_root.join(o)).and_then(|m| m.modified()) else {
                return false;
            };
            let ours = ours_until.is_some_and(|t| modified <= t);
            !ours && now.duration_since(modified).is_ok_and(|age| age < within)
        })
        .cloned()
        .collect()
}

/// `git status --porcelain` in the project, `None` when it is not a git work tree (or git is missing).
///
/// The project's own git configuration is untrusted (DESIGN.md §18): its fsmonitor, hooks,
/// pager, external diff and textconv drivers are turned off, and neither the system config nor
/// a config from the environment is read, so opening a project never runs a program it names.
pub fn git_status(project_root: &Path) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.pager=cat"])
        .args(["-c", "diff.external=", "-c", "core.untrackedCache=false", "--no-pager", "-C"])
        .arg(project_root)
        .args(["status", "--porcelain", "--untracked-files=normal", "--no-renames", "--ignore-submodules=all"])
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_CONFIG_PARAMETERS")
        .env_remove("GIT_CONFIG_COUNT")
        .env_remove("GIT_EXTERNAL_DIFF")
        .env_remove("GIT_PAGER")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_file_is_recent_and_an_absent_one_is_not() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.py"), "x").unwrap();
        let got = recently_modified(d.path(), &["a.py".into(), "b.py".into()], Duration::from_secs(60), None);
        assert_eq!(got, vec!["a.py"]);
    }

    #[test]
    fn a_file_written_by_our_own_attempt_is_not_someone_else_still_writing() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("a.py"), "x").unwrap();
        let ended = SystemTime::now() + Duration::from_secs(1);
        assert!(recently_modified(d.path(), &["a.py".into()], Duration::from_secs(60), Some(ended)).is_empty());
        let before = SystemTime::now() - Duration::from_secs(30);
        let got = recently_modified(d.path(), &["a.py".into()], Duration::from_secs(60), Some(before));
        assert_eq!(got, vec!["a.py"], "a change after our attempt ended is someone else's");
    }

    #[test]
    fn the_projects_fsmonitor_is_never_run() {
        let d = tempfile::tempdir().unwrap();
        let git = |args: &[&str]| {
            std::process::Command::new("git").arg("-C").arg(d.path()).args(args).output().unwrap().status.success()
        };
        if !git(&["init", "-q"]) {
            return; // no git on this machine: nothing to attack
        }
        let marker = d.path().join("fsmonitor-ran");
        let hook = d.path().join("monitor.sh");
        std::fs::write(&hook, format!("#!/bin/sh\ntouch {}\n", marker.display())).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(git(&["config", "core.fsmonitor", &hook.display().to_string()]));
        assert!(git(&["config", "core.pager", &hook.display().to_string()]));
        std::fs::write(d.path().join("a.py"), "x = 1\n").unwrap();
        let status = git_status(d.path()).expect("a status");
        assert!(status.contains("?? a.py"), "{status}");
        assert!(!marker.exists(), "the project's core.fsmonitor ran");
    }

    #[test]
    fn outside_git_there_is_no_status() {
        let d = tempfile::tempdir().unwrap();
        assert_eq!(git_status(d.path()), None);
    }

    #[test]
    fn a_sleeping_generator_in_the_project_is_seen() {
        let d = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("sleep").arg("30").current_dir(d.path()).spawn().unwrap();
        // The child may not have exec'd yet: poll until it shows up (bounded).
        let mut seen = Vec::new();
        for _ in 0..200 {
            seen = generators_running(d.path(), &["sleep".into()]);
            if !seen.is_empty() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert!(seen[0].starts_with(&format!("pid {}: sleep 30", child.id())), "{seen:?}");
    }
}
