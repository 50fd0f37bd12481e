//! File access relative to an open directory that never follows a symlink (DESIGN.md §12).
//!
//! The state directory is untrusted input: a project handed over can ship a `.recover/` whose
//! `journal.jsonl`, `snapshots/tmp` or `attempts/<job>/<n>/prompt.md` is a symlink to a file or
//! directory outside it. Every state file is therefore reached from the state directory's own
//! file descriptor, one component at a time, each opened with `O_NOFOLLOW` (`openat`, through
//! `rustix`): a symlink anywhere on the way is an error naming it ([`Unsafe`]), never followed.
//! Files read must be regular files (a FIFO would hang, a device is no state); files written in
//! place (the journal, the lock) must have a single link. Scratch directories are emptied through
//! their own descriptors after checking that they are what the parent holds under that name.

// `stat` field types differ between platforms: the casts are needed on some.
#![allow(clippy::unnecessary_cast)]

use rustix::fs::{AtFlags, FileType, Mode, OFlags};
use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

/// Why an entry of the state directory is not used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unsafe {
    /// A symlink (never followed).
    Symlink,
    /// A directory was expected.
    NotDir,
    /// A regular file was expected (a FIFO, device or socket).
    NotRegular,
    /// A file written in place has other hard links (they would be written too).
    HardLinked,
    /// A scratch directory is not the one its parent holds under that name.
    Moved,
}

impl std::fmt::Display for Unsafe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Unsafe::Symlink => "is a symlink",
            Unsafe::NotDir => "is not a directory",
            Unsafe::NotRegular => "is not a regular file",
            Unsafe::HardLinked => "has other hard links",
            Unsafe::Moved => "changed while it was opened",
        })
    }
}

impl std::error::Error for Unsafe {}

pub(crate) fn unsafe_err(what: Unsafe) -> std::io::Error {
    std::io::Error::other(what)
}

/// The [`Unsafe`] reason carried by an error from this module, if any.
pub fn unsafe_reason(e: &std::io::Error) -> Option<Unsafe> {
    e.get_ref().and_then(|i| i.downcast_ref::<Unsafe>()).copied()
}

fn io(e: rustix::io::Errno) -> std::io::Error {
    std::io::Error::from(e)
}

const DIR_FLAGS: OFlags = OFlags::RDONLY.union(OFlags::DIRECTORY).union(OFlags::NOFOLLOW).union(OFlags::CLOEXEC);

/// The components of a relative path, refusing anything but plain names.
fn names(rel: &Path) -> std::io::Result<Vec<&OsStr>> {
    let mut out = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(n) => out.push(n),
            Component::CurDir => {}
            _ => {
                return Err(std::io::Error::new(
                    ErrorKind::InvalidInput,
                    format!("{} is not a plain relative path", rel.display()),
                ))
            }
        }
    }
    Ok(out)
}

/// `name` in `dir` could not be opened: tell a symlink (or other wrong type) from other errors.
fn explain(dir: &OwnedFd, name: &OsStr, e: rustix::io::Errno, want_dir: bool) -> std::io::Error {
    if matches!(e, rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR | rustix::io::Errno::NXIO) {
        if let Ok(st) = rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            return match FileType::from_raw_mode(st.st_mode) {
                FileType::Symlink => unsafe_err(Unsafe::Symlink),
                FileType::Directory => io(e),
                _ if want_dir => unsafe_err(Unsafe::NotDir),
                _ => unsafe_err(Unsafe::NotRegular),
            };
        }
    }
    io(e)
}

/// An open directory; every path given to its methods is relative to it.
#[derive(Debug)]
pub struct Dir {
    fd: OwnedFd,
    path: PathBuf,
}

/// What `stat` tells about an entry (never following a symlink).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub kind: Kind,
    pub size: u64,
    pub dev: u64,
    pub ino: u64,
    pub nlink: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

fn kind_of(mode: u32) -> Kind {
    match FileType::from_raw_mode(mode) {
        FileType::RegularFile => Kind::File,
        FileType::Directory => Kind::Dir,
        FileType::Symlink => Kind::Symlink,
        _ => Kind::Other,
    }
}

fn entry_of(st: &rustix::fs::Stat) -> Entry {
    Entry {
        kind: kind_of(st.st_mode as u32),
        size: st.st_size as u64,
        dev: st.st_dev as u64,
        ino: st.st_ino as u64,
        nlink: st.st_nlink as u64,
    }
}

impl Dir {
    /// Open `path` (ambient authority: only for the state directory itself). The last component
    /// must not be a symlink; its ancestors are the user's choice and may be.
    pub fn open_ambient(path: &Path) -> std::io::Result<Dir> {
        match rustix::fs::openat(rustix::fs::CWD, path, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => Ok(Dir { fd, path: path.to_path_buf() }),
            Err(e) => {
                if let Ok(md) = std::fs::symlink_metadata(path) {
                    if md.file_type().is_symlink() {
                        return Err(unsafe_err(Unsafe::Symlink));
                    }
                    if !md.is_dir() {
                        return Err(unsafe_err(Unsafe::NotDir));
                    }
                }
                Err(io(e))
            }
        }
    }

    /// The same directory, named `path` in messages.
    pub(crate) fn reopen(d: Dir, path: PathBuf) -> Dir {
        Dir { fd: d.fd, path }
    }

    /// The path this directory was reached by (for messages).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `self.path()/rel`, for messages.
    pub fn display(&self, rel: &Path) -> PathBuf {
        self.path.join(rel)
    }

    /// The directory `rel` (empty = this one again), every component a real directory.
    /// `create`: missing components are made (mode 0755).
    pub fn dir(&self, rel: &Path, create: bool) -> std::io::Result<Dir> {
        let mut cur = rustix::io::dup(&self.fd).map_err(io)?;
        for name in names(rel)? {
            let next = match rustix::fs::openat(&cur, name, DIR_FLAGS, Mode::empty()) {
                Ok(fd) => fd,
                Err(rustix::io::Errno::NOENT) if create => {
                    match rustix::fs::mkdirat(&cur, name, Mode::from_raw_mode(0o755)) {
                        Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                        Err(e) => return Err(io(e)),
                    }
                    rustix::fs::openat(&cur, name, DIR_FLAGS, Mode::empty())
                        .map_err(|e| explain(&cur, name, e, true))?
                }
                Err(e) => return Err(explain(&cur, name, e, true)),
            };
            cur = next;
        }
        Ok(Dir { fd: cur, path: self.path.join(rel) })
    }

    /// The parent directory of `rel` and its last component.
    fn parent<'a>(&self, rel: &'a Path, create: bool) -> std::io::Result<(Dir, &'a OsStr)> {
        let parts = names(rel)?;
        let Some((last, _)) = parts.split_last() else {
            return Err(std::io::Error::new(ErrorKind::InvalidInput, "empty path"));
        };
        let parent = rel.parent().unwrap_or(Path::new(""));
        Ok((self.dir(parent, create)?, last))
    }

    /// What `rel` is, without following a symlink; `None` = it does not exist (nor an ancestor).
    pub fn stat(&self, rel: &Path) -> std::io::Result<Option<Entry>> {
        let (dir, name) = match self.parent(rel, false) {
            Ok(p) => p,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        match rustix::fs::statat(&dir.fd, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(entry_of(&st))),
            Err(rustix::io::Errno::NOENT) => Ok(None),
            Err(e) => Err(io(e)),
        }
    }

    /// `rel` exists as a regular file.
    pub fn is_file(&self, rel: &Path) -> bool {
        matches!(self.stat(rel), Ok(Some(e)) if e.kind == Kind::File)
    }

    /// Open the regular file `rel` for reading.
    pub fn open_read(&self, rel: &Path) -> std::io::Result<File> {
        let (dir, name) = self.parent(rel, false)?;
        let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
        let fd =
            rustix::fs::openat(&dir.fd, name, flags, Mode::empty()).map_err(|e| explain(&dir.fd, name, e, false))?;
        let st = rustix::fs::fstat(&fd).map_err(io)?;
        if kind_of(st.st_mode as u32) != Kind::File {
            return Err(unsafe_err(Unsafe::NotRegular));
        }
        Ok(File::from(fd))
    }

    /// The whole content of the regular file `rel`.
    pub fn read(&self, rel: &Path) -> std::io::Result<Vec<u8>> {
        let mut f = self.open_read(rel)?;
        let mut out = Vec::new();
        f.read_to_end(&mut out)?;
        Ok(out)
    }

    /// [`Dir::read`], `None` when `rel` does not exist.
    pub fn read_opt(&self, rel: &Path) -> std::io::Result<Option<Vec<u8>>> {
        match self.read(rel) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Create the new file `rel` (parents made); fails if anything exists there.
    pub fn create_new(&self, rel: &Path, mode: u32) -> std::io::Result<File> {
        let (dir, name) = self.parent(rel, true)?;
        dir.create_here(name, OFlags::EXCL, mode)
    }

    /// Create or truncate the file `rel` (parents made), refusing a symlink, a non-regular file
    /// or one with other hard links.
    pub fn create_truncate(&self, rel: &Path, mode: u32) -> std::io::Result<File> {
        let (dir, name) = self.parent(rel, true)?;
        let f = dir.create_here(name, OFlags::empty(), mode)?;
        check_in_place(&f)?;
        f.set_len(0)?;
        Ok(f)
    }

    fn create_here(&self, name: &OsStr, extra: OFlags, mode: u32) -> std::io::Result<File> {
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK | extra;
        let fd = rustix::fs::openat(&self.fd, name, flags, Mode::from_raw_mode(mode))
            .map_err(|e| explain(&self.fd, name, e, false))?;
        let f = File::from(fd);
        if f.metadata()?.file_type().is_file() {
            Ok(f)
        } else {
            Err(unsafe_err(Unsafe::NotRegular))
        }
    }

    /// Open (creating when missing) `rel` for reading and writing in place, refusing a symlink,
    /// a special file or one with other hard links.
    pub fn open_rw(&self, rel: &Path) -> std::io::Result<File> {
        let (dir, name) = self.parent(rel, true)?;
        let flags = OFlags::RDWR | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let fd = rustix::fs::openat(&dir.fd, name, flags, Mode::from_raw_mode(0o644))
            .map_err(|e| explain(&dir.fd, name, e, false))?;
        let f = File::from(fd);
        check_in_place(&f)?;
        Ok(f)
    }

    /// Open `rel` for appending (created when missing, parents made). `Ok((file, created))`.
    pub fn open_append(&self, rel: &Path) -> std::io::Result<(File, bool)> {
        let (dir, name) = self.parent(rel, true)?;
        let flags =
            OFlags::RDWR | OFlags::APPEND | OFlags::CREATE | OFlags::NOFOLLOW | OFlags::CLOEXEC | OFlags::NONBLOCK;
        let existed = rustix::fs::statat(&dir.fd, name, AtFlags::SYMLINK_NOFOLLOW).is_ok();
        let fd = rustix::fs::openat(&dir.fd, name, flags, Mode::from_raw_mode(0o644))
            .map_err(|e| explain(&dir.fd, name, e, false))?;
        let f = File::from(fd);
        check_in_place(&f)?;
        Ok((f, !existed))
    }

    /// Replace `rel` atomically: a temp file in the same directory, fsync, rename, fsync the
    /// directory. A symlink at `rel` is replaced, never written through.
    pub fn write_atomic(&self, rel: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let (dir, name) = self.parent(rel, true)?;
        let mut tmp_name = OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".tmp-{}-{}", std::process::id(), super::lock::new_token()));
        let result = (|| {
            let mut f = dir.create_here(&tmp_name, OFlags::EXCL, 0o644)?;
            f.write_all(bytes)?;
            f.sync_all()?;
            drop(f);
            rustix::fs::renameat(&dir.fd, tmp_name.as_os_str(), &dir.fd, name).map_err(io)?;
            dir.sync()
        })();
        if result.is_err() {
            let _ = rustix::fs::unlinkat(&dir.fd, tmp_name.as_os_str(), AtFlags::empty());
        }
        result
    }

    /// Remove the file (or symlink: never followed) `rel`. Missing is fine.
    pub fn remove_file(&self, rel: &Path) -> std::io::Result<()> {
        let (dir, name) = match self.parent(rel, false) {
            Ok(p) => p,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        match rustix::fs::unlinkat(&dir.fd, name, AtFlags::empty()) {
            Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
            Err(e) => Err(io(e)),
        }
    }

    /// Rename `from` to `to` (both relative to this directory; `to`'s parents made).
    pub fn rename(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        let (fd, fname) = self.parent(from, false)?;
        let (td, tname) = self.parent(to, true)?;
        rustix::fs::renameat(&fd.fd, fname, &td.fd, tname).map_err(io)
    }

    /// Rename `from` (relative to this directory) to the absolute path `to` (outside it).
    pub fn rename_out(&self, from: &Path, to: &Path) -> std::io::Result<()> {
        let (fd, fname) = self.parent(from, false)?;
        rustix::fs::renameat(&fd.fd, fname, rustix::fs::CWD, to).map_err(io)
    }

    /// The names in directory `rel` (sorted), `.`/`..` left out; a missing directory is empty.
    pub fn list(&self, rel: &Path) -> std::io::Result<Vec<(OsString, Kind)>> {
        let d = match self.dir(rel, false) {
            Ok(d) => d,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        d.entries()
    }

    fn entries(&self) -> std::io::Result<Vec<(OsString, Kind)>> {
        let mut out = Vec::new();
        for e in rustix::fs::Dir::read_from(&self.fd).map_err(io)? {
            let e = e.map_err(io)?;
            let name = e.file_name().to_bytes();
            if name == b"." || name == b".." {
                continue;
            }
            let name = OsStr::from_bytes(name).to_os_string();
            let kind = match e.file_type() {
                FileType::RegularFile => Kind::File,
                FileType::Directory => Kind::Dir,
                FileType::Symlink => Kind::Symlink,
                FileType::Unknown => match rustix::fs::statat(&self.fd, name.as_os_str(), AtFlags::SYMLINK_NOFOLLOW) {
                    Ok(st) => kind_of(st.st_mode as u32),
                    Err(_) => Kind::Other,
                },
                _ => Kind::Other,
            };
            out.push((name, kind));
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Empty the scratch directory `rel` (created when missing) and return it. It is emptied only
    /// when it is a real directory, reached without a symlink, and the one its parent holds under
    /// that name (same device and inode); symlinks in it are removed, never followed.
    pub fn scratch(&self, rel: &Path) -> std::io::Result<Dir> {
        let d = self.dir(rel, true)?;
        let (parent, name) = self.parent(rel, false)?;
        let seen = rustix::fs::statat(&parent.fd, name, AtFlags::SYMLINK_NOFOLLOW).map_err(io)?;
        let opened = rustix::fs::fstat(&d.fd).map_err(io)?;
        if kind_of(seen.st_mode as u32) != Kind::Dir || seen.st_dev != opened.st_dev || seen.st_ino != opened.st_ino {
            return Err(unsafe_err(Unsafe::Moved));
        }
        let own = rustix::fs::fstat(&self.fd).map_err(io)?;
        if opened.st_dev != own.st_dev {
            return Err(std::io::Error::other("is on another filesystem than the state directory"));
        }
        d.clear(0)?;
        Ok(d)
    }

    /// Remove everything in this directory (through descriptors: nothing is followed).
    fn clear(&self, depth: usize) -> std::io::Result<()> {
        if depth > 64 {
            return Err(std::io::Error::other("nests too deep to empty"));
        }
        for (name, kind) in self.entries()? {
            if kind == Kind::Dir {
                let sub = rustix::fs::openat(&self.fd, name.as_os_str(), DIR_FLAGS, Mode::empty())
                    .map_err(|e| explain(&self.fd, &name, e, true))?;
                Dir { fd: sub, path: self.path.join(&name) }.clear(depth + 1)?;
                match rustix::fs::unlinkat(&self.fd, name.as_os_str(), AtFlags::REMOVEDIR) {
                    Ok(()) | Err(rustix::io::Errno::NOENT) => {}
                    Err(e) => return Err(io(e)),
                }
            } else {
                match rustix::fs::unlinkat(&self.fd, name.as_os_str(), AtFlags::empty()) {
                    Ok(()) | Err(rustix::io::Errno::NOENT) => {}
                    Err(e) => return Err(io(e)),
                }
            }
        }
        Ok(())
    }

    /// Remove the directory `rel` and everything in it (checked as [`Dir::scratch`]). Missing
    /// is fine.
    pub fn remove_tree(&self, rel: &Path) -> std::io::Result<()> {
        match self.stat(rel)? {
            None => return Ok(()),
            Some(e) if e.kind != Kind::Dir => return self.remove_file(rel),
            Some(_) => {}
        }
        self.scratch(rel)?;
        let (parent, name) = self.parent(rel, false)?;
        match rustix::fs::unlinkat(&parent.fd, name, AtFlags::REMOVEDIR) {
            Ok(()) | Err(rustix::io::Errno::NOENT) => Ok(()),
            Err(e) => Err(io(e)),
        }
    }

    /// Remove the empty directory `rel` (not empty or missing: left).
    pub fn remove_empty_dir(&self, rel: &Path) {
        if let Ok((parent, name)) = self.parent(rel, false) {
            let _ = rustix::fs::unlinkat(&parent.fd, name, AtFlags::REMOVEDIR);
        }
    }

    /// fsync this directory.
    pub fn sync(&self) -> std::io::Result<()> {
        rustix::fs::fsync(&self.fd).map_err(io)
    }

    /// Flush the whole filesystem this directory is on (`syncfs`).
    pub fn syncfs(&self) -> std::io::Result<()> {
        rustix::fs::syncfs(&self.fd).map_err(io)
    }

    /// The device of this directory.
    pub fn dev(&self) -> std::io::Result<u64> {
        Ok(rustix::fs::fstat(&self.fd).map_err(io)?.st_dev as u64)
    }

    pub fn as_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The first entry below this directory that the state directory may not hold: a symlink,
    /// or anything that is neither a regular file nor a directory. Returns its relative path.
    pub fn find_unsafe(&self) -> std::io::Result<Option<(PathBuf, Unsafe)>> {
        self.find_unsafe_in(Path::new(""), 0)
    }

    fn find_unsafe_in(&self, here: &Path, depth: usize) -> std::io::Result<Option<(PathBuf, Unsafe)>> {
        if depth > 32 {
            return Ok(None);
        }
        for (name, kind) in self.entries()? {
            let rel = here.join(&name);
            match kind {
                Kind::Symlink => return Ok(Some((rel, Unsafe::Symlink))),
                Kind::Other => return Ok(Some((rel, Unsafe::NotRegular))),
                Kind::File => {}
                Kind::Dir => {
                    let sub = match rustix::fs::openat(&self.fd, name.as_os_str(), DIR_FLAGS, Mode::empty()) {
                        Ok(fd) => Dir { fd, path: self.path.join(&name) },
                        Err(rustix::io::Errno::ACCESS) => continue,
                        Err(e) => {
                            return match unsafe_reason(&explain(&self.fd, &name, e, true)) {
                                Some(u) => Ok(Some((rel, u))),
                                None => Err(io(e)),
                            }
                        }
                    };
                    if let Some(found) = sub.find_unsafe_in(&rel, depth + 1)? {
                        return Ok(Some(found));
                    }
                }
            }
        }
        Ok(None)
    }
}

/// A file written in place must be a regular file with no other hard link.
fn check_in_place(f: &File) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let md = f.metadata()?;
    if !md.file_type().is_file() {
        return Err(unsafe_err(Unsafe::NotRegular));
    }
    if md.nlink() > 1 {
        return Err(unsafe_err(Unsafe::HardLinked));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    fn setup() -> (tempfile::TempDir, tempfile::TempDir, Dir) {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("victim"), b"precious").unwrap();
        let state = tempfile::tempdir().unwrap();
        let d = Dir::open_ambient(state.path()).unwrap();
        (outside, state, d)
    }

    #[test]
    fn no_operation_follows_a_symlink() {
        let (outside, state, d) = setup();
        let s = state.path();
        symlink(outside.path(), s.join("tmp")).unwrap();
        symlink(outside.path().join("victim"), s.join("journal.jsonl")).unwrap();
        std::fs::create_dir(s.join("a")).unwrap();
        symlink(outside.path(), s.join("a/b")).unwrap();
        let sym = |e: std::io::Error| assert_eq!(unsafe_reason(&e), Some(Unsafe::Symlink), "{e}");
        sym(d.scratch(Path::new("tmp")).unwrap_err());
        sym(d.open_append(Path::new("journal.jsonl")).unwrap_err());
        sym(d.read(Path::new("journal.jsonl")).unwrap_err());
        sym(d.create_truncate(Path::new("journal.jsonl"), 0o644).unwrap_err());
        sym(d.create_new(Path::new("a/b/new"), 0o644).unwrap_err());
        sym(d.read(Path::new("a/b/victim")).unwrap_err());
        sym(d.dir(Path::new("a/b"), true).unwrap_err());
        sym(d.write_atomic(Path::new("a/b/x"), b"x").unwrap_err());
        assert_eq!(d.find_unsafe().unwrap().map(|(p, _)| p), Some(PathBuf::from("a/b")));
        // An atomic write over a symlink replaces the link, not its target.
        d.write_atomic(Path::new("journal.jsonl"), b"mine").unwrap();
        assert_eq!(std::fs::read(s.join("journal.jsonl")).unwrap(), b"mine");
        assert_eq!(std::fs::read(outside.path().join("victim")).unwrap(), b"precious");
        assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 1);
        assert!(Dir::open_ambient(&s.join("tmp")).is_err());
        // Removing a symlinked tree removes the link only.
        d.remove_tree(Path::new("tmp")).unwrap();
        assert!(!s.join("tmp").exists());
        assert_eq!(std::fs::read(outside.path().join("victim")).unwrap(), b"precious");
    }

    #[test]
    fn scratch_is_emptied_without_following_links_inside() {
        let (outside, state, d) = setup();
        let s = state.path();
        std::fs::create_dir_all(s.join("tmp/w0/deep")).unwrap();
        std::fs::write(s.join("tmp/w0/deep/f"), b"x").unwrap();
        symlink(outside.path(), s.join("tmp/w0/link")).unwrap();
        d.scratch(Path::new("tmp")).unwrap();
        assert_eq!(std::fs::read_dir(s.join("tmp")).unwrap().count(), 0);
        assert_eq!(std::fs::read(outside.path().join("victim")).unwrap(), b"precious");
        d.remove_tree(Path::new("tmp")).unwrap();
        assert!(!s.join("tmp").exists());
    }

    #[test]
    fn fifos_and_hard_links_are_refused() {
        let (_outside, state, d) = setup();
        let s = state.path();
        let c = std::ffi::CString::new(s.join("fifo").as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
        assert_eq!(unsafe_reason(&d.read(Path::new("fifo")).unwrap_err()), Some(Unsafe::NotRegular));
        std::fs::write(s.join("one"), b"1").unwrap();
        std::fs::hard_link(s.join("one"), s.join("two")).unwrap();
        assert_eq!(unsafe_reason(&d.open_append(Path::new("two")).unwrap_err()), Some(Unsafe::HardLinked));
        assert_eq!(d.find_unsafe().unwrap(), Some((PathBuf::from("fifo"), Unsafe::NotRegular)));
    }
}
