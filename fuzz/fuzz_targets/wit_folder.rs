//! Any bytes as a WIT folder (split at NUL into a main file and files of `deps/`): a
//! resolved package or an error, never a panic or a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let wit = dir.path().join("wit");
    std::fs::create_dir_all(wit.join("deps")).unwrap();
    for (i, part) in data.split(|b| *b == 0).take(4).enumerate() {
        let path = match i {
            0 => wit.join("main.wit"),
            n => wit.join("deps").join(format!("dep{n}.wit")),
        };
        std::fs::write(path, part).unwrap();
    }
    if let Ok(loaded) = compose_wit::ProjectWit::load(&wit) {
        for world in loaded.world_names() {
            let _ = loaded.world(&world);
        }
    }
});
