//! `compose-wit`: the WIT side of a compose project.
//!
//! - [`ProjectWit`] loads the project's WIT package with its `wit/deps` and finds worlds in it.
//! - [`compare`] compares WIT items of two resolves structurally, through named types.
//! - [`contract`] compares what a built component really imports and exports with its world.
//! - [`decode`] tells what a `.wasm` is (a component and its world, or a WIT package).
//! - [`diff`] lists what changed between two versions of a package, and whom it breaks.
//! - [`names`] classifies import and export names (WASI or not, interface or function).

pub mod asyncs;
pub mod compare;
pub mod contract;
pub mod decode;
pub mod diff;
mod error;
mod features;
pub mod isolate;
mod members;
pub mod names;
mod project;
pub mod render;
pub mod text;

pub use error::{InvalidWit, WitError};
pub use features::{features, is_feature_error, validator};
pub use project::{missing_packages, own_text, ProjectWit};

/// The wit-parser this crate is built on, re-exported so that every other crate of the
/// workspace names the very same `Resolve` type.
pub use wit_parser;
