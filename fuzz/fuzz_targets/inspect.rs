//! Any bytes as a `.wasm` for `compose inspect`: a description or an error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = compose_project::ops::inspect_bytes(bytes, "fuzz.wasm");
});
