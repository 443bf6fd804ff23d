#!/usr/bin/env bash
# Installs dtc and fdtoverlay (Debian's device-tree-compiler) for the
# round-trip and overlay tests. The tests skip with a message when they are
# absent, so this is optional for a build but required for the full test run.
# Safe to run repeatedly.
set -euo pipefail

if command -v dtc >/dev/null 2>&1 && command -v fdtoverlay >/dev/null 2>&1; then
    echo "dtc and fdtoverlay present: $(dtc --version 2>&1 | head -n 1)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

export DEBIAN_FRONTEND=noninteractive
# Try without refreshing first (fast on a machine whose lists are current);
# a stale or empty package list makes the first attempt fail, so refresh then.
if ! $SUDO apt-get install -y device-tree-compiler; then
    $SUDO apt-get update
    $SUDO apt-get install -y device-tree-compiler
fi

command -v dtc >/dev/null 2>&1
command -v fdtoverlay >/dev/null 2>&1
echo "dtc and fdtoverlay installed: $(dtc --version 2>&1 | head -n 1)"
