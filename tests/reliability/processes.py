"""Processes the reliability tests start: actors, gunicorn, a Celery worker, a PostgreSQL.

Each runs in a session of its own, so that a test can kill a whole process group (a Celery
worker and its pool) without touching pytest, and each is stopped by its PID afterwards.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import missing
from tests.stack import BIN, ROOT, stop_process, wait_until

# Variables of the calling environment that would point a child at the wrong place.
OWN_VARIABLES = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DEBUG", "PORT"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def child_env(**values: str | float | int | None) -> dict[str, str]:
    """This environment without the test's own settings, plus ``values`` (None: left out)."""
    env = {k: v for k, v in os.environ.items() if k not in OWN_VARIABLES}
    env.update({k: str(v) for k, v in values.items() if v is not None})
    env["PYTHONUNBUFFERED"] = "1"
    return env


def spawn(command: list[str], env: dict[str, str], log: Path, **popen) -> subprocess.Popen:
    """Start ``command`` in a session of its own, its output appended to ``log``."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=popen.pop("stdout", out),
            stderr=out,
            start_new_session=True,
            **popen,
        )


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the process group ``process`` leads, and reap its leader."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=20)


def group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs (zombies awaiting their reaper do not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            state, _ppid, group = stat.read_text().rsplit(")", 1)[1].split()[:3]
            if int(group) == pgid and state != "Z":
                return True
    return False


# --- Actors ---------------------------------------------------------------------------------


class Actor:
    """One ``tests.reliability.actors`` process: wait until ready, say go, read its log."""

    def __init__(self, role: str, env: dict[str, str], workdir: Path, *args: str):
        self.name = f"{role}-{len(list(workdir.glob(f'{role}-*.json')))}"
        self.out = workdir / f"{self.name}.json"
        self.out.touch()
        command = [sys.executable, "-m", "tests.reliability.actors", role, "--out", str(self.out)]
        self.process = spawn(
            [*command, *args],
            env,
            workdir / f"{self.name}.log",
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ready(self) -> None:
        line = self.process.stdout.readline().strip()
        assert line == "ready", f"{self.name} did not start: {self.log()}"

    def go(self, start: float) -> None:
        self.process.stdin.write(f"go {start}\n")
        self.process.stdin.flush()

    def result(self, timeout: float = 120) -> object:
        """Wait for the process; return its JSON log."""
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            if self.process.poll() is None:
                stop_process(self.process)
        assert code == 0, f"{self.name} exited with {code}: {self.log()}"
        return json.loads(self.out.read_text())

    def log(self) -> str:
        return (self.out.parent / f"{self.name}.log").read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        stop_process(self.process)
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()


def run_actor(role: str, env: dict[str, str], workdir: Path, *args: str) -> object:
    """Run a role that needs no go (seed, check); return its result."""
    actor = Actor(role, env, workdir, *args)
    actor.process.stdin.close()
    return actor.result()


def go_together(actors: list[Actor], lead: float = 0.5) -> float:
    """Wait until every actor is ready; tell them all to start ``lead`` seconds from now."""
    for actor in actors:
        actor.ready()
    start = time.time() + lead
    for actor in actors:
        actor.go(start)
    return start


# --- gunicorn -------------------------------------------------------------------------------


def web_command() -> list[str]:
    """The Procfile's web command, run from this virtualenv."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    command = shlex.split(next(line for line in lines if line.startswith("web:"))[4:])
    return [str(BIN / command[0]), *command[1:]]


def web_env(port: int, database_url: str, var_dir: Path, **extra) -> dict[str, str]:
    """Production settings, as a deployment gives them, for this test's database and Redis."""
    return child_env(
        DJANGO_SETTINGS_MODULE="portal.settings",
        PORT=port,
        DATABASE_URL=database_url,
        VAR_DIR=var_dir,
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        **extra,
    )


def http_status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workdir: Path) -> Iterator[str]:
    """Serve the portal with the Procfile's gunicorn for the block; yield its base URL."""
    process = spawn(web_command(), env, workdir / "gunicorn.log")
    url = f"http://127.0.0.1:{env['PORT']}"
    try:
        wait_until(
            lambda: process.poll() is not None or http_status(f"{url}/api/v1/status/") == 200,
            60,
            "gunicorn to answer",
        )
        assert process.poll() is None, (workdir / "gunicorn.log").read_text()[-3000:]
        yield url
    finally:
        stop_process(process)


# --- Celery ---------------------------------------------------------------------------------


def celery_worker(env: dict[str, str], workdir: Path, name: str) -> subprocess.Popen:
    """A Celery worker with its pool, in a process group of its own."""
    return spawn(
        [
            str(BIN / "celery"),
            "-A",
            "portal",
            "worker",
            "--loglevel=INFO",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={name}-{secrets.token_hex(4)}@%h",
        ],
        env,
        workdir / f"{name}.log",
    )


def celery_beat(env: dict[str, str], workdir: Path) -> subprocess.Popen:
    schedule = workdir / f"celerybeat-schedule-{secrets.token_hex(4)}"
    return spawn(
        [str(BIN / "celery"), "-A", "portal", "beat", "--loglevel=INFO", f"--schedule={schedule}"],
        env,
        workdir / "beat.log",
    )


# --- A PostgreSQL server of the test's own ----------------------------------------------------


def postgres_bindir() -> Path | None:
    """The directory of ``initdb`` and ``pg_ctl`` (Debian keeps them out of PATH)."""
    found = shutil.which("pg_config")
    if found:
        bindir = subprocess.run([found, "--bindir"], capture_output=True, text=True).stdout
        if (Path(bindir.strip()) / "initdb").exists():
            return Path(bindir.strip())
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return versions[0].parent if versions else None


class OwnPostgres:
    """A throw-away PostgreSQL cluster on a free port, which a test may restart or crash.

    The shared server other tests use is never touched. As root, the cluster belongs to the
    ``postgres`` account (PostgreSQL refuses to run as root).
    """

    def __init__(self, bindir: Path):
        self.bindir = bindir
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="sli-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.restarts = 0
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self._run(
            "initdb", "-D", self.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"
        )
        self.pg_ctl("start")

    def pg_ctl(self, action: str, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        extra = ["-o", options, "-l", str(self.log)] if action in {"start", "restart"} else []
        self._run("pg_ctl", "-D", self.data, "-w", "-t", "60", *extra, *args, action)

    def restart(self, mode: str) -> None:
        """Restart the server: ``fast`` (a clean shutdown) or ``immediate`` (as if it crashed)."""
        self.pg_ctl("restart", "-m", mode)
        self.restarts += 1

    def copy_database(self, source_url: str, name: str) -> str:
        """Create database ``name`` as a copy of the database at ``source_url``; return its URL."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        dump = subprocess.run(
            [str(self.bindir / "pg_dump"), "--no-owner", "--no-privileges", "-d", source_url],
            check=True,
            capture_output=True,
            timeout=120,
        ).stdout
        psql = [str(self.bindir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", self.url(name)]
        subprocess.run(psql, input=dump, check=True, capture_output=True, timeout=120)
        return self.url(name)

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, program: str, *args) -> None:
        command = [str(self.bindir / program), *map(str, args)]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, cwd=self.root, timeout=120)


@contextlib.contextmanager
def own_postgres() -> Iterator[OwnPostgres]:
    """A running cluster of the test's own for the block; destroyed however the block ends."""
    bindir = postgres_bindir()
    if bindir is None or (os.geteuid() == 0 and not shutil.which("runuser")):
        missing("PostgreSQL server programs (initdb, pg_ctl)")
    server = OwnPostgres(bindir)
    try:
        server.init()
        yield server
    finally:
        server.destroy()
