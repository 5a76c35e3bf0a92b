#!/usr/bin/env bash
# Build SRS from a source tree for podsim's real-SRS mode (SRS_K8S_REAL_SRS, see
# test/cluster/README.md "Real SRS builds") and `npm run test:real-srs`:
#
#   scripts/build-srs.sh SRC_DIR OUT_DIR
#
# SRC_DIR is an SRS source tree (the repository's root or its trunk/, e.g. a checkout of the
# public ossrs/srs at 4.0release or 6.0release). Its trunk/ is copied to OUT_DIR, which must not
# exist yet, and built there, so OUT_DIR is the build folder podsim wants (objs/srs, conf/,
# etc/init.d/srs) and SRC_DIR is never written. Nothing of SRS belongs in this repository.
#
# Configure options by major version (WebRTC and SRT are off: the tests use RTMP only):
#   4     --rtc=off --srt=off                  SRS's bundled OpenSSL 1.1: with the system's
#                                               OpenSSL 3 its RTMP complex handshake fails
#                                               (players get "Cannot read RTMP handshake response")
#   5, 6  --use-sys-ssl --rtc=off --srt=off --ffmpeg-fit=off   (Debian: libssl-dev)
# Measured on 2 busy cores: SRS 4 about 2-4 minutes (it builds OpenSSL), SRS 6 about 1-2.
set -euo pipefail

die() { printf 'build-srs: error: %s\n' "$1" >&2; [[ -n "${2:-}" ]] && printf 'hint: %s\n' "$2" >&2; exit "${3:-1}"; }
usage="usage: scripts/build-srs.sh SRC_DIR OUT_DIR"

[[ $# -eq 2 ]] || die "expected 2 arguments, got $#" "$usage" 2
src=$1 out=$2
[[ -d "$src" ]] || die "SRC_DIR '$src' is not a folder" "$usage" 2
if [[ -x "$src/trunk/configure" ]]; then src="$src/trunk"; fi
[[ -x "$src/configure" && -d "$src/src/core" ]] || die "SRC_DIR '$1' holds no SRS source tree (no trunk/configure)" "get it with: git clone -b 6.0release https://github.com/ossrs/srs" 2
[[ ! -e "$out" ]] || die "OUT_DIR '$out' exists already" "give a new folder, or remove that one" 2

# the highest srs_core_versionN.hpp is the tree's major version
major=$(find "$src/src/core" -maxdepth 1 -name 'srs_core_version[0-9]*.hpp' | sed 's/.*srs_core_version\([0-9]*\)\.hpp/\1/' | sort -n | tail -n1)
[[ -n "$major" ]] || die "cannot tell the SRS version of '$src' (no src/core/srs_core_versionN.hpp)"
case "$major" in
  3|4) opts=(--rtc=off --srt=off) ;;
  *)
    opts=(--use-sys-ssl --rtc=off --srt=off --ffmpeg-fit=off)
    [[ -f /usr/include/openssl/ssl.h ]] || die "SRS $major builds against the system OpenSSL, whose headers are missing" "apt-get install -y libssl-dev"
    ;;
esac
for tool in gcc g++ make patch unzip perl automake; do
  command -v "$tool" >/dev/null || die "$tool is needed to build SRS" "apt-get install -y build-essential patch unzip perl automake"
done

mkdir -p "$(dirname "$out")"
# built where it stays: SRS's objs/ keeps paths of its own tree. A failed build leaves nothing.
tmp=$out
trap 'rm -rf "$tmp"' EXIT
cp -a "$src" "$tmp"
t0=$SECONDS
printf 'build-srs: SRS %s: ./configure %s in %s\n' "$major" "${opts[*]}" "$out" >&2
(cd "$tmp" && ./configure "${opts[@]}" >"$tmp/build.log" 2>&1 && make -j"$(nproc)" >>"$tmp/build.log" 2>&1) ||
  die "the SRS build failed; the last lines of its log:
$(tail -n 20 "$tmp/build.log")"
[[ -x "$tmp/objs/srs" ]] || die "the build finished without objs/srs"
version=$("$tmp/objs/srs" -v 2>&1 | tail -n1)
trap - EXIT
printf 'build-srs: SRS %s built in %ss: %s/objs/srs\n' "$version" "$((SECONDS - t0))" "$out" >&2
