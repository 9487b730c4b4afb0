#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The window under stress: 5,000 URLs from the private nginx, opened as a
file of links with downloads starting at once (the start-immediately
setting), in a private Xvfb and D-Bus session. stall-probe.so, preloaded,
times a high-priority 10 ms timer on the main context; peak RSS is the
kernel's VmHWM. Prints a Markdown report for RESULTS.md.

Xvfb has no GPU: GTK's GL renderer runs on Mesa's llvmpipe, which compiles
shaders with LLVM on the main thread. A short warm-up run first fills
Mesa's shader cache, as on a desktop that has run GTK apps before; the
measured run is then repeated with GSK_RENDERER=cairo, which leaves GL out,
so the report separates the window's own cost from software GL.

After the last file arrived, gallery-driver.so (preloaded too) scrolls the
view from the top at 60 rows a second (to the bottom, or for 40 s) and types words into the search
bar; the stalls while scrolling and the time from each word to the filtered
model are reported as well.

usage: gui_stress.py HAUL SCHEMA-DIR PROBE.so BASE-URL TMP [N]
                     [--views list,grid] [--renderers default,cairo] [--driver DRIVER.so]"""

import argparse

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

STALL_TARGET_MS = 50
RSS_TARGET_MB = 500
TIMEOUT = 900
WARM_UP = 200


def fail(msg):
    print(f"**Not measured**: {msg}")
    sys.exit(0)


def log_tail(path):
    with open(path, "rb") as f:
        return f.read()[-300:].decode(errors="replace").strip().replace("\n", " / ")


class Session:
    """A private X server and the environment the window runs in."""

    def __init__(self, work, schema_dir):
        self.env = {k: v for k, v in os.environ.items()
                    if "proxy" not in k.lower() and k not in
                    ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "GSK_RENDERER")}
        home = os.path.join(work, "home")
        self.env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                        XDG_DATA_HOME=os.path.join(home, ".local", "share"),
                        XDG_CACHE_HOME=os.path.join(home, ".cache"),
                        XDG_RUNTIME_DIR=os.path.join(work, "run"),
                        GSETTINGS_SCHEMA_DIR=schema_dir, GSETTINGS_BACKEND="keyfile",
                        GDK_BACKEND="x11", no_proxy="127.0.0.1,localhost")
        os.makedirs(self.env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)

        # -displayfd tells which display Xvfb took. Read up to the newline
        # and keep the pipe open: Xvfb writes the number and the newline
        # separately and dies if the second write fails.
        self.rfd, wfd = os.pipe()
        self.xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(wfd), "-nolisten", "tcp",
                                      "-screen", "0", "1280x1024x24"], pass_fds=(wfd,),
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(wfd)
        display = b""
        while not display.endswith(b"\n"):
            chunk = os.read(self.rfd, 64)
            if not chunk:
                break
            display += chunk
        display = display.decode().strip()
        self.env["DISPLAY"] = ":" + display
        for _ in range(50):  # the socket can trail the display number
            if os.path.exists(f"/tmp/.X11-unix/X{display}"):
                break
            time.sleep(0.1)

    def gsettings(self, *args):
        return subprocess.run(["gsettings", *args], env=self.env, capture_output=True, text=True)

    def close(self):
        self.xvfb.terminate()
        self.xvfb.wait()
        os.close(self.rfd)


def run_window(session, haul, probe, work, label, urls, expected, renderer=None, driver=None):
    """Opens the window on a file of urls and waits until every expected
    file arrived (or nothing did for a minute). Returns what was seen."""
    out = os.path.join(work, f"downloads-{label}")
    os.makedirs(out, exist_ok=True)
    r = session.gsettings("set", "io.github.haul.Haul", "download-folder", f"'{out}'")
    if r.returncode != 0:
        fail(f"the window has no setting `download-folder` to drive it with ({r.stderr.strip()}).")
    url_file = os.path.join(work, f"urls-{label}.txt")
    with open(url_file, "w") as f:
        f.write("".join(u + "\n" for u in urls))
    stall_log = os.path.join(work, f"stalls-{label}.txt")
    app_log = os.path.join(work, f"haul-{label}.log")
    drive_log = os.path.join(work, f"drive-{label}.txt")
    drive_go = os.path.join(work, f"go-{label}")
    env = dict(session.env)
    if renderer:
        env["GSK_RENDERER"] = renderer
    preload = probe
    if driver:
        preload = f"{probe}:{driver}"
        env.update(HAUL_DRIVE_LOG=drive_log, HAUL_DRIVE_GO=drive_go)

    res = {"n": len(expected), "pid": None, "first": None, "last": None, "seen": set(),
           "peak_kb": 0, "llvmpipe": False, "log": app_log, "out": out}
    with open(app_log, "wb") as logf:
        app = subprocess.Popen(["dbus-run-session", "--", "env", f"LD_PRELOAD={preload}",
                                f"HAUL_STALL_LOG={stall_log}", haul, url_file],
                               env=env, stdout=logf, stderr=logf, start_new_session=True)
    res["launch"] = time.monotonic()
    try:
        deadline = res["launch"] + TIMEOUT
        last_progress = res["launch"]
        while time.monotonic() < deadline and app.poll() is None:
            time.sleep(0.1)
            pid = res["pid"]
            if pid is None and os.path.exists(stall_log):
                with open(stall_log) as f:
                    m = re.match(r"# start \d+ pid (\d+)", f.readline())
                    pid = res["pid"] = int(m.group(1)) if m else None
            if pid:
                try:
                    if not res["llvmpipe"]:
                        res["llvmpipe"] = any(
                            open(f"/proc/{pid}/task/{t}/comm").read().startswith("llvmpipe")
                            for t in os.listdir(f"/proc/{pid}/task"))
                    with open(f"/proc/{pid}/status") as f:
                        st = dict(line.split(":", 1) for line in f)
                    res["peak_kb"] = max(res["peak_kb"], int(st["VmHWM"].split()[0]))
                except (OSError, KeyError):
                    pass
            names = set(os.listdir(out)) & expected.keys()
            now = time.monotonic()
            if names - res["seen"]:
                res["first"] = res["first"] or now
                res["last"] = last_progress = now
                res["seen"] |= names
            if len(res["seen"]) == len(expected) or now - last_progress > 60:
                break
        res["end"] = time.monotonic()
        res["exited"] = app.poll() is not None
        if driver and not res["exited"]:
            # Let the last rows settle, then scroll and search.
            time.sleep(3)
            open(drive_go, "w").close()
            drive_deadline = time.monotonic() + 300
            while time.monotonic() < drive_deadline and app.poll() is None:
                time.sleep(0.2)
                try:
                    with open(f"/proc/{res['pid']}/status") as f:
                        st = dict(line.split(":", 1) for line in f)
                    res["peak_kb"] = max(res["peak_kb"], int(st["VmHWM"].split()[0]))
                except (OSError, KeyError, TypeError):
                    pass
                if os.path.exists(drive_log) and "done" in open(drive_log).read():
                    break
    finally:
        if app.poll() is None:
            try:
                os.killpg(app.pid, signal.SIGTERM)
                app.wait(10)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(app.pid, signal.SIGKILL)
                app.wait()

    res["stalls"] = []
    if os.path.exists(stall_log):
        with open(stall_log) as f:
            for line in f:
                if not line.startswith("#"):
                    ts, late = (int(x) for x in line.split())
                    res["stalls"].append((ts / 1e6, late / 1e3))
    res["drive"] = []
    if os.path.exists(drive_log):
        with open(drive_log) as f:
            res["drive"] = [line.split() for line in f]
    res["bad"] = 0
    for name in res["seen"]:
        with open(os.path.join(out, name), "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != expected[name]:
                res["bad"] += 1
    return res


def began(s):
    """When a logged stall began: its end, less the delay and the period."""
    return s[0] - s[1] / 1000 - 0.010


def summary(res):
    """Figures of one run: a stall belongs to the download phase when it
    began after the first file arrived; before that are start-up and taking
    in the links."""
    first, last = res["first"], res["last"]
    during = [s for s in res["stalls"] if first <= began(s) <= last]
    before = [s for s in res["stalls"] if began(s) < first]
    return {
        "done": len(res["seen"]) - res["bad"],
        "total": last - res["launch"],
        "to_first": first - res["launch"],
        "worst": max((s[1] for s in during), default=0.0),
        "over": sum(1 for s in during if s[1] > STALL_TARGET_MS),
        "before": max((s[1] for s in before), default=0.0),
        "peak_mb": res["peak_kb"] / 1024,
        "top": sorted(during, key=lambda s: -s[1])[:5],
        **drive_summary(res),
    }


def drive_summary(res):
    """The scroll: its rows, rate and stalls; the search: each word's time
    from the keystroke to the filtered model."""
    out = {"scroll": None, "filters": []}
    for parts in res["drive"]:
        if parts[0] == "scroll":
            start, end, rows = int(parts[1]) / 1e6, int(parts[2]) / 1e6, float(parts[3])
            stalls = [s for s in res["stalls"] if start <= began(s) <= end]
            out["scroll"] = {"rows": rows, "seconds": end - start,
                             "worst": max((s[1] for s in stalls), default=0.0),
                             "over": sum(1 for s in stalls if s[1] > STALL_TARGET_MS)}
        elif parts[0] == "filter":
            key, start, end = (int(x) for x in parts[1:4])
            word = parts[5] if len(parts) > 5 else ""
            out["filters"].append((word, (end - key) / 1e3, (end - start) / 1e3, int(parts[4])))
    return out


def verdict(value, limit, unit, below=False):
    ok = value < limit if below else value <= limit
    return "met" if ok else f"**missed by {value - limit:.0f} {unit}**"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("haul")
    p.add_argument("schema_dir")
    p.add_argument("probe")
    p.add_argument("base")
    p.add_argument("tmp")
    p.add_argument("n", nargs="?", type=int, default=5000)
    p.add_argument("--views", default="list")
    p.add_argument("--renderers", default="default,cairo")
    p.add_argument("--driver")
    args = p.parse_args()
    haul, schema_dir, probe, base, tmp, n = (args.haul, args.schema_dir, args.probe, args.base,
                                            args.tmp, args.n)
    views = args.views.split(",")
    renderers = args.renderers.split(",")
    with open(os.path.join(tmp, "www", "manifest.json")) as f:
        images = json.load(f)["images"]
    work = os.path.join(tmp, "gui")
    os.makedirs(work, exist_ok=True)

    def links(prefix, count):
        urls, expected = [], {}
        for i in range(count):
            img = images[i % len(images)]
            stem, ext = img["name"].rsplit(".", 1)
            name = f"{stem}-{prefix}{i:05d}.{ext}"
            urls.append(base + name)
            expected[name] = img["sha256"]
        return urls, expected

    plan = [("warm-up", "list", None, WARM_UP, False)]
    for view in views:
        for renderer in renderers:
            plan.append((f"{view}, {renderer}", view, None if renderer == "default" else renderer, n,
                         args.driver is not None))

    session = Session(work, schema_dir)
    runs = {}
    try:
        r = session.gsettings("set", "io.github.haul.Haul", "start-immediately", "true")
        if r.returncode != 0:
            fail(f"the window has no setting `start-immediately` to drive it with "
                 f"({r.stderr.strip()}).")
        workers = session.gsettings("get", "io.github.haul.Haul",
                                    "concurrent-downloads").stdout.strip()
        for i, (label, view, renderer, count, drive) in enumerate(plan):
            r = session.gsettings("set", "io.github.haul.Haul", "view", view)
            if r.returncode != 0 and view != "list":
                fail(f"the window has no setting `view` ({r.stderr.strip()}).")
            # A fresh record each time: the list of the last run would come back.
            shutil.rmtree(os.path.join(session.env["HOME"], ".local", "state"), ignore_errors=True)
            urls, expected = links(str(i), count)
            res = runs[label] = run_window(session, haul, probe, work, label.replace(", ", "-"),
                                           urls, expected, renderer, args.driver if drive else None)
            res["llvmpipe_label"] = renderer is None
            if res["pid"] is None:
                fail(f"the window did not start ({log_tail(res['log'])}).")
            if res["first"] is None:
                why = (f"the window exited after {res['end'] - res['launch']:.1f} s" if res["exited"]
                       else f"nothing arrived in {res['end'] - res['launch']:.0f} s")
                fail(f"nothing was downloaded in the {label} run: {why}. "
                     f"Its output: `{log_tail(res['log']) or '(none)'}`")
    finally:
        session.close()

    measured = [label for label, *_ in plan[1:]]
    llvmpipe = any(runs[k]["llvmpipe"] for k in measured)
    s = {k: summary(runs[k]) for k in measured}

    def row(title, cell, target=""):
        return f"| {title} | " + " | ".join(cell(k) for k in measured) + f" | {target} |"

    def scroll_cell(k, key, fmt):
        sc = s[k]["scroll"]
        return fmt(sc[key]) if sc else "–"

    lines = [
        f"The window (`_build-bench/src/haul`) opened a file of {n:,} links to the private nginx "
        f"(no delay; the 200 images under {n:,} distinct names) with `start-immediately` on, "
        f"{workers} simultaneous downloads (the default) and thumbnails on, under Xvfb (1280×1024, no GPU) "
        "in a private D-Bus session, once per view (the `view` setting) and renderer. "
        "`bench/stall-probe.c`, preloaded, dispatches a `G_PRIORITY_HIGH` "
        "10 ms timer on the main context and logs every dispatch more than 2 ms late; a stall counts as "
        "“while downloading” when it began after the first file arrived, and “before” covers start-up and "
        "taking in the links. Peak RSS is the kernel's VmHWM over the whole run. "
        + ("Once every file arrived, `bench/gallery-driver.c`, preloaded too, scrolled the view from the top "
           "at 60 rows a second on the frame clock (to the bottom, or for 40 s), then typed words into the "
           "search bar, a character every 150 ms; a "
           "keystroke's time runs from the key to the filtered model, and “filtering” is the window's own "
           "handler of `search-changed`. " if args.driver else "")
        + f"A warm-up run of {WARM_UP} links came first (Mesa's shader cache warm). "
        + ("The default renderer here is GTK's GL renderer on Mesa llvmpipe (software rendering: shaders "
           "are compiled with LLVM on the main thread)." if llvmpipe and "default" in renderers else ""),
        "",
        "| measure | " + " | ".join(f"{k}" for k in measured) + " | target |",
        "|---|" + "--:|" * len(measured) + "---|",
        row("finished and verified by SHA-256", lambda k: f"{s[k]['done']:,} of {n:,}", "all"),
        row("time from launch to the last file", lambda k: f"{s[k]['total']:.1f} s"),
        row("longest main-loop stall while downloading", lambda k: f"{s[k]['worst']:.0f} ms",
            f"≤ {STALL_TARGET_MS} ms (cairo)"),
        row(f"stalls over {STALL_TARGET_MS} ms while downloading", lambda k: f"{s[k]['over']}", "0"),
        row("longest stall before the first file (start-up, taking in the links)",
            lambda k: f"{s[k]['before']:.0f} ms", f"≤ {STALL_TARGET_MS} ms"),
        row("time to the first file", lambda k: f"{s[k]['to_first']:.1f} s"),
        row("peak RSS (VmHWM)", lambda k: f"{s[k]['peak_mb']:.0f} MB", f"< {RSS_TARGET_MB} MB"),
    ]
    if args.driver:
        lines += [
            row("scrolled, rows in seconds",
                lambda k: scroll_cell(k, "rows", lambda v: f"{v:.0f}") + " in "
                + scroll_cell(k, "seconds", lambda v: f"{v:.1f} s")),
            row("longest stall while scrolling", lambda k: scroll_cell(k, "worst", lambda v: f"{v:.0f} ms"),
                f"≤ {STALL_TARGET_MS} ms (cairo)"),
            row(f"stalls over {STALL_TARGET_MS} ms while scrolling",
                lambda k: scroll_cell(k, "over", lambda v: f"{v}"), "0"),
            row("search, keystroke to filtered model (slowest keystroke)",
                lambda k: f"{max((f[1] for f in s[k]['filters']), default=0):.0f} ms"
                if s[k]["filters"] else "–", "≤ 100 ms"),
            row("of which filtering (slowest keystroke)",
                lambda k: f"{max((f[2] for f in s[k]['filters']), default=0):.0f} ms"
                if s[k]["filters"] else "–"),
        ]
    for k in measured:
        if s[k]["top"]:
            lines += ["", f"Longest stalls while downloading ({k}), with the second after launch "
                      "each began at: " + ", ".join(f"{x[1]:.0f} ms at {began(x) - runs[k]['launch']:.1f} s"
                                                    for x in s[k]["top"]) + "."]
        if s[k]["filters"]:
            lines += ["", f"Search ({k}), text after each keystroke, keystroke to filtered model "
                      "(filtering), items shown: " + ", ".join(
                f"“{w}” {ms:.0f} ({f:.0f}) ms {shown:,}" for w, ms, f, shown in s[k]["filters"]) + "."]
        if s[k]["done"] < n:
            lines += ["", f"**Only {s[k]['done']:,} of {n:,} files arrived** in the {k} run before it "
                      "stopped (no progress for a minute, or the time limit)."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
