#!/usr/bin/env bash
# What per-component grants cost: the same parts composed with and without a virtual WASI
# component in front of each library (`cargo bench -p compose-linker --bench link`: link
# time and size), then each file's start-up on compose's runtime (`--bench instantiate`:
# instantiate + run, in process) and whole runs of each under the reference `wasmtime run`,
# alternating. Projects: examples/rust-calls-go (a Go library), examples/go-calls-rust (a
# Rust one).
# Usage: scripts/bench-confine.sh [N]   (needs scripts/setup.sh to have run)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
cargo build --locked -q -p compose-cli
wasmtime=$(scripts/reference-wasmtime.sh)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f", m }'; }
time_ms() { local t0; t0=$(now); "$@" >/dev/null 2>&1; awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }'; }

for example in rust-calls-go go-calls-rust; do
    manifest=examples/$example/compose.toml
    ./target/debug/compose build --manifest-path "$manifest" >/dev/null 2>&1
    report=examples/$example/target/compose/dev/$example.build.json
    # The root's built component first, then the others'.
    parts=$(python3 -c "
import json, tomllib
root = tomllib.load(open('$manifest', 'rb'))['compose']['root']
built = {c['name']: c['artifact'] for c in json.load(open('$report'))['components']}
print(built[root], *[a for n, a in built.items() if n != root])")
    echo "== $example"
    # shellcheck disable=SC2086
    cargo bench --locked -q -p compose-linker --bench link -- $parts --iterations 20 --out "$out" 2>/dev/null | sed 's/^/  /'
    for file in unconfined confined; do
        echo "  -- $file: in process on compose's runtime"
        cargo bench --locked -q -p compose-runtime --bench instantiate -- "$out/$file.wasm" 200 2>&1 >/dev/null \
            | grep -E "^  (on demand|pooled) +as built +[0-9]" | sed "s/^/    /"
    done
    "$wasmtime" compile -o "$out/unconfined.cwasm" "$out/unconfined.wasm"
    "$wasmtime" compile -o "$out/confined.cwasm" "$out/confined.wasm"
    a=() b=()
    for _ in $(seq "$n"); do
        a+=("$(time_ms "$wasmtime" run --allow-precompiled -S cli "$out/unconfined.cwasm")")
        b+=("$(time_ms "$wasmtime" run --allow-precompiled -S cli "$out/confined.cwasm")")
    done
    echo "  wasmtime run (whole process, precompiled): unconfined $(printf '%s\n' "${a[@]}" | median) ms, confined $(printf '%s\n' "${b[@]}" | median) ms, median of $n"
done
