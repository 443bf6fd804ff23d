#!/usr/bin/env bash
# Compiles the board sources in Boards/ with dtc (Scripts/install-dtc.sh installs it):
#   Boards/*.dts             -> OUT/<name>.dtb
#   Boards/overlays/*.dtso   -> OUT/<name>.dtbo
# OUT is the first argument, Boards/build (git-ignored) by default. Everything is built
# with -@ (a __symbols__ node), so later overlays can refer to the labels. Each blob is
# written to a temporary file first, so a failed build leaves no half-written blob.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-Boards/build}"
mkdir -p "$out"

compile() { # source, blob, extra dtc flags...
    local source="$1" blob="$2"
    shift 2
    dtc -@ "$@" -I dts -O dtb -o "$blob.tmp.$$" "$source"
    mv "$blob.tmp.$$" "$blob"
}

# An overlay cannot know the #address-cells/#size-cells of the base nodes it extends, so
# dtc checks its reg against the defaults (2/1) and warns wrongly; those two checks (and
# the ones that depend on them) are off for overlays only.
overlay_flags=(-W no-reg_format -W no-avoid_default_addr_size)

for source in Boards/*.dts; do
    compile "$source" "$out/$(basename "$source" .dts).dtb"
done
for source in Boards/overlays/*.dtso; do
    compile "$source" "$out/$(basename "$source" .dtso).dtbo" "${overlay_flags[@]}"
done
echo "built $(ls "$out"/*.dtb "$out"/*.dtbo | wc -l) blobs in $out"
