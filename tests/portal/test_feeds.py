"""Atom feeds: advisories with their updates, and status changes per office."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit
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


# --- Validity (RFC 4287, as the W3C feed validator checks it) --------------------------------

RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def atom_problems(body: bytes, location: str) -> list[str]:
    """What RFC 4287 requires of a feed and its entries that ``body`` lacks: one id, title
    and updated (RFC 3339) each; an author on the feed or on every entry; a ``self`` link
    equal to ``location`` (the validator's SelfDoesntMatchLocation); per entry a link or a
    content, a summary when the content is not inline text, and an id no other entry has."""
    feed = ElementTree.fromstring(body)
    problems = [] if feed.tag == f"{ATOM}feed" else [f"root is {feed.tag}"]
    problems += _one_each(feed, "feed")
    feed_author = _has_author(feed)
    selves = [link.get("href") for link in feed.findall(f"{ATOM}link") if link.get("rel") == "self"]
    if selves != [location]:
        problems.append(f"self link {selves} does not match location {location}")
    ids = []
    for number, entry in enumerate(feed.findall(f"{ATOM}entry")):
        where = f"entry {number}"
        problems += _one_each(entry, where)
        if not feed_author and not _has_author(entry):
            problems.append(f"{where}: missing entry element: author")
        content = entry.find(f"{ATOM}content")
        alternate = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        if content is None and not alternate:
            problems.append(f"{where}: neither content nor an alternate link")
        if (content is None or content.get("src")) and entry.find(f"{ATOM}summary") is None:
            problems.append(f"{where}: missing summary")
        ids.append(entry.findtext(f"{ATOM}id"))
    if len(set(ids)) != len(ids):
        problems.append("entries share an id")
    return problems


def _one_each(element: ElementTree.Element, where: str) -> list[str]:
    problems = []
    for name in ("id", "title", "updated"):
        found = element.findall(f"{ATOM}{name}")
        if len(found) != 1 or not (found[0].text or "").strip():
            problems.append(f"{where}: needs exactly one non-empty {name}, has {len(found)}")
    updated = element.findtext(f"{ATOM}updated") or ""
    if updated and not RFC3339.match(updated):
        problems.append(f"{where}: updated {updated!r} is not an RFC 3339 date-time")
    identifier = element.findtext(f"{ATOM}id") or ""
    if identifier and not urlsplit(identifier).scheme:
        problems.append(f"{where}: id {identifier!r} is not an IRI")
    return problems


def _has_author(element: ElementTree.Element) -> bool:
    return any((a.findtext(f"{ATOM}name") or "").strip() for a in element.findall(f"{ATOM}author"))


def test_the_validity_check_finds_what_the_validator_reported():
    """The check itself: the three problems of the feeds before they were fixed."""
    body = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:x</id>'
        b"<updated>2024-06-20T00:00:00+07:00</updated>"
        b'<link href="http://s/feeds/a.atom" rel="self"/>'
        b"<entry><title>e</title><id>urn:e</id><link href='http://s/'/><summary>s</summary>"
        b"</entry></feed>"
    )
    problems = atom_problems(body, "http://s/feeds/a.atom?lang=en")
    assert any("does not match location" in p for p in problems)
    assert "entry 0: missing entry element: author" in problems
    assert "entry 0: needs exactly one non-empty updated, has 0" in problems


@pytest.mark.parametrize("query", ["", "?lang=en", "?lang=id"])
@pytest.mark.parametrize("path", ["/feeds/advisories.atom", "/feeds/offices/muara-enim.atom"])
def test_feeds_are_valid_atom(client, settings, path, query):
    published = Advisory.objects.create(
        title_id="Layanan paspor dihentikan",
        body_id="PDN mengalami gangguan.",
        published_at=timezone.now() - timedelta(hours=2),
    )
    AdvisoryUpdate.objects.create(
        advisory=published, phase=AdvisoryPhase.MONITORING, body_id="Dipantau.", at=timezone.now()
    )
    set_systems(pdn="down", cekal="down")
    recompute()
    set_systems(pdn="up", cekal="up")
    recompute()
    response = client.get(path + query)
    assert len(entries(response)) >= 1
    assert atom_problems(response.content, settings.SITE_URL + path + query) == []
