#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds Haul and runs every test twice: once plainly with warnings as
# errors, once with AddressSanitizer and UndefinedBehaviorSanitizer (clang,
# which also builds and runs the fuzzers). Extra arguments go to meson test.
set -euo pipefail

top=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$top"
"$top/build-aux/install-deps.sh"

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1"
export LSAN_OPTIONS="suppressions=$top/build-aux/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"

setup () {
  local dir=$1; shift
  if [[ -f $dir/build.ninja ]]; then
    meson configure "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@"
  fi
}

status=0
passed=0
failed=0
count_results () {
  # Count results from the log so the closing line covers every build.
  read -r p f < <(python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL", "SKIP"):
        p += 1
    else:
        f += 1
print(p, f)
PY
)
  passed=$((passed + p))
  failed=$((failed + f))
}

run_suite () {
  local dir=$1; shift
  meson compile -C "$dir"
  if ! meson test -C "$dir" --print-errorlogs --num-processes "$(nproc)" "$@"; then
    status=1
  fi
  count_results "$dir"
}

# Users are not root, and root hides what they meet: permissions, a message
# printed only for them, a missing folder. As root, the command line, engine
# and window tests run once more as an unprivileged user, in a copy of the
# tree that user owns (the clone itself may sit in a folder only root reads).
run_unprivileged () {
  local user=haul-tester copy
  id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
  copy=$(mktemp -d /tmp/haul-unprivileged-XXXXXX)
  tar --exclude='./_build*' --exclude='./.git' --exclude='./flatpak/build-dir' -cf - . |
    tar -C "$copy" -xf -
  chown -R "$user:" "$copy"
  chmod 755 "$copy"
  if ! runuser -u "$user" -- env -u XDG_RUNTIME_DIR -u DBUS_SESSION_BUS_ADDRESS \
         HOME="$(getent passwd "$user" | cut -d: -f6)" \
         bash -c 'cd "$1" && shift &&
                  meson setup _build -Dwerror=true -Dfuzzing=false >/dev/null &&
                  meson compile -C _build >/dev/null &&
                  meson test -C _build --print-errorlogs --num-processes "$(nproc)" \
                    --suite engine --suite gui "$@"' sh "$copy" "$@"; then
    status=1
  fi
  if [[ -f $copy/_build/meson-logs/testlog.json ]]; then
    count_results "$copy/_build"
  else
    failed=$((failed + 1))
  fi
  rm -rf "$copy"
}

setup _build -Dwerror=true -Dfuzzing=false
run_suite _build "$@"

if [[ $(id -u) == 0 ]]; then
  run_unprivileged "$@"
fi

CC=clang setup _build-asan -Dwerror=true -Dfuzzing=true \
  -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
run_suite _build-asan "$@"

echo
echo "tests: $passed passed, $failed failed"
exit $status
