#!/usr/bin/env bash
# get.sh: Debian's HAProxy 2.6 binary for the lab, unpacked into haproxy/build/ (no service, no system change).
#   haproxy/get.sh   fetch + unpack unless haproxy/build/bin/haproxy already runs (then silent, exit 0)
# Env: HAPROXY_DEB_VERSION (default: apt's candidate). On failure: one line on stderr, exit 2.
# NOTE: why not `apt-get install haproxy`: its postinst starts the service (invoke-rc.d → /etc/init.d/haproxy
#       here, PID 1 is not systemd) and enables it at boot, adds a user, /etc/haproxy, an rsyslog rule and
#       /run/haproxy; the lab wants the binary only, owned by the lab (started with -db, stopped by the lab). So
#       the .debs are fetched with `apt-get download` (no dpkg database change, no maintainer script) and unpacked
#       with `dpkg -x` into haproxy/build/root; the three libraries bookworm's haproxy links that this machine
#       lacks (Lua 5.3, OpenTracing) come the same way, found through LD_LIBRARY_PATH by a wrapper. The machine
#       keeps no trace: no package, no service, no user, nothing under /etc or /run. rm -rf haproxy/build undoes it.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=$HERE/build
ROOTFS=$BUILD/root
BIN=$BUILD/bin/haproxy
LIBS=(liblua5.3-0 libopentracing-c-wrapper0 libopentracing1)
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)

die() { # die <what failed> <fix>
  echo "haproxy/get.sh: $1 — $2" >&2
  exit 2
}

# NOTE: grep reads to the end (no -q): with pipefail, a grep -q that quits at its first match can SIGPIPE the writer
# and fail the pipeline (haproxy -v prints several lines: 2 of 30 checks failed so, and a fresh clone's make deps).
runs() { "$BIN" -v 2>/dev/null | grep '^HAProxy version 2\.' >/dev/null; }

# Fast path: nothing to do.
if [ -x "$BIN" ] && runs; then exit 0; fi

mkdir -p "$BUILD/bin" || die "cannot create $BUILD" "check permissions on haproxy/"
exec 8>"$BUILD/.lock"
flock 8 || die "cannot lock $BUILD/.lock" "check permissions on haproxy/build/"
if [ -x "$BIN" ] && runs; then exit 0; fi

LOG=$BUILD/get.log
: >"$LOG"
run() { # run <what failed> <fix> cmd...: output to the log, one line on failure
  local what=$1 fix=$2; shift 2
  "$@" >>"$LOG" 2>&1 || die "$what (log: haproxy/build/get.log)" "$fix"
}

# --- a private apt state (lists, cache): the machine's apt setup and its lists are left alone ------------------
# NOTE: the mirrors are the machine's Debian ones (deb822 URIs:, else a sources.list line), binary only.
APT=$BUILD/apt
mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial"
uris=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' || true)
mirror=$(grep -v security <<<"$uris" | head -1 || true)
security=$(grep security <<<"$uris" | head -1 || true)
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")
key=/usr/share/keyrings/debian-archive-keyring.gpg
opt=""
[ -f "$key" ] && opt="[signed-by=$key] "
{
  echo "deb $opt${mirror:-http://deb.debian.org/debian} $codename main"
  echo "deb $opt${mirror:-http://deb.debian.org/debian} $codename-updates main"
  echo "deb $opt${security:-http://deb.debian.org/debian-security} $codename-security main"
} >"$APT/sources.list"
APTOPTS=(-o "Dir::Etc::SourceList=$APT/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$APT/lists" -o "Dir::Cache=$APT/cache" -o APT::Sandbox::User=root)
run "apt-get update of Debian's package index ($codename) failed" \
  "check network access to ${mirror:-deb.debian.org}, or that apt trusts Debian's archive key" \
  apt-get "${APTOPTS[@]}" update

# --- download (apt checks each .deb against the signed index) and unpack --------------------------------------
want=haproxy
[ -n "${HAPROXY_DEB_VERSION:-}" ] && want="haproxy=$HAPROXY_DEB_VERSION"
pkgs=("$want")
for l in "${LIBS[@]}"; do
  dpkg-query -W -f='${Status}' "$l" 2>/dev/null | grep "install ok installed" >/dev/null || pkgs+=("$l")
done
TMP=$(mktemp -d "$BUILD/tmp.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
run "apt-get download ${pkgs[*]} failed" "check HAPROXY_DEB_VERSION and network access; see the log" \
  bash -c 'cd "$0" && apt-get "$@"' "$TMP" "${APTOPTS[@]}" download "${pkgs[@]}"
mkdir -p "$TMP/root"
for d in "$TMP"/*.deb; do
  run "dpkg -x $(basename "$d") failed" "delete haproxy/build and rerun" dpkg -x "$d" "$TMP/root"
done
# NOTE: the service's files (init script, unit, defaults, rsyslog and logrotate rules) are dropped: never used.
rm -rf "$TMP/root/etc" "$TMP/root/lib/systemd" "$TMP/root/usr/lib/tmpfiles.d"
rm -rf "$ROOTFS" && mv "$TMP/root" "$ROOTFS"

# --- the wrapper: exec keeps the pid haproxy's own (the lab signals it, reads /proc/<pid>) ----------------------
cat >"$BIN.tmp" <<WRAP
#!/bin/sh
# haproxy/get.sh's wrapper: Debian's haproxy with the libraries unpacked beside it.
r=\$(dirname "\$(readlink -f "\$0")")/../root
LD_LIBRARY_PATH="\$r/usr/lib/$MULTIARCH\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "\$r/usr/sbin/haproxy" "\$@"
WRAP
chmod +x "$BIN.tmp" && mv -f "$BIN.tmp" "$BIN"
missing=$(LD_LIBRARY_PATH="$ROOTFS/usr/lib/$MULTIARCH" ldd "$ROOTFS/usr/sbin/haproxy" | grep 'not found' || true)
[ -z "$missing" ] || die "haproxy still lacks libraries: $(echo "$missing" | awk '{print $1}' | paste -sd' ')" \
  "add their packages to LIBS in haproxy/get.sh"
runs || die "the unpacked haproxy does not run" "see $BIN -vv"
echo "haproxy: $("$BIN" -v | head -1 | awk '{print $3}') unpacked into haproxy/build/ (Debian's package, no service)"
