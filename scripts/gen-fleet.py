#!/usr/bin/env python3
"""Writes N synthetic mailaudit/report/v1 host reports with realistic variety.

MTA kinds (sendmail, Postfix, Exim, msmtp, none), hosts relaying through a smarthost or
sending directly, egress addresses on the Spamhaus PBL, generic PTR names, bounces in
www-data's mailbox, "own domain delivers, external fails" mail logs, DNS timeouts.
Documentation addresses and .example names only. Deterministic for a given --seed.

    scripts/gen-fleet.py --count 10000 --out DIR          one file per host
    scripts/gen-fleet.py --count 100000 --jsonl FILE      JSON Lines
    --hostile   some summaries/evidence carry HTML/script injection attempts
"""
import argparse
import json
import os
import random

REPORT_SCHEMA = "mailaudit/report/v1"
MTAS = [("postfix", 40), ("sendmail", 20), ("exim", 20), ("msmtp", 8), ("nullmailer", 4), (None, 8)]
DOMAINS = ["shop.example", "corp.example", "media.example", "school.example", "clinic.example", "app.test"]
HOSTILE = [
    '<script>alert("xss")</script>',
    '"><img src=x onerror=alert(1)>',
    "</details><b id=injected>bold</b>",
    "\x1b[31mred\x1b[0m and \u202eevil",
]
REMEDIATION = {
    "mta": "Install and start an MTA, or point PHP's sendmail_path at one.",
    "tcp_wrappers": "TCP wrappers never affect outbound delivery; no action needed for sending.",
    "fcrdns": "Ask the owner of the address block for a PTR record naming this host, with a matching A record.",
    "dnsbl": "Relay outbound mail through your provider's smarthost, or request removal at https://check.spamhaus.org/.",
    "mailbox_bounces": "Read the bounces: they name the blocklist or policy that refused the mail.",
    "maillog": "External domains refuse this host's mail: see the dnsbl and fcrdns results.",
}
TITLES = {
    "mta": "Mail transfer agent",
    "tcp_wrappers": "TCP wrappers for the MTA",
    "fcrdns": "Forward-confirmed reverse DNS",
    "dnsbl": "Egress IP on DNS blocklists",
    "mailbox_bounces": "Bounces in local mailboxes",
    "maillog": "Delivery results in the mail log",
}
SEVERITY = {"mta": "critical", "tcp_wrappers": "warning", "fcrdns": "warning", "dnsbl": "critical",
            "mailbox_bounces": "warning", "maillog": "critical"}
RANK = {"skipped": 0, "ok": 1, "unknown": 2, "warning": 3, "critical": 4}


def weighted(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.uniform(0, total)
    for value, weight in pairs:
        x -= weight
        if x <= 0:
            return value
    return pairs[-1][0]


def result(check, status, summary, evidence=(), metrics=None):
    return {"id": check, "kind": check, "title": TITLES[check], "severity": SEVERITY[check],
            "status": status, "summary": summary, "evidence": list(evidence),
            "remediation": REMEDIATION[check], "metrics": metrics or {}, "duration_ms": 3}


def ev(label, text, source=None, **data):
    e = {"label": label, "text": text}
    if source:
        e["source"] = source
    if data:
        e["data"] = data
    return e


def host_report(rng, index, hostile):
    domain = DOMAINS[index % len(DOMAINS)]
    name = f"web{index:05d}"
    fqdn = f"{name}.{domain}"
    net = rng.choice(["192.0.2", "198.51.100", "203.0.113"])
    ip = f"{net}.{rng.randint(1, 254)}"
    mta = weighted(rng, MTAS)
    smarthost = mta in ("msmtp", "nullmailer") or (mta is not None and rng.random() < 0.45)
    relay = f"[smtp.provider.{domain.split('.')[-1]}]:587" if smarthost else None
    dynamic = rng.random() < 0.35
    generic_ptr = rng.random() < 0.25
    results = []

    if mta is None:
        results.append(result("mta", "critical", "nothing provides /usr/sbin/sendmail, but PHP's sendmail_path points at it",
                              [ev("php.ini", "sendmail_path = /usr/sbin/sendmail -t -i", "/etc/php/8.2/fpm/php.ini:1089")]))
    else:
        how = f"relays through {relay}" if smarthost else "sends directly to MX hosts"
        results.append(result("mta", "ok", f"{mta} provides /usr/sbin/sendmail and {how}",
                              [ev("sendmail binary", f"/usr/sbin/sendmail -> /usr/sbin/sendmail.{mta}")]))

    if mta == "sendmail":
        if rng.random() < 0.3:
            results.append(result("tcp_wrappers", "warning", "hosts.deny ALL: PARANOID refuses clients whose reverse DNS does not match",
                                  [ev("hosts.deny rule", "ALL: PARANOID", "/etc/hosts.deny:17")]))
        else:
            results.append(result("tcp_wrappers", "ok", "sendmail: LOCAL allows local clients; TCP wrappers never affect outbound delivery"))
    else:
        results.append(result("tcp_wrappers", "skipped", f"{mta or 'no MTA'} is not linked with libwrap"))

    ptr = f"{ip.split('.')[-1]}-{net.replace('.', '-')}.dyn.isp.example" if generic_ptr else fqdn
    if rng.random() < 0.03:
        results.append(result("fcrdns", "unknown", f"PTR lookup for {ip} timed out after 5 s",
                              [ev("DNS query", f"PTR {ip}: timeout", "resolver 192.0.2.53")]))
    elif generic_ptr:
        results.append(result("fcrdns", "warning", f"PTR of {ip} is generic: {ptr}",
                              [ev("DNS answer", f"{ip} PTR {ptr}"), ev("hostname", fqdn, "/etc/hostname:1")],
                              {"ptr_records": 1}))
    else:
        results.append(result("fcrdns", "ok", f"{ip} has PTR {fqdn}, which resolves back"))

    listed = dynamic and rng.random() < 0.8
    if rng.random() < 0.02:
        results.append(result("dnsbl", "unknown", "zen.spamhaus.org answered 127.255.255.254: public resolver refused",
                              [ev("DNS answer", f"{'.'.join(reversed(ip.split('.')))}.zen.spamhaus.org A 127.255.255.254")]))
    elif listed and smarthost:
        results.append(result("dnsbl", "ok", f"{ip} is listed on Spamhaus PBL, but mail relays through {relay}",
                              [ev("DNS answer", "127.0.0.10", "zen.spamhaus.org")], {"listings": 1}))
    elif listed:
        results.append(result("dnsbl", "critical", f"{ip} is listed on Spamhaus PBL",
                              [ev("DNS answer", f"{'.'.join(reversed(ip.split('.')))}.zen.spamhaus.org A 127.0.0.10", "zen.spamhaus.org"),
                               ev("lookup", f"https://check.spamhaus.org/listed/?searchterm={ip}")], {"listings": 1}))
    elif rng.random() < 0.03:
        results.append(result("dnsbl", "critical", f"{ip} is listed on Spamhaus XBL (exploited host)",
                              [ev("DNS answer", "127.0.0.4", "zen.spamhaus.org")], {"listings": 1}))
    else:
        results.append(result("dnsbl", "ok", f"{ip} is not listed on 6 blocklists", metrics={"listings": 0}))

    refused = (listed and not smarthost) or mta is None
    if refused and mta is not None:
        n = rng.randint(1, 40)
        line = (f"sm-mta[2815{index % 10}]: o8DIjsx00{index:05d}: to=<x{index}@customer.example>, ctladdr=<www-data@{fqdn}> (33/33), "
                f"relay=mx.customer.example. [198.51.100.7], dsn=5.7.1, stat=Service unavailable")
        summary = f"{n} bounces in /var/mail/www-data in the last 24h: host-reputation (Spamhaus PBL)"
        evidence = [ev("bounce", f"550 5.7.1 Service unavailable; Client host [{ip}] blocked using zen.spamhaus.org; "
                                 f"https://www.spamhaus.org/query/ip/{ip}", "/var/mail/www-data:1423", category="host-reputation"),
                    ev("mail log line", line, "/var/log/mail.log:8812")]
        if hostile and index % 7 == 0:
            evidence.append(ev("mail log line", HOSTILE[index % len(HOSTILE)], "/var/log/mail.log:9000"))
            summary = f"{n} bounces; subject {HOSTILE[(index // 7) % len(HOSTILE)]}"
        results.append(result("mailbox_bounces", "warning", summary, evidence, {"bounces": n}))
        results.append(result("maillog", "critical", f"own domain {domain} delivers, {n} external deliveries bounced",
                              [ev("mail log line", line, "/var/log/mail.log:8812")], {"bounced": n, "sent": rng.randint(0, 50)}))
    else:
        results.append(result("mailbox_bounces", "ok", "no bounces in /var/mail/www-data in the last 24h", metrics={"bounces": 0}))
        if mta is None:
            results.append(result("maillog", "skipped", "no mail log: no MTA installed"))
        else:
            results.append(result("maillog", "ok", f"{rng.randint(1, 900)} deliveries sent in the last 24h, none bounced"))

    counted = [r for r in results if r["status"] != "skipped"]
    status = max((r["status"] for r in counted), key=RANK.get) if counted else "unknown"
    worst = sorted([r for r in counted if r["status"] == status], key=lambda r: r["id"])
    others = len([r for r in counted if r["status"] != "ok"]) - 1
    if status == "ok":
        summary = f"all {len(counted)} checks passed"
    else:
        summary = worst[0]["summary"] + (f" (+{others} other finding{'s' if others != 1 else ''})" if others > 0 else "")
    counts = {s: sum(1 for r in results if r["status"] == s) for s in ["ok", "warning", "critical", "unknown", "skipped"]}
    day = 1 + rng.randint(0, 2)
    return {
        "schema": REPORT_SCHEMA,
        "tool": {"name": "mailaudit", "version": "0.1.0"},
        "host": fqdn,
        "generated_at": f"2026-12-0{day}T0{rng.randint(0, 9)}:{rng.randint(10, 59)}:00Z",
        "duration_ms": rng.randint(200, 4000),
        "status": status,
        "summary": summary,
        "facts": {"hostname": name, "fqdn": fqdn, "domain": domain, "egress_ips": [ip],
                  "egress_ip_method": "interfaces",
                  "mta": {"kind": mta, "sendmail_path": "/usr/sbin/sendmail", "smarthost": relay}},
        "results": results,
        "counts": counts,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hostile", action="store_true")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", help="directory: one <host>.json per host")
    target.add_argument("--jsonl", help="file: one report per line")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        for i in range(args.count):
            report = host_report(rng, i, args.hostile)
            with open(os.path.join(args.out, report["host"] + ".json"), "w") as f:
                json.dump(report, f, indent=2)
    else:
        with open(args.jsonl, "w") as f:
            for i in range(args.count):
                f.write(json.dumps(host_report(rng, i, args.hostile)) + "\n")


if __name__ == "__main__":
    main()
