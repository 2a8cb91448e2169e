#!/usr/bin/env bash
# Benchmark of `mailaudit run` on fixture snapshots (issue 2 targets: < 20 ms wall and
# < 15 MB peak RSS, release build), printed next to reference commands measured the same
# way in the same invocation (the machine is shared and noisy: compare ratios).
#   scripts/bench-run.sh [RUNS]
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
grep = measure(["grep", "-r", "-c", "sendmail", "fixtures/hosts"], runs)
print(f"reference  /bin/true                      median {reference[0]:6.2f} ms  peak RSS {reference[2]/1024:5.1f} MB")
print(f"reference  grep -r -c sendmail fixtures/   median {grep[0]:6.2f} ms  peak RSS {grep[2]/1024:5.1f} MB")
# DNS checks have their own benchmark (scripts/bench-dns.sh); here the host-file checks.
for host in hosts:
    argv = [binary, "run", "--root", f"fixtures/hosts/{host}", "--format", "json",
            "--now", "2026-12-04T12:00:00Z", "--skip", "dnsbl", "--skip", "fcrdns"]
    median, fastest, rss, code = measure(argv, runs)
    print(f"mailaudit  run --root {host:<22} median {median:6.2f} ms  min {fastest:6.2f} ms  "
          f"peak RSS {rss/1024:5.1f} MB  exit {code}  ({median/grep[0]:.1f}x grep)")
PY
