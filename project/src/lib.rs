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

/// Writes `bytes` to `path` atomically (its folder created first), as every command does.
pub fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), ProjectError> {
    fsutil::write_atomic(path, bytes)
}

/// What the CLI passes through from the layers below, so that it talks to this crate only.
pub mod sandbox {
    pub use compose_runtime::{
        parse_duration, parse_size, show_size, Caching, DirGrant, EnvGrant, Grants, LimitKind,
        Limits, NetRule, RunError,
    };
}
pub use compose_toolchains::{doctor, Language, Profile};
