"""The reference engine as an external adapter process: what a vendor's adapter looks like in Python.

Run the suite through it with:  pytest features --adapter "python adapters/reference_adapter.py"

Readings (protocol 1.2): ``--reading NAME=VALUE`` makes it follow that alternative of a reading and declare
it in its hello. ``--declare`` only declares one and ``--implement`` only follows one: the kit's own tests
use them for a target that says one thing and does another.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from retrykit import __version__
from retrykit.codec import Json, scenario_from_json, trace_to_json
from retrykit.drivers import ALL_CAPABILITIES
from retrykit.readings import parse_options
from retrykit.reference import engine
from retrykit.reference.readings import DEFAULT, Readings
from retrykit.serve import Unsupported, serve

WINDOW = 64
"""Runs the kit may keep in flight: answers come in order, so any window is safe here. The kit writes half
a window at a time, so a wide one costs both sides fewer system calls and wake-ups (64 against 16: some
5 µs less of the kit's time per run of the default bound)."""


def run(scenario: Json, readings: Readings | None = None) -> Json:
    """The engine's trace, under the readings the scenario carries, or under ``readings`` when given (the
    ones this implementation follows whatever it is told)."""
    received = scenario_from_json(scenario)
    if readings is not None:
        received = replace(received, readings=readings)
    try:
        return trace_to_json(engine.run(received))
    except engine.RefusedSetting as refused:
        raise Unsupported(str(refused)) from None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    for option in ("--reading", "--declare", "--implement"):
        parser.add_argument(option, action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    both = parse_options(args.reading)
    declared = both | parse_options(args.declare)
    followed = DEFAULT.with_values(both | parse_options(args.implement))
    return serve(
        lambda scenario: run(scenario, followed),
        name="reference-adapter",
        version=__version__,
        capabilities=ALL_CAPABILITIES,
        window=WINDOW,
        readings=declared,
    )


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
