"""A new API token's secret is shown once, on the response page, and never in a cookie."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from portal.models import ApiToken

pytestmark = pytest.mark.django_db


def test_a_new_tokens_secret_is_on_the_response_page_only(client):
    admin = get_user_model().objects.create_superuser("pusat", password=None)
    client.force_login(admin)
    response = client.post("/admin/portal/apitoken/add/", {"name": "Layar", "owner": admin.pk})
    assert response.status_code == 200
    token = ApiToken.objects.get(name="Layar")
    page = response.content.decode()
    secret = page.split('<code class="token-secret">')[1].split("</code>")[0]
    assert token.digest == ApiToken.digest_of(secret)
    assert "no-store" in response["Cache-Control"]
    assert all(secret not in morsel.value for morsel in response.cookies.values())
    assert all(secret not in morsel.value for morsel in client.cookies.values())
    later = client.get("/admin/portal/apitoken/").content.decode()
    assert secret not in later and token.hint in later
