#!/usr/bin/env bash
# Benchmark of the DNS checks against the fixture DNS server (examples/fixture_dns.rs) on
# 127.0.0.1, answering every query after DELAY. Prints each figure against the delay and the
# budget of issue 4:
#   A. dnsbl over 50 zones (all listed: A round + TXT round)   <= 2 x delay + 20 ms
#   B. a full default run of the story host                     <= 3 x delay + 30 ms
#   C. dnsbl with 1 zone that never answers                     ends at the per-query timeout
#   D. peak RSS of B                                            < 15 MB
# Each scenario also runs against the same server without delay (reference run, same
# invocation), so machine noise shows up as the reference's cost.
#
# Usage: scripts/bench-dns.sh [--debug] [--delay-ms 50] [--runs 5]
set -euo pipefail

cd "$(dirname "$0")/.."
PROFILE_DIR=release
CARGO_FLAGS=(--release)
DELAY_MS=50
RUNS=5
QUERY_TIMEOUT_MS=1000
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) PROFILE_DIR=debug; CARGO_FLAGS=() ;;
        --delay-ms) DELAY_MS="$2"; shift ;;
        --runs) RUNS="$2"; shift ;;
        *) echo "usage: $0 [--debug] [--delay-ms N] [--runs N]" >&2; exit 2 ;;
    esac
    shift
done

cargo build --quiet "${CARGO_FLAGS[@]}" --bin mailaudit --example fixture_dns
BIN="target/$PROFILE_DIR/mailaudit"
SERVER="target/$PROFILE_DIR/examples/fixture_dns"

WORK=$(mktemp -d)
SERVER_PIDS=()
cleanup() {
    for pid in "${SERVER_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# 50 blocklist zones, all listing 192.0.2.66, plus the fixture zones.
mkdir -p "$WORK/zones"
cp fixtures/dns/*.zone "$WORK/zones/"
{
    printf '$TTL 300\n@ IN SOA ns.fixture.test. hostmaster.fixture.test. 1 3600 600 86400 300\n@ IN NS ns.fixture.test.\n'
    for i in $(seq -w 1 50); do
        printf '2.0.0.127.z%s A 127.0.0.2\n66.2.0.192.z%s A 127.0.0.2\n66.2.0.192.z%s TXT "listed on bench zone %s"\n' "$i" "$i" "$i" "$i"
    done
} > "$WORK/zones/bench.test.zone"
{
    for i in $(seq -w 1 50); do
        cat <<EOF
[[zone]]
id = "z$i"
name = "Bench zone $i"
zone = "z$i.bench.test"
lookup_url = "https://z$i.bench.test/?{ip}"
key = "none"
ipv6 = false
enabled = true

[[zone.code]]
code = "127.0.0.2"
list = "Z$i"
meaning = "listed on bench zone $i"
class = "reputation"

EOF
    done
} > "$WORK/catalogue.toml"
cat > "$WORK/dnsbl-50.toml" <<EOF
[[check]]
id = "dnsbl-50"
kind = "dnsbl"
severity = "critical"
title = "50 zones"
remediation = "none"
catalogue = "$WORK/catalogue.toml"
query_timeout = "${QUERY_TIMEOUT_MS}ms"
EOF

# start_server DELAY_MS [extra args...] -> sets PORT
start_server() {
    local delay="$1"; shift
    local out="$WORK/server.$RANDOM.out"
    "$SERVER" --zones "$WORK/zones" --port 0 --delay "${delay}ms" "$@" > "$out" 2>&1 &
    SERVER_PIDS+=($!)
    for _ in $(seq 1 100); do
        if grep -q "listening on" "$out"; then break; fi
        sleep 0.05
    done
    PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out")
    [ -n "$PORT" ] || { cat "$out" >&2; exit 1; }
}

# measure NAME PORT ARGS... -> prints "wall_ms check_ms maxrss_kb" (median of RUNS by wall time)
measure() {
    local port="$1"; shift
    python3 - "$RUNS" "$BIN" "$port" "$@" <<'PY'
import json, resource, subprocess, sys, time
runs, binary, port, *args = sys.argv[1:]
samples = []
for _ in range(int(runs)):
    start = time.perf_counter()
    proc = subprocess.run([binary, "run", "--nameserver", f"127.0.0.1:{port}", "--format", "json", *args],
                          capture_output=True)
    wall = (time.perf_counter() - start) * 1000
    report = json.loads(proc.stdout)
    check = max((r["duration_ms"] for r in report["results"] if r["kind"] == "dnsbl"), default=0)
    samples.append((wall, check, report["status"]))
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
samples.sort()
wall, check, status = samples[len(samples) // 2]
print(f"{wall:.1f} {check} {rss} {status}")
PY
}

DNSBL_ARGS=(--root fixtures/hosts/dns-clean --egress-ip 192.0.2.66 --profile "$WORK/dnsbl-50.toml")
FULL_ARGS=(--root fixtures/hosts/story-sendmail --egress-ip 203.0.113.25)

start_server 0; REF_PORT=$PORT
start_server "$DELAY_MS"; SLOW_PORT=$PORT
start_server "$DELAY_MS" --drop z07.bench.test; DROP_PORT=$PORT

read -r A_REF_WALL A_REF_CHECK _ _ <<<"$(measure "$REF_PORT" "${DNSBL_ARGS[@]}")"
read -r A_WALL A_CHECK _ A_STATUS <<<"$(measure "$SLOW_PORT" "${DNSBL_ARGS[@]}")"
read -r B_REF_WALL B_REF_CHECK _ _ <<<"$(measure "$REF_PORT" "${FULL_ARGS[@]}")"
read -r B_WALL B_CHECK B_RSS B_STATUS <<<"$(measure "$SLOW_PORT" "${FULL_ARGS[@]}")"
read -r C_WALL C_CHECK _ C_STATUS <<<"$(measure "$DROP_PORT" "${DNSBL_ARGS[@]}")"

python3 - "$DELAY_MS" "$QUERY_TIMEOUT_MS" "$PROFILE_DIR" "$RUNS" \
    "$A_REF_WALL" "$A_REF_CHECK" "$A_WALL" "$A_CHECK" "$A_STATUS" \
    "$B_REF_WALL" "$B_REF_CHECK" "$B_WALL" "$B_CHECK" "$B_STATUS" "$B_RSS" \
    "$C_WALL" "$C_CHECK" "$C_STATUS" <<'PY'
import sys
(delay, timeout, profile, runs, a_ref_wall, a_ref_check, a_wall, a_check, a_status,
 b_ref_wall, b_ref_check, b_wall, b_check, b_status, b_rss, c_wall, c_check, c_status) = sys.argv[1:]
d = float(delay); t = float(timeout)
rows = []
def row(name, value, reference, budget, note):
    net = value - reference
    verdict = "ok" if value <= budget else ("ok net" if net <= budget else "OVER")
    rows.append(f"{name:<44} {value:7.1f} ms = {value/d:5.2f} x delay | net of reference {net:7.1f} ms = {net/d:5.2f} x delay | budget {budget:6.1f} ms  {verdict:6}  {note}")
print(f"DNS benchmark: fixture server delay {delay} ms, {profile} build, median of {runs} runs")
print(f"reference runs (same server, no delay): dnsbl-50 check {a_ref_check} ms (process {float(a_ref_wall):.1f} ms), full run {float(b_ref_wall):.1f} ms")
print("'net of reference' subtracts the no-delay run: what the delay itself costs, without this machine's load")
row("A. dnsbl, 50 zones, listed (check duration)", float(a_check), float(a_ref_check), 2*d+20, f"status {a_status}")
row("B. full default run, story host (process)", float(b_wall), float(b_ref_wall), 3*d+30, f"status {b_status}")
row("C. dnsbl, 1 zone dropped (check duration)", float(c_check), float(a_ref_check), t + 2*d + 20, f"query timeout {t:.0f} ms, status {c_status}")
for r in rows: print(r)
rss_mb = int(b_rss) / 1024
print(f"D. peak RSS (largest child process)          {rss_mb:7.1f} MB  budget 15 MB  {'ok' if rss_mb < 15 else 'OVER'}")
PY
