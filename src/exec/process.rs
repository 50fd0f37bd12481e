//! One child process: spawned without a shell as the leader of its own process group, stdin
//! fed then closed, stdout/stderr saved to files and streamed line by line, and the whole
//! group ended (SIGTERM, grace, SIGKILL) on timeout, on cancel, or when the leader exits
//! leaving members behind.
//!
//! Every live group is in a process-wide registry; [`kill_all_groups`] ends them all, for the
//! quit, SIGTERM and panic paths of the app.

use super::ExecError;
use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;
use tokio::sync::watch;

/// Time between SIGTERM and SIGKILL when a group is ended.
pub const TERM_GRACE: Duration = Duration::from_secs(2);
/// Lines longer than this are delivered in pieces of this size (the files get every byte).
pub const MAX_LINE: usize = 64 * 1024;
/// How long output is still read after the group has been ended (a process that left the
/// group may hold the pipes open).
const DRAIN_LIMIT: Duration = Duration::from_secs(2);
const POLL: Duration = Duration::from_millis(25);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stream {
    Stdout,
    Stderr,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandSpec {
    /// Program and arguments; run directly, never through a shell.
    pub argv: Vec<String>,
    pub cwd: PathBuf,
    /// Written to the child's stdin, which is then closed. `None` = stdin is /dev/null.
    pub stdin: Option<Vec<u8>>,
    pub timeout: Duration,
    /// Created (truncated) before the run. The two may be the same path: both streams then
    /// go, interleaved, to that one file.
    pub stdout_file: PathBuf,
    pub stderr_file: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandResult {
    /// Exit code when the leader exited normally.
    pub exit_code: Option<i32>,
    /// Signal number when the leader was killed by a signal.
    pub signal: Option<i32>,
    pub timed_out: bool,
    pub cancelled: bool,
    pub duration: Duration,
    /// The first error writing the output files, if any (the run itself went on).
    pub output_error: Option<String>,
}

impl CommandResult {
    pub fn success(&self) -> bool {
        self.exit_code == Some(0) && !self.timed_out && !self.cancelled
    }

    /// "exited 2", "was killed by signal 9", "timed out", "was cancelled".
    pub fn status_text(&self) -> String {
        crate::core::attempt::status_text(self.exit_code, self.signal, self.timed_out, self.cancelled)
    }
}

// ---------------------------------------------------------------------------------------------
// Registry of live process groups.

static LIVE_GROUPS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

fn live() -> MutexGuard<'static, BTreeSet<i32>> {
    LIVE_GROUPS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The process groups started here that have not been ended and reaped yet.
pub fn live_groups() -> Vec<i32> {
    live().iter().copied().collect()
}

/// End every live process group: SIGTERM, up to one second of grace, then SIGKILL.
/// Synchronous and runtime-free, for quit, SIGTERM and panic-hook paths.
pub fn kill_all_groups() {
    kill_all_groups_with_grace(Duration::from_secs(1));
}

/// [`kill_all_groups`] with a chosen grace between SIGTERM and SIGKILL. Processes that left
/// their group (`setsid`, double forks) are ended too ([`super::descendants`]).
pub fn kill_all_groups_with_grace(grace: Duration) {
    let groups: Vec<i32> = std::mem::take(&mut *live()).into_iter().collect();
    super::descendants::end_all(grace);
    if groups.is_empty() {
        return;
    }
    for &g in &groups {
        signal_group(g, libc::SIGTERM);
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline && groups.iter().any(|&g| group_alive(g)) {
        std::thread::sleep(POLL);
    }
    for &g in &groups {
        if group_alive(g) {
            signal_group(g, libc::SIGKILL);
        }
    }
}

/// Registers a group for its lifetime; if dropped while still registered (the future running
/// the command was dropped), the whole group is killed.
struct GroupGuard(i32);

impl GroupGuard {
    fn register(pgid: i32) -> Self {
        live().insert(pgid);
        GroupGuard(pgid)
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        if live().remove(&self.0) {
            signal_group(self.0, libc::SIGKILL);
        }
    }
}

/// Send `sig` to a process group. Never to group 0/1 or our own group.
fn signal_group(pgid: i32, sig: libc::c_int) -> bool {
    // SAFETY: getpgrp and killpg have no memory-safety preconditions.
    unsafe {
        if pgid <= 1 || pgid == libc::getpgrp() {
            return false;
        }
        libc::killpg(pgid, sig) == 0
    }
}

/// Whether the group still has a member that is not a zombie.
pub fn group_alive(pgid: i32) -> bool {
    if pgid <= 1 {
        return false;
    }
    // SAFETY: signal 0 only checks for existence and permission.
    if unsafe { libc::killpg(pgid, 0) } != 0 {
        return false;
    }
    linux_group_has_running_member(pgid).unwrap_or(true)
}

/// Zombies answer `kill(pid, 0)` until reaped; on Linux, look at their state to ignore them.
#[cfg(target_os = "linux")]
fn linux_group_has_running_member(pgid: i32) -> Option<bool> {
    let entries = std::fs::read_dir("/proc").ok()?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        if let Some((state, group)) = parse_stat(&stat) {
            if group == pgid && state != 'Z' && state != 'X' {
                return Some(true);
            }
        }
    }
    Some(false)
}

#[cfg(not(target_os = "linux"))]
fn linux_group_has_running_member(_pgid: i32) -> Option<bool> {
    None
}

/// (state, pgrp) from `/proc/<pid>/stat`: `pid (comm) state ppid pgrp ...`.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn parse_stat(stat: &str) -> Option<(char, i32)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    let state = fields.next()?.chars().next()?;
    let _ppid = fields.next()?;
    let pgrp = fields.next()?.parse().ok()?;
    Some((state, pgrp))
}

// ---------------------------------------------------------------------------------------------
// Output pump.

/// Splits a byte stream into lines (lossy UTF-8, `\r\n` trimmed, capped at [`MAX_LINE`]).
#[derive(Default)]
struct LineSplitter {
    pending: Vec<u8>,
}

impl LineSplitter {
    fn push(&mut self, chunk: &[u8], mut emit: impl FnMut(&str)) {
        for piece in chunk.split_inclusive(|&b| b == b'\n') {
            if let Some(line) = piece.strip_suffix(b"\n") {
                self.pending.extend_from_slice(line);
                if self.pending.last() == Some(&b'\r') {
                    self.pending.pop();
                }
                emit(&String::from_utf8_lossy(&self.pending));
                self.pending.clear();
            } else {
                self.pending.extend_from_slice(piece);
                while self.pending.len() >= MAX_LINE {
                    let rest = self.pending.split_off(MAX_LINE);
                    emit(&String::from_utf8_lossy(&self.pending));
                    self.pending = rest;
                }
            }
        }
    }

    fn finish(&mut self, emit: impl FnOnce(&str)) {
        if !self.pending.is_empty() {
            emit(&String::from_utf8_lossy(&self.pending));
            self.pending.clear();
        }
    }
}

struct Source<R> {
    reader: Option<R>,
    file: File,
    lines: LineSplitter,
    buf: Box<[u8]>,
}

impl<R: AsyncRead + Unpin> Source<R> {
    fn new(reader: Option<R>, file: File) -> Self {
        Source { reader, file, lines: LineSplitter::default(), buf: vec![0u8; 16 * 1024].into_boxed_slice() }
    }

    /// Read one chunk; `None` (and the reader closed) at end of stream or on a read error.
    async fn read(&mut self) -> Option<usize> {
        let reader = self.reader.as_mut()?;
        match reader.read(&mut self.buf).await {
            Ok(0) | Err(_) => {
                self.reader = None;
                None
            }
            Ok(n) => Some(n),
        }
    }
}

struct Pump<F> {
    out: Source<tokio::process::ChildStdout>,
    err: Source<tokio::process::ChildStderr>,
    on_output: F,
    write_error: Option<String>,
}

impl<F: FnMut(Stream, &str)> Pump<F> {
    fn open(&self) -> bool {
        self.out.reader.is_some() || self.err.reader.is_some()
    }

    /// Wait for the next chunk of either stream and deliver it. Cancel-safe: nothing is lost
    /// when the future is dropped before a read completed. Pending forever once both closed.
    async fn step(&mut self) {
        if !self.open() {
            std::future::pending::<()>().await;
        }
        let (stream, n) = tokio::select! {
            Some(n) = self.out.read(), if self.out.reader.is_some() => (Stream::Stdout, n),
            Some(n) = self.err.read(), if self.err.reader.is_some() => (Stream::Stderr, n),
            else => return,
        };
        let on_output = &mut self.on_output;
        let source = match stream {
            Stream::Stdout => (&mut self.out.file, &mut self.out.lines, &self.out.buf[..n]),
            Stream::Stderr => (&mut self.err.file, &mut self.err.lines, &self.err.buf[..n]),
        };
        let (file, lines, chunk) = source;
        if let Err(e) = file.write_all(chunk) {
            self.write_error.get_or_insert_with(|| e.to_string());
        }
        lines.push(chunk, |line| on_output(stream, line));
    }

    async fn drain(&mut self) {
        while self.open() {
            self.step().await;
        }
    }

    fn finish(&mut self) {
        let on_output = &mut self.on_output;
        self.out.lines.finish(|l| on_output(Stream::Stdout, l));
        self.err.lines.finish(|l| on_output(Stream::Stderr, l));
    }
}

fn open_outputs(spec: &CommandSpec) -> Result<(File, File), ExecError> {
    let create = |path: &Path| -> Result<(), ExecError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| ExecError::io(parent, e))?;
        }
        // Never through a symlink planted in the state directory (DESIGN.md §12).
        use std::os::unix::fs::OpenOptionsExt;
        let mut opts = OpenOptions::new();
        opts.write(true).create(true).truncate(true).custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        opts.open(path).map(drop).map_err(|e| ExecError::io(path, e))
    };
    create(&spec.stdout_file)?;
    create(&spec.stderr_file)?;
    let append = |path: &Path| {
        use std::os::unix::fs::OpenOptionsExt;
        OpenOptions::new().append(true).custom_flags(libc::O_NOFOLLOW).open(path).map_err(|e| ExecError::io(path, e))
    };
    Ok((append(&spec.stdout_file)?, append(&spec.stderr_file)?))
}

fn spawn_error(program: &str, e: std::io::Error) -> ExecError {
    if e.kind() == std::io::ErrorKind::NotFound {
        ExecError::ProgramNotFound { program: program.to_string() }
    } else {
        ExecError::Spawn { program: program.to_string(), source: e }
    }
}

// ---------------------------------------------------------------------------------------------

/// Run one command to its end (see the module doc). Errors only when it could not be started
/// or waited for; a non-zero exit, a timeout or a cancel is a [`CommandResult`].
pub async fn run_command(
    spec: CommandSpec,
    mut cancel: watch::Receiver<bool>,
    on_output: impl FnMut(Stream, &str) + Send,
) -> Result<CommandResult, ExecError> {
    let program = match spec.argv.first() {
        Some(p) if !p.is_empty() => p.clone(),
        _ => return Err(ExecError::EmptyCommand),
    };
    if !spec.cwd.is_dir() {
        return Err(ExecError::WorkDir { path: spec.cwd.clone() });
    }
    let (out_file, err_file) = open_outputs(&spec)?;
    let start = Instant::now();
    let mut result = CommandResult {
        exit_code: None,
        signal: None,
        timed_out: false,
        cancelled: false,
        duration: Duration::ZERO,
        output_error: None,
    };
    if *cancel.borrow_and_update() {
        result.cancelled = true;
        return Ok(result);
    }

    let mark = super::descendants::new_mark();
    let mut cmd = Command::new(&program);
    cmd.args(&spec.argv[1..])
        .env(super::descendants::MARK, &mark)
        .current_dir(&spec.cwd)
        .stdin(if spec.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = cmd.spawn().map_err(|e| spawn_error(&program, e))?;
    let wait_error = |source| ExecError::Wait { program: program.clone(), source };
    let Some(pgid) = child.id().and_then(|id| i32::try_from(id).ok()) else {
        // Only when the child was already reaped, which cannot happen before the first wait.
        return Err(wait_error(std::io::Error::other("the child has no process id")));
    };
    let guard = GroupGuard::register(pgid);

    let stdin_task = match (child.stdin.take(), spec.stdin) {
        (Some(mut pipe), Some(bytes)) => Some(tokio::spawn(async move {
            // A child that does not read its stdin makes this fail with EPIPE: not an error.
            let _ = pipe.write_all(&bytes).await;
            let _ = pipe.shutdown().await;
        })),
        _ => None,
    };

    let mut pump = Pump {
        out: Source::new(child.stdout.take(), out_file),
        err: Source::new(child.stderr.take(), err_file),
        on_output,
        write_error: None,
    };

    // Phase 1: run until the leader exits, the timeout passes or cancel flips.
    let mut status: Option<ExitStatus> = None;
    let timeout = tokio::time::sleep(spec.timeout);
    tokio::pin!(timeout);
    let mut cancel_open = true;
    while status.is_none() && !result.timed_out && !result.cancelled {
        tokio::select! {
            s = child.wait() => status = Some(s.map_err(wait_error)?),
            _ = &mut timeout => result.timed_out = true,
            changed = cancel.changed(), if cancel_open => match changed {
                Ok(()) => result.cancelled = *cancel.borrow_and_update(),
                Err(_) => cancel_open = false,
            },
            _ = pump.step() => {}
        }
    }

    // Phase 2: end the group when asked to, or when the leader left members behind.
    if status.is_none() || group_alive(pgid) {
        signal_group(pgid, libc::SIGTERM);
        let grace_end = tokio::time::Instant::now() + TERM_GRACE;
        loop {
            if status.is_some() && !group_alive(pgid) {
                break;
            }
            if tokio::time::Instant::now() >= grace_end {
                signal_group(pgid, libc::SIGKILL);
                break;
            }
            tokio::select! {
                s = child.wait(), if status.is_none() => status = Some(s.map_err(wait_error)?),
                _ = tokio::time::sleep(POLL) => {}
                _ = pump.step() => {}
            }
        }
        if status.is_none() {
            status = Some(child.wait().await.map_err(wait_error)?);
        }
    }
    if result.timed_out || result.cancelled {
        // Those that left the group (setsid, double fork) are ended too.
        let mark = mark.clone();
        let _ = tokio::task::spawn_blocking(move || super::descendants::end(&mark, TERM_GRACE)).await;
    }
    live().remove(&pgid);
    drop(guard);

    // Phase 3: read what is left in the pipes.
    let _ = tokio::time::timeout(DRAIN_LIMIT, pump.drain()).await;
    pump.finish();
    if let Some(task) = stdin_task {
        task.abort();
    }

    if let Some(status) = status {
        use std::os::unix::process::ExitStatusExt;
        result.exit_code = status.code();
        result.signal = status.signal();
    }
    result.duration = start.elapsed();
    result.output_error = pump.write_error;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exec::test_support::*;

    fn spec(dir: &Path, argv: &[&str], timeout: Duration) -> CommandSpec {
        CommandSpec {
            argv: argv.iter().map(|s| s.to_string()).collect(),
            cwd: dir.to_path_buf(),
            stdin: None,
            timeout,
            stdout_file: dir.join("o.txt"),
            stderr_file: dir.join("e.txt"),
        }
    }

    #[test]
    fn splitter_handles_partial_crlf_and_huge_lines() {
        let mut s = LineSplitter::default();
        let mut got = Vec::new();
        s.push(b"ab", |l| got.push(l.to_string()));
        s.push(b"c\r\nd\n\ne", |l| got.push(l.to_string()));
        s.finish(|l| got.push(l.to_string()));
        assert_eq!(got, vec!["abc", "d", "", "e"]);
        let mut got = Vec::new();
        s.push(&vec![b'x'; MAX_LINE * 2 + 5], |l| got.push(l.len()));
        s.push(b"\n", |l| got.push(l.len()));
        assert_eq!(got, vec![MAX_LINE, MAX_LINE, 5]);
    }

    #[test]
    fn stat_parsing() {
        assert_eq!(parse_stat("123 (a b) c) S 1 456 456 0"), Some(('S', 456)));
        assert_eq!(parse_stat("garbage"), None);
    }

    #[tokio::test]
    async fn stdin_is_delivered_and_output_streamed_and_saved() {
        let _lock = shared().await;
        let dir = tempfile::tempdir().unwrap();
        let mut s = spec(dir.path(), &["sh", "-c", "cat > out.txt; echo done; echo oops >&2; exit 3"], secs(10));
        s.stdin = Some(b"hello\nworld".to_vec());
        let mut lines = Vec::new();
        let r = run_command(s, no_cancel(), |st, l| lines.push((st, l.to_string()))).await.unwrap();
        assert_eq!(r.exit_code, Some(3));
        assert_eq!((r.signal, r.timed_out, r.cancelled), (None, false, false));
        assert_eq!(std::fs::read_to_string(dir.path().join("out.txt")).unwrap(), "hello\nworld");
        assert_eq!(std::fs::read_to_string(dir.path().join("o.txt")).unwrap(), "done\n");
        assert_eq!(std::fs::read_to_string(dir.path().join("e.txt")).unwrap(), "oops\n");
        lines.sort_by_key(|(s, _)| *s == Stream::Stderr);
        assert_eq!(lines, vec![(Stream::Stdout, "done".to_string()), (Stream::Stderr, "oops".to_string())]);
    }

    #[tokio::test]
    async fn both_streams_into_one_file() {
        let _lock = shared().await;
        let dir = tempfile::tempdir().unwrap();
        let mut s = spec(dir.path(), &["sh", "-c", "echo a; sleep 0.1; echo b >&2; sleep 0.1; echo c"], secs(10));
        s.stderr_file = s.stdout_file.clone();
        let r = run_command(s, no_cancel(), |_, _| {}).await.unwrap();
        assert_eq!(r.exit_code, Some(0));
        assert_eq!(std::fs::read_to_string(dir.path().join("o.txt")).unwrap(), "a\nb\nc\n");
    }

    #[tokio::test]
    async fn arguments_are_never_shell_interpreted() {
        let _lock = shared().await;
        let dir = tempfile::tempdir().unwrap();
        let evil = "a b; $(touch pwned) `touch pwned2` > x";
        let s = spec(
            dir.path(),
            &["python3", "-c", "import sys; print(len(sys.argv)); print(sys.argv[1])", evil],
            secs(10),
        );
        let mut lines = Vec::new();
        let r = run_command(s, no_cancel(), |_, l| lines.push(l.to_string())).await.unwrap();
        assert_eq!(r.exit_code, Some(0));
        assert_eq!(lines, vec!["2".to_string(), evil.to_string()]);
        assert!(!dir.path().join("pwned").exists());
        assert!(!dir.path().join("pwned2").exists());
        assert!(!dir.path().join("x").exists());
    }

    #[tokio::test]
    async fn program_not_found_is_named() {
        let _lock = shared().await;
        let dir = tempfile::tempdir().unwrap();
        let err = run_command(spec(dir.path(), &["no-such-program-xyz", "a"], secs(5)), no_cancel(), |_, _| {})
            .await
            .unwrap_err();
        assert!(matches!(&err, ExecError::ProgramNotFound { program } if program == "no-such-program-xyz"));
        assert!(err.to_string().contains("no-such-program-xyz"));
        let err =
            run_command(spec(&dir.path().join("nope"), &["true"], secs(5)), no_cancel(), |_, _| {}).await.unwrap_err();
        assert!(matches!(err, ExecError::WorkDir { .. }));
    }

    #[tokio::test]
    async fn timeout_kills_the_group_including_grandchildren() {
        let _lock = shared().await;
        let dir = tempfile::tempdir().unwrap();
        let s = spec(dir.path(), &["sh", "-c", "sleep 300 & echo $! > child.pid; echo started; wait"], millis(700));
        let started = Instant::now();
        let r = run_command(s, no_cancel(), |_, _| {}).await.unwrap();
        assert!(r.timed_out);
        assert!(!r.cancelled);
        assert_eq!(r.exit_code, None);
        assert_eq!(r.signal, Some(libc::SIGTERM));
        assert!(started.elapsed() < secs(5), "{:?}", started.elapsed());
        let pid = read_pid(&dir.path().join("child.pid"));
        assert!(wait_gone(pid).await, "grandchild {pid} survived");
        assert_eq!(std::fs::read_to_string(dir.path().join("o.txt")).unwrap(), "started\n");
    }

    #[tokio::test]
    async fn sigterm_ignored_escalates_to_sigkill() {
        let _lock = shared().await;
        let dir = tempfile::tempdir().unwrap();
        let s = spec(
            dir.path(),
            &["sh", "-c", "trap '' TERM; echo $$ > me.pid; while :; do sleep 0.05; done"],
            millis(500),
        );
        let started = Instant::now();
        let r = run_command(s, no_cancel(), |_, _| {}).await.unwrap();
        assert!(r.timed_out);
        assert_eq!(r.signal, Some(libc::SIGKILL));
        let took = started.elapsed();
        assert!(took >= millis(500) + TERM_GRACE && took < secs(8), "{took:?}");
        assert!(wait_gone(read_pid(&dir.path().join("me.pid"))).await);
    }

    #[tokio::test]
    async fn cancel_kills_the_group_including_grandchildren() {
        let _lock = shared().await;
        let dir = tempfile::tempdir().unwrap();
        let (tx, rx) = watch::channel(false);
        let s = spec(dir.path(), &["sh", "-c", "sleep 300 & echo $! > child.pid; echo started; wait"], secs(60));
        let task = tokio::spawn(run_command(s, rx, |_, _| {}));
        wait_for_file(&dir.path().join("child.pid")).await;
        let pid = read_pid(&dir.path().join("child.pid"));
        assert!(alive(pid));
        tx.send(true).unwrap();
        let r = tokio::time::timeout(secs(10), task).await.unwrap().unwrap().unwrap();
        assert!(r.cancelled);
        assert!(!r.timed_out);
        assert_eq!(r.signal, Some(libc::SIGTERM));
        assert!(wait_gone(pid).await, "grandchild {pid} survived");
    }

    #[tokio::test]
    async fn already_cancelled_runs_nothing() {
        let _lock = shared().await;
        let dir = tempfile::tempdir().unwrap();
        let (_tx, rx) = watch::channel(true);
        let r = run_command(spec(dir.path(), &["touch", "ran"], secs(5)), rx, |_, _| {}).await.unwrap();
        assert!(r.cancelled);
        assert_eq!(r.exit_code, None);
        assert!(!dir.path().join("ran").exists());
    }

    #[tokio::test]
    async fn leftover_background_children_are_ended_when_the_leader_exits() {
        let _lock = shared().await;
        let dir = tempfile::tempdir().unwrap();
        let s = spec(dir.path(), &["sh", "-c", "sleep 300 & echo $! > child.pid; echo bye"], secs(60));
        let started = Instant::now();
        let r = run_command(s, no_cancel(), |_, _| {}).await.unwrap();
        assert_eq!(r.exit_code, Some(0));
        assert!(!r.timed_out);
        assert!(started.elapsed() < secs(5));
        assert!(wait_gone(read_pid(&dir.path().join("child.pid"))).await);
    }

    #[tokio::test]
    async fn dropping_the_future_kills_the_group() {
        let _lock = shared().await;
        let dir = tempfile::tempdir().unwrap();
        let s = spec(dir.path(), &["sh", "-c", "sleep 300 & echo $! > child.pid; wait"], secs(60));
        let task = tokio::spawn(run_command(s, no_cancel(), |_, _| {}));
        wait_for_file(&dir.path().join("child.pid")).await;
        let pid = read_pid(&dir.path().join("child.pid"));
        task.abort();
        let _ = task.await;
        assert!(wait_gone(pid).await, "grandchild {pid} survived");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn kill_all_groups_kills_a_running_group() {
        let _lock = exclusive().await;
        let dir = tempfile::tempdir().unwrap();
        let s = spec(dir.path(), &["sh", "-c", "sleep 300 & echo $! > child.pid; wait"], secs(60));
        let task = tokio::spawn(run_command(s, no_cancel(), |_, _| {}));
        wait_for_file(&dir.path().join("child.pid")).await;
        let pid = read_pid(&dir.path().join("child.pid"));
        assert_eq!(live_groups().len(), 1);
        tokio::task::spawn_blocking(kill_all_groups).await.unwrap();
        assert!(live_groups().is_empty());
        let r = tokio::time::timeout(secs(10), task).await.unwrap().unwrap().unwrap();
        assert_eq!(r.signal, Some(libc::SIGTERM));
        assert!(!r.timed_out && !r.cancelled);
        assert!(wait_gone(pid).await, "grandchild {pid} survived");
    }

    #[test]
    fn never_signals_group_zero_one_or_our_own() {
        assert!(!signal_group(0, 0));
        assert!(!signal_group(1, 0));
        // SAFETY: getpgrp has no preconditions.
        assert!(!signal_group(unsafe { libc::getpgrp() }, 0));
        assert!(!group_alive(0));
    }
}
