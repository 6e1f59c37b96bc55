//! The one set of WebAssembly features compose accepts, everywhere: the world check, the link
//! validation and the runtime (which configures its engine to match). A component that uses
//! something outside it is refused at its first check, with the validator's words, instead of
//! passing one stage and failing the next.

use wasmparser::WasmFeatures;

/// What the embedded Wasmtime runs: the WebAssembly 3.0 core set without the proposals this
/// build of it leaves out (GC types, exceptions, threads), the component model, its map and
/// fixed-length-list types, and its async (async functions, streams, futures, error
/// contexts; not the stackful or threading additions).
pub fn features() -> WasmFeatures {
    (WasmFeatures::WASM3
        | WasmFeatures::WIDE_ARITHMETIC
        | WasmFeatures::COMPONENT_MODEL
        | WasmFeatures::CM_FIXED_LENGTH_LISTS
        | WasmFeatures::CM_MAP
        | WasmFeatures::CM_ASYNC
        | WasmFeatures::CM_ERROR_CONTEXT)
        & !(WasmFeatures::GC_TYPES
            | WasmFeatures::EXCEPTIONS
            | WasmFeatures::THREADS
            | WasmFeatures::CM_ASYNC_STACKFUL
            | WasmFeatures::CM_THREADING)
}

/// A validator for [`features`].
pub fn validator() -> wasmparser::Validator {
    wasmparser::Validator::new_with_features(features())
}

/// Whether a validator's message says a feature is turned off (rather than that the bytes
/// are broken).
pub fn is_feature_error(message: &str) -> bool {
    ["disabled", "not enabled", "feature", "proposal"]
        .iter()
        .any(|w| message.contains(w))
}
