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
            other => match exit_status(&other) {
                Some(status) => RunError::Preinit {
                    what: what.to_string(),
                    message: format!("its start-up called `exit` (status {status})"),
                    help: format!(
                        "start-up must return for a snapshot to be taken: return instead of exiting, {OR_OFF}"
                    ),
                },
                None => RunError::Preinit {
                    what: what.to_string(),
                    help: start_up_help(&other),
                    message: format!("its start-up failed: {other}"),
                },
            },
        })
    }
}

/// The other way out of a start-up that fails, in every help.
const OR_OFF: &str = "or set `preinit = false` for it in compose.toml (start-up then runs in every instance, under the run's limits)";

/// The status start-up passed to `exit`, when that is how it ended.
fn exit_status(e: &RunError) -> Option<i32> {
    let text = e.to_string();
    let at = text.find("Exited with i32 exit status ")?;
    text[at + "Exited with i32 exit status ".len()..]
        .split(|c: char| !(c.is_ascii_digit() || c == '-'))
        .next()?
        .parse()
        .ok()
}

/// What to do about a start-up that stopped with `e`: said by what stopped it.
fn start_up_help(e: &RunError) -> String {
    let or_off = OR_OFF;
    match e {
        RunError::Limit {
            kind: crate::LimitKind::Timeout,
            ..
        } => format!(
            "its start-up did not end within {} (a loop that never exits, a wait for something that never comes?): fix the start-up code, {or_off}",
            humantime::format_duration(PREINIT_LIMITS.timeout.unwrap_or_default())
        ),
        RunError::Limit { kind, .. } => {
            format!("its start-up hit its {kind}: make it take less, {or_off}")
        }
        RunError::Trap { .. } => format!(
            "its start-up code trapped (its message, and where, are above): fix it, {or_off}"
        ),
        _ => format!("it could not be started to be snapshotted: fix what the message says, {or_off}"),
    }
}

/// The help of a refusal that is a limit of snapshotting, not of the component's code.
const CANNOT_SNAPSHOT: &str = "pre-initialization snapshots a component after its start-up ran, and this one cannot be snapshotted: set `preinit = false` for it in compose.toml";

/// A refusal of `what`'s pre-initialization, saying why.
fn refused(what: &str, message: impl Into<String>) -> RunError {
    refused_with(what, message, CANNOT_SNAPSHOT)
}

/// A refusal of `what`'s pre-initialization, with its own help.
fn refused_with(what: &str, message: impl Into<String>, help: &str) -> RunError {
    RunError::Preinit {
        what: what.to_string(),
        message: message.into(),
        help: help.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LimitKind;

    #[test]
    fn a_start_up_that_loops_traps_or_exits_is_told_so() {
        let limit = RunError::Limit {
            what: "lib".into(),
            kind: LimitKind::Timeout,
            value: "1m".into(),
        };
        assert!(start_up_help(&limit).contains("did not end within 1m"));
        let trap = RunError::Trap {
            what: "lib".into(),
            message: "wasm `unreachable` instruction executed".into(),
        };
        assert!(start_up_help(&trap).contains("start-up code trapped"));
        let exit = RunError::Instantiate {
            what: "lib".into(),
            message: "error while executing: Exited with i32 exit status 3".into(),
        };
        assert_eq!(exit_status(&exit), Some(3));
        assert_eq!(exit_status(&trap), None);
        for help in [start_up_help(&limit), start_up_help(&trap)] {
            assert!(!help.contains("host resource"), "{help}");
        }
    }
}
