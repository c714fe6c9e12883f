"""python manage.py seed_demo --offices 151: synthetic nationwide data for demos and benchmarks."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from offices.choices import OfficeClass
from offices.models import Office, OfficeClosure, Region
from portal import history
from portal.models import Advisory, StageDay
from services.choices import Cause, ServiceState, StageState
from services.models import CurrentState, Override, Service, Stage, StatusEvent
from services.snapshot import recompute

SEEDED = ("palembang", "muara-enim")
# Each province's Kanwil, its time zone and the cities of its synthetic offices; the office
# classes drawn from; the cities with a hajj embarkation.
DATA = json.loads((Path(__file__).with_name("seed_demo.json")).read_text(encoding="utf-8"))
CITIES = [(city, p["province"], p["timezone"]) for p in DATA["provinces"] for city in p["cities"]]
CLASSES = [OfficeClass(value) for value in DATA["classes"]]
HAJJ_EMBARKATIONS = set(DATA["hajj_embarkations"])
DEMO_SERVICES = ("passport-regular", "passport-express", "foreign-stay-permit")  # with history


def demo_offices(count: int) -> list[dict]:
    """The deterministic list of synthetic offices beside the two seeded ones."""
    rng = random.Random(2024)
    offices = []
    for i in range(max(count - len(SEEDED), 0)):
        city, province, zone = CITIES[i % len(CITIES)]
        suffix = "" if i < len(CITIES) else f" {i // len(CITIES) + 1}"
        office_class = rng.choice(CLASSES)
        tpi = rng.random() < 0.55
        kind = "TPI" if tpi else "Non TPI"
        label = {"i-khusus": "Kelas I Khusus", "i": "Kelas I", "ii": "Kelas II", "iii": "Kelas III"}
        offices.append(
            {
                "code": "kanim-" + (city + suffix).lower().replace(" ", "-"),
                "name": f"Kantor Imigrasi {label[office_class]} {kind} {city}{suffix}",
                "office_class": office_class,
                "tpi": tpi,
                "province": province,
                "timezone": zone,
                "hajj": tpi and city in HAJJ_EMBARKATIONS,
                "position": 10 + i,
            }
        )
    return offices


class Command(BaseCommand):
    help = "Add synthetic offices (up to --offices in all) with 90 days of history. Idempotent."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--offices", type=int, default=151, help="offices in all (≥ 2)")
        parser.add_argument("--days", type=int, default=90, help="days of synthetic history")
        parser.add_argument(
            "--force", action="store_true", help="run even though the database holds real data"
        )

    def handle(self, *args, offices: int, days: int, force: bool, **options) -> None:
        if offices < len(SEEDED) or offices > 1000:
            raise CommandError("--offices must be between 2 and 1000")
        if days < 1 or days > 366:
            raise CommandError("--days must be between 1 and 366")
        wanted = demo_offices(offices)
        if not force:
            self.refuse_real_data({o["code"] for o in demo_offices(1000)})
        now = timezone.now()
        demo = Office.objects.filter(code__in=[o["code"] for o in wanted])
        with transaction.atomic():
            created = self.upsert_offices(wanted)
            self.write_history(list(demo), days, now)
        recompute()
        # The history bars' roll-up, filled now so that the first office page is quick.
        history.fill_rollup(timezone.now(), demo)
        self.stdout.write(
            f"{Office.objects.count()} offices ({created} new), "
            f"{StatusEvent.objects.count()} status events"
        )

    def refuse_real_data(self, demo_codes: set[str]) -> None:
        """Stop unless everything here is seed or demo data."""
        foreign = Office.objects.exclude(code__in=[*SEEDED, *demo_codes])
        reasons = []
        if foreign.exists():
            reasons.append(f"{foreign.count()} offices not made by seeding")
        for model in (Override, OfficeClosure, Advisory):
            if model.objects.exists():
                reasons.append(f"{model._meta.verbose_name_plural} exist")
        if reasons:
            raise CommandError(
                f"this database holds real data ({'; '.join(reasons)}); use --force to seed anyway"
            )

    def upsert_offices(self, wanted: list[dict]) -> int:
        services = list(Service.objects.exclude(code="hajj-debarkation"))
        hajj = Service.objects.filter(code="hajj-debarkation").first()
        created_count = 0
        for data in wanted:
            region, _ = Region.objects.get_or_create(
                code="kanwil-" + data["province"].lower().replace(" ", "-"),
                defaults={"name": f"Kanwil Kemenkumham {data['province']}"},
            )
            office, created = Office.objects.update_or_create(
                code=data["code"],
                defaults={
                    "name": data["name"],
                    "office_class": data["office_class"],
                    "tpi": data["tpi"],
                    "region": region,
                    "timezone": data["timezone"],
                    "position": data["position"],
                },
            )
            created_count += created
            office.services.add(*services)
            if hajj and data["hajj"]:
                office.services.add(hajj)
        return created_count

    def write_history(self, offices: list[Office], days: int, now: datetime) -> None:
        """Replace the demo offices' history with synthetic outages over ``days`` days."""
        StatusEvent.objects.filter(office__in=offices).delete()
        CurrentState.objects.filter(office__in=offices).delete()
        StageDay.objects.filter(office__in=offices).delete()  # computed from the old events
        stages = list(Stage.objects.all())
        services = {s.code: s for s in Service.objects.all()}
        start = now - timedelta(days=days)
        national = start + timedelta(days=days // 3)  # one nationwide outage, like June 2024
        rng = random.Random(151)
        events, currents = [], []
        for office in offices:
            outages = [(national, min(national + timedelta(days=rng.randint(3, 8)), now))]
            for _ in range(rng.randint(0, 3)):
                begin = start + timedelta(hours=rng.randint(0, max(0, days * 24 - 48)))
                outages.append((begin, min(begin + timedelta(hours=rng.randint(2, 30)), now)))
            targets = [
                ({"stage": s}, StageState.CLOSED) for s in stages if office.tpi or not s.tpi_only
            ]
            targets += [({"service": services[c]}, ServiceState.CLOSED) for c in DEMO_SERVICES]
            for target, closed in targets:
                self.timeline(events, currents, office, target, outages, start, closed)
        StatusEvent.objects.bulk_create(events, batch_size=2000)
        CurrentState.objects.bulk_create(currents, batch_size=2000)

    def timeline(self, events, currents, office, target, outages, start, closed) -> None:
        """Events for one office-stage or office-service: open, then closed in each outage."""
        opened = StageState.OPEN

        def event(old: str, new: str, at: datetime) -> StatusEvent:
            reason = "waiting for pdn" if new == closed else ""
            return StatusEvent(
                office=office,
                old_state=old,
                new_state=new,
                cause=Cause.SYSTEM,
                reason=reason,
                at=at,
                **target,
            )

        events.append(event("", opened, start))
        for begin, end in merged(outages):
            events += [event(opened, closed, begin), event(closed, opened, end)]
        last = max(end for _, end in outages)
        currents.append(CurrentState(office=office, state=opened, since=last, **target))


def merged(intervals: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping intervals joined, in order."""
    out: list[tuple[datetime, datetime]] = []
    for begin, end in sorted(intervals):
        if out and begin <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((begin, end))
    return out
