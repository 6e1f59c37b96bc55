#!/usr/bin/env bash
# Benchmarks of the first vertical slice, on a private copy of examples/rust-calls-go:
#   - cold build (empty cargo target, Go build cache and compose output), once;
#   - warm build with nothing changed (median of N);
#   - rebuild after touching the Go sources (median of N);
#   - `compose run` of the composed result, whole process, compiled-code cache warm (median of N).
# Usage: scripts/bench.sh [N]   (needs scripts/setup.sh to have run; uses target/debug/compose)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10}
compose=$PWD/target/debug/compose
[ -x "$compose" ] || { echo "bench: run ./scripts/setup.sh first" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/rust-calls-go "$work/project"
rm -rf "$work/project/target" "$work/project/app/target"
manifest="$work/project/compose.toml"
export CARGO_TARGET_DIR="$work/cargo-target" GOCACHE="$work/gocache"
# The copy lives outside this repository: build its Rust part with the repository's pinned
# toolchain (which has the wasm targets), not whatever the machine's default is.
RUSTUP_TOOLCHAIN=$(rustup show active-toolchain | cut -d' ' -f1)
export RUSTUP_TOOLCHAIN

now() { date +%s%N; }
# Prints the median of the numbers (milliseconds) on stdin.
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m }'; }
time_ms() { local t0; t0=$(now); "$@" >/dev/null 2>&1; echo $(( ($(now) - t0) / 1000000 )); }

cold=$(time_ms "$compose" build --manifest-path "$manifest")
warm=$(for _ in $(seq "$n"); do time_ms "$compose" build --manifest-path "$manifest"; done | median)
go_src="$work/project/greeter/export_demo_greet_greeter/greeter.go"
touched=$(for i in $(seq "$n"); do echo "// touch $i" >> "$go_src"; time_ms "$compose" build --manifest-path "$manifest"; done | median)
wasm="$work/project/target/compose/dev/rust-calls-go.wasm"
size=$(stat -c %s "$wasm")
"$compose" run "$wasm" >/dev/null 2>&1   # fills the compiled-code cache
run=$(for _ in $(seq "$n"); do time_ms "$compose" run "$wasm" -- bench; done | median)

echo "compose bench (examples/rust-calls-go, $(nproc) cores, median of $n)"
echo "  cold build (empty caches):         ${cold} ms"
echo "  warm build (nothing changed):      ${warm} ms"
echo "  rebuild after a Go source change:  ${touched} ms"
echo "  composed component size:           ${size} bytes"
echo "  compose run, whole process (warm): ${run} ms"
