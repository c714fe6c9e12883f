"""The Statuspage-compatible v2 API: Statuspage's field names, the state mapping, caching."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from offices.models import Office, OfficeClosure
from portal.choices import AdvisoryPhase, AdvisorySeverity
from portal.models import Advisory, AdvisoryUpdate
from services.snapshot import recompute
from tests.factories import set_systems

pytestmark = pytest.mark.django_db

RECORDED = json.loads((Path(__file__).parent / "fixtures" / "statuspage_summary.json").read_text())
# Keys a Statuspage page sends as null as often as with a value.
NULLABLE = {
    "monitoring_at",
    "resolved_at",
    "description",
    "start_date",
    "group_id",
    "affected_components",
    "custom_tweet",
    "tweet_id",
    "scheduled_until",
}


def json_type(value) -> str:
    return type(value).__name__


def assert_same_shape(ours: dict, recorded: dict, where: str) -> None:
    """Same keys as the recorded Statuspage object, each with the same JSON type."""
    assert set(ours) == set(recorded), where
    for key, value in recorded.items():
        if key in NULLABLE and (value is None or ours[key] is None):
            continue
        assert json_type(ours[key]) == json_type(value), f"{where}.{key}"


def get_json(client, path: str, **params) -> dict:
    response = client.get(path, params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def publish_advisory(**fields) -> Advisory:
    defaults = {
        "title_id": "Pencetakan paspor menunggu pemulihan PDN",
        "title_en": "Passport printing waits for the PDN",
        "body_id": "Wawancara, biometrik dan foto tetap dilayani.",
        "severity": AdvisorySeverity.MAJOR,
        "phase": AdvisoryPhase.IDENTIFIED,
        "published_at": timezone.now() - timedelta(hours=3),
    }
    advisory = Advisory.objects.create(**{**defaults, **fields})
    advisory.offices.add(Office.objects.get(code="palembang"))
    return advisory


def close(office: str, starts_in: timedelta, hours: int = 2) -> OfficeClosure:
    starts = timezone.now() + starts_in
    return OfficeClosure.objects.create(
        office=Office.objects.get(code=office),
        reason="Pemadaman listrik terjadwal",
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
    )


@pytest.fixture
def outage_world():
    """PDN degraded and cekal down; an advisory with an update; closures coming and in force."""
    set_systems(pdn="degraded", cekal="down")
    advisory = publish_advisory()
    AdvisoryUpdate.objects.create(
        advisory=advisory,
        phase=AdvisoryPhase.MONITORING,
        body_id="Pencetakan mulai berjalan.",
        at=timezone.now() - timedelta(hours=1),
    )
    close("muara-enim", timedelta(days=2))
    close("muara-enim", -timedelta(minutes=30))
    recompute()
    return advisory


def test_summary_has_statuspage_field_names_at_every_level(client, outage_world):
    summary = get_json(client, "/api/v2/summary.json")
    assert list(summary) == list(RECORDED)
    assert_same_shape(summary["page"], RECORDED["page"], "page")
    assert_same_shape(summary["status"], RECORDED["status"], "status")
    recorded_group, recorded_child = RECORDED["components"][0], RECORDED["components"][1]
    for component in summary["components"]:
        recorded = recorded_group if component["group"] else recorded_child
        assert_same_shape(component, recorded, f"component {component['id']}")
    (incident,) = summary["incidents"]
    recorded_incident = RECORDED["incidents"][0]
    assert_same_shape(incident, recorded_incident, "incident")
    for update in incident["incident_updates"]:
        assert_same_shape(update, recorded_incident["incident_updates"][0], "incident update")
    for component in incident["components"]:
        assert_same_shape(component, recorded_incident["components"][0], "incident component")
    assert len(summary["scheduled_maintenances"]) == 2
    recorded_maintenance = RECORDED["scheduled_maintenances"][0]
    for maintenance in summary["scheduled_maintenances"]:
        assert_same_shape(maintenance, recorded_maintenance, "scheduled maintenance")


def components_by_id(body: dict) -> dict[str, dict]:
    return {c["id"]: c for c in body["components"]}


def test_offices_are_groups_and_stages_are_components_with_the_documented_mapping(client):
    set_systems(pdn="degraded", cekal="down")
    body = get_json(client, "/api/v2/components.json")
    assert set(body) == {"page", "components"}
    components = components_by_id(body)
    for office in ("palembang", "muara-enim"):
        group = components[office]
        assert group["group"] is True and group["group_id"] is None
        assert group["components"] and all(
            components[c]["group_id"] == office for c in group["components"]
        )
        assert group["status"] == "partial_outage"
    assert components["palembang.interview"]["status"] == "operational"
    assert components["palembang.printing"]["status"] == "major_outage"
    assert components["palembang.printing"]["description"]
    assert components["palembang.border-check"]["status"] == "operational"
    assert "muara-enim.border-check" not in components
    assert [components[c]["position"] for c in components["palembang"]["components"]] == list(
        range(1, len(components["palembang"]["components"]) + 1)
    )


def test_unknown_maps_to_degraded_performance(client):
    stale = timezone.now() - timedelta(hours=1)
    set_systems(now=stale, pdn="up", cekal="up")
    components = components_by_id(get_json(client, "/api/v2/components.json"))
    assert components["palembang.interview"]["status"] == "degraded_performance"
    assert get_json(client, "/api/v2/status.json")["status"]["indicator"] == "minor"


@pytest.mark.parametrize(
    ("systems", "indicator", "description"),
    [
        ({"pdn": "up", "cekal": "up"}, "none", "All Systems Operational"),
        ({"pdn": "degraded", "cekal": "down"}, "major", "Partial System Outage"),
    ],
)
def test_status_indicator_follows_the_components(client, systems, indicator, description):
    set_systems(**systems)
    body = get_json(client, "/api/v2/status.json", lang="en")
    assert set(body) == {"page", "status"}
    assert body["status"] == {"indicator": indicator, "description": description}
    assert body["page"]["time_zone"] == "Asia/Jakarta"
    assert body["page"]["url"] == f"{django_settings.SITE_URL}/"


def test_everything_closed_is_critical(client):
    set_systems(pdn="down", cekal="down")
    close("palembang", -timedelta(minutes=5))
    close("muara-enim", -timedelta(minutes=5))
    assert get_json(client, "/api/v2/status.json")["status"]["indicator"] == "critical"


def test_an_open_critical_advisory_raises_the_indicator(client):
    set_systems(pdn="up", cekal="up")
    publish_advisory(severity=AdvisorySeverity.CRITICAL)
    recompute()
    assert get_json(client, "/api/v2/status.json")["status"]["indicator"] == "critical"


def test_advisories_are_incidents_with_their_updates(client, outage_world):
    resolved = publish_advisory(title_id="Selesai", phase=AdvisoryPhase.RESOLVED)
    everything = get_json(client, "/api/v2/incidents.json", lang="en")
    assert set(everything) == {"page", "incidents"}
    assert {i["id"] for i in everything["incidents"]} == {str(outage_world.pk), str(resolved.pk)}
    incident = next(i for i in everything["incidents"] if i["id"] == str(outage_world.pk))
    assert incident["name"] == "Passport printing waits for the PDN"
    assert incident["status"] == "identified" and incident["impact"] == "major"
    assert incident["shortlink"].startswith(f"{django_settings.SITE_URL}/")
    assert [u["status"] for u in incident["incident_updates"]] == ["monitoring", "monitoring"]
    assert (
        incident["incident_updates"][-1]["body"] == "Wawancara, biometrik dan foto tetap dilayani."
    )
    assert incident["monitoring_at"] is not None and incident["resolved_at"] is None
    assert {c["group_id"] for c in incident["components"]} == {"palembang"}
    done = next(i for i in everything["incidents"] if i["id"] == str(resolved.pk))
    assert done["resolved_at"] is not None
    unresolved = get_json(client, "/api/v2/incidents/unresolved.json")
    assert [i["id"] for i in unresolved["incidents"]] == [str(outage_world.pk)]


def test_closures_are_scheduled_maintenances(client, outage_world):
    ended = close("palembang", -timedelta(days=3))
    upcoming = get_json(client, "/api/v2/scheduled-maintenances/upcoming.json")
    active = get_json(client, "/api/v2/scheduled-maintenances/active.json")
    everything = get_json(client, "/api/v2/scheduled-maintenances.json")
    assert set(upcoming) == {"page", "scheduled_maintenances"}
    assert [m["status"] for m in upcoming["scheduled_maintenances"]] == ["scheduled"]
    assert [m["status"] for m in active["scheduled_maintenances"]] == ["in_progress"]
    statuses = {m["id"]: m["status"] for m in everything["scheduled_maintenances"]}
    assert statuses[f"c{ended.pk}"] == "completed" and len(statuses) == 3
    maintenance = active["scheduled_maintenances"][0]
    assert maintenance["impact"] == "maintenance" and maintenance["scheduled_until"]
    assert {c["group_id"] for c in maintenance["components"]} == {"muara-enim"}
    # Created after it started (no announcement ahead): no "scheduled" update.
    assert [u["status"] for u in maintenance["incident_updates"]] == ["in_progress"]
    coming = upcoming["scheduled_maintenances"][0]
    assert [u["status"] for u in coming["incident_updates"]] == ["scheduled"]


def test_summary_lists_only_unresolved_incidents_and_coming_or_current_maintenances(
    client, outage_world
):
    close("palembang", -timedelta(days=3))
    publish_advisory(title_id="Selesai", phase=AdvisoryPhase.RESOLVED)
    recompute()
    summary = get_json(client, "/api/v2/summary.json")
    assert [i["id"] for i in summary["incidents"]] == [str(outage_world.pk)]
    assert sorted(m["status"] for m in summary["scheduled_maintenances"]) == [
        "in_progress",
        "scheduled",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/summary.json",
        "/api/v2/status.json",
        "/api/v2/components.json",
        "/api/v2/incidents.json",
        "/api/v2/incidents/unresolved.json",
        "/api/v2/scheduled-maintenances.json",
        "/api/v2/scheduled-maintenances/upcoming.json",
        "/api/v2/scheduled-maintenances/active.json",
    ],
)
def test_every_v2_document_revalidates_and_ignores_unknown_parameters(client, outage_world, path):
    first = client.get(path, {"_": "1719000000"})  # cache busters of Statuspage widgets
    assert first.status_code == 200
    assert first["Cache-Control"].startswith("public, max-age=")
    assert first["Last-Modified"] and first["ETag"].startswith('W/"')
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    bad = client.get(path, {"lang": "fr"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "lang"


def test_summary_is_served_without_the_database_once_built(
    client, django_assert_num_queries, outage_world
):
    first = client.get("/api/v2/summary.json")
    with django_assert_num_queries(0):
        again = client.get("/api/v2/summary.json")
    assert again.content == first.content


def test_summary_changes_with_the_published_snapshot(client):
    set_systems(pdn="up", cekal="up")
    first = client.get("/api/v2/summary.json")
    set_systems(pdn="down")
    recompute()
    changed = client.get("/api/v2/summary.json", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert changed.json()["status"]["indicator"] in {"major", "critical"}


# --- Statuspage semantics -------------------------------------------------------------------


def v2_components(client, **params) -> dict[str, dict]:
    body = get_json(client, "/api/v2/components.json", **params)
    return {c["id"]: c for c in body["components"]}


def test_a_closed_office_is_under_maintenance_not_in_an_outage(client):
    set_systems(pdn="up", cekal="up")
    close("muara-enim", -timedelta(minutes=5))
    recompute()
    components = v2_components(client)
    muara_enim = [c for c in components.values() if c["group_id"] == "muara-enim"]
    assert muara_enim and {c["status"] for c in muara_enim} == {"under_maintenance"}
    assert components["muara-enim"]["status"] == "under_maintenance"
    assert components["palembang.interview"]["status"] == "operational"
    set_systems(pdn="down")
    recompute()
    assert v2_components(client)["palembang.printing"]["status"] == "major_outage"


def test_a_component_keeps_its_created_at_across_state_changes(client):
    set_systems(pdn="up", cekal="up")
    recompute()  # the first poll records every stage as listed
    first = v2_components(client)["palembang.printing"]
    for state in ("down", "up", "down"):
        set_systems(pdn=state)
        recompute()
        now = v2_components(client)["palembang.printing"]
        assert now["created_at"] == first["created_at"]
        assert now["updated_at"] >= now["created_at"]
    assert now["status"] == "major_outage" and now["updated_at"] != first["updated_at"]


def test_component_names_are_distinct_across_offices(client):
    set_systems(pdn="up", cekal="up")
    for lang in ("id", "en"):
        components = v2_components(client, lang=lang)
        names = [c["name"] for c in components.values()]
        assert len(names) == len(set(names)), lang
        interview = components["palembang.interview"]["name"]
        assert ("Wawancara" if lang == "id" else "Interview") in interview
        assert "Palembang" in interview and "Muara Enim" not in interview


def test_incident_updates_are_newest_first_and_resolution_follows_the_start(client):
    set_systems(pdn="up", cekal="up")
    now = timezone.now()
    advisory = publish_advisory(published_at=now - timedelta(hours=5))
    for phase, hours in (
        (AdvisoryPhase.INVESTIGATING, 6),
        (AdvisoryPhase.MONITORING, 2),
        (AdvisoryPhase.RESOLVED, 1),
    ):
        AdvisoryUpdate.objects.create(
            advisory=advisory, phase=phase, body_id=phase, at=now - timedelta(hours=hours)
        )
    Advisory.objects.filter(pk=advisory.pk).update(phase=AdvisoryPhase.RESOLVED)
    incident = get_json(client, "/api/v2/incidents.json")["incidents"][0]
    times = [u["display_at"] for u in incident["incident_updates"]]
    assert times == sorted(times, reverse=True)
    assert [u["status"] for u in incident["incident_updates"]][0] == "resolved"
    assert incident["started_at"] == incident["created_at"] == min(times)
    assert incident["resolved_at"] == times[0] > incident["started_at"]
    assert incident["updated_at"] >= incident["resolved_at"]


def test_an_advisory_resolved_without_an_update_is_resolved_when_it_was_saved(client):
    set_systems(pdn="up", cekal="up")
    advisory = publish_advisory(published_at=timezone.now() - timedelta(hours=3))
    advisory.phase = AdvisoryPhase.RESOLVED
    advisory.save()
    incident = get_json(client, "/api/v2/incidents.json")["incidents"][0]
    assert incident["resolved_at"] > incident["started_at"]
    assert [u["status"] for u in incident["incident_updates"]] == ["investigating"]


def test_maintenance_times_never_run_backwards(client):
    set_systems(pdn="up", cekal="up")
    ahead = close("palembang", timedelta(hours=-1))  # created now, started an hour ago
    announced = close("muara-enim", timedelta(hours=1))
    OfficeClosure.objects.filter(pk=announced.pk).update(
        created_at=timezone.now() - timedelta(days=1)
    )
    OfficeClosure.objects.filter(pk=announced.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    body = get_json(client, "/api/v2/scheduled-maintenances.json")
    for maintenance in body["scheduled_maintenances"]:
        times = [u["display_at"] for u in maintenance["incident_updates"]]
        assert times == sorted(times, reverse=True), maintenance["id"]
        assert maintenance["updated_at"] >= maintenance["created_at"], maintenance["id"]
        assert all(t >= maintenance["created_at"] for t in times), maintenance["id"]
    statuses = {
        m["id"]: [u["status"] for u in m["incident_updates"]]
        for m in body["scheduled_maintenances"]
    }
    assert statuses[f"c{announced.pk}"] == ["completed", "in_progress", "scheduled"]
    assert statuses[f"c{ahead.pk}"] == ["in_progress"]


@pytest.mark.parametrize(
    ("lang", "description"),
    [("en", "Partial System Outage"), ("id", "Sebagian sistem mengalami gangguan")],
)
def test_status_description_follows_the_language(client, lang, description):
    set_systems(pdn="degraded", cekal="down")
    for path in ("/api/v2/status.json", "/api/v2/summary.json"):
        assert get_json(client, path, lang=lang)["status"]["description"] == description
        by_header = client.get(path, HTTP_ACCEPT_LANGUAGE=lang).json()
        assert by_header["status"]["description"] == description


def test_an_advisory_whose_publication_ended_is_resolved_when_it_ended(client):
    """An advisory that ran out (published_until passed) without being resolved by hand is
    over for the public, as its page says: v2 calls it resolved, at the end of publication."""
    set_systems(pdn="up", cekal="up")
    ended = timezone.now() - timedelta(hours=1)
    publish_advisory(published_at=ended - timedelta(hours=2), published_until=ended)
    incident = get_json(client, "/api/v2/incidents.json")["incidents"][0]
    assert incident["status"] == "resolved"
    assert incident["resolved_at"] == timezone.localtime(ended).isoformat()
    assert incident["resolved_at"] > incident["started_at"]
    assert get_json(client, "/api/v2/incidents/unresolved.json")["incidents"] == []
    assert get_json(client, "/api/v2/summary.json")["incidents"] == []
