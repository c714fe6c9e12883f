"""Start a real Celery worker and beat against the test database, and stop them by PID.

The processes run with ``tests.settings`` and a ``DATABASE_URL`` naming the database that
pytest-django created, so they see what the test writes (use ``transactional_db``). They
share the test's ``VAR_DIR`` (file lock, and the file cache and broker of the embedded
default) and, when ``REDIS_URL`` is set, its Redis (cache, broker, lock).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STOP_SECONDS = 20.0
T = TypeVar("T")


def wait_until(predicate: Callable[[], T], timeout: float, what: str, every: float = 0.2) -> T:
    """Return ``predicate()``'s first truthy value; fail naming ``what`` after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(every)


def database_url(settings_dict: dict | None = None) -> str:
    """A ``DATABASE_URL`` for the database this process uses (the test database in tests)."""
    db = settings_dict or connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if db["ENGINE"] == "django.db.backends.postgresql":
        user = quote(db.get("USER") or "", safe="")
        password = quote(db.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        return f"postgres://{auth}{db.get('HOST') or ''}:{db.get('PORT') or 5432}/{db['NAME']}"
    raise ValueError(f"no DATABASE_URL form for {db['ENGINE']}")


def stack_env(health_url: str, **overrides: str | float | int) -> dict[str, str]:
    """The environment for worker and beat: this test's database, cache, broker and simulator."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url(),
        VAR_DIR=str(settings.VAR_DIR),
        PDN_HEALTH_URL=health_url,
        CEKAL_HEALTH_URL=health_url,
        PYTHONUNBUFFERED="1",
    )
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    env.update({key: str(value) for key, value in overrides.items()})
    return env


class Stack:
    """A Celery worker and a beat, started and stopped as a pair."""

    def __init__(self, env: dict[str, str], workdir: Path):
        self.env = env
        self.workdir = workdir
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        """Start worker and beat (after dropping any task left queued by an earlier run)."""
        purge_queue()
        tag = uuid.uuid4().hex[:8]
        celery = [str(BIN / "celery"), "-A", "portal"]
        self._spawn(
            "worker",
            [
                *celery,
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                f"--hostname=stack-{tag}@%h",
            ],
        )
        schedule = self.workdir / f"celerybeat-schedule-{tag}"
        self._spawn("beat", [*celery, "beat", "--loglevel=INFO", f"--schedule={schedule}"])

    def stop(self) -> None:
        """Stop beat, then the worker: TERM, then KILL (with the worker's children)."""
        for name in ("beat", "worker"):
            process = self.processes.pop(name, None)
            if process is not None:
                stop_process(process)

    def alive(self) -> bool:
        return bool(self.processes) and all(p.poll() is None for p in self.processes.values())

    def logs(self, tail: int = 3000) -> str:
        """The end of each process's log, to explain a failure."""
        parts = []
        for path in sorted(self.workdir.glob("*.log")):
            parts.append(f"--- {path.name} ---\n{path.read_text(errors='replace')[-tail:]}")
        return "\n".join(parts)

    def _spawn(self, name: str, command: list[str]) -> None:
        with open(self.workdir / f"{name}.log", "ab") as log:
            self.processes[name] = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )


@contextlib.contextmanager
def running_stack(env: dict[str, str], workdir: Path) -> Iterator[Stack]:
    """Run worker and beat for the block; stop them however it ends, printing logs on error."""
    stack = Stack(env, workdir)
    try:
        stack.start()
        yield stack
    except BaseException:
        print(stack.logs())
        raise
    finally:
        stack.stop()


def purge_queue() -> None:
    """Drop queued tasks, so a new worker does not start with an old backlog."""
    from portal.celery import app

    with contextlib.suppress(Exception):  # nothing queued, or no queue yet
        app.control.purge()


def stop_process(process: subprocess.Popen, timeout: float = STOP_SECONDS) -> None:
    """Stop one process by PID: TERM, wait; then KILL it. Then KILL any child it left."""
    if process.poll() is not None:
        return
    children = {pid: started_at(pid) for pid in child_pids(process.pid)}
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        children.update({pid: started_at(pid) for pid in child_pids(process.pid)})
        process.kill()
        process.wait(timeout=timeout)
    for pid, started in children.items():
        # Only the very process seen as a child: a PID can be reused once it has exited.
        if started is not None and started_at(pid) == started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def child_pids(pid: int) -> list[int]:
    """The direct children of ``pid`` (Linux /proc)."""
    pids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            pids += [int(p) for p in (task / "children").read_text().split()]
    return pids


def started_at(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def point_poller_at(settings, base_url: str) -> str:
    """Point every health URL at the simulator served at ``base_url`` (e.g. ``live_server.url``)."""
    url = f"{base_url}/simulator/pdn/health"
    settings.SIMULATOR_ENABLED = True
    settings.PDN_HEALTH_URL = settings.CEKAL_HEALTH_URL = url
    settings.HEALTH_URLS = {"pdn": url, "cekal": url}
    return url
