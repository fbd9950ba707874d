"""Fixtures of the S3 suite.

By default the suite starts moto (SigV4 and IAM on), s3rver and Ceph's RADOS
Gateway (rgw) on 127.0.0.1 once per session, seeds them with the data set, and
stops them at the end.
With --s3-endpoint it runs against your own endpoint instead (see
pytest_addoption); tests that need moto's IAM users, a black hole or a faulty
proxy are then skipped with the reason.

Parametrized fixtures (ids name the endpoint):
  endpoint          every endpoint: moto, s3rver and rgw, or yours
  data_endpoint     endpoint, plus moto in its default mode (moto-default), whose
                    S3 dialect differs: the read and write format tests use it
  signing_endpoint  endpoints that check signatures: moto and rgw, or yours
  local_endpoint    moto, s3rver and rgw even in external mode (skipped there)
Single ones: moto, s3rver (Endpoint objects; .server is the server process).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from testkit.credentials import Creds, redact
from testkit.processes import ServerStartError
from testkit.s3servers import MotoDefaultServer, MotoServer, RgwServer, S3rverServer
from tests.s3 import datasets, endpoints

BUCKET = "pysam-s3-test"
EXTERNAL = pytest.StashKey[endpoints.Endpoint]()
LOCAL_ONLY = "needs the local servers (moto's IAM users, a black hole or a faulty proxy); runs in `make test`"


def pytest_addoption(parser):
    group = parser.getgroup("s3", "S3 suite against your own endpoint (default: local moto, s3rver and rgw)")
    group.addoption("--s3-endpoint", metavar="URL",
                    help="http(s) URL of the S3 service, e.g. https://s3.eu-west-1.amazonaws.com")
    group.addoption("--s3-bucket", metavar="NAME", help="an existing bucket you may write to")
    group.addoption("--s3-prefix", metavar="PREFIX", default="",
                    help="key prefix; the run writes only under PREFIX/pysam-s3-<random>/ and removes it")
    group.addoption("--s3-region", metavar="REGION", default="us-east-1", help="signing region")
    group.addoption("--s3-addressing", choices=("path", "virtual"),
                    help="URL style (default: virtual for *.amazonaws.com, else path)")
    group.addoption("--s3-servers", metavar="NAMES", default="moto,moto-default,s3rver,rgw",
                    help="the local servers to run, comma-separated (default: moto,moto-default,s3rver,rgw); "
                         "cibuildwheel's containers have neither node nor Ceph, so they run moto only")
    group.addoption("--sanitized-pysam", action="store_true",
                    help="also build pysam's extensions with ASan + UBSan and run the format tests with them "
                         "(test_sanitized_pysam.py; `make sanitize`)")


def pytest_configure(config):
    """Credentials are resolved here, once, from the real environment (boto3's
    default chain), before each test's isolation scrubs AWS_* and HOME."""
    url = config.getoption("--s3-endpoint", None)
    if not url:
        return
    bucket = config.getoption("--s3-bucket")
    if not bucket:
        raise pytest.UsageError("--s3-endpoint needs --s3-bucket")
    import boto3
    found = boto3.Session().get_credentials()
    if found is None:
        raise pytest.UsageError("--s3-endpoint: no credentials found (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                                "AWS_PROFILE, ~/.aws/credentials, ...)")
    frozen = found.get_frozen_credentials()
    ca_env = {k: os.environ[k] for k in endpoints.CA_VARIABLES if k in os.environ}
    config.stash[EXTERNAL] = endpoints.external(
        url, bucket, config.getoption("--s3-prefix"), config.getoption("--s3-region"),
        config.getoption("--s3-addressing"), Creds(frozen.access_key, frozen.secret_key, frozen.token), ca_env)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """The last line of defence for secrets: whatever a failure report shows
    (tracebacks, --showlocals, captured output) is redacted before anyone sees it,
    on the terminal or in a JUnit XML file."""
    report = yield
    if report.failed and report.longrepr is not None:
        report.longrepr = redact(str(report.longrepr))
    report.sections = [(title, redact(content)) for title, content in report.sections]
    return report


def external_mode(config) -> bool:
    return EXTERNAL in config.stash


def selected_servers(config) -> list[str]:
    names = [n.strip() for n in config.getoption("--s3-servers").split(",") if n.strip()]
    unknown = sorted(set(names) - set(SERVERS))
    if unknown or not names:
        raise pytest.UsageError(f"--s3-servers: unknown server(s) {unknown}; known: {', '.join(SERVERS)}")
    return names


def pytest_generate_tests(metafunc):
    external = external_mode(metafunc.config)
    running = selected_servers(metafunc.config)
    for fixture, local in (("endpoint", ["moto", "s3rver", "rgw"]), ("signing_endpoint", ["moto", "rgw"]),
                           ("local_endpoint", ["moto", "s3rver", "rgw"]),
                           ("data_endpoint", ["moto", "moto-default", "s3rver", "rgw"])):
        if fixture in metafunc.fixturenames:
            local = [name for name in local if name in running]
            names = ["external"] if external and fixture != "local_endpoint" else local
            metafunc.parametrize(fixture, names, indirect=True, scope="session")


# --- data ----------------------------------------------------------------------

@pytest.fixture(scope="session")
def dataset(tmp_path_factory):
    """Directory with the small files (datasets.small), made once per session."""
    return datasets.small(tmp_path_factory.mktemp("dataset"))


@pytest.fixture(scope="session")
def big_bam():
    return datasets.big_bam()


# --- servers and endpoints -----------------------------------------------------

SERVERS = {"moto": MotoServer, "moto-default": MotoDefaultServer, "s3rver": S3rverServer, "rgw": RgwServer}


@pytest.fixture(scope="session")
def _endpoints(request, dataset, tmp_path_factory):
    """name -> Endpoint: the local servers start, and every endpoint is seeded
    with the small data set, on first use; all stop at the end of the session."""
    built: dict[str, endpoints.Endpoint | str] = {}

    def build(name: str) -> endpoints.Endpoint:
        if name == "external":
            ep = request.config.stash[EXTERNAL]
            request.addfinalizer(ep.remove_everything)  # also when tests failed
        else:
            server = SERVERS[name](tmp_path_factory.mktemp(name), BUCKET)
            server.start()
            request.addfinalizer(server.stop)
            ep = endpoints.Endpoint(name, server.hostport, server.bucket, server.creds, server.client)
            ep.server, ep.shows_multipart = server, name != "s3rver"
        ep.upload(datasets.small_uploads(dataset))
        return ep

    def get(name: str) -> endpoints.Endpoint:
        if name != "external" and external_mode(request.config):
            pytest.skip(LOCAL_ONLY)
        if name != "external" and name not in selected_servers(request.config):
            pytest.skip(f"{name} is not among --s3-servers")
        if name not in built:
            try:
                built[name] = build(name)
            except ServerStartError as e:  # remembered: every test using it fails at once
                built[name] = str(e)
        if isinstance(built[name], str):  # fail loudly: a missing server must not look like a pass
            pytest.fail(built[name], pytrace=False)
        return built[name]
    return get


@pytest.fixture(scope="session")
def endpoint(request, _endpoints):
    return _endpoints(request.param)


@pytest.fixture(scope="session")
def data_endpoint(request, _endpoints):
    return _endpoints(request.param)


@pytest.fixture(scope="session")
def signing_endpoint(request, _endpoints):
    return _endpoints(request.param)


@pytest.fixture(scope="session")
def local_endpoint(request, _endpoints):
    return _endpoints(request.param)


@pytest.fixture(scope="session")
def moto(_endpoints):
    return _endpoints("moto")


@pytest.fixture(scope="session")
def s3rver(_endpoints):
    return _endpoints("s3rver")


@pytest.fixture(scope="session")
def rgw(_endpoints):
    return _endpoints("rgw")


@pytest.fixture
def big_on(big_bam):
    """Upload the big BAM to an endpoint (once) and return its key."""
    def upload(ep: endpoints.Endpoint) -> str:
        ep.upload({"big/big.bam": big_bam, "big/big.bam.bai": big_bam.with_name(big_bam.name + ".bai")})
        return "big/big.bam"
    return upload


@pytest.fixture
def home():
    """The test's fresh HOME (tests/conftest.py): where ~/.aws and ~/.s3cfg go."""
    return Path(os.environ["HOME"])
