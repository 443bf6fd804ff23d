#!/usr/bin/env bash
# Runs every shipped ABI script (Examples/abi/*.jsonl) on real Linux kernels under qemu and
# compares each output with the model's, line by line:
#   1. fetches Debian's amd64 kernels with ../shared/tools/debian-fetch: 6.12 from the stable
#      suite (trixie) and the newest the backports suite carries (trixie-backports), each the
#      version its linux-image-amd64 names; the downloads are cached by debian-fetch;
#   2. installs qemu-system-x86 and busybox-static with apt-get when they are missing;
#   3. builds protmem (release, --static-swift-stdlib, in .build-static) unless PROTMEM_BINARY
#      names one (CI gives it the debug build `swift test` made: no second build), and packs an
#      initramfs: busybox, protmem stripped, every library ldd lists (glibc's; for a build
#      without the static Swift runtime, Swift's too), the scripts, and an /init that mounts
#      devtmpfs and runs
#      `protmem heaps --backend linux` and `protmem abi run --backend linux` on each script,
#      printing the outputs on the serial console between markers;
#   4. boots each kernel under qemu (TCG, or KERNEL_ABI_ACCEL) with a timeout, and
#      compares it with the same binary's model answering as that kernel's major.minor
#      (`protmem abi run --kernel 6.12|7.3 FILE` on the host; 6.12 for a version not modelled);
#   5. fails on any line whose output differs, unless Scripts/kernel-abi-differences.tsv lists
#      it: the kernel (a version prefix or *), the script, the kernel's exact output line (or *
#      for the whole script), and the reason.
# With KERNEL_ABI_TESTS naming the package's test bundle (.build/debug/ProtMemPackageTests.xctest),
# the VM also runs the ProtMemLinuxTests suite, whose buffer tests skip on machines without
# /dev/dma_heap or /dev/udmabuf: they must all pass there, none skipped.
# Prints each kernel's boot-and-run wall time and the total. Work files go to
# ${KERNEL_ABI_WORK:-.build-kernel-abi}. Options: --suite SUITE (repeatable; default trixie
# and trixie-backports), --keep-going (compare every kernel before failing).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$(date +%s)
work="${KERNEL_ABI_WORK:-$root/.build-kernel-abi}"
# debian-fetch lives in the workplace's shared tools beside the checkout; a clone of a local
# checkout (CI's clean clone, a scratch copy) finds it beside the checkout it was cloned from.
fetch="${DEBIAN_FETCH:-}"
if [ -z "$fetch" ]; then
  for candidate in "$root/../shared/tools/debian-fetch" \
      "$(git -C "$root" config --get remote.origin.url 2>/dev/null || true)/../shared/tools/debian-fetch" \
      "$(command -v debian-fetch || true)"; do
    case $candidate in /*) [ -x "$candidate" ] && { fetch=$candidate; break; } ;; esac
  done
  fetch="${fetch:-$root/../shared/tools/debian-fetch}"
fi
differences="$root/Scripts/kernel-abi-differences.tsv"
timeout_seconds="${KERNEL_ABI_TIMEOUT:-240}"
suites=()
keep_going=0
while [ $# -gt 0 ]; do
  case $1 in
    --suite) suites+=("$2"); shift 2 ;;
    --keep-going) keep_going=1; shift ;;
    *) echo "kernel-abi-check: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ ${#suites[@]} -gt 0 ] || suites=(trixie trixie-backports)
mkdir -p "$work"

say() { echo "kernel-abi-check: $*" >&2; }
die() { say "$*"; exit 1; }

# --- tools -------------------------------------------------------------------------------
need_apt=()
command -v qemu-system-x86_64 >/dev/null || need_apt+=(qemu-system-x86)
[ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' || need_apt+=(busybox-static)
command -v cpio >/dev/null || need_apt+=(cpio)
if [ ${#need_apt[@]} -gt 0 ]; then
  say "installing ${need_apt[*]}"
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >&2
fi
[ -x "$fetch" ] || die "needs debian-fetch: not at $fetch, beside the checkout this was cloned from, nor on PATH (set DEBIAN_FETCH to its path)"

# --- protmem, static Swift runtime --------------------------------------------------------
binary="${PROTMEM_BINARY:-}"
if [ -z "$binary" ]; then
  say "building protmem (release, --static-swift-stdlib)"
  swift build -c release --static-swift-stdlib --product protmem --scratch-path .build-static >&2
  binary="$root/.build-static/release/protmem"
fi
[ -x "$binary" ] || die "no protmem binary at $binary"

# --- the model's answers, from the same binary ---------------------------------------------
# Once per kernel version the model has (`protmem abi run --kernel`): each booted kernel is
# compared with the model answering as its major.minor, or as 6.12 for one not modelled.
for version in 6.12 7.3; do
  mkdir -p "$work/model-$version"
  for script in Examples/abi/*.jsonl; do
    name=$(basename "$script" .jsonl)
    "$binary" abi run --kernel "$version" "$script" > "$work/model-$version/$name.out" 2>"$work/model-$version/$name.err" || true
  done
done

# --- the initramfs ------------------------------------------------------------------------
initramfs="$work/initramfs.cpio"
tree="$work/initramfs"
rm -rf "$tree"; mkdir -p "$tree"/{bin,proc,sys,dev,tmp,abi}
cp /bin/busybox "$tree/bin/busybox"
for tool in sh mount echo cat basename uname poweroff ls; do ln -s busybox "$tree/bin/$tool"; done
cp "$binary" "$tree/bin/protmem"
strip "$tree/bin/protmem" 2>/dev/null || true
tests="${KERNEL_ABI_TESTS:-}"
if [ -n "$tests" ]; then
  [ -x "$tests" ] || die "no test bundle at $tests"
  cp "$tests" "$tree/bin/protmem-tests"
fi
{ ldd "$binary"; [ -z "$tests" ] || ldd "$tests"; } | awk '/=>/ { print $3 } /^[ \t]*\// { print $1 }' | while read -r library; do
  [ -e "$library" ] || continue
  mkdir -p "$tree$(dirname "$library")"
  cp -L "$library" "$tree$library"
done
cp Examples/abi/*.jsonl "$tree/abi/"
cat > "$tree/init" <<'EOF'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "=== kernel $(uname -r)"
echo "=== udmabuf size_limit_mb $(cat /sys/module/udmabuf/parameters/size_limit_mb 2>/dev/null || echo -)"
echo "=== begin heaps"
/bin/protmem heaps --backend linux
echo "=== end heaps rc=$?"
for script in /abi/*.jsonl; do
  name=$(basename "$script" .jsonl)
  echo "=== begin $name"
  /bin/protmem abi run --backend linux "$script"
  echo "=== end $name rc=$?"
done
if [ -x /bin/protmem-tests ]; then
  echo "=== begin tests"
  /bin/protmem-tests --testing-library swift-testing --filter ProtMemLinuxTests
  echo "=== end tests rc=$?"
fi
echo "=== done"
poweroff -f
EOF
chmod +x "$tree/init"
(cd "$tree" && find . | cpio -o -H newc --quiet) > "$initramfs"

# --- kernels ------------------------------------------------------------------------------
# The kernel image a suite's linux-image-amd64 names: its linux-image-<abi> package holds
# vmlinuz itself (6.12) or depends on a linux-binary-<abi> that does (newer backports).
kernel_of() {
  local suite=$1 dir="$work/kernel-$1" deb dep
  rm -rf "$dir"; mkdir -p "$dir"
  deb=$("$fetch" "$suite" linux-image-amd64 "$dir/meta" 2>>"$work/fetch.log")
  dep=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | grep -o 'linux-image-[0-9][^ ]*' | head -n1)
  [ -n "$dep" ] || die "$suite: linux-image-amd64 names no linux-image-<abi>"
  deb=$("$fetch" "$suite" "$dep" "$dir/image" 2>>"$work/fetch.log")
  local image
  image=$(find "$dir/image" -name 'vmlinuz*' -type f | head -n1)
  if [ -z "$image" ]; then
    dep=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | grep -o 'linux-binary-[0-9][^ ]*' | head -n1)
    [ -n "$dep" ] || die "$suite: $dep has no vmlinuz and names no linux-binary package"
    "$fetch" "$suite" "$dep" "$dir/image" >/dev/null 2>>"$work/fetch.log"
    image=$(find "$dir/image" -name 'vmlinuz*' -type f | head -n1)
  fi
  [ -n "$image" ] || die "$suite: no vmlinuz in $dep"
  echo "$image"
}

# TCG by default: it is all CI has, and a nested /dev/kvm may exist without working.
accel="${KERNEL_ABI_ACCEL:-tcg}"

# --- compare ------------------------------------------------------------------------------
# allowed KERNEL SCRIPT LINE: whether the differences file lets the kernel answer LINE.
allowed() {
  local kernel=$1 script=$2 line=$3
  awk -F '\t' -v kernel="$kernel" -v script="$script" -v line="$line" '
    /^#/ || NF < 4 { next }
    ($1 == "*" || index(kernel, $1) == 1) && $2 == script && ($3 == "*" || $3 == line) { found = 1 }
    END { exit found ? 0 : 1 }' "$differences"
}

failed=0
for suite in "${suites[@]}"; do
  image=$(kernel_of "$suite")
  console="$work/console-$suite.txt"
  boot_start=$(date +%s)
  say "$suite: booting $(basename "$(dirname "$image")")/$(basename "$image") ($accel)"
  timeout --foreground "$timeout_seconds" qemu-system-x86_64 -machine q35,accel=$accel -cpu max -m 1024 -smp 1 \
    -nographic -no-reboot -monitor none -nic none -serial stdio -kernel "$image" -initrd "$initramfs" \
    -append "console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init" < /dev/null > "$console" 2>&1 || true
  boot_end=$(date +%s)
  # The firmware's screen resets and the tty's carriage returns go; each marker starts a line.
  tr -d '\r' < "$console" | sed -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1bc//g' -e 's/^.*\(=== \)/\1/' > "$console.clean"
  kernel=$(sed -n 's/^=== kernel //p' "$console.clean" | head -n1)
  say "$suite: kernel ${kernel:-?}, boot and runs took $((boot_end - boot_start)) s; $(grep -o 'udmabuf size_limit_mb .*' "$console.clean" | head -n1)"
  if ! grep -q '^=== done' "$console.clean"; then
    say "$suite: the run did not finish within ${timeout_seconds} s; console:"; tail -n 40 "$console.clean" >&2
    failed=1; [ $keep_going = 1 ] && continue || break
  fi
  sed -n '/^=== begin heaps/,/^=== end heaps/p' "$console.clean" >&2
  if [ -n "$tests" ]; then
    sed -n '/^=== begin tests/,/^=== end tests/p' "$console.clean" | sed -e 's/\x1b\[[0-9;]*m//g' > "$work/$suite-tests.txt"
    if grep -q '^=== end tests rc=0$' "$work/$suite-tests.txt" && ! grep -q 'skipped' "$work/$suite-tests.txt"; then
      say "$suite: ProtMemLinuxTests: $(grep -o 'Test run with .*' "$work/$suite-tests.txt"), none skipped"
    else
      say "$suite: ProtMemLinuxTests failed or skipped tests:"; grep -E 'skipped|✘|recorded an issue|end tests' "$work/$suite-tests.txt" >&2 || true
      failed=1
    fi
  fi
  version=$(printf '%s' "$kernel" | sed -E -n 's/^([0-9]+\.[0-9]+).*/\1/p')
  case $version in
    6.12|7.3) ;;
    *) say "$suite: the model has no kernel ${version:-?}: comparing with its 6.12 answers"; version=6.12 ;;
  esac
  model="$work/model-$version"
  for script in Examples/abi/*.jsonl; do
    name=$(basename "$script" .jsonl)
    sed -n "/^=== begin $name\$/,/^=== end $name rc=/p" "$console.clean" | sed '1d;$d' | grep '^{' > "$work/$suite-$name.out" || true
    if allowed "$kernel" "$name.jsonl" '*'; then
      say "$suite: $name.jsonl: skipped, as the differences file lists"
      continue
    fi
    bad=0
    if [ "$(wc -l < "$work/$suite-$name.out")" != "$(wc -l < "$model/$name.out")" ]; then
      say "$suite: $name.jsonl: $(wc -l < "$work/$suite-$name.out") results from the kernel, $(wc -l < "$model/$name.out") from the model (as $version)"
      bad=1
    fi
    listed=0
    while IFS=$'\t' read -r model_line kernel_line; do
      [ "$model_line" = "$kernel_line" ] && continue
      if allowed "$kernel" "$name.jsonl" "$kernel_line"; then listed=$((listed + 1)); continue; fi
      say "$suite: $name.jsonl differs:"; say "  model:  $model_line"; say "  kernel: $kernel_line"
      bad=1
    done < <(paste "$model/$name.out" "$work/$suite-$name.out")
    if [ $bad = 0 ]; then
      say "$suite: $name.jsonl: $(wc -l < "$work/$suite-$name.out") results, same as the model's (as $version), $listed of them listed differences"
    else
      failed=1
    fi
  done
  [ $failed = 1 ] && [ $keep_going = 0 ] && break
done
say "wall time $(( $(date +%s) - started )) s"
exit $failed
