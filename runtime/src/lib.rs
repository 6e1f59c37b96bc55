//! `compose-runtime`: runs components on an embedded Wasmtime, in a WASI Preview 2 sandbox
//! that grants nothing unless asked.
//!
//! - [`Grants`] says what a run may touch; [`Grants::default`] is nothing at all.
//! - [`Runtime`] owns the engine and the compiled-code cache; [`Runtime::load`] compiles (or
//!   reuses) a component, [`Runtime::run_command`] runs a `wasi:cli/run` command and
//!   [`Runtime::invoke`] calls any exported function with WAVE-encoded arguments.
//! - [`Limits`] caps memory, time, fuel and stack; hitting one is [`RunError::Limit`].

mod cache;
mod error;
mod generate;
mod grants;
mod invoke;
mod limits;
mod run;

pub use error::RunError;
pub use generate::{minimize, supported, value as random_value, Rng};
pub use grants::{DirGrant, Grants, NetRule};
pub use invoke::{to_wave, type_name, Function, Invoked, Session, Stub};
pub use limits::{parse_duration, parse_size, show_size, LimitKind, Limits};
pub use run::{Loaded, Runtime};

/// A component-model value (what calls take and return).
pub use wasmtime::component::Val as Value;

include!(concat!(env!("OUT_DIR"), "/wasi_wit.rs"));
