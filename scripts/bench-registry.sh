#!/usr/bin/env bash
# Publish and pull times through a real registry (docker-registry on 127.0.0.1), for a small
# C component, the 2.7 MB Rust+Go example and the 18 MB Python example: publish (the first
# time and again with --force), a pull into an empty cache, and a pull served by the cache.
# Usage: scripts/bench-registry.sh [N]   (needs scripts/setup.sh and docker-registry)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-5}
cargo build --release --locked -p compose-cli >/dev/null 2>&1
compose=$PWD/target/release/compose
# Guest builds outside the repository use its pinned toolchain (with the wasm targets).
RUSTUP_TOOLCHAIN=$(rustup show active-toolchain | cut -d' ' -f1)
export RUSTUP_TOOLCHAIN
work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/config.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $work/storage
http:
  addr: 127.0.0.1:$port
YML
docker-registry serve "$work/config.yml" >/dev/null 2>&1 &
registry=$!
trap 'kill $registry; rm -rf "$work"' EXIT
sleep 1
export COMPOSE_REGISTRY=127.0.0.1:$port COMPOSE_REGISTRY_CONFIG=$work/none.toml

now() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.1f", m }'; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f\n", (b - a) / 1e6 }'; }

for example in python-uses-c rust-calls-go; do
    cp -r "examples/$example" "$work/$example"
    "$compose" build --manifest-path "$work/$example/compose.toml" >/dev/null 2>&1
done
declare -A files=(
    [c-codec]=$work/python-uses-c/target/compose/dev/components/codec/codec.wasm
    [rust-calls-go]=$work/rust-calls-go/target/compose/dev/rust-calls-go.wasm
    [python-uses-c]=$work/python-uses-c/target/compose/dev/python-uses-c.wasm
)
printf "%-14s %10s %12s %12s %14s %14s\n" artifact size "publish" "republish" "pull (cold)" "pull (cached)"
for name in c-codec rust-calls-go python-uses-c; do
    file=${files[$name]}
    size=$(stat -c %s "$file")
    first=$( { t0=$(now); "$compose" publish "$file" "bench:$name@1.0.0" >/dev/null 2>&1; t1=$(now); ms "$t0" "$t1"; } )
    again=$(for _ in $(seq "$n"); do t0=$(now); "$compose" publish "$file" "bench:$name@1.0.0" --force >/dev/null 2>&1; t1=$(now); ms "$t0" "$t1"; done | median)
    cold=$(for i in $(seq "$n"); do t0=$(now); COMPOSE_REGISTRY_CACHE=$work/cache-$name-$i "$compose" pull "bench:$name@1.0.0" -o "$work/out.wasm" >/dev/null 2>&1; t1=$(now); ms "$t0" "$t1"; done | median)
    warm=$(for _ in $(seq "$n"); do t0=$(now); COMPOSE_REGISTRY_CACHE=$work/cache-$name-1 "$compose" pull "$COMPOSE_REGISTRY/bench/$name:1.0.0" -o "$work/out.wasm" >/dev/null 2>&1; t1=$(now); ms "$t0" "$t1"; done | median)
    printf "%-14s %10s %10s ms %10s ms %12s ms %12s ms\n" "$name" "$size" "$first" "$again" "$cold" "$warm"
done
