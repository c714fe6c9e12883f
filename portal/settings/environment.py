"""Reading settings from the environment: a value or the file named by ``<NAME>_FILE``,
refused at start-up with a clear message when malformed."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured

N = TypeVar("N", int, float)


def env_str(name: str, default: str | None = None) -> str | None:
    """Return a variable, or the content of the file named by ``<name>_FILE``."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    """Return a boolean variable; refuse anything but the usual spellings."""
    raw = os.environ.get(name)
    if not raw:
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """Return an integer variable not below ``minimum``."""
    return _env_number(name, default, minimum, int, "an integer")


def env_float(name: str, default: float, minimum: float = 0.0) -> float:
    """Return a number variable not below ``minimum``."""
    return _env_number(name, default, minimum, float, "a number")


def _env_number(name: str, default: N, minimum: N, kind: type[N], noun: str) -> N:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {noun}, got {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    """Return a comma-separated list variable."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_networks(name: str, default: list[str] | None = None) -> list[str]:
    """Return a comma-separated list of addresses or networks (CIDR); refuse anything else."""
    entries = env_list(name, default or [])
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list addresses or networks (e.g. 10.0.0.5,172.31.254.0/24), "
                f"got {entry!r}"
            ) from None
    return entries
