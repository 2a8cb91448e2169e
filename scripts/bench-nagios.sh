#!/usr/bin/env bash
# Benchmark of the Nagios plugin mode (issue 6 targets: < 20 ms wall and < 15 MB peak RSS
# for a plugin run on a fixture snapshot without DNS, release build), next to the start-up
# of Debian's check_rbl (monitoring-plugins-contrib) measured the same way in the same
# invocation: the machine is shared and noisy, so the ratio is the figure to quote.
#   scripts/bench-nagios.sh [RUNS]
# Wall time: hyperfine when installed (apt-get install hyperfine), else a timed loop.
# Peak RSS: GNU time (/usr/bin/time -v, "Maximum resident set size").
# check_rbl needs its Perl modules: apt-get install --no-install-recommends
#   monitoring-plugins-contrib libmonitoring-plugin-perl libnet-dns-perl libreadonly-perl
#   libcapture-tiny-perl libdata-validate-domain-perl libdata-validate-ip-perl libnet-ip-perl
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$PWD/target/release/mailaudit" "$work/check_mailaudit"
plugin="$work/check_mailaudit"
check_rbl=/usr/lib/nagios/plugins/check_rbl

# The plugin run: the whole default profile minus the DNS kinds, on the story's host.
plugin_args=(--root fixtures/hosts/story-sendmail --now 2026-12-04T12:00:00Z
             --skip dnsbl --skip fcrdns)
"$plugin" "${plugin_args[@]}" >"$work/plugin.out" || true
echo "plugin output (first line): $(head -1 "$work/plugin.out" | cut -c1-150)"

commands=("$plugin ${plugin_args[*]}")
names=("check_mailaudit (story-sendmail, no DNS)")
rbl_version=$("$check_rbl" -V 2>&1 || true)
if [[ $rbl_version == check_rbl* ]]; then
    commands+=("$check_rbl -V")
    names+=("check_rbl -V (start-up only)")
fi
if [ ${#commands[@]} -eq 1 ]; then
    echo "note: $check_rbl does not start here (package or Perl modules missing): no reference"
fi

peak_rss_kib() { # command line -> KiB
    # The plugin exits 1-3 by design: GNU time passes that on, which is not a failure here.
    { /usr/bin/time -v sh -c "exec $1 >/dev/null 2>&1" 2>&1 >/dev/null || true; } \
        | awk -F': ' '/Maximum resident set size/ {print $2}'
}

declare -a medians rss
if command -v hyperfine >/dev/null; then
    hyperfine --runs "$runs" --warmup 5 -N --ignore-failure \
        --export-json "$work/hyperfine.json" "${commands[@]}" >/dev/null 2>"$work/hyperfine.err" \
        || { cat "$work/hyperfine.err" >&2; exit 1; }
    mapfile -t medians < <(python3 - "$work/hyperfine.json" <<'PY'
import json, sys
for result in json.load(open(sys.argv[1]))["results"]:
    print(f"{result['median'] * 1000:.2f} {result['min'] * 1000:.2f}")
PY
)
    tool="hyperfine -N, $runs runs"
else
    for command in "${commands[@]}"; do
        medians+=("$(python3 - "$runs" "$command" <<'PY'
import shlex, statistics, subprocess, sys, time
runs, argv = int(sys.argv[1]), shlex.split(sys.argv[2])
walls = []
for _ in range(runs):
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    walls.append((time.perf_counter() - started) * 1000)
print(f"{statistics.median(walls):.2f} {min(walls):.2f}")
PY
)")
    done
    tool="timed loop, $runs runs"
fi
for command in "${commands[@]}"; do
    rss+=("$(peak_rss_kib "$command")")
done

echo "wall time: median and min ($tool); peak RSS: /usr/bin/time -v; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in "${!commands[@]}"; do
    read -r median fastest <<<"${medians[$i]}"
    printf '  %-42s median %7.2f ms  min %7.2f ms   peak RSS %6.1f MB\n' "${names[$i]}" \
        "$median" "$fastest" "$(echo "${rss[$i]} / 1024" | bc -l)"
    medians[$i]=$median
done
if [ ${#commands[@]} -gt 1 ]; then
    python3 - "${medians[0]}" "${medians[1]}" "${rss[0]}" "${rss[1]}" <<'PY'
import sys
wall_plugin, wall_rbl, rss_plugin, rss_rbl = map(float, sys.argv[1:])
print(f"ratio check_mailaudit / check_rbl start-up: wall {wall_plugin / wall_rbl:.3f}x "
      f"(check_rbl {wall_rbl / wall_plugin:.0f}x slower), "
      f"peak RSS {rss_plugin / rss_rbl:.2f}x (check_rbl {rss_rbl / rss_plugin:.1f}x larger)")
PY
fi
python3 - "${medians[0]}" "${rss[0]}" <<'PY'
import sys
wall, rss = float(sys.argv[1]), float(sys.argv[2]) / 1024
ok = wall < 20 and rss < 15
print(f"targets (< 20 ms, < 15 MB): {'met' if ok else 'NOT met'} ({wall:.2f} ms, {rss:.1f} MB)")
PY
