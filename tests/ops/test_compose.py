"""docker-compose.yml: checked by a real compose client; nginx is the only way in."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import missing

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "SECRET_KEY": "compose-test-secret",
    "ALLOWED_HOSTS": "status.example.go.id",
    "PDN_HEALTH_URL": "https://pdn.example.go.id/health",
}


def compose_client() -> list[str]:
    """``docker-compose`` (Debian's, no engine needed for ``config``) or ``docker compose``."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    missing("a docker compose client (apt-get install docker-compose)")
    raise AssertionError  # not reached


def config(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(ROOT)}
    return subprocess.run(
        [*compose_client(), "-f", str(ROOT / "docker-compose.yml"), "config"],
        capture_output=True,
        text=True,
        env={**clean, **env},
        cwd=ROOT,
    )


def test_compose_config_validates_and_only_the_proxy_is_published():
    result = config(REQUIRED)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert [name for name, s in services.items() if s.get("ports")] == ["proxy"]
    assert services["proxy"]["image"].startswith("nginx:")
    web = services["web"]["environment"]
    assert web["TRUSTED_PROXIES"] == services["proxy"]["networks"]["default"]["ipv4_address"]
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["PDN_HEALTH_URL"] == REQUIRED["PDN_HEALTH_URL"]
        assert "web" in environment["ALLOWED_HOSTS"].split(",")  # the demo simulator's host
        assert {"HTTPS", "CSRF_TRUSTED_ORIGINS", "SIMULATOR_ENABLED", "EMAIL_URL"} <= set(
            environment
        )
        assert environment["CEKAL_HEALTH_URL"] == ""  # unset: cekal reports through PDN's


@pytest.mark.parametrize(
    ("given", "polled"),
    [
        ("", REQUIRED["PDN_HEALTH_URL"]),
        ("https://cekal.example.go.id/h", "https://cekal.example.go.id/h"),
    ],
)
def test_the_worker_polls_cekal_where_compose_says(given, polled):
    """compose passes an unset CEKAL_HEALTH_URL as an empty string: PDN's document then."""
    code = "from django.conf import settings; print(settings.HEALTH_URLS['cekal'])"
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": REQUIRED["SECRET_KEY"] + "-long-enough-for-the-check-0123456789",
        "VAR_DIR": str(ROOT / "var" / "compose-settings"),
        "PDN_HEALTH_URL": REQUIRED["PDN_HEALTH_URL"],
        "CEKAL_HEALTH_URL": given,
    }
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == polled


@pytest.mark.parametrize("unset", sorted(REQUIRED))
def test_compose_refuses_to_start_without_a_required_setting(unset):
    result = config({k: v for k, v in REQUIRED.items() if k != unset})
    assert result.returncode != 0
    assert unset in result.stderr


def test_the_proxy_renders_the_shipped_template():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["proxy"]
    mount = next(v for v in compose["volumes"] if "default.conf.template" in v)
    source, target = mount.split(":")[:2]
    assert (ROOT / source).resolve() == ROOT / "deploy" / "nginx" / "default.conf.template"
    assert target == "/etc/nginx/templates/default.conf.template"
    assert set(compose["environment"]) == {"NGINX_PORT", "WEB_UPSTREAM", "NGINX_CACHE_DIR"}


def test_nothing_local_goes_into_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "var", ".git", "staticfiles"} <= set(ignored)
