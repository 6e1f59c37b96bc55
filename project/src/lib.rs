//! `compose-project`: the `compose.toml` manifest and the operations behind each command.
//!
//! Like cargo's `ops`, every command of the CLI is a call here: [`ops::build()`],
//! [`ops::run()`]. The CLI only parses arguments and prints.

mod error;
mod fsutil;
mod home;
pub mod lock;
pub mod manifest;
pub mod messages;
pub mod ops;

pub use error::{ManifestDiagnostic, ProjectError};
pub use home::{ComposeHome, REGISTRY_CACHE_ENV, REGISTRY_CONFIG_ENV};
pub use manifest::Manifest;
pub use messages::Message;

/// Reads a `.wasm` file: a regular file of at most 1 GiB (not a device, not a pipe).
pub fn read_component(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    compose_fs::read_regular(path, compose_toolchains::MAX_COMPONENT_SIZE)
}

/// Writes `bytes` to `path` atomically (its folder created first), as every command does.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), ProjectError> {
    fsutil::write_atomic(path, bytes)
}

/// What the CLI passes through from the layers below, so that it talks to this crate only.
pub mod sandbox {
    pub use compose_runtime::{
        format_duration, parse_duration, parse_size, show_size, AccessLog, Caching, Closed,
        ConnectionLimits, DirGrant, EnvGrant, Grants, HttpRule, LimitKind, Limits, NetRule,
        RunError, ServeConfig, ServeEvent, COMPILE_BOUND, MAX_INSTANCES, MAX_MEMORIES, MAX_NESTING,
        MAX_TABLES,
    };
}
pub use compose_toolchains::{doctor, Language, Profile};
pub use compose_wit::text::printable;
