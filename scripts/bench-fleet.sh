#!/usr/bin/env bash
# Fleet report at scale (a benchmark, not a timed test). Prints:
#   - N=10,000 hosts (one file each): `report --format html` wall time and peak RSS
#     (targets: < 2 s, < 300 MB), next to a reference run in the same invocation
#     (`cat` of the same input bytes), since the machine is noisy;
#   - csv and json peak RSS at 10,000 and 100,000 hosts (JSON Lines): the ratio must stay
#     near 1 (memory does not grow with N beyond the compact per-host index).
# Usage: scripts/bench-fleet.sh [N_SMALL] [N_LARGE]     (defaults 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
small=${1:-10000}
large=${2:-100000}
bin=target/release/mailaudit
[ -x "$bin" ] || cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 scripts/gen-fleet.py --count "$small" --out "$work/dir-$small" --hostile
python3 scripts/gen-fleet.py --count "$small" --jsonl "$work/fleet-$small.jsonl"
python3 scripts/gen-fleet.py --count "$large" --jsonl "$work/fleet-$large.jsonl"

# measure LABEL CMD... -> sets $wall (s) and $rss (MB)
measure() {
    local label=$1; shift
    /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/stderr.txt" || {
        echo "$label failed:"; cat "$work/stderr.txt" "$work/time.txt"; exit 1; }
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$work/time.txt")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}' "$work/time.txt")
}

echo "== inputs"
du -sh "$work/dir-$small" "$work/fleet-$small.jsonl" "$work/fleet-$large.jsonl" | sed 's|'"$work"'/||'

echo "== N=$small, one file per host"
# Warm the page cache so both runs read from memory.
cat "$work/dir-$small"/* >/dev/null
measure reference bash -c "cat '$work/dir-$small'/* >/dev/null"
ref_wall=$wall
measure html "$bin" report --format html --output "$work/fleet.html" "$work/dir-$small"
printf 'report --format html: %6.2f s (target < 2 s), peak RSS %7.1f MB (target < 300 MB), %.1fx the time of cat-ing the inputs (%.2f s); page %s\n' \
    "$wall" "$rss" "$(echo "$wall / ($ref_wall + 0.001)" | bc -l)" "$ref_wall" "$(du -h "$work/fleet.html" | cut -f1)"

echo "== memory against N (JSON Lines inputs)"
for format in csv json; do
    measure "$format-$small" "$bin" report --format "$format" --output "$work/out.$format" "$work/fleet-$small.jsonl"
    small_rss=$rss small_wall=$wall
    measure "$format-$large" "$bin" report --format "$format" --output "$work/out.$format" "$work/fleet-$large.jsonl"
    printf 'report --format %-4s: peak RSS %6.1f MB at N=%s, %6.1f MB at N=%s: ratio %.2f for %dx the hosts (times %.2f s, %.2f s)\n' \
        "$format" "$small_rss" "$small" "$rss" "$large" "$(echo "$rss / $small_rss" | bc -l)" $((large / small)) "$small_wall" "$wall"
done
