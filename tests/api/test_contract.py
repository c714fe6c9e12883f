"""The API contract checked by tools nobody here wrote, against the running Procfile stack:
schemathesis (every check, anonymously and with a token) and Redocly's recommended rules."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
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
CONFIG = Path(__file__).parent / "schemathesis.toml"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """The Procfile stack on the embedded defaults, limits off (a fuzzer sends thousands of
    requests), with an API token of the admin account."""
    tmp = tmp_path_factory.mktemp("contract")
    port = free_port()
    env = base_env(tmp, port)
    (tmp / "var").mkdir()
    env.update(API_ANON_READ_RATE="off", API_TOKEN_READ_RATE="off", API_TOKEN_WRITE_RATE="off")
    manage = [str(BIN / "python"), "manage.py"]
    for command in (["migrate", "--noinput", "-v0"], ["ensure_admin"]):
        subprocess.run([*manage, *command], cwd=ROOT, env=env, check=True, capture_output=True)
    token = subprocess.run(
        [*manage, "issue_token", "admin", "--name", "contract"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    log = tmp / "stack.log"
    with open(log, "wb") as out:
        honcho = start_procfile(env, port, out)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: get_json(f"{base}/api/v1/status/"), 90, "the stack")
        yield {"base": base, "token": token, "tmp": tmp}
    finally:
        stop(f"STACK_TAG={env['STACK_TAG']}")
        honcho.wait(timeout=20)


def schemathesis(stack, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(BIN / "schemathesis"),
            "--config-file",
            str(CONFIG),
            "run",
            f"{stack['base']}/api/schema/",
            "--checks",
            "all",
            "--max-examples",
            "25",
            "--seed",
            "19",
            "--generation-database",
            "none",
            "--workers",
            "1",
            "--no-color",
            *extra,
        ],
        cwd=stack["tmp"],
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_schemathesis_finds_nothing_anonymously(stack):
    result = schemathesis(stack)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "unique failures" not in result.stdout or " 0 unique" in result.stdout


WEBHOOKS = "^/api/v1/webhooks"


def test_schemathesis_finds_nothing_with_a_token(stack):
    token = ("--header", f"Authorization: Bearer {stack['token']}")
    result = schemathesis(stack, *token, "--exclude-path-regex", WEBHOOKS)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_schemathesis_finds_nothing_in_webhooks_but_urls_that_do_not_resolve(stack):
    # The webhooks API refuses a URL whose host does not resolve (400): the schema cannot say
    # which hosts resolve, and generated hosts never do, so positive_data_acceptance is left
    # out for these operations alone; every other check runs.
    token = ("--header", f"Authorization: Bearer {stack['token']}")
    result = schemathesis(
        stack,
        *token,
        "--include-path-regex",
        WEBHOOKS,
        "--exclude-checks",
        "positive_data_acceptance",
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


REDOCLY = "@redocly/cli@2.11.0"


def test_redocly_recommended_rules_report_no_error(stack):
    npx = shutil.which("npx")
    if npx is None:
        pytest.fail("npx (Node.js) is needed to run Redocly's linter")
    schema = stack["tmp"] / "openapi.yaml"
    with urllib.request.urlopen(f"{stack['base']}/api/schema/", timeout=10) as response:
        schema.write_bytes(response.read())
    result = subprocess.run(
        [npx, "--yes", REDOCLY, "lint", str(schema), "--format", "summary"],
        cwd=stack["tmp"],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "REDOCLY_TELEMETRY": "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE": "true"},
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "error " not in result.stdout, result.stdout
