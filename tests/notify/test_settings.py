"""Mail settings from the environment: parsed, refused when malformed, checked for deploys."""

from __future__ import annotations

import pytest

from tests.portal.test_security import PRODUCTION, run_django

SHOW = "from django.conf import settings as s; print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.EMAIL_HOST_USER)"  # noqa: E501


def test_email_url_configures_smtp():
    result = run_django(PRODUCTION, "shell", "-c", SHOW)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mail.imigrasi.example",
        "587",
        "True",
        "portal",
    ]


def test_without_mail_settings_production_is_warned_at_deploy_check():
    env = {**PRODUCTION, "EMAIL_URL": ""}
    result = run_django(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0 and "notify.W001" in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"EMAIL_URL": "nonsense://x"}, "EMAIL_URL is not a mail URL"),
        (
            {"EMAIL_URL": "", "EMAIL_HOST": "mail.example", "EMAIL_USE_SSL": "1"},
            "EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on",
        ),
        ({"EMAIL_URL": "", "EMAIL_HOST": "mail.example", "EMAIL_PORT": "x"}, "EMAIL_PORT"),
        ({"NOTIFY_SETTLE_SECONDS": "soon"}, "NOTIFY_SETTLE_SECONDS must be a number"),
        ({"NOTIFY_SIGNUPS_PER_ADDRESS": "many"}, "NOTIFY_SIGNUPS_PER_ADDRESS must be like"),
        ({"WEBHOOK_ALLOW_PRIVATE": "perhaps"}, "WEBHOOK_ALLOW_PRIVATE must be a boolean"),
    ],
)
def test_bad_notification_settings_are_refused_at_start(change, message):
    result = run_django({**PRODUCTION, **change}, "check")
    assert result.returncode != 0 and message in result.stderr
