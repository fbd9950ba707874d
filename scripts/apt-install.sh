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
# pkg:arch names another machine's package (multiarch): dpkg must know that architecture
for arch in $(printf '%s\n' $missing | sed -n 's/.*:\(.*\)/\1/p' | sort -u); do
    if ! { dpkg --print-architecture; dpkg --print-foreign-architectures; } | grep -qx "$arch"; then
        echo "==> adding the $arch architecture to dpkg (multiarch)"
        $SUDO dpkg --add-architecture "$arch"
    fi
done
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
