"""The kit as a vendor gets it: a wheel built from this checkout, installed in a fresh virtual environment
outside it, run from a folder of the vendor's own (with its own `steps` package and a pytest.ini of its own)
against the reference, the Node.js example and a wrong implementation."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from checkout import ROOT

LEFT_OUT = shutil.ignore_patterns(
    ".git", ".venv", "build", "reports", "mutants", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis"
)
"""What a clean checkout does not hold: the copy the wheel is built from has only the project's files."""


@dataclass(frozen=True)
class Installed:
    wheel: Path
    bin: Path
    vendor: Path
    """A folder of the vendor's, outside the checkout and the environment."""

    def run(self, *command: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        environment = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        return subprocess.run(
            [str(self.bin / command[0]), *command[1:]],
            cwd=cwd or self.vendor,
            env=environment,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def adapters(self) -> dict[str, str]:
        """`retry-kit adapters`: each shipped adapter's name and command line."""
        listing = self.run("retry-kit", "adapters")
        assert listing.returncode == 0, listing.stderr
        rows = [line.split(maxsplit=1) for line in listing.stdout.splitlines()[1:]]
        return {name: command for name, command in rows}


def _checked(command: list[str], cwd: Path) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{shlex.join(command)}:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    shutil.copytree(ROOT, source, ignore=LEFT_OUT, symlinks=True)
    _checked(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(base / "dist"), str(source)], base
    )
    (wheel,) = (base / "dist").glob("*.whl")
    _checked([sys.executable, "-m", "venv", str(base / "venv")], base)
    _checked([str(base / "venv" / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)], base)
    vendor = base / "vendor"
    (vendor / "steps").mkdir(parents=True)
    (vendor / "steps" / "__init__.py").write_text("VENDOR = True\n", encoding="utf-8")
    (vendor / "pytest.ini").write_text(
        "[pytest]\naddopts = --an-option-the-kit-does-not-know\n", encoding="utf-8"
    )
    return Installed(wheel, base / "venv" / "bin", vendor)


def test_the_wheel_installs_one_top_level_package_with_every_file_a_run_reads(installed: Installed) -> None:
    names = zipfile.ZipFile(installed.wheel).namelist()
    assert {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")} == {"retrykit"}
    for needed in (
        "retrykit/features/catalogue.toml",
        "retrykit/features/retry_count.feature",
        "retrykit/features/run.ini",
        "retrykit/features/suite-strength.json",
        "retrykit/schemas/protocol.schema.json",
        "retrykit/adapters/node/adapter.mjs",
        "retrykit/reference/engine.py",
        "retrykit/steps/plugin.py",
        "retrykit/templates/report.html.j2",
    ):
        assert needed in names, needed
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "[pytest11]" in zipfile.ZipFile(installed.wheel).read(entry_points).decode()


def _report(folder: Path) -> dict[str, object]:
    report: dict[str, object] = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return report


def test_retry_kit_run_judges_the_reference_from_a_vendors_folder(installed: Installed) -> None:
    done = installed.run("retry-kit", "run", "-q")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "conforms to the page: yes" in done.stdout
    report = _report(installed.vendor / "reports" / "reference")
    assert report["conforms"] == "yes"
    verdicts = [s["verdict"] for s in report["scenarios"]]
    assert "passed" in verdicts and set(verdicts) <= {"passed", "not applicable"}, set(verdicts)
    vendors = installed.run("python", "-c", "import steps; print(steps.VENDOR)")
    assert vendors.stdout.strip() == "True", "the kit must not install a module named steps"


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_retry_kit_run_judges_the_node_example_adapter(installed: Installed) -> None:
    node = installed.adapters()["node-example"]
    assert "site-packages" in node, "the Node example is run from the installed package"
    done = installed.run("retry-kit", "run", "-q", "--adapter", node, "--report-dir", "node")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert _report(installed.vendor / "node")["conforms"] == "yes"


def test_a_wrong_implementation_fails_with_the_rule_it_breaks(installed: Installed) -> None:
    mutant = installed.adapters()["default-count-2"]
    done = installed.run("retry-kit", "run", "-q", "--adapter", mutant, "--report-dir", "mutant")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    report = _report(installed.vendor / "mutant")
    assert report["conforms"] == "no"
    assert {r["id"]: r["verdict"] for r in report["rules"]}["JR.COUNT.DEFAULT"] == "failed"


def test_pytest_pyargs_runs_the_installed_features(installed: Installed, tmp_path: Path) -> None:
    done = installed.run("python", "-m", "pytest", "--pyargs", "retrykit.features", "-q", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert _report(tmp_path / "reports" / "reference")["conforms"] == "yes"
