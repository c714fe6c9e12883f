"""Seed the two South Sumatra offices, the stages, services, systems and requirements."""

import datetime

from django.db import migrations

REGION = ("sumsel", "Kanwil Kemenkumham Sumatera Selatan")
OFFICES = [
    {
        "code": "palembang",
        "name": "Kantor Imigrasi Kelas I TPI Palembang",
        "office_class": "i",
        "tpi": True,
        "address": "Jl. Pangeran Ratu No. 1, 8 Ulu, Seberang Ulu I, Palembang 30252",
        "position": 1,
    },
    {
        "code": "muara-enim",
        "name": "Kantor Imigrasi Kelas II Non TPI Muara Enim",
        "office_class": "ii",
        "tpi": False,
        "address": "Muara Enim, Sumatera Selatan",
        "position": 2,
    },
]
SYSTEMS = [
    ("pdn", "PDN (Pusat Data Nasional)", "status", 1),
    ("cekal", "Sistem cekal (cegah tangkal)", "components.cekal", 2),
]
STAGES = [
    ("interview", "Wawancara", "Interview", 1, False),
    ("biometrics", "Biometrik", "Biometrics", 2, False),
    ("photo", "Foto", "Photo", 3, False),
    ("cekal-check", "Pemeriksaan cekal", "Travel-ban check", 4, False),
    ("printing", "Pencetakan paspor", "Passport printing", 5, False),
    ("border-check", "Pemeriksaan keimigrasian di TPI", "Border check", 6, True),
]
REQUIREMENTS = [
    ("interview", "pdn", "degraded"),
    ("biometrics", "pdn", "degraded"),
    ("photo", "pdn", "degraded"),
    ("cekal-check", "pdn", "degraded"),
    ("cekal-check", "cekal", "up"),
    ("printing", "pdn", "up"),
    ("printing", "cekal", "up"),
]
PASSPORT = ["interview", "biometrics", "photo", "cekal-check", "printing"]
SERVICES = [
    ("passport-regular", "Paspor reguler", "Regular passport", "progressive", PASSPORT, None, None),
    (
        "passport-express",
        "Paspor percepatan satu hari selesai",
        "Same-day express passport",
        "same_day",
        PASSPORT,
        None,
        None,
    ),
    (
        "foreign-stay-permit",
        "Izin tinggal terbatas (ITAS)",
        "Limited stay permit (ITAS)",
        "progressive",
        ["biometrics", "cekal-check", "printing"],
        None,
        None,
    ),
    (
        "hajj-debarkation",
        "Debarkasi haji",
        "Hajj debarkation",
        "progressive",
        ["border-check"],
        datetime.date(2024, 6, 22),
        datetime.date(2024, 7, 15),
    ),
]
SERVICE_OFFICES = {"hajj-debarkation": ["palembang"]}


def seed(apps, schema_editor):
    Region = apps.get_model("offices", "Region")
    Office = apps.get_model("offices", "Office")
    UpstreamSystem = apps.get_model("services", "UpstreamSystem")
    Stage = apps.get_model("services", "Stage")
    StageRequirement = apps.get_model("services", "StageRequirement")
    Service = apps.get_model("services", "Service")
    ServiceStage = apps.get_model("services", "ServiceStage")
    SimulatedPdn = apps.get_model("services", "SimulatedPdn")
    Revision = apps.get_model("services", "Revision")

    region, _ = Region.objects.get_or_create(code=REGION[0], defaults={"name": REGION[1]})
    offices = {}
    for data in OFFICES:
        office, _ = Office.objects.get_or_create(code=data["code"], defaults={**data, "region": region})
        offices[office.code] = office
    systems = {}
    for code, name, field, position in SYSTEMS:
        systems[code], _ = UpstreamSystem.objects.get_or_create(
            code=code, defaults={"name": name, "health_field": field, "position": position}
        )
    stages = {}
    for code, name_id, name_en, order, tpi_only in STAGES:
        stages[code], _ = Stage.objects.get_or_create(
            code=code,
            defaults={"name_id": name_id, "name_en": name_en, "order": order, "tpi_only": tpi_only},
        )
    for stage, system, minimum in REQUIREMENTS:
        StageRequirement.objects.get_or_create(
            stage=stages[stage], system=systems[system], defaults={"minimum_state": minimum}
        )
    for position, (code, name_id, name_en, mode, flow, start, end) in enumerate(SERVICES, 1):
        service, created = Service.objects.get_or_create(
            code=code,
            defaults={
                "name_id": name_id, "name_en": name_en, "mode": mode, "position": position,
                "season_start": start, "season_end": end,
            },
        )
        if created:
            for order, stage in enumerate(flow, 1):
                ServiceStage.objects.create(service=service, stage=stages[stage], order=order)
            service.offices.set([offices[c] for c in SERVICE_OFFICES.get(code, offices)])
    SimulatedPdn.objects.get_or_create(pk=1)
    Revision.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("offices", "0001_initial"),
        ("services", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
