"""ensure_admin creates the embedded run's demo accounts once, tied to their offices."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command

from offices.models import OFFICE_STAFF_GROUP, REGIONAL_STAFF_GROUP, Office

pytestmark = pytest.mark.django_db


def run() -> str:
    out = StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_demo_accounts_are_created_once_with_printed_passwords(settings):
    settings.EMBEDDED = True
    output = run()
    passwords = dict(re.findall(r"(\S+) account created \(.*?\): password (\S+)", output))
    assert set(passwords) == {"admin", "staff-palembang", "staff-muara-enim", "kanwil-sumsel"}
    for username, password in passwords.items():
        assert User.objects.get(username=username).check_password(password)
    again = run()
    assert "password" not in again.replace("password was printed", "")
    assert User.objects.count() == 4


def test_demo_accounts_have_their_scope_and_group(settings):
    settings.EMBEDDED = True
    run()
    palembang = User.objects.get(username="staff-palembang")
    kanwil = User.objects.get(username="kanwil-sumsel")
    assert list(Office.objects.for_user(palembang).values_list("code", flat=True)) == ["palembang"]
    assert Office.objects.for_user(kanwil).count() == 2
    assert palembang.is_staff and not palembang.is_superuser
    assert palembang.groups.filter(name=OFFICE_STAFF_GROUP).exists()
    assert kanwil.groups.filter(name=REGIONAL_STAFF_GROUP).exists()


def test_ensure_admin_refuses_to_run_outside_the_embedded_mode(settings):
    settings.EMBEDDED = False
    with pytest.raises(CommandError):
        run()
    assert not User.objects.exists()
