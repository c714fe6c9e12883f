"""The visitor's address: X-Forwarded-For believed only from the trusted proxies."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from portal import settings as project_settings
from portal.api.auth import AnonReadThrottle
from portal.security import ClientAddressMiddleware
from tests.factories import set_systems

PROXY = "172.31.254.2"
VISITOR = "198.51.100.7"


def middleware(settings, *proxies: str) -> ClientAddressMiddleware:
    settings.TRUSTED_PROXIES = list(proxies)
    return ClientAddressMiddleware(lambda request: None)


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "visitor"),
    [
        (PROXY, VISITOR, VISITOR),  # nginx appended the address it saw
        (PROXY, f"6.6.6.6, {VISITOR}", VISITOR),  # the visitor's own header is ignored
        (PROXY, f"{VISITOR}, 10.0.0.3", VISITOR),  # a second trusted hop (the 10/8 network)
        (PROXY, "", PROXY),  # a proxy's own request
        (PROXY, f"{VISITOR}, not-an-address", PROXY),  # a broken hop: keep what we know
        (PROXY, "10.0.0.3, 10.0.0.4", "10.0.0.3"),  # only proxies: the leftmost
        (VISITOR, "6.6.6.6", VISITOR),  # not from a trusted proxy: the header is ignored
        (PROXY, "2001:db8::7", "2001:db8::7"),
    ],
)
def test_the_visitor_is_the_first_untrusted_hop_from_the_right(
    settings, peer, forwarded_for, visitor
):
    assert middleware(settings, PROXY, "10.0.0.0/8").visitor(peer, forwarded_for) == visitor


def test_without_trusted_proxies_the_header_changes_nothing(rf, settings):
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=VISITOR)
    middleware(settings)(request)
    assert request.META["REMOTE_ADDR"] == PROXY


def test_behind_a_trusted_proxy_remote_addr_is_the_visitor(rf, settings):
    request = rf.get("/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"6.6.6.6, {VISITOR}")
    middleware(settings, PROXY)(request)
    assert (request.META["REMOTE_ADDR"], request.META["PROXY_ADDR"]) == (VISITOR, PROXY)


@pytest.mark.django_db
def test_the_read_limit_counts_each_visitor_behind_the_proxy_apart(settings):
    settings.TRUSTED_PROXIES = [PROXY]
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon-read": "2/min", "token-write": "off"},
    }
    set_systems(pdn="up", cekal="up")
    AnonReadThrottle.reset()
    proxy = Client(REMOTE_ADDR=PROXY)

    def read(visitor: str) -> int:
        return proxy.get("/api/v1/status/", HTTP_X_FORWARDED_FOR=visitor).status_code

    try:
        assert [read(VISITOR), read(VISITOR), read(VISITOR)] == [200, 200, 429]
        assert read("203.0.113.9") == 200  # another visitor through the same proxy
    finally:
        AnonReadThrottle.reset()


def test_a_malformed_trusted_proxy_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "172.31.254.2,nginx")
    with pytest.raises(ImproperlyConfigured, match="'nginx'"):
        project_settings.env_networks("TRUSTED_PROXIES")
    monkeypatch.setenv("TRUSTED_PROXIES", " 172.31.254.2 , 10.0.0.0/8 ")
    assert project_settings.env_networks("TRUSTED_PROXIES") == ["172.31.254.2", "10.0.0.0/8"]
