//! Paths the store reads or writes: relative to the project root, never escaping it.
//!
//! A path is refused when it is absolute, when `..` takes it above the root, when it holds a NUL,
//! when an existing ancestor resolves (through a symlink) outside the root, or when it lies in the
//! state directory. Accepted paths are normalized lexically (`a/./b/../c` -> `a/c`) and only the
//! normalized form is ever handed to the kernel, so a `..` is never resolved through a symlink.

use std::ffi::OsStr;
use std::path::{Component, Path, PathBuf};

/// Normalize a relative path given as text. `Ok` may be empty (the root itself).
pub(crate) fn normalize(raw: &str) -> Result<PathBuf, String> {
    if raw.contains('\0') {
        return Err("contains a NUL byte".into());
    }
    normalize_os(OsStr::new(raw))
}

/// Normalize a relative path given as an OS string.
pub(crate) fn normalize_os(raw: &OsStr) -> Result<PathBuf, String> {
    if raw.as_encoded_bytes().contains(&0) {
        return Err("contains a NUL byte".into());
    }
    if raw.is_empty() {
        return Err("is empty".into());
    }
    let mut out = PathBuf::new();
    for c in Path::new(raw).components() {
        match c {
            Component::Prefix(_) | Component::RootDir => return Err("is an absolute path".into()),
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return Err("`..` escapes the project root".into());
                }
            }
            Component::Normal(s) => out.push(s),
        }
    }
    Ok(out)
}

/// `rel` as stored in a manifest: `/`-separated text, plus the hex of the raw bytes when the name
/// is not valid UTF-8 (the text is then a lossy rendering for display).
pub(crate) fn to_record(rel: &Path) -> (String, Option<String>) {
    let parts: Vec<&OsStr> = rel.components().map(|c| c.as_os_str()).collect();
    let lossy: Vec<String> = parts.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let text = lossy.join("/");
    if rel.to_str().is_some() {
        return (text, None);
    }
    let mut raw: Vec<u8> = Vec::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            raw.push(b'/');
        }
        raw.extend_from_slice(p.as_encoded_bytes());
    }
    (text, Some(hex(&raw)))
}

/// The relative path a manifest records, normalized and checked like any other.
pub(crate) fn from_record(path: &str, path_hex: Option<&str>) -> Result<PathBuf, String> {
    match path_hex {
        None => normalize(path),
        Some(h) => {
            let bytes = unhex(h).ok_or_else(|| "has an invalid path_hex".to_string())?;
            #[cfg(unix)]
            {
                use std::os::unix::ffi::OsStrExt;
                normalize_os(OsStr::from_bytes(&bytes))
            }
            #[cfg(not(unix))]
            {
                let _ = bytes;
                Err("has a non-UTF-8 name, which this platform cannot write".into())
            }
        }
    }
}

/// Check that `root/rel` stays inside `root` (canonical) and outside `state_dir` (canonical):
/// the longest existing ancestor of its parent, canonicalized, must lie under the root, and every
/// existing ancestor must be a directory. Returns the full path.
pub(crate) fn inside(root: &Path, state_dir: &Path, rel: &Path) -> Result<PathBuf, String> {
    if rel.as_os_str().is_empty() {
        return Ok(root.to_path_buf());
    }
    let full = root.join(rel);
    let parent = match full.parent() {
        Some(p) if rel.parent().is_some_and(|r| !r.as_os_str().is_empty()) => p.to_path_buf(),
        _ => root.to_path_buf(),
    };
    // Longest existing ancestor of the parent.
    let mut existing = parent.as_path();
    let mut missing: Vec<&OsStr> = Vec::new();
    loop {
        match std::fs::symlink_metadata(existing) {
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let Some(name) = existing.file_name() else { return Err("no existing ancestor".into()) };
                missing.push(name);
                match existing.parent() {
                    Some(p) => existing = p,
                    None => return Err("no existing ancestor".into()),
                }
            }
            Err(e) => return Err(format!("cannot inspect {}: {e}", existing.display())),
        }
    }
    let canon = std::fs::canonicalize(existing).map_err(|e| format!("cannot resolve {}: {e}", existing.display()))?;
    if !canon.starts_with(root) {
        return Err(format!("resolves through a symlink to {}, outside the project root", canon.display()));
    }
    if !canon.is_dir() {
        return Err(format!("{} is not a directory", existing.display()));
    }
    let mut resolved = canon;
    for m in missing.iter().rev() {
        resolved.push(m);
    }
    if let Some(name) = full.file_name() {
        resolved.push(name);
    }
    if resolved.starts_with(state_dir) {
        return Err("lies inside the state directory".into());
    }
    Ok(full)
}

/// Read `input` to the end in large chunks, passing each chunk to `each`, and return the
/// SHA-256 (hex) and byte count. `read_err` turns a read error into the caller's error type,
/// so copy-while-hashing can tell source from destination errors.
pub(crate) fn hash_stream<E>(
    input: &mut impl std::io::Read,
    mut each: impl FnMut(&[u8]) -> std::result::Result<(), E>,
    read_err: impl Fn(std::io::Error) -> E,
) -> std::result::Result<(String, u64), E> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_err(e)),
        };
        h.update(&buf[..n]);
        each(&buf[..n])?;
        size += n as u64;
    }
    Ok((hex(&h.finalize()), size))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok())).collect()
}

/// `true` for a lowercase 64-hex SHA-256 digest (blob names come from manifests: never let one
/// name a path).
pub(crate) fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalize_accepts_inside_and_refuses_escapes() {
        assert_eq!(normalize("a/./b/../c").unwrap(), PathBuf::from("a/c"));
        assert_eq!(normalize("./x.py").unwrap(), PathBuf::from("x.py"));
        assert_eq!(normalize("a/..").unwrap(), PathBuf::new());
        assert_eq!(normalize("../../.bashrc").unwrap_err(), "`..` escapes the project root");
        assert_eq!(normalize("a/../../b").unwrap_err(), "`..` escapes the project root");
        assert_eq!(normalize("/etc/passwd").unwrap_err(), "is an absolute path");
        assert_eq!(normalize("a\0b").unwrap_err(), "contains a NUL byte");
        assert_eq!(normalize("").unwrap_err(), "is empty");
    }

    #[test]
    fn records_round_trip_including_non_utf8_names() {
        assert_eq!(to_record(Path::new("src/a.rs")), ("src/a.rs".to_string(), None));
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            let p = Path::new(OsStr::from_bytes(b"d/caf\xe9.txt"));
            let (text, h) = to_record(p);
            assert_eq!(text, "d/caf\u{fffd}.txt");
            assert_eq!(h.as_deref(), Some("642f636166e92e747874"));
            assert_eq!(from_record(&text, h.as_deref()).unwrap(), p);
        }
        assert!(from_record("x", Some("zz")).is_err());
    }

    #[test]
    fn inside_refuses_symlinked_dir_leading_out_and_the_state_dir() {
        let outside = tempfile::tempdir().unwrap();
        let root = tempfile::tempdir().unwrap();
        let root_c = std::fs::canonicalize(root.path()).unwrap();
        let state = root_c.join(".recover");
        std::fs::create_dir(&state).unwrap();
        std::os::unix::fs::symlink(outside.path(), root_c.join("out")).unwrap();
        std::fs::create_dir(root_c.join("src")).unwrap();
        std::os::unix::fs::symlink(root_c.join("src"), root_c.join("alias")).unwrap();
        assert!(inside(&root_c, &state, Path::new("out/x")).unwrap_err().contains("outside the project root"));
        assert!(inside(&root_c, &state, Path::new("out/new/deeper/x")).unwrap_err().contains("outside"));
        assert_eq!(inside(&root_c, &state, Path::new("src/new/x")).unwrap(), root_c.join("src/new/x"));
        assert_eq!(inside(&root_c, &state, Path::new("alias/x")).unwrap(), root_c.join("alias/x"));
        assert_eq!(inside(&root_c, &state, Path::new("top.txt")).unwrap(), root_c.join("top.txt"));
        assert_eq!(
            inside(&root_c, &state, Path::new(".recover/ledger.json")).unwrap_err(),
            "lies inside the state directory"
        );
        assert_eq!(inside(&root_c, &state, Path::new(".recover")).unwrap_err(), "lies inside the state directory");
        std::fs::write(root_c.join("file"), b"x").unwrap();
        assert!(inside(&root_c, &state, Path::new("file/x")).unwrap_err().contains("is not a directory"));
    }

    #[test]
    fn sha_names_are_checked() {
        assert!(is_sha256_hex(&"a".repeat(64)));
        assert!(!is_sha256_hex("../../etc/passwd"));
        assert!(!is_sha256_hex(&"A".repeat(64)));
    }
}
