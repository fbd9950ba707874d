#!/bin/sh
# container-packages.sh: cibuildwheel's before-all inside the manylinux/musllinux
# images. Installs requirements/container-dnf.txt or container-apk.txt, whichever
# package manager the image has; anything else stops the build.
set -eu
here=$(dirname "$0")/../requirements
list() { sed -e 's/#.*//' "$1" | tr -s ' \t' '\n' | sed -e '/^$/d'; }
if command -v dnf >/dev/null; then
    # shellcheck disable=SC2046
    dnf install -y -q $(list "$here/container-dnf.txt")
elif command -v apk >/dev/null; then
    # shellcheck disable=SC2046
    apk add --no-cache $(list "$here/container-apk.txt")
else
    echo "container-packages.sh: neither dnf nor apk here; install by hand: $(list "$here/container-dnf.txt" | tr '\n' ' ')" >&2
    exit 1
fi
