#!/bin/sh
# Installs the Debian packages the build and the tests need, only when
# one is missing, so "make" stays quick on a machine that has them.
set -e

PKGS="nginx nginx-dev libjansson-dev libsodium-dev liblmdb-dev gcc make perl openssl wrk"
PKGS="$PKGS $*"

missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" \
        || missing="$missing $p"
done

[ -z "$missing" ] && exit 0

echo "installing:$missing"
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
