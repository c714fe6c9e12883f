"""The README's shell examples, run in order as written against `make run`'s stack.

The stack is started as `make run` starts it (migrate, collectstatic, ensure_admin, honcho
with the Procfile) on a free port, which replaces 8000 in the examples. Each example runs in
one bash session (variables such as TOKEN carry over), under ``set -euo pipefail``; every curl
records its HTTP status, which must be 2xx (or 304), or what the example's ``# → NNN``
comment says, and every JSON answer must parse.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_procfile_stack import (
    base_env,
    free_port,
    get_json,
    start_procfile,
    stop,
    wait_for,
)

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
FENCED = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)
INDENTED = re.compile(r"(?:^\n)((?:^    \S.*\n)(?:^    .*\n|^\n(?=    ))*)", re.MULTILINE)
ASSIGNED = re.compile(r"^([A-Z][A-Z_]*)=", re.MULTILINE)
EXPECTED = re.compile(r"#\s*→\s*(\d{3})\b")
# Examples not run here, each with its reason.
NOT_RUN = {
    "make run": "it is the stack this test starts",
    "docker compose": "needs Docker; tests/ops covers the compose file",
    "/api/v1/webhooks": "needs a receiver whose public host name resolves (tests/notify)",
}

pytestmark = pytest.mark.integration


def shell_examples(readme: str) -> list[str]:
    """The README's shell examples in order: ```sh blocks and indented command blocks."""
    found = [(m.start(), m.group(1)) for m in FENCED.finditer(readme)]
    for match in INDENTED.finditer(readme):
        block = "\n".join(line[4:] for line in match.group(1).splitlines())
        if re.match(r"(\.venv/bin/|curl |[A-Z_]+=)", block):
            found.append((match.start(), block + "\n"))
    return [block for _, block in sorted(found)]


def runnable(block: str) -> bool:
    return not any(marker in block for marker in NOT_RUN)


PREAMBLE = r"""
set -euo pipefail
curl() {
  local out status
  out=$(mktemp)
  status=$(command curl -S -w '%{http_code}' -o "$out" "$@") || { cat "$out"; return 1; }
  echo "$status" >> "$CODES"
  cat "$out"; echo
  rm -f "$out"
}
"""


@pytest.fixture(scope="module")
def make_run(tmp_path_factory):
    """`make run`'s stack on a free port, on the embedded defaults in a fresh VAR_DIR."""
    tmp = tmp_path_factory.mktemp("readme")
    port = free_port()
    env = base_env(tmp, port)
    env.pop("POLL_INTERVAL_SECONDS")  # make run's default interval
    (tmp / "var").mkdir()
    manage = [str(BIN / "python"), "manage.py"]
    for command in (
        ["migrate", "--noinput"],
        ["collectstatic", "--noinput", "--verbosity", "0"],
        ["ensure_admin"],
    ):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    log = tmp / "stack.log"
    with open(log, "wb") as out:
        honcho = start_procfile(env, port, out)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(
            lambda: (get_json(f"{base}/api/v1/status/") or {}).get("stale") is False,
            90,
            "a first poll",
        )
        yield {"port": port, "env": env, "tmp": tmp, "log": log}
    finally:
        stop(f"STACK_TAG={env['STACK_TAG']}")
        honcho.wait(timeout=20)


def test_readme_lists_its_examples():
    examples = shell_examples((ROOT / "README.md").read_text())
    assert any("issue_token" in e and "/api/v1/overrides/" in e for e in examples)
    assert any("pdn scenario" in e for e in examples)
    assert any("pdn set down" in e for e in examples)


def test_readme_shell_examples_run_as_written(make_run):
    examples = [e for e in shell_examples((ROOT / "README.md").read_text()) if runnable(e)]
    state = make_run["tmp"] / "state.sh"
    state.write_text("")
    codes = make_run["tmp"] / "codes"
    env = {**make_run["env"], "CODES": str(codes)}
    for example in examples:
        command = example.replace("127.0.0.1:8000", f"127.0.0.1:{make_run['port']}")
        codes.write_text("")
        names = sorted(set(ASSIGNED.findall(example)))
        keep = f"declare -p {' '.join(names)} >> {state}" if names else ""
        script = f"{PREAMBLE}\nsource {state}\n{command}\n{keep}\n"
        result = subprocess.run(
            ["bash", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        where = (
            f"{example}\n--- out ---\n{result.stdout[-3000:]}\n--- err ---\n{result.stderr[-3000:]}"
        )
        assert result.returncode == 0, where + make_run["log"].read_text(errors="replace")[-3000:]
        expected = [int(c) for c in EXPECTED.findall(example)]
        got = [int(c) for c in codes.read_text().split()]
        calls = example.count("curl ")
        assert len(got) == calls, where
        unexpected = [c for c in got if c not in expected and not (200 <= c < 300 or c == 304)]
        assert unexpected == [] and all(c in got for c in expected), (got, where)
        check_json(result.stdout, where)


def check_json(output: str, where: str) -> None:
    """Each JSON document the example printed parses (headers of `curl -i` aside)."""
    for line in output.splitlines():
        if line.startswith(("{", "[")):
            json.loads(line)
        assert "Traceback" not in line, where
