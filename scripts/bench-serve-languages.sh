#!/usr/bin/env bash
# What an HTTP handler costs in each language: `compose new NAME --template http --lang L`
# (a handler calling a greeter library, both in L), built --release and served by
# `compose serve`: the composed file's size, the first request after the server listens, and
# a warm request (median of N).
# Usage: scripts/bench-serve-languages.sh [N]   (needs scripts/setup.sh to have run)
set -euo pipefail
cd "$(dirname "$0")/.."
# Projects made outside the repository build their Rust with the toolchain pinned here.
export RUSTUP_TOOLCHAIN=${RUSTUP_TOOLCHAIN:-$(rustup show active-toolchain | cut -d' ' -f1)}
n=${1:-50}
cargo build --release --locked -p compose-cli
compose=$PWD/target/release/compose
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
median() { sort -n | awk '{ a[NR] = $1 } END { m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.2f", m }'; }
port=18180
printf "%-8s %10s %14s %14s\n" "language" "size" "first request" "warm (median)"
for lang in rust go c python; do
    "$compose" new "web-$lang" --lang "$lang" --template http --path "$work" >/dev/null 2>&1
    "$compose" build --release --manifest-path "$work/web-$lang/compose.toml" >/dev/null 2>&1
    file="$work/web-$lang/target/compose/release/web-$lang.wasm"
    "$compose" serve "$file" --addr "127.0.0.1:$port" >/dev/null 2>&1 &
    pid=$!
    # Compiled once before timing (the cache keeps it); then a fresh server, timed.
    for _ in $(seq 1 600); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
    kill "$pid"; wait "$pid" 2>/dev/null || true
    "$compose" serve "$file" --addr "127.0.0.1:$port" >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.01; done
    first=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/hello?name=Ada")
    warm=$(for _ in $(seq 1 "$n"); do curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/hello?name=Ada"; done \
        | awk '{ print $1 * 1000 }' | median)
    kill "$pid"; wait "$pid" 2>/dev/null || true
    pid=""
    size=$(du -h "$file" | cut -f1)
    printf "%-8s %10s %12.2fms %12sms\n" "$lang" "$size" "$(awk -v t="$first" 'BEGIN { print t * 1000 }')" "$warm"
    port=$((port + 1))
done
