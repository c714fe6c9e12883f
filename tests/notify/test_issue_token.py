"""``manage.py issue_token``: a token without the admin, with the admin's rules."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from portal.models import ApiToken

pytestmark = pytest.mark.django_db


def issue(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("issue_token", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def test_prints_a_working_token_once_and_stores_only_its_digest(client):
    get_user_model().objects.create_user("sistem-kanwil")
    secret, note = issue("sistem-kanwil", "--name", "Kanwil dashboard")
    assert secret.startswith(ApiToken.PREFIX) and "shown once" in note
    token = ApiToken.objects.get()
    assert token.name == "Kanwil dashboard" and token.owner.username == "sistem-kanwil"
    assert token.digest == ApiToken.digest_of(secret) and secret not in token.digest
    answer = client.get("/api/v1/webhooks/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert answer.status_code == 200


@pytest.mark.parametrize(
    "args, message",
    [
        (["nobody", "--name", "x"], "No user 'nobody'"),
        (["retired", "--name", "x"], "not active"),
        (["sistem-kanwil", "--name", "   "], "name"),
        (["sistem-kanwil", "--name", "x" * 101], "name"),
    ],
)
def test_refuses_what_the_admin_refuses_and_issues_nothing(args, message):
    get_user_model().objects.create_user("sistem-kanwil")
    get_user_model().objects.create_user("retired", is_active=False)
    with pytest.raises(CommandError, match=message):
        issue(*args)
    assert not ApiToken.objects.exists()


def test_the_name_is_required():
    get_user_model().objects.create_user("sistem-kanwil")
    with pytest.raises(CommandError):
        call_command("issue_token", "sistem-kanwil")
    assert not ApiToken.objects.exists()
