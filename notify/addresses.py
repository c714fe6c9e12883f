"""Where webhooks may go: public addresses only, unless WEBHOOK_ALLOW_PRIVATE is on.

A name is resolved when the webhook is registered and again at each delivery, and the
delivery connects to the address that was checked (a name cannot re-resolve in between).
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings


class RefusedTarget(Exception):
    """The URL is malformed, does not resolve, or resolves to a refused address."""


def resolve(url: str) -> tuple[str, str, int, str]:
    """Return (scheme, host, port, address to connect to) for ``url``, or refuse it."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedTarget("The URL must be http:// or https:// with a host.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedTarget("The URL's port is not a number from 0 to 65535.") from None
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise RefusedTarget(f"The host {parts.hostname!r} does not resolve.") from None
    addresses = [info[4][0] for info in found]
    if not settings.WEBHOOK_ALLOW_PRIVATE:
        for address in addresses:
            if not is_public(address):
                raise RefusedTarget(
                    f"The host {parts.hostname!r} resolves to {address}, a loopback, private, "
                    "link-local or reserved address."
                )
    return parts.scheme, parts.hostname, port, addresses[0]


def is_public(address: str) -> bool:
    """Whether ``address`` is a globally routable unicast address."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast
