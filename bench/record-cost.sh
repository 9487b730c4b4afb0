#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# What the download record costs per item: haul-cli fetches 2,000 small
# files from a private nginx on 127.0.0.1, with the record (a fresh one each
# run, so that nothing is skipped) and with --no-record, interleaved, and
# prints the medians. Not part of the test suite.
set -euo pipefail

top=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$top"
runs=${RUNS:-7}
jobs=${JOBS:-16}
count=${COUNT:-2000}

"$top/build-aux/install-deps.sh" nginx python3 bc
if [[ ! -f _build-bench/build.ninja ]]; then
  meson setup _build-bench --buildtype=release
fi
ninja -C _build-bench src/haul-cli >/dev/null

tmp=$(mktemp -d /tmp/haul-record-cost.XXXXXX)
chmod 755 "$tmp"
cleanup () {
  [[ -s $tmp/nginx.pid ]] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/www"
python3 - "$tmp/www" "$count" <<'PY'
import os, struct, sys, zlib
out, n = sys.argv[1], int(sys.argv[2])
def png(i):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    raw = b"".join(b"\0" + bytes([(i * 7 + x) % 256 for x in range(48)]) for _ in range(16))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
for i in range(n):
    with open(os.path.join(out, f"p{i:05d}.png"), "wb") as f:
        f.write(png(i))
PY
chmod -R a+rX "$tmp/www"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$tmp/nginx.conf" <<CONF
worker_processes 2;
pid $tmp/nginx.pid;
error_log $tmp/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/cb; proxy_temp_path $tmp/px; fastcgi_temp_path $tmp/fc;
  uwsgi_temp_path $tmp/uw; scgi_temp_path $tmp/sc;
  keepalive_requests 100000;
  server { listen 127.0.0.1:$port; location / { root $tmp/www; } }
}
CONF
nginx -e "$tmp/error.log" -p "$tmp" -c "$tmp/nginx.conf"
for _ in $(seq 50); do [[ -s $tmp/nginx.pid ]] && break; sleep 0.1; done

for i in $(seq 0 $((count - 1))); do printf 'http://127.0.0.1:%s/p%05d.png\n' "$port" "$i"; done > "$tmp/urls.txt"

run () {
  local mode=$1 out=$tmp/out state=$tmp/state start end
  rm -rf "$out" "$state"
  start=$(date +%s.%N)
  if [[ $mode == record ]]; then
    XDG_STATE_HOME=$state _build-bench/src/haul-cli -q -j "$jobs" -o "$out" "$tmp/urls.txt"
  else
    XDG_STATE_HOME=$state _build-bench/src/haul-cli -q -j "$jobs" --no-record -o "$out" "$tmp/urls.txt"
  fi
  end=$(date +%s.%N)
  [[ $(ls "$out" | wc -l) == "$count" ]] || { echo "not every file arrived" >&2; exit 1; }
  echo "$end - $start" | bc -l
}

with=() without=()
run record >/dev/null  # warm the caches
for _ in $(seq "$runs"); do
  without+=("$(run none)")
  with+=("$(run record)")
done

median () { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
m_with=$(median "${with[@]}")
m_without=$(median "${without[@]}")
printf 'files: %s, workers: %s, runs: %s\n' "$count" "$jobs" "$runs"
printf 'without the record: %.3f s (median; %s)\n' "$m_without" "${without[*]}"
printf 'with the record:    %.3f s (median; %s)\n' "$m_with" "${with[*]}"
printf 'cost of the record: %+.1f %%\n' "$(echo "($m_with - $m_without) * 100 / $m_without" | bc -l)"
