//! Any text as compose.toml: a manifest or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let dir = std::env::temp_dir().join("compose-fuzz-manifest");
    let _ = std::fs::create_dir_all(dir.join("wit"));
    let path = dir.join("compose.toml");
    if let Ok(manifest) = compose_project::Manifest::parse(&path, text.to_string()) {
        // What a loaded manifest answers must not panic either.
        let _ = manifest.root();
        let _ = manifest.out_dir();
    }
});
