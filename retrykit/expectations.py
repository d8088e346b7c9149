"""An implementation's file of known failures.

Known failures do not fail the run, and one that starts passing is reported.

The file is TOML, one entry per scenario, keyed by the pytest node ID the report prints:

    [[known_failure]]
    scenario = "features/test_features.py::test_a_session_that_ends_with_a_warning_is_not_retried"
    reason = "our scheduler retries Warning sessions until release 5"
    issue = "https://tracker.example/SCHED-42"
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import tomli_w

from retrykit.errors import KitUsageError
from retrykit.report import KnownFailure
from retrykit.text import printable


class ExpectationsError(KitUsageError):
    """The expectations file is missing or malformed; the message says where."""


def load_expectations(path: Path) -> dict[str, KnownFailure]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExpectationsError(f"no expectations file at {path}") from None
    except IsADirectoryError:
        raise ExpectationsError(f"{path} is a folder; give the TOML file of known failures") from None
    except OSError as error:
        raise ExpectationsError(f"cannot read {path}: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ExpectationsError(f"{path} is not valid TOML: {error}") from None
    except RecursionError:
        raise ExpectationsError(f"{path} is not a file of known failures: nested too deeply") from None
    entries = data.get("known_failure", [])
    if not isinstance(entries, list):
        raise ExpectationsError(f"{path}: 'known_failure' must be an array of tables ([[known_failure]])")
    known: dict[str, KnownFailure] = {}
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or not entry.get("scenario") or not entry.get("reason"):
            raise ExpectationsError(f"{path}: known_failure #{number} needs a 'scenario' and a 'reason'")
        known[str(entry["scenario"])] = KnownFailure(str(entry["reason"]), str(entry.get("issue", "")))
    return known


def expectations_text(failures: list[tuple[str, str]], implementation: str) -> str:
    """A file listing ``(node ID, reason)`` pairs as known failures, ready to edit.

    Every value is written by a TOML library (an implementation's name and its error messages are
    hostile input: a newline in them must not start an entry of its own); the only text written by
    hand is the fixed ``[[known_failure]]`` header of each entry and comments whose characters are
    all printable."""
    name = printable(implementation, keep="")
    lines = [
        f"# Known failures of {name}, written by the job retry conformance kit.",
        "# Give each a real reason and, if you track it, an 'issue' link; delete entries once fixed.",
        "",
    ]
    for nodeid, reason in failures:
        entry = {"scenario": _unicode(nodeid), "reason": printable(reason, keep="\t")}
        lines += ["[[known_failure]]", tomli_w.dumps(entry)]
    return "\n".join(lines)


def _unicode(text: str) -> str:
    """``text`` as TOML can hold it: a lone surrogate becomes U+FFFD."""
    return re.sub(r"[\ud800-\udfff]", "\ufffd", text)
