"""bzip2: a plain Makefile; build libbz2.a and install it with its header."""

import shutil


def build(b):
    env = b.env()
    b.run("make", f"-j{b.jobs}", "libbz2.a", f"CC={env['CC']}", f"AR={env['AR']}", f"RANLIB={env['RANLIB']}",
          f"CFLAGS={env['CFLAGS']} -Wall -Winline -D_FILE_OFFSET_BITS=64")
    (b.prefix / "include").mkdir(parents=True, exist_ok=True)
    shutil.copy2(b.work / "libbz2.a", b.prefix / "lib" / "libbz2.a")
    shutil.copy2(b.work / "bzlib.h", b.prefix / "include" / "bzlib.h")
