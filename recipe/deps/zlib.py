"""zlib: ./configure --static, just the archive."""


def build(b):
    b.run("./configure", "--static", f"--prefix={b.prefix}")
    b.run("make", f"-j{b.jobs}", "libz.a")
    b.run("make", "install")
