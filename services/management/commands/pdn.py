"""python manage.py pdn {set,fault,show,scenario}: drive the simulated PDN."""

from __future__ import annotations

import argparse

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from services import scenario, simulator
from services.choices import FaultMode
from services.models import HealthObservation, SimulatedPdn
from services.snapshot import published

DEFAULT_SPEED = 3600.0


def positive_number(raw: str) -> float:
    """Parse ``--speed``: a finite number above zero."""
    try:
        value = float(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{raw!r} is not a number") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be above zero, got {raw}")
    return value


class Command(BaseCommand):
    help = "Drive the simulated PDN (the poller reads it over HTTP) and show what is known."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        set_parser = sub.add_parser("set", help="Set the simulated PDN's (and cekal's) state.")
        set_parser.add_argument("status", choices=simulator.PDN_STATES)
        set_parser.add_argument("--cekal", choices=simulator.CEKAL_STATES)
        fault = sub.add_parser("fault", help="Make the simulator misbehave (none to stop).")
        fault.add_argument("mode", choices=FaultMode.values)
        sub.add_parser("show", help="Show the simulator and the portal's current view.")
        replay = sub.add_parser("scenario", help="Replay a dated outage through the simulator.")
        replay.add_argument("name", choices=sorted(scenario.SCENARIOS))
        replay.add_argument(
            "--speed",
            type=positive_number,
            default=DEFAULT_SPEED,
            help="Simulated seconds per real second (default 3600: an hour a second).",
        )

    def handle(self, *args, action: str, **options) -> None:
        if action == "set":
            pdn = simulator.set_state(options["status"], options["cekal"])
            self.stdout.write(f"simulated PDN: {pdn.status}, cekal: {pdn.cekal}")
        elif action == "fault":
            pdn = simulator.set_fault(options["mode"])
            self.stdout.write(f"simulated PDN fault: {pdn.fault}")
        elif action == "show":
            self.show()
        elif action == "scenario":
            self.replay(options["name"], options["speed"])
        else:  # argparse refuses anything else; kept for clarity
            raise CommandError(f"unknown action {action}")

    def replay(self, name: str, speed: float) -> None:
        phases = scenario.SCENARIOS[name]
        self.stdout.write(
            f"Replaying {name} at {speed:g} simulated seconds per second "
            f"(about {scenario.duration_text(phases, speed)}), through "
            f"{settings.HEALTH_URLS.get('pdn')}"
        )
        try:
            scenario.replay(phases, speed=speed, write=self.write_now)
        except scenario.ScenarioError as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            raise CommandError("Interrupted: the portal keeps the state reached so far.") from None
        self.stdout.write(f"Replay of {name} complete.")

    def write_now(self, text: str) -> None:
        """Write a line and flush it: a replay is watched as it runs, even through a pipe."""
        self.stdout.write(text)
        self.stdout.flush()

    def show(self) -> None:
        pdn = SimulatedPdn.load()
        self.stdout.write(f"simulator: PDN {pdn.status}, cekal {pdn.cekal}, fault {pdn.fault}")
        bundle = published()
        snap = bundle.snapshot
        stamp = timezone.localtime(snap.generated_at).strftime("%Y-%m-%d %H:%M:%S %Z")
        self.stdout.write(f"portal view at {stamp}{' (STALE)' if snap.stale else ''}:")
        for system in snap.systems:
            polled = last_poll(system.code)
            self.stdout.write(f"  system {system.code}: {system.state} ({system.source}); {polled}")
        for office in snap.offices:
            self.stdout.write(f"  {office.code}:")
            for stage in office.stages:
                self.stdout.write(f"    stage {stage.code}: {stage.state}")
            for service in office.services:
                available = ", ".join(service.available_stages) or "-"
                self.stdout.write(
                    f"    service {service.code}: {service.state} (available: {available})"
                )


def last_poll(code: str) -> str:
    """The last observation of a system, in words."""
    observation = HealthObservation.objects.filter(system__code=code).first()
    if observation is None:
        return "never polled"
    stamp = timezone.localtime(observation.at).strftime("%H:%M:%S")
    result = observation.state or f"{observation.error}: {observation.detail}"
    return f"last poll {stamp}: {result} in {observation.latency_ms} ms"
