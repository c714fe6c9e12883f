"""Pages announce their Atom feeds with <link rel="alternate">, and the links work."""

from __future__ import annotations

import re

import pytest

from tests.factories import set_systems

pytestmark = pytest.mark.django_db


def alternates(html: str) -> list[str]:
    return re.findall(
        r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="([^"]+)"', html
    )


def test_overview_links_the_advisory_feed(client):
    set_systems(pdn="up", cekal="up")
    links = alternates(client.get("/").content.decode())
    assert links == ["/feeds/advisories.atom?lang=id"]
    assert client.get(links[0]).status_code == 200


def test_office_page_links_its_status_feed_too(client):
    set_systems(pdn="up", cekal="up")
    html = client.get("/kantor/muara-enim/").content.decode()
    links = alternates(html)
    assert links == ["/feeds/advisories.atom?lang=id", "/feeds/offices/muara-enim.atom?lang=id"]
    assert "Perubahan status layanan: Kantor Imigrasi Kelas II Non TPI Muara Enim" in html
    feed = client.get(links[1])
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("application/atom+xml")
