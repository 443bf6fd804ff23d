#!/bin/bash
# Writes every output the simulator produces for the shipped scenarios — each scenario under
# every design with two seeds (text, JSON, trace, HTML), a 20 s playback, the built-in run and
# two comparisons — into OUTDIR, from this checkout's release build. For work that must not
# change what users see (speed work): snapshot before, snapshot after, `diff -r` the two.
#
# Usage: Scripts/output-snapshot.sh OUTDIR   (run `swift build -c release` first)
set -euo pipefail
out=${1:?usage: Scripts/output-snapshot.sh OUTDIR}
repo=$(cd "$(dirname "$0")/.." && pwd)
bin="$repo/.build/release/protmem"
[ -x "$bin" ] || { echo "no release build at $bin: run swift build -c release" >&2; exit 1; }
mkdir -p "$out"
cd "$repo"
sed 's/duration: 2s/duration: 20s/' Examples/scenarios/secure-playback-4k60.yaml > "$out/.long.yaml"
for file in Examples/scenarios/*.yaml "$out/.long.yaml"; do
  name=$(basename "$file" .yaml)
  for design in heap-by-name reserved-region heap-device userspace; do
    for seed in 1 7; do
      base="$out/$name-$design-$seed"
      "$bin" simulate --scenario "$file" --design $design --seed $seed --trace "$base.trace.json" --html "$base.html" > "$base.txt" 2>&1 || echo "exit $?" >> "$base.txt"
      "$bin" simulate --scenario "$file" --design $design --seed $seed --json > "$base.json" 2>&1 || echo "exit $?" >> "$base.json"
    done
  done
done
"$bin" simulate > "$out/builtin.txt"
"$bin" compare --scenario Examples/scenarios/secure-playback-4k60.yaml > "$out/compare.txt" 2>&1 || true
"$bin" compare --scenario Examples/scenarios/mixed-gpu.yaml --json > "$out/compare-mixed.json" 2>&1 || true
echo "$(ls "$out" | wc -l) outputs in $out"
