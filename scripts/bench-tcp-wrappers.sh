#!/usr/bin/env bash
# Benchmark of the tcp_wrappers check (release build): `run --only tcp_wrappers` on the
# story host, on the denied-local host, and on a hostile 3.9 MB hosts.deny (the size bound
# of a config file is 4 MiB) of ~100k rules that all apply and are all undetermined plus
# ~100k malformed lines. Printed next to reference commands measured the same way in the
# same invocation (the machine is shared and noisy: compare ratios).
#   scripts/bench-tcp-wrappers.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-30}
cargo build --release --quiet
bin=$PWD/target/release/mailaudit
hostile=$(mktemp -d)
trap 'rm -rf "$hostile"' EXIT
cp -a fixtures/hosts/sendmail-denied-local/. "$hostile/"
rm -f "$hostile/etc/hosts.allow"
python3 - "$hostile/etc/hosts.deny" <<'PY'
import sys
lines, size, index = [], 0, 0
while size < 3_900_000:
    line = f"ALL: @netgroup{index} EXCEPT 192.0.2.{index % 250}\nbroken line {index}\n"
    lines.append(line)
    size += len(line)
    index += 1
open(sys.argv[1], "w").write("".join(lines))
PY
python3 - "$bin" "$runs" "$hostile" <<'PY'
import sys
sys.path.insert(0, "scripts")
from bench_util import measure
binary, runs, hostile = sys.argv[1], int(sys.argv[2]), sys.argv[3]
reference = measure(["/bin/true"], runs)
grep = measure(["grep", "-c", "ALL", f"{hostile}/etc/hosts.deny"], runs)
print(f"reference  /bin/true                              median {reference[0]:7.2f} ms  peak RSS {reference[2]/1024:5.1f} MB")
print(f"reference  grep -c ALL hostile hosts.deny (3.9 MB) median {grep[0]:7.2f} ms  peak RSS {grep[2]/1024:5.1f} MB")
for label, root in [("story-sendmail", "fixtures/hosts/story-sendmail"),
                    ("sendmail-denied-local", "fixtures/hosts/sendmail-denied-local"),
                    ("hostile 3.9 MB hosts.deny", hostile)]:
    argv = [binary, "run", "--root", root, "--only", "tcp_wrappers", "--format", "json"]
    median, fastest, rss, code = measure(argv, runs)
    print(f"tcp_wrappers {label:<26} median {median:7.2f} ms  min {fastest:7.2f} ms  "
          f"peak RSS {rss/1024:5.1f} MB  exit {code}  ({median/reference[0]:.1f}x /bin/true, "
          f"{median/grep[0]:.1f}x grep)")
PY
