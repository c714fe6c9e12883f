"""Login lockout (django-axes): one account from one client address, a fixed 15 minutes."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[2] / "README.md"
STAFF = "203.0.113.10"  # the staff member's own address
STRANGER = "198.51.100.66"


@pytest.fixture(autouse=True)
def staff():
    return get_user_model().objects.create_superuser("kanwil", "", "the-right-password")


def attempt(client, password: str, address: str, username: str = "kanwil", **extra):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
        **extra,
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_stranger_cannot_lock_staff_out_of_their_own_address(client):
    for _ in range(10):
        attempt(client, "guess", STRANGER)
    assert attempt(client, "the-right-password", STAFF).status_code == 302
    assert logged_in(client)


def test_random_names_from_one_address_do_not_lock_that_address(client):
    for n in range(25):
        attempt(client, "guess", STAFF, username=f"nobody-{n}")
    assert attempt(client, "the-right-password", STAFF).status_code == 302


def test_a_forwarded_for_header_is_not_the_client_address(client):
    for n in range(10):
        attempt(client, "guess", STRANGER, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}")
    response = attempt(client, "the-right-password", STRANGER)
    assert response.status_code == 429 and not logged_in(client)


def test_guessing_one_account_from_one_address_is_locked_after_five(client, caplog):
    for _ in range(5):
        assert attempt(client, "guess", STRANGER).status_code in (200, 429)
    response = attempt(client, "the-right-password", STRANGER)
    assert response.status_code == 429 and not logged_in(client)
    assert any("Locking out" in r.getMessage() for r in caplog.records)


def test_the_lock_lasts_fifteen_minutes_and_attempts_while_locked_do_not_extend_it(client):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            attempt(client, "guess", STRANGER)
        clock.shift(timedelta(minutes=10))
        assert attempt(client, "guess", STRANGER).status_code == 429
        assert attempt(client, "the-right-password", STRANGER).status_code == 429
        clock.shift(timedelta(minutes=5, seconds=1))
        assert attempt(client, "the-right-password", STRANGER).status_code == 302
    assert logged_in(client)


def test_readme_states_the_rule_the_settings_apply():
    rule = re.search(r"\*\*Login\*\* (.+?)\n\n", README.read_text(), re.S).group(1)
    rule = " ".join(rule.split())
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"{settings.AXES_FAILURE_LIMIT} failed attempts" in rule
    assert f"{minutes} minutes" in rule
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert not settings.AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT


def test_behind_a_trusted_proxy_the_lock_is_per_forwarded_client(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]  # read by ClientAddressMiddleware on first use
    for _ in range(10):
        attempt(client, "guess", "10.0.0.1", HTTP_X_FORWARDED_FOR=STRANGER)
    assert (
        attempt(client, "the-right-password", "10.0.0.1", HTTP_X_FORWARDED_FOR=STRANGER).status_code
        == 429
    )
    response = attempt(client, "the-right-password", "10.0.0.1", HTTP_X_FORWARDED_FOR=STAFF)
    assert response.status_code == 302 and logged_in(client)
