"""Read the kit's copy of Veeam's related pages: short verbatim excerpts, each followed by its source.

The copy (``related-pages.md`` beside the Job Retry page) quotes each page in Markdown blockquotes and
names it on the line after: ``Source: <title>, <address>, <edition>``. Each page becomes a ``Page`` of its
own, titled as the source line names it, whose paragraphs are its quoted paragraphs numbered in the order
the copy gives them. The catalogue's rules from these pages cite (title, paragraph) and a fingerprint
like the rules of the Job Retry page, so the same drift check applies to them.
"""

from __future__ import annotations

import re
from pathlib import Path

from retrykit.page import Page, PageFormatError, Paragraph

_SOURCE = re.compile(r"^Source(?: \([^)]*\))?: (?P<title>.+?), (?P<url>https://[^\s,]+)")


def read_related(markdown: str, source: str = "the related pages") -> dict[str, Page]:
    """Each quoted page of the copy by its address; quotes that no source line follows are dropped."""
    if "\x00" in markdown:
        raise PageFormatError(f"{source} is a binary file, not Markdown text")
    titles: dict[str, str] = {}
    quoted: dict[str, list[str]] = {}
    waiting: list[str] = []
    lines: list[str] = []
    for line in markdown.splitlines():
        if line.startswith(">"):
            text = line[1:].strip()
            if text:
                lines.append(text)
                continue
        if lines:
            waiting.append(" ".join(lines))
            lines = []
        if line.startswith(">"):
            continue
        match = _SOURCE.match(line.strip())
        if match:
            url = match["url"].rstrip(".")
            titles.setdefault(url, match["title"].strip())
            quoted.setdefault(url, []).extend(waiting)
            waiting = []
        elif line.startswith("#"):
            waiting = []
    if not titles:
        raise PageFormatError(f"{source} quotes no page: no 'Source: <title>, <https address>' line")
    return {
        url: Page(
            titles[url],
            tuple(Paragraph(titles[url], n, text) for n, text in enumerate(quoted[url], start=1)),
            f"{source} ({url})",
        )
        for url in titles
    }


def load_related(path: Path) -> dict[str, Page]:
    try:
        markdown = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path} does not exist: give the path of the copy of Veeam's related pages"
        ) from None
    except (IsADirectoryError, UnicodeDecodeError):
        raise PageFormatError(f"{path} is not a Markdown copy of the related pages") from None
    return read_related(markdown, str(path))
