"""The drift check of the catalogue's rules from Veeam's related pages, against a copy of those pages.

Each related page the catalogue cites is compared alone, exactly as the Job Retry page is
(retrykit.drift.compare): its rules form a catalogue of their own, titled and addressed as the page,
and are matched to the paragraphs the copy quotes from it. A page the copy no longer quotes leaves its
rules vanished.
"""

from __future__ import annotations

import json

from retrykit.catalogue import Catalogue
from retrykit.drift import DriftReport, compare, render_json
from retrykit.page import Page


def related_catalogues(catalogue: Catalogue) -> tuple[Catalogue, ...]:
    """One catalogue per related page the rules cite, in the order the catalogue first cites them."""
    catalogues = []
    for url in dict.fromkeys(rule.source_url for rule in catalogue.related_rules):
        rules = tuple(rule for rule in catalogue.related_rules if rule.source_url == url)
        catalogues.append(Catalogue(page=rules[0].section, source_url=url, rules=rules))
    return tuple(catalogues)


def compare_related(catalogue: Catalogue, pages: dict[str, Page], copy: str) -> tuple[DriftReport, ...]:
    """A drift report per related page the catalogue cites, against ``pages`` (the copy, by address)."""
    return tuple(
        compare(
            cited,
            pages.get(cited.source_url)
            or Page(cited.page, (), f"{copy} (does not quote {cited.source_url})"),
        )
        for cited in related_catalogues(catalogue)
    )


def render_related_json(page: DriftReport | None, reports: tuple[DriftReport, ...]) -> str:
    """The Job Retry page's comparison (if one was asked) and each related page's, as one document."""
    data = {
        "page": json.loads(render_json(page)) if page else None,
        "related": [json.loads(render_json(report)) for report in reports],
        "clean": all(r.clean for r in (*reports, *([page] if page else []))),
    }
    return json.dumps(data, indent=2) + "\n"
