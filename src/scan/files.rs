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
