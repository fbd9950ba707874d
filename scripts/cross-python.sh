#!/bin/sh
# cross-python.sh ARCH VERSION: Debian's CPython VERSION for ARCH, unpacked into
# build/cross/ARCH/ (its interpreter only: the standard library comes from
# libpythonVERSION-stdlib:<arch>, requirements/apt-ARCH.txt), and qemu
# registered with the kernel (binfmt_misc), so that it, the venvs made from it
# and every program they start run like native ones. Needs root for binfmt_misc.
set -eu
arch=$1 version=$2
case $arch in
    aarch64) deb=arm64 ;;
    *) echo "cross-python.sh: no cross interpreter for $arch (known: aarch64)" >&2; exit 2 ;;
esac
dest=build/cross/$arch
want=$(dpkg-query -W -f='${Version}' "libpython$version-stdlib:$deb" 2>/dev/null) || {
    echo "cross-python.sh: libpython$version-stdlib:$deb is not installed (requirements/apt-$arch.txt)" >&2; exit 1; }
if [ "$(cat "$dest/.python$version" 2>/dev/null)" != "$want" ]; then
    echo "==> unpacking Debian's python$version $want for $arch into $dest"
    rm -rf "$dest"
    mkdir -p "$dest/debs"
    # the interpreter of the same version as the installed standard library
    (cd "$dest/debs" && apt-get download -q "python$version-minimal:$deb=$want")
    dpkg-deb -x "$dest/debs/python$version-minimal_"*"_$deb.deb" "$dest"
    echo "$want" > "$dest/.python$version"
fi
binfmt=/proc/sys/fs/binfmt_misc
if [ ! -e "$binfmt/qemu-$arch" ]; then
    echo "==> registering qemu-$arch with the kernel (binfmt_misc)"
    [ -e "$binfmt/register" ] || mount -t binfmt_misc binfmt_misc "$binfmt"
    cat "/usr/lib/binfmt.d/qemu-$arch.conf" > "$binfmt/register"
fi
"$dest/usr/bin/python$version" -c "import platform, sys; assert platform.machine() == '$arch', platform.machine()"
