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
    // Temporary files are private; what compose writes is as readable as any other file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = tmp
            .as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644));
    }
    tmp.persist(path)
        .map_err(|e| ProjectError::io(format!("rename into `{}`", path.display()), e.error))?;
    Ok(())
}

/// Feeds a component's source files (see [`compose_toolchains::source_files`]) into
/// `hasher`: each relative path, its length and its contents. A single file is hashed alone.
pub fn hash_tree(dir: &Path, hasher: &mut Sha256) -> Result<(), ProjectError> {
    let read_err = |path: &Path, e| ProjectError::io(format!("read `{}`", path.display()), e);
    if dir.is_file() {
        hasher.update(std::fs::read(dir).map_err(|e| read_err(dir, e))?);
        return Ok(());
    }
    for rel in compose_toolchains::source_files(dir).map_err(|e| read_err(dir, e))? {
        let path = dir.join(&rel);
        let bytes = std::fs::read(&path).map_err(|e| read_err(&path, e))?;
        hasher.update(rel.to_string_lossy().as_bytes());
        hasher.update([0]);
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
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
