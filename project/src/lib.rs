//! `compose-project`: the `compose.toml` manifest and the operations behind each command.
//!
//! Like cargo's `ops`, every command of the CLI is a call here: [`ops::build()`],
//! [`ops::run()`]. The CLI only parses arguments and prints.

mod error;
mod fsutil;
pub mod lock;
pub mod manifest;
pub mod ops;

pub use error::{ManifestDiagnostic, ProjectError};
pub use fsutil::write_atomic;
pub use manifest::Manifest;
