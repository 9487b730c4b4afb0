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

"$top/build-aux/install-deps.sh" nginx python3 bc time valgrind
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
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"tEXt", b"n\0%d" % i)  # each its own image
            + chunk(b"IEND", b""))
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

# Prints "WALL CPU" in seconds: CPU (user + system) says what the record
# costs even on a machine busy with other work, where wall time wanders.
run () {
  local mode=$1 out=$tmp/out state=$tmp/state extra=()
  rm -rf "$out" "$state"
  [[ $mode == record ]] || extra=(--no-record)
  XDG_STATE_HOME=$state /usr/bin/time -f '%e %U %S' -o "$tmp/time" \
    _build-bench/src/haul-cli -q -j "$jobs" "${extra[@]}" -o "$out" "$tmp/urls.txt"
  [[ $(ls "$out" | wc -l) == "$count" ]] || { echo "not every file arrived" >&2; exit 1; }
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$tmp/time"
}

with_wall=() with_cpu=() without_wall=() without_cpu=()
run record >/dev/null  # warm the caches
for _ in $(seq "$runs"); do
  read -r w c < <(run none); without_wall+=("$w"); without_cpu+=("$c")
  read -r w c < <(run record); with_wall+=("$w"); with_cpu+=("$c")
done

median () { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
percent () { echo "($1 - $2) * 100 / $2" | bc -l; }
printf 'files: %s, workers: %s, runs: %s, load before: %s\n' "$count" "$jobs" "$runs" "$(cut -d' ' -f1-3 /proc/loadavg)"
for kind in wall cpu; do
  declare -n w=with_$kind n=without_$kind
  mw=$(median "${w[@]}"); mn=$(median "${n[@]}")
  printf '%-4s without the record: %.3f s (median of %s)\n' "$kind" "$mn" "${n[*]}"
  printf '%-4s with the record:    %.3f s (median of %s)\n' "$kind" "$mw" "${w[*]}"
  printf '%-4s cost of the record: %+.1f %%\n' "$kind" "$(percent "$mw" "$mn")"
done

# Instructions do not wander with the machine's load: one run of each under
# callgrind, when asked (CALLGRIND=1; slow).
if [[ ${CALLGRIND:-0} == 1 ]]; then
  declare -A collected
  for mode in none record; do
    rm -rf "$tmp/out" "$tmp/state"
    extra=()
    [[ $mode == record ]] || extra=(--no-record)
    XDG_STATE_HOME=$tmp/state valgrind --tool=callgrind --callgrind-out-file=/dev/null \
      _build-bench/src/haul-cli -q -j "$jobs" "${extra[@]}" -o "$tmp/out" "$tmp/urls.txt" 2> "$tmp/cg.txt"
    collected[$mode]=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/cg.txt")
  done
  printf 'instructions without the record: %s\n' "${collected[none]}"
  printf 'instructions with the record:    %s\n' "${collected[record]}"
  printf 'instructions cost of the record: %+.1f %%\n' "$(percent "${collected[record]}" "${collected[none]}")"
fi
