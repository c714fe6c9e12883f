"""Staff, a poller, a seeder and a checker, each a process of its own against a test database.

    python -m tests.reliability.actors ROLE --out FILE [options]

Run with ``DJANGO_SETTINGS_MODULE=tests.settings`` and the ``DATABASE_URL`` (and
``REDIS_URL``) the test gives. The acting roles (``staff``, ``poller``, ``writer``) print
``ready``, read ``go <epoch>`` on stdin, then act at ``<epoch> + tick * --every``: several
processes given the same epoch act at the same moment. Each writes what it did, as JSON, to
``--out``; an operation that raises is recorded with its error, and the next one goes on.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

Act = Callable[[int, str], dict]


def main(argv: list[str] | None = None) -> None:
    """Run one role and write its log."""
    args = parser().parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()
    result = ROLES[args.role](args)
    Path(args.out).write_text(json.dumps(result))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="actors")
    p.add_argument("role", choices=sorted(ROLES))
    p.add_argument("--out", required=True)
    p.add_argument("--user", help="staff username (staff, writer)")
    p.add_argument("--office", help="office code (staff)")
    p.add_argument("--stage", help="stage code (staff)")
    p.add_argument("--targets", help="office:stage,… toggled in turn (writer)")
    p.add_argument("--plan", default="", help="one operation per tick, comma-separated")
    p.add_argument("--every", type=float, default=0.5, help="seconds between ticks")
    p.add_argument("--seconds", type=float, help="cycle the plan for this long")
    p.add_argument("--tag", default="", help="prefix of the writer's override reasons")
    p.add_argument("--office-staff", action="append", default=[], help="user:office (seed)")
    p.add_argument("--regional-staff", action="append", default=[], help="user (seed)")
    return p


# --- Acting in step -------------------------------------------------------------------------


def await_go() -> float:
    """Say ready; return the start time the test sends back."""
    print("ready", flush=True)
    words = sys.stdin.readline().split()
    return float(words[1])


def ticks(start: float, every: float, plan: list[str], seconds: float | None) -> Iterator:
    """Yield (tick, operation) at each tick's time: the plan once, or cycled for ``seconds``.

    A tick whose time has passed (the previous operation was slow) is taken at once.
    """
    for tick in itertools.count():
        if seconds is None and tick >= len(plan):
            return
        if seconds is not None and time.time() >= start + seconds:
            return
        time.sleep(max(0.0, start + tick * every - time.time()))
        yield tick, plan[tick % len(plan)]


def run_ticks(args: argparse.Namespace, act: Act) -> list[dict]:
    """Act at every tick; record when each operation began, what it returned or raised."""
    from django.db import close_old_connections, connection

    warm_up()
    log = []
    for tick, op in ticks(await_go(), args.every, args.plan.split(","), args.seconds):
        entry: dict = {"tick": tick, "op": op, "at": time.time()}
        # As a request or a Celery task starts: a connection found broken is replaced.
        close_old_connections()
        try:
            entry.update(act(tick, op))
        except Exception as exc:  # recorded for the test to judge; the next tick goes on
            entry["error"] = f"{type(exc).__name__}: {exc}"[:300]
            connection.close()  # a broken connection is replaced at the next query
            time.sleep(args.every)  # and a server that is down is not hammered meanwhile
        entry["took"] = time.time() - entry["at"]
        log.append(entry)
    return log


def warm_up() -> None:
    """Connect to the database and the cache, and read what a recompute reads, before the
    first tick: the first operation is then no slower than the others."""
    from django.core.cache import cache
    from django.utils import timezone

    from services.snapshot import load_inputs

    load_inputs(timezone.now())
    cache.get("warm-up")


def staff(args: argparse.Namespace) -> list[dict]:
    """Per tick: force the stage to the planned state, or ``clear`` its overrides."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from offices.models import Office
    from services import overrides
    from services.models import Override, Stage

    user = User.objects.get(username=args.user)
    office, stage = Office.objects.get(code=args.office), Stage.objects.get(code=args.stage)

    def act(tick: int, op: str) -> dict:
        if op == "clear":
            active = Override.objects.active(timezone.now()).filter(office=office, stage=stage)
            return {
                "cleared": overrides.clear_overrides(active.select_related("office"), actor=user)
            }
        reason = f"{args.user} #{tick}"
        made = overrides.create_override(office, stage=stage, state=op, reason=reason, actor=user)
        return {"id": made.pk, "reason": reason}

    return run_ticks(args, act)


def poller(args: argparse.Namespace) -> list[dict]:
    """Per tick: record the planned ``pdn/cekal`` readings, as a poll does, and recompute."""
    from django.utils import timezone

    from services.polling import Reading, record_readings

    def act(tick: int, op: str) -> dict:
        pdn, cekal = op.split("/")
        record_readings({"pdn": Reading(state=pdn), "cekal": Reading(state=cekal)}, timezone.now())
        return {}

    return run_ticks(args, act)


def writer(args: argparse.Namespace) -> list[dict]:
    """Per tick, target after target: clear its overrides if any is in force, else close it."""
    from django.contrib.auth.models import User
    from django.utils import timezone

    from offices.models import Office
    from services import overrides
    from services.choices import ForcedState
    from services.models import Override, Stage

    user = User.objects.get(username=args.user)
    targets = []
    for pair in args.targets.split(","):
        office, stage = pair.split(":")
        targets.append((Office.objects.get(code=office), Stage.objects.get(code=stage)))

    def act(tick: int, op: str) -> dict:
        office, stage = targets[tick % len(targets)]
        target = f"{office.code}:{stage.code}"
        active = list(
            Override.objects.active(timezone.now())
            .filter(office=office, stage=stage)
            .select_related("office")
        )
        if active:
            cleared = overrides.clear_overrides(active, actor=user)
            return {
                "op": "clear",
                "target": target,
                "ids": [o.pk for o in active],
                "cleared": cleared,
            }
        reason = f"{args.tag} {tick}"
        made = overrides.create_override(
            office, stage=stage, state=ForcedState.CLOSED, reason=reason, actor=user
        )
        return {"op": "create", "target": target, "id": made.pk, "reason": reason}

    args.plan = args.plan or "toggle"
    return run_ticks(args, act)


# --- Preparing and checking -----------------------------------------------------------------


def seed(args: argparse.Namespace) -> dict:
    """Create staff accounts, record both systems up, and publish a first snapshot."""
    from services.snapshot import recompute
    from tests.factories import set_systems
    from tests.offices.staff import office_staff, regional_staff

    for pair in args.office_staff:
        username, office = pair.split(":")
        office_staff(username, office)
    for username in args.regional_staff:
        regional_staff(username)
    set_systems(pdn="up", cekal="up")
    return {"revision": recompute().revision}


def check(args: argparse.Namespace) -> dict:
    """Audit the event chains, and the one event of each override's creation."""
    from services.models import Override
    from tests.reliability.invariants import audit, overrides_without_their_event

    found = audit().as_dict()
    found["overrides_without_their_event"] = overrides_without_their_event()
    found["override_ids"] = list(Override.objects.values_list("pk", flat=True))
    return found


ROLES: dict[str, Callable[[argparse.Namespace], object]] = {
    "staff": staff,
    "poller": poller,
    "writer": writer,
    "seed": seed,
    "check": check,
}

if __name__ == "__main__":
    main()
