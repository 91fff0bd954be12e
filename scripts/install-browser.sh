#!/usr/bin/env bash
# Installs what the browser tests need: Debian chromium (driven by Playwright through
# executable_path=/usr/bin/chromium) and CJK fonts (without them Chinese renders as boxes).
# Idempotent: does nothing when both are present. Used by `make setup` and .ci/run.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)

if [ "${#need[@]}" -eq 0 ]; then
    echo "install-browser: chromium and fonts-noto-cjk already installed"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO="sudo"
    else
        echo "install-browser: need root (or sudo) to apt-get install ${need[*]}" >&2
        exit 1
    fi
fi

echo "install-browser: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${need[@]}"
command -v chromium >/dev/null 2>&1 || { echo "install-browser: chromium still missing" >&2; exit 1; }
echo "install-browser: done ($(chromium --version 2>/dev/null || echo chromium))"
