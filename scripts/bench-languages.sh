#!/usr/bin/env bash
# The same small interface (demo:calc/calc, tests/fixtures/calc) in Rust, Go, C and Python:
# component size, cold build, rebuild after a source change, and the whole-process time of
# `compose run COMPONENT --invoke 'add(1, 2)'` with a warm compiled-code cache (median of N).
# Usage: scripts/bench-languages.sh [N]   (needs scripts/setup.sh; builds compose in release)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
cargo build --release --locked -p compose-cli >/dev/null 2>&1
compose=$PWD/target/release/compose
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r tests/fixtures/calc "$work/calc"
find "$work/calc" -name target -type d -prune -exec rm -rf {} +
manifest="$work/calc/compose.toml"
# Cold: no cargo target, Go build cache, zig cache or compiled-code cache of before.
RUSTUP_TOOLCHAIN=$(rustup show active-toolchain | cut -d' ' -f1)
export RUSTUP_TOOLCHAIN CARGO_TARGET_DIR="$work/cargo" GOCACHE="$work/go" ZIG_GLOBAL_CACHE_DIR="$work/zig"

built_secs() { sed -n "s/.*Built $1 ([^,]*, \([0-9.]*\)s).*/\1/p" | tail -1; }
cold_log=$("$compose" build --manifest-path "$manifest" 2>&1)

declare -A source=([calc-rust]=calc-rust/src/lib.rs [calc-go]=calc-go/export_demo_calc_calc/calc.go [calc-c]=calc-c/calc.c [calc-py]=calc-py/app.py)
declare -A comment=([calc-rust]=// [calc-go]=// [calc-c]=// [calc-py]=\#)
now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m }'; }

printf "%-10s %12s %12s %14s %22s\n" component size "cold build" "warm rebuild" "compose run (warm)"
for c in calc-rust calc-go calc-c calc-py; do
    echo "${comment[$c]} touched" >> "$work/calc/${source[$c]}"
    warm=$("$compose" build --manifest-path "$manifest" 2>&1 | built_secs "$c")
    wasm="$work/calc/target/compose/dev/components/$c/$c.wasm"
    "$compose" run "$wasm" --invoke 'add(1, 2)' >/dev/null 2>&1   # compile once, into the cache
    run=$(for _ in $(seq "$n"); do t0=$(now); "$compose" run "$wasm" --invoke 'add(1, 2)' >/dev/null 2>&1; echo $(( ($(now) - t0) / 1000 )); done | median)
    printf "%-10s %12s %11ss %13ss %19s ms\n" "$c" "$(stat -c %s "$wasm")" "$(echo "$cold_log" | built_secs "$c")" "$warm" "$(awk -v u="$run" 'BEGIN { printf "%.1f", u / 1000 }')"
done
