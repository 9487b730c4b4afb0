#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# How smoothly the window brings back a long list: a record holding N
# finished rows (5,000 by default, each with a real picture on disk) is
# opened by the release build under Xvfb with the cairo renderer, and
# bench/stall-probe.c logs every main-loop stall. Prints the longest stalls
# and how many passed 50 and 100 ms, with an empty list for comparison.
# Not part of the test suite.
set -euo pipefail

top=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$top"
count=${COUNT:-5000}
seconds=${SECONDS_OPEN:-10}

"$top/build-aux/install-deps.sh" sqlite3 python3 xvfb dbus
if [[ ! -f _build-bench/build.ninja ]]; then
  meson setup _build-bench --buildtype=release
fi
ninja -C _build-bench src/haul data/gschemas.compiled >/dev/null

tmp=$(mktemp -d /tmp/haul-restore-stall.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
gcc -O2 -shared -fPIC -o "$tmp/stall-probe.so" bench/stall-probe.c $(pkg-config --cflags --libs glib-2.0)

mkdir -p "$tmp/pictures" "$tmp/state/haul"
python3 - "$tmp/pictures" "$count" "$tmp/rows.sql" <<'PY'
import os, struct, sys, zlib
out, n, sql = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def png(i, w=96, h=64):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    row = bytes((i * 13 + x * 3) % 256 for x in range(w * 3))
    raw = b"".join(b"\0" + row for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
with open(sql, "w") as f:
    f.write("PRAGMA journal_mode = WAL; BEGIN;\n")
    for i in range(n):
        path = os.path.join(out, f"picture-{i:05d}.png")
        data = png(i)
        with open(path, "wb") as p:
            p.write(data)
        f.write("INSERT INTO list VALUES ('http://127.0.0.1:1/picture-%05d.png', %d, 3, '%s', '%s', "
                "'image/png', NULL, %d, %d, 200, 96, 64, 0.05);\n" % (i, i, out, path, len(data), len(data)))
    f.write("COMMIT;\n")
PY

# The tables as Haul makes them: let it make an empty record first.
make_record () {
  rm -rf "$tmp/state/haul"
  XDG_STATE_HOME=$tmp/state GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=_build-bench/data \
    timeout 5 xvfb-run -a dbus-run-session -- _build-bench/src/haul >/dev/null 2>&1 || true
}

measure () {
  local label=$1 log=$tmp/stalls-$1.txt
  rm -f "$log"
  XDG_STATE_HOME=$tmp/state GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR=_build-bench/data \
    GSK_RENDERER=cairo LD_PRELOAD=$tmp/stall-probe.so HAUL_STALL_LOG=$log \
    timeout "$seconds" xvfb-run -a dbus-run-session -- _build-bench/src/haul >/dev/null 2>&1 || true
  python3 - "$log" "$label" <<'PY'
import sys
path, label = sys.argv[1], sys.argv[2]
start, stalls = None, []
for line in open(path):
    if line.startswith("# start"):
        start = int(line.split()[2])
        continue
    ts, late = map(int, line.split())
    stalls.append(((ts - start) / 1e6, late / 1e3))
worst = sorted(stalls, key=lambda s: -s[1])[:5]
print(f"{label}: {sum(1 for s in stalls if s[1] > 50)} stalls over 50 ms, "
      f"{sum(1 for s in stalls if s[1] > 100)} over 100 ms; longest: "
      + ", ".join(f"{late:.0f} ms at {t:.2f} s" for t, late in worst))
PY
}

make_record
measure empty
make_record
sqlite3 "$tmp/state/haul/haul.db" < "$tmp/rows.sql"
echo "rows in the record: $(sqlite3 "$tmp/state/haul/haul.db" 'SELECT COUNT(*) FROM list')"
measure "restored-$count"
