"""The checkout the tests run from: its README, docs, test adapters and fixtures are not part of the kit a
user installs, so the tests find them here rather than through the installed package."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
