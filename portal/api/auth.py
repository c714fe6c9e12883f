"""Token authentication and throttling for the API."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions, throttling
from rest_framework.request import Request

from ..models import ApiToken

# Writing last_used_at on every request would turn each write into two; once a minute is
# enough to tell an unused token from a used one.
LAST_USED_PRECISION = timedelta(minutes=1)


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>``: the request acts as the token's owner."""

    keywords = ("bearer", "token")

    def authenticate(self, request: Request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                _("Send one token: Authorization: Bearer <token>.")
            )
        secret = header[1].decode(errors="replace")
        token = (
            ApiToken.objects.usable()
            .select_related("owner")
            .filter(digest=ApiToken.digest_of(secret))
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Unknown or revoked token."))
        _touch(token)
        return token.owner, token

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class TokenPermissions(permissions.DjangoModelPermissions):
    """The owner is active staff holding the permission the admin would require."""

    view = ["%(app_label)s.view_%(model_name)s"]
    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": view,
        "HEAD": view,
        "DELETE": ["%(app_label)s.change_%(model_name)s"],  # clearing or ending, as the admin
    }

    def has_permission(self, request, view) -> bool:
        return request.user.is_staff and super().has_permission(request, view)


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A token issued in the admin (API tokens), sent as "
            "`Authorization: Bearer <token>`.",
        }


def _touch(token: ApiToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)


def configured_rate(scope: str) -> str | None:
    """The rate for ``scope`` from settings, read at each request so tests can change it."""
    rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
    rate = rates.get(scope)
    if rate is None or str(rate).strip().lower() in {"", "off", "none"}:
        return None
    return rate


def parse_rate(rate: str) -> tuple[int, int]:
    """``"600/min"`` → (600, 60); the period may be s, m, h or d (or longer words)."""
    count, period = rate.split("/")
    return int(count), {"s": 1, "m": 60, "h": 3600, "d": 86400}[period.strip()[0]]


class TokenWriteThrottle(throttling.SimpleRateThrottle):
    """Writes per token, counted in the shared cache (reads by TokenReadThrottle, apart)."""

    scope = "token-write"

    def get_rate(self) -> str | None:  # read when DRF makes the throttle: at each request
        return configured_rate(self.scope)

    def get_cache_key(self, request, view) -> str | None:
        if request.auth is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.auth.pk}


class TokenReadThrottle(TokenWriteThrottle):
    scope = "token-read"


class AnonReadThrottle(throttling.BaseThrottle):
    """Reads per client address, counted in this process (no cache round trip per read).

    A fixed one-window counter is enough to stop one client hammering the portal; with N
    processes the limit a client sees is up to N times the rate.
    """

    scope = "anon-read"
    _lock = threading.Lock()
    _windows: dict[str, tuple[float, int]] = {}
    MAX_CLIENTS = 50_000

    def allow_request(self, request, view) -> bool:
        rate = configured_rate(self.scope)
        if rate is None:
            return True
        limit, duration = parse_rate(rate)
        now = time.monotonic()
        key = f"{rate}:{self.get_ident(request)}"
        with self._lock:
            if len(self._windows) > self.MAX_CLIENTS:
                self._windows.clear()
            start, count = self._windows.get(key, (now, 0))
            if now - start >= duration:
                start, count = now, 0
            self._wait = duration - (now - start)
            if count >= limit:
                return False
            self._windows[key] = (start, count + 1)
        return True

    def wait(self) -> float:
        return max(self._wait, 1.0)

    @classmethod
    def reset(cls) -> None:
        """Forget every count (for tests)."""
        with cls._lock:
            cls._windows.clear()
