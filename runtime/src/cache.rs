//! The on-disk cache of compiled components.
//!
//! An entry is keyed by the component's SHA-256 and a hash of the engine's configuration, and
//! holds a 64-bit checksum of the compiled code followed by that code. The checksum is checked
//! before Wasmtime sees the bytes, so a truncated or corrupted file is ignored (and replaced),
//! never deserialized. (It guards against accidents, not against someone who can write to the
//! cache folder: they could as well replace compose itself.)
//!
//! Hashing an 18 MB Python component at every start would cost more than the rest of the
//! start, so a second index maps a file's identity (path, size, modification time, inode) to
//! its content key: an unchanged file is not even read.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;

/// Where a component's compiled code lives in `dir`.
pub fn entry_path(dir: &Path, engine: &Engine, component: &[u8]) -> PathBuf {
    let mut engine_hash = std::collections::hash_map::DefaultHasher::new();
    engine
        .precompile_compatibility_hash()
        .hash(&mut engine_hash);
    let key = Sha256::new()
        .chain_update(component)
        .chain_update(engine_hash.finish().to_le_bytes())
        .chain_update(env!("CARGO_PKG_VERSION"))
        .finalize();
    dir.join(format!("{}.cwasm", hex::encode(key)))
}

/// Where the content key of the file at `file` is remembered, if the file can be identified.
pub fn index_path(dir: &Path, file: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(file).ok()?;
    let canonical = std::fs::canonicalize(file).ok()?;
    let id = Sha256::new()
        .chain_update(canonical.as_os_str().as_encoded_bytes())
        .chain_update(meta.len().to_le_bytes())
        .chain_update(meta.mtime().to_le_bytes())
        .chain_update(meta.mtime_nsec().to_le_bytes())
        .chain_update(meta.ino().to_le_bytes())
        .finalize();
    Some(dir.join("index").join(hex::encode(id)))
}

/// The compiled code stored at `path`, if the entry is present and intact.
pub fn read(path: &Path) -> Option<Vec<u8>> {
    let data = std::fs::read(path).ok()?;
    if data.len() < 8 {
        return None;
    }
    let (sum, code) = data.split_at(8);
    (checksum(code).to_le_bytes() == sum).then(|| code.to_vec())
}

/// Stores compiled code at `path` atomically; failures only cost a recompile next time.
pub fn write(path: &Path, code: &[u8]) {
    write_file(path, &[&checksum(code).to_le_bytes(), code]);
}

/// Writes `parts` to `path` through a temporary file and a rename; errors are ignored (a
/// cache that cannot be written is only slower).
pub fn write_file(path: &Path, parts: &[&[u8]]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    if parts.iter().all(|p| tmp.write_all(p).is_ok()) {
        let _ = tmp.persist(path);
    }
}

fn checksum(code: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(code);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intact_entries_read_back_and_damaged_ones_do_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.cwasm");
        write(&path, b"compiled code");
        assert_eq!(read(&path).unwrap(), b"compiled code");
        let mut data = std::fs::read(&path).unwrap();
        let last = data.len() - 1;
        data[last] ^= 1;
        std::fs::write(&path, &data).unwrap();
        assert!(read(&path).is_none());
        std::fs::write(&path, b"short").unwrap();
        assert!(read(&path).is_none());
    }
}
