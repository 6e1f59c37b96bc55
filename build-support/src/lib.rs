//! For build scripts that embed files a dependency publishes in its crate (the Go support
//! module of `wit-bindgen-go`, the WASI WIT of `wasmtime-wasi`): where that crate's sources
//! are, and Rust code that `include_str!`s a list of files.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The folder of dependency `name`, from `cargo metadata` (offline, for the build's target:
/// cargo has downloaded it, since it is building it).
pub fn crate_dir(name: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest =
        Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("Cargo.toml");
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--offline",
            "--filter-platform",
        ])
        .arg(&target)
        .arg("--manifest-path")
        .arg(&manifest)
        .output()
        .expect("run cargo metadata");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata JSON");
    let pkg = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} is a dependency"));
    Path::new(pkg["manifest_path"].as_str().expect("manifest_path"))
        .parent()
        .expect("a manifest has a folder")
        .to_path_buf()
}

/// Writes `$OUT_DIR/{out_file}` declaring `pub const {name}: &[(&str, &str)]`: each of
/// `files` (relative to `root`) with its contents, embedded by `include_str!`.
pub fn write_embedded(out_file: &str, name: &str, doc: &str, root: &Path, files: &[PathBuf]) {
    let mut code = format!("/// {doc}\npub const {name}: &[(&str, &str)] = &[\n");
    for rel in files {
        code.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            rel.to_string_lossy().replace('\\', "/"),
            root.join(rel).display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join(out_file), code).expect("write the embedded list");
}
