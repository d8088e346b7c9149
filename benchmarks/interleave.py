"""Figures that hold still on a busy machine: interleaved rounds, medians with their spread, and a verdict
only when the spread allows one.

Two figures measured one after the other each see a different machine (another process's test run may
start in between), so a ratio of the fastest of one side's rounds to the fastest of the other's can read
1x in one run and 10x in the next. Here every side is measured once per round, the sides of a round back
to back (odd rounds in reverse order, so no side always goes first), and a ratio is taken within each
round: both of its sides saw the same load. The figure is the median of those per-round ratios, and
their spread says how far to trust it: the interquartile range from ``IQR_FROM`` rounds up, else the
whole range (min-max). A target is judged only when the whole spread is on one side of it.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass

IQR_FROM = 5
"""With fewer samples, quartiles mean little: the spread is then their whole range."""


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float
    kind: str
    """"IQR" (25th to 75th percentile) or "min-max"."""
    samples: int

    def text(self, digits: int = 2, unit: str = "") -> str:
        """'1.60x (IQR 1.41..1.83 of 20)': the median, then the spread and how many samples it is of."""
        return (
            f"{self.median:.{digits}f}{unit} ({self.kind} {self.low:.{digits}f}..{self.high:.{digits}f}"
            f" of {self.samples})"
        )


def spread(samples: Sequence[float]) -> Spread:
    """The median of ``samples`` and their spread: interquartile range from IQR_FROM samples, else min-max."""
    if not samples:
        raise ValueError("no samples")
    values = sorted(samples)
    if len(values) >= IQR_FROM:
        low, _, high = statistics.quantiles(values, n=4, method="inclusive")
        kind = "IQR"
    else:
        low, high, kind = values[0], values[-1], "min-max"
    return Spread(statistics.median(values), low, high, kind, len(values))


def ratios(numerators: Sequence[float], denominators: Sequence[float]) -> list[float]:
    """Per-round ratios: each round's numerator over the same round's denominator."""
    if len(numerators) != len(denominators):
        raise ValueError(f"{len(numerators)} numerators for {len(denominators)} denominators")
    return [a / b for a, b in zip(numerators, denominators, strict=True)]


def verdict(figure: Spread, target: float, *, at_most: bool = True, digits: int = 2) -> str:
    """'holds', 'missed' or 'undecided (spread a..b)'. For an upper bound (``at_most``) the target holds
    when the upper end of the spread is at or under it and is missed when the lower end is over it; for a
    lower bound the other way round. A spread that straddles the target decides nothing."""
    low, high = figure.low, figure.high
    if (high <= target) if at_most else (low >= target):
        return "holds"
    if (low > target) if at_most else (high < target):
        return "missed"
    return f"undecided (spread {low:.{digits}f}..{high:.{digits}f})"


def interleaved(sides: dict[str, Callable[[], float]], rounds: int) -> dict[str, list[float]]:
    """Each side's figure (what its callable returns, e.g. seconds) for each of ``rounds`` rounds. A round
    calls every side once, back to back, in the order given, odd rounds in reverse: a ratio of two sides
    given next to each other compares measurements taken one right after the other."""
    if rounds < 1:
        raise ValueError(f"rounds must be 1 or more, got {rounds}")
    figures: dict[str, list[float]] = {name: [] for name in sides}
    for number in range(rounds):
        order = list(sides) if number % 2 == 0 else list(reversed(sides))
        for name in order:
            figures[name].append(sides[name]())
    return figures
