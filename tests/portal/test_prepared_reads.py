"""Prepared documents and warm pages answered ahead of the middleware stack: the same
answers, fewer steps.

``PreparedReadMiddleware`` serves plain anonymous GETs and HEADs of what a view prepared in
this process for the current snapshot, before the session, CSRF, auth and messages
middleware run. Its answers must be the answers of the full stack, header for header;
anything it should not answer (a token, a bad parameter or host, a client over its limit, a
failing cold build, a read not prepared yet) must reach the full stack and be answered there.
"""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client, RequestFactory

from portal.api.auth import AnonReadThrottle
from portal.prepared import PreparedReadMiddleware
from tests.factories import set_systems

pytestmark = pytest.mark.django_db

PREPARED = [
    "/api/v1/status/",
    "/api/v1/offices/palembang/",
    "/api/v2/summary.json",
    "/api/v2/status.json",
]
MIDDLEWARE = "portal.prepared.PreparedReadMiddleware"


@pytest.fixture(autouse=True)
def _world():
    set_systems(pdn="degraded", cekal="down")
    AnonReadThrottle.reset()
    yield
    AnonReadThrottle.reset()


def _headers(response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in {"Date", "X-Request-ID"}}


def _full_stack(settings) -> None:
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]


@pytest.mark.parametrize("path", PREPARED)
@pytest.mark.parametrize("language", ["id", "en"])
def test_answers_and_headers_equal_the_full_stack(client, settings, path, language):
    assert MIDDLEWARE in settings.MIDDLEWARE
    cold = client.get(path, HTTP_ACCEPT_LANGUAGE=language)  # prepared by the view
    fast = client.get(path, HTTP_ACCEPT_LANGUAGE=language)
    revalidated = client.get(path, HTTP_ACCEPT_LANGUAGE=language, HTTP_IF_NONE_MATCH=fast["ETag"])
    _full_stack(settings)
    full = Client().get(path, HTTP_ACCEPT_LANGUAGE=language)
    full_revalidated = Client().get(
        path, HTTP_ACCEPT_LANGUAGE=language, HTTP_IF_NONE_MATCH=full["ETag"]
    )

    assert cold.status_code == fast.status_code == full.status_code == 200
    assert cold.content == fast.content == full.content
    assert _headers(cold) == _headers(fast) == _headers(full)
    assert revalidated.status_code == full_revalidated.status_code == 304
    assert revalidated.content == b""
    assert _headers(revalidated) == _headers(full_revalidated)
    assert fast["Content-Language"] == language


PAGES = ["/", "/wilayah/sumsel/", "/kantor/palembang/"]


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("language", ["id", "en"])
def test_warm_pages_and_headers_equal_the_full_stacks(client, settings, path, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    cold = client.get(path)  # built by the view, through the whole stack
    warm = client.get(path)
    revalidated = client.get(path, HTTP_IF_NONE_MATCH=warm["ETag"])
    _full_stack(settings)
    full = client.get(path)
    full_revalidated = client.get(path, HTTP_IF_NONE_MATCH=full["ETag"])

    assert cold.status_code == warm.status_code == full.status_code == 200
    assert cold.content == warm.content == full.content
    assert _headers(cold) == _headers(warm) == _headers(full)
    assert revalidated.status_code == full_revalidated.status_code == 304
    assert _headers(revalidated) == _headers(full_revalidated)
    assert warm["Content-Language"] == language


def test_a_warm_page_is_answered_without_the_rest_of_the_stack(client, rf):
    client.get("/kantor/palembang/")  # warms this process's page

    def rest_of_stack(request):
        raise AssertionError(f"{request.path} reached the rest of the stack")

    response = PreparedReadMiddleware(rest_of_stack)(rf.get("/kantor/palembang/"))
    assert response.status_code == 200
    assert "Kantor Imigrasi Kelas I TPI Palembang" in response.content.decode()


def test_the_middleware_answers_without_the_rest_of_the_stack(client, rf: RequestFactory):
    client.get("/api/v1/status/", HTTP_ACCEPT_LANGUAGE="en")  # prepared by the view

    def rest_of_stack(request):
        raise AssertionError(f"{request.path} reached the rest of the stack")

    middleware = PreparedReadMiddleware(rest_of_stack)
    response = middleware(rf.get("/api/v1/status/", HTTP_ACCEPT_LANGUAGE="en"))
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert int(response["Content-Length"]) == len(response.content)
    not_modified = middleware(
        rf.get("/api/v1/status/", HTTP_ACCEPT_LANGUAGE="en", HTTP_IF_NONE_MATCH=response["ETag"])
    )
    assert not_modified.status_code == 304


@pytest.mark.parametrize(
    "path, extra",
    [
        ("/api/v1/status/", {"HTTP_AUTHORIZATION": "Token nope"}),  # a token: the full view
        ("/api/v1/status/?lang=fr", {}),  # a bad parameter
        ("/api/v1/status/?verbose=1", {}),  # an unknown parameter
        ("/api/v2/summary.json?lang=xx", {}),
        ("/api/v1/events/", {}),  # not a prepared document
        ("/api/v1/status/", {}),  # not prepared yet in this process
        ("/kantor/palembang/", {}),  # a page not built yet in this process
        ("/kantor/nowhere/", {}),  # an unknown office: the view answers 404
    ],
)
def test_everything_else_goes_through_the_full_stack(rf, path, extra):
    reached = []
    middleware = PreparedReadMiddleware(lambda request: reached.append(request) or "full")
    assert middleware(rf.get(path, **extra)) == "full"
    assert reached


@pytest.mark.parametrize("path", ["/api/v1/status/?lang=fr", "/api/v2/summary.json?lang=xx"])
def test_a_bad_parameter_gets_the_apis_error(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_parameter"


def test_a_host_not_allowed_is_refused_as_anywhere_else(client):
    assert client.get("/api/v1/status/", HTTP_HOST="evil.example").status_code == 400
    assert client.get("/api/v1/status/").status_code == 200  # prepared, its host remembered
    assert client.get("/api/v1/status/").status_code == 200
    assert client.get("/api/v1/status/", HTTP_HOST="evil.example").status_code == 400


def test_a_client_over_its_limit_is_refused_by_the_full_view(client, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon-read": "2/minute",
        },
    }
    answers = [client.get("/api/v1/status/").status_code for _ in range(4)]
    assert answers[:2] == [200, 200]
    assert answers[-1] == 429


@pytest.mark.parametrize("path", ["/api/v1/status/", "/api/v1/offices/palembang/"])
def test_each_read_counts_once_against_the_limit_refused_or_not(client, settings, path):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "anon-read": "3/minute",
        },
    }
    answers = [client.get(path + "?lang=fr").status_code for _ in range(2)]
    answers += [client.get(path).status_code for _ in range(2)]
    assert answers == [400, 400, 200, 429]


def test_a_cold_build_that_fails_is_answered_503_by_the_full_stack(client, monkeypatch):
    def unavailable(**kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("services.snapshot.recompute", unavailable)
    response = client.get("/api/v1/status/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
