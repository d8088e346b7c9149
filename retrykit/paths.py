"""Where the kit's own files live: the checkout that holds the installed packages."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
FEATURES = ROOT / "features"
CATALOGUE = FEATURES / "catalogue.toml"
REPORTS = ROOT / "reports"
