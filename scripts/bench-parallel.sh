#!/usr/bin/env bash
# Parallel builds: the 8-component matrix (tests/fixtures/matrix: Rust, Go, C and Python, two
# of each) built cold (empty compose output, cargo target folders and Go build cache) one
# component at a time (`-j 1`) and with the default (`-j` = cores), alternately, and the ratio
# of the medians. Also checks that both give byte-identical components (Python aside:
# componentize-py's output differs from run to run).
# Usage: scripts/bench-parallel.sh [N]   (needs scripts/setup.sh to have run; N=3 takes minutes)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
cargo build --locked -p compose-cli
compose=$PWD/target/debug/compose
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
RUSTUP_TOOLCHAIN=$(rustup show active-toolchain | cut -d' ' -f1)
export RUSTUP_TOOLCHAIN

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m }'; }
cold_build() { # jobs, output folder for the components
    rm -rf "$work/project" "$work/gocache"
    cp -r tests/fixtures/matrix "$work/project"
    rm -rf "$work/project/target" "$work"/project/*/target
    local t0; t0=$(now)
    # Each Rust crate in its own target folder, as a user's are (with one shared folder, two
    # cargo processes wait for each other's lock).
    env -u CARGO_TARGET_DIR GOCACHE="$work/gocache" \
        "$compose" build -j "$1" --manifest-path "$work/project/compose.toml" >"$work/log-$1" 2>&1
    awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.1f\n", (b - a) / 1e9 }'
    rm -rf "$2"; cp -r "$work/project/target/compose/dev/components" "$2"
}
jobs=$(nproc)
ones=() alls=()
for _ in $(seq "$n"); do
    ones+=("$(cold_build 1 "$work/seq")")
    alls+=("$(cold_build "$jobs" "$work/par")")
done
one=$(printf '%s\n' "${ones[@]}" | median)
all=$(printf '%s\n' "${alls[@]}" | median)
echo "cold build of the 8-component matrix, median of $n, alternating"
echo "  -j 1:        ${one} s"
echo "  -j $jobs:        ${all} s   ratio $(awk -v a="$all" -v b="$one" 'BEGIN { printf "%.2f", a / b }') (goal 0.6)"
echo "  per component, last -j $jobs build:"; grep "Built" "$work/log-$jobs" | sed 's/^/    /'
for f in "$work"/seq/*/*.wasm; do
    name=$(basename "$f")
    case "$name" in kit-py.wasm|check-py.wasm) continue ;; esac
    cmp -s "$f" "$work/par/$(basename "$(dirname "$f")")/$name" || echo "  DIFFERENT: $name"
done
