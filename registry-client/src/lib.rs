//! `compose-registry`: components and WIT packages in OCI registries, in the Wasm OCI artifact
//! layout that wkg, wasmCloud, Spin and runwasi understand.
//!
//! - [`Reference`] and [`PackageSpec`]: `127.0.0.1:5000/demo/codec:0.1.0` and `demo:codec@0.1`.
//! - [`RegistryConfig`]: which registry holds which namespace, and the credentials for each.
//! - [`artifact`]: the manifest and config of a Wasm artifact, built from the `.wasm` bytes.
//! - [`Client`]: push and pull over the OCI distribution API, with basic and token auth.
//! - [`Cache`]: verified blobs by digest, written atomically; what `--offline` works from.

pub mod artifact;
mod auth;
mod cache;
mod client;
mod config;
mod digest;
mod error;
mod reference;

pub use cache::Cache;
pub use client::{Client, Pulled};
pub use config::{Credentials, RegistryConfig};
pub use digest::Digest;
pub use error::RegistryError;
pub use reference::{PackageSpec, Reference};
