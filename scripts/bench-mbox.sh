#!/usr/bin/env bash
# Benchmark of the mailbox_bounces check on a generated 1 GB mbox (realistic mix: cron and
# application mail, ~5% bounces of several MTAs, all within the window so that every bounce
# is parsed). Prints throughput and peak RSS next to a reference run of
# `grep -c '^From '` on the same file, in the same invocation (the machine is noisy).
#
#   scripts/bench-mbox.sh [SIZE_MB]        (default 1024; targets: >= 200 MB/s, RSS < 30 MB)
#
# Needs: cargo, python3, GNU time (/usr/bin/time). Writes under ${TMPDIR:-/tmp}.
set -euo pipefail

size_mb=${1:-1024}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/mailaudit-bench-mbox.XXXXXX")
trap 'rm -rf "$work"' EXIT
root="$work/root"
mbox="$root/var/mail/www-data"
mkdir -p "$root/var/mail"

[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 3; }

echo "building the release binary…" >&2
(cd "$here" && cargo build --release --quiet)
bin="$here/target/release/mailaudit"

echo "generating a ${size_mb} MB mbox in $mbox…" >&2
python3 - "$mbox" "$size_mb" <<'PY'
import random, sys
path, size_mb = sys.argv[1], int(sys.argv[2])
rnd = random.Random(42)
days = ["Tue Dec  1", "Wed Dec  2", "Thu Dec  3", "Fri Dec  4"]
def env_date(i):
    return f"{days[i % 4]} {i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d} 2026"
def hdr_date(i):
    return f"{1 + i % 4} Dec 2026 {i % 24:02d}:{i % 60:02d}:00 +0000"
def cron(i):
    body = "\n".join(f"/etc/cron.daily/logrotate: rotated /var/log/app{j}.log ({rnd.randint(1, 99999)} bytes)" for j in range(rnd.randint(5, 60)))
    return (f"From root@web1.shop.example {env_date(i)}\nReturn-Path: <root@web1.shop.example>\n"
            f"Date: {hdr_date(i)}\nFrom: root@web1.shop.example (Cron Daemon)\nTo: www-data@web1.shop.example\n"
            f"Subject: Cron <www-data@web1> /usr/local/bin/cleanup.sh\nMessage-Id: <cron{i}@web1.shop.example>\n"
            f"Content-Type: text/plain; charset=UTF-8\n\n{body}\n\n")
def app(i):
    body = "\n".join("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore." for _ in range(rnd.randint(10, 80)))
    return (f"From app@shop.example {env_date(i)}\nReturn-Path: <app@shop.example>\nDate: {hdr_date(i)}\n"
            f"From: Shop App <app@shop.example>\nTo: www-data@web1.shop.example\nSubject: Nightly order report {i}\n"
            f"Message-Id: <app{i}@shop.example>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\n\n{body}\n\n")
def dsn(i):
    diag = rnd.choice([
        "550 5.7.1 Service unavailable; Client host [203.0.113.25] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.25",
        "550 5.1.1 <c{i}@customer.example>... User unknown",
        "452 4.2.2 Mailbox full",
        "550 5.7.26 Unauthenticated email from shop.example is not accepted due to domain's DMARC policy",
    ]).replace("{i}", str(i))
    b = f"B{i}.web1"
    return (f"From MAILER-DAEMON {env_date(i)}\nReturn-Path: <>\nDate: {hdr_date(i)}\n"
            f"From: Mail Delivery Subsystem <MAILER-DAEMON@web1.shop.example>\nTo: <www-data@web1.shop.example>\n"
            f"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=delivery-status;\n\tboundary=\"{b}\"\n"
            f"Subject: Returned mail: see transcript for details\nAuto-Submitted: auto-generated (failure)\n\n"
            f"This is a MIME-encapsulated message\n\n--{b}\n\n   ----- The following addresses had permanent fatal errors -----\n"
            f"<c{i}@customer.example>\n    (reason: {diag})\n\n--{b}\nContent-Type: message/delivery-status\n\n"
            f"Reporting-MTA: dns; web1.shop.example\n\nFinal-Recipient: RFC822; c{i}@customer.example\nAction: failed\n"
            f"Status: 5.7.1\nRemote-MTA: DNS; mx.customer.example\nDiagnostic-Code: SMTP; {diag}\n\n--{b}\n"
            f"Content-Type: text/rfc822-headers\n\nFrom: Shop <www-data@web1.shop.example>\nTo: c{i}@customer.example\n"
            f"Subject: Your order {i}\n\n--{b}--\n\n")
def plain_bounce(i):
    return (f"From MAILER-DAEMON {env_date(i)}\nReturn-Path: <>\nDate: {hdr_date(i)}\n"
            f"From: Mail Delivery System <Mailer-Daemon@relay.example>\nTo: www-data@web1.shop.example\n"
            f"Subject: Mail delivery failed: returning message to sender\nX-Failed-Recipients: p{i}@customer.example\n\n"
            f"This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\n"
            f"recipients. This is a permanent error. The following address(es) failed:\n\n  p{i}@customer.example\n"
            f"    host mx.customer.example [198.51.100.7]\n    SMTP error from remote mail server after RCPT TO:<p{i}@customer.example>:\n"
            f"    550 5.1.1 User unknown\n\n------ This is a copy of the message, including all the headers. ------\n\n"
            f"From: www-data@web1.shop.example\nSubject: Your order {i}\n\nThank you for your order.\n\n")
chunk = []
n = 0
total = 0
while total < 16 * 1024 * 1024:
    r = rnd.random()
    m = dsn(n) if r < 0.03 else plain_bounce(n) if r < 0.05 else cron(n) if r < 0.55 else app(n)
    chunk.append(m)
    total += len(m)
    n += 1
data = "".join(chunk).encode()
with open(path, "wb") as f:
    written = 0
    while written < size_mb * 1024 * 1024:
        f.write(data)
        written += len(data)
PY
bytes=$(stat -c %s "$mbox")
mb=$(python3 -c "print(f'{$bytes / 1048576:.1f}')")
cat "$mbox" > /dev/null  # warm the page cache for both runs

measure() {  # prints "seconds max_rss_kb"
    # Output to a file, not /dev/null: GNU grep stops at the first match when its output
    # is /dev/null.
    /usr/bin/time -f "%e %M" -o "$work/time" "$@" > "$work/out" 2>"$work/stderr" || true
    tail -n 1 "$work/time"
}

read -r ref_s ref_kb < <(measure grep -c '^From ' "$mbox")
read -r run_s run_kb < <(measure "$bin" run --root "$root" --only mailbox_bounces \
    --now 2026-12-04T12:00:00Z --format nagios)
"$bin" run --root "$root" --only mailbox_bounces --now 2026-12-04T12:00:00Z --format nagios \
    | head -1 | cut -c1-200 >&2 || true

python3 - "$mb" "$ref_s" "$ref_kb" "$run_s" "$run_kb" <<'PY'
import sys
mb, ref_s, ref_kb, run_s, run_kb = float(sys.argv[1]), *map(float, sys.argv[2:])
rate = lambda s: mb / s if s > 0 else float("inf")
print(f"mbox size                {mb:10.1f} MB")
print(f"grep -c '^From '         {ref_s:8.2f} s {rate(ref_s):8.0f} MB/s  peak RSS {ref_kb/1024:6.1f} MB")
print(f"mailbox_bounces check    {run_s:8.2f} s {rate(run_s):8.0f} MB/s  peak RSS {run_kb/1024:6.1f} MB")
print(f"time ratio check/grep    {run_s/ref_s if ref_s else float('inf'):8.2f}x")
print(f"targets: >= 200 MB/s ({'met' if rate(run_s) >= 200 else 'MISSED'}), "
      f"RSS < 30 MB ({'met' if run_kb < 30*1024 else 'MISSED'})")
PY
