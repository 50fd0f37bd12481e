//! The files of a scan reached through their directory: `statx` and `openat` of a name under
//! an open directory walk one path component instead of every component of a long absolute
//! path (the kernel's path walk was a visible share of reading twelve thousand files). A
//! directory that cannot be opened falls back to the file's whole path.

use rustix::fs::{AtFlags, FileType, Mode, OFlags, StatxFlags};
use std::fs::File;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

pub(super) struct Dirs {
    /// One per distinct parent directory, in the files' order.
    fds: Vec<Option<OwnedFd>>,
    /// File index -> its directory's index.
    of: Vec<usize>,
}

impl Dirs {
    /// The parent directories of `files` (sorted, so a directory's files are together).
    pub(super) fn open(files: &[PathBuf]) -> Dirs {
        let mut fds = Vec::new();
        let mut of = Vec::with_capacity(files.len());
        let mut last: Option<&Path> = None;
        for f in files {
            let parent = f.parent();
            if parent.is_none() || parent != last {
                let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
                fds.push(parent.and_then(|p| rustix::fs::open(p, flags, Mode::empty()).ok()));
                last = parent;
            }
            of.push(fds.len() - 1);
        }
        Dirs { fds, of }
    }

    fn dir_and_name<'p>(&self, i: usize, path: &'p Path) -> Option<(&OwnedFd, &'p std::ffi::OsStr)> {
        let fd = self.fds.get(*self.of.get(i)?)?.as_ref()?;
        Some((fd, path.file_name()?))
    }

    /// The size of file `i` when it is a regular file (following a symlink, as `metadata`).
    pub(super) fn size(&self, i: usize, path: &Path) -> Option<u64> {
        let Some((dir, name)) = self.dir_and_name(i, path) else {
            return std::fs::metadata(path).ok().filter(std::fs::Metadata::is_file).map(|m| m.len());
        };
        let st = rustix::fs::statx(dir, name, AtFlags::empty(), StatxFlags::TYPE | StatxFlags::SIZE).ok()?;
        (FileType::from_raw_mode(st.stx_mode.into()) == FileType::RegularFile).then_some(st.stx_size)
    }

    /// File `i` opened to read, without blocking (a file swapped for a pipe since its `stat`
    /// must not hang the scan) and never as the controlling terminal.
    pub(super) fn open_file(&self, i: usize, path: &Path) -> std::io::Result<File> {
        let Some((dir, name)) = self.dir_and_name(i, path) else {
            use std::os::unix::fs::OpenOptionsExt;
            return std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY).open(path);
        };
        let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
        let fd = rustix::fs::openat(dir, name, flags, Mode::empty()).map_err(std::io::Error::from)?;
        Ok(File::from(fd))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_reads_through_the_directory_match_the_paths() {
        let t = tempfile::tempdir().expect("tempdir");
        let a = t.path().join("a");
        std::fs::create_dir(&a).expect("mkdir");
        std::fs::write(a.join("one.jsonl"), b"12345").expect("write");
        std::fs::write(a.join("empty.err"), b"").expect("write");
        std::os::unix::fs::symlink(a.join("one.jsonl"), a.join("link.jsonl")).expect("symlink");
        std::fs::create_dir(a.join("sub")).expect("mkdir");
        let files =
            vec![a.join("empty.err"), a.join("link.jsonl"), a.join("one.jsonl"), a.join("sub"), t.path().join("gone")];
        let dirs = Dirs::open(&files);
        let sizes: Vec<Option<u64>> = files.iter().enumerate().map(|(i, f)| dirs.size(i, f)).collect();
        assert_eq!(sizes, [Some(0), Some(5), Some(5), None, None]);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut dirs.open_file(1, &files[1]).expect("open"), &mut text).expect("read");
        assert_eq!(text, "12345");
        assert!(dirs.open_file(4, &files[4]).is_err());
    }
}
