"""Harness of the job-retry conformance kit: catalogue, codec, drivers, oracles and reports."""

__version__: str
"""The installed distribution's version (pyproject.toml's), looked up when first read."""


def __getattr__(name: str) -> str:
    """``__version__`` on first read (PEP 562): importlib.metadata costs some 20 ms of start-up, which only
    code that reads the version should pay."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("job-retry-conformance-kit")
    except PackageNotFoundError:  # running from a checkout that was never installed
        found = "0+unknown"
    globals()["__version__"] = found  # later reads find the attribute and skip this function
    return found
