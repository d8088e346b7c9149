"""Adapter starters: a minimal adapter in Python, Node.js, Go or Java that speaks the whole protocol and
answers 'skipped' until the vendor completes the one marked place where it calls the product.

The templates are package data (retrykit/starter_templates/<language>/), read with importlib.resources,
and copied with the adapter's name put in place of the placeholder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from retrykit.errors import KitUsageError

LANGUAGES = ("python", "node", "go", "java")
PLACEHOLDER = "__ADAPTER_NAME__"
MARK_START = "YOUR PRODUCT: the one place to complete"
MARK_END = "END OF YOUR PRODUCT"
"""Each starter's main file has one line with each, around the code the vendor completes."""
_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]{0,98}[A-Za-z0-9])?")
"""A name every language holds in a string literal as it is, and Go as a module path."""


@dataclass(frozen=True)
class Starter:
    files: list[Path]
    main: Path
    """The file with the marked place."""


def default_name(folder: Path) -> str:
    """The adapter's name when none is given: the folder's."""
    return folder.resolve().name


def write_starter(language: str, folder: Path, name: str) -> Starter:
    """Write the starter for ``language`` into ``folder`` (new or empty), named ``name``."""
    if not _NAME.fullmatch(name):
        raise KitUsageError(
            f"{name!r} cannot name an adapter: use 1 to 100 letters, digits, '.', '_' or '-', "
            "beginning and ending with a letter or digit (--name NAME)"
        )
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise KitUsageError(f"{folder} exists and is not an empty folder; choose a new one")
    templates = files("retrykit") / "starter_templates" / language
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for template in sorted(templates.iterdir(), key=lambda t: t.name):
        text = template.read_text(encoding="utf-8").replace(PLACEHOLDER, name)
        path = folder / template.name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    main = next(path for path in written if MARK_START in path.read_text(encoding="utf-8"))
    return Starter(written, main)
