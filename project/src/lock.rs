//! `compose.lock`: the exact registry artifacts a project was built with. `compose build`
//! uses what it pins; `--locked` refuses to change it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::fsutil::write_atomic;
use crate::ProjectError;

/// The lock file's name, beside compose.toml.
pub const LOCK_FILE: &str = "compose.lock";

/// The lock file's contents.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// The format's version.
    pub version: u32,
    /// One entry per registry artifact, sorted.
    #[serde(default, rename = "package")]
    pub packages: Vec<Locked>,
}

/// One pinned artifact.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locked {
    /// `wit` (a WIT package in wit/deps) or `component`.
    pub kind: String,
    /// For a component, its name in compose.toml; for WIT, the package (`ns:name@version`).
    pub name: String,
    /// What compose.toml or the WIT asked for (`demo:codec@0.1`).
    pub requested: String,
    /// The version chosen.
    pub version: String,
    /// Where it was pulled from, by tag.
    pub reference: String,
    /// The manifest's digest: what is pulled on every build.
    pub digest: String,
}

impl Lock {
    /// Reads `dir/compose.lock`; none is an empty lock.
    pub fn read(dir: &Path) -> Result<Self, ProjectError> {
        let path = dir.join(LOCK_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Lock::default()),
            Err(e) => return Err(ProjectError::io(format!("read `{}`", path.display()), e)),
        };
        toml::from_str(&text).map_err(|e| ProjectError::New {
            message: format!(
                "`{}` is not a valid lock file: {}",
                path.display(),
                e.message()
            ),
            help: "delete it and run `compose build` to write it again".into(),
        })
    }

    /// The entry for (`kind`, `name`) that still answers `requested`.
    pub fn find(&self, kind: &str, name: &str, requested: &str) -> Option<&Locked> {
        self.packages
            .iter()
            .find(|p| p.kind == kind && p.name == name && p.requested == requested)
    }

    /// Writes `dir/compose.lock` (atomically), unless it is already so.
    pub fn write(&self, dir: &Path) -> Result<(), ProjectError> {
        let mut sorted = self.clone();
        sorted.version = 1;
        sorted.packages.sort();
        if Lock::read(dir).ok().as_ref() == Some(&sorted) {
            return Ok(());
        }
        let body = toml::to_string(&sorted).expect("a lock serializes");
        let text = format!("# Written by compose: the registry artifacts this project is built with. Commit it.\n{body}");
        write_atomic(&dir.join(LOCK_FILE), text.as_bytes())
    }

    /// What differs from `other`, one line per entry, for `--locked`'s error.
    pub fn changes_from(&self, other: &Lock) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.packages {
            if !other.packages.contains(p) {
                out.push(format!(
                    "  + {} {} = {} ({})",
                    p.kind, p.name, p.version, p.digest
                ));
            }
        }
        for p in &other.packages {
            if !self.packages.contains(p) {
                out.push(format!(
                    "  - {} {} = {} ({})",
                    p.kind, p.name, p.version, p.digest
                ));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: &str) -> Locked {
        Locked {
            kind: "component".into(),
            name: "codec".into(),
            requested: "demo:rle@0.1".into(),
            version: version.into(),
            reference: format!("127.0.0.1:5000/demo/rle:{version}"),
            digest: format!("sha256:{}", "0".repeat(64)),
        }
    }

    #[test]
    fn locks_round_trip_and_say_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Lock::read(dir.path()).unwrap(), Lock::default());
        let lock = Lock {
            version: 1,
            packages: vec![entry("0.1.0")],
        };
        lock.write(dir.path()).unwrap();
        assert_eq!(Lock::read(dir.path()).unwrap(), lock);
        assert!(lock.find("component", "codec", "demo:rle@0.1").is_some());
        assert!(lock.find("component", "codec", "demo:rle@0.2").is_none());
        let newer = Lock {
            version: 1,
            packages: vec![entry("0.1.1")],
        };
        let changes = newer.changes_from(&lock);
        assert_eq!(changes.len(), 2, "{changes:?}");
        assert!(changes[0].starts_with("  + component codec = 0.1.1"));
        std::fs::write(dir.path().join(LOCK_FILE), "nonsense = [").unwrap();
        assert!(Lock::read(dir.path()).is_err());
    }
}
