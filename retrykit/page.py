"""Read a copy of the vendor page into numbered paragraphs, each with a fingerprint.

A rule cites its source as (section, paragraph); the fingerprint is a hash of the
paragraph's normalised text, so the kit can tell when the vendor edits the page
without keeping the vendor's sentences in our files.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_CALLOUT_TITLES = {"important", "note", "tip", "warning"}


class PageFormatError(ValueError):
    """The file is not a page this reader understands (no title, or not Markdown text)."""


@dataclass(frozen=True)
class Paragraph:
    section: str
    number: int
    text: str

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.text)

    @property
    def sentences(self) -> tuple[str, ...]:
        return tuple(_SENTENCE_END.split(self.text))

    @property
    def anchor(self) -> str:
        return f"{self.section} ¶{self.number}"


def normalise(text: str) -> str:
    """Ignore what does not change meaning: link targets, Markdown marks, case and spacing."""
    text = _LINK.sub(r"\1", text)
    text = re.sub(r"[|*_`#>]", " ", text)
    return " ".join(text.lower().split())


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:16]


def _blocks(markdown: str) -> list[str]:
    body = markdown
    if body.startswith("---"):
        end = body.find("\n---", 3)
        if end == -1:
            raise PageFormatError("the front matter that opens the page is never closed by a '---' line")
        body = body[end + 4 :]
    return [block.strip() for block in re.split(r"\n\s*\n", body) if block.strip()]


def _callout_text(block: str) -> str:
    cells = [c.strip() for line in block.splitlines() for c in line.strip().strip("|").split("|")]
    cells = [c for c in cells if c and not set(c) <= {"-", ":", " "}]
    return " ".join(cells)


def _is_plain_heading(block: str) -> bool:
    """The page's sub-headings are bare lines: one short line with no closing punctuation."""
    return "\n" not in block and len(block) <= 80 and not block.endswith((".", ":", "!", "?"))


def read_page(markdown: str) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    section: str | None = None
    number = 0
    for block in _blocks(markdown):
        if block.startswith("#"):
            section, number = block.lstrip("#").strip(), 0
            continue
        if block.startswith("!["):
            continue
        if section is None:
            raise PageFormatError("the page has text before its first '# ' title")
        if block.startswith("|"):
            text = _callout_text(block)
            if not text:
                continue
        elif _is_plain_heading(block):
            section, number = block, 0
            continue
        else:
            text = " ".join(line.strip() for line in block.splitlines())
        number += 1
        paragraphs.append(Paragraph(section, number, text))
    if section is None:
        raise PageFormatError("the page has no '# ' title, so it cannot be the vendor page")
    return paragraphs


def load_page(path: Path) -> list[Paragraph]:
    try:
        markdown = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"no page at {path}: give the path of a Markdown copy of the vendor page"
        ) from None
    except UnicodeDecodeError as error:
        raise PageFormatError(f"{path} is not UTF-8 text: {error}") from None
    return read_page(markdown)


def is_callout(paragraph: Paragraph) -> bool:
    first = paragraph.text.split(" ", 1)[0].lower()
    return first in _CALLOUT_TITLES
