"""The read path on the wire: versions that follow content, compression, HEAD, languages,
cache-busters, CORS, the schema, and the API's errors (issue: the read path rebuilt simple).

The Procfile stack test (tests/test_procfile_stack.py) checks the same on gunicorn's socket.
"""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.api.auth import AnonReadThrottle
from portal.api.schema import SchemaView
from services.snapshot import recompute
from tests.factories import set_systems

pytestmark = pytest.mark.django_db

DOCUMENTS = ["/api/v1/status/", "/api/v2/summary.json", "/api/v2/incidents.json"]
PAGES = ["/", "/kantor/palembang/"]


def poll(now) -> None:
    """What a poll that finds nothing new does: fresh observations, a recompute."""
    set_systems(now=now, pdn="degraded", cekal="down")
    recompute(now=now)


@pytest.mark.parametrize("path", [*DOCUMENTS, *PAGES])
def test_a_client_revalidating_every_30_s_across_quiet_polls_gets_304s(client, path):
    # The test's own clock, ten quiet minutes of a working morning: a page's day turns at
    # local midnight, and so does its ETag (test_an_office_page_changes_its_etag_at_midnight…).
    start = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta"))
    with time_machine.travel(start, tick=False):
        poll(start)
        first = client.get(path)
    assert first.status_code == 200 and first["ETag"].startswith('W/"')
    answers, confirmed = [], []
    for step in range(1, 21):  # ten minutes, a poll and a revalidation every 30 s
        with time_machine.travel(start + timedelta(seconds=30 * step), tick=False):
            poll(timezone.now())
            again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
            answers.append(again.status_code)
            confirmed.append(again["Last-Modified"])
    assert answers == [304] * 20
    assert len(set(confirmed)) == 20  # still says when the data was last confirmed


def test_a_visible_change_or_staleness_changes_the_version(client, settings):
    start = timezone.now()
    poll(start)
    first = client.get("/api/v1/status/")
    with time_machine.travel(start + timedelta(seconds=10), tick=False):
        set_systems(pdn="up", cekal="up")
        recompute()
        changed = client.get("/api/v1/status/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    later = start + timedelta(seconds=settings.STALE_AFTER_SECONDS + 20)
    with time_machine.travel(later, tick=False):  # no poll since: the data goes stale
        stale = client.get("/api/v1/status/", HTTP_IF_NONE_MATCH=changed["ETag"])
    assert stale.status_code == 200 and stale.json()["stale"] is True


@pytest.mark.parametrize("path", [*DOCUMENTS, *PAGES, "/feeds/advisories.atom", "/api/schema/"])
def test_compressed_once_with_the_same_validators(client, path):
    poll(timezone.now())
    plain = client.get(path)
    packed = client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.content) == plain.content
    assert packed["ETag"] == plain["ETag"] and "Accept-Encoding" in packed["Vary"]
    assert int(packed["Content-Length"]) == len(packed.content)
    revalidated = client.get(path, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=plain["ETag"])
    assert revalidated.status_code == 304


@pytest.mark.parametrize("path", ["/", "/kantor/palembang/", *DOCUMENTS[:2]])
def test_the_wire_carries_at_most_a_quarter_of_the_raw_bytes(client, path):
    poll(timezone.now())
    plain = client.get(path)
    packed = client.get(path, HTTP_ACCEPT_ENCODING="gzip")
    assert len(packed.content) * 4 <= len(plain.content)


def test_head_answers_carry_headers_only(rf):
    from portal.middleware import HeadMiddleware

    body = b"x" * 1000
    middleware = HeadMiddleware(lambda request: __import__("django.http").http.HttpResponse(body))
    response = middleware(rf.head("/"))
    assert response.content == b"" and response["Content-Length"] == "1000"
    assert middleware(rf.get("/")).content == body


@pytest.mark.parametrize(
    "path, params, expected",
    [
        ("/api/v1/status/", {"lang": "en"}, "en"),
        ("/api/v2/summary.json", {"lang": "en"}, "en"),
        ("/feeds/advisories.atom", {"lang": "en"}, "en"),
        ("/api/v1/status/", {}, "id"),
    ],
)
def test_content_language_names_the_bodys_language(client, path, params, expected):
    poll(timezone.now())
    response = client.get(path, params)
    assert response["Content-Language"] == expected
    assert {"Accept-Language", "Cookie"} <= {v.strip() for v in response["Vary"].split(",")}


def test_the_language_cookie_picks_the_api_language_too(client, settings):
    poll(timezone.now())
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/api/v1/status/")
    assert response["Content-Language"] == "en" and b'"name":"Interview"' in response.content


@pytest.mark.parametrize("path", ["/api/v1/status/", "/api/v1/events/", "/api/v2/summary.json"])
def test_a_cache_buster_is_ignored(client, path):
    poll(timezone.now())
    plain = client.get(path)
    busted = client.get(path, {"_": "1719000000"})
    assert busted.status_code == 200 and busted.content == plain.content


@pytest.mark.parametrize("path", ["/feeds/advisories.atom", "/api/schema/"])
def test_feeds_and_schema_are_readable_from_any_origin(client, path):
    response = client.get(path, HTTP_ORIGIN="https://news.example")
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_feeds_preflight_is_answered_without_the_feed(client):
    response = client.options(
        "/feeds/advisories.atom",
        HTTP_ORIGIN="https://news.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
    )
    assert response.status_code == 200 and response.content == b""
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_a_post_to_a_feed_is_the_apis_405(client):
    response = client.post("/feeds/advisories.atom")
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_schema_is_built_once_per_process(client, monkeypatch):
    SchemaView.built.clear()
    builds = []
    real = SchemaView._get_schema_response

    def counted(self, request):
        builds.append(1)
        return real(self, request)

    monkeypatch.setattr(SchemaView, "_get_schema_response", counted)
    first = [client.get("/api/schema/") for _ in range(3)]
    assert len(builds) == 1 and len({r.content for r in first}) == 1
    assert client.get("/api/schema/", HTTP_IF_NONE_MATCH=first[0]["ETag"]).status_code == 304


def test_429_is_the_one_error_shape_in_one_language(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon-read": "1/minute",
        },
    }
    refused = {}
    for language in ("id", "en"):
        AnonReadThrottle.reset()
        try:
            client.get("/api/v1/events/", HTTP_ACCEPT_LANGUAGE=language)
            refused[language] = client.get("/api/v1/events/", HTTP_ACCEPT_LANGUAGE=language)
        finally:
            AnonReadThrottle.reset()
    for language, answer in refused.items():
        assert answer.status_code == 429 and answer["Retry-After"]
        assert answer["Content-Language"] == language
        assert answer.json()["error"]["code"] == "throttled"
    # In the language of the answer, as every other API error is.
    retry = refused["en"]["Retry-After"]
    assert refused["en"].json()["error"]["message"] == (
        f"Too many requests; retry after {retry} seconds."
    )
    assert refused["id"].json()["error"]["message"].startswith("Terlalu banyak permintaan")


def test_host_port_variants_share_one_document(client, settings, monkeypatch):
    """The Host header picks nothing: one build and one cache entry whatever the port, and
    the absolute URLs come from SITE_URL."""
    from portal.api.statuspage import SummaryView

    builds = []
    real = SummaryView.build

    def counted(self, bundle, url):
        builds.append(url)
        return real(self, bundle, url)

    monkeypatch.setattr(SummaryView, "build", counted)
    poll(timezone.now())  # the poll builds the summary, once per language
    assert builds == [f"{settings.SITE_URL}/"] * 2
    answers = [
        client.get("/api/v2/summary.json", HTTP_HOST=f"testserver:{port}")
        for port in range(8001, 8011)
    ]
    assert len(builds) == 2 and len({a.content for a in answers}) == 1
    assert answers[0].json()["page"]["url"].startswith(settings.SITE_URL.rstrip("/"))


def test_schema_reads_are_throttled_like_any_anonymous_read(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon-read": "1/minute",
        },
    }
    AnonReadThrottle.reset()
    try:
        assert client.get("/api/schema/").status_code == 200
        refused = client.get("/api/schema/")
    finally:
        AnonReadThrottle.reset()
    assert refused.status_code == 429


def test_reads_never_write(client, settings):
    """A read after the data went stale shows it at once and writes nothing; the next
    recompute (a poll, even a failing one) records the transitions."""
    start = timezone.now()
    poll(start)
    client.get("/api/v1/status/")
    later = start + timedelta(seconds=settings.STALE_AFTER_SECONDS + 20)
    with time_machine.travel(later, tick=False), CaptureQueriesContext(connection) as captured:
        stale = client.get("/api/v1/status/")
        for path in ["/", "/kantor/palembang/", "/api/v1/events/", "/feeds/offices/palembang.atom"]:
            assert client.get(path).status_code == 200, path
    assert stale.json()["stale"] is True
    verbs = ("INSERT", "UPDATE", "DELETE")
    assert [q["sql"] for q in captured.captured_queries if q["sql"].startswith(verbs)] == []


def test_an_office_page_changes_its_etag_at_midnight_in_any_time_zone(client):
    """An office in WIT turns a new day two hours before WIB: its page's ETag does too."""
    wit_midnight = datetime(2026, 12, 2, 0, 0, tzinfo=ZoneInfo("Asia/Jayapura"))
    with time_machine.travel(wit_midnight - timedelta(minutes=1), tick=False):
        poll(timezone.now())
        before = client.get("/kantor/palembang/")
    with time_machine.travel(wit_midnight + timedelta(minutes=1), tick=False):
        poll(timezone.now())
        after = client.get("/kantor/palembang/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]


def test_pages_read_the_status_document_without_parsing_its_bytes_back():
    """The process that builds the document keeps the object beside its bytes; the shared
    cache keeps bytes only, and a process that takes them from there reads them back."""
    import json

    from django.core.cache import cache

    from portal import prepared
    from portal.status import status_entry, status_of

    set_systems(pdn="down", cekal="up")
    cache.clear()
    prepared.forget()
    _, built = status_entry("id")
    assert status_of(built) is built.document
    assert built.document == json.loads(built.body)

    prepared.forget()  # as another process would: the entry comes from the shared cache
    _, shared = status_entry("id")
    assert shared.document is None and shared.body == built.body
    assert status_of(shared) == built.document


def test_a_snapshot_is_named_to_readers_only_once_its_documents_are_shared(client, monkeypatch):
    """A poll builds the status documents and the Statuspage summary before it moves the
    cache's head: a web process that sees the new snapshot takes their bytes from the cache
    and builds nothing on a visitor's request."""
    from django.core.cache import cache

    from portal import prepared, status
    from portal.api.statuspage import SummaryView
    from services import snapshot

    keys = [(doc, lang) for doc in (("v1", "status"), ("v2", "summary")) for lang in ("id", "en")]
    shared_when_named = {}
    real_set = cache.set

    def watching(key, value, *args, **kwargs):
        if key == snapshot.HEAD_KEY:
            shared_when_named[value] = [
                cache.get(f"prepared:{value}:{prepared.digest(repr((*doc, lang)))}") is not None
                for doc, lang in keys
            ]
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", watching)
    poll(timezone.now())
    token = cache.get(snapshot.HEAD_KEY)
    assert shared_when_named[token] == [True] * 4

    def no_build(*args, **kwargs):
        raise AssertionError("built on a visitor's request")

    prepared.forget()  # a web process that has not read this snapshot yet
    snapshot._head.update({"token": "", "read_at": 0.0})
    monkeypatch.setattr(status, "_status_document", no_build)
    monkeypatch.setattr(SummaryView, "build", no_build)
    for path in ("/api/v1/status/", "/api/v1/status/?lang=en", "/api/v2/summary.json"):
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v2/summary.json", HTTP_ACCEPT_LANGUAGE="en").status_code == 200
