//! `compose-wit`: the WIT side of a compose project.
//!
//! - [`ProjectWit`] loads the project's WIT package with its `wit/deps` and finds worlds in it.
//! - [`contract`] compares what a built component really imports and exports with its world.
//! - [`names`] classifies import and export names (WASI or not, interface or function).

pub mod contract;
mod error;
pub mod names;
mod project;

pub use error::WitError;
pub use project::ProjectWit;

/// The wit-parser this crate is built on, re-exported so that every other crate of the
/// workspace names the very same `Resolve` type.
pub use wit_parser;
