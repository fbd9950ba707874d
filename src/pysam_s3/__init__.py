"""pysam-s3: the runtime companion of this pysam wheel.

    >>> import pysam_s3
    >>> pysam_s3.build_info()["htslib_features"]
    'build=configure libcurl=yes S3=yes GCS=yes libdeflate=yes ...'

For programs:
    configure(endpoint_url=, profile=, region=, addressing_style=)
                 S3 settings for this process, without touching os.environ
    diagnose(url)
                 how htslib reaches an object and what is in the way (a Report)
    fetch_regions(f, regions)
                 the records of many regions of one open file, as a fetch()
                 loop yields them, with the blocks of the upcoming regions
                 fetched ahead in parallel on S3

Modules, by concern:
    buildinfo      what the wheel is made of (pins, bundled licenses), and the htslib actually loaded
    configuration  configure(): the process's S3 settings
    credentials    the AWS SDK's credential chain for htslib, through botocore
    doctor         diagnose(), and `python -m pysam_s3 doctor s3://...`
    regions        fetch_regions()
    libhts         the loaded htslib through ctypes

`python -m pysam_s3` prints the build info.
"""

from __future__ import annotations

from .buildinfo import build_info, htslib_runtime, version
from .configuration import configure, settings
from .regions import fetch_regions

__all__ = ["build_info", "configure", "diagnose", "fetch_regions", "htslib_runtime", "settings", "__version__"]

__version__ = version()


def diagnose(url: str):
    """How htslib reaches *url* and what is in the way: a pysam_s3.doctor.Report
    (.ok, .text(), .to_dict(), .advice)."""
    from .doctor import diagnose as run  # ssl, http.client & co. only when asked

    return run(url)

