//! File helpers: atomic writes and content hashes of source trees.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::ProjectError;

/// Writes `bytes` to `path` through a temporary file in the same folder and a rename, so
/// an interrupted write never leaves a half-written file under the final name.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ProjectError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| ProjectError::io(format!("create `{}`", dir.display()), e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| ProjectError::io(format!("create a file in `{}`", dir.display()), e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| ProjectError::io(format!("write `{}`", path.display()), e))?;
    tmp.persist(path)
        .map_err(|e| ProjectError::io(format!("rename into `{}`", path.display()), e.error))?;
    Ok(())
}

/// Feeds every file under `dir` (sorted, skipping `target/` and hidden entries) into `hasher`:
/// its relative path, then its contents. A single file is hashed alone.
pub fn hash_tree(dir: &Path, hasher: &mut Sha256) -> Result<(), ProjectError> {
    if dir.is_file() {
        let bytes = std::fs::read(dir)
            .map_err(|e| ProjectError::io(format!("read `{}`", dir.display()), e))?;
        hasher.update(&bytes);
        return Ok(());
    }
    let mut files = Vec::new();
    collect(dir, dir, &mut files)?;
    files.sort();
    for rel in files {
        let bytes = std::fs::read(dir.join(&rel))
            .map_err(|e| ProjectError::io(format!("read `{}`", dir.join(&rel).display()), e))?;
        hasher.update(rel.as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(())
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) -> Result<(), ProjectError> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ProjectError::io(format!("read `{}`", dir.display()), e))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || name == "target" {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else {
            out.push(
                path.strip_prefix(root)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(dir: &Path) -> Vec<u8> {
        let mut h = Sha256::new();
        hash_tree(dir, &mut h).unwrap();
        h.finalize().to_vec()
    }

    #[test]
    fn hash_changes_with_content_not_with_target() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::write(tmp.path().join("a.go"), "package a").unwrap();
        let first = digest(tmp.path());
        std::fs::create_dir(tmp.path().join("target")).unwrap();
        std::fs::write(tmp.path().join("target/x"), "junk").unwrap();
        assert_eq!(digest(tmp.path()), first);
        std::fs::write(tmp.path().join("a.go"), "package b").unwrap();
        assert_ne!(digest(tmp.path()), first);
    }

    #[test]
    fn atomic_write_replaces_whole_file() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("out/x.wasm");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(
            std::fs::read_dir(tmp.path().join("out")).unwrap().count(),
            1
        );
    }
}
