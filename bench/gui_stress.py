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

usage: gui_stress.py HAUL SCHEMA-DIR PROBE.so BASE-URL TMP [N]"""

import hashlib
import json
import os
import re
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


def run_window(session, haul, probe, work, label, urls, expected, renderer=None):
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
    env = dict(session.env)
    if renderer:
        env["GSK_RENDERER"] = renderer

    res = {"n": len(expected), "pid": None, "first": None, "last": None, "seen": set(),
           "peak_kb": 0, "llvmpipe": False, "log": app_log, "out": out}
    with open(app_log, "wb") as logf:
        app = subprocess.Popen(["dbus-run-session", "--", "env", f"LD_PRELOAD={probe}",
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
    }


def verdict(value, limit, unit, below=False):
    ok = value < limit if below else value <= limit
    return "met" if ok else f"**missed by {value - limit:.0f} {unit}**"


def main():
    haul, schema_dir, probe, base, tmp = sys.argv[1:6]
    n = int(sys.argv[6]) if len(sys.argv) > 6 else 5000
    with open(os.path.join(tmp, "www", "manifest.json")) as f:
        images = json.load(f)["images"]
    work = os.path.join(tmp, "gui")
    os.makedirs(work, exist_ok=True)

    def links(prefix, count):
        urls, expected = [], {}
        for i in range(count):
            img = images[i % len(images)]
            stem, ext = img["name"].rsplit(".", 1)
            name = f"{stem}-{prefix}{i:04d}.{ext}"
            urls.append(base + name)
            expected[name] = img["sha256"]
        return urls, expected

    session = Session(work, schema_dir)
    try:
        r = session.gsettings("set", "io.github.haul.Haul", "start-immediately", "true")
        if r.returncode != 0:
            fail(f"the window has no setting `start-immediately` to drive it with "
                 f"({r.stderr.strip()}).")
        workers = session.gsettings("get", "io.github.haul.Haul",
                                    "concurrent-downloads").stdout.strip()
        runs = {}
        for label, prefix, count, renderer in (("warm-up", "1", WARM_UP, None),
                                                ("default", "2", n, None),
                                                ("cairo", "3", n, "cairo")):
            urls, expected = links(prefix, count)
            runs[label] = run_window(session, haul, probe, work, label, urls, expected, renderer)
            res = runs[label]
            if res["pid"] is None:
                fail(f"the window did not start ({log_tail(res['log'])}).")
            if res["first"] is None:
                why = (f"the window exited after {res['end'] - res['launch']:.1f} s" if res["exited"]
                       else f"nothing arrived in {res['end'] - res['launch']:.0f} s")
                fail(f"nothing was downloaded in the {label} run: {why}. "
                     f"Its output: `{log_tail(res['log']) or '(none)'}`")
    finally:
        session.close()

    gl = ("GTK's GL renderer on Mesa llvmpipe (software rendering: shaders are compiled with LLVM "
          "on the main thread)" if runs["default"]["llvmpipe"] else "GTK's default renderer")
    s = {k: summary(runs[k]) for k in ("default", "cairo")}
    lines = [
        f"The window (`_build-bench/src/haul`) opened a file of {n:,} links to the private nginx "
        f"(no delay; the 200 images under {n:,} distinct names) with `start-immediately` on, "
        f"{workers} simultaneous downloads (the default) and thumbnails on, under Xvfb (1280×1024, no GPU) "
        "in a private D-Bus session. `bench/stall-probe.c`, preloaded, dispatches a `G_PRIORITY_HIGH` "
        "10 ms timer on the main context and logs every dispatch more than 2 ms late; a stall counts as "
        "“while downloading” when it began after the first file arrived. Peak RSS is the kernel's VmHWM. "
        f"A warm-up run of {WARM_UP} links came first (Mesa's shader cache warm, as on a used desktop); "
        f"then the measured run with the default renderer, here {gl}, and the same run again with "
        "`GSK_RENDERER=cairo`, which leaves GL out.",
        "",
        "| measure | default renderer | `GSK_RENDERER=cairo` | target |",
        "|---|--:|--:|---|",
        f"| finished and verified by SHA-256 | {s['default']['done']:,} of {n:,} | "
        f"{s['cairo']['done']:,} of {n:,} | all |",
        f"| time from launch to the last file | {s['default']['total']:.1f} s | {s['cairo']['total']:.1f} s | |",
        f"| longest main-loop stall while downloading | {s['default']['worst']:.0f} ms | "
        f"{s['cairo']['worst']:.0f} ms | ≤ {STALL_TARGET_MS} ms: "
        f"{verdict(s['default']['worst'], STALL_TARGET_MS, 'ms')} / "
        f"{verdict(s['cairo']['worst'], STALL_TARGET_MS, 'ms')} |",
        f"| stalls over {STALL_TARGET_MS} ms while downloading | {s['default']['over']} | "
        f"{s['cairo']['over']} | 0 |",
        f"| longest stall before the first file (start-up, taking in the links) | "
        f"{s['default']['before']:.0f} ms | {s['cairo']['before']:.0f} ms | |",
        f"| time to the first file | {s['default']['to_first']:.1f} s | {s['cairo']['to_first']:.1f} s | |",
        f"| peak RSS (VmHWM) | {s['default']['peak_mb']:.0f} MB | {s['cairo']['peak_mb']:.0f} MB | "
        f"< {RSS_TARGET_MB} MB: {verdict(s['default']['peak_mb'], RSS_TARGET_MB, 'MB', True)} / "
        f"{verdict(s['cairo']['peak_mb'], RSS_TARGET_MB, 'MB', True)} |",
    ]
    for k, title in (("default", "default renderer"), ("cairo", "`GSK_RENDERER=cairo`")):
        if s[k]["top"]:
            lines += ["", f"Longest stalls while downloading ({title}), with the second after launch "
                      "each began at: " + ", ".join(f"{x[1]:.0f} ms at {began(x) - runs[k]['launch']:.1f} s"
                                                    for x in s[k]["top"]) + "."]
        if s[k]["done"] < n:
            lines += ["", f"**Only {s[k]['done']:,} of {n:,} files arrived** in the {title} run before it "
                      "stopped (no progress for a minute, or the time limit)."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
