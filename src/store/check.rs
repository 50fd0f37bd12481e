//! `check`: verify the whole state directory, like a backup tool's check. Read-only.

use super::snapshot::{self, blob_path};
use super::{journal, ledger, restore, StateDir};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CheckReport {
    /// Manifests that parsed.
    pub manifests: usize,
    /// Distinct blobs verified (hash and size right).
    pub blobs: usize,
    /// Each corrupt or missing item, naming its file.
    pub problems: Vec<String>,
}

impl CheckReport {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Verify every manifest, every blob a manifest references (exists, hashes right, right size),
/// `ledger.json` and `journal.jsonl`, and report an interrupted restore.
pub fn check(sd: &StateDir) -> CheckReport {
    let mut report = CheckReport::default();
    let names = match snapshot::manifest_names(sd) {
        Ok(n) => n,
        Err(e) => {
            report.problems.push(e.to_string());
            Vec::new()
        }
    };
    // sha -> (size, "manifest id: path") of the first reference.
    let mut wanted: BTreeMap<String, (u64, String)> = BTreeMap::new();
    for name in names {
        match snapshot::read_manifest(sd, &name) {
            Ok(m) => {
                report.manifests += 1;
                for f in &m.files {
                    if let Some(sha) = &f.sha256 {
                        wanted.entry(sha.clone()).or_insert_with(|| (f.size, format!("{}: {}", m.id, f.path)));
                    }
                }
            }
            Err(e) => report.problems.push(e.to_string()),
        }
    }
    for (sha, (size, by)) in &wanted {
        let p = blob_path(sd, sha);
        let hashed =
            snapshot::open_blob(sd, sha).and_then(|mut f| super::paths::hash_stream(&mut f, |_| Ok(()), |e| e));
        match hashed {
            Ok((actual, len)) if actual == *sha && len == *size => report.blobs += 1,
            Ok((actual, _)) if actual != *sha => {
                report.problems.push(format!("{}: corrupt: content hashes to {actual} (used by {by})", p.display()))
            }
            Ok((_, len)) => {
                report.problems.push(format!("{}: corrupt: {len} bytes, expected {size} (used by {by})", p.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                report.problems.push(format!("{}: missing (used by {by})", p.display()))
            }
            Err(e) => report.problems.push(format!("{} (used by {by})", super::StoreError::io(&p, e))),
        }
    }
    let ledger_path = sd.ledger_path();
    match sd.dir().read(std::path::Path::new("ledger.json")) {
        Ok(bytes) => {
            if let Err(e) = ledger::Ledger::parse(&bytes) {
                report.problems.push(format!("{}: {e}", ledger_path.display()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => report.problems.push(super::StoreError::io(&ledger_path, e).to_string()),
    }
    let (_, warnings) = journal::read(sd);
    report.problems.extend(warnings);
    if let Some(id) = restore::pending_restore(sd) {
        let plan = sd.restore_staging_path().join(&id).join("plan.json");
        report.problems.push(format!("{}: an interrupted restore of snapshot {id} is pending", plan.display()));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::snapshot::sha256_hex;
    use crate::store::snapshot::tests::fixture;

    #[test]
    fn healthy_store_has_no_problems() {
        let fx = fixture();
        fx.write("a", b"a", 0o644);
        fx.write("b", b"b", 0o644);
        fx.take(&["a", "b", "missing"]);
        fx.take(&["a"]);
        let r = check(&fx.sd);
        assert_eq!(r, CheckReport { manifests: 2, blobs: 2, problems: vec![] });
        assert!(r.ok());
    }

    #[test]
    fn names_every_broken_item() {
        let fx = fixture();
        fx.write("a", b"aaa", 0o644);
        fx.write("b", b"bbb", 0o644);
        let m = fx.take(&["a", "b"]);
        let blob_a = blob_path(&fx.sd, &sha256_hex(b"aaa"));
        let blob_b = blob_path(&fx.sd, &sha256_hex(b"bbb"));
        std::fs::remove_file(&blob_a).unwrap();
        std::fs::write(&blob_b, b"bbX").unwrap();
        let bad_manifest = snapshot::manifests_dir(&fx.sd).join("20260101T000000Z-00000000.json");
        std::fs::write(&bad_manifest, b"{\"schema\":").unwrap();
        std::fs::write(fx.sd.ledger_path(), b"{\"schema_version\": 1, \"attempts\": [").unwrap();
        std::fs::write(
            fx.sd.journal_path(),
            b"{\"at\":\"2026-11-25T14:03:11Z\",\"event\":\"exported\",\"format\":\"md\"}\ngarbage\n",
        )
        .unwrap();
        let r = check(&fx.sd);
        assert_eq!(r.manifests, 1);
        assert_eq!(r.blobs, 0);
        assert_eq!(r.problems.len(), 5, "{:#?}", r.problems);
        assert!(r.problems[0].starts_with(&format!("{}: invalid snapshot manifest", bad_manifest.display())));
        // Blobs are checked in digest order: sha256("bbb") < sha256("aaa").
        assert_eq!(
            r.problems[1],
            format!("{}: corrupt: content hashes to {} (used by {}: b)", blob_b.display(), sha256_hex(b"bbX"), m.id)
        );
        assert_eq!(r.problems[2], format!("{}: missing (used by {}: a)", blob_a.display(), m.id));
        assert!(r.problems[3].starts_with(&format!("{}: ", fx.sd.ledger_path().display())), "{}", r.problems[3]);
        assert!(r.problems[4].starts_with(&format!("{}:2: ", fx.sd.journal_path().display())), "{}", r.problems[4]);
    }
}
