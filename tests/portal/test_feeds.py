"""Atom feeds: advisories with their updates, and status changes per office."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from offices.models import Office
from portal.choices import AdvisoryPhase
from portal.models import Advisory, AdvisoryUpdate
from services.snapshot import recompute
from tests.factories import set_systems

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response) -> list[ElementTree.Element]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/atom+xml")
    return ElementTree.fromstring(response.content).findall(f"{ATOM}entry")


def test_advisory_feed_has_each_advisory_with_its_updates(client):
    advisory = Advisory.objects.create(
        title_id="Layanan paspor dihentikan sementara",
        title_en="Passport services temporarily stopped",
        body_id="PDN mengalami gangguan.",
        phase=AdvisoryPhase.MONITORING,
        published_at=timezone.now() - timedelta(hours=3),
    )
    AdvisoryUpdate.objects.create(
        advisory=advisory,
        phase=AdvisoryPhase.MONITORING,
        body_id="Wawancara & foto dibuka <kembali>.",
        at=timezone.now() - timedelta(hours=1),
    )
    Advisory.objects.create(title_id="Draf", published_at=None)
    (entry,) = entries(client.get("/feeds/advisories.atom"))
    assert entry.find(f"{ATOM}title").text == "Layanan paspor dihentikan sementara"
    summary = entry.find(f"{ATOM}summary").text
    assert "PDN mengalami gangguan." in summary
    assert "Wawancara &amp; foto dibuka &lt;kembali&gt;." in summary
    assert entry.find(f"{ATOM}updated").text > entry.find(f"{ATOM}published").text
    (english,) = entries(client.get("/feeds/advisories.atom", {"lang": "en"}))
    assert english.find(f"{ATOM}title").text == "Passport services temporarily stopped"


def test_office_feed_lists_status_changes_newest_first(client):
    set_systems(pdn="down", cekal="down")
    recompute()
    set_systems(pdn="degraded", cekal="down")
    recompute()
    found = entries(client.get("/feeds/offices/muara-enim.atom", {"lang": "en"}))
    titles = [e.find(f"{ATOM}title").text for e in found]
    assert "Interview: Closed → Open" in titles
    assert titles.index("Interview: Closed → Open") < titles.index("Interview: — → Closed")
    links = {e.find(f"{ATOM}id").text for e in found}
    assert len(links) == len(found)
    palembang = entries(client.get("/feeds/offices/palembang.atom"))
    assert palembang and all(e not in found for e in palembang)


def test_feeds_answer_conditional_requests(client):
    set_systems(pdn="up", cekal="up")
    first = client.get("/feeds/offices/palembang.atom")
    assert first["ETag"] and first["Cache-Control"].startswith("public")
    again = client.get("/feeds/offices/palembang.atom", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304


def test_feed_of_unknown_office_is_404_and_of_unknown_language_400(client):
    assert client.get("/feeds/offices/jakarta.atom").status_code == 404
    refused = client.get("/feeds/advisories.atom", {"lang": "fr"})
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "lang"
    assert Office.objects.filter(code="jakarta").count() == 0
