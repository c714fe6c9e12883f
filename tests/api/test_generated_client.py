"""A client generated from the OpenAPI document by openapi-python-client reads every public
endpoint, over real HTTP, into typed models: nothing left in ``additional_properties``."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import timezone

from offices.models import Office, OfficeClosure
from portal.choices import AdvisoryPhase, AdvisorySeverity
from portal.models import Advisory
from tests.factories import set_systems

BIN = Path(sys.executable).parent
PACKAGE = "status_layanan_imigrasi_api_client"

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> object:
    """Generate the client from the schema the portal serves, and import it."""
    from django.test import Client

    root = tmp_path_factory.mktemp("client")
    schema = root / "openapi.json"
    response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema.write_bytes(response.content)
    config = root / "config.yml"
    config.write_text(f"package_name_override: {PACKAGE}\n")
    result = subprocess.run(
        [
            str(BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(schema),
            "--output-path",
            str(root / PACKAGE),
            "--meta",
            "none",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        env={"PATH": f"{BIN}:/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # Every operation made it into the client (a schema it cannot read is only a warning).
    assert "Unable to" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m.startswith(PACKAGE)]:
            del sys.modules[name]


def call(client, package, module: str, **kwargs):
    """Call the generated operation ``module`` and return its typed answer."""
    operation = importlib.import_module(f"{PACKAGE}.api.{module.split('_')[0]}.{module}")
    response = operation.sync_detailed(client=client, **kwargs)
    assert response.status_code == 200, (module, response.content[:300])
    assert response.parsed is not None, module
    return response.parsed


def untyped(value, where: str = "") -> list[str]:
    """Where a generated model kept data it had no field for."""
    found = []
    extra = getattr(value, "additional_properties", None)
    if extra:
        found.append(f"{where}: {sorted(extra)}")
    if hasattr(value, "to_dict") and hasattr(value, "__attrs_attrs__"):
        for attribute in value.__attrs_attrs__:
            if attribute.name != "additional_properties":
                found += untyped(getattr(value, attribute.name), f"{where}.{attribute.name}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += untyped(item, f"{where}[{n}]")
    return found


@pytest.fixture
def world(db):
    set_systems(pdn="degraded", cekal="down")
    now = timezone.now()
    advisory = Advisory.objects.create(
        title_id="PDN terganggu",
        title_en="PDN disrupted",
        body_id="Pencetakan paspor menunggu.",
        body_en="Passport printing waits.",
        severity=AdvisorySeverity.MAJOR,
        phase=AdvisoryPhase.IDENTIFIED,
        published_at=now,
    )
    advisory.offices.set(Office.objects.all())
    OfficeClosure.objects.create(
        office=Office.objects.get(code="muara-enim"),
        reason="Pemadaman listrik",
        starts_at=now,
        ends_at=now + timezone.timedelta(hours=2),
    )
    return advisory


PUBLIC = [
    ("v1_status_retrieve", {"lang": "en"}, "StatusDocument"),
    ("v1_offices_list", {}, "OfficeList"),
    ("v1_offices_retrieve", {"code": "palembang"}, "OfficeDetail"),
    ("v1_systems_list", {}, "SystemList"),
    ("v1_systems_retrieve", {"code": "pdn"}, "SystemDetail"),
    ("v1_systems_observations_retrieve", {"code": "pdn"}, "ObservationPage"),
    ("v1_events_list", {"office": "palembang"}, "EventPage"),
    ("v1_advisories_list", {}, "AdvisoryList"),
    ("v2_summary", {}, "StatuspageSummary"),
    ("v2_status", {}, "StatuspageStatus"),
    ("v2_components", {}, "StatuspageComponents"),
    ("v2_incidents", {}, "StatuspageIncidents"),
    ("v2_incidents_unresolved", {}, "StatuspageIncidents"),
    ("v2_scheduled_maintenances", {}, "StatuspageScheduledMaintenances"),
    ("v2_scheduled_maintenances_upcoming", {}, "StatuspageScheduledMaintenances"),
    ("v2_scheduled_maintenances_active", {}, "StatuspageScheduledMaintenances"),
]


def test_generated_client_reads_every_public_endpoint_into_typed_models(
    generated, world, live_server
):
    client = generated.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    models = importlib.import_module(f"{PACKAGE}.models")
    for operation, kwargs, model in PUBLIC:
        if "lang" in kwargs:
            kwargs = {**kwargs, "lang": models.LangEnum(kwargs["lang"])}
        parsed = call(client, generated, operation, **kwargs)
        assert type(parsed).__name__ == model, operation
        assert untyped(parsed, operation) == []

    status = call(client, generated, "v1_status_retrieve")
    assert {o.code for o in status.offices} == set(Office.objects.values_list("code", flat=True))
    assert status.systems[0].state.value in {"up", "degraded", "down", "unknown"}
    assert status.advisories[0].title == "PDN terganggu"
    advisory = call(client, generated, "v1_advisories_retrieve", id=world.pk)
    assert type(advisory).__name__ == "Advisory" and untyped(advisory) == []
