"""The Procfile stack as `make run` starts it: honcho, gunicorn, Celery worker and beat.

docker-compose.yml runs the same commands, so these tests cover it too.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import psycopg2
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_compose_runs_the_procfile_commands():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name, command in procfile().items():
        assert compose[name]["command"] == command, name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)
    except OSError:
        return None


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


def tagged_pids(tag: str) -> list[int]:
    """Processes whose environment carries ``tag`` (honcho gives each its own session)."""
    pids = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if tag.encode() in environ.read_bytes().split(b"\0"):
                pids.append(int(environ.parent.name))
        except OSError:
            continue
    return [p for p in pids if p != os.getpid()]


def stop(tag: str) -> None:
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        for pid in tagged_pids(tag):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while tagged_pids(tag) and time.monotonic() < deadline:
            time.sleep(0.2)


def start_procfile(env: dict[str, str], port: int, out) -> subprocess.Popen:
    """``make run``'s processes: the Procfile under honcho, in a session of its own."""
    return subprocess.Popen(
        [str(BIN / "honcho"), "start", "-f", "Procfile", "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def run_stack(env: dict[str, str], port: int, log: Path):
    """Migrate, start the Procfile stack, flip the simulator, and follow the API."""
    manage = [str(BIN / "python"), "manage.py"]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    with open(log, "wb") as out:
        honcho = start_procfile(env, port, out)
    url = f"http://127.0.0.1:{port}/api/v1/status/"

    def services(office: str) -> dict | None:
        body = get_json(url)
        if not body:
            return None
        found = next(o for o in body["offices"] if o["code"] == office)
        return {s["code"]: s for s in found["services"]}

    try:
        wait_for(lambda: (get_json(url) or {}).get("stale") is False, 90, "a first poll")
        subprocess.run(
            [*manage, "pdn", "set", "degraded", "--cekal", "down"], cwd=ROOT, env=env, check=True
        )
        partial = wait_for(
            lambda: (
                (s := services("muara-enim")) and s["passport-regular"]["state"] == "partial" and s
            ),
            30,
            "passport-regular partial",
        )
        assert partial["passport-regular"]["available_stages"] == [
            "interview",
            "biometrics",
            "photo",
        ]
        assert partial["passport-express"]["state"] == "closed"
        assert partial["foreign-stay-permit"]["available_stages"] == ["biometrics"]
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
        assert page.status == 200
        check_the_wire(f"http://127.0.0.1:{port}")
    except BaseException:
        print(log.read_text(errors="replace")[-4000:])
        raise
    finally:
        stop(f"STACK_TAG={env['STACK_TAG']}")
        honcho.wait(timeout=20)


WIRE_PATHS = [
    "/",
    "/kantor/palembang/",
    "/api/v1/status/",
    "/api/v1/events/",
    "/api/v2/summary.json",
    "/api/v2/incidents.json",
    "/feeds/advisories.atom",
    "/api/schema/",
    "/kantor/jakarta/",  # 404 page
    "/api/v1/offices/jakarta/",  # 404 in the API's shape
]


def check_the_wire(base: str) -> None:
    """HTTP as gunicorn puts it on a real socket, read by httpx over one keep-alive
    connection: HEAD sends headers only, so the GET after it parses; gzip when accepted,
    with the same ETag and a 304 for it."""
    import httpx

    with httpx.Client(base_url=base, timeout=10) as client:
        for path in WIRE_PATHS:
            # The stack polls every second. A poll between the HEAD and the GET publishes a
            # snapshot whose times differ under the same weak ETag, and its gzip length may
            # differ by a few bytes (4905 and 4909 seen for one ETag of an office page), so a
            # pair that straddles a poll is asked again. A HEAD whose length is wrong stays
            # wrong in every pair.
            for _ in range(5):
                head = client.head(path)
                got = client.get(path)
                assert head.status_code == got.status_code, path
                assert head.content == b"", path
                if head.headers.get("content-length") == got.headers.get("content-length"):
                    break
            assert head.headers.get("content-length") == got.headers.get("content-length"), path
            if got.status_code != 200:
                continue
            assert got.headers["content-encoding"] == "gzip", path
            assert "Accept-Encoding" in got.headers["vary"], path
            again = client.get(path, headers={"If-None-Match": got.headers["etag"]})
            assert again.status_code == 304 and again.content == b"", path
            plain = client.get(path, headers={"Accept-Encoding": "identity"})
            assert "content-encoding" not in plain.headers, path
            assert plain.headers["etag"] == got.headers["etag"] and plain.content, path


def base_env(tmp_path: Path, port: int) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        PATH=f"{BIN}:{env.get('PATH', '')}",
        VAR_DIR=str(tmp_path / "var"),
        PDN_HEALTH_URL=f"http://127.0.0.1:{port}/simulator/pdn/health",
        POLL_INTERVAL_SECONDS="1",
        # Following the simulator is under test here, not staleness: a worker that falls
        # three seconds behind on a loaded machine would turn every state unknown (and every
        # ETag new) between two requests of the wire check.
        STALE_AFTER_SECONDS="30",
        STACK_TAG=str(tmp_path),
        WEB_WORKERS="2",
    )
    return env


@pytest.mark.integration
def test_embedded_stack_follows_the_simulator(tmp_path):
    port = free_port()
    env = base_env(tmp_path, port)
    (tmp_path / "var").mkdir()
    run_stack(env, port, tmp_path / "stack.log")


@pytest.mark.integration
def test_production_like_stack_on_postgres_and_redis(tmp_path, postgres, redis_url, settings):
    db = settings.DATABASES["default"]
    name = "sli_stack_test"
    admin = psycopg2.connect(
        dbname="postgres",
        user=db["USER"],
        host=db["HOST"],
        port=db["PORT"],
        password=db["PASSWORD"],
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    port = free_port()
    env = base_env(tmp_path, port)
    (tmp_path / "var").mkdir()
    redis = urlparse(redis_url)
    env.update(
        DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{name}",
        REDIS_URL=f"redis://{redis.hostname}:{redis.port or 6379}/14",
        SECRET_KEY="stack-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SIMULATOR_ENABLED="1",
    )
    try:
        run_stack(env, port, tmp_path / "stack.log")
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
