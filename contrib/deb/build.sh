#!/bin/sh
# Builds a Debian package of wiredesk with dpkg-deb (no debhelper needed):
#   contrib/deb/build.sh VERSION ARCH BINARY OUTDIR
# VERSION is the Makefile's (v1.2.0-3-gabc123 or v0.0.0-N-gHASH); it becomes
# a Debian version (1.2.0+3.gabc123). `make deb` calls this script.
set -eu
version=$1 arch=$2 bin=$3 out=$4
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

debver=$(printf '%s\n' "$version" | sed -E 's/^v//; s/-dirty$/+dirty/; s/-([0-9]+)-g([0-9a-f]+)/+\1.g\2/')
case $debver in
  [0-9]*) ;;
  *) echo "build.sh: version $version does not give a Debian version ($debver)" >&2; exit 1 ;;
esac

root=$(mktemp -d)
chmod 0755 "$root" # mktemp makes it 0700, and it becomes / in the package
trap 'rm -rf "$root"' EXIT
install -D -m 0755 "$bin" "$root/usr/bin/wiredesk"
# The unit of contrib/ with the packaged binary's path. Its DynamicUser=yes
# uses the static "wiredesk" user that postinst creates (systemd takes a
# static user of the unit's name when one exists), so files it writes keep
# one owner across restarts and for the cron job.
install -d "$root/lib/systemd/system"
sed 's#/usr/local/bin/wiredesk#/usr/bin/wiredesk#g' "$top/contrib/wiredesk.service" >"$root/lib/systemd/system/wiredesk.service"
chmod 0644 "$root/lib/systemd/system/wiredesk.service"
install -D -m 0640 "$top/config.example.toml" "$root/etc/wiredesk/wiredesk.toml"
install -D -m 0644 "$top/README.md" "$root/usr/share/doc/wiredesk/README.md"
install -D -m 0644 "$top/config.example.toml" "$root/usr/share/doc/wiredesk/config.example.toml"

install -d "$root/DEBIAN"
install -m 0755 "$here/postinst" "$root/DEBIAN/postinst"
echo /etc/wiredesk/wiredesk.toml >"$root/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<CONTROL
Package: wiredesk
Version: $debver
Architecture: $arch
Maintainer: wiredesk developers <wiredesk@localhost>
Installed-Size: $size
Depends: passwd
Section: net
Priority: optional
Homepage: https://github.com/wiredesk/wiredesk
Description: news-wire desk: polls wire feeds, republishes curated feeds
 wiredesk polls RSS, Atom and JSON feeds of news wires, keeps them in one
 bbolt file, groups reports of one event into stories and republishes
 curated RSS, Atom and JSON feeds that credit every wire. It runs as a
 daemon (wiredesk serve, systemd unit wiredesk.service, not enabled on
 install) or from cron (wiredesk once).
CONTROL

mkdir -p "$out"
deb="$out/wiredesk_${debver}_${arch}.deb"
dpkg-deb --build --root-owner-group "$root" "$deb" >/dev/null
echo "$deb"
