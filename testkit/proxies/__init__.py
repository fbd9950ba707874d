"""Proxies and network faults on loopback, run as threads of the test (or
benchmark) process, one module per job:

    s3.py       S3Proxy (forwards, records, shapes, injects faults) and Shaping
    faults.py   the faults a rule gives: S3 errors, Reset, CutShort, Stall,
                CorruptBody; first_attempts()
    tls.py      TlsProxy: TLS in front of an http server
    sockets.py  closed_port(), BlackHole, FullBacklog
"""
