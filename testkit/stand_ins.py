"""Local stand-ins for the AWS services the credential providers call, which
cannot run here: the container credentials endpoint (ECS, AWS Batch, EKS Pod
Identity), EC2 instance metadata (IMDSv2), STS AssumeRoleWithWebIdentity (with
signature checks on, moto answers that unsigned call with a 500) and the IAM
Identity Center (SSO) portal. Each answers on 127.0.0.1 exactly what botocore
reads from the real service, and hands out keys that the local S3 server
(moto) accepts; each records the requests it saw.

Standard library only.
"""

from __future__ import annotations

import datetime
import json
import secrets
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

from testkit.credentials import Creds

# The keys a stand-in hands out: called for every request, so a test can rotate them.
KeySource = Callable[[], Creds]


def expiration(minutes: float) -> datetime.datetime:
    return (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)).replace(
        microsecond=0)


def iso(when: datetime.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class StandIn:
    """An HTTP server on 127.0.0.1 whose handler is `answer(method, path, headers, body)`
    -> (status, content type, body[, {header: value}]): a Date among the headers
    replaces the server's own; stop() or a with block ends it."""

    name = "stand-in"

    def __init__(self, keys: KeySource | None = None, lifetime_minutes: float = 60):
        self.keys = keys
        self.lifetime_minutes = lifetime_minutes
        self.requests: list[tuple[str, str]] = []  # (method, path)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name=self.name)
        self._thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=2)

    def answer(self, method: str, path: str, headers, body: bytes) -> tuple:
        raise NotImplementedError


def _handler(stand_in: StandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _handle(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            stand_in.requests.append((self.command, self.path))
            status, content_type, payload, *more = stand_in.answer(self.command, self.path, self.headers, body)
            extra = more[0] if more else {}
            if "Date" in extra:
                self.send_response_only(status)  # send_response() would add this machine's Date
            else:
                self.send_response(status)
            for name, value in [("Content-Type", content_type), *extra.items(),
                                ("Content-Length", str(len(payload)))]:
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_HEAD = do_PUT = do_POST = _handle

    return Handler


def _json(status: int, data) -> tuple[int, str, bytes]:
    return status, "application/json", json.dumps(data).encode()


class ContainerCredentials(StandIn):
    """What AWS_CONTAINER_CREDENTIALS_FULL_URI points at (ECS, AWS Batch, EKS Pod
    Identity): GET with the Authorization header botocore takes from
    AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE) -> the keys as JSON."""

    name = "container-credentials"

    def __init__(self, keys: KeySource, lifetime_minutes: float = 60):
        self.authorization = secrets.token_urlsafe(24)
        super().__init__(keys, lifetime_minutes)

    def answer(self, method, path, headers, body):
        if headers.get("Authorization") != self.authorization:
            return _json(401, {"message": "wrong authorization token"})
        creds = self.keys()
        return _json(200, {"AccessKeyId": creds.key_id, "SecretAccessKey": creds.secret,
                           "Token": creds.token or "", "Expiration": iso(expiration(self.lifetime_minutes))})


class InstanceMetadata(StandIn):
    """EC2 instance metadata with IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT): a
    session token from PUT /latest/api/token, required on every GET."""

    name = "instance-metadata"
    role = "pysam-s3-instance-role"

    def __init__(self, keys: KeySource, lifetime_minutes: float = 60):
        self.tokens: set[str] = set()
        super().__init__(keys, lifetime_minutes)

    def answer(self, method, path, headers, body):
        if method == "PUT" and path == "/latest/api/token":
            if not headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return 400, "text/plain", b"missing TTL"
            token = secrets.token_urlsafe(16)
            self.tokens.add(token)
            return 200, "text/plain", token.encode()
        if headers.get("X-aws-ec2-metadata-token") not in self.tokens:
            return 401, "text/plain", b"IMDSv2 token missing or unknown"
        base = "/latest/meta-data/iam/security-credentials/"
        if path == base:
            return 200, "text/plain", self.role.encode()
        if path == base + self.role:
            creds = self.keys()
            return _json(200, {"Code": "Success", "Type": "AWS-HMAC", "AccessKeyId": creds.key_id,
                               "SecretAccessKey": creds.secret, "Token": creds.token or "",
                               "Expiration": iso(expiration(self.lifetime_minutes)),
                               "LastUpdated": iso(expiration(0))})
        return 404, "text/plain", b"not found"


class WebIdentitySts(StandIn):
    """STS for AssumeRoleWithWebIdentity (AWS_ENDPOINT_URL_STS): the web identity
    token must be the one the test wrote to AWS_WEB_IDENTITY_TOKEN_FILE."""

    name = "sts-web-identity"

    def __init__(self, keys: KeySource, web_identity_token: str, lifetime_minutes: float = 60):
        self.web_identity_token = web_identity_token
        self.role_arns: list[str] = []
        super().__init__(keys, lifetime_minutes)

    def answer(self, method, path, headers, body):
        form = {**urllib.parse.parse_qs(urllib.parse.urlsplit(path).query),
                **urllib.parse.parse_qs(body.decode())}
        if form.get("Action") != ["AssumeRoleWithWebIdentity"]:
            return 400, "text/xml", b"<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>"
        if form.get("WebIdentityToken") != [self.web_identity_token]:
            return 400, "text/xml", (b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code>"
                                     b"<Message>unknown web identity token</Message></Error></ErrorResponse>")
        self.role_arns += form.get("RoleArn", [])
        creds = self.keys()
        xml = (f'<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
               f"<AssumeRoleWithWebIdentityResult><Credentials>"
               f"<AccessKeyId>{creds.key_id}</AccessKeyId><SecretAccessKey>{creds.secret}</SecretAccessKey>"
               f"<SessionToken>{creds.token or ''}</SessionToken>"
               f"<Expiration>{iso(expiration(self.lifetime_minutes))}</Expiration></Credentials>"
               f"<SubjectFromWebIdentityToken>system:serviceaccount:lab:reader</SubjectFromWebIdentityToken>"
               f"</AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>")
        return 200, "text/xml", xml.encode()


class SsoPortal(StandIn):
    """The IAM Identity Center portal (AWS_ENDPOINT_URL_SSO): GetRoleCredentials
    with the access token the CLI's `aws sso login` left in ~/.aws/sso/cache."""

    name = "sso-portal"

    def __init__(self, keys: KeySource, access_token: str, lifetime_minutes: float = 60):
        self.access_token = access_token
        super().__init__(keys, lifetime_minutes)

    def answer(self, method, path, headers, body):
        url = urllib.parse.urlsplit(path)
        if url.path != "/federation/credentials":
            return _json(404, {"message": "not found"})
        if headers.get("x-amz-sso_bearer_token") != self.access_token:
            return _json(401, {"message": "Session token not found or invalid"})
        creds = self.keys()
        ms = int(expiration(self.lifetime_minutes).timestamp() * 1000)
        return _json(200, {"roleCredentials": {"accessKeyId": creds.key_id, "secretAccessKey": creds.secret,
                                               "sessionToken": creds.token or "", "expiration": ms}})
