//! The on-disk cache of compiled components, in compose's home.
//!
//! An entry is the code Wasmtime compiled (`<key>.cwasm`, loaded by mapping it into memory,
//! never read through) and a small record beside it (`<key>.meta`): compose's version, the
//! engine's compatibility hash, the code's size, and the file's inode and modification time
//! when it was written. An entry is used only if all of them still hold, so a truncated,
//! rewritten or foreign file (another entry copied over this one) is recompiled, never run;
//! Wasmtime checks the code's own header as well. The cache is the user's own, like the
//! `compose` binary beside it: someone who can write there can replace compose itself, so
//! the check guards against accidents, not against that user.
//!
//! Finding the key of an 18 MB component by hashing it at every start would cost more than
//! the rest of the start, so an index maps a file's identity (path, size, modification time,
//! inode) to its key: an unchanged file is not even read.
//!
//! The cache is bounded: after each write, least recently used entries are removed until it
//! holds at most [`DEFAULT_MAX_BYTES`] (or `COMPOSE_CACHE_MAX`), and temporary files that
//! a killed process left behind are removed once they are an hour old.

use std::hash::Hasher;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::Engine;

/// The cache's default size bound.
pub const DEFAULT_MAX_BYTES: u64 = 4 << 30;

/// The environment variable that sets the bound (a size, e.g. `2GiB`).
pub const MAX_ENV: &str = "COMPOSE_CACHE_MAX";

/// The compiled-code cache of one engine configuration.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    /// The engine's compatibility hash, in hex.
    engine: String,
}

/// What an entry's record says.
#[derive(Debug, PartialEq, Eq)]
struct Record {
    version: String,
    engine: String,
    size: u64,
    inode: u64,
    mtime_ns: i128,
}

impl Record {
    fn parse(text: &str) -> Option<Self> {
        let mut fields = text.lines();
        let mut next = || fields.next().map(str::to_string);
        Some(Self {
            version: next()?,
            engine: next()?,
            size: next()?.parse().ok()?,
            inode: next()?.parse().ok()?,
            mtime_ns: next()?.parse().ok()?,
        })
    }

    fn text(&self) -> String {
        format!(
            "{}\n{}\n{}\n{}\n{}\n",
            self.version, self.engine, self.size, self.inode, self.mtime_ns
        )
    }

    fn of_file(version: &str, engine: &str, meta: &std::fs::Metadata) -> Self {
        Self {
            version: version.to_string(),
            engine: engine.to_string(),
            size: meta.len(),
            inode: meta.ino(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        }
    }
}

/// Feeds `Hash` output into SHA-256: a digest that, unlike `DefaultHasher`, is the same in
/// every build of compose.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn finish(&self) -> u64 {
        let digest = self.0.clone().finalize();
        u64::from_le_bytes(digest[..8].try_into().unwrap_or_default())
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }
}

const VERSION: &str = env!("CARGO_PKG_VERSION");

impl Cache {
    /// The cache in `dir` for `engine`.
    pub fn new(dir: PathBuf, engine: &Engine) -> Self {
        let mut hasher = ShaHasher(Sha256::new());
        std::hash::Hash::hash(&engine.precompile_compatibility_hash(), &mut hasher);
        Self {
            dir,
            engine: hex::encode(hasher.0.finalize()),
        }
    }

    /// The cache in `dir`, for cleaning and collecting (entries of any engine).
    pub fn folder(dir: PathBuf) -> Self {
        Self {
            dir,
            engine: String::new(),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of a component's bytes: its digest with the engine's and compose's version.
    pub fn key(&self, component: &[u8]) -> String {
        hex::encode(
            Sha256::new()
                .chain_update(component)
                .chain_update(&self.engine)
                .chain_update(VERSION)
                .finalize(),
        )
    }

    fn code_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.cwasm"))
    }

    fn record_path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.meta"))
    }

    /// The key last recorded for the file at `file`, if the file is unchanged since.
    pub fn key_of_file(&self, file: &Path) -> Option<String> {
        let key = std::fs::read_to_string(self.index_path(file)?).ok()?;
        let key = key.trim();
        (key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit())).then(|| key.to_string())
    }

    /// Remembers that the file at `file`, as it is now, has `key`.
    pub fn remember_file(&self, file: &Path, key: &str) {
        if let Some(index) = self.index_path(file) {
            let _ = std::fs::create_dir_all(self.dir.join("index"));
            let _ = compose_fs::write_atomic(&index, key.as_bytes());
        }
    }

    fn index_path(&self, file: &Path) -> Option<PathBuf> {
        let meta = std::fs::metadata(file).ok()?;
        let canonical = std::fs::canonicalize(file).ok()?;
        let id = Sha256::new()
            .chain_update(canonical.as_os_str().as_encoded_bytes())
            .chain_update(meta.len().to_le_bytes())
            .chain_update(meta.mtime().to_le_bytes())
            .chain_update(meta.mtime_nsec().to_le_bytes())
            .chain_update(meta.ino().to_le_bytes())
            .finalize();
        Some(self.dir.join("index").join(hex::encode(id)))
    }

    /// The compiled component of `key`, if its entry is present and its record holds.
    pub fn load(&self, engine: &Engine, key: &str) -> Option<Component> {
        let code = self.code_path(key);
        let record = Record::parse(&std::fs::read_to_string(self.record_path(key)).ok()?)?;
        let meta = std::fs::metadata(&code).ok()?;
        if record != Record::of_file(VERSION, &self.engine, &meta) || !meta.is_file() {
            return None;
        }
        deserialize(engine, &code)
    }

    /// Stores compiled code under `key`; false when the cache cannot be written (which
    /// only costs a compile next time).
    pub fn store(&self, key: &str, code: &[u8]) -> bool {
        let stored = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(&self.dir)?;
            let path = self.code_path(key);
            compose_fs::write_atomic(&path, code)?;
            let record = Record::of_file(VERSION, &self.engine, &std::fs::metadata(&path)?);
            compose_fs::write_atomic(&self.record_path(key), record.text().as_bytes())
        })();
        if stored.is_ok() {
            self.collect_garbage(max_bytes());
        }
        stored.is_ok()
    }

    /// Whether a new entry could be written (the folder exists or can be made, and takes
    /// files).
    pub fn writable(&self) -> bool {
        std::fs::create_dir_all(&self.dir).is_ok()
            && tempfile::Builder::new()
                .prefix(".compose-tmp-")
                .tempfile_in(&self.dir)
                .is_ok()
    }

    /// Removes temporary files older than an hour, then least recently used entries until
    /// the cache holds at most `max` bytes. Returns (entries removed, bytes freed).
    pub fn collect_garbage(&self, max: u64) -> (usize, u64) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return (0, 0);
        };
        let now = SystemTime::now();
        let mut codes = Vec::new();
        let (mut removed, mut freed) = (0, 0);
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".compose-tmp-") || name.starts_with(".tmp") {
                let age = meta
                    .modified()
                    .ok()
                    .and_then(|m| now.duration_since(m).ok())
                    .unwrap_or_default();
                if age > Duration::from_secs(3600) && std::fs::remove_file(&path).is_ok() {
                    freed += meta.len();
                }
            } else if name.ends_with(".cwasm") {
                // Last use: the access time where the file system keeps it, else the write.
                let used = meta.accessed().or_else(|_| meta.modified()).unwrap_or(now);
                codes.push((used, meta.len(), path));
            }
        }
        let mut total: u64 = codes.iter().map(|(_, size, _)| size).sum();
        codes.sort();
        for (_, size, path) in codes {
            if total <= max {
                break;
            }
            let _ = std::fs::remove_file(path.with_extension("meta"));
            if std::fs::remove_file(&path).is_ok() {
                total -= size;
                freed += size;
                removed += 1;
            }
        }
        (removed, freed)
    }

    /// Removes every entry and the index; returns the bytes freed.
    pub fn clean(&self) -> std::io::Result<u64> {
        let mut freed = 0;
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Ok(0);
        };
        for entry in entries.flatten() {
            let meta = entry.metadata()?;
            if meta.is_dir() {
                std::fs::remove_dir_all(entry.path())?;
            } else {
                freed += meta.len();
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(freed)
    }

    /// The bytes the cache holds.
    pub fn size(&self) -> u64 {
        std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum()
    }
}

/// The cache's bound: `COMPOSE_CACHE_MAX`, else [`DEFAULT_MAX_BYTES`].
pub fn max_bytes() -> u64 {
    std::env::var(MAX_ENV)
        .ok()
        .and_then(|v| crate::parse_size(&v).ok())
        .unwrap_or(DEFAULT_MAX_BYTES)
}

/// Maps compiled code into memory.
#[allow(unsafe_code)]
fn deserialize(engine: &Engine, code: &Path) -> Option<Component> {
    // SAFETY: the file was written by `Cache::store` with code from
    // `Engine::precompile_component` of an engine with the same compatibility hash (checked
    // against its record, with its size, inode and modification time, just before), and
    // Wasmtime checks the code's header again.
    unsafe { Component::deserialize_file(engine, code) }.ok()
}

/// Turns code this engine just compiled into a component.
#[allow(unsafe_code)]
pub fn from_fresh_code(engine: &Engine, code: &[u8]) -> wasmtime::Result<Component> {
    // SAFETY: `code` was produced by `precompile_component` of this very engine.
    unsafe { Component::deserialize(engine, code) }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPONENT: &str = r#"(component
        (core module $m (func (export "f") (result i32) i32.const 7))
        (core instance $i (instantiate $m))
        (func (export "f") (result u32) (canon lift (core func $i "f"))))"#;

    fn compiled() -> (Engine, Vec<u8>, Vec<u8>) {
        let engine = Engine::default();
        let bytes = wat::parse_str(COMPONENT).unwrap();
        let code = engine.precompile_component(&bytes).unwrap();
        (engine, bytes, code)
    }

    #[test]
    fn entries_load_until_damaged_or_replaced() {
        let (engine, bytes, code) = compiled();
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().to_path_buf(), &engine);
        let key = cache.key(&bytes);
        assert!(cache.load(&engine, &key).is_none());
        assert!(cache.store(&key, &code));
        assert!(cache.load(&engine, &key).is_some());

        // Truncated: its size no longer matches its record.
        let path = cache.code_path(&key);
        std::fs::write(&path, &code[..code.len() / 2]).unwrap();
        assert!(cache.load(&engine, &key).is_none());

        // Another entry copied over this one: another inode and time.
        assert!(cache.store(&key, &code));
        let other = cache.key(b"another component");
        assert!(cache.store(&other, &code));
        std::fs::copy(cache.code_path(&other), &path).unwrap();
        assert!(cache.load(&engine, &key).is_none());

        // Written by another engine configuration: its record names another engine.
        assert!(cache.store(&key, &code));
        let record = std::fs::read_to_string(cache.record_path(&key)).unwrap();
        let foreign = record.replacen(&cache.engine, &"0".repeat(64), 1);
        std::fs::write(cache.record_path(&key), foreign).unwrap();
        assert!(cache.load(&engine, &key).is_none());
    }

    #[test]
    fn garbage_is_collected_oldest_first_with_abandoned_temp_files() {
        let (engine, _, code) = compiled();
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().to_path_buf(), &engine);
        for i in 0..3 {
            assert!(cache.store(&format!("{i:064}"), &code));
            std::thread::sleep(Duration::from_millis(20));
        }
        let stale = dir.path().join(".compose-tmp-abandoned");
        std::fs::write(&stale, b"half").unwrap();
        let old = SystemTime::now() - Duration::from_secs(7200);
        std::fs::File::options()
            .write(true)
            .open(&stale)
            .unwrap()
            .set_modified(old)
            .unwrap();
        let (removed, _) = cache.collect_garbage(code.len() as u64 + 1);
        assert_eq!(removed, 2);
        assert!(!stale.exists());
        assert!(cache.load(&engine, &format!("{:064}", 2)).is_some());
        assert!(cache.clean().unwrap() > 0);
        assert_eq!(cache.size(), 0);
    }
}
