#!/usr/bin/env bash
# Sets everything up, then builds and runs examples/rust-calls-go: a Rust command calling a
# greeter written in Go, composed into one component and run in the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./target/debug/compose run --manifest-path examples/rust-calls-go/compose.toml -- "${1:-newcomer}"
