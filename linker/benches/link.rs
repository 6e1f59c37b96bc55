//! In-process cost of linking: a root component and the components it imports from, read
//! once, then added, planned (matched and type-checked) and encoded again and again, as
//! `compose build` does when a component changed; once as they are, once with each library
//! confined by its virtual WASI component (what per-component grants cost in link time and
//! size). `scripts/bench-link.sh` compares it with `wac plug` on the same files;
//! `scripts/bench-confine.sh` runs the two files it writes with `--out`.
//!
//! `cargo bench -p compose-linker --bench link -- ROOT.wasm PLUG.wasm... [--iterations N] [--out DIR]`

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use compose_linker::{Composition, Wasi, Wiring};

fn main() {
    let mut files = Vec::new();
    let mut iterations = 50usize;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--iterations" => {
                iterations = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(iterations);
            }
            "--out" => out = args.next().map(PathBuf::from),
            _ => files.push(arg),
        }
    }
    if files.len() < 2 {
        eprintln!("usage: cargo bench -p compose-linker --bench link -- ROOT.wasm PLUG.wasm... [--iterations N] [--out DIR]");
        std::process::exit(2);
    }
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
        if let Some(dir) = &out {
            std::fs::write(dir.join(format!("{name}.wasm")), &bytes).expect("write");
        }
        println!(
            "link {} components in process (add + plan{} + encode), {name}: {:.3} ms, median of {iterations}; {} bytes (virtual WASI: {virtual_bytes})",
            parts.len(),
            if confined { " + confine" } else { "" },
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
