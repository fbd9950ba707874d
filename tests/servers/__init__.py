"""The local servers and proxies, in one place for the tests and the benchmark:

    processes.py  how a server process is started, watched and killed (Server)
    s3.py         the S3 servers on 127.0.0.1: moto, s3rver, Ceph's RADOS Gateway
    proxies.py    S3Proxy (forwards, records, injects S3 errors), BlackHole,
                  TlsProxy, closed_port()
    files.py      FileServer: static files, optionally behind Basic auth (a
                  package index or a Debian mirror for the recipe tests)
    s3rver/       the node package s3rver, pinned by its package-lock.json
"""
