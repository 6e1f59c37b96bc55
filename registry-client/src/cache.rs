//! Blobs by digest under `<root>/blobs/sha256/<hex>`, and the manifest digest last seen for
//! each tag under `<root>/refs/`. Every blob is verified before it is stored and when it is
//! read; files are written to a temporary name and renamed, so two `compose` processes filling
//! the cache at once, or one interrupted, never leave a partial file under a digest's name.

use std::path::{Path, PathBuf};

use crate::{Digest, Reference, RegistryError};

/// The local cache of a registry client.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    /// A cache in `root` (created when first written).
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Cache { root: root.into() }
    }

    /// Where the blob `digest` is (or would be) stored.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs").join("sha256").join(digest.hex())
    }

    /// Whether a blob is stored as `digest` (without reading it).
    pub fn contains(&self, digest: &Digest) -> bool {
        self.blob_path(digest).is_file()
    }

    /// The blob, when cached and intact. A damaged one is removed.
    pub fn get(&self, digest: &Digest) -> Option<Vec<u8>> {
        let path = self.blob_path(digest);
        let bytes = std::fs::read(&path).ok()?;
        if digest.verify(&bytes, "cached blob").is_err() {
            let _ = std::fs::remove_file(&path);
            return None;
        }
        Some(bytes)
    }

    /// Stores `bytes` as `digest`, after checking they match; returns the file.
    pub fn put(&self, digest: &Digest, bytes: &[u8], what: &str) -> Result<PathBuf, RegistryError> {
        digest.verify(bytes, what)?;
        let path = self.blob_path(digest);
        write_atomic(&path, bytes)?;
        Ok(path)
    }

    /// The manifest digest recorded for `reference`'s tag.
    pub fn tag(&self, reference: &Reference) -> Option<Digest> {
        let text = std::fs::read_to_string(self.tag_path(reference)?).ok()?;
        Digest::parse(text.trim()).ok()
    }

    /// Records that `reference`'s tag points at manifest `digest`.
    pub fn set_tag(&self, reference: &Reference, digest: &Digest) -> Result<(), RegistryError> {
        match self.tag_path(reference) {
            Some(path) => write_atomic(&path, digest.as_str().as_bytes()),
            None => Ok(()),
        }
    }

    fn tag_path(&self, reference: &Reference) -> Option<PathBuf> {
        let tag = reference.tag.as_deref()?;
        let registry = reference.registry.replace([':', '[', ']'], "_");
        Some(
            self.root
                .join("refs")
                .join(registry)
                .join(&reference.repository)
                .join(tag),
        )
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it into place.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RegistryError> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| RegistryError::io(format!("create `{}`", dir.display()), e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| RegistryError::io(format!("write in `{}`", dir.display()), e))?;
    tmp.write_all(bytes)
        .and_then(|_| tmp.as_file().sync_all())
        .map_err(|e| RegistryError::io(format!("write `{}`", path.display()), e))?;
    tmp.persist(path)
        .map_err(|e| RegistryError::io(format!("write `{}`", path.display()), e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_verified_in_and_out() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let d = Digest::of(b"component");
        assert!(cache.put(&d, b"tampered", "layer").is_err());
        assert!(!cache.blob_path(&d).exists());
        cache.put(&d, b"component", "layer").unwrap();
        assert_eq!(cache.get(&d).unwrap(), b"component");
        // Damage on disk is noticed and the file dropped.
        std::fs::write(cache.blob_path(&d), b"compo").unwrap();
        assert!(cache.get(&d).is_none());
        assert!(!cache.blob_path(&d).exists());
    }

    #[test]
    fn concurrent_writers_leave_one_whole_blob() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = vec![7u8; 1 << 20];
        let d = Digest::of(&bytes);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| Cache::new(dir.path()).put(&d, &bytes, "blob").unwrap());
            }
        });
        assert_eq!(Cache::new(dir.path()).get(&d).unwrap(), bytes);
        let leftovers = std::fs::read_dir(dir.path().join("blobs/sha256"))
            .unwrap()
            .count();
        assert_eq!(leftovers, 1);
    }

    #[test]
    fn tags_point_at_manifests() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path());
        let r = Reference::parse("127.0.0.1:5000/demo/codec:0.1.0").unwrap();
        assert!(cache.tag(&r).is_none());
        let d = Digest::of(b"manifest");
        cache.set_tag(&r, &d).unwrap();
        assert_eq!(cache.tag(&r), Some(d));
    }
}
