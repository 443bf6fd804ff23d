#!/usr/bin/env bash
# Runs the test suite under a sanitizer, in a scratch folder of its own:
#
#   Scripts/sanitize.sh address [FILTER...]   # AddressSanitizer (and LeakSanitizer), .build-asan
#   Scripts/sanitize.sh thread  [FILTER...]   # ThreadSanitizer, .build-tsan
#
# Each FILTER is passed to `swift test --filter` (a regular expression over test names);
# without one the whole suite runs. Builds with `swift build --build-tests --sanitize=KIND`,
# then runs `swift test --skip-build` with the same flags.
#
# ThreadSanitizer builds add -DPROTMEM_TSAN_LOCKS, which makes every module's `Mutex` the
# pthread-backed PThreadMutex (Sources/ProtMemMemory/PThreadMutex.swift): TSan cannot see
# Synchronization.Mutex's contended path (a raw futex) and would report every access it guards.
# Before the suite, this script checks that every module using `Mutex` has its
# Mutex+ThreadSanitizer.swift; after it, that TSan still catches a real race (the probe in
# Tests/ProtMemMemoryTests/ThreadSanitizerProbeTests.swift must be reported) and stays quiet
# on a contended PThreadMutex. Any report fails the run (TSan's exit status 66).
set -euo pipefail
cd "$(dirname "$0")/.."

kind="${1:-}"
shift || true
case "$kind" in
    address)
        scratch=.build-asan; extra=()
        # Reports in the toolchain's and XCTest's own code, each with its reason
        # (Scripts/asan-suppressions.txt, Scripts/lsan-suppressions.txt).
        #
        # LeakSanitizer is on (PROTMEM_LSAN=0 turns it off while chasing a memory error): a
        # reference cycle that keeps a board alive, or a dma-buf nothing put, fails the run.
        export ASAN_OPTIONS="suppressions=$PWD/Scripts/asan-suppressions.txt:detect_leaks=${PROTMEM_LSAN:-1}"
        export LSAN_OPTIONS="suppressions=$PWD/Scripts/lsan-suppressions.txt:print_suppressions=0"
        # Swift's backtracer, run on a crash in an ASan process, reads ASan's shadow memory
        # and adds a misleading second report; ASan's own report says what is needed.
        export SWIFT_BACKTRACE=enable=no ;;
    thread) scratch=.build-tsan; extra=(-Xswiftc -DPROTMEM_TSAN_LOCKS) ;;
    *) echo "usage: Scripts/sanitize.sh address|thread [FILTER...]" >&2; exit 2 ;;
esac
flags=(--sanitize="$kind" --scratch-path "$scratch" "${extra[@]}")

if [ "$kind" = thread ]; then
    missing=0
    for dir in Sources/* Tests/*; do
        [ -d "$dir" ] || continue
        if grep -rlq --include='*.swift' -E '\bMutex(<|\()' "$dir" && [ ! -f "$dir/Mutex+ThreadSanitizer.swift" ]; then
            echo "sanitize: $dir uses Mutex but has no Mutex+ThreadSanitizer.swift (copy one from Sources/ProtMemHeaps)" >&2
            missing=1
        fi
    done
    [ $missing = 0 ] || exit 1
fi

filters=()
for filter in "$@"; do filters+=(--filter "$filter"); done

echo "sanitize $kind: swift build --build-tests ${flags[*]}"
swift build --build-tests "${flags[@]}"
# halt_on_error=0 (the default) lets the run go on and list every report; the exit status
# is then 66 (TSan) or 1 (ASan) if there was any.
echo "sanitize $kind: swift test --skip-build ${flags[*]} ${filters[*]}"
swift test --skip-build "${flags[@]}" "${filters[@]}"

if [ "$kind" = thread ]; then
    probe_log="$scratch/tsan-probe.log"
    if PROTMEM_TSAN_PROBE=1 swift test --skip-build "${flags[@]}" --filter 'ThreadSanitizerProbeTests.*realRace' > "$probe_log" 2>&1; then
        echo "sanitize thread: the deliberate race in ThreadSanitizerProbeTests.realRace was NOT reported: TSan is not working" >&2
        exit 1
    fi
    grep -q 'WARNING: ThreadSanitizer:' "$probe_log" || {
        echo "sanitize thread: the race probe failed without a TSan report (see $probe_log)" >&2
        exit 1
    }
    echo "sanitize thread: the deliberate race was reported, as it must be"
    PROTMEM_TSAN_PROBE=1 swift test --skip-build "${flags[@]}" --filter 'ThreadSanitizerProbeTests.*contendedMutex' > "$probe_log" 2>&1 || {
        echo "sanitize thread: a contended PThreadMutex was reported (see $probe_log)" >&2
        exit 1
    }
    echo "sanitize thread: a contended Mutex (PThreadMutex) is clean"
fi
