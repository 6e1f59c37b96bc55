//! Helpers shared by the end-to-end tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository's root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A `compose` command.
pub fn compose() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_compose"));
    cmd.env_remove("RUST_BACKTRACE");
    // The Rust guests' proc macros (wit-bindgen's pulls in wasmparser and wit-component)
    // are built once per guest target folder; without debug info each folder is 170 MB
    // instead of 400 MB, which keeps the suite inside a CI machine's disk.
    cmd.env("CARGO_PROFILE_DEV_BUILD_OVERRIDE_DEBUG", "false");
    cmd
}

/// The cargo target folder for the Rust guests of the project in `dir`. Copies of the same
/// example share one, so their dependencies are compiled once; different projects never
/// share one, since two different crates of the same name (every template has an `app`)
/// would overwrite each other's artifact while both build.
pub fn guest_target(dir: &Path) -> PathBuf {
    let key = std::fs::read_to_string(dir.join(KEY_FILE))
        .ok()
        .or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "default".into());
    repo().join("target").join("e2e-guests").join(key.trim())
}

/// Names the source a copied project came from, for [`guest_target`].
const KEY_FILE: &str = ".e2e-source";

/// The result of a command, with both streams as text.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts success and returns self.
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(self.code, Some(0), "expected success\n{self}");
        self
    }

    /// Asserts a clean failure (compose's failure code, no panic) and returns self.
    #[track_caller]
    pub fn fails(self) -> Self {
        assert_eq!(
            self.code,
            Some(2),
            "expected compose's failure code 2\n{self}"
        );
        assert!(
            !self.stderr.contains("panicked"),
            "compose panicked\n{self}"
        );
        self
    }

    /// Asserts that stdout contains every one of `needles`.
    #[track_caller]
    pub fn stdout_has(self, needles: &[&str]) -> Self {
        for n in needles {
            assert!(self.stdout.contains(n), "stdout lacks {n:?}\n{self}");
        }
        self
    }

    /// Asserts that stderr contains every one of `needles`.
    #[track_caller]
    pub fn stderr_has(self, needles: &[&str]) -> Self {
        for n in needles {
            assert!(self.stderr.contains(n), "stderr lacks {n:?}\n{self}");
        }
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs a command to completion.
pub fn run(cmd: &mut Command) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().expect("start compose");
    Run {
        code: status.code(),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// A private copy of `examples/<name>` (without build outputs) in a temporary folder.
pub fn copy_example(name: &str) -> tempfile::TempDir {
    copy_project(
        &repo().join("examples").join(name),
        &format!("example-{name}"),
    )
}

/// A private copy of `tests/fixtures/<name>` (without build outputs).
pub fn copy_fixture(name: &str) -> tempfile::TempDir {
    copy_project(
        &repo().join("tests/fixtures").join(name),
        &format!("fixture-{name}"),
    )
}

fn copy_project(dir: &Path, key: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(dir, tmp.path());
    std::fs::write(tmp.path().join(KEY_FILE), key).unwrap();
    tmp
}

fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        if entry.file_name() == "target" {
            continue;
        }
        let to = dst.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), to).unwrap();
        }
    }
}

/// `compose <subcommand> --manifest-path <dir>/compose.toml <rest>`.
pub fn compose_in(dir: &Path, args: &[&str]) -> Run {
    let (subcommand, rest) = args.split_first().expect("a subcommand");
    let mut cmd = compose();
    cmd.env("CARGO_TARGET_DIR", guest_target(dir))
        .arg(subcommand)
        .arg("--manifest-path")
        .arg(dir.join("compose.toml"))
        .args(rest);
    run(&mut cmd)
}

/// Rewrites part of a file.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains(from),
        "{} does not contain {from:?}",
        path.display()
    );
    std::fs::write(path, text.replace(from, to)).unwrap();
}

/// Compares `actual` with the snapshot `case/expected.txt`, or rewrites the snapshot when
/// `COMPOSE_BLESS` is set. What differs, as a message naming the case.
pub fn check_snapshot(case: &Path, actual: &str) -> Option<String> {
    let expected_file = case.join("expected.txt");
    if std::env::var_os("COMPOSE_BLESS").is_some() {
        std::fs::write(&expected_file, actual).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(&expected_file).unwrap_or_default();
    (actual != expected).then(|| {
        format!(
            "{}\n--- expected\n{expected}--- actual\n{actual}",
            case.file_name().unwrap().to_string_lossy()
        )
    })
}
