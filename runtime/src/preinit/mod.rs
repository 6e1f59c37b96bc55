//! Pre-initialization: a component (or the core module it is made from) is instantiated once
//! in the sandbox with nothing granted, which runs its start-up code (Go's runtime, C and
//! Rust constructors: what `_initialize` does), and the state that start-up left in its
//! memories and globals is written back as data. This is Wasmtime's own pre-initializer
//! (`wasmtime-wizer`). Instances of the result begin where start-up ended and skip it.
//!
//! What start-up read is frozen with it: the environment and arguments it saw (none: the
//! sandbox grants nothing) and any random seed it drew. For a core module compose watches
//! those reads and says which happened ([`Preinitialized::read`]). Start-up that keeps a
//! host resource (an open stream or file) cannot be snapshotted and is refused.
//!
//! A reactor core module is pre-initialized before it becomes a component: WASI preview 1
//! has no handles, so start-up that touches stdio (Go's `os` package does) can be
//! snapshotted, and the preview 1 adapter added afterwards starts fresh in every instance.

mod component;
mod module;

use std::time::Duration;

use crate::{Limits, RunError, Runtime};

/// How long start-up may run when a component is pre-initialized, and how much memory it
/// may take (a Go runtime starts in a few MiB).
pub const PREINIT_LIMITS: Limits = Limits {
    max_memory: Some(1 << 30),
    timeout: Some(Duration::from_secs(60)),
    fuel: None,
    max_stack: None,
};

/// A snapshot taken after start-up.
#[derive(Debug)]
pub struct Preinitialized {
    /// The rewritten component or core module.
    pub bytes: Vec<u8>,
    /// What start-up read from the host, now the same in every instance.
    pub read: Vec<StartUpRead>,
}

/// Something start-up read that the snapshot keeps as it was at build time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartUpRead {
    /// The environment variables (empty: nothing is granted at build time).
    Environment,
    /// The program arguments (empty).
    Arguments,
    /// Random bytes (a seed drawn once: every instance starts from the same random state).
    Randomness,
}

impl StartUpRead {
    /// What an instance of the snapshot sees, said for a user.
    pub fn consequence(self) -> &'static str {
        match self {
            StartUpRead::Environment => {
                "its environment variables: every instance sees the empty environment start-up saw"
            }
            StartUpRead::Arguments => {
                "its arguments: every instance sees the empty arguments start-up saw"
            }
            StartUpRead::Randomness => {
                "random bytes: every instance starts from the same random state (do not rely on it for secrets)"
            }
        }
    }
}

/// Whether the core module `bytes` exports a reactor's start-up (`_initialize`), the
/// function its pre-initialization runs. A module without one (a C command, whose
/// constructors run inside `_start`) is pre-initialized as a component instead.
pub fn has_start_up(bytes: &[u8]) -> bool {
    wasmparser::Parser::new(0)
        .parse_all(bytes)
        .filter_map(Result::ok)
        .any(|payload| match payload {
            wasmparser::Payload::ExportSection(exports) => exports
                .into_iter()
                .filter_map(Result::ok)
                .any(|e| e.name == module::INIT && e.kind == wasmparser::ExternalKind::Func),
            _ => false,
        })
}

impl Runtime {
    /// `bytes` (a component, or a reactor core module exporting `_initialize`)
    /// pre-initialized: instantiated once with nothing granted, under [`PREINIT_LIMITS`],
    /// and snapshotted. `what` names the component in errors.
    pub fn preinitialize(&self, what: &str, bytes: &[u8]) -> Result<Preinitialized, RunError> {
        let snapshot = if wasmparser::Parser::is_core_wasm(bytes) {
            self.snapshot_module(what, bytes)
        } else {
            self.snapshot_component(what, bytes)
        };
        // Whatever stopped it (a trap or limit of start-up, a compile error) is said as the
        // reason pre-initialization failed: the user asked for a build, not a run.
        snapshot.map_err(|e| match e {
            RunError::Preinit { .. } => e,
            other => RunError::Preinit {
                what: what.to_string(),
                message: format!("its start-up failed: {other}"),
            },
        })
    }
}

/// A refusal of `what`'s pre-initialization, saying why.
fn refused(what: &str, message: impl Into<String>) -> RunError {
    RunError::Preinit {
        what: what.to_string(),
        message: message.into(),
    }
}

/// A step of the pre-initializer (another crate's code over the component's bytes) run
/// isolated: its panic or its error is a refusal of `what`.
fn isolated<T: Send>(
    what: &str,
    step: impl FnOnce() -> wasmtime::Result<T> + Send,
) -> Result<T, RunError> {
    compose_wit::isolate::isolated("preinit", || step().map_err(|e| format!("{e:#}")))
        .map_err(|panic| refused(what, format!("the pre-initializer gave up: {panic}")))?
        .map_err(|e| refused(what, e))
}

/// `snapshot`, once it validates with compose's features.
fn validated(what: &str, snapshot: Vec<u8>) -> Result<Vec<u8>, RunError> {
    wasmparser::Validator::new_with_features(compose_wit::features())
        .validate_all(&snapshot)
        .map_err(|e| refused(what, format!("the snapshot is not valid: {e}")))?;
    Ok(snapshot)
}
