#!/usr/bin/env bash
# Benchmark of the `mta` check alone (`run --only mta`: facts gathering + the check) on every
# fixture snapshot and on the live host, release build, next to /bin/true measured the same
# way in the same invocation (the machine is shared and noisy: compare ratios). The live
# figure includes reading the process table (sysinfo), which a snapshot skips.
#   scripts/bench-mta.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-50}
cargo build --release --quiet
bin=$PWD/target/release/mailaudit
python3 - "$bin" "$runs" <<'PY'
import os, sys
sys.path.insert(0, "scripts")
from bench_util import measure
binary, runs = sys.argv[1], int(sys.argv[2])
hosts = sorted(h for h in os.listdir("fixtures/hosts") if os.path.isdir(os.path.join("fixtures/hosts", h)))
reference = measure(["/bin/true"], runs)
print(f"reference  /bin/true                          median {reference[0]:6.2f} ms  peak RSS {reference[2]/1024:5.1f} MB")
targets = [(f"--root {h}", ["--root", f"fixtures/hosts/{h}"]) for h in hosts] + [("live host", [])]
for label, root in targets:
    argv = [binary, "run", *root, "--only", "mta", "--format", "json", "--now", "2026-12-04T12:00:00Z"]
    median, fastest, rss, code = measure(argv, runs)
    print(f"mailaudit  --only mta {label:<26} median {median:6.2f} ms  min {fastest:6.2f} ms  "
          f"peak RSS {rss/1024:5.1f} MB  exit {code}  ({median/reference[0]:.1f}x /bin/true)")
PY
