//! When a build step can be skipped: cargo-like fingerprints. A step's fingerprint is a key
//! (everything that is not a file: the toolchain, the recipe, the world, the profile) and the
//! files it read, each with its size, modification time, inode and SHA-256. Checking one
//! re-reads only the files whose metadata changed; an unchanged project is decided from
//! metadata alone. The file list is the source tree as it is now plus what the compiler
//! reported the last build read, so a new file in the tree, a changed header in a parent
//! folder or a `replace`d Go module each make the step run again.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A step's inputs, as they were when it last ran (or are now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// What is not a file.
    pub key: String,
    /// The files, sorted by path.
    pub files: Vec<FileState>,
    /// Which of them came from a compiler's report (outside the trees walked), to be read
    /// again next time.
    #[serde(default)]
    pub reported: Vec<PathBuf>,
}

/// One input file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileState {
    pub path: PathBuf,
    /// `None` for a file that is gone (a reported input deleted since).
    pub sha256: Option<String>,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    mtime_ns: i128,
    #[serde(default)]
    inode: u64,
}

impl Fingerprint {
    /// The fingerprint of `key` and the files: every source file of each of `trees` (a
    /// folder, or a single file), and `reported`. Hashes are taken from `previous` for
    /// files whose metadata did not change.
    pub fn compute(
        key: String,
        trees: &[&Path],
        reported: &[PathBuf],
        previous: Option<&Fingerprint>,
    ) -> std::io::Result<Self> {
        let mut paths: Vec<PathBuf> = Vec::new();
        for tree in trees {
            if tree.is_file() {
                paths.push(tree.to_path_buf());
            } else {
                paths.extend(
                    compose_fs::source_files(tree)?
                        .into_iter()
                        .map(|rel| tree.join(rel)),
                );
            }
        }
        paths.extend(reported.iter().cloned());
        paths.sort();
        paths.dedup();
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            files.push(FileState::of(path, previous)?);
        }
        Ok(Self {
            key,
            files,
            reported: reported.to_vec(),
        })
    }

    /// Reads a stored fingerprint (`None` if missing or unreadable).
    pub fn read(path: &Path) -> Option<Self> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }

    /// The fingerprint as stored.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }

    /// A digest of the key and every file's contents: what a later step (the link) keys on.
    pub fn digest(&self) -> String {
        let mut h = Sha256::new();
        h.update(&self.key);
        for f in &self.files {
            h.update(f.path.as_os_str().as_encoded_bytes());
            h.update([0]);
            h.update(f.sha256.as_deref().unwrap_or("-"));
        }
        hex::encode(h.finalize())
    }

    /// Whether `other` has the same key and the same files with the same contents.
    pub fn same_inputs(&self, other: &Fingerprint) -> bool {
        self.key == other.key
            && self.files.len() == other.files.len()
            && self
                .files
                .iter()
                .zip(&other.files)
                .all(|(a, b)| a.path == b.path && a.sha256 == b.sha256)
    }
}

impl FileState {
    fn of(path: PathBuf, previous: Option<&Fingerprint>) -> std::io::Result<Self> {
        let meta = match std::fs::metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Self {
                    path,
                    sha256: None,
                    size: 0,
                    mtime_ns: 0,
                    inode: 0,
                })
            }
            Err(e) => return Err(e),
        };
        let mtime_ns = i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec());
        let known = previous.and_then(|p| {
            p.files
                .binary_search_by(|f| f.path.cmp(&path))
                .ok()
                .map(|i| &p.files[i])
        });
        let sha256 = match known {
            Some(k)
                if k.size == meta.len()
                    && k.mtime_ns == mtime_ns
                    && k.inode == meta.ino()
                    && k.sha256.is_some() =>
            {
                k.sha256.clone()
            }
            _ => Some(hash_file(&path)?),
        };
        Ok(Self {
            path,
            sha256,
            size: meta.len(),
            mtime_ns,
            inode: meta.ino(),
        })
    }
}

fn hash_file(path: &Path) -> std::io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut h = Sha256::new();
    std::io::copy(&mut file, &mut h)?;
    Ok(hex::encode(h.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_decides_and_content_confirms() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        std::fs::create_dir_all(&src).unwrap();
        std::fs::write(src.join("a.c"), "int a;").unwrap();
        let header = tmp.path().join("shared.h");
        std::fs::write(&header, "#define X 1").unwrap();
        let reported = vec![header.clone()];
        let first = Fingerprint::compute("k".into(), &[&src], &reported, None).unwrap();
        let again = Fingerprint::compute("k".into(), &[&src], &reported, Some(&first)).unwrap();
        assert!(first.same_inputs(&again));
        assert!(!first.same_inputs(
            &Fingerprint::compute("other".into(), &[&src], &reported, Some(&first)).unwrap()
        ));
        // A reported input outside the tree changes.
        std::fs::write(&header, "#define X 2").unwrap();
        let changed = Fingerprint::compute("k".into(), &[&src], &reported, Some(&first)).unwrap();
        assert!(!first.same_inputs(&changed));
        // A new file in the tree.
        std::fs::write(src.join("b.c"), "int b;").unwrap();
        let added = Fingerprint::compute("k".into(), &[&src], &reported, Some(&changed)).unwrap();
        assert!(!changed.same_inputs(&added));
        // Touched but unchanged: the hash is taken again and agrees.
        let round = Fingerprint::read_back(&added);
        assert!(added.same_inputs(&round));
    }

    impl Fingerprint {
        fn read_back(&self) -> Self {
            serde_json::from_slice(&self.to_bytes()).unwrap()
        }
    }
}
