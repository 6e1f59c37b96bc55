//! In-process start-up costs of a component on compose's runtime: loading its compiled code
//! from the cache, linking it (`InstancePre`), and instantiating it again and again from
//! that `InstancePre` (what every `compose test` call and every served request pays), with
//! instances allocated on demand or from a pool, with and without pre-initialization.
//!
//! `cargo bench -p compose-runtime --bench instantiate -- FILE.wasm [ITERATIONS] [CALL]`
//!
//! CALL (default `run()` when the component is a command) is called on each fresh
//! instance for "instantiate + first call". A "wasmtime alone" row instantiates the same
//! compiled code on the same engine with nothing of compose's (an empty WASI context and
//! Wasmtime's WASI linker): the floor compose's rows sit on. Results go to stderr: the guest
//! owns stdout.

use std::time::{Duration, Instant};

use compose_runtime::{Allocation, Grants, Limits, Runtime};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let Some(path) = args.next() else {
        eprintln!(
            "usage: cargo bench -p compose-runtime --bench instantiate -- FILE.wasm [ITERATIONS] [CALL]"
        );
        std::process::exit(2);
    };
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(200);
    let call = args.next().unwrap_or_else(|| "run()".to_string());
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("read {path}: {e}"));
    let cache = tempfile::tempdir().expect("temp dir");
    let limits = Limits::default();
    let runtime = Runtime::new(Some(cache.path().to_path_buf()), &limits).expect("engine");

    let started = Instant::now();
    runtime.load(&path, &bytes).expect("compile");
    let compile = started.elapsed();
    let load = median((0..20).map(|_| {
        let t = Instant::now();
        let loaded = runtime.load(&path, &bytes).expect("load");
        assert!(loaded.from_cache);
        t.elapsed()
    }));
    let loaded = runtime.load(&path, &bytes).expect("load");
    let link = median((0..20).map(|_| {
        let t = Instant::now();
        runtime
            .session(&loaded, &Grants::default(), &limits, &[])
            .expect("link");
        t.elapsed()
    }));

    let started = Instant::now();
    let preinitialized = runtime.preinitialize(&path, &bytes);
    let preinit = started.elapsed();

    eprintln!("compose-runtime start-up of {path} ({} bytes)", bytes.len());
    eprintln!(
        "  compile (Cranelift, first run):         {:>9.3} ms",
        ms(compile)
    );
    eprintln!(
        "  load compiled code from cache:          {:>9.3} ms (median of 20)",
        ms(load)
    );
    eprintln!(
        "  link (Linker + InstancePre):            {:>9.3} ms (median of 20)",
        ms(link)
    );
    let mut forms = vec![("as built", bytes.clone())];
    match preinitialized {
        Ok(snapshot) => {
            eprintln!(
                "  pre-initialize (once, at build):        {:>9.3} ms ({} -> {} bytes)",
                ms(preinit),
                bytes.len(),
                snapshot.bytes.len()
            );
            forms.push(("pre-initialized", snapshot.bytes));
        }
        // A composed file holds nested components: its parts are pre-initialized instead
        // (`preinit = true` in the manifest), which shows in its "as built" rows.
        Err(e) => eprintln!("  pre-initialize: not possible here: {e}"),
    }
    eprintln!(
        "  median of {iterations}, from one InstancePre:   instantiate   instantiate + {call}"
    );
    for (label, allocation) in [
        ("on demand", Allocation::OnDemand),
        (
            "pooled",
            Allocation::Pooled {
                instances: 16,
                shape: compose_runtime::Shape::ANY,
            },
        ),
    ] {
        let runtime =
            Runtime::with_allocation(Some(cache.path().to_path_buf()), &limits, allocation)
                .expect("engine");
        for (form, wasm) in &forms {
            let loaded = runtime.load(&path, wasm).expect("load");
            let session = runtime
                .session(&loaded, &Grants::default(), &limits, &[])
                .expect("link");
            let instantiate = median((0..iterations).map(|_| {
                let t = Instant::now();
                session.instantiate().expect("instantiate");
                t.elapsed()
            }));
            let first_call = median((0..iterations).map(|_| {
                let t = Instant::now();
                session.call(&call).expect("call");
                t.elapsed()
            }));
            eprintln!(
                "  {label:<9} {form:<16}                {:>9.1} µs   {:>9.1} µs",
                us(instantiate),
                us(first_call)
            );
            if let Some(floor) = wasmtime_alone(&runtime, loaded.component(), iterations) {
                eprintln!(
                    "  {label:<9} {form:<16} wasmtime alone {:>9.1} µs",
                    us(floor)
                );
            }
        }
    }
}

/// What Wasmtime alone takes to instantiate `component` from one `InstancePre` on `runtime`'s
/// engine, with an empty WASI context; `None` if it imports more than WASI.
fn wasmtime_alone(
    runtime: &Runtime,
    component: &wasmtime::component::Component,
    iterations: usize,
) -> Option<Duration> {
    struct Bare {
        ctx: wasmtime_wasi::WasiCtx,
        table: wasmtime::component::ResourceTable,
    }
    impl wasmtime_wasi::WasiView for Bare {
        fn ctx(&mut self) -> wasmtime_wasi::WasiCtxView<'_> {
            wasmtime_wasi::WasiCtxView {
                ctx: &mut self.ctx,
                table: &mut self.table,
            }
        }
    }
    let engine = runtime.engine();
    let mut linker = wasmtime::component::Linker::<Bare>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker).ok()?;
    let pre = linker.instantiate_pre(component).ok()?;
    let executor = tokio::runtime::Builder::new_current_thread().build().ok()?;
    let samples: Vec<Duration> = (0..iterations)
        .map(|_| {
            let t = Instant::now();
            let mut store = wasmtime::Store::new(
                engine,
                Bare {
                    ctx: wasmtime_wasi::WasiCtx::builder().build(),
                    table: wasmtime::component::ResourceTable::new(),
                },
            );
            store.set_epoch_deadline(1);
            executor
                .block_on(pre.instantiate_async(&mut store))
                .expect("instantiate");
            t.elapsed()
        })
        .collect();
    Some(median(samples.into_iter()))
}

fn median(samples: impl Iterator<Item = Duration>) -> Duration {
    let mut v: Vec<Duration> = samples.collect();
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn us(d: Duration) -> f64 {
    d.as_secs_f64() * 1_000_000.0
}
