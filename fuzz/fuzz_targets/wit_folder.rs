//! Any bytes as a WIT folder (split at NUL into a main file and files of `deps/`): a
//! resolved package or an error, never a panic or a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

/// compose turns panics of its isolated threads (WIT parsing among them) into errors; only a
/// panic elsewhere is a finding. libFuzzer's own hook would abort on any.
fn keep_isolated_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let fuzzer = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let isolated = std::thread::current()
                .name()
                .is_some_and(|n| ["wit", "bindings", "contract"].contains(&n));
            if !isolated {
                fuzzer(info);
            }
        }));
    });
}

fuzz_target!(|data: &[u8]| {
    keep_isolated_panics();
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
