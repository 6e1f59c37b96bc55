//! The embedded engine, its configuration (one feature set with the rest of compose), and
//! loading components: from the compiled-code cache, or compiled within the run's bounds.

use std::path::{Path, PathBuf};

use wasmtime::component::{Component, Linker};
use wasmtime::{Config, Engine};

use crate::cache::Cache;
use crate::limits::Limits;
use crate::store::State;
use crate::RunError;

/// The longest compose waits for Wasmtime to compile a component (an 18 MB Python
/// component takes seconds).
pub const COMPILE_BOUND: std::time::Duration = std::time::Duration::from_secs(300);

/// The largest component file compose runs (1 GiB).
const MAX_COMPONENT_SIZE: u64 = 1 << 30;

/// The embedded engine and, optionally, its compiled-code cache.
pub struct Runtime {
    engine: Engine,
    cache: Option<Cache>,
    allocation: Allocation,
}

/// A compiled component, ready to instantiate.
pub struct Loaded {
    pub(crate) what: String,
    pub(crate) component: Component,
    /// Whether the compiled code came from the cache.
    pub from_cache: bool,
}

impl Loaded {
    /// The compiled component (for embedders and benchmarks that use Wasmtime directly).
    pub fn component(&self) -> &Component {
        &self.component
    }

    /// The memories and tables one instance of it takes.
    pub fn shape(&self) -> Shape {
        let needs = self.component.resources_required();
        match needs {
            Some(needs) => Shape {
                memories: needs.num_memories.max(1),
                tables: needs.num_tables.max(1),
            },
            // It imports a resource whose needs are not known until linked: any.
            None => Shape::ANY,
        }
    }
}

/// The memories and tables an instance of a component takes: what a pool reserves for
/// each instance it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Linear memories (each reserves 4 GiB of address space in a pool).
    pub memories: u32,
    /// Tables.
    pub tables: u32,
}

impl Shape {
    /// Room for a composed multi-language component of any make-up compose builds.
    pub const ANY: Shape = Shape {
        memories: 8,
        tables: 32,
    };

    /// Whether an instance of `shape` fits where one of `self` does.
    pub fn holds(&self, shape: Shape) -> bool {
        shape.memories <= self.memories && shape.tables <= self.tables
    }
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

/// How instances get their memories and tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    /// Mapped for each instance and unmapped after: nothing reserved up front, the right
    /// choice for one run.
    OnDemand,
    /// Reserved once for this many instances alive at a time and reused: no mapping per
    /// instance, the right choice for many short-lived instances. Each slot holds an
    /// instance of `shape`: a pool sized to the component it serves ([`Loaded::shape`])
    /// holds 10,000 instances where [`Shape::ANY`] does not.
    Pooled { instances: u32, shape: Shape },
}

impl Runtime {
    /// An engine for runs under `limits` (fuel metering and the stack size are compiled in),
    /// with compiled code cached in `cache_dir` (no cache when `None`).
    pub fn new(cache_dir: Option<PathBuf>, limits: &Limits) -> Result<Self, RunError> {
        Self::with_allocation(cache_dir, limits, Allocation::OnDemand)
    }

    /// [`Runtime::new`], with instances allocated as `allocation` says.
    pub fn with_allocation(
        cache_dir: Option<PathBuf>,
        limits: &Limits,
        allocation: Allocation,
    ) -> Result<Self, RunError> {
        let mut config = Config::new();
        if let Allocation::Pooled { instances, shape } = allocation {
            config.allocation_strategy(pool(instances, shape, limits));
            // Zeroing with nothing kept resident gives a stack's pages back when its
            // request ends.
            config.async_stack_zeroing(instances > KEEP_UP_TO);
        }
        // Checking an epoch counter at loop heads and calls is what makes `--timeout` work;
        // its cost is a load and a compare.
        config.epoch_interruption(true);
        config.consume_fuel(limits.fuel.is_some());
        // The component-model features compose accepts everywhere (`compose_wit::features`).
        config.wasm_component_model_map(true);
        config.wasm_component_model_fixed_length_lists(true);
        // Async functions, streams and futures across a link (what Rust, C and Python
        // generators emit for `async func`, `stream<T>`, `future<T>`).
        config.wasm_component_model_async(true);
        config.wasm_component_model_error_context(true);
        if let Some(stack) = limits.max_stack {
            config.max_wasm_stack(stack);
        }
        let engine = Engine::new(&config).map_err(|e| match allocation {
            Allocation::Pooled { instances, shape } => RunError::Pool {
                instances,
                memories: shape.memories,
                message: format!("{e:#}"),
            },
            Allocation::OnDemand => RunError::Engine {
                message: format!("{e:#}"),
            },
        })?;
        let cache = cache_dir.map(|dir| Cache::new(dir, &engine));
        Ok(Self {
            engine,
            cache,
            allocation,
        })
    }

    /// How its instances get their memories and tables.
    pub fn allocation(&self) -> Allocation {
        self.allocation
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

    /// Compiles a component held in memory (a composition made for this run), or takes
    /// its compiled code from the cache; `compiling` is told as [`Runtime::load_file`] tells.
    pub fn load_with(
        &self,
        what: &str,
        bytes: &[u8],
        compiling: &mut dyn FnMut(Caching),
    ) -> Result<Loaded, RunError> {
        check_header(what, bytes)?;
        let compile_err = |e: wasmtime::Error| self.compile_error(what, e);
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
        crate::nesting::check(what, bytes)?;
        compiling(self.caching());
        let code = self.compile(what, bytes)?;
        if let (Some(cache), Some(key)) = (&self.cache, &key) {
            cache.store(key, &code);
        }
        let component = crate::cache::from_fresh_code(&self.engine, &code).map_err(compile_err)?;
        Ok(Loaded {
            what: what.to_string(),
            component,
            from_cache: false,
        })
    }

    /// Compiles a component within [`COMPILE_BOUND`] (the guest's `--timeout` is the
    /// guest's; absurd inputs are refused before compiling, see `nesting`).
    fn compile(&self, what: &str, bytes: &[u8]) -> Result<Vec<u8>, RunError> {
        let (done, result) = std::sync::mpsc::channel();
        let engine = self.engine.clone();
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = done.send(engine.precompile_component(&bytes));
        });
        match result.recv_timeout(COMPILE_BOUND) {
            Ok(compiled) => compiled.map_err(|e| self.compile_error(what, e)),
            // The compiler cannot be interrupted; its thread ends with the process.
            Err(_) => Err(RunError::CompileTooLong {
                what: what.to_string(),
                bound: crate::format_duration(COMPILE_BOUND),
            }),
        }
    }

    /// Why `what` did not compile: a pooled engine refuses a component that takes more than
    /// its pool was sized for (at a server's start) before anything else is checked.
    fn compile_error(&self, what: &str, e: wasmtime::Error) -> RunError {
        let message = format!("{e:#}");
        if matches!(self.allocation(), Allocation::Pooled { .. })
            && message.contains("pooling allocator")
        {
            return RunError::PoolTooSmall {
                what: what.to_string(),
                message,
            };
        }
        RunError::Compile {
            what: what.to_string(),
            message,
        }
    }

    pub(crate) fn linker(&self) -> Result<Linker<State>, RunError> {
        let mut linker: Linker<State> = Linker::new(&self.engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker).map_err(|e| RunError::Engine {
            message: format!("{e:#}"),
        })?;
        Ok(linker)
    }

    /// The Wasmtime engine, configured as compose runs components (its allocation, epoch
    /// interruption, features): for benchmarks that measure Wasmtime alone on the same
    /// configuration.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

/// The address space one pooled memory takes (its 4 GiB reservation and guard), and the
/// part of a 64-bit process's 128 TiB a pool may take.
const MEMORY_SLOT: u64 = (4 << 30) + (32 << 20);
const POOL_ADDRESS_SPACE: u64 = 96 << 40;

/// How many instances of components with `memories` memories a pool can hold.
pub(crate) fn instances_that_fit(memories: u32) -> u64 {
    POOL_ADDRESS_SPACE / (MEMORY_SLOT * u64::from(memories.max(1)))
}

/// Linear memory kept resident between the instances of a slot when the kernel reports
/// which pages an instance dirtied (Linux >= 6.7, `PAGEMAP_SCAN`): only those are reset, so
/// the next instance in the slot takes no page faults (a Rust call 25 -> 9 us, a Go one
/// 266 -> 121 us; Go requests at 16 connections 0.9k -> 1.9k/s). At most this much per
/// memory...
const KEEP_RESIDENT_SLOT: usize = 16 << 20;
/// ...and at most this much for the whole pool, shared by its instances: kept pages stay
/// resident after the requests that dirtied them are over (2.3 GB measured after a burst of
/// 1,000 Go requests when each slot kept 16 MiB).
const KEEP_RESIDENT_POOL: usize = 256 << 20;
/// Pools up to this many instances keep what their last request dirtied (memory within the
/// budgets above, tables and fiber stacks as they were left: no `madvise` and page faults per
/// request); larger ones serve density, not reuse, and give everything back when a request
/// ends (10,000 sleeping requests otherwise hold 80 MiB of stacks after the burst; a
/// sleeping Rust handler takes 75 KiB per request in flight and is back to idle after).
const KEEP_UP_TO: u32 = 256;
/// What of a table or a stack is reset by a `memset` rather than given back, in those.
const KEEP_RESIDENT_SMALL: usize = 128 << 10;

/// How much of each pooled memory is kept resident: the pool's budget shared by its
/// instances (what an instance dirties is mostly in one memory: Go's heap), nothing in a
/// pool beyond [`KEEP_UP_TO`].
fn keep_resident(instances: u32) -> usize {
    if instances > KEEP_UP_TO {
        return 0;
    }
    (KEEP_RESIDENT_POOL / instances.max(1) as usize).min(KEEP_RESIDENT_SLOT) & !0xfff
}

/// A pool for `instances` components alive at once, each of `shape`.
fn pool(instances: u32, shape: Shape, limits: &Limits) -> wasmtime::PoolingAllocationConfig {
    let instances = instances.max(1);
    let small = if instances > KEEP_UP_TO {
        0
    } else {
        KEEP_RESIDENT_SMALL
    };
    let mut pool = wasmtime::PoolingAllocationConfig::new();
    pool.total_component_instances(instances)
        .total_core_instances(instances.saturating_mul(32))
        .total_memories(instances.saturating_mul(shape.memories))
        .total_tables(instances.saturating_mul(shape.tables))
        .max_core_instances_per_component(1000)
        .max_memories_per_component(shape.memories)
        .max_tables_per_component(shape.tables)
        // A request runs on a fiber (a guard page each: the kernel's 65,530 mappings bound
        // how many can exist).
        .total_stacks(instances)
        .max_memories_per_module(1)
        .max_tables_per_module(1)
        .table_elements(100_000)
        .table_keep_resident(small)
        .async_stack_keep_resident(small);
    // Without the scan, every kept byte is reset on every instance: keep little.
    if wasmtime::PoolingAllocationConfig::is_pagemap_scan_available() {
        pool.pagemap_scan(wasmtime::Enabled::Yes)
            .linear_memory_keep_resident(keep_resident(instances));
    } else {
        pool.linear_memory_keep_resident(small);
    }
    if let Some(max) = limits.max_memory {
        pool.max_memory_size(usize::try_from(max).unwrap_or(usize::MAX));
    }
    pool
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
    use crate::Grants;

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

    /// Each call's instance counts in memory (at 1 MiB, beyond what a `memset` of the
    /// kept pages covers) and in data from a segment: a fresh instance always says 1.
    const COUNTER: &str = r#"(component
        (core module $m
            (memory 17)
            (data (i32.const 64) "\00\00\00\00")
            (func (export "bump") (result i32)
                (i32.store (i32.const 1048576) (i32.add (i32.load (i32.const 1048576)) (i32.const 1)))
                (i32.store (i32.const 64) (i32.add (i32.load (i32.const 64)) (i32.const 1)))
                (i32.add (i32.load (i32.const 1048576)) (i32.load (i32.const 64)))))
        (core instance $i (instantiate $m))
        (func (export "bump") (result u32) (canon lift (core func $i "bump"))))"#;

    #[test]
    fn a_pool_sized_to_its_component_holds_ten_thousand_where_one_for_any_does_not() {
        let bytes = wat::parse_str(COUNTER).unwrap();
        let probe = Runtime::new(None, &Limits::default()).unwrap();
        let loaded = probe.load("counter", &bytes).unwrap();
        let shape = loaded.shape();
        assert_eq!(shape.memories, 1);
        assert!(Shape::ANY.holds(shape) && !shape.holds(Shape::ANY));
        let pooled = |shape| {
            Runtime::with_allocation(
                None,
                &Limits::default(),
                Allocation::Pooled {
                    instances: 10_000,
                    shape,
                },
            )
        };
        let runtime = pooled(shape).unwrap();
        assert!(runtime.handler(&loaded).is_err(), "not an HTTP handler");
        let Err(e) = pooled(Shape::ANY) else {
            panic!("80,000 memories of 4 GiB fit in no address space")
        };
        assert!(
            matches!(
                e,
                RunError::Pool {
                    instances: 10_000,
                    memories: 8,
                    ..
                }
            ),
            "{e:?}"
        );
        let help = miette::Diagnostic::help(&e).unwrap().to_string();
        assert!(
            help.contains("--max-concurrency") && help.contains("3048"),
            "{help}"
        );
    }

    #[test]
    fn kept_memory_is_the_pools_budget_shared_and_none_when_too_little() {
        assert_eq!(keep_resident(1), KEEP_RESIDENT_SLOT);
        assert_eq!(keep_resident(100), ((256 << 20) / 100) & !0xfff);
        assert_eq!(keep_resident(256), 1 << 20);
        // One rule for memory, tables and stacks: nothing kept beyond it.
        assert_eq!(keep_resident(257), 0);
        assert_eq!(keep_resident(1_000), 0);
    }

    #[test]
    fn no_state_survives_from_one_pooled_instance_to_the_next() {
        let bytes = wat::parse_str(COUNTER).unwrap();
        let runtime = Runtime::with_allocation(
            None,
            &Limits::default(),
            Allocation::Pooled {
                instances: 1,
                shape: Shape::ANY,
            },
        )
        .unwrap();
        let loaded = runtime.load("counter", &bytes).unwrap();
        let session = runtime
            .session(&loaded, &Grants::default(), &Limits::default(), &[])
            .unwrap();
        // One slot, so each call reuses the memory the last one dirtied.
        for _ in 0..3 {
            assert_eq!(session.call("bump()").unwrap().results, ["2"]);
        }
    }
}
