#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# How haul-cli copes with HTTP/2 servers that are hostile or constrained: a
# private nginx on 127.0.0.1 (TLS, h2) that allows one stream at a time,
# sends GOAWAY after a few requests, resets streams, or loses its workers
# mid-transfer; and a run cancelled with Ctrl+C. Each case runs at -j 16 and
# -j 64 under a hard time limit, so a run that hangs is caught, with the
# threads' stacks kept. Every item must be saved byte for byte (SHA-256 from
# the corpus manifest) or reported failed with its reason; the script prints
# a markdown table and exits non-zero when a case fails. Not part of the
# test suite. Everything it creates lives in _build-bench or in one
# temporary folder under /tmp, removed at the end with the server.
#
# usage: bench/h2-robustness.sh [--cases a,b] [--jobs 16,64] [--limit SECONDS] [--keep]
#   cases: mcs1 mcs1-slow goaway goaway-slow goaway-1000 kill stall reset reset-http1 cancel
#          (default: all)
#   --keep leaves the temporary folder (logs, downloads) for a look
set -euo pipefail

top=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$top"
# shellcheck source=bench/server.sh
source bench/server.sh
PY=/usr/bin/python3  # Debian's, which has PIL

all_cases=(mcs1 mcs1-slow goaway goaway-slow goaway-1000 kill stall reset reset-http1 cancel)
cases=("${all_cases[@]}")
jobs_list=(16 64)
limit=45
keep=0
while (($#)); do
  case $1 in
    --cases) IFS=, read -ra cases <<< "$2"; shift 2 ;;
    --jobs) IFS=, read -ra jobs_list <<< "$2"; shift 2 ;;
    --limit) limit=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--cases ${all_cases[*]// /,}] [--jobs 16,64] [--limit SECONDS] [--keep]" >&2
       exit 2 ;;
  esac
done
for c in "${cases[@]}"; do
  [[ " ${all_cases[*]} " == *" $c "* ]] || { echo "unknown case: $c" >&2; exit 2; }
done

# Standard output is for the table alone.
"$top/build-aux/install-deps.sh" nginx libnginx-mod-http-echo python3 python3-pil openssl \
  curl gdb procps >&2

if [[ ! -f _build-bench/build.ninja ]]; then
  meson setup _build-bench --buildtype=release >&2
fi
ninja -C _build-bench src/haul-cli >&2
haul=$top/_build-bench/src/haul-cli

tmp=$(mktemp -d /tmp/haul-h2.XXXXXX)
chmod 755 "$tmp"  # nginx's workers run as nobody
nginx_pid=$tmp/nginx.pid
haul_pid=
workers () { pgrep -P "$(cat "$nginx_pid" 2>/dev/null)" || true; }
cleanup () {
  [[ -z $haul_pid ]] || kill -KILL "$haul_pid" 2>/dev/null || true
  if [[ -s $nginx_pid ]]; then
    # shellcheck disable=SC2046
    kill -CONT $(workers) 2>/dev/null || true
    kill "$(cat "$nginx_pid")" 2>/dev/null || true
    for _ in $(seq 50); do [[ -e $nginx_pid ]] || break; sleep 0.1; done
  fi
  if ((keep)); then echo "Kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Generating the corpus in $tmp/www" >&2
$PY bench/corpus.py "$tmp/www" >&2
chmod -R a+rX "$tmp/www"
# "SHA-256 NAME" per file, and the names of each group.
$PY - "$tmp/www/manifest.json" "$tmp" <<'PY'
import json, os, sys
m = json.load(open(sys.argv[1]))
with open(os.path.join(sys.argv[2], "sums"), "w") as f:
    for group in m.values():
        for e in group:
            print(e["sha256"], e["name"], file=f)
for group, entries in m.items():
    with open(os.path.join(sys.argv[2], group + ".txt"), "w") as f:
        for e in entries:
            print(e["name"], file=f)
PY

bench_make_ca "$tmp"

# One TLS port per kind of server, so the access log tells the cases apart.
read -r port_http port_plain port_mcs1 port_ga10 port_ga5 port_ga1000 < <($PY -c '
import socket
s = [socket.socket() for _ in range(6)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')

# Locations, the same on every server:
#   /fast/  the corpus as it is
#   /slow/  each request held 100 ms before its answer
#   /big/   sent at 8 MB/s a stream, so a large file is in flight for a second or two
#   /flaky/ one request in ten answered with 444, which on HTTP/2 resets the stream
#   /copy/copyN-NAME  NAME again under another name, held 100 ms
locations="
    location /fast/ { alias $tmp/www/; }
    location ~ ^/slow/(.+)\$ {
      echo_sleep 0.1;
      echo_exec /fast/\$1;
    }
    location /big/ { alias $tmp/www/; limit_rate 8m; }
    location ~ ^/copy/copy[0-9]-(.+)\$ {
      echo_sleep 0.1;
      echo_exec /fast/\$1;
    }
    location /flaky/ {
      if (\$flaky) { return 444; }
      alias $tmp/www/;
    }"
tls="
    ssl_certificate $tmp/server.pem;
    ssl_certificate_key $tmp/server.key;"

{
  bench_nginx_head "$tmp" "$nginx_pid" 1024 '$server_port $connection $server_protocol $status $body_bytes_sent $request_time $uri'
  cat <<EOF
  split_clients "\$request_id" \$flaky { 10% 1; * ""; }
  server {
    listen 127.0.0.1:$port_plain ssl http2;
    listen 127.0.0.1:$port_http;$tls$locations
  }
  # SETTINGS_MAX_CONCURRENT_STREAMS = 1
  server {
    listen 127.0.0.1:$port_mcs1 ssl http2;$tls
    http2_max_concurrent_streams 1;$locations
  }
  # nginx 1.22 sends GOAWAY on an HTTP/2 connection once it has had
  # keepalive_requests requests, and closes it when the last stream ends.
  server {
    listen 127.0.0.1:$port_ga10 ssl http2;$tls
    keepalive_requests 10;$locations
  }
  server {
    listen 127.0.0.1:$port_ga5 ssl http2;$tls
    keepalive_requests 5;$locations
  }
  # nginx's default
  server {
    listen 127.0.0.1:$port_ga1000 ssl http2;$tls
    keepalive_requests 1000;$locations
  }
}
EOF
} > "$tmp/nginx.conf"
touch "$tmp/access.log"
nginx -e "$tmp/error.log" -p "$tmp" -c "$tmp/nginx.conf"
for _ in $(seq 50); do [[ -s $nginx_pid ]] && break; sleep 0.1; done
[[ -s $nginx_pid ]] || { echo "nginx did not start" >&2; cat "$tmp/error.log" >&2; exit 1; }

# Every port speaks HTTP/2, and the delay holds.
for port in "$port_plain" "$port_mcs1" "$port_ga10" "$port_ga5" "$port_ga1000"; do
  read -r version t < <(curl -sS --fail --cacert "$tmp/ca.pem" -o /dev/null \
    -w '%{http_version} %{time_total}\n' "https://127.0.0.1:$port/slow/img-001.jpg")
  [[ $version == 2 ]] || { echo "port $port answers HTTP/$version, not HTTP/2" >&2; exit 1; }
  awk -v t="$t" 'BEGIN { exit !(t >= 0.1) }' || { echo "the delay did not apply" >&2; exit 1; }
done

# URL lists: the 200 images or the large files, each name after PREFIX.
urls () {  # PORT PREFIX GROUP...
  local port=$1 loc=$2 scheme=https; shift 2
  [[ $port != "$port_http" ]] || scheme=http
  for group; do sed "s|^|$scheme://127.0.0.1:$port/$loc|" "$tmp/$group.txt"; done
}

ms () { date +%s%3N; }

results=$tmp/results.md
: > "$results"
failed_cases=0

# While haul-cli runs, at the given times in ms after its start: kills
# nginx's workers (the master starts new ones), or with TIME:LENGTH stops
# them for LENGTH ms, so every connection falls silent.
disrupt () {  # PID TIME[:LENGTH]...
  local pid=$1 start at length w; shift
  start=$(ms)
  for at; do
    length=${at#*:}
    at=${at%%:*}
    while (($(ms) - start < at)); do sleep 0.02; done
    kill -0 "$pid" 2>/dev/null || return 0
    w=$(workers)
    if [[ $length == "$at" ]]; then
      # shellcheck disable=SC2086
      kill -KILL $w 2>/dev/null || true
      echo "killed at $(($(ms) - start))" >> "$dir/disruptions"
    else
      # shellcheck disable=SC2086
      kill -STOP $w 2>/dev/null || true
      echo "stopped at $(($(ms) - start))" >> "$dir/disruptions"
      sleep "$(awk -v ms="$length" 'BEGIN { print ms / 1000 }')"
      # shellcheck disable=SC2086
      kill -CONT $w 2>/dev/null || true
      echo "went on at $(($(ms) - start))" >> "$dir/disruptions"
    fi
  done
}

# Runs haul-cli once and checks what it left:
#   run NAME JOBS PORT URLS [--sigint-after MS] [--disrupt TIME[:LENGTH],...] [--reuse DIR]
#       [haul-cli options...]
# Sets $row to the table's row and returns non-zero when the run fails.
run () {
  local name=$1 jobs=$2 port=$3 list=$4; shift 4
  local sigint_after='' disruptions='' helper='' reuse=''
  while (($#)); do
    case $1 in
      --sigint-after) sigint_after=$2; shift 2 ;;
      --disrupt) disruptions=$2; shift 2 ;;
      --reuse) reuse=$2; shift 2 ;;
      *) break ;;
    esac
  done
  dir=$tmp/runs/$name-j$jobs
  local out=$dir/out state=$dir/state
  # The folder and record of an earlier run, whose parts this one continues.
  [[ -z $reuse ]] || { out=$reuse/out; state=$reuse/state; }
  local times=() rc stuck=0 start end int_at='' cancel_ms='' log_from notes=() ok=1 stuck_note=''
  mkdir -p "$dir" "$out" "$state"
  log_from=$(($(wc -l < "$tmp/access.log") + 1))

  start=$(ms)
  # Job control is off, so bash would start it with SIGINT ignored.
  XDG_STATE_HOME=$state env --default-signal=INT "$haul" -j "$jobs" --ca-file "$tmp/ca.pem" \
    -o "$out" "$@" "$list" > "$dir/stdout" 2> "$dir/stderr" &
  haul_pid=$!
  if [[ -n $disruptions ]]; then
    IFS=, read -ra times <<< "$disruptions"
    disrupt "$haul_pid" "${times[@]}" &
    helper=$!
  fi
  while kill -0 "$haul_pid" 2>/dev/null; do
    if [[ -n $sigint_after && -z $int_at ]] && (($(ms) - start >= sigint_after)); then
      kill -INT "$haul_pid"
      int_at=$(ms)
    fi
    if (($(ms) - start > limit * 1000)); then
      # Where it hangs, then whether Ctrl+C still ends it.
      stuck=1
      gdb -p "$haul_pid" -batch -ex 'thread apply all bt' > "$dir/stacks.txt" 2>&1 || true
      kill -INT "$haul_pid" 2>/dev/null || true
      int_at=$(ms)
      while kill -0 "$haul_pid" 2>/dev/null && (($(ms) - int_at < 3000)); do sleep 0.01; done
      if kill -0 "$haul_pid" 2>/dev/null; then
        stuck_note="SIGINT did not end it either"
        kill -KILL "$haul_pid" 2>/dev/null || true
      else
        stuck_note="SIGINT then ended it in $(($(ms) - int_at)) ms"
      fi
      break
    fi
    sleep 0.01
  done
  rc=0
  wait "$haul_pid" || rc=$?
  end=$(ms)
  haul_pid=
  [[ -z $helper ]] || wait "$helper" || true
  [[ -z $int_at ]] || ((stuck)) || cancel_ms=$((end - int_at))

  # What the server saw of this run.
  local conns requests statuses
  tail -n "+$log_from" "$tmp/access.log" | awk -v p="$port" '$1 == p' > "$dir/access.log"
  conns=$(awk '{ print $2 }' "$dir/access.log" | sort -u | wc -l)
  requests=$(wc -l < "$dir/access.log")
  statuses=$(awk '{ n[$4]++ } END { for (s in n) printf "%s%s×%d", (k++ ? " " : ""), s, n[s] }' \
             "$dir/access.log")

  # Files: each under a final name must be the server's, byte for byte;
  # a hidden part may stay only after a cancel, and only at 1 MiB or more.
  local good=0 bad=0 parts=0 small_parts=0 stray=0 f base want got
  while IFS= read -r -d '' f; do
    base=${f##*/}
    if [[ $base == .haul-*.part ]]; then
      parts=$((parts + 1))
      (($(stat -c %s "$f") >= 1048576)) || small_parts=$((small_parts + 1))
      continue
    fi
    # /copy/N-NAME is NAME served again under another name.
    want=$(awk -v n="${base#copy[0-9]-}" '$2 == n { print $1 }' "$tmp/sums")
    got=$(sha256sum "$f" | cut -d' ' -f1)
    if [[ -n $want && $want == "$got" ]]; then
      good=$((good + 1))
    elif [[ -n $want ]]; then
      bad=$((bad + 1)); notes+=("$base differs from the server's")
    else
      stray=$((stray + 1)); notes+=("stray file $base")
    fi
  done < <(find "$out" -mindepth 1 -print0)
  if ((${#notes[@]} > 3)); then
    notes=("${notes[@]:0:3}" "… $((bad + stray)) wrong or stray files in all")
  fi

  local items done_lines skipped_lines failed_lines cancelled_lines unclear
  items=$(wc -l < "$list")
  done_lines=$(grep -c '^done: ' "$dir/stdout" || true)
  # Only after a cancel: what the first run saved is not fetched again.
  skipped_lines=$(grep -c '^skipped: .*: already downloaded' "$dir/stdout" || true)
  failed_lines=$(grep -c '^failed: ' "$dir/stdout" || true)
  cancelled_lines=$(grep -c '^cancelled: ' "$dir/stdout" || true)
  # "failed: URL: MESSAGE", the message saying what went wrong.
  unclear=$(grep '^failed: ' "$dir/stdout" |
            awk '{ sub(/^failed: [^ ]+: /, "") } $0 == "" || /NO_ERROR|Operation was cancelled/' |
            wc -l)
  grep '^failed: ' "$dir/stdout" | sed 's|^failed: [^ ]*: ||' | sort | uniq -c | sort -rn \
    > "$dir/reasons" || true

  if ((stuck)); then
    # Where the threads wait: each one's two innermost frames of Haul's own.
    local waits
    waits=$(awk '/^Thread / { if (f != "") print f; f = ""; n = 0 }
                 / in haul_[a-z_]+ \(/ && n < 2 { match($0, /haul_[a-z_]+/); f = f (n++ ? " < " : "") substr($0, RSTART, RLENGTH) }
                 END { if (f != "") print f }' "$dir/stacks.txt" | sort | uniq -c | sort -rn |
            awk '{ c = $1; $1 = ""; printf "%s%d× %s", (NR > 1 ? ", " : ""), c, substr($0, 2) }')
    ok=0; notes+=("**stuck** after ${limit} s, $stuck_note; threads in ${waits:-?}")
  fi
  # GLib's criticals and warnings, sanitizer reports, crashes.
  local alarms='CRITICAL|WARNING|\*\*|assert|Segmentation|runtime error|AddressSanitizer'
  if grep -qE "$alarms" "$dir/stderr"; then
    ok=0
    notes+=("stderr: $(grep -cE "$alarms" "$dir/stderr") alarm(s), first: $(grep -m1 -E "$alarms" "$dir/stderr" |
            sed 's/^(haul-cli:[0-9]*): //; s/ \*\*: [0-9:.]*: / /' | cut -c1-150)")
  fi
  if ((bad || stray || small_parts)); then ok=0; fi
  if [[ -n $sigint_after ]]; then
    # Ctrl+C: exit 130 within a second; what was not saved says cancelled.
    if [[ -z $int_at ]]; then
      ok=0; notes+=("ended before the SIGINT")
    else
      ((rc == 130)) || { ok=0; notes+=("exit $rc after SIGINT, not 130"); }
      ((cancel_ms <= 1000)) || { ok=0; notes+=("took ${cancel_ms} ms to stop"); }
    fi
    ((small_parts == 0)) || notes+=("$small_parts parts under 1 MiB")
    ((parts == 0)) || notes+=("$parts parts kept")
    local cancelled_expected=$((items - done_lines - failed_lines))
    ((cancelled_lines == cancelled_expected)) ||
      notes+=("$cancelled_lines cancelled lines for $cancelled_expected items")
  elif ((!stuck)); then
    ((parts == 0)) || { ok=0; notes+=("$parts .part files left"); }
    # Every item accounted for: saved, or failed with a reason.
    if ((good + failed_lines != items || done_lines + skipped_lines != good)); then
      ok=0; notes+=("$good saved + $failed_lines failed of $items items ($done_lines done, $skipped_lines skipped)")
    fi
    ((unclear == 0)) || { ok=0; notes+=("$unclear failures without a clear reason"); }
    if ((failed_lines == 0 && rc != 0)) || ((failed_lines > 0 && rc != 1)); then
      ok=0; notes+=("exit $rc with $failed_lines failed")
    fi
  fi
  if ((failed_lines)); then
    notes+=("failed: $(head -n 3 "$dir/reasons" | sed 's/^ *\([0-9]*\) /\1× /' | paste -sd ';' | sed 's/;/; /g')")
  fi
  [[ ! -s $dir/disruptions ]] || notes+=("workers $(paste -sd, "$dir/disruptions" | sed 's/,/, /g') ms")

  local secs verdict
  secs=$(awk -v ms=$((end - start)) 'BEGIN { printf "%.2f", ms / 1000 }')
  if [[ -n $cancel_ms ]]; then secs="$secs (stop ${cancel_ms} ms)"; fi
  ((ok)) && verdict=pass || verdict='**FAIL**'
  local IFS=' '
  row="| $name | $jobs | $rc | $secs | $good/$items | $failed_lines | $conns | $requests ($statuses) | $verdict | ${notes[*]:+$(printf '%s; ' "${notes[@]}" | sed 's/; $//')} |"
  echo "$row" >> "$results"
  echo "$row" >&2
  ((ok))
}

echo "| case | -j | exit | time s | saved (SHA-256 ok) | failed | TCP conns | requests (statuses) | result | notes |" > "$results.head"
echo "|---|---|---|---|---|---|---|---|---|---|" >> "$results.head"

for case in "${cases[@]}"; do
  for j in "${jobs_list[@]}"; do
    list=$tmp/urls-$case.txt
    args=()
    case $case in
      mcs1)
        # SETTINGS_MAX_CONCURRENT_STREAMS = 1: streams beyond it are refused.
        urls "$port_mcs1" fast/ images > "$list"; port=$port_mcs1 ;;
      mcs1-slow)
        # One stream at a time at 100 ms each: 10 s for 100 images.
        urls "$port_mcs1" slow/ images | awk 'NR <= 100' > "$list"; port=$port_mcs1 ;;
      goaway)
        # GOAWAY after 10 requests, while many more are in flight.
        urls "$port_ga10" fast/ images > "$list"; port=$port_ga10 ;;
      goaway-slow)
        # GOAWAY after 5, each held 100 ms, so none has ended when it comes.
        urls "$port_ga5" slow/ images > "$list"; port=$port_ga5 ;;
      goaway-1000)
        # As nginx comes: GOAWAY after 1,000 requests, here of 1,200, 100 ms each.
        for n in 1 2 3 4 5 6; do urls "$port_ga1000" "copy/copy$n-" images; done > "$list"
        port=$port_ga1000; args=(--keep-duplicates) ;;
      kill)
        # Large files and delayed images in flight when the workers die.
        { urls "$port_plain" big/ large; urls "$port_plain" slow/ images; } > "$list"
        port=$port_plain; args=(--disrupt '400,1000,1600' --any-type --timeout 10) ;;
      stall)
        # Every connection silent for 5 s, longer than --timeout.
        { urls "$port_plain" big/ large; urls "$port_plain" slow/ images; } > "$list"
        port=$port_plain; args=(--disrupt 400:5000 --any-type --timeout 2) ;;
      reset)
        # One request in ten answered with RST_STREAM; the connection stays.
        urls "$port_plain" flaky/ images > "$list"; port=$port_plain ;;
      reset-http1)
        # The same over HTTP/1.1, where 444 closes the connection.
        urls "$port_http" flaky/ images > "$list"; port=$port_http ;;
      cancel)
        # Ctrl+C with large files and delayed images in flight.
        { urls "$port_plain" big/ large; urls "$port_plain" slow/ images; } > "$list"
        port=$port_plain; args=(--sigint-after 700 --any-type) ;;
    esac
    run "$case" "$j" "$port" "$list" "${args[@]}" || failed_cases=$((failed_cases + 1))
    # After a cancel, the next run into the same folder finishes the job,
    # the parts it kept continued with Range (206 in the log).
    if [[ $case == cancel ]]; then
      run resume "$j" "$port" "$list" --reuse "$dir" --any-type || failed_cases=$((failed_cases + 1))
    fi
  done
done

echo >&2
cat "$results.head" "$results"
if ((failed_cases)); then
  if ((keep)); then where="in $tmp/runs"; else where="kept with --keep"; fi
  echo "$failed_cases run(s) failed; their logs and stacks are $where." >&2
  exit 1
fi
