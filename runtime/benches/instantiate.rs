//! In-process start-up costs of a component on compose's runtime:
//! loading its compiled code from the cache, linking it (`InstancePre`), and instantiating
//! it again and again from that `InstancePre` (what every `compose test` call pays).
//!
//! `cargo bench -p compose-runtime --bench instantiate -- FILE.wasm [ITERATIONS]`

use std::time::{Duration, Instant};

use compose_runtime::{Grants, Limits, Runtime};

fn main() {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let Some(path) = args.next() else {
        eprintln!(
            "usage: cargo bench -p compose-runtime --bench instantiate -- FILE.wasm [ITERATIONS]"
        );
        std::process::exit(2);
    };
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(200);
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
    let session = runtime
        .session(&loaded, &Grants::default(), &limits, &[])
        .expect("link");
    let instantiate = median((0..iterations).map(|_| {
        let t = Instant::now();
        session.instantiate().expect("instantiate");
        t.elapsed()
    }));

    println!("compose-runtime start-up of {path} ({} bytes)", bytes.len());
    println!(
        "  compile (Cranelift, first run):        {:>10.3} ms",
        ms(compile)
    );
    println!(
        "  load compiled code from cache:         {:>10.3} ms (median of 20)",
        ms(load)
    );
    println!(
        "  link (Linker + InstancePre):           {:>10.3} ms (median of 20)",
        ms(link)
    );
    println!(
        "  instantiate from InstancePre:          {:>10.3} ms (median of {iterations})",
        ms(instantiate)
    );
}

fn median(samples: impl Iterator<Item = Duration>) -> Duration {
    let mut v: Vec<Duration> = samples.collect();
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
