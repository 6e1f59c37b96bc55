//! Any text as a `compose test` file: its cases and stubs checked (TOML, WAVE calls and
//! values), or an error, never a panic or a crash.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = compose_project::ops::read_test_file(std::path::Path::new("tests/t.toml"), text);
});
