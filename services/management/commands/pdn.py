"""python manage.py pdn {set,fault,show}: drive the simulated PDN."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from services import simulator
from services.choices import FaultMode
from services.models import SimulatedPdn
from services.snapshot import published


class Command(BaseCommand):
    help = "Drive the simulated PDN (the poller reads it over HTTP) and show what is known."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
        set_parser = sub.add_parser("set", help="Set the simulated PDN's (and cekal's) state.")
        set_parser.add_argument("status", choices=simulator.PDN_STATES)
        set_parser.add_argument("--cekal", choices=simulator.CEKAL_STATES)
        fault = sub.add_parser("fault", help="Make the simulator misbehave.")
        fault.add_argument("mode", choices=FaultMode.values)
        sub.add_parser("show", help="Show the simulator and the portal's current view.")

    def handle(self, *args, action: str, **options) -> None:
        if action == "set":
            pdn = simulator.set_state(options["status"], options["cekal"])
            self.stdout.write(f"simulated PDN: {pdn.status}, cekal: {pdn.cekal}")
        elif action == "fault":
            pdn = simulator.set_fault(options["mode"])
            self.stdout.write(f"simulated PDN fault: {pdn.fault}")
        elif action == "show":
            self.show()
        else:  # argparse refuses anything else; kept for clarity
            raise CommandError(f"unknown action {action}")

    def show(self) -> None:
        pdn = SimulatedPdn.load()
        self.stdout.write(f"simulator: PDN {pdn.status}, cekal {pdn.cekal}, fault {pdn.fault}")
        bundle = published()
        snap = bundle.snapshot
        stamp = timezone.localtime(snap.generated_at).strftime("%Y-%m-%d %H:%M:%S %Z")
        self.stdout.write(f"portal view at {stamp}{' (STALE)' if snap.stale else ''}:")
        for system in snap.systems:
            self.stdout.write(f"  system {system.code}: {system.state} ({system.source})")
        for office in snap.offices:
            self.stdout.write(f"  {office.code}:")
            for stage in office.stages:
                self.stdout.write(f"    stage {stage.code}: {stage.state}")
            for service in office.services:
                available = ", ".join(service.available_stages) or "-"
                self.stdout.write(
                    f"    service {service.code}: {service.state} (available: {available})"
                )
