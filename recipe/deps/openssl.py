"""OpenSSL: libcrypto and libssl only, as small as curl's TLS and htslib's
HMAC/SHA-256 allow (TLS 1.2 and 1.3 kept).

--openssldir points at a folder that never exists, and no-autoload-config
(with curl's --disable-openssl-auto-load-config) means no openssl.cnf is ever
read: a host's or a conda/FIPS openssl.cnf cannot break the bundled copy.
Certificates are found by htslib (patches/htslib/0002), not by OPENSSLDIR.
"""

TARGETS = {"x86_64": "linux-x86_64", "aarch64": "linux-aarch64"}
DISABLED = (
    "shared", "module", "engine", "dso", "apps", "tests", "docs", "legacy", "ui-console", "quic",
    "srp", "cms", "cmp", "ts", "ct", "comp", "ssl3", "dtls", "sctp", "ml-dsa", "slh-dsa", "sm2", "sm3",
    "sm4", "idea", "seed", "aria", "camellia", "whirlpool", "md4", "mdc2", "rmd160", "bf", "cast", "rc2",
    "rc4", "des", "siphash", "scrypt", "argon2", "padlockeng", "afalgeng", "capieng", "gost",
    "autoload-config",
)


def build(b):
    env = b.env()
    b.run("perl", "./Configure", TARGETS[b.toolchain.target.arch], f"--prefix={b.prefix}", "--libdir=lib",
          "--openssldir=/nonexistent/pysam-s3-openssl", *(f"no-{d}" for d in DISABLED),
          f"CC={env['CC']}", f"AR={env['AR']}", f"RANLIB={env['RANLIB']}", f"CFLAGS={env['CFLAGS']}")
    b.run("make", f"-j{b.jobs}", "build_libs")
    b.run("make", "install_dev")
