#!/usr/bin/env bash
# Installs headless Chromium (Debian package `chromium`) for the HTML report's browser test
# (reports/tests/report/browser.rs). Does nothing when a Chromium is already on PATH.
#
# Usage: scripts/setup-chromium.sh   (as root, or with sudo available)
set -euo pipefail

for candidate in chromium chromium-browser; do
    if command -v "$candidate" >/dev/null 2>&1; then
        echo "chromium: $(command -v "$candidate") ($("$candidate" --version 2>/dev/null || echo 'version unknown'))" >&2
        exit 0
    fi
done

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "chromium is not installed and this user cannot install packages: run 'apt-get install -y chromium' as root" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update
"${as_root[@]}" apt-get install -y --no-install-recommends chromium
echo "chromium: $(command -v chromium) ($(chromium --version 2>/dev/null || echo 'version unknown'))" >&2
