"""Harness of the job-retry conformance kit: catalogue, codec, drivers, oracles and reports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("job-retry-conformance-kit")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
