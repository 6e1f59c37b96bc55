//! Pre-initialization of a component: wasmtime-wizer in component mode, instantiation as the
//! start-up, WASI p2 as the only host.

use wasmtime::component::{Instance, Lift, WasmList};
use wasmtime::Store;
use wasmtime_wizer::{ComponentInstanceState, Wizer};

use super::{isolated, refused, refused_with, validated, Preinitialized, PREINIT_LIMITS};
use crate::deadline::{block_on, Deadline};
use crate::store::{instantiate_error, open_resources, over_budget, started, State};
use crate::{Grants, RunError, Runtime};

/// Wizer removes the export that named its initialization function. compose's
/// initialization is instantiation itself, so it names an export no component can have.
const NO_INIT_EXPORT: &str = "compose:none/none.none";

impl Runtime {
    pub(super) fn snapshot_component(
        &self,
        what: &str,
        bytes: &[u8],
    ) -> Result<Preinitialized, RunError> {
        let mut wizer = Wizer::new();
        wizer.init_func(NO_INIT_EXPORT);
        let wizer = &wizer;
        let (cx, instrumented) = isolated(what, || wizer.instrument_component(bytes))?;
        let loaded = self.load(what, &instrumented)?;
        let mut linker = self.linker()?;
        crate::invoke::define_traps(
            self,
            &mut linker,
            &loaded,
            &[],
            "start-up that is pre-initialized may call only WASI (it runs before anything is linked)",
        )
        .map_err(|e| instantiate_error(what, e))?;
        let mut store = self.store(what, &Grants::default(), &PREINIT_LIMITS)?;
        let _deadline = Deadline::start(self.engine(), what, &PREINIT_LIMITS);
        let outcome = block_on(PREINIT_LIMITS.wall_clock(), async {
            linker
                .instantiate_async(&mut store, &loaded.component)
                .await
        });
        let instance = started(what, outcome, over_budget(&store), &PREINIT_LIMITS)?;
        // A handle is an index into this store's tables: in a snapshot it would name
        // nothing in the next instance's.
        let open = open_resources(&mut store);
        if open > 0 {
            return Err(refused_with(what, format!(
                "its start-up keeps {open} host resource(s) open (streams or files opened through WASI), and an instance of the snapshot would hold handles that do not exist"
            ), "start-up that keeps a host resource (a stream, a file) open cannot be snapshotted: close it before start-up ends, or set `preinit = false` for it in compose.toml"));
        }
        let mut state = Snapshotting {
            store: &mut store,
            instance,
            failed: None,
        };
        // The rewrite is another crate's code over the component's bytes: isolated too.
        let snapshot = isolated(what, || {
            block_on(None, wizer.snapshot_component(&cx, &mut state)).expect("no bound, so it ends")
        });
        if let Some(e) = state.failed {
            return Err(refused(what, format!("reading its state failed: {e}")));
        }
        let snapshot = validated(what, snapshot?)?;
        // What start-up read is not observed at this level: the module docs say it.
        Ok(Preinitialized {
            bytes: snapshot,
            read: Vec::new(),
        })
    }
}

/// The instrumented instance, read through the exports the pre-initializer added. A failed
/// read is remembered (the trait has no way to return it) and reported after the snapshot.
struct Snapshotting<'a> {
    store: &'a mut Store<State>,
    instance: Instance,
    failed: Option<String>,
}

impl Snapshotting<'_> {
    async fn read<R: Lift + Send + Sync + 'static>(
        &mut self,
        instance: &str,
        func: &str,
    ) -> Option<R> {
        if self.failed.is_some() {
            return None;
        }
        let found = self
            .instance
            .get_export_index(&mut *self.store, None, instance)
            .and_then(|i| {
                self.instance
                    .get_export_index(&mut *self.store, Some(&i), func)
            })
            .ok_or_else(|| format!("`{instance}#{func}` is not exported"))
            .and_then(|index| {
                self.instance
                    .get_typed_func::<(), (R,)>(&mut *self.store, index)
                    .map_err(|e| format!("`{instance}#{func}`: {e:#}"))
            });
        let result = match found {
            Ok(typed) => typed
                .call_async(&mut *self.store, ())
                .await
                .map(|(r,)| r)
                .map_err(|e| format!("`{instance}#{func}`: {e:#}")),
            Err(e) => Err(e),
        };
        match result {
            Ok(r) => Some(r),
            Err(e) => {
                self.failed = Some(e);
                None
            }
        }
    }
}

impl ComponentInstanceState for Snapshotting<'_> {
    async fn call_func_ret_list_u8(
        &mut self,
        instance: &str,
        func: &str,
        contents: impl FnOnce(&[u8]) + Send,
    ) {
        if self.failed.is_some() {
            return contents(&[]);
        }
        let list: Option<WasmList<u8>> = self.read(instance, func).await;
        match list {
            Some(list) => contents(list.as_le_slice(&*self.store)),
            None => contents(&[]),
        }
    }

    async fn call_func_ret_s32(&mut self, instance: &str, func: &str) -> i32 {
        self.read(instance, func).await.unwrap_or_default()
    }

    async fn call_func_ret_s64(&mut self, instance: &str, func: &str) -> i64 {
        self.read(instance, func).await.unwrap_or_default()
    }

    async fn call_func_ret_f32(&mut self, instance: &str, func: &str) -> u32 {
        self.read::<f32>(instance, func)
            .await
            .unwrap_or_default()
            .to_bits()
    }

    async fn call_func_ret_f64(&mut self, instance: &str, func: &str) -> u64 {
        self.read::<f64>(instance, func)
            .await
            .unwrap_or_default()
            .to_bits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Limits;

    /// A core start function that counts itself and writes 42 to memory.
    const STARTS: &str = r#"(component
        (core module $m
            (global $starts (mut i32) (i32.const 0))
            (memory 1)
            (func $start
                (global.set $starts (i32.add (global.get $starts) (i32.const 1)))
                (i32.store (i32.const 16) (i32.const 42)))
            (start $start)
            (func (export "starts") (result i32) global.get $starts)
            (func (export "stored") (result i32) (i32.load (i32.const 16))))
        (core instance $i (instantiate $m))
        (func (export "starts") (result u32) (canon lift (core func $i "starts")))
        (func (export "stored") (result u32) (canon lift (core func $i "stored"))))"#;

    fn ask(runtime: &Runtime, bytes: &[u8], call: &str) -> String {
        let loaded = runtime.load("c", bytes).unwrap();
        let invoked = runtime
            .invoke(&loaded, call, &Grants::default(), &Limits::default())
            .unwrap();
        invoked.results.join(",")
    }

    #[test]
    fn start_up_runs_once_at_preinit_and_never_again() {
        let bytes = wat::parse_str(STARTS).unwrap();
        let runtime = Runtime::new(None, &Limits::default()).unwrap();
        assert_eq!(ask(&runtime, &bytes, "starts()"), "1");
        let snapshot = runtime.preinitialize("c", &bytes).unwrap().bytes;
        // The start function is gone and its effects are data: a second start-up would
        // make it 2.
        assert_eq!(ask(&runtime, &snapshot, "starts()"), "1");
        assert_eq!(ask(&runtime, &snapshot, "stored()"), "42");
        let pooled = Runtime::with_allocation(
            None,
            &Limits::default(),
            crate::Allocation::Pooled {
                instances: 2,
                shape: crate::Shape::ANY,
            },
        )
        .unwrap();
        assert_eq!(ask(&pooled, &snapshot, "starts()"), "1");
    }

    #[test]
    fn start_up_that_calls_a_linked_import_is_refused_by_name() {
        let bytes = wat::parse_str(
            r#"(component
                (import "demo:x/api" (instance $api (export "ping" (func))))
                (core func $ping (canon lower (func $api "ping")))
                (core module $m
                    (import "api" "ping" (func $ping))
                    (start $ping))
                (core instance $i (instantiate $m
                    (with "api" (instance (export "ping" (func $ping)))))))"#,
        )
        .unwrap();
        let runtime = Runtime::new(None, &Limits::default()).unwrap();
        let err = runtime
            .preinitialize("caller", &bytes)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("demo:x/api#ping") && err.contains("may call only WASI"),
            "{err}"
        );
    }

    #[test]
    fn start_up_that_traps_is_a_preinit_error_saying_so() {
        let bytes = wat::parse_str(
            r#"(component
                (core module $m (func $boom unreachable) (start $boom))
                (core instance $i (instantiate $m)))"#,
        )
        .unwrap();
        let runtime = Runtime::new(None, &Limits::default()).unwrap();
        let err = runtime.preinitialize("boom", &bytes).unwrap_err();
        assert!(
            matches!(err, RunError::Preinit { .. })
                && err.to_string().contains("its start-up failed")
                && err.to_string().contains("unreachable"),
            "{err}"
        );
    }

    #[test]
    fn start_up_that_keeps_a_host_handle_is_refused_with_the_count() {
        // Start-up takes the stdout stream and keeps it: its handle number would be in
        // the snapshot, and name nothing in the next instance.
        let bytes = wat::parse_str(
            r#"(component
                (import "wasi:io/streams@0.2.0" (instance $streams
                    (export "output-stream" (type (sub resource)))))
                (alias export $streams "output-stream" (type $os))
                (import "wasi:cli/stdout@0.2.0" (instance $stdout
                    (alias outer 1 $os (type))
                    (export "output-stream" (type (eq 0)))
                    (type (own 1))
                    (type (func (result 2)))
                    (export "get-stdout" (func (type 3)))))
                (core func $get (canon lower (func $stdout "get-stdout")))
                (core module $m
                    (import "host" "get-stdout" (func $get (result i32)))
                    (func $start (drop (call $get)))
                    (start $start))
                (core instance $i (instantiate $m
                    (with "host" (instance (export "get-stdout" (func $get)))))))"#,
        )
        .unwrap();
        let runtime = Runtime::new(None, &Limits::default()).unwrap();
        let err = runtime.preinitialize("holder", &bytes).unwrap_err();
        assert!(
            matches!(err, RunError::Preinit { .. })
                && err.to_string().contains("keeps 1 host resource(s) open"),
            "{err}"
        );
    }

    #[test]
    fn a_composed_file_is_refused_with_the_reason() {
        let nested = format!(
            "(component (component $c{} (instance (instantiate $c)))",
            &STARTS["(component".len()..]
        );
        let bytes = wat::parse_str(&nested).unwrap();
        let runtime = Runtime::new(None, &Limits::default()).unwrap();
        let err = runtime.preinitialize("composed", &bytes).unwrap_err();
        assert!(
            matches!(err, RunError::Preinit { .. }) && err.to_string().contains("nested"),
            "{err}"
        );
    }
}
