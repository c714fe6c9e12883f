"""Absolute URLs come from SITE_URL, never from the request's Host (any port is accepted)."""

from __future__ import annotations

import pytest

from tests.factories import set_systems

pytestmark = pytest.mark.django_db
SITE = "https://status.example.go.id"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    set_systems(pdn="degraded", cekal="down")


@pytest.mark.parametrize("path", ["/api/v2/summary.json", "/api/v2/status.json"])
def test_v2_page_url_is_the_site_whatever_the_host_port(client, path):
    answers = [client.get(path, HTTP_HOST=f"testserver:{port}") for port in (4444, 5555)]
    assert [a.json()["page"]["url"] for a in answers] == [f"{SITE}/", f"{SITE}/"]
    assert answers[0].content == answers[1].content and answers[0]["ETag"] == answers[1]["ETag"]
    assert b"testserver" not in answers[0].content


@pytest.mark.parametrize("path", ["/feeds/advisories.atom", "/feeds/offices/palembang.atom"])
def test_feed_links_are_the_sites_whatever_the_host_port(client, path):
    body = client.get(path, HTTP_HOST="testserver:4444").content.decode()
    assert f'href="{SITE}/' in body and "testserver" not in body
