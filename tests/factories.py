"""Small helpers to put the seeded world into a given state."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from offices.choices import OfficeClass
from offices.models import Office, Region
from services.models import Service, UpstreamSystem


def set_systems(now: datetime | None = None, **states: str) -> None:
    """Record fresh poller observations, e.g. ``set_systems(pdn="degraded", cekal="down")``."""
    now = now or timezone.now()
    for code, state in states.items():
        UpstreamSystem.objects.filter(code=code).update(
            observed_state=state, observed_error="", checked_at=now
        )


# Beside the two seeded offices of Sumatera Selatan ("sumsel"): 17 more in four regions.
REGIONS = {
    "kanwil-jatim": (
        "Kanwil Kemenkumham Jawa Timur",
        ["Surabaya", "Tanjung Perak", "Malang", "Kediri", "Blitar", "Madiun", "Jember"],
    ),
    "kanwil-aceh": ("Kanwil Kemenkumham Aceh", ["Banda Aceh", "Lhokseumawe", "Langsa"]),
    "kanwil-kalbar": (
        "Kanwil Kemenkumham Kalimantan Barat",
        ["Pontianak", "Entikong", "Singkawang", "Sambas"],
    ),
    "kanwil-bali": ("Kanwil Kemenkumham Bali", ["Denpasar", "Ngurah Rai", "Singaraja"]),
}
NATIONAL = 2 + sum(len(cities) for _, cities in REGIONS.values())


def add_offices(count: int) -> None:
    """Add offices, region by region, until there are ``count`` in all (at most NATIONAL)."""
    services = list(Service.objects.exclude(code="hajj-debarkation"))
    cities = [(code, name, city) for code, (name, names) in REGIONS.items() for city in names]
    for position, (code, name, city) in enumerate(cities[: count - 2], 10):
        region, _ = Region.objects.get_or_create(code=code, defaults={"name": name})
        office = Office.objects.create(
            code="kanim-" + city.lower().replace(" ", "-"),
            name=f"Kantor Imigrasi Kelas II Non TPI {city}",
            office_class=OfficeClass.II,
            region=region,
            position=position,
        )
        office.services.add(*services)
