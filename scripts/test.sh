#!/usr/bin/env bash
# Sets everything up, then runs every test: unit tests of each crate and the end-to-end tests
# that drive the real `compose` binary with real cargo, Go and Wasmtime.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
# The registry tests run a real OCI registry: Debian's docker-registry (distribution 2.8).
if ! command -v docker-registry >/dev/null 2>&1 && [ ! -x /usr/bin/docker-registry ]; then
    echo "test: installing docker-registry (the OCI registry the tests run on 127.0.0.1)"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "test: no apt-get; install a docker-registry (distribution 2.8) binary on PATH" >&2
        exit 1
    fi
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends docker-registry >/dev/null
fi
# The portability tests serve and run composed files with the reference Wasmtime CLI too.
COMPOSE_REFERENCE_WASMTIME=$(scripts/reference-wasmtime.sh)
export COMPOSE_REFERENCE_WASMTIME
# The deploy tests start a wasmCloud lattice on 127.0.0.1: NATS and two hosts.
{ read -r COMPOSE_WASH; read -r COMPOSE_NATS_SERVER; } < <(scripts/wasmcloud.sh)
export COMPOSE_WASH COMPOSE_NATS_SERVER
# The suite compiles a few hundred distinct components (an 18 MB Python one compiles to
# 67 MB of code): keep the compiled-code cache at 1 GiB rather than the default 4 GiB, so the
# run fits a CI machine's disk. Least recently used entries go first, so no test loses the
# entry it just made.
export COMPOSE_CACHE_MAX="${COMPOSE_CACHE_MAX:-1GiB}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test --locked --workspace "$@" 2>&1 | tee "$log"
# One closing line for the whole run (cargo prints one per test binary).
awk '/^test result:/ { for (i = 1; i <= NF; i++) { if ($i ~ /^passed;?$/) p += $(i-1); if ($i ~ /^failed;?$/) f += $(i-1) } }
     END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
