"""Security: production refuses unsafe settings, headers on every response."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
PRODUCTION = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "SECRET_KEY": "a-production-secret-key-" + "k" * 40,
    "ALLOWED_HOSTS": "status.imigrasi.example",
    "HTTPS": "1",
    "EMAIL_URL": "smtp://portal:secret@mail.imigrasi.example:587/?tls=True",
}


def run_django(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "HTTPS"}
    }
    base.update(DJANGO_SETTINGS_MODULE="portal.settings", VAR_DIR=str(ROOT / "var" / "test-prod"))
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_reports_nothing_with_production_settings():
    result = run_django(PRODUCTION, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"DEBUG": "1"}, "DEBUG must be off"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DEBUG": "maybe"}, "DEBUG must be a boolean"),
        ({"POLL_INTERVAL_SECONDS": "often"}, "POLL_INTERVAL_SECONDS must be a number"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS must name the site"),
        ({"ALLOWED_HOSTS": "status.imigrasi.example,*"}, "ALLOWED_HOSTS must name the site"),
        ({"SECRET_KEY": "x"}, "SECRET_KEY must be at least 50 characters"),
        ({"SECRET_KEY": "ab" * 40}, "SECRET_KEY must be at least 50 characters"),
        ({"SITE_URL": "status.imigrasi.example"}, "SITE_URL must be like"),
        ({"SITE_URL": "https://status.imigrasi.example/portal"}, "SITE_URL must be like"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(change, message):
    result = run_django({**PRODUCTION, **change}, "check")
    assert result.returncode != 0
    assert message in result.stderr


def test_simulator_is_off_by_default_in_production():
    result = run_django(
        PRODUCTION,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.SIMULATOR_ENABLED)",
    )
    assert result.stdout.strip().splitlines()[-1] == "False", result.stderr


@pytest.mark.django_db
def test_simulator_endpoint_is_404_when_disabled(client, settings):
    settings.SIMULATOR_ENABLED = False
    assert client.get("/simulator/pdn/health").status_code == 404
    settings.SIMULATOR_ENABLED = True
    assert client.get("/simulator/pdn/health").status_code == 200


@pytest.mark.django_db
def test_simulator_endpoint_is_read_only(client):
    assert client.post("/simulator/pdn/health", {"status": "down"}).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/api/v1/status/", "/admin/login/"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response["Content-Security-Policy"]
    script_src = next(part for part in csp.split("; ") if part.startswith("script-src"))
    assert "unsafe-inline" not in script_src
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_health_url_is_never_derived_from_port():
    """honcho gives the worker a PORT of its own; the poller must not follow it."""
    result = run_django(
        {**PRODUCTION, "PORT": "18999"},
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.PDN_HEALTH_URL)",
    )
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8000/simulator/pdn/health"


def test_cookies_and_sessions_behind_tls(tmp_path):
    """The language cookie is Secure and HttpOnly; an admin session lasts a working day."""
    result = run_django(
        {**PRODUCTION, "VAR_DIR": str(tmp_path / "var")},
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings as s; "
        "print(s.LANGUAGE_COOKIE_SECURE, s.LANGUAGE_COOKIE_HTTPONLY, s.SESSION_COOKIE_AGE)",
    )
    assert result.stdout.splitlines()[-1].split() == ["True", "True", "32400"], result.stderr


def test_the_embedded_var_folder_is_private(tmp_path):
    var = tmp_path / "fresh" / "var"
    result = run_django({"VAR_DIR": str(var)}, "check")
    assert result.returncode == 0, result.stderr
    assert var.stat().st_mode & 0o777 == 0o700
    assert (var / "secret_key").stat().st_mode & 0o077 == 0
