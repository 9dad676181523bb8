#!/usr/bin/env bash
# build.sh: the lab's wrk = Debian's wrk source (pinned) + Debian's patches + wrk/patches/series.
#   wrk/build.sh               build wrk/build/bin/wrk unless the stamp says it is current (then silent, exit 0)
#   wrk/build.sh --patch-hash  print the hash of (pinned version + patch set + this script)
# Env: WRK_DEB_VERSION (default 4.1.0-3, the bookworm source). On failure: one line on stderr, exit 2.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VERSION=${WRK_DEB_VERSION:-4.1.0-3}
BUILD=$HERE/build
BIN=$BUILD/bin/wrk
STAMP=$BUILD/stamp
PATCHES=$HERE/patches
REL=${BIN#"$(dirname "$HERE")/"} # wrk/build/bin/wrk

die() { # die <what failed> <fix>
  echo "wrk/build.sh: $1 — $2" >&2
  exit 2
}

series() { grep -vE '^[[:space:]]*(#|$)' "$PATCHES/series"; }

patch_hash() {
  [ -f "$PATCHES/series" ] || die "no $PATCHES/series" "restore wrk/patches/ from git"
  local p
  {
    printf 'version %s\n' "$VERSION"
    printf 'series\n'; cat "$PATCHES/series"
    for p in $(series); do
      [ -f "$PATCHES/$p" ] || die "patch $p listed in wrk/patches/series is missing" "restore it or drop it from the series"
      printf 'patch %s\n' "$p"; cat "$PATCHES/$p"
    done
    printf 'build.sh\n'; cat "${BASH_SOURCE[0]}"
  } | sha256sum | cut -c1-12
}

if [ "${1:-}" = "--patch-hash" ]; then patch_hash; exit 0; fi
[ $# -eq 0 ] || die "unknown argument $1" "run wrk/build.sh or wrk/build.sh --patch-hash"

HASH=$(patch_hash)
# Fast path: nothing to do.
if [ -x "$BIN" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$HASH" ]; then exit 0; fi

mkdir -p "$BUILD/bin" || die "cannot create $BUILD" "check permissions on wrk/"
exec 8>"$BUILD/.lock"
flock 8 || die "cannot lock $BUILD/.lock" "check permissions on wrk/build/"
# Another build.sh may have finished while we waited.
if [ -x "$BIN" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$HASH" ]; then exit 0; fi

LOG=$BUILD/build.log
: >"$LOG"
run() { # run <what failed> <fix> cmd...: output to the log, one line on failure
  local what=$1 fix=$2; shift 2
  "$@" >>"$LOG" 2>&1 || die "$what (log: wrk/build/build.log)" "$fix"
}

# --- build dependencies (apt, only the missing ones) -----------------------------------------------
DEPS=(build-essential dpkg-dev libluajit-5.1-dev libssl-dev luajit pkg-config)
missing=()
for d in "${DEPS[@]}"; do
  dpkg-query -W -f='${Status}' "$d" 2>/dev/null | grep -q "install ok installed" || missing+=("$d")
done
if [ ${#missing[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || die "build dependencies missing: ${missing[*]}" "sudo apt-get install -y ${missing[*]}"
  run "apt-get install ${missing[*]} failed" "run apt-get update, then apt-get install -y ${missing[*]}" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

# --- source: a private apt configuration (the machine's apt setup is left alone) --------------------
# NOTE: the mirror is the one the machine uses (deb822 URIs: or a sources.list deb line), deb-src only.
APT=$BUILD/apt
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial"
mirror=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v security | head -1 || true)
[ -n "$mirror" ] || mirror=$(grep -hsE '^deb[[:space:]]+http' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
  awk '{print $2}' | grep -v security | head -1 || true)
mirror=${mirror:-http://deb.debian.org/debian}
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
echo "deb-src $mirror $codename main" >"$APT/sources.list"
APTOPTS=(-o "Dir::Etc::SourceList=$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache")

SRC=$BUILD/src
mkdir -p "$SRC"
DSC=$SRC/wrk_$VERSION.dsc
if [ ! -f "$DSC" ]; then
  # NOTE: apt checks the .dsc against the Sources index, whose hash the signed InRelease vouches for.
  run "apt-get update of Debian's source index ($mirror $codename) failed" \
    "check network access to $mirror, or that /etc/apt trusts Debian's archive key" \
    apt-get "${APTOPTS[@]}" update
  if ! apt-cache "${APTOPTS[@]}" showsrc wrk 2>/dev/null | grep -qx "Version: $VERSION"; then
    have=$(apt-cache "${APTOPTS[@]}" showsrc wrk 2>/dev/null | sed -n 's/^Version: //p' | paste -sd, -)
    die "wrk source $VERSION not found in Debian's sources ($codename)" \
      "set WRK_DEB_VERSION to one listed there (${have:-none}) or unset it"
  fi
  run "apt-get source wrk=$VERSION failed" "check network access to $mirror" \
    bash -c 'cd "$1" && shift && apt-get "$@" source --download-only "wrk=$0"' "$VERSION" "$SRC" "${APTOPTS[@]}"
  [ -f "$DSC" ] || die "apt-get source did not leave $DSC" "delete wrk/build/src and rerun"
fi

# --- unpack (dpkg-source verifies the .dsc checksums and applies Debian's patches), then ours --------
TMP=$(mktemp -d "$BUILD/tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
# NOTE: without debian-keyring dpkg-source cannot check the .dsc's OpenPGP signature (a warning); the file
#       checksums it does check, and the .dsc itself came through apt's signed index.
run "dpkg-source -x $DSC failed (checksum mismatch or broken download)" "delete wrk/build/src and rerun" \
  dpkg-source -x "$DSC" "$TMP/wrk"
for p in $(series); do
  run "patch $p does not apply to wrk $VERSION" "refresh wrk/patches/$p against Debian's $VERSION source" \
    patch -d "$TMP/wrk" -p1 --forward --batch --no-backup-if-mismatch -i "$PATCHES/$p"
done

# --- build with Debian's flags ------------------------------------------------------------------------
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
CFLAGS=$(dpkg-buildflags --get CFLAGS) CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS) LDFLAGS=$(dpkg-buildflags --get LDFLAGS)
export CFLAGS CPPFLAGS LDFLAGS
run "make failed" "see wrk/build/build.log; check that every patch in wrk/patches/series is current" \
  make -C "$TMP/wrk" -j2 WITH_LUAJIT=/usr WITH_OPENSSL=/usr VER="4.1.0-lab (debian/$VERSION, patches $HASH)"
run "the new wrk does not run or is not the lab build" "see wrk/build/build.log" \
  bash -c '"$0" -v | grep -q "4.1.0-lab"' "$TMP/wrk/wrk"

# --- install atomically: never a half-built binary at wrk/build/bin/wrk ---------------------------------
cp "$TMP/wrk/wrk" "$BUILD/bin/.wrk.$$" || die "cannot write $BUILD/bin" "check free space and permissions"
mv -f "$BUILD/bin/.wrk.$$" "$BIN" || die "cannot install $BIN" "check permissions on wrk/build/bin"
echo "$HASH" >"$STAMP.tmp" && mv -f "$STAMP.tmp" "$STAMP"
echo "wrk: built $REL (patches $HASH)"
