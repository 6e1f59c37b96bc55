//! One run's store: the WASI context of its grants, and a budget that bounds the whole run
//! (every memory and table of every instance together, and how many of each there are).

use wasmtime::component::ResourceTable;
use wasmtime::{ResourceLimiter, Store, Trap};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::limits::{show_size, LimitKind, Limits};
use crate::{Grants, RunError, Runtime};

/// At most this many core instances per run (a composed Python and C component has a few
/// dozen).
pub const MAX_INSTANCES: usize = 1000;
/// At most this many linear memories per run.
pub const MAX_MEMORIES: usize = 100;
/// At most this many tables per run.
pub const MAX_TABLES: usize = 1000;

pub(crate) struct State {
    ctx: WasiCtx,
    table: ResourceTable,
    budget: Budget,
    /// `wasi:http`, for components served by `compose serve` (unused by other runs).
    http: WasiHttpCtx,
    /// Which hosts outgoing HTTP requests may reach: none unless granted.
    outgoing: crate::serve::Outgoing,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.outgoing,
        }
    }
}

/// The bytes of memory and table the run holds, against `--max-memory`; remembers a refusal,
/// so the trap that follows is reported as the limit rather than as the guest's failure.
pub(crate) struct Budget {
    max: Option<u64>,
    used: u64,
    hit: bool,
}

impl Budget {
    /// A budget of `max` bytes (`None`: unbounded).
    pub(crate) fn new(max: Option<u64>) -> Self {
        Self {
            max,
            used: 0,
            hit: false,
        }
    }

    /// Whether a growth was refused.
    pub(crate) fn hit(&self) -> bool {
        self.hit
    }

    fn grow(&mut self, current: u64, desired: u64) -> bool {
        let total = self.used - current.min(self.used) + desired;
        match self.max {
            Some(max) if total > max => {
                self.hit = true;
                false
            }
            _ => {
                self.used = total;
                true
            }
        }
    }
}

impl ResourceLimiter for Budget {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(self.grow(current as u64, desired as u64))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // A table entry is a pointer-sized reference.
        Ok(self.grow(current as u64 * 8, desired as u64 * 8))
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }
}

impl Runtime {
    /// A store holding the sandbox for one run, with the limits applied.
    pub(crate) fn store(
        &self,
        program: &str,
        grants: &Grants,
        limits: &Limits,
    ) -> Result<Store<State>, RunError> {
        new_store(
            self.engine(),
            program,
            grants,
            limits,
            crate::serve::Outgoing::default(),
            1,
        )
    }
}

/// A store for one run (or one served request): the sandbox of `grants`, `outgoing` HTTP,
/// and `limits`; it traps once the engine's epoch has advanced `epochs` times.
pub(crate) fn new_store(
    engine: &wasmtime::Engine,
    program: &str,
    grants: &Grants,
    limits: &Limits,
    outgoing: crate::serve::Outgoing,
    epochs: u64,
) -> Result<Store<State>, RunError> {
    let mut store = Store::new(
        engine,
        State {
            ctx: crate::sandbox::context(program, grants)?,
            table: ResourceTable::new(),
            budget: Budget::new(limits.max_memory),
            http: WasiHttpCtx::new(),
            outgoing,
        },
    );
    store.limiter(|state| &mut state.budget);
    store.set_epoch_deadline(epochs);
    store.epoch_deadline_trap();
    if let Some(fuel) = limits.fuel {
        store.set_fuel(fuel).map_err(|e| RunError::Engine {
            message: format!("{e:#}"),
        })?;
    }
    Ok(store)
}

pub(crate) fn instantiate_error(what: &str, e: wasmtime::Error) -> RunError {
    let message = format!("{e:#}");
    // The linker names the import it found no implementation of: `wasi:http/...` is one
    // that only `compose serve` provides.
    let http = message
        .split('`')
        .find(|part| part.starts_with("wasi:http/"))
        .filter(|_| message.contains("not found"));
    if let Some(import) = http {
        return RunError::NoHttp {
            what: what.to_string(),
            import: import.to_string(),
        };
    }
    RunError::Instantiate {
        what: what.to_string(),
        message,
    }
}

/// How many host resources (streams, files, ...) the guest holds now.
pub(crate) fn open_resources(store: &mut Store<State>) -> usize {
    store.data_mut().table.iter_mut().count()
}

/// The outgoing HTTP requests the guest was refused (`host:port`), taken from the store.
pub(crate) fn denied_http(store: &mut Store<State>) -> Vec<String> {
    std::mem::take(&mut store.data_mut().outgoing.denied)
}

/// Whether the run was refused memory (or table space) past `--max-memory`.
pub(crate) fn over_budget(store: &Store<State>) -> bool {
    store.data().budget.hit()
}

/// What an instantiation (or start-up) that ran under `limits` gave: its value, or why it
/// stopped. An error that is neither a trap nor the memory budget is a link error
/// (`instantiate_error`); `None` means the wall clock ran out.
pub(crate) fn started<T>(
    what: &str,
    outcome: Option<wasmtime::Result<T>>,
    budget_hit: bool,
    limits: &Limits,
) -> Result<T, RunError> {
    match outcome {
        Some(Ok(value)) => Ok(value),
        Some(Err(e)) if e.downcast_ref::<Trap>().is_none() && !budget_hit => {
            Err(instantiate_error(what, e))
        }
        Some(Err(e)) => Err(classify(what, Stopped::Failed(e), budget_hit, limits)),
        None => Err(classify(what, Stopped::OutOfTime, budget_hit, limits)),
    }
}

/// How a bounded call ended, when it did not return.
pub(crate) enum Stopped {
    /// It failed (a trap, a limit inside wasm, an error of the host).
    Failed(wasmtime::Error),
    /// Its wall-clock bound passed while it waited in a host call.
    OutOfTime,
}

/// Turns a failed call into the error that says why: a limit (which one, its value) or a
/// trap of the guest's own.
pub(crate) fn classify(
    what: &str,
    stopped: Stopped,
    budget_hit: bool,
    limits: &Limits,
) -> RunError {
    let limit = |kind: LimitKind, value: String| RunError::Limit {
        what: what.to_string(),
        kind,
        value,
    };
    let e = match stopped {
        Stopped::OutOfTime => return time_limit(what, limits),
        Stopped::Failed(e) => e,
    };
    if budget_hit {
        return limit(
            LimitKind::Memory,
            show_size(limits.max_memory.unwrap_or_default()),
        );
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => time_limit(what, limits),
        Some(Trap::OutOfFuel) => {
            limit(LimitKind::Fuel, limits.fuel.unwrap_or_default().to_string())
        }
        Some(Trap::StackOverflow) => limit(
            LimitKind::Stack,
            limits
                .max_stack
                .map(|s| show_size(s as u64))
                .unwrap_or_else(|| "512KiB (the default)".into()),
        ),
        _ => {
            let message = format!("{e:?}");
            // Wasmtime's bound on what the host copies out of a guest at once is a limit,
            // not a failure of the guest.
            if message.contains("exceeds") && message.contains("host") {
                return RunError::HostLimit {
                    what: what.to_string(),
                    message: format!("{e}"),
                };
            }
            RunError::Trap {
                what: what.to_string(),
                message,
            }
        }
    }
}

/// The limit a run out of wall-clock time hit: `--timeout`, or the time `--fuel` allows
/// when no timeout is set.
pub(crate) fn time_limit(what: &str, limits: &Limits) -> RunError {
    let (kind, value) = match limits.timeout {
        Some(t) => (
            LimitKind::Timeout,
            humantime::format_duration(t).to_string(),
        ),
        None => (
            LimitKind::Fuel,
            format!(
                "{}: it waited longer than that fuel allows, {}",
                limits.fuel.unwrap_or_default(),
                humantime::format_duration(limits.wall_clock().unwrap_or_default())
            ),
        ),
    };
    RunError::Limit {
        what: what.to_string(),
        kind,
        value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_counts_every_memory_of_the_run() {
        let mut b = Budget {
            max: Some(64 << 20),
            used: 0,
            hit: false,
        };
        for _ in 0..3 {
            assert!(b.grow(0, 16 << 20));
        }
        assert!(b.grow(16 << 20, 24 << 20));
        assert!(
            !b.grow(0, 16 << 20),
            "a fourth memory would pass 64 MiB in all"
        );
        assert!(b.hit);
    }
}
