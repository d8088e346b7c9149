"""A shipped mutant that hides itself: it answers 'skipped' exactly where it would be caught.

    python tests/trust_adapters/skip_proxy.py MUTANT

MUTANT names a member of MUTANTS or READINGS in adapters/mutants.py, loaded by
retrykit.mutation.shipped() and applied the way mutants.py serves it (its patch, then its
rewrite of each trace). Every scenario is also run through the unpatched reference, in a child process
(the patch changes the reference engine in this one): where the two traces differ in anything the page or
the kit decides (retrykit.canonical.canonical), or the kit's oracles find a rule broken (a wait between
retries, which the clock-free canonical form leaves out), the answer is 'skipped'; elsewhere it is the
mutant's trace. A run that skips a scenario whose capabilities were declared must never be reported as
conforming. Declares every capability.

When $TRUST_ADAPTER_PIDS names a folder, this process and its child leave a file named for their pid
there, so the tests can check that nothing outlives the harness.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from retrykit import __version__  # noqa: E402
from retrykit.canonical import canonical  # noqa: E402
from retrykit.codec import scenario_from_json, trace_from_json  # noqa: E402
from retrykit.drivers import ALL_CAPABILITIES  # noqa: E402
from retrykit.mutation import shipped  # noqa: E402
from retrykit.oracles import judge  # noqa: E402
from retrykit.serve import Unsupported, serve  # noqa: E402

Json = dict[str, Any]
REFERENCE_ADAPTER = ROOT / "adapters" / "reference_adapter.py"


def note(pid: int, role: str) -> None:
    if folder := os.environ.get("TRUST_ADAPTER_PIDS"):
        Path(folder, str(pid)).write_text(role, encoding="utf-8")


class Reference:
    """The reference adapter in a child process (same process group, so the harness ends it with us)."""

    def __init__(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(REFERENCE_ADAPTER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        note(self.process.pid, "reference child")
        self.seq = 0
        self._ask({"type": "hello", "protocol": "1.0", "kit": {"name": "skip-proxy", "version": "0"}})

    def _ask(self, message: Json) -> Json:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError("the reference child exited")
        return json.loads(line)

    def trace(self, scenario: Json) -> Json:
        self.seq += 1
        answer = self._ask({"type": "run", "seq": self.seq, "scenario": scenario})
        if answer.get("type") != "result":
            raise RuntimeError(f"the reference child answered {answer!r}")
        return answer["trace"]

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()  # end of input: serve returns and the child exits
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main(argv: list[str]) -> int:
    module = shipped()
    every = module.MUTANTS | module.READINGS
    if len(argv) != 2 or argv[1] not in every:
        print(f"usage: {argv[0]} MUTANT   (one of: {', '.join(every)})", file=sys.stderr)
        return 2
    note(os.getpid(), "skip proxy")
    reference = Reference()  # started before the patch, though it runs in a process of its own anyway
    mutant = every[argv[1]]
    mutant_run = module.run_with(mutant)  # applies mutant.patch(); the run applies mutant.rewrite

    def run(scenario: Json) -> Json:
        expected = canonical(trace_from_json(reference.trace(scenario)))
        try:
            answer = mutant_run(scenario)
            differs = canonical(trace_from_json(answer)) != expected
        except Exception as error:  # the mutant crashed or answered an invalid trace: that differs too
            raise Unsupported(f"hiding mutant {mutant.name}: it could not answer ({error})") from None
        if differs or judge(scenario_from_json(scenario), trace_from_json(answer)):
            raise Unsupported(f"hiding mutant {mutant.name}: its trace differs from the reference's here")
        return answer

    try:
        return serve(
            run, name=f"skip-proxy-{mutant.name}", version=__version__, capabilities=ALL_CAPABILITIES
        )
    finally:
        reference.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
