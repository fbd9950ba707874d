#!/bin/sh
# apt-install.sh LIST...: install the Debian/Ubuntu packages named in LIST files
# that are not installed yet. Does nothing when all are present, so a machine
# without root but with everything installed works too.
set -eu
wanted=$(cat "$@" | sed -e 's/#.*//' | tr -s ' \t' '\n' | sed -e '/^$/d')
missing=""
for pkg in $wanted; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0
echo "==> installing Debian packages:$missing"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
command -v apt-get >/dev/null || { echo "error: apt-get not found; install by hand:$missing" >&2; exit 1; }
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
