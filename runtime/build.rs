//! Embeds the WIT of the WASI packages this runtime provides (from the `wasmtime-wasi-http`
//! crate it is built with: WASI's packages and `wasi:http`, one version), so projects can name
//! them (`export wasi:cli/run@0.2.12`, `export wasi:http/incoming-handler@0.2.12`) without
//! carrying a copy in their `wit/deps`.

use std::path::PathBuf;

fn main() {
    let deps = compose_build_support::crate_dir("wasmtime-wasi-http")
        .join("wit")
        .join("deps");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&deps)
        .expect("wasmtime-wasi-http ships its WIT")
        .flatten()
        .map(|e| PathBuf::from(e.file_name()))
        .filter(|p| p.extension().is_some_and(|e| e == "wit"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no WIT under {}", deps.display());
    // The HTTP crate carries its own copy of WASI's packages: they must be the ones the
    // runtime's WASI implements.
    let wasi = compose_build_support::crate_dir("wasmtime-wasi")
        .join("src")
        .join("p2")
        .join("wit")
        .join("deps");
    for file in &files {
        let ours = wasi.join(file);
        if ours.exists() {
            assert_eq!(
                std::fs::read_to_string(&ours).ok(),
                std::fs::read_to_string(deps.join(file)).ok(),
                "wasmtime-wasi and wasmtime-wasi-http disagree on {}",
                file.display()
            );
        }
    }
    compose_build_support::write_embedded(
        "wasi_wit.rs",
        "WASI_WIT",
        "The WASI 0.2 packages the runtime provides: (file name, WIT).",
        &deps,
        &files,
    );
    // WASI 0.3, which the HTTP crate serves (`wasi:http/handler`): its packages beside 0.2's.
    let p3 = compose_build_support::crate_dir("wasmtime-wasi-http")
        .join("src")
        .join("p3")
        .join("wit");
    let mut p3_files: Vec<PathBuf> = std::fs::read_dir(p3.join("deps"))
        .expect("wasmtime-wasi-http ships its WASI 0.3 WIT")
        .flatten()
        .map(|e| PathBuf::from("deps").join(e.file_name()))
        .filter(|p| p.extension().is_some_and(|e| e == "wit"))
        .collect();
    p3_files.sort();
    compose_build_support::write_embedded(
        "wasi_p3_wit.rs",
        "WASI_P3_WIT",
        "The WASI 0.3 packages the runtime provides: (file name, WIT).",
        &p3,
        &p3_files,
    );
    println!("cargo:rerun-if-changed=build.rs");
}
