"""Login throttling: repeated failures lock an account name and an address for a while."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver

log = logging.getLogger("portal.security")


def client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    keys = [(f"login-fail:user:{username.lower()}", settings.LOGIN_FAILURE_LIMIT)]
    if address:
        keys.append((f"login-fail:addr:{address}", settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS))
    return keys


def is_locked(username: str, address: str) -> bool:
    """Whether the account name or the address has failed too often lately."""
    try:
        return any((cache.get(key) or 0) >= limit for key, limit in _keys(username, address))
    except Exception:  # a dead cache must not lock everybody out, nor let it crash
        log.warning("login throttle unavailable (cache down)", exc_info=True)
        return False


def record_failure(username: str, address: str) -> None:
    for key, _limit in _keys(username, address):
        try:
            cache.add(key, 0, settings.LOGIN_LOCKOUT_SECONDS)
            cache.incr(key)
        except Exception:
            log.warning("login throttle unavailable (cache down)", exc_info=True)
            return


class ThrottledModelBackend(ModelBackend):
    """The model backend, refusing any attempt while the name or address is locked out."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        address = client_address(request)
        if username and is_locked(username, address):
            log.warning("login refused: %r from %s is locked out", username, address or "?")
            raise PermissionDenied("too many failed logins; try again later")
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _count_failure(sender, credentials, request=None, **kwargs) -> None:
    username = credentials.get("username") or ""
    if username:
        record_failure(username, client_address(request))
        log.warning("failed login for %r from %s", username, client_address(request) or "?")
