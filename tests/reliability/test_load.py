"""Sustained read load while staff write and the poller runs: zero 5xx, nothing lost.

wrk reads the public pages and the APIs on loopback for a bounded time, from the
Procfile's gunicorn with the production settings; meanwhile two staff processes toggle
overrides through ``services.overrides``, and a Celery worker and beat poll the simulated
PDN every second while the test moves it between degraded and up, each phase held until
the poller has seen it. The simulated upstream is served apart (the test's live server),
as a real one would be. Afterwards every write must have its one event, in order, and
every chain must be whole. The figures go to a summary file (printed too).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from services.choices import Cause, SystemState
from services.models import HealthObservation, StatusEvent
from services.simulator import set_state
from services.snapshot import recompute
from tests.conftest import missing
from tests.factories import set_systems
from tests.offices.staff import office_staff
from tests.reliability.invariants import audit
from tests.reliability.processes import (
    Actor,
    child_env,
    free_port,
    go_together,
    gunicorn,
    web_env,
)
from tests.stack import database_url, point_poller_at, running_stack, stack_env, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

SECONDS = 10
CONNECTIONS = 8
# What the public asks during an outage: mostly the status document and the overview.
PATHS = [
    "/api/v1/status/",
    "/",
    "/api/v1/status/",
    "/api/v2/summary.json",
    "/api/v1/status/",
    "/kantor/palembang/",
    "/api/v1/status/",
    "/api/v1/events/?office=palembang",
]
# Interview and biometrics need PDN at least degraded: while the simulator stays up or
# degraded, each override the writers make or clear changes the stage, so is one event.
TARGETS = {"staff-palembang": "palembang:interview", "staff-muara-enim": "muara-enim:biometrics"}
SIMULATOR_PHASES = [(SystemState.DEGRADED, SystemState.DOWN), (SystemState.UP, SystemState.UP)]
PHASE_SECONDS = 30  # the longest the poller may take to see a phase

SCRIPT = """
-- Cycle through the read paths; count the answers by status in every thread.
local paths = {%s}
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {}; n = 0 end
function request() n = n + 1; return wrk.format("GET", paths[n %% #paths + 1]) end
function response(status, headers, body) counts[status] = (counts[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %%d: %%d\\n", status, count))
  end
  io.write(string.format("p99 latency ms: %%.1f\\n", latency:percentile(99) / 1000))
end
"""


def wrk_command(base: str, script: Path) -> list[str]:
    wrk = shutil.which("wrk")
    if not wrk:
        missing("wrk")
    script.write_text(SCRIPT % ", ".join(f'"{p}"' for p in PATHS))
    return [
        wrk,
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS}s",
        "--timeout=30s",  # a slow answer is measured (p99), not dropped
        "-s",
        str(script),
        base,
    ]


def statuses(output: str) -> dict[int, int]:
    return {int(s): int(n) for s, n in re.findall(r"^status (\d+): (\d+)$", output, re.M)}


def figure(pattern: str, output: str) -> str:
    found = re.search(pattern, output)
    assert found, f"no {pattern!r} in wrk's output:\n{output}"
    return found.group(1)


def expected_events(writes: list[dict]) -> dict[str, list[tuple[str, str]]]:
    """Per target, the (new state, reason) each write must have recorded, in order."""
    expected: dict[str, list[tuple[str, str]]] = {}
    for write in writes:
        transition = ("closed", write["reason"]) if write["op"] == "create" else ("open", "")
        expected.setdefault(write["target"], []).append(transition)
    return expected


def recorded_events(target: str) -> list[tuple[str, str]]:
    office, stage = target.split(":")
    rows = StatusEvent.objects.filter(
        office__code=office, stage__code=stage, cause=Cause.OVERRIDE
    ).order_by("id")
    return list(rows.values_list("new_state", "reason"))


def lost(expected: list, recorded: list) -> int:
    """How many expected events are missing from the start of ``recorded``, in order."""
    matched = 0
    for want, got in zip(expected, recorded, strict=False):
        if want != got:
            break
        matched += 1
    return len(expected) - matched


def test_read_load_with_staff_writes_and_polling_serves_no_5xx_and_loses_no_event(
    postgres, redis_url, settings, live_server, tmp_path
):
    settings.STALE_AFTER_SECONDS = 600
    for username, target in TARGETS.items():
        office_staff(username, target.split(":")[0])
    set_systems(pdn=SystemState.UP, cekal=SystemState.UP)
    set_state(SystemState.UP, SystemState.UP)
    recompute()
    port = free_port()
    web = web_env(
        port,
        database_url(),
        settings.VAR_DIR,
        REDIS_URL=redis_url,
        API_ANON_READ_RATE="off",  # one loopback client stands for a crowd here
        STALE_AFTER_SECONDS=600,
        WEB_WORKERS=2,
    )
    writer_env = child_env(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url(),
        REDIS_URL=redis_url,
        VAR_DIR=settings.VAR_DIR,
        STALE_AFTER_SECONDS=600,
    )
    health = point_poller_at(settings, live_server.url)
    # A slow answer from the upstream is not what this test is about: no poll may fail.
    poller = stack_env(
        health, POLL_INTERVAL_SECONDS=1, STALE_AFTER_SECONDS=600, HEALTH_READ_TIMEOUT=20
    )
    with gunicorn(web, tmp_path) as base, running_stack(poller, tmp_path):
        wait_until(HealthObservation.objects.exists, 60, "the poller's first poll")
        writers = [
            Actor(
                "writer",
                writer_env,
                tmp_path,
                f"--user={user}",
                f"--targets={target}",
                f"--tag={user}",
                "--every=0.1",
                f"--seconds={SECONDS}",
            )
            for user, target in TARGETS.items()
        ]
        try:
            go_together(writers)
            output, phases = run_wrk(base, tmp_path)
            logs = [writer.result() for writer in writers]
        finally:
            for writer in writers:
                writer.stop()

    writes = [entry for log in logs for entry in log]
    found = audit()
    expected = expected_events(writes)
    events_lost = sum(lost(want, recorded_events(t)) for t, want in expected.items())
    codes = statuses(output)
    served = int(figure(r"(\d+) requests in", output))
    rate, p99 = (
        figure(r"Requests/sec:\s+([\d.]+)", output),
        figure(r"p99 latency ms: ([\d.]+)", output),
    )
    summary = tmp_path / "load-summary.txt"
    summary.write_text(
        f"load: wrk, {CONNECTIONS} connections, {SECONDS} s, {len(set(PATHS))} paths\n"
        f"requests served: {served}\n"
        f"requests per second: {rate}\n"
        f"p99 latency ms: {p99}\n"
        f"answers by status: {dict(sorted(codes.items()))}\n"
        f"5xx: {sum(n for code, n in codes.items() if code >= 500)}\n"
        f"writes made: {len(writes)}\n"
        f"polls recorded: {HealthObservation.objects.filter(system__code='pdn').count()}\n"
        f"simulator phases seen by the poller: {phases}\n"
        f"events checked: {found.events}\n"
        f"events lost: {events_lost}\n"
    )
    print("\n" + output + summary.read_text())

    assert "Non-2xx or 3xx responses" not in output and "Socket errors" not in output
    assert sum(codes.values()) == served and set(codes) == {200}
    assert "5xx: 0\n" in summary.read_text()
    assert writes and not [w for w in writes if "error" in w]
    assert {w["target"] for w in writes} == set(TARGETS.values())
    assert "events lost: 0\n" in summary.read_text()
    assert all(recorded_events(t) == want for t, want in expected.items())
    assert found.problems == [] and found.late_events == 0
    # The poller ran throughout: it followed the simulator through every phase.
    assert phases >= 2


def run_wrk(base: str, workdir: Path) -> tuple[str, int]:
    """Run wrk while moving the simulated PDN from phase to phase, each held until a poll
    has seen it; return wrk's output and how many phases the poller saw."""
    phases = 0
    with open(workdir / "wrk.out", "wb") as out:
        wrk = subprocess.Popen(wrk_command(base, workdir / "paths.lua"), stdout=out)
        try:
            while wrk.poll() is None:
                pdn, cekal = SIMULATOR_PHASES[phases % len(SIMULATOR_PHASES)]
                set_state(pdn, cekal)
                wait_until(lambda pdn=pdn: seen_by_poller(pdn), PHASE_SECONDS, f"a poll of {pdn}")
                phases += 1
            wrk.wait(timeout=SECONDS + 30)
        finally:
            if wrk.poll() is None:
                wrk.kill()
                wrk.wait()
    return (workdir / "wrk.out").read_text(), phases


def seen_by_poller(state: str) -> bool:
    """Whether the latest poll observed PDN in ``state``."""
    latest = HealthObservation.objects.filter(system__code="pdn").order_by("-at", "-id").first()
    return latest is not None and latest.state == state
