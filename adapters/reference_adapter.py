"""The reference engine as an external adapter process: what a vendor's adapter looks like in Python.

Run the suite through it with:  pytest features --adapter "python adapters/reference_adapter.py"
"""

from __future__ import annotations

import sys

from retrykit import __version__
from retrykit.codec import Json, scenario_from_json, trace_to_json
from retrykit.drivers import ALL_CAPABILITIES
from retrykit.reference import engine
from retrykit.serve import serve

WINDOW = 16
"""Runs the kit may keep in flight: answers come in order, so any window is safe here."""


def run(scenario: Json) -> Json:
    return trace_to_json(engine.run(scenario_from_json(scenario)))


if __name__ == "__main__":
    sys.exit(
        serve(
            run, name="reference-adapter", version=__version__, capabilities=ALL_CAPABILITIES, window=WINDOW
        )
    )
