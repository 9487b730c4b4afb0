#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a screen reader sees of the window: runs the built `haul` under a
private Xvfb, D-Bus session and AT-SPI bus on a few generated pictures
served from 127.0.0.1, in the grid view, and walks its accessibility tree
through AT-SPI (the tree Accerciser shows). Prints the figures: nodes by
role, tiles and their names, and focusable or clickable nodes without a
name.

Needs python3-gi, gir1.2-atspi-2.0, python3-pil, xvfb, at-spi2-core.

usage: bench/a11y_tree.py BUILD-DIR [N] [list|grid]   (run inside dbus-run-session)"""

import http.server
import io
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter

import gi
gi.require_version("Atspi", "2.0")
from gi.repository import Atspi  # noqa: E402
from PIL import Image  # noqa: E402


def serve(folder):
    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **k):
            super().__init__(*a, directory=folder, **k)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def walk(node, depth=0, out=None):
    out = [] if out is None else out
    try:
        role = node.get_role_name()
        name = node.get_name() or ""
        states = node.get_state_set()
        n = node.get_child_count()
    except Exception:
        return out
    out.append((depth, role, name, states))
    for i in range(n):
        child = node.get_child_at_index(i)
        if child is not None:
            walk(child, depth + 1, out)
    return out


def main():
    build = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 24
    view = sys.argv[3] if len(sys.argv) > 3 else "grid"
    tmp = tempfile.mkdtemp(prefix="haul-a11y-")
    www = os.path.join(tmp, "www")
    os.makedirs(www)
    for i in range(n):
        img = Image.new("RGB", (320 + i * 8, 240), (40 + i * 7 % 200, 90, 160))
        img.save(os.path.join(www, f"photo-{i:02d}.png"))
    server = serve(www)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    links = os.path.join(tmp, "links.txt")
    with open(links, "w") as f:
        f.write("".join(f"{base}photo-{i:02d}.png\n" for i in range(n)))
        f.write(f"{base}missing.png\n")

    env = dict(os.environ, HOME=tmp, XDG_CONFIG_HOME=os.path.join(tmp, "config"),
               XDG_STATE_HOME=os.path.join(tmp, "state"), GSETTINGS_BACKEND="keyfile",
               GSETTINGS_SCHEMA_DIR=os.path.join(build, "data"), GDK_BACKEND="x11",
               GSK_RENDERER="cairo", no_proxy="127.0.0.1")
    for key, value in (("download-folder", f"'{tmp}/out'"), ("start-immediately", "true"),
                       ("view", f"'{view}'")):
        subprocess.run(["gsettings", "set", "io.github.haul.Haul", key, value], env=env, check=True)

    xvfb = subprocess.Popen(["Xvfb", ":97", "-nolisten", "tcp", "-screen", "0", "1280x1024x24"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    env["DISPLAY"] = ":97"
    time.sleep(1)
    bus = subprocess.Popen(["/usr/libexec/at-spi-bus-launcher", "--launch-immediately"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    app = subprocess.Popen([os.path.join(build, "src", "haul"), links], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(8)
        desktop = Atspi.get_desktop(0)
        apps = [desktop.get_child_at_index(i) for i in range(desktop.get_child_count())]
        haul = [a for a in apps if a is not None and "haul" in (a.get_name() or "").lower()]
        if not haul:
            print("The window did not appear on the AT-SPI bus:", [a.get_name() for a in apps if a])
            return 1
        nodes = walk(haul[0])
        roles = Counter(role for _, role, _, _ in nodes)
        tiles = [(name) for _, role, name, _ in nodes if role in ("grouping", "panel") and ", " in name]
        unnamed = [(role) for _, role, name, states in nodes
                   if not name and role in ("push button", "toggle button", "menu button", "check box",
                                            "list item", "entry", "text")
                   and states.contains(Atspi.StateType.SHOWING)]
        print(f"view: {view}; {len(nodes)} nodes")
        print("by role:", ", ".join(f"{r} {c}" for r, c in roles.most_common()))
        print(f"tiles or rows with a spoken name: {len(tiles)}")
        for name in tiles[:5]:
            print("  ", name)
        print(f"buttons, items and entries shown without a name: {len(unnamed)}",
              dict(Counter(unnamed)))
        named_buttons = sorted({name for _, role, name, _ in nodes
                                if role in ("push button", "toggle button") and name})
        print("named buttons:", "; ".join(named_buttons[:30]))
    finally:
        app.terminate()
        app.wait()
        bus.terminate()
        xvfb.terminate()
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
