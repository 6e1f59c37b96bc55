//! The on-disk cache of compiled components.
//!
//! An entry is keyed by the component's SHA-256 and a hash of the engine's configuration, and
//! holds the SHA-256 of the compiled code followed by that code. The digest is checked before
//! Wasmtime sees the bytes, so a truncated, corrupted or foreign file is ignored (and
//! replaced), never deserialized.

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

/// The compiled code stored at `path`, if the entry is present and intact.
pub fn read(path: &Path) -> Option<Vec<u8>> {
    let data = std::fs::read(path).ok()?;
    if data.len() < 32 {
        return None;
    }
    let (digest, code) = data.split_at(32);
    (Sha256::digest(code).as_slice() == digest).then(|| code.to_vec())
}

/// Stores compiled code at `path` atomically; failures only cost a recompile next time.
pub fn write(path: &Path, code: &[u8]) {
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else {
        return;
    };
    let ok = tmp.write_all(&Sha256::digest(code)).is_ok() && tmp.write_all(code).is_ok();
    if ok {
        let _ = tmp.persist(path);
    }
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
