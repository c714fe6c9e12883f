"""PostgreSQL restarts and crashes under load: requests fail cleanly at worst, later ones
succeed, and no transition is half-written.

The server restarted is a cluster of the test's own, a copy of the test database, so the
shared server other tests use is never disturbed. gunicorn serves it with the production
settings (persistent connections, ``CONN_HEALTH_CHECKS``); client threads read pages and
API endpoints that query the database; two staff processes toggle overrides and a poller
records readings, all the while the server is restarted cleanly, crashed, and restarted.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.reliability.processes import (
    Actor,
    child_env,
    free_port,
    go_together,
    gunicorn,
    own_postgres,
    run_actor,
    web_env,
)
from tests.stack import database_url

pytestmark = [pytest.mark.integration, pytest.mark.django_db]

# Each of these reads the database on every request (the status document comes from Redis).
PATHS = [
    "/api/v1/events/?office=palembang",
    "/kantor/palembang/",
    "/api/v1/offices/muara-enim/",
    "/api/v1/status/",
]
CLIENTS = 6
RESTARTS = ("fast", "immediate", "fast")  # clean restart, crash and recovery, clean restart
PAUSE = 2.5  # seconds of load before each restart and after the last
LEAKS = ("Traceback", "psycopg", "OperationalError", "InterfaceError", 'File "/')


@dataclass(frozen=True)
class Answer:
    path: str
    started: float  # time.time()
    status: int | None  # None: no HTTP answer at all
    leak: str = ""  # what of a traceback the body showed


def leak_in(body: str) -> str:
    return next((word for word in LEAKS if word in body), "")


def read_until(base: str, stop: threading.Event, answers: list[Answer], offset: int) -> None:
    """Request the paths in turn until ``stop``; record every answer."""
    session = requests.Session()
    for i in range(offset, 10**9):
        if stop.is_set():
            return
        path, started = PATHS[i % len(PATHS)], time.time()
        try:
            response = session.get(base + path, timeout=20)
        except requests.RequestException as exc:
            answers.append(Answer(path, started, None, repr(exc)[:200]))
            continue
        leak = "" if response.status_code == 200 else leak_in(response.text)
        answers.append(Answer(path, started, response.status_code, leak))


def writes_of(logs: list[list[dict]]) -> list[dict]:
    return [entry for log in logs for entry in log]


def staff_and_poller(env: dict[str, str], workdir: Path, seconds: float) -> list[Actor]:
    """Two staff toggling an override each (one per office), and a poller recording readings.

    Interview and biometrics need PDN at least degraded, which every reading keeps: each
    override made or cleared changes its stage, so is exactly one transition there.
    """

    def writer(user: str, target: str) -> Actor:
        return Actor(
            "writer",
            env,
            workdir,
            f"--user={user}",
            f"--targets={target}",
            f"--tag={user}",
            "--every=0.05",
            f"--seconds={seconds}",
        )

    readings = "--plan=up/up,degraded/down,degraded/up,up/down"
    return [
        writer("staff-palembang", "palembang:interview"),
        writer("staff-muara-enim", "muara-enim:biometrics"),
        Actor("poller", env, workdir, readings, "--every=0.25", f"--seconds={seconds}"),
    ]


def test_postgres_restarts_under_load_fail_cleanly_and_lose_nothing(postgres, redis_url, tmp_path):
    with own_postgres() as server:
        db = server.copy_database(database_url(), "portal")
        env = child_env(
            DJANGO_SETTINGS_MODULE="tests.settings",
            DATABASE_URL=db,
            REDIS_URL=redis_url,
            VAR_DIR=tmp_path,
            STALE_AFTER_SECONDS=600,
        )
        run_actor(
            "seed",
            env,
            tmp_path,
            "--office-staff=staff-palembang:palembang",
            "--office-staff=staff-muara-enim:muara-enim",
        )
        web = web_env(
            free_port(),
            db,
            tmp_path,
            REDIS_URL=redis_url,
            STALE_AFTER_SECONDS=600,
            API_ANON_READ_RATE="off",
        )
        seconds = PAUSE * (len(RESTARTS) + 1) + 3
        with gunicorn(web, tmp_path) as base:
            actors = staff_and_poller(env, tmp_path, seconds)
            try:
                go_together(actors)
                answers, back = load_through_restarts(base, server)
                writers, polls = [a.result() for a in actors[:2]], actors[2].result()
            finally:
                for actor in actors:
                    actor.stop()
        found = run_actor("check", env, tmp_path)

    failed = [a for a in answers if a.status != 200]
    after = [a for a in answers if a.started >= back]
    writes = writes_of(writers)
    print(
        f"\nrestarts {server.restarts}; requests {len(answers)}, failed {len(failed)} "
        f"({sorted({a.status for a in failed}, key=str)}), after the last restart {len(after)}; "
        f"writes {len(writes)}, failed {sum('error' in w for w in writes)}; "
        f"polls {len(polls)}, failed {sum('error' in p for p in polls)}; "
        f"events checked {found['events']}, subjects {found['subjects']}, "
        f"late events {found['late_events']}"
    )
    assert server.restarts == len(RESTARTS)
    # The fault was felt: connections the restarts broke made database work fail.
    assert any("error" in entry for entry in writes + polls)
    # In flight: a clean error page or JSON error, never a dropped connection or a traceback.
    assert all(a.status in (500, 503) and not a.leak for a in failed), failed[:5]
    # Later: every request, write and poll succeeds, on connections checked before reuse.
    assert len(after) >= CLIENTS and all(a.status == 200 for a in after), after[:5]
    late_writes = [w for w in writes + polls if w["at"] >= back]
    assert late_writes and not [w for w in late_writes if "error" in w]
    # Nothing half-written: each chain whole, each override with its one event.
    assert found["problems"] == []
    assert found["overrides_without_their_event"] == []
    assert found["late_events"] == 0
    made = {w["id"] for w in writes if w.get("op") == "create" and "error" not in w}
    assert made <= set(found["override_ids"])


def load_through_restarts(base: str, server) -> tuple[list[Answer], float]:
    """Read with client threads while the server restarts; return the answers and when the
    last restart was complete (time.time())."""
    stop, answers = threading.Event(), []
    threads = [
        threading.Thread(target=read_until, args=(base, stop, answers, i)) for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    try:
        for mode in RESTARTS:
            time.sleep(PAUSE)
            server.restart(mode)
        back = time.time()
        time.sleep(PAUSE)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert not any(t.is_alive() for t in threads)
    return answers, back
