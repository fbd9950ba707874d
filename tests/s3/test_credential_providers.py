"""Every credential provider of the AWS default chain: with botocore installed,
`import pysam` registers botocore's chain with htslib, so pysam gets the keys
exactly where boto3 gets them. For each provider the test first shows boto3
reading and writing under the same environment and files, then pysam reading
the same records and writing the same object, naming the same source.

The services the providers call run as local stand-ins (testkit/stand_ins.py:
container credentials, IMDSv2, STS web identity, the SSO portal) handing out
keys the S3 server accepts; assume-role goes to moto's STS.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import sys
from pathlib import Path

import pytest

from testkit import stand_ins
from testkit.credentials import Creds, aws_credentials
from tests.s3 import probe
from tests.s3.checks import BAM, REGION, assert_read_bam, read_bam
from tests.s3.reference import BOTO3_PUT, boto3_get, config, credentials, sha256
from tests.s3.runner import probe_call, run

pytestmark = pytest.mark.timeout(120)

# pysam reads, and reports which source htslib got its keys from (pysam_s3.credentials.source)
READ_AND_NAME = """
import pysam, pysam_s3.credentials
from tests.s3 import probe
result = {{"records": probe.read("alignments", {url!r}, {regions!r}), "source": pysam_s3.credentials.source(),
          "registered": pysam_s3.credentials.installed()}}
"""


def read_both(ep, env: dict, dataset, method: str, source: str) -> None:
    """boto3 reads the object with botocore's *method*; pysam reads the same
    records as a local read, with keys from the same provider. Then boto3 writes
    an object under the same configuration, and so does pysam, whose object must
    equal the same write done locally."""
    got = boto3_get(ep, BAM, env)
    assert got.ok, f"boto3 cannot read it under this configuration either: {got}"
    assert (got.result["sha256"], got.result["method"]) == (sha256(dataset / "reads.bam"), method)
    outcome = run(READ_AND_NAME.format(url=ep.url(BAM), regions=REGION), env)
    assert outcome.ok, str(outcome)
    assert (outcome.result["registered"], outcome.result["source"]) == (True, source)
    assert outcome.result["records"] == probe.read("alignments", str(dataset / "reads.bam"), REGION)

    key = ep.scratch("written.bam")
    put = run(BOTO3_PUT.format(bucket=ep.bucket, key=ep.key(key + ".boto3"), path=str(dataset / "other.bam")), env)
    assert put.ok and put.result == (dataset / "other.bam").stat().st_size, f"boto3 cannot write: {put}"
    wrote = run(probe_call("copy", "alignments", str(dataset / "other.bam"), [ep.url(key), "local.bam"], "wb"),
                env, timeout=60)
    assert wrote.ok, str(wrote)
    assert ep.get(key) == (Path.cwd() / "local.bam").read_bytes()


def s3_endpoint(ep) -> dict:
    """S3 goes to the local server; everything else (STS, SSO) where the test says."""
    return {"AWS_ENDPOINT_URL_S3": ep.endpoint_url, "AWS_EC2_METADATA_DISABLED": "true"}


# --- container credentials: ECS, AWS Batch, EKS Pod Identity ----------------------------

@pytest.mark.parametrize("token", ["variable", "file"])
def test_container_credentials(signing_endpoint, isolated, dataset, token):
    """AWS_CONTAINER_CREDENTIALS_FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN
    (ECS) or _TOKEN_FILE (EKS Pod Identity). (The RELATIVE_URI form calls
    169.254.170.2, which is not reachable here; botocore treats both alike.)"""
    ep = signing_endpoint
    with stand_ins.ContainerCredentials(lambda: ep.creds) as service:
        env = {**s3_endpoint(ep), "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{service.url}/v2/credentials/pysam"}
        if token == "variable":
            env["AWS_CONTAINER_AUTHORIZATION_TOKEN"] = service.authorization
        else:
            (isolated / "token").write_text(service.authorization)
            env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = str(isolated / "token")
        read_both(ep, env, dataset, "container-role",
                  "container credentials (ECS, AWS Batch, EKS Pod Identity) (botocore, the default profile)")


def test_instance_metadata_imdsv2(signing_endpoint, dataset):
    ep = signing_endpoint
    with stand_ins.InstanceMetadata(lambda: ep.creds) as service:
        env = {"AWS_ENDPOINT_URL_S3": ep.endpoint_url, "AWS_EC2_METADATA_SERVICE_ENDPOINT": service.url + "/"}
        read_both(ep, env, dataset, "iam-role", "the EC2 instance's role (instance metadata) (botocore, "
                                                "the default profile)")
        assert ("PUT", "/latest/api/token") in service.requests  # IMDSv2: a session token first


CREDENTIAL_PROCESS = """import json
print(json.dumps({{"Version": 1, "AccessKeyId": {key!r}, "SecretAccessKey": {secret!r}}}))
"""


def test_credential_process(signing_endpoint, home, isolated, dataset):
    ep = signing_endpoint
    script = isolated / "creds.py"
    script.write_text(CREDENTIAL_PROCESS.format(key=ep.creds.key_id, secret=ep.creds.secret))
    config(home, {"profile lab": {"credential_process": f"{sys.executable} {script}"}})
    read_both(ep, {**s3_endpoint(ep), "AWS_PROFILE": "lab"}, dataset, "custom-process",
              "the profile's credential_process (botocore, the default profile)")


# --- STS: assume-role, web identity -----------------------------------------------------

def test_assume_role_with_a_source_profile(moto, home, dataset):
    """[profile lab] role_arn + source_profile: botocore calls moto's STS
    AssumeRole (signed, checked) with the source profile's keys."""
    config(home, {"profile lab": {"role_arn": moto.server.role_arn, "source_profile": "base", "region": "us-east-1"},
                  "profile base": {}})
    credentials(home, {"base": aws_credentials(moto.creds)})
    env = {"AWS_ENDPOINT_URL": moto.endpoint_url, "AWS_PROFILE": "lab", "AWS_EC2_METADATA_DISABLED": "true"}
    read_both(moto, env, dataset, "assume-role",
              "STS AssumeRole for the profile's role_arn (botocore, the default profile)")


@pytest.mark.parametrize("where", ["environment", "profile"])
def test_web_identity(moto, home, isolated, dataset, where):
    """EKS IAM roles for service accounts: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
    (or the profile's web_identity_token_file + role_arn); STS is a stand-in that
    checks the token and hands out moto's temporary keys."""
    token = "eyJhbGciOiJSUzI1NiJ9.pysam-s3-test-service-account-token"
    (isolated / "token").write_text(token)
    with stand_ins.WebIdentitySts(moto.server.assume_role, token) as sts:
        env = {**s3_endpoint(moto), "AWS_ENDPOINT_URL_STS": sts.url}
        if where == "environment":
            env |= {"AWS_WEB_IDENTITY_TOKEN_FILE": str(isolated / "token"), "AWS_ROLE_ARN": moto.server.role_arn}
        else:
            config(home, {"default": {"web_identity_token_file": str(isolated / "token"),
                                      "role_arn": moto.server.role_arn}})
        read_both(moto, env, dataset, "assume-role-with-web-identity",
                  "STS AssumeRoleWithWebIdentity (a web identity token) (botocore, the default profile)")
        assert set(sts.role_arns) == {moto.server.role_arn}


def sso_token_cache(home, session: str, access_token: str) -> None:
    """What `aws sso login --sso-session NAME` leaves behind."""
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    name = hashlib.sha1(session.encode()).hexdigest() + ".json"
    (cache / name).write_text(json.dumps({
        "startUrl": "https://lab.awsapps.com/start", "region": "eu-west-1", "accessToken": access_token,
        "expiresAt": stand_ins.iso(stand_ins.expiration(60))}))


def test_sso(moto, home, dataset):
    access_token = "aoa-pysam-s3-test-access-token"
    sso_token_cache(home, "lab", access_token)
    config(home, {"profile lab": {"sso_session": "lab", "sso_account_id": "123456789012",
                                  "sso_role_name": "reader"},
                  "sso-session lab": {"sso_start_url": "https://lab.awsapps.com/start", "sso_region": "eu-west-1",
                                      "sso_registration_scopes": "sso:account:access"}})
    with stand_ins.SsoPortal(moto.server.assume_role, access_token) as portal:
        env = {**s3_endpoint(moto), "AWS_ENDPOINT_URL_SSO": portal.url, "AWS_PROFILE": "lab"}
        read_both(moto, env, dataset, "sso", "IAM Identity Center (SSO) (botocore, the default profile)")


# --- refresh: a long read across a rotation ------------------------------------------------

ROTATE_MID_READ = """
import urllib.request, pysam
f = pysam.AlignmentFile({url!r})
reads = f.fetch(until_eof=True)
first = sum(1 for _ in zip(range(20_000), reads))
urllib.request.urlopen({rotate!r}).read()  # new key issued, the old one deleted on the server
rest = sum(1 for _ in reads)
f.close()
result = [first, rest]
"""


class Rotating(stand_ins.ContainerCredentials):
    """Container credentials valid 5 minutes (so botocore refreshes them on every
    use), whose GET /rotate creates a new access key and deletes the old one."""

    def __init__(self, moto):
        self.iam = moto.server.client("iam", moto.server.admin)
        self.user = f"rotating-{secrets.token_hex(4)}"
        self.iam.create_user(UserName=self.user)
        self.iam.put_user_policy(UserName=self.user, PolicyName="s3", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
        self.current = self._new_key()
        self.retired: list[Creds] = []
        super().__init__(lambda: self.current, lifetime_minutes=5)

    def _new_key(self) -> Creds:
        key = self.iam.create_access_key(UserName=self.user)["AccessKey"]
        return Creds(key["AccessKeyId"], key["SecretAccessKey"])

    def answer(self, method, path, headers, body):
        if path == "/rotate":
            old, self.current = self.current, self._new_key()
            self.iam.delete_access_key(UserName=self.user, AccessKeyId=old.key_id)
            self.retired.append(old)
            return 200, "text/plain", b"rotated"
        return super().answer(method, path, headers, body)


def test_a_read_survives_a_key_rotation(moto, big_on):
    """Temporary keys that expire and are replaced while a file is open and being
    read, the old key deleted on the server: htslib asks the provider again
    before each request in the refresh window, and the read completes."""
    url = moto.url(big_on(moto))
    with Rotating(moto) as service:
        env = {**s3_endpoint(moto), "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"{service.url}/creds",
               "AWS_CONTAINER_AUTHORIZATION_TOKEN": service.authorization}
        outcome = run(ROTATE_MID_READ.format(url=url, rotate=f"{service.url}/rotate"), env, timeout=100)
        fetches = sum(1 for m, p in service.requests if p == "/creds")
    assert outcome.ok, str(outcome)
    assert outcome.result == [20_000, 180_000 - 20_000]
    assert fetches > 3, f"the keys were fetched {fetches} times"
    [old] = service.retired
    refused = boto3_get(moto, BAM, {"AWS_ENDPOINT_URL": moto.endpoint_url, **old.env()})
    assert "InvalidAccessKeyId" in refused.message, str(refused)  # really deleted on the server


# --- without botocore ------------------------------------------------------------------

WITHOUT_BOTOCORE = "import sys\nsys.modules['botocore'] = None  # as if it were not installed\n"


def test_without_botocore_the_provider_is_named(moto, home):
    """htslib alone reads static keys; a provider that needs code is refused
    with what to install."""
    config(home, {"profile lab": {"credential_process": "/bin/false"}})
    env = {**s3_endpoint(moto), "AWS_PROFILE": "lab"}
    outcome = run(WITHOUT_BOTOCORE + probe_call("read", "alignments", moto.url(BAM), REGION), env)
    assert (outcome.exc_type, outcome.errno) == ("OSError", 22), str(outcome)
    assert ("S3 configuration: Profile 'lab' gets its S3 credentials through credential_process, which htslib "
            "cannot get by itself: install botocore (pip install botocore) for the AWS SDK's credential chain, or "
            "export keys, e.g. with `aws configure export-credentials --profile lab --format env`") in outcome.message


def test_without_botocore_static_keys_still_work(moto, home, dataset):
    credentials(home, {"default": aws_credentials(moto.creds)})
    code = WITHOUT_BOTOCORE + probe_call("read", "alignments", moto.url(BAM), REGION) + \
        "import pysam_s3.credentials\nassert not pysam_s3.credentials.installed()\n"
    assert_read_bam(run(code, s3_endpoint(moto)), dataset)


def test_a_provider_that_fails_says_why(moto, home):
    config(home, {"profile lab": {"credential_process": f"{sys.executable} -c 'import sys; sys.exit(3)'"}})
    outcome = read_bam(moto.url(BAM), {**s3_endpoint(moto), "AWS_PROFILE": "lab"})
    assert (outcome.exc_type, outcome.errno) == ("PermissionError", 13), str(outcome)
    assert "S3 credentials: botocore: CredentialRetrievalError: Error when retrieving credentials from " \
           "custom-process" in outcome.message
