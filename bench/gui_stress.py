#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The window under stress: 5,000 URLs from the private nginx, opened as a
file of links with downloads starting at once (the start-immediately
setting), in a private Xvfb and D-Bus session. stall-probe.so, preloaded,
times a high-priority 10 ms timer on the main context; peak RSS is the
kernel's VmHWM. Prints a Markdown report for RESULTS.md.

usage: gui_stress.py HAUL SCHEMA-DIR PROBE.so BASE-URL TMP [N]"""

import collections
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


def fail(msg):
    print(f"**Not measured**: {msg}")
    sys.exit(0)


def main():
    haul, schema_dir, probe, base, tmp = sys.argv[1:6]
    n = int(sys.argv[6]) if len(sys.argv) > 6 else 5000
    with open(os.path.join(tmp, "www", "manifest.json")) as f:
        images = json.load(f)["images"]

    work = os.path.join(tmp, "gui")
    out = os.path.join(work, "downloads")
    os.makedirs(out, exist_ok=True)
    expected = {}
    urls = []
    for i in range(n):
        img = images[i % len(images)]
        stem, ext = img["name"].rsplit(".", 1)
        name = f"{stem}-{i:04d}.{ext}"
        urls.append(base + name)
        expected[name] = img["sha256"]
    url_file = os.path.join(work, "urls.txt")
    with open(url_file, "w") as f:
        f.write("".join(u + "\n" for u in urls))

    env = {k: v for k, v in os.environ.items()
           if "proxy" not in k.lower() and k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                      "DBUS_SESSION_BUS_ADDRESS")}
    home = os.path.join(work, "home")
    env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_DATA_HOME=os.path.join(home, ".local", "share"),
               XDG_CACHE_HOME=os.path.join(home, ".cache"),
               XDG_RUNTIME_DIR=os.path.join(work, "run"),
               GSETTINGS_SCHEMA_DIR=schema_dir, GSETTINGS_BACKEND="keyfile",
               GDK_BACKEND="x11", no_proxy="127.0.0.1,localhost")
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700, exist_ok=True)

    schema = "io.github.haul.Haul"
    settings = {"download-folder": f"'{out}'", "start-immediately": "true"}
    for key, value in settings.items():
        r = subprocess.run(["gsettings", "set", schema, key, value], env=env,
                           capture_output=True, text=True)
        if r.returncode != 0:
            fail(f"the window has no setting `{key}` to drive it with "
                 f"({r.stderr.strip()}).")
    workers = subprocess.run(["gsettings", "get", schema, "concurrent-downloads"],
                             env=env, capture_output=True, text=True).stdout.strip()

    # A private X server; -displayfd tells which display it took.
    rfd, wfd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(wfd), "-nolisten", "tcp",
                             "-screen", "0", "1280x1024x24"], pass_fds=(wfd,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(wfd)
    # Read up to the newline, and keep the pipe open: Xvfb writes the
    # number and the newline separately and dies if the second write fails.
    display = b""
    while not display.endswith(b"\n"):
        chunk = os.read(rfd, 64)
        if not chunk:
            break
        display += chunk
    display = display.decode().strip()
    env["DISPLAY"] = ":" + display
    for _ in range(50):  # the socket can trail the display number
        if os.path.exists(f"/tmp/.X11-unix/X{display}"):
            break
        time.sleep(0.1)

    stall_log = os.path.join(work, "stalls.txt")
    app_log = os.path.join(work, "haul.log")
    samples = []
    app = None
    renderer = None
    try:
        with open(app_log, "wb") as logf:
            app = subprocess.Popen(
                ["dbus-run-session", "--", "env", f"LD_PRELOAD={probe}",
                 f"HAUL_STALL_LOG={stall_log}", haul, url_file],
                env=env, stdout=logf, stderr=logf, start_new_session=True)
            t_launch = time.monotonic()
            pid = None
            first_done = last_done = None
            done = 0
            seen = set()
            deadline = time.monotonic() + TIMEOUT
            last_progress = time.monotonic()
            while time.monotonic() < deadline and app.poll() is None:
                time.sleep(0.1)
                if pid is None and os.path.exists(stall_log):
                    with open(stall_log) as f:
                        m = re.match(r"# start \d+ pid (\d+)", f.readline())
                        pid = int(m.group(1)) if m else None
                if pid and renderer is None:
                    try:
                        names = {open(f"/proc/{pid}/task/{t}/comm").read().strip()
                                 for t in os.listdir(f"/proc/{pid}/task")}
                        if any(n.startswith("llvmpipe") for n in names):
                            renderer = "GTK's GL renderer on Mesa llvmpipe, that is software rendering"
                    except OSError:
                        pass
                if pid:
                    try:
                        with open(f"/proc/{pid}/status") as f:
                            st = dict(line.split(":", 1) for line in f)
                        samples.append((time.monotonic(),
                                        int(st["VmRSS"].split()[0]),
                                        int(st["VmHWM"].split()[0])))
                    except (OSError, KeyError):
                        pass
                names = set(os.listdir(out)) & expected.keys()
                now = time.monotonic()
                if names - seen:
                    if first_done is None:
                        first_done = now
                    last_done = now
                    last_progress = now
                    seen |= names
                done = len(seen)
                if done == n:
                    break
                if now - last_progress > 60:
                    break  # nothing finished for a minute
            t_end = time.monotonic()
            exited = app.poll() is not None
            peak_kb = max((s[2] for s in samples), default=0)
    finally:
        if app and app.poll() is None:
            try:
                os.killpg(app.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                app.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(app.pid, signal.SIGKILL)
                app.wait()
        xvfb.terminate()
        xvfb.wait()
        os.close(rfd)

    if pid is None:
        with open(app_log, "rb") as f:
            tail = f.read()[-300:].decode(errors="replace").strip().replace("\n", " / ")
        fail(f"the window did not start ({tail}).")

    stalls = []
    with open(stall_log) as f:
        for line in f:
            if line.startswith("#"):
                continue
            ts, late = (int(x) for x in line.split())
            stalls.append((ts / 1e6, late / 1e3))

    bad = 0
    for name in seen:
        with open(os.path.join(out, name), "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != expected[name]:
                bad += 1

    lines = [f"The window (`_build-bench/src/haul`) opened a file of {n:,} links to the private nginx "
             "(no delay; the 200 images under 5,000 distinct names), with `start-immediately` on, "
             f"{workers} simultaneous downloads (the default) and thumbnails on, under Xvfb "
             f"(1280×1024, {renderer or 'GTK’s default renderer'}) in a private D-Bus session. "
             "`bench/stall-probe.c`, preloaded, dispatches a `G_PRIORITY_HIGH` 10 ms timer on "
             "the main context and logs every dispatch more than 2 ms late.", ""]
    if first_done is None:
        with open(app_log, "rb") as f:
            tail = f.read()[-300:].decode(errors="replace").strip().replace("\n", " / ")
        why = (f"the window exited after {t_end - t_launch:.1f} s" if exited
               else f"nothing arrived in {t_end - t_launch:.0f} s")
        lines.append(f"**Nothing was downloaded**: {why}. Its output: `{tail or '(none)'}`")
        print("\n".join(lines))
        return
    # A stall belongs to the download phase when it began after the first
    # file arrived; before that are start-up and taking in the links.
    def began(s):
        return s[0] - s[1] / 1000 - 0.010

    during = [s for s in stalls if first_done <= began(s) <= (last_done or t_end)]
    startup = [s for s in stalls if began(s) < first_done]
    worst = max((s[1] for s in during), default=0.0)
    over = sum(1 for s in during if s[1] > STALL_TARGET_MS)
    peak_mb = peak_kb / 1024
    lines += [
        "| measure | value | target |",
        "|---|--:|---|",
        f"| finished and verified by SHA-256 | {done - bad:,} of {n:,} | all |",
        f"| time from launch to the last file | {((last_done or t_end) - t_launch):.1f} s | |",
        f"| longest main-loop stall while downloading | {worst:.0f} ms | ≤ {STALL_TARGET_MS} ms: "
        + ("met" if worst <= STALL_TARGET_MS else f"**missed by {worst - STALL_TARGET_MS:.0f} ms**") + " |",
        f"| stalls over {STALL_TARGET_MS} ms while downloading | {over} | 0 |",
        f"| longest stall before the first file arrived (start-up, taking in the links) | "
        f"{max((s[1] for s in startup), default=0.0):.0f} ms | |",
        f"| time to the first file | {first_done - t_launch:.1f} s | |",
        f"| peak RSS (VmHWM) | {peak_mb:.0f} MB | < {RSS_TARGET_MB} MB: "
        + ("met" if peak_mb < RSS_TARGET_MB else f"**missed by {peak_mb - RSS_TARGET_MB:.0f} MB**") + " |",
    ]
    if during:
        top = sorted(during, key=lambda s: -s[1])[:5]
        lines += ["", "Longest stalls while downloading, by the second after launch they began at: "
                  + ", ".join(f"{s[1]:.0f} ms at {began(s) - t_launch:.1f} s" for s in top) + "."]
    if done < n:
        lines += ["", f"**Only {done:,} of {n:,} files arrived** before the run stopped "
                  "(no progress for a minute, or the time limit)."]
    print("\n".join(lines))


if __name__ == "__main__":
    main()
