"""xz: liblzma only (no tools, scripts, docs or translations)."""


def build(b):
    b.run("./configure", *b.toolchain.host_args, f"--prefix={b.prefix}", f"--libdir={b.prefix}/lib",
          "--disable-shared", "--enable-static", "--with-pic", "--disable-xz", "--disable-xzdec", "--disable-lzmadec",
          "--disable-lzmainfo", "--disable-lzma-links", "--disable-scripts", "--disable-doc",
          "--disable-nls", "--disable-rpath")
    b.run("make", f"-j{b.jobs}", "-C", "src/liblzma")
    b.run("make", "-C", "src/liblzma", "install")
