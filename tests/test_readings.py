"""Named readings: one definition in three places, judged alike by the engine and the oracles, and binding
once a target declares one.

* the catalogue's [[reading]] tables, the protocol schema's enums and the engine's enums agree;
* under any readings the engine's trace satisfies the oracles judging under the same readings, and a
  trace made under other readings of one point is faulted only on that reading's rule;
* per reading: the suite passes against the reference adapter declaring and following each alternative
  (the report says under which), fails one that declares an alternative and follows another, and only
  reports as differing one that follows an alternative without declaring it.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
from dataclasses import fields, replace
from pathlib import Path

import pytest
from checkout import ROOT
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from retrykit import strategies, suite
from retrykit.catalogue import RuleKind, load_catalogue
from retrykit.errors import KitUsageError
from retrykit.oracles import judge, refused_setting
from retrykit.readings import bind, headline, load_readings, parse_options, schema_values
from retrykit.reference import engine
from retrykit.reference.readings import DEFAULT, Readings, alternatives

PROPERTY = settings(max_examples=300, deadline=None, database=None)
ADAPTER = [sys.executable, str(ROOT / "adapters" / "reference_adapter.py")]
READINGS = {r.name: r for r in load_readings()}
JUDGED = [r.name for r in load_readings()]
"""Every reading has a scenario for each of its alternatives."""


def test_catalogue_schema_and_engine_list_the_same_readings_and_alternatives() -> None:
    catalogue = {r.name: tuple(a.value for a in r.alternatives) for r in load_readings()}
    assert catalogue == schema_values() == alternatives()
    assert all(r.default == DEFAULT.values()[r.name] for r in load_readings())


def test_every_reading_governs_an_interpretation_and_says_why_for_each_alternative() -> None:
    catalogue = load_catalogue()
    for reading in load_readings():
        assert catalogue[reading.rule].kind is RuleKind.INTERPRETATION, reading.name
        assert len(reading.alternatives) >= 2
        assert all(a.statement and a.reason and a.source for a in reading.alternatives), reading.name


def test_a_declared_reading_binds_its_rule_and_states_the_alternative() -> None:
    bound = bind(load_catalogue(), {"job-failure": "sticky"})
    rule = bound["JR.JOB-FAILURE"]
    assert rule.kind is RuleKind.DECLARED and rule.kind.binding and not rule.kind.documented
    assert rule.statement == READINGS["job-failure"].alternative("sticky").statement
    assert bound["JR.STATUS.RECOVERED"].kind is RuleKind.INTERPRETATION
    assert bind(bound, {"job-failure": "sticky"}) == bound


@pytest.mark.parametrize(
    "options",
    [["nonsense=1"], ["job-failure"], ["job-failure=maybe"], ["job-failure=latest", "job-failure=sticky"]],
)
def test_reading_options_are_checked_against_the_schema(options: list[str]) -> None:
    with pytest.raises(KitUsageError):
        parse_options(options)


def test_the_headline_names_the_declared_readings_and_the_defaults_left() -> None:
    assert headline({}) == "under the kit's default readings"
    left = len(READINGS) - 1
    assert headline({"job-failure": "sticky"}) == (
        f"under readings job-failure=sticky (the kit's default for the other {left})"
    )


STATUS_RULES = {"JR.STOP.STATUS", "JR.STATUS.RECOVERED", "JR.JOB-FAILURE"}
"""The readings that grade a session's status meet after a graceful stop read as from-tasks: one status
can come from either of two of them, so the judge lays it at one of the three, never at a documented rule."""


@PROPERTY
@given(strategies.scenarios(max_vms=3, max_sessions=3), strategies.readings())
def test_the_engine_satisfies_the_oracles_under_any_readings(scenario: object, readings: Readings) -> None:
    """Where the judge expects a refusal (a count of 0 read as rejected) the engine refuses; only there."""
    under = replace(scenario, readings=readings)  # type: ignore[type-var]
    if refused_setting(under) is not None:
        with pytest.raises(engine.RefusedSetting):
            engine.run(under)
        return
    assert judge(under, engine.run(under)) == []


@PROPERTY
@given(
    strategies.scenarios(max_vms=3, max_sessions=3),
    strategies.readings(),
    st.sampled_from([f.name for f in fields(Readings)]),
    st.data(),
)
def test_a_trace_of_another_reading_is_faulted_on_that_readings_rule_only(
    scenario: object, readings: Readings, field: str, data: st.DataObject
) -> None:
    options = type(getattr(readings, field))
    other = replace(readings, **{field: data.draw(st.sampled_from(options))})
    assume(refused_setting(replace(scenario, readings=other)) is None)  # type: ignore[type-var]
    made = engine.run(replace(scenario, readings=other))  # type: ignore[type-var]
    rule = READINGS[field.replace("_", "-")].rule
    found = {v.rule for v in judge(replace(scenario, readings=readings), made)}  # type: ignore[type-var]
    assert found <= ({rule} | STATUS_RULES if rule in STATUS_RULES else {rule})


def _run(tmp_path: Path, *adapter_options: str, reading_options: tuple[str, ...] = ()) -> tuple[int, dict]:
    folder = tmp_path / "report"
    command = [
        sys.executable, "-m", "pytest", *suite.pytest_arguments(), "-q", "-p", "no:cacheprovider",
        "--adapter", shlex.join([*ADAPTER, *adapter_options]), "--report-dir", str(folder),
        *[f"--reading={r}" for r in reading_options],
    ]  # fmt: skip
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    assert (folder / "report.json").is_file(), done.stdout[-3000:] + done.stderr[-3000:]
    return done.returncode, json.loads((folder / "report.json").read_text(encoding="utf-8"))


def _verdict(report: dict, rule: str) -> str:
    return next(r["verdict"] for r in report["rules"] if r["id"] == rule)


def _pairs() -> list[tuple[str, str]]:
    return [(name, value) for name in JUDGED for value in alternatives()[name]]


@pytest.mark.parametrize(("name", "value"), _pairs())
def test_declaring_and_following_an_alternative_conforms_under_it(
    tmp_path: Path, name: str, value: str
) -> None:
    status, report = _run(tmp_path, f"--reading={name}={value}")
    assert (status, report["conforms"]) == (0, "yes"), report["reasons"]
    assert {"name": name, "value": value, "declared": True, "rule": READINGS[name].rule} in report[
        "readings"
    ]["each"]
    assert f"{name}={value}" in report["readings"]["summary"]
    judged = [
        s for s in report["scenarios"] if READINGS[name].rule in s["rules"] and s["verdict"] == "passed"
    ]
    assert judged, f"no scenario of {READINGS[name].rule} was judged under {name}={value}"


@pytest.mark.parametrize(("name", "value"), _pairs())
def test_declaring_one_alternative_and_following_another_fails(tmp_path: Path, name: str, value: str) -> None:
    followed = next(v for v in alternatives()[name] if v != value)
    status, report = _run(tmp_path, f"--declare={name}={value}", f"--implement={name}={followed}")
    rule = READINGS[name].rule
    assert (status, report["conforms"], _verdict(report, rule)) == (1, "no", "failed"), report["reasons"]
    assert next(r for r in report["rules"] if r["id"] == rule)["kind"] == "declared reading"


@pytest.mark.parametrize("name", JUDGED)
def test_the_user_declares_a_reading_for_a_target_that_follows_another(tmp_path: Path, name: str) -> None:
    """--reading speaks for the product: a target that does otherwise fails."""
    other = alternatives()[name][1]
    status, report = _run(tmp_path, reading_options=(f"{name}={other}",))
    assert (status, report["conforms"], _verdict(report, READINGS[name].rule)) == (1, "no", "failed")


@pytest.mark.parametrize("name", JUDGED)
def test_following_an_alternative_undeclared_is_reported_as_differing(tmp_path: Path, name: str) -> None:
    other = alternatives()[name][1]
    status, report = _run(tmp_path, f"--implement={name}={other}")
    assert (status, report["conforms"]) == (0, "yes")
    assert _verdict(report, READINGS[name].rule) == "differs from interpretation"
    assert report["readings"]["summary"] == "under the kit's default readings"


@pytest.mark.parametrize(
    ("declared", "expected"),
    [((), (0, "yes", "differs from interpretation")), (("no-retries",), (1, "no", "failed"))],
)
def test_a_target_that_refuses_a_retry_count_of_zero(
    tmp_path: Path, declared: tuple[str, ...], expected: tuple[int, str, str]
) -> None:
    """Refusing a count of 0 is following 'rejected': undeclared it differs from the kit's reading; with
    another alternative declared it fails the declared reading."""
    options = [f"--declare=retry-count-zero={value}" for value in declared]
    status, report = _run(tmp_path, "--implement=retry-count-zero=rejected", *options)
    assert (status, report["conforms"], _verdict(report, "JR.COUNT.ZERO")) == expected, report["reasons"]
    zero = [
        s for s in report["scenarios"] if "JR.COUNT.ZERO" in s["rules"] and s["verdict"] != "not applicable"
    ]
    assert any("refused" in str(s["violations"]) for s in zero)
