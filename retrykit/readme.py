"""Blocks of the README that a command writes, so the figures it quotes never drift from their source."""

from __future__ import annotations

from retrykit.errors import KitUsageError


def with_block(readme: str, name: str, body: str) -> str:
    """``readme`` with the text between ``<!-- name -->`` and ``<!-- /name -->`` replaced by ``body``."""
    start, end = f"<!-- {name} -->\n", f"<!-- /{name} -->"
    before, found, rest = readme.partition(start)
    if not found or end not in rest:
        raise KitUsageError(
            f"the README has no {start.strip()} ... {end} block: put the two markers where the figures belong"
        )
    _, _, after = rest.partition(end)
    return f"{before}{start}{body}{end}{after}"
