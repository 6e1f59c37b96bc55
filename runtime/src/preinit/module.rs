//! Pre-initialization of a reactor core module: its `_initialize` runs under WASI preview 1
//! with nothing granted, watched for what it reads from the host.

use wasmtime::{Caller, Extern, ExternType, Linker, Module, Store, Val};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::WasiCtxBuilder;
use wasmtime_wizer::ValType;
use wasmtime_wizer::{InstanceState, SnapshotVal, Wizer};

use super::{isolated, refused, validated, Preinitialized, StartUpRead, PREINIT_LIMITS};
use crate::deadline::{block_on, Deadline};
use crate::store::{instantiate_error, started, Budget};
use crate::{RunError, Runtime};

/// The start-up function of a reactor, which the snapshot no longer exports.
pub(super) const INIT: &str = "_initialize";
const WASI: &str = "wasi_snapshot_preview1";

/// The store of a start-up: WASI preview 1 granting nothing, the memory budget, and what
/// start-up read.
struct Starting {
    wasi: WasiP1Ctx,
    budget: Budget,
    read: Vec<StartUpRead>,
}

impl Starting {
    fn saw(&mut self, read: StartUpRead) {
        if !self.read.contains(&read) {
            self.read.push(read);
        }
    }
}

impl Runtime {
    pub(super) fn snapshot_module(
        &self,
        what: &str,
        bytes: &[u8],
    ) -> Result<Preinitialized, RunError> {
        let mut wizer = Wizer::new();
        wizer.init_func(INIT);
        let wizer = &wizer;
        let (cx, instrumented) = isolated(what, || wizer.instrument(bytes))?;
        let module = Module::new(self.engine(), &instrumented)
            .map_err(|e| refused(what, format!("compiling it failed: {e:#}")))?;
        match module.get_export(INIT) {
            Some(ExternType::Func(f)) if f.params().len() == 0 && f.results().len() == 0 => {}
            _ => {
                return Err(refused(
                    what,
                    format!(
                    "it has no start-up to run: a reactor module exports `{INIT}: func()`, and this one does not"
                    ),
                ))
            }
        }
        let linker = start_up_linker(self, &module).map_err(|e| instantiate_error(what, e))?;
        let mut store = Store::new(
            self.engine(),
            Starting {
                wasi: WasiCtxBuilder::new().build_p1(),
                budget: Budget::new(PREINIT_LIMITS.max_memory),
                read: Vec::new(),
            },
        );
        store.limiter(|s| &mut s.budget);
        store.set_epoch_deadline(1);
        store.epoch_deadline_trap();
        let _deadline = Deadline::start(self.engine(), what, &PREINIT_LIMITS);
        let outcome: Option<wasmtime::Result<wasmtime::Instance>> =
            block_on(PREINIT_LIMITS.wall_clock(), async {
                let instance = linker.instantiate_async(&mut store, &module).await?;
                instance
                    .get_typed_func::<(), ()>(&mut store, INIT)?
                    .call_async(&mut store, ())
                    .await?;
                Ok(instance)
            });
        let hit = store.data().budget.hit();
        let instance = started(what, outcome, hit, &PREINIT_LIMITS)?;
        let mut state = Reading {
            store: &mut store,
            instance,
        };
        // The rewrite is another crate's code over the module's bytes: isolated.
        let snapshot = isolated(what, || {
            block_on(None, wizer.snapshot(&cx, &mut state)).expect("no bound, so it ends")
        })?;
        let snapshot = validated(what, snapshot)?;
        Ok(Preinitialized {
            bytes: snapshot,
            read: std::mem::take(&mut store.data_mut().read),
        })
    }
}

/// WASI preview 1 with the reads of the environment, the arguments and randomness watched,
/// and every other import a trap that names it.
fn start_up_linker(runtime: &Runtime, module: &Module) -> wasmtime::Result<Linker<Starting>> {
    let mut linker = Linker::<Starting>::new(runtime.engine());
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, |s| &mut s.wasi)?;
    linker.allow_shadowing(true);
    // Both sizes zero: nothing is granted at build time, and start-up learns so.
    for (name, read) in [
        ("environ_sizes_get", StartUpRead::Environment),
        ("args_sizes_get", StartUpRead::Arguments),
    ] {
        linker.func_wrap(
            WASI,
            name,
            move |mut caller: Caller<'_, Starting>, count: i32, size: i32| {
                caller.data_mut().saw(read);
                let memory = memory(&mut caller)?;
                for at in [count, size] {
                    memory.write(&mut caller, at as u32 as usize, &0u32.to_le_bytes())?;
                }
                wasmtime::Result::Ok(0i32)
            },
        )?;
    }
    linker.func_wrap(
        WASI,
        "random_get",
        |mut caller: Caller<'_, Starting>, at: i32, len: i32| {
            caller.data_mut().saw(StartUpRead::Randomness);
            let memory = memory(&mut caller)?;
            // The guest's length is checked against its memory before the host allocates it.
            let (at, len) = (at as u32 as usize, len as u32 as usize);
            if at.saturating_add(len) > memory.data_size(&caller) {
                return Err(wasmtime::format_err!(
                    "`random_get` asked for {len} bytes at {at}, beyond its memory"
                ));
            }
            let mut bytes = vec![0u8; len];
            getrandom::fill(&mut bytes)
                .map_err(|e| wasmtime::format_err!("the host has no randomness: {e}"))?;
            memory.write(&mut caller, at, &bytes)?;
            wasmtime::Result::Ok(0i32)
        },
    )?;
    // The preview 1 adapter's own extension, which Go's bindings call around allocations:
    // a clock that is not read during start-up needs no pausing.
    if module
        .imports()
        .any(|i| i.module() == WASI && i.name() == "adapter_monotonic_clock_set_paused")
    {
        linker.func_wrap(
            WASI,
            "adapter_monotonic_clock_set_paused",
            |_: Caller<'_, Starting>, _paused: i32| {},
        )?;
    }
    for import in module.imports() {
        if import.module() == WASI {
            continue;
        }
        if let ExternType::Func(ty) = import.ty() {
            let (from, name) = (import.module().to_string(), import.name().to_string());
            linker.func_new(import.module(), import.name(), ty, move |_, _: &[Val], _: &mut [Val]| {
                Err(wasmtime::format_err!(
                    "import `{from}#{name}` was called, but start-up that is pre-initialized may call only WASI (it runs before anything is linked)"
                ))
            })?;
        }
    }
    // Any other function of preview 1 that the host lacks fails when called, not before.
    linker.define_unknown_imports_as_traps(module)?;
    Ok(linker)
}

fn memory(caller: &mut Caller<'_, Starting>) -> wasmtime::Result<wasmtime::Memory> {
    match caller.get_export("memory") {
        Some(Extern::Memory(memory)) => Ok(memory),
        _ => Err(wasmtime::format_err!(
            "a WASI call needs the module's exported `memory`"
        )),
    }
}

/// The instrumented instance, read through the exports the pre-initializer added.
struct Reading<'a> {
    store: &'a mut Store<Starting>,
    instance: wasmtime::Instance,
}

impl InstanceState for Reading<'_> {
    async fn global_get(&mut self, name: &str, _: ValType) -> SnapshotVal {
        let global = self
            .instance
            .get_global(&mut *self.store, name)
            .expect("the pre-initializer exported it");
        match global.get(&mut *self.store) {
            Val::I32(x) => SnapshotVal::I32(x),
            Val::I64(x) => SnapshotVal::I64(x),
            Val::F32(x) => SnapshotVal::F32(x),
            Val::F64(x) => SnapshotVal::F64(x),
            Val::V128(x) => SnapshotVal::V128(x.as_u128()),
            other => panic!("a global of type {:?} cannot be snapshotted", other),
        }
    }

    async fn memory_contents(&mut self, name: &str, contents: impl FnOnce(&[u8]) + Send) {
        let memory = self
            .instance
            .get_memory(&mut *self.store, name)
            .expect("the pre-initializer exported it");
        contents(memory.data(&*self.store))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    /// A reactor whose start-up counts itself, reads the environment's sizes over the 99
    /// its data put at 0, and draws 8 random bytes at 16.
    const REACTOR: &str = r#"(module
        (import "wasi_snapshot_preview1" "environ_sizes_get" (func $env (param i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
        (memory (export "memory") 1)
        (data (i32.const 0) "\63")
        (global $starts (mut i32) (i32.const 0))
        (func (export "_initialize")
            (global.set $starts (i32.add (global.get $starts) (i32.const 1)))
            (drop (call $env (i32.const 0) (i32.const 4)))
            (drop (call $random (i32.const 16) (i32.const 8))))
        (func (export "starts") (result i32) global.get $starts)
        (func (export "load") (param i32) (result i64) (i64.load (local.get 0))))"#;

    fn runtime() -> Runtime {
        Runtime::new(None, &Limits::default()).unwrap()
    }

    #[test]
    fn a_reactor_starts_where_its_start_up_ended_and_says_what_it_read() {
        let runtime = runtime();
        let done = runtime
            .preinitialize("r", &wat::parse_str(REACTOR).unwrap())
            .unwrap();
        assert_eq!(
            done.read,
            [StartUpRead::Environment, StartUpRead::Randomness]
        );
        let module = Module::new(runtime.engine(), &done.bytes).unwrap();
        assert!(
            module.get_export(INIT).is_none(),
            "start-up must not run again"
        );
        let mut linker = Linker::<()>::new(runtime.engine());
        linker.define_unknown_imports_as_traps(&module).unwrap();
        let mut store = Store::new(runtime.engine(), ());
        store.set_epoch_deadline(1);
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let starts = instance
            .get_typed_func::<(), i32>(&mut store, "starts")
            .unwrap();
        assert_eq!(starts.call(&mut store, ()).unwrap(), 1);
        let load = instance
            .get_typed_func::<i32, i64>(&mut store, "load")
            .unwrap();
        // The environment was empty (the 99 is overwritten); the random bytes are data.
        assert_eq!(load.call(&mut store, 0).unwrap(), 0);
        assert_ne!(load.call(&mut store, 16).unwrap(), 0);
    }

    #[test]
    fn start_up_that_calls_a_linked_import_is_refused_by_name() {
        let bytes = wat::parse_str(
            r#"(module
                (import "demo:x/api" "ping" (func $ping))
                (memory (export "memory") 1)
                (func (export "_initialize") call $ping))"#,
        )
        .unwrap();
        let err = runtime()
            .preinitialize("m", &bytes)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("demo:x/api#ping") && err.contains("may call only WASI"),
            "{err}"
        );
    }

    #[test]
    fn randomness_asked_beyond_memory_is_refused_before_the_host_allocates_it() {
        let bytes = wat::parse_str(
            r#"(module
                (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
                (memory (export "memory") 1)
                (func (export "_initialize") (drop (call $random (i32.const 16) (i32.const -1)))))"#,
        )
        .unwrap();
        let err = runtime()
            .preinitialize("m", &bytes)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("asked for 4294967295 bytes at 16, beyond its memory"),
            "{err}"
        );
    }

    #[test]
    fn a_module_without_start_up_is_refused_with_the_reason() {
        let bytes = wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap();
        let err = runtime()
            .preinitialize("m", &bytes)
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no start-up to run"), "{err}");
    }
}
