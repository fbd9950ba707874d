"""The test kit: what the tests (tests/), the benchmark (bench/) and the
downstream corpus (downstream/) share, importing none of them:

    isolation.py    environments where only loopback answers (isolated_env)
    processes.py    server processes and commands run to a deadline
    credentials.py  key pairs, AWS/s3cfg files, redaction of secrets in output
    s3servers.py    the S3 servers on 127.0.0.1: moto, s3rver, Ceph's RADOS Gateway
    s3rver/         the node package s3rver, pinned by its package-lock.json
    stand_ins.py    stand-ins for AWS services that cannot run here: instance
                    metadata, container credentials, STS web identity, SSO
    proxies/        S3Proxy (forwards, records, shapes, injects faults), TlsProxy,
                    misbehaving sockets
    files.py        FileServer: static files, optionally behind Basic auth (a
                    package index or a Debian mirror for the recipe tests)
    certificates.py a throwaway CA and server certificates (the TLS tests)
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the project's checkout
