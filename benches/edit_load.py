#!/usr/bin/env python3
"""Edits through the API while the directory is large.

    benches/edit_load.py BASE_URL TOKEN [EDITORS] [EDITS_EACH]

Each editor is a thread that edits its own authority EDITS_EACH times:
reads its version, then PATCHes `office_hours` with If-Match. The first
figure is one editor alone (EDITS_EACH sequential edits), the second all
EDITORS at once. Prints the median, p95 and worst time of an edit (the
PATCH answer, which comes after the in-memory directory was updated) and
how many edits failed. Standard library only.
"""
import json
import statistics
import sys
import threading
import time
import urllib.request

BASE, TOKEN = sys.argv[1], sys.argv[2]
EDITORS = int(sys.argv[3]) if len(sys.argv) > 3 else 10
EACH = int(sys.argv[4]) if len(sys.argv) > 4 else 20


def call(method, path, body=None, version=None):
    req = urllib.request.Request(BASE + path, method=method)
    req.add_header("Authorization", "Bearer " + TOKEN)
    if body is not None:
        req.add_header("Content-Type", "application/json")
        req.data = json.dumps(body).encode()
    if version is not None:
        req.add_header("If-Match", '"%d"' % version)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def editor(authority_id, label, times, failures):
    for i in range(EACH):
        status, record = call("GET", "/api/v1/authorities/%d" % authority_id)
        if status != 200:
            failures.append((authority_id, "read", status))
            continue
        started = time.perf_counter()
        status, answer = call(
            "PATCH",
            "/api/v1/authorities/%d" % authority_id,
            {"office_hours": "Mon-Fri 9-17 (%s edit %d)" % (label, i)},
            record["version"],
        )
        times.append((time.perf_counter() - started) * 1000)
        if status != 200:
            failures.append((authority_id, status, str(answer)[:200]))


def run(ids, label):
    times, failures = [], []
    threads = [threading.Thread(target=editor, args=(i, label, times, failures)) for i in ids]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1] if times else 0
    print(
        "%-26s %4d edits  median %7.1f ms  p95 %7.1f ms  worst %7.1f ms  failed %d  (%.0f edits/s)"
        % (label, len(times), statistics.median(times), p95, times[-1], len(failures), len(times) / wall)
    )
    for f in failures[:5]:
        print("  failed:", f)
    return failures


_, page = call("GET", "/api/v1/authorities?per_page=%d" % max(EDITORS, 1))
ids = [a["id"] for a in page["items"]][:EDITORS]
if len(ids) < EDITORS:
    sys.exit("fewer than %d authorities to edit" % EDITORS)
_, ready = call("GET", "/readyz")
print("directory:", ready)
failed = run(ids[:1], "one editor")
failed += run(ids, "%d editors at once" % EDITORS)
sys.exit(1 if failed else 0)
