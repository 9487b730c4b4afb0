#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Benchmarks haul-cli against aria2c, curl, wget2, wget and the tutorial's
# thread pool on a private nginx, and writes bench/RESULTS.md and
# bench/wall-vs-workers.png. Everything it creates lives in the repository
# (_build-bench, bench/) or in one temporary folder under /tmp, removed at
# the end together with the server.
#
# usage: bench/run.sh [--runs N] [--tools a,b] [--scenarios a,b] [--workers 1,4,16,64] [--no-gui]
#                     [--gui-items N] [--gui-views list,grid] [--gui-renderers default,cairo]
#        bench/run.sh --gui-only ...   (only the window's stress run, its report on stdout)
#        bench/run.sh --serve   (only start the server, with URL lists, for profiling)
set -euo pipefail

top=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$top"
# shellcheck source=bench/server.sh
source bench/server.sh
PY=/usr/bin/python3  # Debian's, which has requests and PIL
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M')

runs=3
bench_args=()
gui=1
gui_only=0
gui_items=5000
gui_views=list,grid
gui_renderers=default,cairo
serve=0
while (($#)); do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --tools|--scenarios|--workers) bench_args+=("$1" "$2"); shift 2 ;;
    --no-gui) gui=0; shift ;;
    --gui-only) gui_only=1; shift ;;
    --gui-items) gui_items=$2; shift 2 ;;
    --gui-views) gui_views=$2; shift 2 ;;
    --gui-renderers) gui_renderers=$2; shift 2 ;;
    --serve) serve=1; shift ;;
    *) echo "usage: $0 [--runs N] [--tools a,b] [--scenarios a,b] [--workers 1,4,16,64] [--no-gui] [--gui-only]" \
            "[--gui-items N] [--gui-views list,grid] [--gui-renderers default,cairo] [--serve]" >&2; exit 2 ;;
  esac
done

# Packages: Haul's build dependencies, then the benchmark's own, each only
# when missing.
"$top/build-aux/install-deps.sh" nginx libnginx-mod-http-echo aria2 curl wget2 wget python3 \
  python3-requests python3-pil gnuplot-nox openssl time strace xvfb dbus

# A release build of its own, so a debug build elsewhere is not measured.
if [[ ! -f _build-bench/build.ninja ]]; then
  meson setup _build-bench --buildtype=release
fi
ninja -C _build-bench src/haul-cli src/haul data/gschemas.compiled

tmp=$(mktemp -d /tmp/haul-bench.XXXXXX)
chmod 755 "$tmp"  # nginx's workers run as nobody
nginx_pid=$tmp/nginx.pid
sleep_pid=
cleanup () {
  [[ -z $sleep_pid ]] || kill "$sleep_pid" 2>/dev/null || true
  if [[ -s $nginx_pid ]]; then
    kill "$(cat "$nginx_pid")" 2>/dev/null || true
    for _ in $(seq 50); do [[ -e $nginx_pid ]] || break; sleep 0.1; done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Generating the corpus in $tmp/www"
$PY bench/corpus.py "$tmp/www"
chmod -R a+rX "$tmp/www"

bench_make_ca "$tmp"

read -r http_port https_port < <($PY -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

# The access log records, per request: connection, protocol, time the
# request took, status and when it ended; bench.py checks the latency and
# counts the requests in flight from it.
{
  bench_nginx_head "$tmp" "$nginx_pid" 16384 '$connection $server_protocol $request_time $status $msec'
  cat <<EOF
  server {
    listen 127.0.0.1:$http_port;
    listen 127.0.0.1:$https_port ssl http2;
    ssl_certificate $tmp/server.pem;
    ssl_certificate_key $tmp/server.key;
    location /fast/ { alias $tmp/www/; }
    # Connections accepted, for bench.py to count also those that sent no
    # request; kept out of the access log.
    location = /nginx-status { stub_status; access_log off; }
    # The window's stress run: 5,000 names for the 200 images.
    location ~ ^/gui/(img-[0-9]+)-[0-9]+\.(jpg|png)\$ { alias $tmp/www/\$1.\$2; }
    location ~ ^/slow/(.+)\$ {
      echo_sleep 0.1;
      echo_exec /fast/\$1;
    }
  }
}
EOF
} > "$tmp/nginx.conf"
touch "$tmp/access.log"
nginx -e "$tmp/error.log" -p "$tmp" -c "$tmp/nginx.conf"
for _ in $(seq 50); do [[ -s $nginx_pid ]] && break; sleep 0.1; done

# The delay must hold every request, also on a reused connection and on
# HTTP/2: three requests over one connection each way, each ≥ 100 ms.
for base in "http://127.0.0.1:$http_port" "https://127.0.0.1:$https_port"; do
  curl -sS --fail --cacert "$tmp/ca.pem" -o /dev/null -o /dev/null -o /dev/null \
    -w '%{time_total} %{num_connects} %{http_version}\n' \
    "$base/slow/img-000.png" "$base/slow/img-001.jpg" "$base/slow/img-002.jpg" |
  while read -r t conns version; do
    echo "delay check: $base HTTP/$version new connections $conns: $t s"
    awk -v t="$t" 'BEGIN { exit !(t >= 0.1) }' || { echo "the delay did not apply" >&2; exit 1; }
  done
done

if ((serve)); then
  for group in images large; do
    $PY -c 'import json, sys
for e in json.load(open(sys.argv[1]))[sys.argv[2]]: print(e["name"])' "$tmp/www/manifest.json" $group > "$tmp/$group.txt"
    for base in "http://127.0.0.1:$http_port" "https://127.0.0.1:$https_port"; do
      for path in fast slow; do
        sed "s|^|$base/$path/|" "$tmp/$group.txt" > "$tmp/urls-$group-${base%%:*}-$path.txt"
      done
    done
  done
  echo "Serving http://127.0.0.1:$http_port and https://127.0.0.1:$https_port (CA $tmp/ca.pem)"
  echo "URL lists: $tmp/urls-*.txt. Ctrl+C stops the server and removes $tmp."
  sleep infinity &
  sleep_pid=$!
  wait "$sleep_pid"
fi

gui_report=$tmp/gui-report.md
if ((gui)); then
  echo "GUI stress run"
  cc -shared -fPIC -O2 -o "$tmp/stall-probe.so" bench/stall-probe.c \
    $(pkg-config --cflags --libs glib-2.0)
  cc -shared -fPIC -O2 -o "$tmp/gallery-driver.so" bench/gallery-driver.c \
    $(pkg-config --cflags --libs gtk4)
  $PY bench/gui_stress.py "$top/_build-bench/src/haul" "$top/_build-bench/data" \
    "$tmp/stall-probe.so" "http://127.0.0.1:$http_port/gui/" "$tmp" "$gui_items" \
    --views "$gui_views" --renderers "$gui_renderers" --driver "$tmp/gallery-driver.so" > "$gui_report" ||
    echo "**Not measured**: the stress script failed (exit status $?)." >> "$gui_report"
  rm -rf "$tmp/gui"
  cat "$gui_report"
else
  echo "Not run (\`--no-gui\`)." > "$gui_report"
fi
((gui_only)) && exit 0

$PY bench/bench.py --tmp "$tmp" --http-port "$http_port" --https-port "$https_port" \
  --ca "$tmp/ca.pem" --access-log "$tmp/access.log" --runs "$runs" \
  --haul-cli "$top/_build-bench/src/haul-cli" --gui-report "$gui_report" \
  --load-before "$load_before" \
  --git "$(git describe --always --dirty 2>/dev/null || echo unknown)" \
  --started "$started" "${bench_args[@]}"
