#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ (in-process, with AddressSanitizer) and runs each for
# a bounded time or number of executions on a seed corpus assembled from the real inputs.
#
#   Scripts/fuzz.sh [TARGET...] [--time SECONDS] [--runs N] [--max-len BYTES] [--debug]
#
# TARGETs: fdt overlay firmware abi optee scenario (all when none is named). --time bounds
# each target's run (60 s by default), --runs its executions (none by default; the first bound
# reached ends the run). --max-len caps every input's length (libFuzzer's -max_len; by default
# the largest seed's: the real device trees are 39–95 KB and run at a few hundred a second
# under ASan, where the project's own 1 KB blobs reach the same parser paths several times
# faster; a seed longer than the cap is cut to it, which a long run chasing executions may
# accept and a run meant to mutate the real blobs must not). --debug builds without
# optimisation (quicker to build, slower to run).
#
# The work folder Fuzz/.work/TARGET (git-ignored) keeps `corpus/` (what libFuzzer found, kept
# across runs), `seeds/` (assembled anew each run) and any `crash-*`, `leak-*`, `timeout-*` or
# `oom-*` input, which `FuzzTARGET Fuzz/.work/TARGET/crash-…` replays. Seeds: Boards/*.dts and
# Boards/overlays/*.dtso compiled with dtc (Scripts/install-dtc.sh), Examples/scenarios/*.yaml,
# Examples/abi/*.jsonl, what the targets make themselves (the synthetic firmware image,
# OP-TEE blocks), and, read here only and never copied into the project,
# ../shared/data/dtb/**/*.dtb and ../shared/data/firmware/mali/*/mali_csffw.bin (skipped with a
# SKIP line when absent). Exits 1 if any target found a crash, a leak, a timeout or an OOM.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

all_targets=(fdt overlay firmware abi optee scenario)
targets=()
seconds=60
runs=""
max_len=""
configuration=release
while [ $# -gt 0 ]; do
    case "$1" in
        --time) seconds="$2"; shift 2 ;;
        --runs) runs="$2"; shift 2 ;;
        --max-len) max_len="$2"; shift 2 ;;
        --debug) configuration=debug; shift ;;
        -h|--help) sed -n '2,23p' "$0"; exit 0 ;;
        fdt|overlay|firmware|abi|optee|scenario) targets+=("$1"); shift ;;
        *) echo "fuzz.sh: unknown argument $1 (targets: ${all_targets[*]})" >&2; exit 2 ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")

product() {
    case "$1" in
        fdt) echo FuzzFDT ;; overlay) echo FuzzOverlay ;; firmware) echo FuzzFirmware ;;
        abi) echo FuzzABIScript ;; optee) echo FuzzOPTEEMessage ;; scenario) echo FuzzScenario ;;
    esac
}

scratch="$root/Fuzz/.build-fuzz"
# SwiftPM passes `-sanitize=fuzzer -sanitize=address` to swiftc as two flags, and swiftc keeps
# only the last: the Swift code would get AddressSanitizer but no coverage, and libFuzzer would
# find nothing ("Is the code instrumented for coverage?"). The trailing -Xswiftc names both in
# one flag; --sanitize still gives the C code (Yams' libyaml) and the link both.
build=(swift build --package-path Fuzz --scratch-path "$scratch" -c "$configuration"
       --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address)
echo "fuzz: ${build[*]}"
"${build[@]}"
bin="$("${build[@]}" --show-bin-path)"

shared="$root/../shared/data"
work="$root/Fuzz/.work"
dtbs="$work/dtbs"
if command -v dtc >/dev/null 2>&1; then
    Scripts/build-dtbs.sh "$dtbs" >/dev/null
else
    echo "SKIP: dtc not found (Scripts/install-dtc.sh): no blobs from Boards/ in the device-tree seeds"
    mkdir -p "$dtbs"
fi
if [ -d "$shared" ]; then have_shared=1; else
    have_shared=0
    echo "SKIP: $shared not found: seeds without the real device trees and firmware images"
fi

# seeds TARGET DIR: fills DIR with the target's seeds from files.
seeds() {
    local target="$1" dir="$2" base overlay
    case "$target" in
        fdt)
            cp "$dtbs"/*.dtb "$dtbs"/*.dtbo "$dir"/ 2>/dev/null || true
            if [ $have_shared = 1 ]; then
                find "$shared/dtb" -name '*.dtb' -print0 2>/dev/null | while IFS= read -r -d '' blob; do
                    cp "$blob" "$dir/$(echo "${blob#"$shared/dtb/"}" | tr / _)"
                done
            fi ;;
        overlay)
            # A base and an overlay, concatenated: the target splits at the base's totalsize.
            local bases=("$dtbs"/*.dtb)
            if [ $have_shared = 1 ]; then
                bases+=($(find "$shared/dtb" -name 'rk3588-rock-5b.dtb' 2>/dev/null | head -n 1))
            fi
            for base in "${bases[@]}"; do
                [ -f "$base" ] || continue
                for overlay in "$dtbs"/*.dtbo; do
                    [ -f "$overlay" ] || continue
                    cat "$base" "$overlay" > "$dir/$(basename "$base" .dtb)+$(basename "$overlay")"
                done
            done ;;
        firmware)
            if [ $have_shared = 1 ]; then
                for image in "$shared"/firmware/mali/*/mali_csffw.bin; do
                    [ -f "$image" ] && cp "$image" "$dir/$(basename "$(dirname "$image")")-mali_csffw.bin"
                done
            fi ;;
        abi)
            # The decoder reads a script line by line, so each line is a seed of its own (short
            # inputs run several times faster than whole files); two whole files keep the
            # multi-line inputs (line numbers in refusals) in the corpus.
            local script n line
            for script in Examples/abi/*.jsonl; do
                n=0
                while IFS= read -r line || [ -n "$line" ]; do
                    n=$((n + 1))
                    [ -n "$line" ] && printf '%s\n' "$line" > "$dir/$(basename "$script" .jsonl)-$n.jsonl"
                done < "$script"
            done
            ls Examples/abi/*.jsonl | head -n 2 | xargs -I{} cp {} "$dir"/ ;;
        scenario) cp Examples/scenarios/*.yaml "$dir"/ ;;
        optee) ;;
    esac
}

# Swift's own backtracer, run on a crash inside an ASan process, reads ASan's shadow memory and
# trips a second, misleading ASan report; libFuzzer's and ASan's reports say all that is needed.
export SWIFT_BACKTRACE=enable=no
# ASan records a stack for every allocation and free, and on these allocation-heavy targets that
# is a third of the run. A finding still stops the run and is kept; replaying its file
# (`FuzzTARGET Fuzz/.work/TARGET/crash-…`, without this setting) reports it with full stacks.
export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=0}"

failed=()
summary=()
for target in "${targets[@]}"; do
    exe="$bin/$(product "$target")"
    dir="$work/$target"
    rm -rf "$dir/seeds"
    mkdir -p "$dir/corpus" "$dir/seeds"
    seeds "$target" "$dir/seeds"
    case "$target" in firmware|optee)  # the targets that make seeds of their own
        PROTMEM_FUZZ_WRITE_SEEDS="$dir/seeds" "$exe" -runs=0 >/dev/null 2>&1 || { echo "fuzz $target: writing built-in seeds failed" >&2; exit 1; } ;;
    esac
    flags=(-max_total_time="$seconds" -print_final_stats=1 -timeout=20 -rss_limit_mb=2048
           -artifact_prefix="$dir/")
    [ -n "$runs" ] && flags+=(-runs="$runs")
    # A few lines exercise everything the line decoder does; longer inputs only run slower.
    if [ -n "$max_len" ]; then flags+=(-max_len="$max_len")
    elif [ "$target" = abi ]; then flags+=(-max_len=2048); fi
    log="$dir/last-run.log"
    echo "fuzz $target: $exe ${flags[*]} corpus/ seeds/ ($(ls "$dir/seeds" | wc -l) seeds)"
    status=0
    "$exe" "${flags[@]}" "$dir/corpus" "$dir/seeds" > "$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    line="fuzz $target: ${execs:-?} executions, ${rate:-?} exec/s, corpus $(ls "$dir/corpus" | wc -l)"
    if [ $status -ne 0 ]; then
        line+=", FAILED (status $status): $(ls "$dir" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | tr '\n' ' ')"
        failed+=("$target")
        grep -E -m 5 'ERROR|fuzz property|Fatal error|SUMMARY' "$log" >&2 || true
        echo "  full log: $log" >&2
    fi
    echo "$line"
    summary+=("$line")
done

printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failures in ${failed[*]}" >&2
    exit 1
fi
