"""Adapter starters (retry-kit new-adapter): each language's starter, generated and built, speaks the
protocol through the kit; untouched it declares nothing and answers 'skipped', so a run judges nothing
(not established); completed at its one marked place with a model of the product, it reaches yes."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from checkout import ROOT

from retrykit import starters
from retrykit.adapter import AdapterTarget
from retrykit.cli import main
from retrykit.drivers import CORE_CAPABILITIES
from retrykit.errors import TargetSkipped
from retrykit.reference.model import ChainFormat, Job, Scenario, SessionPlan
from retrykit.validation import validate

NAME = "acme-adapter"
TOOLS = {"python": (), "node": ("node",), "go": ("go",), "java": ("javac", "java")}
CAPABILITIES = sorted(CORE_CAPABILITIES)
BUILD_TIMEOUT = 300
SUITE_TIMEOUT = 600
NODE_MODEL_END = "\nfunction answer("
"""Where the Node example adapter's model ends and its protocol loop begins."""

PRODUCT = """\
import json
import sys

from retrykit.reference import engine
from retrykit.codec import scenario_from_json, trace_to_json

json.dump(trace_to_json(engine.run(scenario_from_json(json.load(sys.stdin)))), sys.stdout)
"""
"""A stand-in for a product's command line: one scenario on stdin, its trace on stdout."""


def _require(language: str) -> None:
    for tool in TOOLS[language]:
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (.ci/run installs it, so CI runs this test)")


def _generate(language: str, folder: Path) -> starters.Starter:
    assert main(["new-adapter", "--lang", language, str(folder), "--name", NAME]) == 0
    files = sorted(folder.iterdir())
    main_file = next(path for path in files if starters.MARK_START in path.read_text(encoding="utf-8"))
    return starters.Starter(files, main_file)


def _build(language: str, folder: Path) -> list[str]:
    """Build the starter where it needs building; its command line."""
    if language == "go":
        subprocess.run(["go", "build", "-o", "adapter", "."], cwd=folder, check=True, timeout=BUILD_TIMEOUT)
    if language == "java":
        subprocess.run(["javac", "Adapter.java"], cwd=folder, check=True, timeout=BUILD_TIMEOUT)
    return {
        "python": [sys.executable, str(folder / "adapter.py")],
        "node": ["node", str(folder / "adapter.mjs")],
        "go": [str(folder / "adapter")],
        "java": ["java", "-cp", str(folder), "Adapter"],
    }[language]


def _complete(main_file: Path, code: str) -> None:
    """Put ``code`` in place of what lies between the starter's two marker lines."""
    lines = main_file.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if starters.MARK_START in line)
    end = next(i for i, line in enumerate(lines) if starters.MARK_END in line)
    main_file.write_text("".join([*lines[: start + 1], code, *lines[end:]]), encoding="utf-8")


def _suite(command: list[str], report_dir: Path) -> tuple[int, dict]:
    options = ["--adapter", shlex.join(command), "--report-dir", str(report_dir)]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SUITE_TIMEOUT,
        check=False,
    )
    return done.returncode, json.loads((report_dir / "report.json").read_text(encoding="utf-8"))


def _processes_naming(path: str) -> list[int]:
    """Processes whose command line names the path (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if path in entry.joinpath("cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.fixture(scope="module", params=starters.LANGUAGES)
def untouched(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A starter as new-adapter writes it, built; its command line."""
    language: str = request.param
    _require(language)
    folder = tmp_path_factory.mktemp(language) / NAME
    _generate(language, folder)
    return _build(language, folder)


# -- new-adapter --------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", starters.LANGUAGES)
def test_a_starter_carries_its_name_and_one_marked_place(language: str, tmp_path: Path) -> None:
    starter = _generate(language, tmp_path / "adapter")
    texts = [path.read_text(encoding="utf-8") for path in starter.files]
    assert not any(starters.PLACEHOLDER in text for text in texts)
    main_text = starter.main.read_text(encoding="utf-8")
    assert f'"{NAME}"' in main_text
    assert main_text.count(starters.MARK_START) == main_text.count(starters.MARK_END) == 1
    assert main_text.index(starters.MARK_START) < main_text.index(starters.MARK_END)
    readme = main_text[: main_text.index(starters.MARK_START)]
    assert all(
        word in readme for word in ("README", "Build:", "Run:", "check-adapter", "pytest features --adapter")
    )


def test_the_folder_name_is_the_default_name(tmp_path: Path) -> None:
    assert main(["new-adapter", "--lang", "python", str(tmp_path / "acme-2")]) == 0
    assert 'NAME = "acme-2"' in (tmp_path / "acme-2" / "adapter.py").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("existing", "arguments", "says"),
    [
        ("adapter/main.go", [], "exists and is not an empty folder"),
        ("adapter", [], "exists and is not an empty folder"),
        (None, ["--name", "acme adapter"], "cannot name an adapter"),
        (None, ["--name", '"; rm -rf /'], "cannot name an adapter"),
        (None, ["--name", "acme-"], "cannot name an adapter"),
    ],
    ids=[
        "a folder with a file",
        "a file",
        "a name with a space",
        "a name with a quote",
        "a name ending in -",
    ],
)
def test_new_adapter_refuses_in_one_line(
    existing: str | None, arguments: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if existing is not None:
        (tmp_path / existing).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / existing).write_text("")
    before = sorted(tmp_path.rglob("*"))
    assert main(["new-adapter", "--lang", "go", str(tmp_path / "adapter"), *arguments]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("retry-kit new-adapter: ") and says in err
    assert sorted(tmp_path.rglob("*")) == before


# -- untouched: the protocol through the kit ----------------------------------------------------------


def test_an_untouched_starter_shakes_hands_answers_skipped_and_exits(untouched: list[str]) -> None:
    target = AdapterTarget(untouched, timeout=30)
    target.start()
    assert (target.identity.name, target.identity.version, target.protocol) == (NAME, "0.1.0", "1.1")
    assert target.identity.capabilities == frozenset()
    scenario = Scenario(Job("Starter job", ("VM 1", "VM 2"), ChainFormat.PER_MACHINE), (SessionPlan(),))
    with pytest.raises(TargetSkipped, match="not connected to a product yet"):
        target.run(scenario)
    assert target.restarts == 0
    target.close()
    assert _processes_naming(next(part for part in untouched if NAME in part)) == []


def test_check_adapter_accepts_an_untouched_starter_and_sends_it_to_declare_its_chain_formats(
    untouched: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """It speaks the whole protocol, so the check passes; the runs are not applicable until it declares
    what it implements, and the checklist says so."""
    assert main(["check-adapter", shlex.join(untouched), "--adapter-timeout", "30"]) == 0
    checklist = capsys.readouterr().out
    assert "[ ok ] handshake" in checklist and "declare the chain formats" in checklist
    assert checklist.count("[n/a ]") == 2
    assert "[ ok ] shutdown" in checklist


def test_an_untouched_starter_judges_nothing_so_conformance_is_not_established(
    untouched: list[str], tmp_path: Path
) -> None:
    status, report = _suite(untouched, tmp_path / "report")
    assert report["conforms"] == "not established"
    assert "no scenario could be judged" in report["reasons"]
    assert {s["verdict"] for s in report["scenarios"]} == {"not applicable"}
    assert status == 1 and report["accepted"] is False


MALFORMED = [
    ('{"type":"hello","protocol":"1.1","kit":{"name":"k","version":"0"}}', "hello"),
    (
        '{"type":"run","seq":1,"scenario":{"a":[1,-2.5e3,0,true,false,null,{},[]],"b":"\\u00e9\\ud83d\\ude00"}}',
        "skipped 1",
    ),
    ("not JSON", None),
    ('{"type":"run","seq":2}', "error 2"),
    ('{"type":"run","seq":3,"scenario":[]}', "error 3"),
    ('{"type":"bogus","seq":4}', "error 4"),
    ('{"type":"b\\u00e9\\"\\\\\\n\\ud83d\\ude00","seq":5}', "error 5"),
    ('{"type":"run","seq":0,"scenario":{}}', None),
    ('{"type":"run","seq":"6","scenario":{}}', None),
    ('{"type":"run","scenario":{}}', None),
    ('{"type":"run","seq":7,"scenario":{}} trailing', None),
    ('{"type":"run","seq":8,"scenario":{"a":1}', None),
    ("[1,2]", None),
    ("   ", None),
    ('{"type":"shutdown"}', None),
    ('{"type":"bogus","seq":9}', None),
]


def test_an_untouched_starter_answers_malformed_lines_with_an_error_when_it_has_a_seq(
    untouched: list[str],
) -> None:
    done = subprocess.run(
        untouched,
        input="".join(f"{line}\n" for line, _ in MALFORMED).encode(),
        capture_output=True,
        timeout=60,
        check=False,
    )
    answers = [json.loads(line) for line in done.stdout.decode().splitlines()]
    for answer in answers:
        validate("protocol", answer, "adapter_message")
    assert [f"{a['type']} {a['seq']}" if "seq" in a else a["type"] for a in answers] == [
        expected for _, expected in MALFORMED if expected
    ]
    assert answers[0]["capabilities"] == []
    assert answers[4]["message"] == "unknown message type: bogus"
    assert answers[5]["message"] == 'unknown message type: b\u00e9"\\\n\U0001f600'
    assert done.returncode == 0
    assert done.stderr, "the lines it could not answer are reported on stderr"


# -- the Java starter's own JSON reader and writer ----------------------------------------------------

JSON_CHECK = """\
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

public final class JsonCheck {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            try {
                System.out.print(Adapter.Json.write(Adapter.Json.parse(line)) + "\\n");
            } catch (Adapter.Json.Malformed malformed) {
                System.out.print("malformed\\n");
            }
        }
    }
}
"""
VALID_JSON = [
    '{"a":[1,-2,3.5,-0.25e-3,1E+2,0,-0,12345678901234567890123],"b":{"c":null,"d":true,"e":false},"f":""}',
    '"\\u0000\\u001f\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00 \u20ac \U0001f600"',
    " [ ] ",
    "{}",
    ' { "a" : [ 1 , { } ] } ',
    "[" * 100 + "]" * 100,
    '{"dup":1,"dup":2}',
]
INVALID_JSON = [
    '{"a":1,}',
    "[1,]",
    "01",
    "1.",
    ".5",
    "1e",
    "+1",
    "-",
    '"\\x"',
    '"\\u12G4"',
    '"a\tb"',
    '{"a" 1}',
    "{a:1}",
    "tru",
    "nul",
    "[1 2]",
    '"unterminated',
    '{"a":1} x',
    "NaN",
    "Infinity",
    "",
    "[" * 600 + "]" * 600,
]


def test_the_java_starter_reads_and_writes_json_as_python_does(tmp_path: Path) -> None:
    _require("java")
    folder = tmp_path / NAME
    _generate("java", folder)
    _build("java", folder)
    (folder / "JsonCheck.java").write_text(JSON_CHECK, encoding="utf-8")
    subprocess.run(["javac", "-cp", str(folder), "JsonCheck.java"], cwd=folder, check=True, timeout=120)
    done = subprocess.run(
        ["java", "-cp", str(folder), "JsonCheck"],
        input="".join(f"{text}\n" for text in VALID_JSON + INVALID_JSON).encode(),
        capture_output=True,
        timeout=60,
        check=True,
    )
    written = done.stdout.decode("ascii").splitlines()
    assert len(written) == len(VALID_JSON) + len(INVALID_JSON)
    for text, line in zip(VALID_JSON, written, strict=False):
        assert json.loads(line) == json.loads(text), text
    assert written[len(VALID_JSON) :] == ["malformed"] * len(INVALID_JSON)


# -- completed: a model in the marked place reaches yes -----------------------------------------------


def _python_model(folder: Path, main_file: Path) -> None:
    _complete(
        main_file,
        f"""\
from retrykit.reference import engine  # noqa: E402
from retrykit.codec import scenario_from_json, trace_to_json  # noqa: E402

CAPABILITIES = {CAPABILITIES!r}


def run_scenario(scenario: dict) -> dict:
    return trace_to_json(engine.run(scenario_from_json(scenario)))


""",
    )


def _node_model(folder: Path, main_file: Path) -> None:
    example = (ROOT / "adapters" / "node" / "adapter.mjs").read_text(encoding="utf-8")
    assert NODE_MODEL_END in example and "export function run(" in example
    (folder / "model.mjs").write_text(example[: example.index(NODE_MODEL_END)], encoding="utf-8")
    _complete(
        main_file,
        f"""\
import {{ run as model }} from "./model.mjs";

const CAPABILITIES = {json.dumps(CAPABILITIES)};

async function runScenario(scenario) {{
  return model(scenario);
}}

""",
    )


def _go_product(folder: Path, main_file: Path) -> None:
    (folder / "product.py").write_text(PRODUCT, encoding="utf-8")
    text = main_file.read_text(encoding="utf-8")
    main_file.write_text(text.replace('\t"os"\n', '\t"os"\n\t"os/exec"\n', 1), encoding="utf-8")
    _complete(
        main_file,
        f"""\
var capabilities = []string{{{json.dumps(CAPABILITIES)[1:-1]}}}

func runScenario(scenario map[string]any) (map[string]any, error) {{
	input, err := json.Marshal(scenario)
	if err != nil {{
		return nil, err
	}}
	product := exec.Command({json.dumps(sys.executable)}, {json.dumps(str(folder / "product.py"))})
	product.Stdin = bytes.NewReader(input)
	product.Stderr = os.Stderr
	output, err := product.Output()
	if err != nil {{
		return nil, err
	}}
	var trace map[string]any
	return trace, json.Unmarshal(output, &trace)
}}

""",
    )


def _java_product(folder: Path, main_file: Path) -> None:
    (folder / "product.py").write_text(PRODUCT, encoding="utf-8")
    _complete(
        main_file,
        f"""\
    static final List<String> CAPABILITIES = List.of({json.dumps(CAPABILITIES)[1:-1]});

    @SuppressWarnings("unchecked")
    static Map<String, Object> runScenario(Map<String, Object> scenario) throws Exception {{
        String[] command = {{{json.dumps(sys.executable)}, {json.dumps(str(folder / "product.py"))}}};
        Process product = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (java.io.OutputStream input = product.getOutputStream()) {{
            input.write(Json.write(scenario).getBytes(StandardCharsets.UTF_8));
        }}
        String output = new String(product.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (product.waitFor() != 0) {{
            throw new IllegalStateException("the product failed");
        }}
        return (Map<String, Object>) Json.parse(output);
    }}

""",
    )


COMPLETIONS: dict[str, Callable[[Path, Path], None]] = {
    "python": _python_model,
    "node": _node_model,
    "go": _go_product,
    "java": _java_product,
}
"""Python: the kit's reference engine; Node: the example adapter's model; Go and Java: a product behind a
command line (the reference engine, one process per scenario), as a vendor's product often is."""


@pytest.mark.parametrize("language", starters.LANGUAGES)
def test_a_completed_starter_conforms(
    language: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _require(language)
    folder = tmp_path / NAME
    starter = _generate(language, folder)
    COMPLETIONS[language](folder, starter.main)
    command = _build(language, folder)
    assert main(["check-adapter", shlex.join(command), "--adapter-timeout", "30"]) == 0, (
        capsys.readouterr().out
    )
    status, report = _suite(command, tmp_path / "report")
    assert report["conforms"] == "yes", report["reasons"]
    assert report["implementation"]["name"] == NAME
    assert status == 0
