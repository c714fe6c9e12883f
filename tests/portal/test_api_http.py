"""HTTP behaviour of the whole API: conditional requests, caching and CORS headers, throttling
of anonymous reads, one JSON error shape for 404/405 and for Django's own errors."""

from __future__ import annotations

import json
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from django.test import Client
from django.utils import timezone

from portal.api.auth import AnonReadThrottle
from tests.factories import set_systems

pytestmark = pytest.mark.django_db

PUBLIC_READS = [
    "/api/v1/status/",
    "/api/v1/offices/",
    "/api/v1/offices/palembang/",
    "/api/v1/systems/",
    "/api/v1/systems/pdn/",
    "/api/v1/systems/pdn/observations/",
    "/api/v1/events/",
    "/api/v1/advisories/",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
]


@pytest.fixture(autouse=True)
def _world():
    set_systems(pdn="degraded", cekal="down")
    AnonReadThrottle.reset()
    yield
    AnonReadThrottle.reset()


@pytest.mark.parametrize("path", PUBLIC_READS)
def test_public_reads_are_cacheable_by_anyone_and_readable_from_any_origin(client, settings, path):
    settings.POLL_INTERVAL_SECONDS = 10
    response = client.get(path, HTTP_ORIGIN="https://news.example")
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == (
        "public, max-age=10, stale-while-revalidate=10, stale-if-error=86400"
    )
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    # Weak: it follows the content, and a poll that changes nothing keeps it.
    assert response["ETag"].startswith('W/"')
    assert parsedate_to_datetime(response["Last-Modified"]) <= timezone.now()
    assert "Accept-Language" in response["Vary"]


@pytest.mark.parametrize("path", PUBLIC_READS)
def test_if_none_match_and_if_modified_since_give_304(client, path):
    first = client.get(path)
    by_etag = client.get(path, HTTP_IF_NONE_MATCH=f'"other", {first["ETag"]}')
    assert by_etag.status_code == 304 and by_etag.content == b""
    assert by_etag["ETag"] == first["ETag"] and by_etag["Access-Control-Allow-Origin"] == "*"
    by_date = client.get(path, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert by_date.status_code == 304
    stale_copy = client.get(path, HTTP_IF_NONE_MATCH='"something-else"')
    assert stale_copy.status_code == 200 and stale_copy.content == first.content


def test_browsers_may_send_conditional_headers_from_any_origin(client):
    response = client.options(
        "/api/v2/summary.json",
        HTTP_ORIGIN="https://news.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-none-match",
    )
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "If-None-Match" in response["Access-Control-Allow-Headers"]
    assert "GET" in response["Access-Control-Allow-Methods"]


def test_if_none_match_wins_over_if_modified_since(client):
    first = client.get("/api/v1/offices/")
    response = client.get(
        "/api/v1/offices/",
        HTTP_IF_NONE_MATCH='"not-this-one"',
        HTTP_IF_MODIFIED_SINCE=first["Last-Modified"],
    )
    assert response.status_code == 200


def test_an_older_if_modified_since_gets_the_document(client):
    first = client.get("/api/v1/systems/")
    modified = parsedate_to_datetime(first["Last-Modified"])
    older = format_datetime(modified.replace(year=modified.year - 1), usegmt=True)
    assert client.get("/api/v1/systems/", HTTP_IF_MODIFIED_SINCE=older).status_code == 200
    garbage = client.get("/api/v1/systems/", HTTP_IF_MODIFIED_SINCE="yesterday-ish")
    assert garbage.status_code == 200


def test_etag_differs_by_language(client):
    indonesian = client.get("/api/v1/offices/", {"lang": "id"})
    english = client.get("/api/v1/offices/", {"lang": "en"})
    assert indonesian["ETag"] != english["ETag"]
    assert (
        client.get(
            "/api/v1/offices/", {"lang": "en"}, HTTP_IF_NONE_MATCH=indonesian["ETag"]
        ).status_code
        == 200
    )


def test_anonymous_reads_are_throttled_generously_with_retry_after(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon-read": "3/min", "token-write": "off"},
    }
    statuses = [client.get("/api/v1/status/").status_code for _ in range(3)]
    refused = client.get("/api/v2/summary.json")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["error"]["code"] == "throttled"
    assert refused["Access-Control-Allow-Origin"] == "*"
    other = Client(REMOTE_ADDR="10.0.0.9")  # another client address has its own count
    assert other.get("/api/v1/status/").status_code == 200


def test_default_anonymous_rate_is_generous(client):
    assert all(client.get("/api/v1/status/").status_code == 200 for _ in range(100))


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/v3/summary.json").json()["error"]["code"] == "not_found"


def test_unknown_page_outside_the_api_is_not_json(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "application/json" not in response["Content-Type"]


def test_wrong_method_is_json_405_with_allow(client):
    response = client.post("/api/v1/status/", {}, content_type="application/json")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]
    assert client.delete("/api/v2/summary.json").status_code == 405


@pytest.mark.parametrize("path", ["/api/v1/offices/", "/api/v1/status/", "/api/v2/summary.json"])
def test_every_json_endpoint_answers_json_whatever_accept_asks(client, path):
    response = client.get(path, HTTP_ACCEPT="application/xml")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response.json()


def test_server_error_under_api_is_json(rf):
    from portal.api.errors import handler500

    response = handler500(rf.get("/api/v1/offices/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert set(json.loads(response.content)["error"]) == {"code", "message", "field"}


def test_write_endpoints_do_not_allow_other_origins(client):
    response = client.get("/api/v1/overrides/", HTTP_ORIGIN="https://evil.example")
    assert response.status_code == 401
    assert "Access-Control-Allow-Origin" not in response
    assert "public" not in response.get("Cache-Control", "")
