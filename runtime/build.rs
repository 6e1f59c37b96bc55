//! Embeds the WIT of the WASI packages this runtime provides (from the `wasmtime-wasi` crate
//! it is built with), so projects can name them (`export wasi:cli/run@0.2.12`) without
//! carrying a copy in their `wit/deps`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let deps = crate_dir("wasmtime-wasi")
        .join("src")
        .join("p2")
        .join("wit")
        .join("deps");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&deps)
        .expect("wasmtime-wasi ships its WIT")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wit"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no WIT under {}", deps.display());
    let mut code = String::from("/// The WASI packages the runtime provides: (file name, WIT).\npub const WASI_WIT: &[(&str, &str)] = &[\n");
    for f in &files {
        code.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            f.file_name().unwrap().to_string_lossy(),
            f.display().to_string()
        ));
    }
    code.push_str("];\n");
    std::fs::write(out.join("wasi_wit.rs"), code).expect("write wasi_wit.rs");
    println!("cargo:rerun-if-changed=build.rs");
}

/// The folder of a dependency, from `cargo metadata` (offline: cargo has it, it builds it).
fn crate_dir(name: &str) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("Cargo.toml");
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
        .unwrap()
        .to_path_buf()
}
