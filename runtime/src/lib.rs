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
pub use runtime::{Allocation, Caching, Loaded, Runtime, Shape, COMPILE_BOUND};
pub use serve::{
    AccessLog, Closed, ConnectionLimits, Handler, HttpRule, Reloader, ServeConfig, ServeEvent,
    Server, INCOMING_HANDLER,
};
pub use store::{MAX_INSTANCES, MAX_MEMORIES, MAX_TABLES};

/// A component-model value (what calls take and return).
pub use wasmtime::component::Val as Value;

include!(concat!(env!("OUT_DIR"), "/wasi_wit.rs"));
include!(concat!(env!("OUT_DIR"), "/wasi_p3_wit.rs"));

/// The WASI packages the runtime provides that WIT naming `wit` needs, under file names of
/// their own (`cli.wit`, `p3-cli.wit`): 0.3's when it names a `@0.3` version, 0.2's when it
/// names another (only what it names, so that bindings see one version of a package).
pub fn host_wit(wit: &str) -> Vec<(String, &'static str)> {
    let p3 = wit.contains("@0.3");
    let p2 = !p3 || wit.contains("@0.2");
    let p2_files = WASI_WIT
        .iter()
        .filter(|_| p2)
        .map(|(name, text)| (name.to_string(), *text));
    let p3_files = WASI_P3_WIT
        .iter()
        .filter(|_| p3)
        .map(|(name, text)| (format!("p3-{}", name.trim_start_matches("deps/")), *text));
    p2_files.chain(p3_files).collect()
}

/// The WASI 0.2 version the runtime implements (`0.2.12`), read from [`WASI_WIT`]. Components
/// importing any 0.2 version up to it run; Wasmtime's linker matches them by semver.
pub fn wasi_version() -> Option<(u64, u64, u64)> {
    version_of(WASI_WIT)
}

/// The WASI 0.3 version the runtime implements beside 0.2 (`0.3.0`), read from
/// [`WASI_P3_WIT`]: what `compose serve` serves a `wasi:http/handler` of.
pub fn wasi_p3_version() -> Option<(u64, u64, u64)> {
    version_of(WASI_P3_WIT)
}

fn version_of(packages: &[(&str, &str)]) -> Option<(u64, u64, u64)> {
    packages.iter().find_map(|(_, text)| {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with("package wasi:"))?;
        let version = line.split('@').nth(1)?.trim().trim_end_matches(';');
        let mut parts = version.split('.').map(|p| p.parse::<u64>().ok());
        Some((parts.next()??, parts.next()??, parts.next()??))
    })
}
