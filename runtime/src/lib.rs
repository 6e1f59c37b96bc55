//! `compose-runtime`: runs components on an embedded Wasmtime, in a WASI Preview 2 sandbox
//! that grants nothing unless asked.
//!
//! - [`Grants`] says what a run may touch; [`Grants::default`] is nothing at all.
//! - [`Runtime`] owns the engine and the compiled-code cache; [`Runtime::load`] compiles (or
//!   reuses) a component, [`Runtime::run_command`] runs a `wasi:cli/run` command and
//!   [`Runtime::invoke`] calls any exported function with WAVE-encoded arguments.
//! - [`Runtime::handler`] and [`Server`] serve a `wasi:http/incoming-handler` component, one
//!   fresh instance per request.
//! - [`Limits`] caps memory, time, fuel and stack; hitting one is [`RunError::Limit`].

mod cache;
mod command;
mod deadline;
mod error;
mod generate;
mod grants;
mod invoke;
mod limits;
mod nesting;
mod preinit;
mod runtime;
mod sandbox;
mod serve;
mod store;

pub use cache::{
    max_bytes as cache_max_bytes, Cache, DEFAULT_MAX_BYTES as CACHE_DEFAULT_MAX,
    MAX_ENV as CACHE_MAX_ENV,
};
pub use error::RunError;
pub use generate::{minimize, supported, value as random_value, Rng};
pub use grants::{DirGrant, EnvGrant, Grants, NetRule};
pub use invoke::{check_call, check_value, to_wave, type_name, Function, Invoked, Session, Stub};
pub use limits::{
    format_duration, parse_duration, parse_size, show_size, LimitKind, Limits, MAX_DURATION,
    MAX_SIZE,
};
pub use nesting::{MAX_DEPTH as MAX_NESTING, MAX_UNITS as MAX_NESTED_UNITS};
pub use preinit::{has_start_up, Preinitialized, StartUpRead, PREINIT_LIMITS};
pub use runtime::{Allocation, Caching, Loaded, Runtime, COMPILE_BOUND};
pub use serve::{
    AccessLog, Closed, ConnectionLimits, Handler, HttpRule, Reloader, ServeConfig, ServeEvent,
    Server, INCOMING_HANDLER,
};
pub use store::{MAX_INSTANCES, MAX_MEMORIES, MAX_TABLES};

/// A component-model value (what calls take and return).
pub use wasmtime::component::Val as Value;

include!(concat!(env!("OUT_DIR"), "/wasi_wit.rs"));

/// The WASI 0.2 version the runtime implements (`0.2.12`), read from [`WASI_WIT`]. Components
/// importing any 0.2 version up to it run; Wasmtime's linker matches them by semver.
pub fn wasi_version() -> Option<(u64, u64, u64)> {
    WASI_WIT.iter().find_map(|(_, text)| {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("package wasi:"))?;
        let version = line.split('@').nth(1)?.trim().trim_end_matches(';');
        let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
        Some((parts.next()??, parts.next()??, parts.next()??))
    })
}
