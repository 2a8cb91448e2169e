#!/usr/bin/env bash
# Benchmark of the maillog check: generates a mail.log of SIZE_MB (default 1024) with a
# realistic Postfix mix (~1% of deliveries fail: deferred/bounced, some for blocklists),
# plus its gzip, and runs the release binary's maillog check on each (a temporary root
# with the log in var/log). Prints throughput and ratios against references run in the
# same invocation on the same file (the machine is noisy; the ratios are what count):
#   plain: MB/s and time ÷ `grep -c 'dsn=5'`       (targets: >= 300 MB/s, <= 3x)
#   gzip:  time ÷ `zcat > /dev/null`                (target: <= 1.5x)
#   peak RSS of each run via /usr/bin/time -v       (target: < 30 MB)
#
# Usage: scripts/bench-maillog.sh [SIZE_MB]     (env KEEP=1 keeps the files in $WORK)
set -euo pipefail

SIZE_MB=${1:-1024}
ROOT_DIR=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/mailaudit-bench-maillog}
BIN="$ROOT_DIR/target/release/mailaudit"
NOW="2026-12-05T00:00:00Z"

command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt install time)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }

mkdir -p "$WORK/plain/var/log" "$WORK/gzip/var/log" "$WORK/etc"
LOG="$WORK/plain/var/log/mail.log"
GZ="$WORK/gzip/var/log/mail.log.1.gz"
PROFILE="$WORK/etc/maillog.toml"
cat > "$PROFILE" <<'EOF'
[[check]]
id = "maillog"
kind = "maillog"
severity = "critical"
title = "benchmark"
remediation = "none"
# Every generated line lies within the window, so every delivery line is parsed, dated
# and tallied (the worst case).
window = "7d"
max_evidence = 5
EOF

# (the generator stops at the last whole line below the size)
if [[ ! -s "$LOG" || $(stat -c %s "$LOG") -lt $((SIZE_MB * 1024 * 1023)) ]]; then
  echo "== generating $LOG ($SIZE_MB MB)"
  python3 - "$LOG" "$SIZE_MB" <<'PY'
import random, sys
path, size_mb = sys.argv[1], int(sys.argv[2])
random.seed(42)
domains = ["gmail.example", "outlook.example", "yahoo.example", "customer%d.example", "corp.example"]
replies_fail = [
    ("5.7.1", "bounced", "host mx.{d}[198.51.100.7] said: 554 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.25 (in reply to RCPT TO command)"),
    ("5.1.1", "bounced", "host mx.{d}[198.51.100.8] said: 550 5.1.1 <{u}@{d}>: Recipient address rejected: User unknown in virtual mailbox table (in reply to RCPT TO command)"),
    ("4.4.1", "deferred", "connect to mx.{d}[198.51.100.9]:25: Connection timed out"),
    ("4.7.0", "deferred", "host mx.{d}[198.51.100.10] said: 421 4.7.0 Try again later, closing connection. (in reply to MAIL FROM command)"),
]
# One chunk of messages, repeated to the size (times stay inside the window).
out = []
qid_n = 0x100000
for i in range(60000):
    qid_n += 7
    qid = "%X" % qid_n
    h, m, s = (i // 3600) % 24, (i // 60) % 60, i % 60
    t = "Dec  4 %02d:%02d:%02d" % (h, m, s)
    d = random.choice(domains)
    if "%d" in d:
        d = d % random.randint(1, 500)
    u = "user%d" % random.randint(1, 99999)
    ip = "192.0.2.%d" % random.randint(1, 254)
    out.append(f"{t} mail postfix/smtpd[2{i%1000:03d}]: connect from client{i%97}.example[{ip}]")
    out.append(f"{t} mail postfix/smtpd[2{i%1000:03d}]: {qid}: client=client{i%97}.example[{ip}], sasl_method=PLAIN, sasl_username=app{i%13}")
    out.append(f"{t} mail postfix/cleanup[3{i%1000:03d}]: {qid}: message-id=<{i}.{qid}@app.example>")
    out.append(f"{t} mail postfix/qmgr[815]: {qid}: from=<noreply@app.example>, size={random.randint(900, 90000)}, nrcpt=1 (queue active)")
    out.append(f"{t} mail postfix/smtpd[2{i%1000:03d}]: disconnect from client{i%97}.example[{ip}] ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8")
    if random.random() < 0.01:
        dsn, status, text = random.choice(replies_fail)
        text = text.format(d=d, u=u)
        out.append(f"{t} mail postfix/smtp[4{i%1000:03d}]: {qid}: to=<{u}@{d}>, relay=mx.{d}[198.51.100.7]:25, delay=1.4, delays=0.01/0/0.9/0.5, dsn={dsn}, status={status} ({text})")
        if status == "bounced":
            out.append(f"{t} mail postfix/bounce[5{i%1000:03d}]: {qid}: sender non-delivery notification: {qid}X")
    else:
        out.append(f"{t} mail postfix/smtp[4{i%1000:03d}]: {qid}: to=<{u}@{d}>, relay=mx.{d}[198.51.100.7]:25, delay=0.62, delays=0.01/0/0.3/0.31, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as {qid}Z)")
    out.append(f"{t} mail postfix/qmgr[815]: {qid}: removed")
chunk = ("\n".join(out) + "\n").encode()
target = size_mb * 1024 * 1024
with open(path, "wb") as f:
    written = 0
    while written < target:
        piece = chunk[: target - written] if target - written < len(chunk) else chunk
        if len(piece) < len(chunk):
            piece = piece[: piece.rfind(b"\n") + 1]
            if not piece:
                break
        f.write(piece)
        written += len(piece)
PY
fi
if [[ ! -s "$GZ" || "$GZ" -ot "$LOG" ]]; then
  echo "== compressing to $GZ"
  gzip -1 -c "$LOG" > "$GZ"
fi
echo "== building the release binary (cargo build --release)"
(cd "$ROOT_DIR" && cargo build --release --quiet)

BYTES=$(stat -c %s "$LOG")
MB=$(python3 -c "print(round($BYTES/1048576, 1))")
echo "== $MB MB plain, $(python3 -c "print(round($(stat -c %s "$GZ")/1048576, 1))") MB gzip"

# Warm the page cache so that both sides read from memory.
cat "$LOG" > /dev/null; cat "$GZ" > /dev/null

# Each command runs under /usr/bin/time: wall seconds, CPU seconds (user + system) and peak
# RSS. On a shared machine the wall time includes waiting for a core; the CPU time is the
# work done, so ratios are given for both.
measure() { # name command... -> "wall cpu rss_kb" (the command's stdout goes to $WORK/name.out)
  local name=$1; shift
  /usr/bin/time -f "%e %U %S %M" -o "$WORK/$name.time" "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" || true
  # (time puts "Command exited with non-zero status N" first when the status is not 0)
  tail -n 1 "$WORK/$name.time" | awk '{printf "%.3f %.3f %d\n", $1, $2 + $3, $4}'
}

check() { # name root -> "wall cpu rss_kb"; the JSON report in $WORK/name.out
  measure "$1" "$BIN" run --root "$2" --only maillog --profile "$PROFILE" --now "$NOW" \
    --timeout 600 --format json
}

describe() { # name -> one line of the report's figures
  python3 - "$WORK/$1.out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
m = r["metrics"]
print(f"{r['status']}; lines={m['lines_read']} sent={m['sent']} deferred={m['deferred']} "
      f"bounced={m['bounced']} host-reputation={m['failures_host_reputation']}")
PY
}

report() { # label bytes ours(wall cpu rss) ref(wall cpu rss) ref_name target_ratio
  python3 - "$@" <<'PY'
import sys
label, size = sys.argv[1], int(sys.argv[2])
ow, oc, orss = float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
rw, rc = float(sys.argv[6]), float(sys.argv[7])
ref, target = sys.argv[9], float(sys.argv[10])
mb = size / 1048576
print(f"  {'':22} {'wall s':>8} {'cpu s':>8}")
print(f"  {ref:22} {rw:8.2f} {rc:8.2f}")
print(f"  {'mailaudit maillog':22} {ow:8.2f} {oc:8.2f}")
print(f"  throughput:   {mb / ow:7.0f} MB/s wall, {mb / max(oc, 1e-9):7.0f} MB/s cpu   (target >= 300)")
print(f"  ratio to {ref.split()[0]}: {ow / rw:5.2f}x wall, {oc / max(rc, 1e-9):5.2f}x cpu        (target <= {target:g})")
print(f"  peak RSS:     {orss / 1024:7.1f} MB                          (target < 30)")
PY
}

echo "== plain file ($LOG)"
read -r GW GC GR < <(measure grep grep -c 'dsn=5' "$LOG")
read -r OW OC OR < <(check plain "$WORK/plain")
echo "  result: $(describe plain)"
report plain "$BYTES" "$OW" "$OC" "$OR" "$GW" "$GC" "$GR" "grep -c 'dsn=5'" 3

echo "== gzip file ($GZ)"
read -r ZW ZC ZR < <(measure zcat zcat "$GZ")
read -r OW OC OR < <(check gzip "$WORK/gzip")
echo "  result: $(describe gzip)"
report gzip "$BYTES" "$OW" "$OC" "$OR" "$ZW" "$ZC" "$ZR" "zcat > file" 1.5

if [[ "${KEEP:-0}" != 1 ]]; then rm -rf "$WORK"; fi
