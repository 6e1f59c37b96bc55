#!/usr/bin/env bash
# A picture of each example's composition: `compose graph` writes its SVG, headless Chromium
# (Debian's package) renders it to a PNG beside it, for a person to look at.
# Usage: scripts/graph-screenshots.sh [OUT_DIR]   (default target/graphs; needs scripts/setup.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-target/graphs}")
mkdir -p "$out"
chromium=$(command -v chromium || true)
if [ -z "$chromium" ]; then
    echo "graph-screenshots: installing Debian's chromium"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
    chromium=$(command -v chromium)
fi
cargo build --locked -p compose-cli
compose=$PWD/target/debug/compose
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
for dir in examples/*/; do
    name=$(basename "$dir")
    "$compose" graph --manifest-path "$dir/compose.toml" -o "$out/$name.svg"
    # The window is the drawing's own size, read from the SVG's root element.
    width=$(grep -o '<svg[^>]* width="[0-9]*"' "$out/$name.svg" | grep -o 'width="[0-9]*"' | tr -dc 0-9)
    height=$(grep -o '<svg[^>]* height="[0-9]*"' "$out/$name.svg" | grep -o 'height="[0-9]*"' | tr -dc 0-9)
    # Flags as Debian's Chromium needs them on a machine without a network or a display.
    "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --user-data-dir="$profile" \
        --window-size="$width,$height" --screenshot="$out/$name.png" "file://$out/$name.svg" \
        >/dev/null 2>&1
    echo "graph-screenshots: $out/$name.png (${width}x${height})"
done
