"""The visitor's address behind trusted proxies: what throttles, login limits and logs see."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ClientAddressMiddleware:
    """Set ``REMOTE_ADDR`` to the visitor's address when a trusted proxy forwarded the request.

    ``X-Forwarded-For`` is believed only from the addresses in ``TRUSTED_PROXIES`` (none by
    default, and then the header is ignored). Each proxy appends the address it received the
    request from, so the list is read from the right: trusted proxies are skipped and the
    first other address is the visitor's. Whatever a visitor writes into the header sits
    further left and is never reached. The proxy's own address is kept in ``PROXY_ADDR``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.proxies = trusted_networks(settings.TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self.proxies:
            peer = request.META.get("REMOTE_ADDR", "")
            visitor = self.visitor(peer, request.META.get("HTTP_X_FORWARDED_FOR", ""))
            if visitor != peer:
                request.META["PROXY_ADDR"] = peer
                request.META["REMOTE_ADDR"] = visitor
        return self.get_response(request)

    def visitor(self, peer: str, forwarded_for: str) -> str:
        """The visitor's address, from the peer's address and the ``X-Forwarded-For`` it sent."""
        address = peer
        hops = [hop.strip() for hop in forwarded_for.split(",")] if forwarded_for else []
        while hops and in_networks(address, self.proxies):
            hop = hops.pop()
            if parse_address(hop) is None:
                break  # a proxy we trust writes addresses only: the last good one stands
            address = hop
        return address


def trusted_networks(entries: list[str]) -> tuple[Network, ...]:
    """Addresses and networks (``10.0.0.5``, ``172.31.254.0/24``), checked by ``env_networks``."""
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def in_networks(address: str, networks: tuple[Network, ...]) -> bool:
    parsed = parse_address(address)
    return parsed is not None and any(parsed in network for network in networks)


def parse_address(value: str) -> Address | None:
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None
