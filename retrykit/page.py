"""Read a copy of the vendor page into numbered paragraphs, each with a fingerprint.

A rule cites its source as (section, paragraph); the fingerprint is a hash of the
paragraph's normalised text, so the kit can tell when the vendor edits the page
without keeping the vendor's sentences in our files.

Copies come from different places (a Markdown mirror, a saved and converted help-center
page), so the help center's own furniture is dropped before paragraphs are numbered:
whatever stands above the '# ' title (site header, navigation), lines such as "In this
article", "Page updated ...", "Was this page helpful?" and breadcrumbs, and blocks of
nothing but links or images ("Related topics" lists, pictures). They state no behaviour,
and counting them would renumber the paragraphs.

Every pattern here runs in time linear in its input: link text and targets may not
contain brackets or parentheses, so no match attempt rescans what another one scanned.
Images go before links, so that a linked picture, [![text](picture)](target), reads as its text.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_LINK = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
_CRUMB_SEPARATOR = re.compile(r" [>\u00bb\u203a] ")  # '>' and the angle quotes U+00BB, U+203A
_CHROME_LINES = frozenset(
    {"in this article", "on this page", "related topics", "related topic", "send feedback", "back to top"}
)
_CHROME_PREFIXES = (
    "page updated",
    "page content applies to build",
    "was this page helpful",
    "thank you for your feedback",
    "©",
)


class PageFormatError(ValueError):
    """The file is not a page this reader understands (no title, or not Markdown text)."""


@dataclass(frozen=True)
class Paragraph:
    section: str
    number: int
    text: str

    @cached_property
    def fingerprint(self) -> str:
        return fingerprint(self.text)

    @property
    def sentences(self) -> tuple[str, ...]:
        return tuple(_SENTENCE_END.split(self.text))

    @property
    def anchor(self) -> str:
        return f"{self.section} ¶{self.number}"


@dataclass(frozen=True)
class Page:
    """A copy of the page: its title and paragraphs. Iterating it gives the paragraphs, like a list."""

    title: str
    paragraphs: tuple[Paragraph, ...]
    source: str = "the page"

    def __iter__(self) -> Iterator[Paragraph]:
        return iter(self.paragraphs)


def _unlinked(text: str, keep: str = r"\1") -> str:
    """Images and links replaced by their text (or by ``keep``)."""
    return _LINK.sub(keep, _IMAGE.sub(keep, text))


def normalise(text: str) -> str:
    """Ignore what does not change meaning: link targets, Markdown marks, case and spacing."""
    text = _unlinked(text)
    text = re.sub(r"[|*_`#>]", " ", text)
    return " ".join(text.lower().split())


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()[:16]


def _is_breadcrumb(line: str) -> bool:
    """A trail such as 'User Guide > Backup > Job Retry': three or more short parts, none a sentence."""
    parts = _CRUMB_SEPARATOR.split(" ".join(_unlinked(line).split()))
    return len(parts) >= 3 and all(0 < len(p) <= 80 and not p.endswith((".", "!", "?")) for p in parts)


def _is_chrome(line: str) -> bool:
    """A help-center line around the article rather than in it."""
    plain = normalise(line).strip(" -+:")
    return plain in _CHROME_LINES or plain.startswith(_CHROME_PREFIXES) or _is_breadcrumb(line)


def _is_links_only(block: str) -> bool:
    """Link lists and pictures: nothing is left once the links and images are taken out."""
    return not re.search(r"\w", _unlinked(block, keep=""))


def _blocks(markdown: str, source: str) -> list[str]:
    body = markdown
    if body.startswith("---"):
        end = body.find("\n---", 3)
        if end == -1:
            raise PageFormatError(f"{source} opens with front matter that no '---' line closes")
        body = body[end + 4 :]
    body = "\n".join("" if _is_chrome(line) else line for line in body.split("\n"))
    blocks = (block.strip() for block in re.split(r"\n\s*\n", body))
    return [block for block in blocks if block and not _is_links_only(block)]


def _callout_text(block: str) -> str:
    cells = [c.strip() for line in block.splitlines() for c in line.strip().strip("|").split("|")]
    cells = [c for c in cells if c and not set(c) <= {"-", ":", " "}]
    return " ".join(cells)


def _is_plain_heading(block: str) -> bool:
    """The page's sub-headings are bare lines: one short line with no closing punctuation."""
    return "\n" not in block and len(block) <= 80 and not block.endswith((".", ":", "!", "?"))


def read_page(markdown: str, source: str = "the page") -> Page:
    if "\x00" in markdown:
        raise PageFormatError(f"{source} is a binary file, not Markdown text")
    if not markdown.strip():
        raise PageFormatError(f"{source} is empty")
    paragraphs: list[Paragraph] = []
    title: str | None = None
    section = ""
    number = 0
    for block in _blocks(markdown, source):
        if block.startswith("#"):
            section, number = block.lstrip("#").strip(), 0
            title = section if title is None else title
            continue
        if title is None:
            continue
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
    if title is None:
        raise PageFormatError(f"{source} has no '# ' title, so it cannot be the vendor page")
    return Page(title, tuple(paragraphs), source)


def load_page(path: Path) -> Page:
    try:
        markdown = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path} does not exist: give the path of a Markdown copy of the vendor page"
        ) from None
    except IsADirectoryError:
        raise PageFormatError(f"{path} is a directory: give a Markdown copy of the vendor page") from None
    except UnicodeDecodeError:
        raise PageFormatError(f"{path} is a binary file, not Markdown text") from None
    except OSError as error:
        raise PageFormatError(f"cannot read {path}: {error.strerror}") from None
    return read_page(markdown, str(path))
