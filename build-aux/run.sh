#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Builds Haul and launches it from the build tree. Arguments go to haul.
set -euo pipefail

top=$(dirname "$(dirname "$(readlink -f "$0")")")
cd "$top"
"$top/build-aux/install-deps.sh"

[[ -f _build/build.ninja ]] || meson setup _build
meson compile -C _build

cmd=(meson devenv -C _build "$top/_build/src/haul" "$@")
# A single-instance application needs a session bus; a bare root shell has none.
if [[ -z ${DBUS_SESSION_BUS_ADDRESS:-} ]]; then
  cmd=(dbus-run-session -- "${cmd[@]}")
fi
exec "${cmd[@]}"
