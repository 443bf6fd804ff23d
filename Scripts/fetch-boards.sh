#!/usr/bin/env bash
# Fetches real board blobs and the Mali CSF firmware from Debian's packages into OUT (the first
# argument, Boards/real by default; git-ignored), with their licences beside them:
#   OUT/rockchip, freescale, mediatek/*.dtb   from linux-image-<abi>-arm64 (Linux 6.12, the
#                                             boards ../shared/data/README.md lists)
#   OUT/linux-image.copyright, OUT/GPL-2      the kernel package's copyright file and the GPL-2
#                                             text it refers to (from base-files)
#   OUT/firmware/mali/<arch>/mali_csffw.bin   every image in firmware-misc-nonfree
#   OUT/firmware/mali/LICENCE.mali_csffw      Arm's licence, as the package's copyright states it,
#                                             and that whole file (firmware-misc-nonfree.copyright)
#   OUT/README.md, OUT/SHA256SUMS             where each file came from (package, version, the
#                                             .deb's SHA-256) and every file's SHA-256
#
# Each .deb is found in the suite's Packages index, which is checked against the signed
# InRelease (gpgv and /usr/share/keyrings/debian-archive-keyring.gpg, when present); the .deb
# must match the index's SHA-256 and, for a pinned version, the pinned one too. A pinned
# version the index no longer has gives way to the suite's current one, with a warning. Runs
# again do nothing while OUT's files match SHA256SUMS; remove OUT to fetch again. Downloads
# are kept in ${PROTMEM_CACHE:-${XDG_CACHE_HOME:-~/.cache}/protmem}/debs and reused.
#
# Overrides (environment): PROTMEM_DEBIAN_MIRROR (https://deb.debian.org/debian),
# PROTMEM_DEBIAN_SUITE (trixie), PROTMEM_KERNEL_PACKAGE and PROTMEM_KERNEL_VERSION,
# PROTMEM_FIRMWARE_VERSION, PROTMEM_CACHE. Needs curl or wget, sha256sum, xz or gzip, tar,
# and dpkg-deb or ar.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-Boards/real}"

mirror="${PROTMEM_DEBIAN_MIRROR:-https://deb.debian.org/debian}"
mirror="${mirror%/}"
suite="${PROTMEM_DEBIAN_SUITE:-trixie}"
cache="${PROTMEM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/protmem}"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

# Known-good versions (Debian 13 "trixie", the copies ../shared/data holds) and their .debs' SHA-256.
kernel_package="${PROTMEM_KERNEL_PACKAGE:-linux-image-6.12.117+deb13-arm64}"
kernel_version="${PROTMEM_KERNEL_VERSION:-6.12.117-1}"
kernel_sha256=73805585385c78e048e63fdfba66da36bab724c2cdebd96a3055a8a4f1ae287a
firmware_package=firmware-misc-nonfree
firmware_version="${PROTMEM_FIRMWARE_VERSION:-20250410-2}"
firmware_sha256=351924ccf5fe3ec5c3e68ae1b283baf6b1674cedca07b0ebf0014c74faba43df
licences_package=base-files
licences_version=13.8+deb13u8
licences_sha256=893616b7ce203a05a0528652f7d754cc5e3de7e8eff3b396f95383a5b8b1c668

# The boards ../shared/data/README.md lists (what the tests read), by vendor folder.
boards=(
    rockchip/rk3588-evb1-v10.dtb rockchip/rk3588-nanopc-t6.dtb rockchip/rk3588-orangepi-5-plus.dtb
    rockchip/rk3588-rock-5b.dtb rockchip/rk3588s-orangepi-5.dtb rockchip/rk3588s-rock-5a.dtb
    freescale/imx95-19x19-evk.dtb
    mediatek/mt8186-evb.dtb mediatek/mt8188-evb.dtb mediatek/mt8192-asurada-hayato-r1.dtb
    mediatek/mt8192-asurada-spherion-r0.dtb mediatek/mt8195-cherry-tomato-r2.dtb mediatek/mt8195-demo.dtb
    mediatek/mt8195-evb.dtb mediatek/mt8390-genio-700-evk.dtb mediatek/mt8395-genio-1200-evk.dtb
)

say() { echo "fetch-boards: $*" >&2; }
die() { say "$*"; exit 1; }

if [ -f "$out/SHA256SUMS" ] && (cd "$out" && sha256sum --quiet --strict -c SHA256SUMS >/dev/null 2>&1); then
    echo "$out: already fetched ($(wc -l < "$out/SHA256SUMS") files match SHA256SUMS; remove $out to fetch again)"
    exit 0
fi
[ ! -e "$out" ] || die "$out exists but does not match its SHA256SUMS; remove it and run again"

for tool in sha256sum tar; do command -v "$tool" >/dev/null || die "needs $tool"; done
if command -v curl >/dev/null; then
    download() { curl -fsSL --retry 3 -o "$2" "$1"; }
elif command -v wget >/dev/null; then
    download() { wget -q -O "$2" "$1"; }
else
    die "needs curl or wget"
fi
if command -v xz >/dev/null; then
    index_ext=xz
    unpack() { xz -dc; }
else
    index_ext=gz
    unpack() { gzip -dc; }
fi
command -v dpkg-deb >/dev/null || command -v ar >/dev/null || die "needs dpkg-deb (dpkg) or ar (binutils)"

work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-boards.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache/debs"

# --- the suite's signed release file and its Packages indexes ------------------------------
# Read only when a .deb is not already cached with its pinned SHA-256.
release="$work/Release"
signature="not read"
release_file() {
    [ ! -f "$release" ] || return 0
    download "$mirror/dists/$suite/InRelease" "$work/InRelease" || die "cannot download $mirror/dists/$suite/InRelease"
    if command -v gpgv >/dev/null && [ -r "$keyring" ]; then
        gpgv --keyring "$keyring" --output "$release" "$work/InRelease" 2>"$work/gpgv.log" \
            || { cat "$work/gpgv.log" >&2; die "$suite's InRelease: bad signature"; }
        signature="InRelease checked by gpgv against debian-archive-keyring"
    else
        say "warning: gpgv or $keyring missing; the index is not checked against Debian's signature (pinned versions still are)"
        cp "$work/InRelease" "$release"
        signature="InRelease signature not checked"
    fi
}

# index COMPONENT ARCH: the path of that Packages index, downloaded and checked against the release file.
index() {
    local name="$1/binary-$2/Packages.$index_ext" file="$work/Packages.$1.$2"
    if [ ! -f "$file" ]; then
        release_file
        local want
        want=$(awk -v name="$name" '/^SHA256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && $3 == name { print $1 }' "$release")
        [ -n "$want" ] || die "$suite's release file lists no $name"
        download "$mirror/dists/$suite/$name" "$file.$index_ext" || die "cannot download $name"
        [ "$(sha256sum < "$file.$index_ext" | cut -d' ' -f1)" = "$want" ] || die "$name: SHA-256 differs from the release file's"
        unpack < "$file.$index_ext" > "$file"
    fi
    echo "$file"
}

# stanza INDEX PACKAGE [VERSION]: "version filename sha256 depends" of the package (the newest
# listed when no version is given), or nothing.
stanza() {
    awk -v RS= -v FS='\n' -v pkg="$2" -v ver="${3:-}" '
        { p = v = f = s = d = ""
          for (i = 1; i <= NF; i++) {
              if ($i ~ /^Package: /) p = substr($i, 10)
              else if ($i ~ /^Version: /) v = substr($i, 10)
              else if ($i ~ /^Filename: /) f = substr($i, 11)
              else if ($i ~ /^SHA256: /) s = substr($i, 9)
              else if ($i ~ /^Depends: /) d = substr($i, 10)
          }
          if (p == pkg && (ver == "" || v == ver)) { print v "\t" f "\t" s "\t" d; exit }
        }' "$1"
}

# fetch COMPONENT ARCH PACKAGE VERSION PINNED_SHA256 FALLBACK: sets deb (the checked .deb's
# path), got_package, got_version, got_sha256 and got_check (what its SHA-256 was checked against). FALLBACK is a function that prints
# "package version" for the suite's current release, used when the index lacks the pinned
# VERSION (none: the version was chosen with an override, and must be there).
fetch() {
    local component="$1" arch="$2" package="$3" version="$4" pinned="$5" fallback="$6" idx entry
    local cached="$cache/debs/${package}_${version//:/%3a}_$arch.deb"
    if [ -n "$pinned" ] && [ -f "$cached" ] && [ "$(sha256sum < "$cached" | cut -d' ' -f1)" = "$pinned" ]; then
        got_package=$package got_version=$version got_sha256=$pinned got_check="pinned (cached .deb)"
        say "$package $version: cached"
        deb=$cached
        return
    fi
    release_file  # here, not in index's subshell, so that $signature is kept
    idx=$(index "$component" "$arch")
    entry=$(stanza "$idx" "$package" "$version")
    if [ -z "$entry" ]; then
        [ -n "$fallback" ] || die "$package $version is not in $suite's $component index"
        local current
        current=$("$fallback" "$idx") || true
        [ -n "$current" ] || die "$package $version is not in $suite's $component index, nor a current release to use instead"
        say "warning: $package $version is no longer in $suite; using $current (the blobs may differ from ../shared/data's)"
        package=${current% *} version=${current#* } pinned=""
        entry=$(stanza "$idx" "$package" "$version")
        [ -n "$entry" ] || die "$package $version is not in $suite's $component index"
        cached="$cache/debs/${package}_${version//:/%3a}_$arch.deb"
    fi
    local filename sha256
    filename=$(cut -f2 <<<"$entry") sha256=$(cut -f3 <<<"$entry")
    [ -z "$pinned" ] || [ "$sha256" = "$pinned" ] || die "$package $version: the index's SHA-256 $sha256 is not the pinned $pinned"
    if [ ! -f "$cached" ] || [ "$(sha256sum < "$cached" | cut -d' ' -f1)" != "$sha256" ]; then
        say "downloading $mirror/$filename"
        download "$mirror/$filename" "$cached.part" || die "cannot download $mirror/$filename"
        [ "$(sha256sum < "$cached.part" | cut -d' ' -f1)" = "$sha256" ] || { rm -f "$cached.part"; die "$filename: SHA-256 differs from the index's"; }
        mv "$cached.part" "$cached"
    fi
    got_package=$package got_version=$version got_sha256=$sha256
    got_check="index, $signature"; [ -z "$pinned" ] || got_check="pinned and index, $signature"
    deb=$cached
}

# The kernel the suite's linux-image-arm64 metapackage depends on, and the suite's firmware and base-files.
current_kernel() {
    stanza "$1" linux-image-arm64 | cut -f4 | tr ',' '\n' | sed -n 's/^ *\(linux-image-[^ ]*\) (= \([^)]*\)).*/\1 \2/p' | head -n1
}
current_firmware() { local v; v=$(stanza "$1" "$firmware_package" | cut -f1); [ -z "$v" ] || echo "$firmware_package $v"; }
current_licences() { local v; v=$(stanza "$1" "$licences_package" | cut -f1); [ -z "$v" ] || echo "$licences_package $v"; }

# extract DEB DIR MEMBER...: the members (tar patterns) of the package's data into DIR.
extract() {
    local deb="$1" dir="$2"
    shift 2
    mkdir -p "$dir"
    if command -v dpkg-deb >/dev/null; then
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir" --wildcards "$@"
    else
        local member decompress
        member=$(ar t "$deb" | grep '^data\.tar')
        case $member in
            *.xz) decompress="xz -dc" ;;
            *.zst) decompress="zstd -dc" ;;
            *.gz) decompress="gzip -dc" ;;
            *) decompress=cat ;;
        esac
        ar p "$deb" "$member" | $decompress | tar -x -C "$dir" --wildcards "$@"
    fi
}

stage="$work/out"
mkdir -p "$stage"
provenance=()

# --- device tree blobs ------------------------------------------------------------------------
if [ -n "${PROTMEM_KERNEL_PACKAGE:-}${PROTMEM_KERNEL_VERSION:-}" ]; then
    fetch main arm64 "$kernel_package" "$kernel_version" "" ""
else
    fetch main arm64 "$kernel_package" "$kernel_version" "$kernel_sha256" current_kernel
fi
say "extracting ${#boards[@]} blobs from $got_package"
members=(); for board in "${boards[@]}"; do members+=("./usr/lib/linux-image-*/$board"); done
extract "$deb" "$work/kernel" "${members[@]}" "./usr/share/doc/$got_package/copyright" 2>"$work/tar.log" || true
missing=()
for board in "${boards[@]}"; do
    [ -f "$work"/kernel/usr/lib/linux-image-*/"$board" ] || missing+=("$board")
done
[ ${#missing[@]} -eq 0 ] || { cat "$work/tar.log" >&2; die "$got_package $got_version lacks ${missing[*]} (name another package or version with PROTMEM_KERNEL_PACKAGE and PROTMEM_KERNEL_VERSION)"; }
for board in "${boards[@]}"; do
    mkdir -p "$stage/$(dirname "$board")"
    cp "$work"/kernel/usr/lib/linux-image-*/"$board" "$stage/$board"
done
cp "$work/kernel/usr/share/doc/$got_package/copyright" "$stage/linux-image.copyright"
provenance+=("| \`$got_package\` | $got_version | \`$got_sha256\` | $got_check | ${#boards[@]} dtbs (\`rockchip/\`, \`freescale/\`, \`mediatek/\`), \`linux-image.copyright\` |")

# --- the GPL-2 text the kernel's copyright file refers to -------------------------------------
fetch main arm64 "$licences_package" "$licences_version" "$licences_sha256" current_licences
extract "$deb" "$work/base" ./usr/share/common-licenses/GPL-2
cp "$work/base/usr/share/common-licenses/GPL-2" "$stage/GPL-2"
provenance+=("| \`$got_package\` | $got_version | \`$got_sha256\` | $got_check | \`GPL-2\` (\`/usr/share/common-licenses/GPL-2\`) |")

# --- Mali CSF firmware ------------------------------------------------------------------------
if [ -n "${PROTMEM_FIRMWARE_VERSION:-}" ]; then
    fetch non-free-firmware all "$firmware_package" "$firmware_version" "" ""
else
    fetch non-free-firmware all "$firmware_package" "$firmware_version" "$firmware_sha256" current_firmware
fi
extract "$deb" "$work/firmware" './usr/lib/firmware/arm/mali/*' "./usr/share/doc/$got_package/copyright"
images=()
for image in "$work"/firmware/usr/lib/firmware/arm/mali/*/mali_csffw.bin; do
    # A symbolic link to another architecture's image (newer packages have them) becomes a copy.
    [ -e "$image" ] || continue
    arch=$(basename "$(dirname "$image")")
    mkdir -p "$stage/firmware/mali/$arch"
    cp -L "$image" "$stage/firmware/mali/$arch/mali_csffw.bin"
    images+=("$arch")
done
[ ${#images[@]} -gt 0 ] || die "$got_package $got_version holds no arm/mali/*/mali_csffw.bin"
[ -f "$stage/firmware/mali/arch10.8/mali_csffw.bin" ] || say "warning: no arch10.8 (Mali-G610) image; protmem simulate will use its synthetic one"
copyright="$work/firmware/usr/share/doc/$got_package/copyright"
cp "$copyright" "$stage/firmware/mali/firmware-misc-nonfree.copyright"
# Arm's licence is the copyright file's stand-alone "License: binary-redist-Arm-CSF" paragraph
# (deb822: one leading space per line, " ." for an empty line).
# The Files paragraph naming the images gives the copyright line put first.
awk -v RS= '/(^|\n)Files:[^\n]*arm\/mali\// && match($0, /\nCopyright: [^\n]*/) { print substr($0, RSTART + 1, RLENGTH - 1) "\n"; exit }' \
    "$copyright" > "$stage/firmware/mali/LICENCE.mali_csffw"
awk 'on && !/^ / { exit } on { sub(/^ /, ""); if ($0 == ".") $0 = ""; print } /^License: binary-redist-Arm-CSF$/ && prev == "" { on = 1 } { prev = $0 }' \
    "$copyright" >> "$stage/firmware/mali/LICENCE.mali_csffw"
grep -q "END USER LICENCE AGREEMENT" "$stage/firmware/mali/LICENCE.mali_csffw" || die "$got_package's copyright file has no binary-redist-Arm-CSF licence"
provenance+=("| \`$got_package\` | $got_version | \`$got_sha256\` | $got_check | \`firmware/mali/\`: ${images[*]}, \`LICENCE.mali_csffw\`, \`firmware-misc-nonfree.copyright\` |")

# --- provenance -------------------------------------------------------------------------------
cat > "$stage/README.md" <<EOF
# Real board blobs and firmware (fetched, not part of the repository)

Written by \`Scripts/fetch-boards.sh\` from Debian's $suite packages at $mirror. Each .deb's
SHA-256 was checked against the one pinned in the script and/or the suite's Packages index.

| package | version | .deb SHA-256 | checked against | what was taken |
| --- | --- | --- | --- | --- |
$(printf '%s\n' "${provenance[@]}")

Licences: the device tree blobs are built by Linux from \`arch/arm64/boot/dts\`; the kernel is
GPL-2.0 (\`linux-image.copyright\`, Debian's statement, and \`GPL-2\`), and the board files
carry their own SPDX lines in the kernel tree (mostly \`GPL-2.0+ OR MIT\`). The Mali firmware
is redistributed under Arm's licence, \`firmware/mali/LICENCE.mali_csffw\` (the package's
\`binary-redist-Arm-CSF\`; its whole copyright file is beside it), which must stay with it.

\`SHA256SUMS\` lists every file here; \`sha256sum -c SHA256SUMS\` checks them.
EOF
(cd "$stage" && find . -type f ! -name SHA256SUMS | sed 's|^\./||' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)

mkdir -p "$(dirname "$out")"
rm -rf "$out.tmp.$$"
mv "$stage" "$out.tmp.$$"
mv "$out.tmp.$$" "$out"
echo "fetched $(wc -l < "$out/SHA256SUMS") files into $out (see $out/README.md)"
