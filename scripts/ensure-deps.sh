#!/usr/bin/env bash
# Makes sure the system libraries the suite builds against are installed: installs missing Debian
# packages when running as root, otherwise prints the exact command and stops (or warns, for the
# optional OpenBLAS, without which matrix products use the slower built-in kernel).
set -euo pipefail

# cairo draws the figures (PNG and SVG); fontconfig finds their font, DejaVu Sans; giflib writes
# the animated GIFs of toy2d; Graphviz's dot lays out the computational graphs of `graphs`.
required=(libpng-dev libjpeg-dev zlib1g-dev libgif-dev libcairo2-dev libfontconfig-dev fonts-dejavu-core graphviz)
optional=(libopenblas0)

if ! command -v swift >/dev/null 2>&1; then
    echo "The Swift toolchain (swift) is not on PATH: install Swift 6 from swift.org and retry." >&2
    exit 1
fi
if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "note: not a Debian-based system; make sure libpng, libjpeg, zlib, giflib, cairo, fontconfig, the DejaVu fonts (and OpenBLAS for speed) are installed." >&2
    exit 0
fi

missing() { for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"; done; }
need=$(missing "${required[@]}")
want=$(missing "${optional[@]}")
[ -z "$need$want" ] && exit 0

if [ "$(id -u)" = 0 ]; then
    echo "Installing Debian packages: $need $want" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $need $want >&2
    exit 0
fi

if [ -n "$need" ]; then
    echo "Missing Debian packages the suite needs to build. Run: sudo apt-get install -y $(echo $need $want)" >&2
    exit 1
fi
echo "warning: OpenBLAS is not installed, so matrix products use the slower built-in kernel. For full speed run: sudo apt-get install -y $want" >&2
