"""How the kit names things: VMs in the feature vocabulary (shared by the steps and the Gherkin writer),
and files and folders named after a name someone else chose (an adapter's, a rule's)."""

from __future__ import annotations

import hashlib
import re

_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""A name kept as it is: letters, digits, '.', '_' and '-', not starting with '.' or '-'."""

_LONGEST = 60
"""The most characters of a name kept in a file name (then '+' and the hash: 73 in all)."""


def vm_name(number: int) -> str:
    """The steps say 'a backup job protecting 3 VMs': those are VM 1, VM 2 and VM 3, in job order."""
    return f"VM {number}"


def file_name(name: str, fallback: str = "unnamed") -> str:
    """One file or folder name (never a path) made of ``name``, which may be anything an adapter sent.

    A plain name (``_PLAIN``, at most 60 characters) is kept as it is. Any other name is written as its
    plain characters (runs of others as '-', without leading or trailing '.' and '-', cut to 60; the
    ``fallback`` when nothing is left), then '+' and the first 12 hex digits of the SHA-256 of the
    whole name: '../features' becomes 'features+84b45cab9e8a'. A plain name never contains '+', so no
    two names share a file name (short of a 48-bit hash collision) on a file system that tells case
    apart; one that ignores case takes 'Ref' and 'ref' for one name."""
    if len(name) <= _LONGEST and _PLAIN.fullmatch(name):
        return name
    readable = re.sub(r"[^A-Za-z0-9._-]+", "-", name)[:_LONGEST].strip(".-") or fallback
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f"{readable}+{digest}"
