#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs every scenario with every tool against the private nginx that
bench/run.sh started, verifies every downloaded file by SHA-256, and writes
bench/RESULTS.md and bench/wall-vs-workers.png from the medians.

Started by bench/run.sh; see there for the environment it expects."""

import argparse
import collections
import hashlib
import json
import math
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
PY = "/usr/bin/python3"
LATENCY = 0.100  # seconds nginx holds each /slow/ request
HTTP_WORKERS = (1, 4, 16)
TLS_WORKERS = (1, 4, 16, 64)  # HTTP/2 multiplexing shows at high counts
# wget2-w1 is wget2 with one request in flight per HTTP/2 connection, so at
# most W in all; plain wget2 can have many more.
TOOLS = ("haul-cli", "aria2c", "curl", "wget2", "wget2-w1", "wget", "tutorial.py")
PEERS = TOOLS[1:]


class Scenario:
    def __init__(self, key, title, group, scheme, path, workers):
        self.key, self.title, self.group = key, title, group
        self.scheme, self.path = scheme, path
        self.workers = workers

    @property
    def latency(self):
        return self.path == "slow"


SCENARIOS = (
    Scenario("latency", "200 images, 100 ms per request, HTTP", "images",
             "http", "slow", HTTP_WORKERS),
    Scenario("throughput", "200 images, no delay, HTTP", "images",
             "http", "fast", HTTP_WORKERS),
    Scenario("large", "10 large files (5-20 MB), HTTP", "large",
             "http", "fast", HTTP_WORKERS),
    Scenario("latency-tls", "200 images, 100 ms per request, HTTPS", "images",
             "https", "slow", TLS_WORKERS),
    Scenario("throughput-tls", "200 images, no delay, HTTPS", "images",
             "https", "fast", TLS_WORKERS),
)
# Every worker count some scenario runs, for the chart's columns and --workers.
WORKERS = tuple(sorted(set().union(*(s.workers for s in SCENARIOS))))


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def command(tool, workers, sc, url_file, urls, out, args):
    tls = sc.scheme == "https"
    if tool == "haul-cli":
        cmd = [args.haul_cli, "-o", out, "-j", str(workers), "--quiet"]
        if sc.group == "large":
            cmd.append("--any-type")  # the large files are not images
        if tls:
            cmd += ["--ca-file", args.ca]
        return cmd + [url_file]
    if tool == "aria2c":
        cmd = ["aria2c", "-i", url_file, "-d", out, "-j", str(workers),
               "--quiet=true", "--console-log-level=error"]
        if tls:
            cmd.append("--ca-certificate=" + args.ca)
        return cmd
    if tool == "curl":
        cmd = ["curl", "--parallel", "--parallel-max", str(workers),
               "--fail", "--silent", "--show-error", "--remote-name-all",
               "--output-dir", out]
        if tls:
            cmd += ["--cacert", args.ca]
        return cmd + urls
    if tool in ("wget2", "wget2-w1"):
        cmd = ["wget2", "--max-threads", str(workers), "--quiet",
               "--directory-prefix", out, "--input-file", url_file]
        if tool == "wget2-w1":
            cmd.append("--http2-request-window=1")
        if tls:
            cmd += ["--ca-certificate", args.ca]
        return cmd
    if tool == "wget":
        cmd = ["wget", "--quiet", "--directory-prefix", out,
               "--input-file", url_file]
        if tls:
            cmd += ["--ca-certificate", args.ca]
        return cmd
    if tool == "tutorial.py":
        cmd = [PY, os.path.join(HERE, "tutorial.py"), url_file, out,
               str(workers)]
        if tls:
            cmd.append(args.ca)
        return cmd
    raise ValueError(tool)


def cells(tools, workers):
    for tool in tools:
        for w in workers:
            if tool == "wget" and w != 1:
                continue  # wget has no setting: it fetches one by one
            yield tool, w


def verify(out, expected):
    """Every file in out, by SHA-256, against the corpus: returns an error
    string, or None when the folder holds exactly the expected files."""
    got = collections.Counter()
    for root, _, files in os.walk(out):
        for name in files:
            h = hashlib.sha256()
            with open(os.path.join(root, name), "rb") as f:
                while chunk := f.read(1 << 20):
                    h.update(chunk)
            got[h.hexdigest()] += 1
    missing = sum((expected - got).values())
    extra = sum((got - expected).values())
    if missing or extra:
        return f"{missing} missing or wrong, {extra} unexpected"
    return None


def read_access_log(path, offset):
    """Requests nginx logged since offset: (protocol, request_time, status,
    connection, end time) per line."""
    rows = []
    with open(path) as f:
        f.seek(offset)
        for line in f:
            parts = line.split()
            if len(parts) >= 5:
                rows.append((parts[1], float(parts[2]), int(parts[3]),
                             parts[0], float(parts[4])))
    return rows


def max_in_flight(requests):
    """The most requests the server was handling at once."""
    events = []
    for r in requests:
        # In whole milliseconds, the log's resolution: in floating point a
        # start computed as end - duration can land a hair before the end of
        # the previous request on its connection, and count as an overlap.
        end = round(r[4] * 1000)
        events.append((end - round(r[1] * 1000), 1))
        events.append((end, -1))
    events.sort()  # an end before a start at a tie
    most = now = 0
    for _, d in events:
        now += d
        most = max(most, now)
    return most


def accepted(args):
    """How many connections nginx has accepted so far (its stub_status), or
    None. Unlike the access log this also counts connections that never sent
    a request."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(f"http://127.0.0.1:{args.http_port}/nginx-status", timeout=10) as r:
            text = r.read().decode()
    except OSError:
        return None
    m = re.search(r"accepts handled requests\s+(\d+)", text)
    return int(m.group(1)) if m else None


def protocol_text(protocols):
    """{"HTTP/2.0": 200} as "h2"; several protocols, the most used first."""
    names = {"HTTP/2.0": "h2", "HTTP/1.1": "h1.1", "HTTP/1.0": "h1.0"}
    return "+".join(names.get(p, p) for p, _ in
                    sorted(protocols.items(), key=lambda x: -x[1])) or "none"


def run_cell(sc, tool, workers, rep, args, manifest, env):
    names = [e["name"] for e in manifest[sc.group]]
    base = f"{sc.scheme}://127.0.0.1:{args.https_port if sc.scheme == 'https' else args.http_port}/{sc.path}/"
    urls = [base + n for n in names]
    url_file = os.path.join(args.tmp, f"urls-{sc.key}.txt")
    with open(url_file, "w") as f:
        f.write("".join(u + "\n" for u in urls))
    expected = collections.Counter(e["sha256"] for e in manifest[sc.group])

    out = os.path.join(args.tmp, "out", f"{sc.key}-{tool}-{workers}-{rep}")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    tfile = out + ".time"
    log = out + ".log"
    cmd = command(tool, workers, sc, url_file, urls, out, args)
    log_offset = os.path.getsize(args.access_log)
    accepted_before = accepted(args)
    load = loadavg()
    t0 = time.perf_counter()
    with open(log, "wb") as logf:
        proc = subprocess.Popen(
            ["/usr/bin/time", "-f", "%e %U %S %M", "-o", tfile, "--"] + cmd,
            cwd=out, env=env, stdout=logf, stderr=logf,
            start_new_session=True)
        # A blocking wait: Popen.wait(timeout) polls, which would round
        # the wall time up to the next 50 ms.
        timer = threading.Timer(args.timeout, os.killpg,
                                (proc.pid, signal.SIGKILL))
        timer.start()
        rc = proc.wait()
        wall = time.perf_counter() - t0
        if not timer.is_alive():
            rc = "timeout"
        timer.cancel()
    accepted_after = accepted(args)
    with open(tfile) as f:
        last = f.read().strip().splitlines()[-1].split()
    user, system, rss_kb = float(last[1]), float(last[2]), int(last[3])
    error = verify(out, expected)
    if rc != 0 and not error:
        error = f"exit status {rc}"
    if error:
        with open(log, "rb") as f:
            tail = f.read()[-400:].decode(errors="replace").strip()
        if tail:
            error += ": " + tail.replace("\n", " / ")
    requests = read_access_log(args.access_log, log_offset)
    protocols = collections.Counter(r[0] for r in requests)
    connections = len({r[3] for r in requests})
    short = [r[1] for r in requests if sc.latency and r[2] == 200
             and r[1] < LATENCY - 0.002]
    if short and not error:
        error = (f"{len(short)} requests were not held {LATENCY * 1000:.0f} ms"
                 f" (shortest {min(short) * 1000:.0f} ms)")
    shutil.rmtree(out, ignore_errors=True)
    return {
        "scenario": sc.key, "tool": tool, "workers": workers, "rep": rep,
        "wall": wall, "cpu": user + system, "rss_kb": rss_kb,
        "ok": error is None, "error": error, "load": load,
        "requests": len(requests), "connections": connections,
        # Less the connection that asked for the second count.
        "accepted": (accepted_after - accepted_before - 1
                     if accepted_before is not None and accepted_after is not None else None),
        "protocols": dict(protocols), "cmd": cmd[:12],
        "held_min": min((r[1] for r in requests if r[2] == 200), default=None),
        "in_flight": max_in_flight(requests),
    }


def trust_load_ms():
    """Median time GnuTLS takes to load the system trust store, the work
    glib-networking repeats for every TLS connection."""
    import ctypes
    try:
        gnutls = ctypes.CDLL("libgnutls.so.30")
    except OSError:
        return None, None
    times, n = [], 0
    for _ in range(9):
        tl = ctypes.c_void_p()
        gnutls.gnutls_x509_trust_list_init(ctypes.byref(tl), 0)
        t = time.perf_counter()
        n = gnutls.gnutls_x509_trust_list_add_system_trust(tl, 0, 0)
        times.append(time.perf_counter() - t)
        gnutls.gnutls_x509_trust_list_deinit(tl, 1)
    return statistics.median(times) * 1000, n


def diagnose_tls(args, manifest, env, workers=16):
    """One extra, untimed haul-cli run over HTTPS under strace: how many TLS
    connections it opened and how often the system CA bundle was read."""
    if not shutil.which("strace"):
        return None
    sc = next(s for s in SCENARIOS if s.key == "throughput-tls")
    out = os.path.join(args.tmp, "out", "diagnose")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    urls = [f"https://127.0.0.1:{args.https_port}/fast/{e['name']}"
            for e in manifest[sc.group]]
    url_file = os.path.join(args.tmp, "urls-diagnose.txt")
    with open(url_file, "w") as f:
        f.write("".join(u + "\n" for u in urls))
    trace = os.path.join(args.tmp, "diagnose.strace")
    offset = os.path.getsize(args.access_log)
    subprocess.run(["strace", "-f", "-qq", "-e", "trace=openat,connect", "-o", trace,
                    args.haul_cli, "-q", "-j", str(workers), "-o", out,
                    "--ca-file", args.ca, url_file],
                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    bundle = collections.Counter()
    with open(trace) as f:
        for line in f:
            m = re.search(r'openat\([^"]*"(/etc/ssl/certs/[^"]+|/usr/share/ca-certificates[^"]*)"', line)
            if m and "= -1" not in line:
                bundle[m.group(1)] += 1
    shutil.rmtree(out, ignore_errors=True)
    requests = read_access_log(args.access_log, offset)
    ms, certs = trust_load_ms()
    return {"workers": workers, "connections": len({r[3] for r in requests}),
            "requests": len(requests), "bundle": dict(bundle),
            "trust_ms": ms, "trust_certs": certs}


def median(xs):
    return statistics.median(xs) if xs else None


def summarise(runs):
    """Medians per (scenario, tool, workers); a cell with any failed run is
    reported as failed."""
    by = collections.defaultdict(list)
    for r in runs:
        by[(r["scenario"], r["tool"], r["workers"])].append(r)
    cell = {}
    for key, rs in by.items():
        ok = all(r["ok"] for r in rs)
        cell[key] = {
            "ok": ok,
            "n": len(rs),
            "wall": median([r["wall"] for r in rs]),
            "wall_min": min(r["wall"] for r in rs),
            "wall_max": max(r["wall"] for r in rs),
            "cpu": median([r["cpu"] for r in rs]),
            "rss_mb": median([r["rss_kb"] for r in rs]) / 1024,
            "error": next((r["error"] for r in rs if r["error"]), None),
            "connections": median([r["connections"] for r in rs]),
            "accepted": median([r["accepted"] for r in rs if r.get("accepted") is not None]),
            "in_flight": median([r.get("in_flight", 0) for r in rs]),
            "protocols": rs[-1]["protocols"],
        }
    return cell


def spoken(xs):
    """(1, 4, 16) as "1, 4 and 16"."""
    xs = [str(x) for x in xs]
    return ", ".join(xs[:-1]) + " and " + xs[-1] if len(xs) > 1 else "".join(xs)


def workers_text(w):
    return f"{w} worker" + ("s" if w != 1 else "")


def bound(n, w):
    return math.ceil(n / w) * LATENCY


def fmt_s(x):
    return "—" if x is None else (f"{x:.2f} s" if x < 10 else f"{x:.1f} s")


def cell_text(c, field, unit):
    if c is None:
        return "—"
    if not c["ok"]:
        return "FAIL"
    v = c[field]
    if unit == "s":
        return fmt_s(v)
    return f"{v:.0f} MiB" if v >= 10 else f"{v:.1f} MiB"


def over_workers(c, w):
    """True when a tool had more requests in flight than its worker count
    (wget2 multiplexes several per thread over HTTP/2). The log's times
    have a resolution of 1 ms, so a request and the next one on the same
    connection can seem to overlap: one extra is not counted."""
    return c is not None and c["ok"] and c.get("in_flight", 0) > w + 1


def best_peer(cell, sc, w, field="wall", within=False, peers=PEERS):
    best = None
    for t in peers:
        c = cell.get((sc.key, t, w))
        if not c or not c["ok"] or (within and over_workers(c, w)):
            continue
        if best is None or c[field] < best[1]:
            best = (t, c[field])
    return best


def table(cell, manifest, field, unit, with_ratio):
    show_bound = field == "wall"
    head = ["Scenario", "W", "bound" if show_bound else ""]
    head += [f"`{t}`" for t in TOOLS]
    if with_ratio:
        head += ["best peer", "Haul ÷ best"]
        if show_bound:
            head += ["Haul ÷ best ≤ W in flight"]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] * 2 + ["--:"] * (len(head) - 2)) + "|"]
    for sc in SCENARIOS:
        n = len(manifest[sc.group])
        for w in sc.workers:
            row = [sc.title if w == sc.workers[0] else "", str(w),
                   fmt_s(bound(n, w)) if sc.latency and show_bound else ""]
            for t in TOOLS:
                c = cell.get((sc.key, t, w))
                text = cell_text(c, field, unit)
                if show_bound and over_workers(c, w):
                    text += " ‡"
                row.append(text)
            if not with_ratio:
                lines.append("| " + " | ".join(row) + " |")
                continue
            haul = cell.get((sc.key, "haul-cli", w))
            haul = haul if haul and haul["ok"] else None
            variants = [False, True] if show_bound else [False]
            best = best_peer(cell, sc, w, field)
            row.append(f"{best[0]} {cell_text(cell[(sc.key, best[0], w)], field, unit)}"
                       if best else "—")
            for within in variants:
                b = best_peer(cell, sc, w, field, within)
                if b and haul and b[1] > 0:
                    ratio = f"{haul[field] / b[1]:.2f}×"
                    row.append(f"**{ratio}**" if not within else f"{ratio} ({b[0]})")
                else:
                    row.append("—")
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


# The names the targets give the scenarios.
SHORT = {"latency": "lat", "throughput": "nolat", "large": "large",
         "latency-tls": "lat-tls", "throughput-tls": "nolat-tls"}
# The peers that keep at most W requests in flight; wget2 counts only in a
# cell where the server's log shows it did.
WITHIN_W = ("aria2c", "curl", "wget2", "wget2-w1")


def targets(cell, manifest):
    """The targets, checked against this run's medians."""
    scs = {s.key: s for s in SCENARIOS}
    out = ["Scenarios by short name: " + "; ".join(f"`{SHORT[s.key]}` {s.title}" for s in SCENARIOS)
           + ". “Faster” and “slower” compare median wall times.", ""]

    def haul(key, w):
        c = cell.get((key, "haul-cli", w))
        return c if c and c["ok"] else None

    def absent(key, tool, w):
        return f"**not measured** ({tool} {'did not run' if (key, tool, w) not in cell else 'failed'})"

    def name(key, w):
        return f"`{SHORT[key]}`, W={w}"

    def ms(x):
        return f"{x * 1000:.0f} ms"

    def secs(x):
        # To the millisecond: the no-delay rows differ by a few.
        return f"{x:.3f} s" if x < 10 else fmt_s(x)

    def no_slower(h, other):
        if h <= other:
            return f"met ({ms(other - h)} faster, {h / other:.2f}×)"
        return f"**missed by {ms(h - other)}** ({h / other:.2f}×)"

    def versus(key, w, what, peer):
        """haul-cli no slower than peer, a (tool, wall) pair or None."""
        h = haul(key, w)
        if not h:
            verdict = absent(key, "haul-cli", w)
        elif not peer:
            verdict = "**not measured** (no such peer ran)"
        else:
            verdict = (f"haul-cli {secs(h['wall'])}, {peer[0]} {secs(peer[1])}: "
                       + no_slower(h["wall"], peer[1]))
        out.append(f"- {name(key, w)}: no slower than {what}: {verdict}")

    sc = scs["latency-tls"]
    n = len(manifest[sc.group])
    for w in (16, 64):
        left = [f"{t} left out, up to {cell[(sc.key, t, w)]['in_flight']:.0f} in flight"
                for t in WITHIN_W if over_workers(cell.get((sc.key, t, w)), w)]
        what = (f"the best peer with at most {w} requests in flight ({', '.join(WITHIN_W)}"
                + "".join("; " + x for x in left) + ")")
        versus(sc.key, w, what, best_peer(cell, sc, w, within=True, peers=WITHIN_W))
        h, b = haul(sc.key, w), bound(n, w)
        if not h:
            verdict = absent(sc.key, "haul-cli", w)
        else:
            over = h["wall"] - 1.10 * b
            verdict = (f"haul-cli {secs(h['wall'])} = {h['wall'] / b:.2f}× the bound: "
                       + (f"met ({ms(-over)} to spare)" if over <= 0 else f"**missed by {ms(over)}**"))
        out.append(f"- {name(sc.key, w)}: within 1.10× of the bound {secs(b)} "
                   f"(at most {secs(1.10 * b)}): {verdict}")
    for w in (16, 64):
        c = cell.get(("throughput-tls", "curl", w))
        versus("throughput-tls", w, "curl",
               ("curl", c["wall"]) if c and c["ok"] else None)
    versus("throughput", 16, "the best peer", best_peer(cell, scs["throughput"], 16))
    for key in ("latency", "large"):
        sc = scs[key]
        for w in sc.workers:
            h, best = haul(key, w), best_peer(cell, sc, w)
            if not h or not best:
                verdict = absent(key, "haul-cli", w) if not h else "**not measured** (no peer ran)"
            else:
                r = h["wall"] / best[1]
                verdict = (f"haul-cli {secs(h['wall'])} ÷ best peer {best[0]} {secs(best[1])} = "
                           f"**{r:.2f}×** ({ms(abs(h['wall'] - best[1]))} "
                           + ("faster" if r <= 1 else "slower") + ")")
                if sc.latency:
                    verdict += f"; {h['wall'] / bound(len(manifest[sc.group]), w):.2f}× the bound"
            out.append(f"- {name(key, w)}: keep the lead or parity: {verdict}")
    h = haul("latency-tls", 64)
    out.append(f"- {name('latency-tls', 64)}: peak RSS at most 40 MiB: "
               + (absent("latency-tls", "haul-cli", 64) if not h else
                  f"{h['rss_mb']:.1f} MiB: " + ("met" if h["rss_mb"] <= 40 else
                                                f"**missed by {h['rss_mb'] - 40:.1f} MiB**")))
    for key in ("latency-tls", "throughput-tls"):
        h = haul(key, 64)
        out.append(f"- {name(key, 64)}: at most 2 TCP connections to the HTTP/2 host: "
                   + (absent(key, "haul-cli", 64) if not h else
                      f"{connections_text(h)}: " + ("met" if h["connections"] <= 2 else
                                                    f"**missed by {h['connections'] - 2:g}**")))
    for w in scs["large"].workers:
        h = haul("large", w)
        if h:
            verdict = "met" if h["rss_mb"] < 40 else f"**missed by {h['rss_mb'] - 40:.1f} MiB**"
            out.append(f"- Peak RSS downloading the large files, {workers_text(w)}: "
                       f"{h['rss_mb']:.1f} MiB (target < 40 MiB): {verdict}")
    return "\n".join(out)


def observations(cell, manifest, diag):
    """Facts from this run that explain the rows, each computed here."""
    out = []
    for sc in SCENARIOS:
        for t in PEERS:
            over = [(w, cell[(sc.key, t, w)]["in_flight"]) for w in sc.workers
                    if over_workers(cell.get((sc.key, t, w)), w)]
            if over:
                out.append(f"- {sc.title}: `{t}` had more requests in flight than its worker count ("
                           + ", ".join(f"up to {n} at W={w}" for w, n in over)
                           + "). Over HTTP/2 it sends several requests at once on each connection "
                           "(for wget2, `--http2-request-window`, 30 by default), so its concurrency is "
                           "not its thread count, and the bound ⌈N/W⌉ × 100 ms does not apply to it.")
    if diag:
        files = ", ".join(f"`{p}` ×{k}" for p, k in diag["bundle"].items()) or "none"
        line = (f"- One extra, untimed `haul-cli -j {diag['workers']}` run over HTTPS under `strace`: "
                f"{diag['connections']} TLS connection{'s' if diag['connections'] != 1 else ''} for "
                f"{diag['requests']} requests, and the system CA bundle was opened "
                f"{sum(diag['bundle'].values())} times ({files}).")
        if diag["trust_ms"] is not None:
            line += (f" Loading the system trust store ({diag['trust_certs']} certificates) takes "
                     f"{diag['trust_ms']:.1f} ms of CPU here")
            opened = sum(diag["bundle"].values())
            if opened >= diag["connections"] > 1:
                line += ("; glib-networking 2.74 does it once per TLS connection (`g_initable_new` of the "
                         "client connection, under `soup_session_send`), so every connection Haul opens "
                         "costs that on top of its handshake.")
            else:
                line += "; in this run Haul did not load it once per connection."
        out.append(line)
    return "\n".join(out)


def connections_text(c):
    if c is None:
        return "—"
    text = f"{c['connections']:g} ({protocol_text(c['protocols'])})"
    if c.get("accepted") is not None and c["accepted"] != c["connections"]:
        text += f", {c['accepted']:g} accepted"
    return text if c["ok"] else text + ", FAIL"


def connections_table(cell):
    head = ["Scenario", "W"] + [f"`{t}`" for t in TOOLS]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---"] * 2 + ["--:"] * (len(head) - 2)) + "|"]
    for sc in SCENARIOS:
        if sc.scheme != "https":
            continue
        for w in sc.workers:
            row = [sc.title if w == sc.workers[0] else "", str(w)]
            row += [connections_text(cell.get((sc.key, t, w))) for t in TOOLS]
            lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def every_cell(cell):
    lines = ["| Scenario | Tool | W | wall median (min–max) | CPU | peak RSS | connections | accepted | most in flight | protocol | verified |",
             "|---|---|--:|--:|--:|--:|--:|--:|--:|---|---|"]
    for sc in SCENARIOS:
        for t, w in cells(TOOLS, sc.workers):
            c = cell.get((sc.key, t, w))
            if not c:
                continue
            proto = ", ".join(f"{p} ×{n}" for p, n in sorted(c["protocols"].items()))
            verified = f"{c['n']}/{c['n']} runs" if c["ok"] else ("FAIL: " + (c["error"] or "")[:160]).replace("|", "/")
            lines.append(
                f"| {sc.key} | `{t}` | {w} | {fmt_s(c['wall'])} ({c['wall_min']:.2f}–{c['wall_max']:.2f}) "
                f"| {fmt_s(c['cpu'])} | {c['rss_mb']:.1f} MiB | {c['connections']:g} "
                f"| {'—' if c.get('accepted') is None else format(c['accepted'], 'g')} | {c.get('in_flight', 0):.0f} "
                f"| {proto} | {verified} |")
    return "\n".join(lines)


def machine():
    model, cpus = "unknown", 0
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
            if line.startswith("processor"):
                cpus += 1
    mem = "unknown"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return (f"{cpus} × {model}, {mem} RAM, Linux {platform.release()}, "
            f"{platform.machine()}")


def version(cmd, pattern=None):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True,
                             timeout=20).stdout + ""
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    out = out.strip().splitlines()
    return out[0].strip() if out else "unknown"


def versions(args):
    nginx = subprocess.run(["nginx", "-v"], capture_output=True,
                           text=True).stderr.strip()
    req = subprocess.run([PY, "-c", "import requests; print(requests.__version__)"],
                         capture_output=True, text=True).stdout.strip()
    return [
        ("haul-cli", version([args.haul_cli, "--version"]) + f" (git {args.git}, meson release build)"),
        ("aria2c", version(["aria2c", "--version"])),
        ("curl", version(["curl", "--version"])),
        ("wget2", version(["wget2", "--version"])),
        ("wget2-w1", "the same wget2 with `--http2-request-window=1`"),
        ("wget", version(["wget", "--version"])),
        ("tutorial.py", version([PY, "--version"]) + f", requests {req}"),
        ("server", nginx + " with the echo module (libnginx-mod-http-echo)"),
    ]


def chart(cell, manifest, path, tmp):
    data = os.path.join(tmp, "chart")
    os.makedirs(data, exist_ok=True)
    plots = []
    for i, sc in enumerate(SCENARIOS):
        series = []
        for t in TOOLS:
            pts = [(w, cell[(sc.key, t, w)]["wall"]) for w in WORKERS
                   if (sc.key, t, w) in cell and cell[(sc.key, t, w)]["ok"]]
            if not pts:
                continue
            fn = os.path.join(data, f"{sc.key}-{t}.dat")
            with open(fn, "w") as f:
                f.writelines(f"{w} {v}\n" for w, v in pts)
            series.append((t, fn))
        if sc.latency:
            fn = os.path.join(data, f"{sc.key}-bound.dat")
            n = len(manifest[sc.group])
            with open(fn, "w") as f:
                f.writelines(f"{2 ** i} {bound(n, 2 ** i)}\n"
                             for i in range(max(sc.workers).bit_length()))
            series.append(("bound ⌈N/W⌉×100 ms", fn))
        plots.append((sc, series))
    style = {"haul-cli": "lw 3 lc rgb '#c01c28' pt 7 ps 1.4",
             "aria2c": "lc rgb '#1c71d8' pt 5", "curl": "lc rgb '#26a269' pt 9",
             "wget2": "lc rgb '#e5a50a' pt 11", "wget2-w1": "lc rgb '#e66100' dt 2 pt 10",
             "wget": "lc rgb '#613583' pt 13 ps 1.6",
             "tutorial.py": "lc rgb '#865e3c' pt 3"}
    g = [f"set terminal pngcairo size 1500,900 font 'sans,10'",
         f"set output '{path}'",
         "set multiplot layout 2,3 title 'Wall time against workers (median of runs; lower is better)'",
         "set logscale xy", "set xtics (" + ",".join(map(str, WORKERS)) + ")",
         f"set xrange [0.8:{WORKERS[-1] * 1.25:g}]",
         "set xlabel 'workers'", "set ylabel 'wall time (s)'",
         "set grid", "set key top right font ',9'"]
    for sc, series in plots:
        g.append(f"set title '{sc.title}'")
        parts = []
        if all(t.startswith("bound") for t, _ in series):
            series = []
        for t, fn in series:
            if t.startswith("bound"):
                parts.append(f"'{fn}' with lines dt 2 lw 2 lc rgb 'black' title '{t}'")
            else:
                parts.append(f"'{fn}' with linespoints {style[t]} title '{t}'")
        # "multiplot next" leaves the panel of a scenario that did not run empty.
        g.append("plot " + ", ".join(parts) if parts else "set multiplot next")
    # Sixth panel: Haul's wall time over the best peer's, per scenario and W.
    ratios = os.path.join(data, "ratios.dat")
    short = {"latency": "latency", "throughput": "throughput", "large": "large files",
             "latency-tls": "latency TLS", "throughput-tls": "throughput TLS"}
    valid = set()
    with open(ratios, "w") as f:
        for sc in SCENARIOS:
            vals = []
            for i, w in enumerate(WORKERS):
                h, b = cell.get((sc.key, "haul-cli", w)), best_peer(cell, sc, w)
                if h and h["ok"] and b:
                    vals.append(f"{h['wall'] / b[1]:.3f}")
                    valid.add(i)
                else:
                    vals.append("NaN")  # no bar
            f.write(f'"{short[sc.key]}" ' + " ".join(vals) + "\n")
    colours = ("#f66151", "#c01c28", "#63452c", "#241f31")
    bars = [f"'{ratios}' using {i + 2}:xtic(1) title 'W={w}' lc rgb '{colours[i]}'"
            for i, w in enumerate(WORKERS) if i in valid]
    g += ["unset logscale", "set logscale y", "set xrange [*:*]", "set yrange [0.3:*]",
          "set title \"Haul's wall time ÷ best peer's (below 1: Haul faster)\"",
          "set style data histograms", "set style histogram clustered gap 1",
          "set style fill solid 0.8 border -1", "set boxwidth 0.9", "set xtics rotate by -20",
          "set xlabel ''", "set ylabel 'ratio (log scale)'", "set key top left"]
    g.append("plot " + ", ".join(bars + ["1 with lines dt 2 lc rgb 'black' notitle"])
             if bars else "set multiplot next")
    g.append("unset multiplot")
    script = os.path.join(data, "chart.gp")
    with open(script, "w") as f:
        f.write("\n".join(g) + "\n")
    subprocess.run(["gnuplot", script], check=True)


def write_results(args, manifest, runs, gui, diag=None):
    cell = summarise(runs)
    loads = [r["load"] for r in runs] or [loadavg()]
    n_img = len(manifest["images"])
    img_bytes = sum(e["size"] for e in manifest["images"])
    big_bytes = sum(e["size"] for e in manifest["large"])
    kinds = collections.Counter(e["name"].rsplit(".", 1)[1] for e in manifest["images"])
    md = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.sh` on {args.started} (UTC) from the run it just made; "
        "every figure below comes from that run. Do not edit by hand: run `./bench/run.sh` again.",
        "",
        "## Setup",
        "",
        f"- Machine: {machine()}.",
        f"- Load while measuring (1-minute average from `/proc/loadavg`, sampled before every run): "
        f"min {min(loads):.2f}, median {statistics.median(loads):.2f}, max {max(loads):.2f} "
        f"(before the benchmark: {args.load_before}). Other work shared the CPUs, so absolute "
        "times carry noise; tools in a row ran interleaved, so the comparison within a row is fair.",
        f"- Server: a private nginx on 127.0.0.1 (HTTP/1.1 on one port, HTTPS with HTTP/2 on another, "
        "certificate from a CA the script made), `sendfile` on, 2 worker processes, serving "
        f"{n_img} images ({kinds.get('jpg', 0)} JPEG, {kinds.get('png', 0)} PNG, "
        f"{min(e['size'] for e in manifest['images']) / 1000:.0f}–{max(e['size'] for e in manifest['images']) / 1000:.0f} KB, "
        f"{img_bytes / 1e6:.1f} MB in all) and {len(manifest['large'])} large files "
        f"({min(e['size'] for e in manifest['large']) / 1e6:.1f}–{max(e['size'] for e in manifest['large']) / 1e6:.1f} MB, "
        f"{big_bytes / 1e6:.0f} MB in all), generated from a seeded PRNG.",
        "- Latency: every request under `/slow/` is held 100 ms by the server (`echo_sleep 0.1` then "
        "`echo_exec` to the file), like the tutorial's `time.sleep`. nginx logs each request's time, and a "
        "run in which any request was held less than 100 ms counts as failed.",
        f"- Each cell is the median of {args.runs} runs (all tools interleaved within each round). Wall time "
        "from the start to the exit of the process; CPU time is user + system and peak RSS the maximum "
        "resident set, both from `/usr/bin/time`. After every run each downloaded file is checked by "
        "SHA-256 against the corpus; a run with a missing, extra or corrupt file, or a non-zero exit, is FAIL.",
        f"- W is the number of workers ({spoken(HTTP_WORKERS)} over HTTP, {spoken(TLS_WORKERS)} over HTTPS): "
        "`haul-cli -j W`, `aria2c -j W`, `curl --parallel --parallel-max W`, "
        "`wget2 --max-threads W`, `wget2-w1` the same with `--http2-request-window=1` (by default wget2 "
        "sends up to 30 requests at once on each HTTP/2 connection, of which it opens up to W, so it alone can have more "
        "than W in flight), `tutorial.py` with `ThreadPoolExecutor(max_workers=W)`; `wget` fetches one "
        "by one. Every tool otherwise runs with its defaults (plus the private CA for HTTPS, and `--any-type` "
        "for `haul-cli` on the large files, which are not images).",
        "- The bound for the latency rows is ⌈N/W⌉ × 100 ms: W workers cannot finish N held requests sooner.",
        "",
        "## Versions",
        "",
    ]
    md += [f"- {t}: {v}" for t, v in versions(args)]
    md += ["", "## Wall time (median)", "", table(cell, manifest, "wall", "s", True), "",
           "“Haul ÷ best” is `haul-cli`'s median wall time over the fastest peer's in the same row "
           "(below 1 means Haul is faster). ‡ marks a tool that had more requests in flight at the server "
           "than W (median over the runs, counted from the server's log, whose 1 ms resolution can show one "
           "extra at a hand-over, so only W + 2 or more counts); the last column compares Haul only with the "
           "peers that stayed within W.", "",
           "![Wall time against workers](wall-vs-workers.png)", "",
           "## CPU time (user + system, median)", "", table(cell, manifest, "cpu", "s", True), "",
           "## Peak RSS (median)", "", table(cell, manifest, "rss_mb", "MiB", False), "",
           "## Connections (HTTPS)", "",
           "Distinct TCP connections the server saw during a run (nginx's connection serial in its access "
           "log; median over the runs), and the protocol the requests used (h2 is HTTP/2). Where nginx "
           "accepted more connections than carried a request (its `stub_status` count), the cell says so.",
           "", connections_table(cell), "",
           "## Targets", "", targets(cell, manifest), "",
           "## Observations", "", observations(cell, manifest, diag) or "None.", "",
           "## GUI stress", "", gui, "",
           "## Every cell", "",
           "Connections and protocol come from the server's access log (distinct connections that carried the "
           "run's requests; requests per protocol); accepted is nginx's count of the connections it accepted "
           "during the run (`stub_status`), which also counts any that sent no request.", "",
           every_cell(cell), ""]
    with open(os.path.join(HERE, "RESULTS.md"), "w") as f:
        f.write("\n".join(md))
    chart(cell, manifest, os.path.join(HERE, "wall-vs-workers.png"), args.tmp)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--tmp", required=True)
    p.add_argument("--http-port", type=int, required=True)
    p.add_argument("--https-port", type=int, required=True)
    p.add_argument("--ca", required=True)
    p.add_argument("--access-log", required=True)
    p.add_argument("--haul-cli", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--timeout", type=int, default=600)
    p.add_argument("--tools", default=",".join(TOOLS))
    p.add_argument("--scenarios", default=",".join(s.key for s in SCENARIOS))
    p.add_argument("--workers", default=",".join(map(str, WORKERS)))
    p.add_argument("--gui-report", default="")
    p.add_argument("--load-before", default="")
    p.add_argument("--git", default="")
    p.add_argument("--started", default="")
    p.add_argument("--raw", default=os.path.join(HERE, "out", "runs.json"))
    p.add_argument("--report-only", action="store_true")
    args = p.parse_args()
    args.haul_cli = os.path.abspath(args.haul_cli)

    with open(os.path.join(args.tmp, "www", "manifest.json")) as f:
        manifest = json.load(f)
    os.makedirs(os.path.dirname(args.raw), exist_ok=True)

    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env["HOME"] = os.path.join(args.tmp, "home")  # HSTS/OCSP caches stay in /tmp
    env["XDG_CONFIG_HOME"] = os.path.join(env["HOME"], ".config")
    env["XDG_DATA_HOME"] = os.path.join(env["HOME"], ".local", "share")
    env["XDG_CACHE_HOME"] = os.path.join(env["HOME"], ".cache")
    env["no_proxy"] = "127.0.0.1,localhost"
    os.makedirs(env["HOME"], exist_ok=True)

    tools = [t for t in TOOLS if t in args.tools.split(",")]
    scenarios = [s for s in SCENARIOS if s.key in args.scenarios.split(",")]
    runs = []
    if args.report_only:
        with open(args.raw) as f:
            runs = json.load(f)
    else:
        wanted = {int(x) for x in args.workers.split(",")}
        for w in sorted(wanted - set(WORKERS)):
            print(f"W={w} is not among any scenario's worker counts "
                  f"({', '.join(map(str, WORKERS))}); skipped", file=sys.stderr)
        plan = [(rep, sc, t, w) for rep in range(args.runs) for sc in scenarios
                for t, w in cells(tools, [w for w in sc.workers if w in wanted])]
        for i, (rep, sc, t, w) in enumerate(plan, 1):
            r = run_cell(sc, t, w, rep, args, manifest, env)
            runs.append(r)
            status = "ok" if r["ok"] else "FAIL " + (r["error"] or "")[:200]
            print(f"[{i}/{len(plan)}] {sc.key:14} {t:11} W={w:<2} run {rep + 1}: "
                  f"{r['wall']:6.2f} s  cpu {r['cpu']:5.2f} s  rss {r['rss_kb'] / 1024:6.1f} MiB  "
                  f"load {r['load']:.2f}  {status}", flush=True)
            with open(args.raw, "w") as f:
                json.dump(runs, f, indent=0)
    diag = None
    diag_file = os.path.join(os.path.dirname(args.raw), "diagnose.json")
    if args.report_only:
        if os.path.exists(diag_file):
            with open(diag_file) as f:
                diag = json.load(f)
    elif "haul-cli" in tools and any(s.key == "throughput-tls" for s in scenarios):
        diag = diagnose_tls(args, manifest, env)
        with open(diag_file, "w") as f:
            json.dump(diag, f)
    gui = args.gui_report
    if gui and os.path.exists(gui):
        with open(gui) as f:
            gui = f.read().strip()
    write_results(args, manifest, runs, gui or "Not run.", diag)
    print("wrote bench/RESULTS.md and bench/wall-vs-workers.png")


if __name__ == "__main__":
    main()
