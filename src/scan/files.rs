//! The project's files on disk, as the pure merge asks for them.

use crate::core::ingest::ProjectFiles;
use std::path::Path;

/// The disk, read-only.
pub struct Disk;

impl ProjectFiles for Disk {
    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }
    fn read_inside(&self, root: &Path, rel: &str) -> std::io::Result<Vec<u8>> {
        super::read_inside(root, rel)
    }
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(path)
    }
}

/// The disk, with the regular files the walk of the project saw: a file seen there exists
/// without asking the disk again (ten thousand outputs are ten thousand `stat`s otherwise).
/// A path not seen is asked of the disk, so what the walk did not reach is still found.
pub struct Listed {
    seen: std::collections::HashSet<std::path::PathBuf>,
}

impl Listed {
    pub fn new(seen: Vec<std::path::PathBuf>) -> Listed {
        Listed { seen: seen.into_iter().collect() }
    }
}

impl ProjectFiles for Listed {
    fn exists(&self, path: &Path) -> bool {
        self.seen.contains(path) || Disk.exists(path)
    }
    fn read_inside(&self, root: &Path, rel: &str) -> std::io::Result<Vec<u8>> {
        Disk.read_inside(root, rel)
    }
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        Disk.read(path)
    }
}
