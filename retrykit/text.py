"""Text from a target, made safe to show: no terminal control sequences, no lone surrogates.

Everything an adapter sends is hostile input: its names and messages reach terminals and report files,
so every place that shows them goes through ``printable``.
"""

from __future__ import annotations


def _escaped(ch: str) -> str:
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, keep: str = "\n\t") -> str:
    """``text`` with every character a terminal would act on (escape sequences, other controls, lone
    surrogates) written as a visible escape; the characters in ``keep`` stay as they are."""
    return "".join(
        ch if ch in keep or (ch.isprintable() and not 0xD800 <= ord(ch) <= 0xDFFF) else _escaped(ch)
        for ch in str(text)
    )
