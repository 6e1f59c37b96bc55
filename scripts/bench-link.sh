#!/usr/bin/env bash
# The cost of linking two components: compose's linker in process (add + plan + encode,
# `cargo bench -p compose-linker --bench link`) against `wac plug` on the same files (whole
# process; wac-cli is installed into compose's home by this script, never in CI), and the
# floor of a wac process doing nothing (`wac --version`), measured alternately.
# Usage: scripts/bench-link.sh [N]   (needs scripts/setup.sh to have run)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20}
home=${COMPOSE_HOME:-$HOME/.cache/compose}
wac="$home/bench/wac/bin/wac"
if [ ! -x "$wac" ]; then
    echo "bench-link: installing wac-cli into $home/bench/wac (once)"
    cargo install --quiet --locked wac-cli --root "$home/bench/wac"
fi
cargo build --locked -p compose-cli
./target/debug/compose build --manifest-path examples/rust-calls-go/compose.toml >/dev/null 2>&1
parts=$PWD/examples/rust-calls-go/target/compose/dev/components
app=$parts/app/app.wasm
greeter=$parts/greeter/greeter.wasm

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m }'; }
time_ms() { local t0; t0=$(now); "$@" >/dev/null 2>&1; awk -v a="$t0" -v b="$(now)" 'BEGIN { printf "%.3f\n", (b - a) / 1e6 }'; }
out=$(mktemp --suffix=.wasm)
trap 'rm -f "$out"' EXIT

echo "== linking rust-calls-go's app ($(stat -c %s "$app") bytes) with its Go greeter ($(stat -c %s "$greeter") bytes)"
cargo bench --locked -q -p compose-linker --bench link -- "$app" "$greeter" --iterations "$n" 2>/dev/null | sed 's/^/  compose: /'
plug=() floor=()
for _ in $(seq "$n"); do
    plug+=("$(time_ms "$wac" plug "$app" --plug "$greeter" -o "$out")")
    floor+=("$(time_ms "$wac" --version)")
done
echo "  wac plug (whole process, $("$wac" --version)): $(printf '%s\n' "${plug[@]}" | median) ms, median of $n"
echo "  wac --version (a process that does nothing):  $(printf '%s\n' "${floor[@]}" | median) ms"
