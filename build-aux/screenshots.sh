#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Takes the screenshots in data/screenshots/ of the real window under Xvfb,
# downloading generated sample pictures from a server on 127.0.0.1.
set -euo pipefail

top=$(dirname "$(dirname "$(readlink -f "$0")")")
build=${1:-$top/_build}

ninja -C "$build" tests/haul-screenshots data/gschemas.compiled >/dev/null
mkdir -p "$top/data/screenshots"

# A record of its own: not the user's list, nor a warning about it.
state=$(mktemp -d)
trap 'rm -rf "$state"' EXIT

env GSETTINGS_BACKEND=memory \
    XDG_STATE_HOME="$state" \
    GSETTINGS_SCHEMA_DIR="$build/data" \
    GIO_USE_VFS=local \
    GTK_A11Y=none \
    NO_AT_BRIDGE=1 \
    GDK_BACKEND=x11 \
    xvfb-run -a -s '-screen 0 1280x1024x24' \
    "$build/tests/haul-screenshots" "$top/data/screenshots"
