#!/usr/bin/env bash
# Installs headless Chromium (Debian's chromium) for the test that renders the HTML report.
# Safe to run repeatedly.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
if ! $SUDO apt-get install -y --no-install-recommends chromium; then
    $SUDO apt-get update
    $SUDO apt-get install -y --no-install-recommends chromium
fi
command -v chromium >/dev/null 2>&1
