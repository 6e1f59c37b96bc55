#!/usr/bin/env bash
# Requests/s of the example HTTP service (Rust handler, Go greeter) deployed with
# `compose deploy` to a wasmCloud lattice on this machine: one host, then both hosts asked at
# once, then `compose serve` on the same file for comparison. Everything on 127.0.0.1: NATS,
# two `wash host`s and docker-registry.
# Usage: scripts/bench-deploy.sh [SECONDS] [CONNECTIONS]   (needs wrk and docker-registry)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
conns=${2:-16}
cargo build --release --locked -p compose-cli >/dev/null 2>&1
compose=$PWD/target/release/compose
RUSTUP_TOOLCHAIN=$(rustup show active-toolchain | cut -d' ' -f1)
export RUSTUP_TOOLCHAIN
{ read -r wash; read -r nats_server; } < <(scripts/wasmcloud.sh)
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
up() { for _ in $(seq 200); do (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

reg=$(free_port)
printf 'version: 0.1\nlog: {level: error}\nstorage: {filesystem: {rootdirectory: %s}}\nhttp: {addr: 127.0.0.1:%s}\n' "$work/reg" "$reg" > "$work/reg.yml"
docker-registry serve "$work/reg.yml" >/dev/null 2>&1 & pids+=($!)
nats=$(free_port)
"$nats_server" -a 127.0.0.1 -p "$nats" >/dev/null 2>&1 & pids+=($!)
up "$reg"; up "$nats"
http=()
for i in 1 2; do
    port=$(free_port); http+=("$port")
    HOME=$work/h$i "$wash" host --scheduler-nats-url "nats://127.0.0.1:$nats" --data-nats-url "nats://127.0.0.1:$nats" \
        --http-addr "127.0.0.1:$port" --host-name "host$i" --allow-insecure-registries >"$work/host$i.log" 2>&1 & pids+=($!)
    up "$port"
done
cp -r examples/http-rust-go "$work/app"
rm -rf "$work/app/target"
"$compose" deploy --manifest-path "$work/app/compose.toml" --image "127.0.0.1:$reg/bench/hello" \
    --http-host hello.local --nats "nats://127.0.0.1:$nats" --hosts 2 >/dev/null 2>&1
rps() { awk '/Requests\/sec/ {print $2}'; }
echo "wasmCloud 2.10 (wash host), $conns connections, ${seconds}s each:"
one=$(wrk -t1 -c"$conns" -d"${seconds}s" -H 'Host: hello.local' "http://127.0.0.1:${http[0]}/hello" | rps)
echo "  one host:            $one requests/s"
wrk -t1 -c"$conns" -d"${seconds}s" -H 'Host: hello.local' "http://127.0.0.1:${http[0]}/hello" > "$work/a.txt" &
other=$!
b=$(wrk -t1 -c"$conns" -d"${seconds}s" -H 'Host: hello.local' "http://127.0.0.1:${http[1]}/hello" | rps)
wait $other
a=$(rps < "$work/a.txt")
echo "  two hosts at once:   $a + $b requests/s"
port=$(free_port)
"$compose" serve "$work/app/target/compose/dev/http-rust-go.wasm" --addr "127.0.0.1:$port" >/dev/null 2>&1 & pids+=($!)
up "$port"
served=$(wrk -t1 -c"$conns" -d"${seconds}s" "http://127.0.0.1:$port/hello" | rps)
echo "compose serve, same file: $served requests/s"
