//! `compose-runtime`: runs components on an embedded Wasmtime, in a WASI Preview 2 sandbox
//! that grants nothing unless asked.
//!
//! - [`Grants`] says what a run may touch; [`Grants::default`] is nothing at all.
//! - [`Runtime`] owns the engine and the compiled-code cache; [`Runtime::load`] compiles (or
//!   reuses) a component, [`Runtime::run_command`] runs a `wasi:cli/run` command.

mod cache;
mod error;
mod grants;
mod run;

pub use error::RunError;
pub use grants::{DirGrant, Grants};
pub use run::{Loaded, Runtime};
