"""Debian's nginx with the shipped template in front of the Procfile's gunicorn, worker and beat.

The web stopped (SIGSTOP) or its PostgreSQL stopped: nginx keeps answering from its cached
copies, and is fresh again once the web is back. Staff pages, token reads, session reads
and responses that set a cookie never come from the cache. ``/readyz`` turns 503 once the
worker has been gone longer than ``STALE_AFTER_SECONDS``.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client

from bench.front import TEMPLATE, VARIABLES, render_template, running_nginx
from portal.models import ApiToken
from services.models import UpstreamSystem
from services.overrides import declare_system
from tests.reliability.processes import free_port, gunicorn, http_status, own_postgres, web_env
from tests.stack import Stack, database_url, running_stack, stack_env, wait_until

PAGES = ["/", "/kantor/palembang/", "/api/v1/status/"]
FROM_CACHE = {"HIT", "STALE", "UPDATING"}
STALE = {"STALE", "UPDATING"}
TIMEOUT = 5  # seconds a visitor waits for an answer
POLL = 1.0


@dataclass
class Front:
    url: str  # nginx
    web: str  # gunicorn, directly
    stack: Stack  # Celery worker and beat
    cache: Path

    def get(self, path: str, **kwargs) -> requests.Response:
        return requests.get(self.url + path, timeout=TIMEOUT, allow_redirects=False, **kwargs)

    def cached_keys(self) -> list[str]:
        """The keys of every response nginx stored."""
        keys = []
        for path in self.cache.rglob("*"):
            if path.is_file():
                found = re.search(rb"\nKEY: ([^\n]*)\n", path.read_bytes()[:4096])
                keys += [found.group(1).decode()] if found else []
        return keys


def test_the_template_names_exactly_its_three_variables():
    assert set(re.findall(r"\$\{(\w+)\}", TEMPLATE.read_text())) == set(VARIABLES)


def test_the_rendered_template_is_accepted_by_nginx_inside_http(nginx_path, tmp_path):
    conf = tmp_path / "nginx.conf"
    site = tmp_path / "default.conf"
    site.write_text(render_template(8080, "web:8000", tmp_path / "cache"))
    assert "${" not in site.read_text() and "$upstream_cache_status" in site.read_text()
    conf.write_text(f"events {{}}\nhttp {{ include {site}; }}\n")
    result = subprocess.run(
        [nginx_path, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
    )
    # The upstream's host name only resolves inside compose; everything else must be valid.
    assert result.returncode == 0 or "host not found in upstream" in result.stderr, result.stderr


# What the proxy container's environment holds: compose's three variables, the nginx:1.27
# image's own ENV lines, and what Docker sets in every container.
COMPOSE_ENV = {"NGINX_PORT": "80", "WEB_UPSTREAM": "web:8000", "NGINX_CACHE_DIR": "/var/cache/x"}
IMAGE_ENV = {
    "NGINX_VERSION": "1.27.5",
    "NJS_VERSION": "0.8.10",
    "NJS_RELEASE": "1~bookworm",
    "PKG_RELEASE": "1~bookworm",
    "DYNPKG_RELEASE": "1~bookworm",
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOSTNAME": "3f2a9c1d0b7e",
    "HOME": "/root",
}


def test_the_official_image_renders_the_template_as_the_suite_does(nginx_path, tmp_path):
    """The image's entrypoint (``20-envsubst-on-templates.sh``) runs ``envsubst`` with every
    variable defined in the container (``NGINX_ENVSUBST_FILTER`` is unset), not only the
    template's three, and writes ``/etc/nginx/conf.d/default.conf``, which the image's
    nginx.conf includes inside http {}. None of the other names may change the template."""
    environment = {**IMAGE_ENV, **COMPOSE_ENV}
    every_name = " ".join(f"${{{name}}}" for name in environment)
    as_the_image_does = subprocess.run(
        ["envsubst", every_name],
        input=TEMPLATE.read_text(),
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert as_the_image_does == render_template(80, "web:8000", Path("/var/cache/x"))
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "default.conf").write_text(
        as_the_image_does.replace("web:8000", "127.0.0.1:8000").replace(
            "/var/cache/x", str(tmp_path / "cache")
        )
    )
    conf = tmp_path / "nginx.conf"
    conf.write_text(f"events {{}}\nhttp {{ include {conf_d}/*.conf; }}\n")
    result = subprocess.run(
        [nginx_path, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@contextlib.contextmanager
def front(nginx: str, tmp_path: Path, database: str, settings, **web_extra) -> Iterator[Front]:
    """gunicorn (the Procfile's command, production settings) behind nginx, with worker and beat."""
    port = free_port()
    health = f"http://127.0.0.1:{port}/simulator/pdn/health"
    common = dict(POLL_INTERVAL_SECONDS=POLL, HEALTH_READ_TIMEOUT=1, HEALTH_CONNECT_TIMEOUT=1)
    common.update(web_extra)
    if settings.REDIS_URL:
        common["REDIS_URL"] = settings.REDIS_URL
    env = web_env(
        port,
        database,
        settings.VAR_DIR,
        TRUSTED_PROXIES="127.0.0.1",
        SIMULATOR_ENABLED=1,
        PDN_HEALTH_URL=health,
        CEKAL_HEALTH_URL=health,
        WEB_WORKERS=2,
        API_ANON_READ_RATE="off",
        **common,
    )
    workers = stack_env(health, DATABASE_URL=database, **common)
    with (
        gunicorn(env, tmp_path) as web,
        running_nginx(nginx, tmp_path / "nginx", free_port(), web.removeprefix("http://")) as url,
        running_stack(workers, tmp_path) as stack,
    ):
        yield Front(url, web, stack, tmp_path / "nginx" / "cache")


def group_of_listener(port: int) -> int:
    """The process group of the gunicorn master listening on ``port`` (its own session)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":
            inode = fields[9]
    assert inode is not None, f"nothing listens on {port}"
    for fd in Path("/proc").glob("[0-9]*/fd/*"):
        with contextlib.suppress(OSError):
            if os.readlink(fd) == f"socket:[{inode}]":
                return os.getpgid(int(fd.parts[2]))
    raise AssertionError(f"no process owns the socket on {port}")


def warm(site: Front) -> dict[str, bytes]:
    """Fetch each page through nginx until it is stored; return the bodies."""
    bodies = {}
    for path in PAGES:
        wait_until(lambda p=path: site.get(p).headers.get("X-Cache-Status") == "HIT", 30, path)
        bodies[path] = site.get(path).content
    return bodies


def served_stale(site: Front, path: str) -> requests.Response:
    """Wait until nginx answers ``path`` from its stale copy (each answer must be a 200)."""

    def stale() -> requests.Response | None:
        response = site.get(path)
        assert response.status_code == 200, (path, response.status_code)
        assert response.headers.get("X-Cache-Status") in FROM_CACHE, response.headers
        return response if response.headers["X-Cache-Status"] in STALE else None

    return wait_until(stale, 30, f"{path} from the stale copy")


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_stopped_web_is_answered_from_the_cache_and_fresh_again_after(
    nginx_path, tmp_path, settings
):
    with front(nginx_path, tmp_path, database_url(), settings, STALE_AFTER_SECONDS=600) as site:
        bodies = warm(site)
        group = group_of_listener(port_of(site.web))
        os.killpg(group, signal.SIGSTOP)
        try:
            for path in PAGES:
                assert served_stale(site, path).content == bodies[path]
            # Meanwhile staff declare PDN down (written to the database and the shared cache).
            staff = get_user_model().objects.create_superuser("kanwil", "", "x")
            declare_system(
                UpstreamSystem.objects.get(code="pdn"), state="down", reason="Uji", actor=staff
            )
        finally:
            os.killpg(group, signal.SIGCONT)

        def fresh() -> bool:
            response = site.get("/api/v1/status/")
            systems = {s["code"]: s for s in response.json()["systems"]}
            return response.headers.get("X-Cache-Status") not in STALE and (
                systems["pdn"]["source"] == "manual"
            )

        wait_until(fresh, 10 * POLL, "the declaration through nginx")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_stopped_postgres_is_answered_from_the_cache(nginx_path, tmp_path, settings, postgres):
    with own_postgres() as server:
        database = server.copy_database(database_url(), "portal")
        with front(nginx_path, tmp_path, database, settings, STALE_AFTER_SECONDS=600) as site:
            events = "/api/v1/events/?office=palembang"  # read from the database every time
            PAGES.append(events)
            try:
                bodies = warm(site)
                server.pg_ctl("stop", "-m", "fast")
                try:
                    assert requests.get(site.web + events, timeout=TIMEOUT).status_code == 503
                    for path in PAGES:
                        response = site.get(path)
                        assert response.status_code == 200, (path, response.status_code)
                    assert served_stale(site, events).content == bodies[events]
                finally:
                    server.pg_ctl("start")
                wait_until(
                    lambda: site.get(events).headers.get("X-Cache-Status") not in STALE,
                    10 * POLL + 10,
                    "fresh events once PostgreSQL is back",
                )
            finally:
                PAGES.remove(events)


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_staff_tokens_sessions_and_cookies_never_come_from_the_cache(
    nginx_path, tmp_path, settings
):
    user = get_user_model().objects.create_superuser("kanwil", "", "the-password")
    _, token = ApiToken.issue(user, "monitoring")
    bearer = {"Authorization": f"Bearer {token}"}
    with front(nginx_path, tmp_path, database_url(), settings, STALE_AFTER_SECONDS=600) as site:
        # A token read first: had it been stored, the public read after it would be a HIT.
        office = "/api/v1/offices/palembang/"
        personal = site.get(office, headers=bearer)
        assert personal.headers["X-Cache-Status"] == "BYPASS"
        public = site.get(office)
        assert public.headers["X-Cache-Status"] == "MISS"
        # Each request the web answered carries the id nginx gave it (the web echoes it).
        ids = {personal.headers["X-Request-ID"], public.headers["X-Request-ID"]}
        assert len(ids) == 2 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)

        staff = requests.Session()
        login = staff.get(site.url + "/admin/login/", timeout=TIMEOUT)
        assert "X-Cache-Status" not in login.headers
        signed_in = Client()
        signed_in.force_login(user)
        staff.cookies.set("sessionid", signed_in.cookies["sessionid"].value)
        for _ in range(2):
            assert "X-Cache-Status" not in staff.get(site.url + "/admin/", timeout=TIMEOUT).headers
            assert staff.get(site.url + "/", timeout=TIMEOUT).headers["X-Cache-Status"] == "BYPASS"
        for _ in range(2):  # sets the language cookie
            assert site.get("/bahasa/en/").headers["X-Cache-Status"] == "MISS"
        write = requests.post(
            site.url + "/api/v1/overrides/",
            json={"office": "palembang", "stage": "printing", "state": "closed", "reason": "Uji"},
            headers=bearer,
            timeout=TIMEOUT,
        )
        assert write.status_code == 201, write.text

        keys = site.cached_keys()
        assert keys and all(k.startswith("GET|") for k in keys), keys
        assert not [k for k in keys if "/admin/" in k or "/bahasa/" in k or "/overrides/" in k]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_readyz_turns_503_when_the_worker_is_gone_longer_than_stale_after(
    nginx_path, tmp_path, settings
):
    stale_after = 4
    with front(
        nginx_path, tmp_path, database_url(), settings, STALE_AFTER_SECONDS=stale_after
    ) as site:
        wait_until(lambda: http_status(site.url + "/readyz") == 200, 30, "ready")
        site.stack.stop()
        # (A Response is false when its status is an error: keep it in a list.)
        [unready] = wait_until(
            lambda: [r for r in [site.get("/readyz")] if r.status_code == 503],
            10 * stale_after,
            "/readyz to say 503",
        )
        checks = unready.json()["checks"]
        assert checks["poller"]["ok"] is False and "limit 4 s" in checks["poller"]["error"]
        assert checks["database"]["ok"] and checks["cache"]["ok"]
        assert unready.headers.get("X-Cache-Status") != "HIT"
        assert site.get("/healthz").status_code == 200
