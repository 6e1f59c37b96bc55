use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, ResourceLimiter, Store, Trap};
use wasmtime_wasi::p2::bindings::sync::CommandPre;
use wasmtime_wasi::{FsPerms, I32Exit, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::cache::Cache;
use crate::limits::{show_size, LimitKind, Limits};
use crate::{Grants, RunError};

/// The largest component file compose runs (1 GiB).
const MAX_COMPONENT_SIZE: u64 = 1 << 30;

/// The embedded engine and, optionally, its compiled-code cache.
pub struct Runtime {
    engine: Engine,
    cache: Option<Cache>,
}

/// A compiled component, ready to instantiate.
pub struct Loaded {
    pub(crate) what: String,
    pub(crate) component: Component,
    /// Whether the compiled code came from the cache.
    pub from_cache: bool,
}

/// Whether compiled code is kept for the next run, told before a compilation starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caching {
    /// It will be cached.
    Kept,
    /// The cache folder cannot be written: every run compiles.
    ReadOnly,
    /// No cache was asked for.
    Off,
}

pub(crate) struct State {
    ctx: WasiCtx,
    table: ResourceTable,
    memory: MemoryLimiter,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.ctx,
            table: &mut self.table,
        }
    }
}

/// Refuses growth past `max` bytes, and remembers that it did, so the trap that follows is
/// reported as the memory limit rather than as the guest's own failure.
struct MemoryLimiter {
    max: Option<u64>,
    hit: bool,
}

impl MemoryLimiter {
    fn allow(&mut self, desired: usize) -> bool {
        match self.max {
            Some(max) if desired as u64 > max => {
                self.hit = true;
                false
            }
            _ => true,
        }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(self.allow(desired))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // A table entry is a pointer-sized reference.
        Ok(self.allow(desired.saturating_mul(8)))
    }
}

impl Runtime {
    /// An engine for runs under `limits` (fuel metering and the stack size are compiled in),
    /// with compiled code cached in `cache_dir` (no cache when `None`).
    pub fn new(cache_dir: Option<PathBuf>, limits: &Limits) -> Result<Self, RunError> {
        let mut config = Config::new();
        // Checking an epoch counter at loop heads and calls is what makes `--timeout` work;
        // its cost is a load and a compare.
        config.epoch_interruption(true);
        config.consume_fuel(limits.fuel.is_some());
        // The component-model features compose accepts everywhere (`compose_wit::features`).
        config.wasm_component_model_map(true);
        config.wasm_component_model_fixed_length_lists(true);
        if let Some(stack) = limits.max_stack {
            config.max_wasm_stack(stack);
        }
        let engine = Engine::new(&config).map_err(|e| RunError::Engine {
            message: format!("{e:#}"),
        })?;
        let cache = cache_dir.map(|dir| Cache::new(dir, &engine));
        Ok(Self { engine, cache })
    }

    /// The compiled-code cache, if any.
    pub fn cache(&self) -> Option<&Cache> {
        self.cache.as_ref()
    }

    fn caching(&self) -> Caching {
        match &self.cache {
            None => Caching::Off,
            Some(c) if c.writable() => Caching::Kept,
            Some(_) => Caching::ReadOnly,
        }
    }

    /// Loads the component file at `path`: from the cache, without reading the file, when it
    /// is unchanged since it was last compiled; otherwise read, compiled (or found by content)
    /// and remembered. `compiling` is told before a compilation starts (it can take seconds)
    /// and whether its result will be kept.
    pub fn load_file(
        &self,
        path: &Path,
        compiling: &mut dyn FnMut(Caching),
    ) -> Result<Loaded, RunError> {
        let what = path.display().to_string();
        if let Some(cache) = &self.cache {
            if let Some(component) = cache
                .key_of_file(path)
                .and_then(|key| cache.load(&self.engine, &key))
            {
                return Ok(Loaded {
                    what,
                    component,
                    from_cache: true,
                });
            }
        }
        let bytes =
            compose_fs::read_regular(path, MAX_COMPONENT_SIZE).map_err(|e| RunError::Read {
                what: what.clone(),
                message: e.to_string(),
            })?;
        let loaded = self.load_with(&what, &bytes, compiling)?;
        if let Some(cache) = &self.cache {
            cache.remember_file(path, &cache.key(&bytes));
        }
        Ok(loaded)
    }

    /// Compiles a component, or takes its compiled code from the cache.
    /// `what` names it in messages (a file path or a component name).
    pub fn load(&self, what: &str, bytes: &[u8]) -> Result<Loaded, RunError> {
        self.load_with(what, bytes, &mut |_| {})
    }

    fn load_with(
        &self,
        what: &str,
        bytes: &[u8],
        compiling: &mut dyn FnMut(Caching),
    ) -> Result<Loaded, RunError> {
        check_header(what, bytes)?;
        let compile_err = |e: wasmtime::Error| RunError::Compile {
            what: what.to_string(),
            message: format!("{e:#}"),
        };
        let key = self.cache.as_ref().map(|c| c.key(bytes));
        if let (Some(cache), Some(key)) = (&self.cache, &key) {
            if let Some(component) = cache.load(&self.engine, key) {
                return Ok(Loaded {
                    what: what.to_string(),
                    component,
                    from_cache: true,
                });
            }
        }
        compiling(self.caching());
        let component = match (&self.cache, &key) {
            (Some(cache), Some(key)) => {
                let code = self
                    .engine
                    .precompile_component(bytes)
                    .map_err(compile_err)?;
                cache.store(key, &code);
                crate::cache::from_fresh_code(&self.engine, &code).map_err(compile_err)?
            }
            _ => Component::new(&self.engine, bytes).map_err(compile_err)?,
        };
        Ok(Loaded {
            what: what.to_string(),
            component,
            from_cache: false,
        })
    }

    /// Runs a command component (one exporting `wasi:cli/run`) with exactly `grants`, under
    /// `limits`. stdout and stderr pass through. Returns the guest's exit code.
    pub fn run_command(
        &self,
        loaded: &Loaded,
        program: &str,
        grants: &Grants,
        limits: &Limits,
    ) -> Result<i32, RunError> {
        let what = loaded.what.as_str();
        let linker = self.linker()?;
        let pre = linker
            .instantiate_pre(&loaded.component)
            .map_err(|e| instantiate_error(what, e))?;
        let pre = CommandPre::new(pre).map_err(|_| RunError::NotACommand {
            what: what.to_string(),
        })?;
        let mut store = self.store(program, grants, limits)?;
        let _watchdog = Watchdog::start(&self.engine, limits.timeout);
        let outcome = pre
            .instantiate(&mut store)
            .and_then(|command| command.wasi_cli_run().call_run(&mut store));
        match outcome {
            Ok(Ok(())) => Ok(0),
            Ok(Err(())) => Ok(1),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(exit) => Ok(exit.0),
                None => Err(classify(what, e, &store, limits)),
            },
        }
    }

    pub(crate) fn linker(&self) -> Result<Linker<State>, RunError> {
        let mut linker: Linker<State> = Linker::new(&self.engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(|e| RunError::Engine {
            message: format!("{e:#}"),
        })?;
        Ok(linker)
    }

    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// A store holding the sandbox for one run, with the limits applied.
    pub(crate) fn store(
        &self,
        program: &str,
        grants: &Grants,
        limits: &Limits,
    ) -> Result<Store<State>, RunError> {
        let mut store = Store::new(
            &self.engine,
            State {
                ctx: sandbox(program, grants)?,
                table: ResourceTable::new(),
                memory: MemoryLimiter {
                    max: limits.max_memory,
                    hit: false,
                },
            },
        );
        store.limiter(|state| &mut state.memory);
        store.set_epoch_deadline(1);
        store.epoch_deadline_trap();
        if let Some(fuel) = limits.fuel {
            store.set_fuel(fuel).map_err(|e| RunError::Engine {
                message: format!("{e:#}"),
            })?;
        }
        Ok(store)
    }
}

pub(crate) fn instantiate_error(what: &str, e: wasmtime::Error) -> RunError {
    RunError::Instantiate {
        what: what.to_string(),
        message: format!("{e:#}"),
    }
}

/// Turns a failed call into the error that says why: a limit (which one, its value) or a
/// trap of the guest's own.
pub(crate) fn classify(
    what: &str,
    e: wasmtime::Error,
    store: &Store<State>,
    limits: &Limits,
) -> RunError {
    let limit = |kind: LimitKind, value: String| RunError::Limit {
        what: what.to_string(),
        kind,
        value,
    };
    if store.data().memory.hit {
        return limit(
            LimitKind::Memory,
            show_size(limits.max_memory.unwrap_or_default()),
        );
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => limit(
            LimitKind::Timeout,
            format!("{:?}", limits.timeout.unwrap_or_default()),
        ),
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
        _ => RunError::Trap {
            what: what.to_string(),
            message: format!("{e:?}"),
        },
    }
}

/// Bumps the engine's epoch once the timeout has passed, interrupting the guest at its next
/// loop head or call. Dropping it (the run ended) stops the thread at once.
pub(crate) struct Watchdog {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    pub(crate) fn start(engine: &Engine, timeout: Option<Duration>) -> Self {
        let Some(timeout) = timeout else {
            return Self {
                stop: None,
                thread: None,
            };
        };
        let (stop, stopped) = mpsc::channel::<()>();
        let engine = engine.clone();
        let thread = std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(timeout) {
                engine.increment_epoch();
            }
        });
        Self {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The WASI context for one run: nothing beyond what `grants` lists, plus stdout/stderr.
fn sandbox(program: &str, grants: &Grants) -> Result<WasiCtx, RunError> {
    let mut b = WasiCtxBuilder::new();
    b.inherit_stdout().inherit_stderr();
    let mut args = vec![program.to_string()];
    args.extend(grants.args.iter().cloned());
    b.args(&args);
    for (k, v) in &grants.env {
        b.env(k, v);
    }
    if grants.stdin {
        b.inherit_stdin();
    }
    // wasmtime-wasi denies TCP, UDP and name lookup by default; open only what was granted.
    if !grants.network.is_empty() {
        let rules = grants.network.clone();
        b.allow_tcp(true)
            .allow_udp(true)
            .socket_addr_check(move |addr, _use| {
                // Connecting binds the socket to an ephemeral port on the unspecified address
                // first; that local bind opens nothing, so the rules judge only the destination.
                let implicit_bind = addr.ip().is_unspecified() && addr.port() == 0;
                let allowed = implicit_bind || rules.iter().any(|r| r.allows(addr));
                Box::pin(async move { allowed })
            });
    }
    b.allow_ip_name_lookup(grants.name_lookup);
    for d in &grants.dirs {
        let perms = if d.writable {
            FsPerms::ReadWrite
        } else {
            FsPerms::ReadOnly
        };
        b.preopened_dir(&d.host, &d.guest, perms)
            .map_err(|e| RunError::Grant {
                grant: format!("dir {d}"),
                message: format!("{e:#}"),
            })?;
    }
    Ok(b.build())
}

/// Refuses, before any compiling, what is not a component at all: a core module, or bytes
/// that are not WebAssembly.
fn check_header(what: &str, bytes: &[u8]) -> Result<(), RunError> {
    use compose_wit::decode::WasmKind;
    let message = match WasmKind::of(bytes) {
        WasmKind::Component => return Ok(()),
        WasmKind::CoreModule => "it is a core WebAssembly module, not a component; componentize it first (`compose build` does, for a project's components)",
        WasmKind::NotWasm => "it is not WebAssembly: it does not start with the `\\0asm` header of a component",
    };
    Err(RunError::Compile {
        what: what.to_string(),
        message: message.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPONENT: &str = r#"(component
        (core module $m (func (export "f") (result i32) i32.const 7))
        (core instance $i (instantiate $m))
        (func (export "f") (result u32) (canon lift (core func $i "f"))))"#;

    #[test]
    fn second_load_comes_from_the_cache() {
        let bytes = wat::parse_str(COMPONENT).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let runtime = Runtime::new(Some(dir.path().to_path_buf()), &Limits::default()).unwrap();
        let mut told = None;
        assert!(
            !runtime
                .load_with("c", &bytes, &mut |c| told = Some(c))
                .unwrap()
                .from_cache
        );
        assert_eq!(told, Some(Caching::Kept));
        assert!(runtime.load("c", &bytes).unwrap().from_cache);
    }

    #[test]
    fn a_library_is_not_a_command() {
        let bytes = wat::parse_str(COMPONENT).unwrap();
        let runtime = Runtime::new(None, &Limits::default()).unwrap();
        let loaded = runtime.load("lib", &bytes).unwrap();
        let err = runtime
            .run_command(&loaded, "lib", &Grants::default(), &Limits::default())
            .unwrap_err();
        assert!(matches!(err, RunError::NotACommand { .. }), "{err}");
    }
}
