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

if [[ ! -s "$LOG" || $(stat -c %s "$LOG") -lt $((SIZE_MB * 1024 * 1024)) ]]; then
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

seconds() { # command... -> elapsed seconds on stdout (stderr of the command discarded)
  local start end
  start=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; end=$(date +%s.%N)
  python3 -c "print($end - $start)"
}

timed_check() { # root -> "seconds max_rss_kb status summary"
  local root=$1 out="$WORK/out.json" tv="$WORK/time.txt"
  local start end
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$tv" "$BIN" run --root "$root" --only maillog --profile "$PROFILE" \
    --now "$NOW" --timeout 600 --format json > "$out" || true
  end=$(date +%s.%N)
  local rss; rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tv")
  python3 - "$out" "$start" "$end" "$rss" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
r = report["results"][0]
m = r["metrics"]
print(f"{float(sys.argv[3]) - float(sys.argv[2]):.3f} {sys.argv[4]} {r['status']} "
      f"lines={m['lines_read']} sent={m['sent']} deferred={m['deferred']} bounced={m['bounced']} "
      f"reputation={m['failures_host_reputation']}")
PY
}

echo "== plain file"
GREP=$(seconds grep -c 'dsn=5' "$LOG")
read -r OURS RSS STATUS DETAIL < <(timed_check "$WORK/plain")
echo "grep -c 'dsn=5':      ${GREP}s"
echo "mailaudit maillog:    ${OURS}s  ($STATUS; $DETAIL)"
python3 - "$BYTES" "$OURS" "$GREP" "$RSS" <<'PY'
import sys
size, ours, grep, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
mbs = size / 1048576 / ours
print(f"throughput:           {mbs:.0f} MB/s        (target >= 300)")
print(f"ratio to grep:        {ours / grep:.2f}x          (target <= 3)")
print(f"peak RSS:             {rss / 1024:.1f} MB         (target < 30)")
PY

echo "== gzip file"
ZCAT=$(seconds sh -c "zcat '$GZ' > /dev/null")
read -r OURS_GZ RSS_GZ STATUS_GZ DETAIL_GZ < <(timed_check "$WORK/gzip")
echo "zcat > /dev/null:     ${ZCAT}s"
echo "mailaudit maillog:    ${OURS_GZ}s  ($STATUS_GZ; $DETAIL_GZ)"
python3 - "$BYTES" "$OURS_GZ" "$ZCAT" "$RSS_GZ" <<'PY'
import sys
size, ours, zcat, rss = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"throughput:           {size / 1048576 / ours:.0f} MB/s (uncompressed)")
print(f"ratio to zcat:        {ours / zcat:.2f}x          (target <= 1.5)")
print(f"peak RSS:             {rss / 1024:.1f} MB         (target < 30)")
PY

if [[ "${KEEP:-0}" != 1 ]]; then rm -rf "$WORK"; fi
