//! In-process cost of linking: a root component and the components it imports from, read
//! once, then added, planned (matched and type-checked) and encoded again and again, as
//! `compose build` does when a component changed. `scripts/bench-link.sh` compares it with
//! `wac plug` on the same files.
//!
//! `cargo bench -p compose-linker --bench link -- ROOT.wasm PLUG.wasm... [--iterations N]`

use std::time::{Duration, Instant};

use compose_linker::{Composition, Wiring};

fn main() {
    let mut files = Vec::new();
    let mut iterations = 50usize;
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
    if files.len() < 2 {
        eprintln!("usage: cargo bench -p compose-linker --bench link -- ROOT.wasm PLUG.wasm... [--iterations N]");
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
    let mut size = 0;
    let took = median((0..iterations).map(|_| {
        let t = Instant::now();
        let mut composition = Composition::new();
        for (name, bytes) in &parts {
            composition.add(name, bytes.clone()).expect("add");
        }
        composition
            .plan(&parts[0].0, &Wiring::default())
            .expect("plan");
        size = composition.encode().expect("encode").len();
        t.elapsed()
    }));
    println!(
        "link {} components in process (add + plan + encode): {:.3} ms, median of {iterations}; {size} bytes",
        parts.len(),
        took.as_secs_f64() * 1000.0
    );
}

fn median(samples: impl Iterator<Item = Duration>) -> Duration {
    let mut v: Vec<Duration> = samples.collect();
    v.sort();
    v[v.len() / 2]
}
