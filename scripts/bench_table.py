"""One table from make bench's logs (target/bench/*.log)."""

import re
import sys
from pathlib import Path

out = Path(sys.argv[1])


def lines(name):
    path = out / f"{name}.log"
    return path.read_text(errors="replace").splitlines() if path.exists() else []


rows = []
sizes = {}
for line in lines("package"):
    m = re.match(r"(\S+)\s+zip\s+(\d+) bytes", line)
    if m:
        sizes[m.group(1)] = f"{int(m.group(2)) / 1e6:.2f}"
print()
print(f"{'function':<12} {'zip MB':>8} {'init ms':>8} {'x hello':>8} {'1st resp ms':>12} "
      f"{'RSS 1st MB':>11} {'RSS 100th MB':>13}")
for line in lines("coldstart"):
    if line.startswith("COLDSTART"):
        f = line.split()
        name = f[1]
        zip_mb = sizes.get(name, "-")
        print(f"{name:<12} {zip_mb:>8} {f[2]:>8} {f[3]:>8} {f[4]:>12} {f[5]:>11} {f[7]:>13}")
print()
print(f"{'handler':<36} {'ops/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
for line in lines("throughput"):
    m = re.match(r"(.+?)\s+(\d+) ops\s+(\d+) ops/s\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms", line)
    if m:
        print(f"{m.group(1).strip():<36} {m.group(3):>10} {m.group(4):>8} {m.group(5):>8}")
exports = [dict(kv.split("=", 1) for kv in line.split()[1:])
           for line in lines("export") if line.startswith("EXPORT ")]
if exports:
    print()
    print(f"{'export':<22} {'CSV MB':>7} {'ms':>7} {'CPU ms':>7} {'peak RSS MB':>12} "
          f"{'DynamoDB req':>13} {'RRU':>8} {'S3 parts':>9}")
    for e in exports:
        label = f"{e['messages']} x {e['chars']} chars"
        print(f"{label:<22} {e['csv_mb']:>7} {e['ms']:>7} {e['cpu_ms']:>7} {e['peak_rss_mb']:>12} "
              f"{e['dynamodb_requests']:>13} {e['rru']:>8} {e['s3_parts']:>9}")
pdfs = [dict(kv.split("=", 1) for kv in line.split()[1:])
        for line in lines("export") if line.startswith("EXPORT_PDF ")]
if pdfs:
    print()
    print(f"{'PDF export':<22} {'PDF MB':>7} {'pages':>7} {'ms':>7} {'CPU ms':>7} {'peak RSS MB':>12} "
          f"{'DynamoDB req':>13} {'RRU':>8} {'S3 parts':>9}")
    for e in pdfs:
        label = f"{e['messages']} x {e['chars']} chars"
        print(f"{label:<22} {e['pdf_mb']:>7} {e['pages']:>7} {e['ms']:>7} {e['cpu_ms']:>7} "
              f"{e['peak_rss_mb']:>12} {e['dynamodb_requests']:>13} {e['rru']:>8} {e['s3_parts']:>9}")
people = [dict(kv.split("=", 1) for kv in line.split()[1:])
          for line in lines("person") if line.startswith("PERSON ")]
if people:
    print()
    print(f"{'a person, 10,000 messages':<26} {'steps':>6} {'ms':>7} {'CPU ms':>7} {'peak RSS MB':>12} "
          f"{'DynamoDB req':>13} {'RRU':>9} {'WRU':>9}")
    for p in people:
        label = f"{p['job']} ({p['messages']} messages)"
        print(f"{label:<26} {p['steps']:>6} {p['ms']:>7} {p['cpu_ms']:>7} {p['peak_rss_mb']:>12} "
              f"{p['dynamodb_requests']:>13} {p['rru']:>9} {p['wru']:>9}")
for line in lines("events"):
    if line.startswith("EVENTS "):
        print(f"events: {line[len('EVENTS '):]}")
replies = [(line.split()[1], dict(kv.split("=", 1) for kv in line.split()[2:]))
           for line in lines("replies") if line.startswith("REPLIES ")]
if replies:
    print()
    print(f"{'email reply to readable message':<36} {'replies':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'max ms':>8} {'replies/s':>10}")
    for kind, r in replies:
        containers = r.get("containers", "1")
        plural = "" if containers == "1" else "s"
        label = f"{kind}, {containers} container{plural}"
        print(f"{label:<36} {r['replies']:>8} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['max_ms']:>8} "
              f"{r['replies_per_s']:>10}")
    print("(S3 PUT to the message on a thread page; in AWS, SES's receipt and its Lambda "
          "invocation add seconds: goal p95 <= 30 s)")
web = [line.split() for line in lines("web") if line.startswith("WEB ")]
if web:
    print()
    print(f"{'web app':<36} {'value':>10} {'unit':<8}")
    for f in web:
        print(f"{f[1]:<36} {f[2]:>10} {' '.join(f[3:]):<8}")
for name in ("backlog", "secrets"):
    for line in lines(name):
        if re.search(r"\d", line) and not line.startswith(("   Compiling", "    Finished", "     Running")):
            print(f"{name}: {line.strip()}")
print()
print(f"{'operation':<34} {'readers':>8} {'requests':>9} {'RRU':>6} {'WRU':>6} {'USD/million':>12}")
for line in lines("capacity"):
    m = re.match(r"CAPACITY (\S+) readers=(\d+) requests=(\d+) rru=([\d.]+) wru=([\d.]+) handler_ms=[\d.]+ usd_per_million=([\d.]+)", line)
    if m:
        print(f"{m.group(1):<34} {m.group(2):>8} {m.group(3):>9} {m.group(4):>6} {m.group(5):>6} {m.group(6):>12}")
