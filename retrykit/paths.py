"""Where the kit's own files are, found through the installed package (importlib.resources), so a wheel in
site-packages and an editable checkout read the same catalogue, features and schemas."""

from importlib.resources import files
from pathlib import Path

from retrykit.errors import KitUsageError


def package_folder(package: str) -> Path:
    """The folder of one of the kit's data packages; the kit must be installed unzipped (pip always does)."""
    found = files(package)
    if not isinstance(found, Path):
        raise KitUsageError(
            f"the kit's package {package} is not a folder on disk ({found}); reinstall it with pip"
        )
    return found


SCHEMAS = package_folder("retrykit.schemas")
FEATURES = package_folder("retrykit.features")
CATALOGUE = FEATURES / "catalogue.toml"
ADAPTERS = package_folder("retrykit.adapters")


def reports_folder() -> Path:
    """Where reports go unless a run is told otherwise: ``reports/`` under the folder the command runs in."""
    return Path.cwd() / "reports"
