//! What confining the libraries of a composition costs: the same parts linked with and
//! without a virtual WASI component in front of each library (link time, size), both files
//! written so that `scripts/bench-confine.sh` can time running them.
//!
//! `cargo bench -p compose-linker --bench confine -- OUT_DIR ROOT.wasm LIB.wasm... [--iterations N]`

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use compose_linker::{Composition, Wasi, Wiring};

fn main() {
    let mut files = Vec::new();
    let mut iterations = 20usize;
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = args.next() {
        if arg == "--iterations" {
            iterations = args
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(iterations);
        } else {
            files.push(arg);
        }
    }
    if files.len() < 3 {
        eprintln!("usage: cargo bench -p compose-linker --bench confine -- OUT_DIR ROOT.wasm LIB.wasm... [--iterations N]");
        std::process::exit(2);
    }
    let out = std::path::PathBuf::from(files.remove(0));
    let parts: Vec<(String, Vec<u8>)> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let bytes = std::fs::read(f).unwrap_or_else(|e| panic!("read {f}: {e}"));
            (format!("part-{i}"), bytes)
        })
        .collect();
    let wasi = Wasi::new(compose_runtime::WASI_WIT).expect("WASI");
    for confined in [false, true] {
        let mut bytes = Vec::new();
        let mut virtual_bytes = 0;
        let took = median((0..iterations).map(|_| {
            let t = Instant::now();
            let mut composition = Composition::new();
            for (name, part) in &parts {
                composition.add(name, part.clone()).expect("add");
            }
            composition
                .plan(&parts[0].0, &Wiring::default())
                .expect("plan");
            if confined {
                composition
                    .confine(&wasi, &BTreeMap::new())
                    .expect("confine");
                virtual_bytes = composition
                    .parts()
                    .iter()
                    .filter(|p| p.name.ends_with(".wasi"))
                    .map(|p| p.bytes().len())
                    .sum();
            }
            bytes = composition.encode().expect("encode");
            t.elapsed()
        }));
        let name = if confined { "confined" } else { "unconfined" };
        std::fs::write(out.join(format!("{name}.wasm")), &bytes).expect("write");
        println!(
            "{name}: link {:.2} ms (median of {iterations}), {} bytes, virtual WASI {virtual_bytes} bytes",
            took.as_secs_f64() * 1000.0,
            bytes.len()
        );
    }
}

fn median(samples: impl Iterator<Item = Duration>) -> Duration {
    let mut v: Vec<Duration> = samples.collect();
    v.sort();
    v[v.len() / 2]
}
