"""report.html: one self-contained page (inline style, no script, no external asset).

Rendered by Jinja2 with autoescaping on, so every string an implementation
supplied (names, messages, stderr) reaches the page as inert text.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from retrykit.report import FAULTY, UNJUDGED
from retrykit.steplog import MARKS
from retrykit.timeline import SYMBOLS, Cell, timeline

Json = dict[str, Any]


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("retrykit", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["timeline"] = timeline
    env.globals["symbols"] = SYMBOLS
    env.globals["Cell"] = Cell
    env.globals["faulty"] = [v.value for v in FAULTY]
    env.globals["unjudged"] = [v.value for v in UNJUDGED]
    env.globals["marks"] = {outcome.value: mark for outcome, mark in MARKS.items()}
    env.filters["printable"] = lambda text: "".join(
        ch for ch in str(text) if ch.isprintable() or ch in "\n\t"
    )
    return env


def render_html(report: Json) -> str:
    return environment().get_template("report.html.j2").render(report=report)


def render_matrix_html(matrix: Json) -> str:
    return environment().get_template("matrix.html.j2").render(matrix=matrix)
