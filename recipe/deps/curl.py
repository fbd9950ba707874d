"""curl: libcurl only, HTTP and HTTPS through OpenSSL, nothing else.

No LDAP, Kerberos/GSSAPI, SSH, RTMP, IDN, PSL, HTTP/2 or compression
libraries beyond zlib: each would pull another library into the wheel and
none is needed for S3/GCS/HTTPS. No CA bundle path is compiled in (one found
on the build machine would be wrong on users' machines); htslib sets it at
run time (patches/htslib/0002).
"""

DISABLED_PROTOCOLS = ("ldap", "ldaps", "rtsp", "dict", "telnet", "tftp", "pop3", "imap", "smb", "smtp",
                      "gopher", "mqtt", "ftp", "file", "ipfs", "websockets")
WITHOUT = ("libpsl", "libidn2", "brotli", "zstd", "nghttp2", "nghttp3", "ngtcp2", "libssh2", "libssh",
           "librtmp", "gssapi", "winidn", "ldap-lib", "lber-lib", "ca-bundle", "ca-path")


def build(b):
    p = b.prefix
    b.run("./configure", *b.toolchain.host_args, f"--prefix={p}", f"--libdir={p}/lib", "--disable-shared",
          "--enable-static", "--with-pic", f"--with-openssl={p}", f"--with-zlib={p}", "--with-ca-fallback",
          *(f"--disable-{x}" for x in DISABLED_PROTOCOLS), *(f"--without-{x}" for x in WITHOUT),
          "--disable-ntlm", "--disable-kerberos-auth", "--disable-negotiate-auth", "--disable-manual",
          "--disable-docs", "--disable-libcurl-option", "--enable-ipv6", "--enable-threaded-resolver",
          "--disable-ares", "--enable-cookies", "--enable-proxy", "--enable-http-auth", "--enable-aws",
          "--disable-openssl-auto-load-config",
          env={"CPPFLAGS": f"-I{p}/include", "LDFLAGS": f"-L{p}/lib", "LIBS": "-lpthread -ldl"})
    b.run("make", f"-j{b.jobs}", "-C", "lib")
    b.run("make", "-C", "lib", "install")
    b.run("make", "-C", "include", "install")
