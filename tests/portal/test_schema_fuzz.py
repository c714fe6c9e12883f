"""Property-based fuzzing of the whole API from its own OpenAPI schema (schemathesis).

Every operation gets generated requests, valid and invalid, with and without a token, through
the WSGI application (no network): the API must never answer 500, and every answer must be
one the schema documents (status, content type, body, headers).
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import schemathesis
from django.contrib.auth import get_user_model
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from portal.api.auth import AnonReadThrottle
from portal.models import ApiToken
from tests.factories import set_systems

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
EXAMPLES_PER_OPERATION = 25


@contextmanager
def connection_kept_open():
    """Stop Django closing the database connection after each WSGI request (as its test
    client does), so that requests run inside the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


with connection_kept_open():
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
schema.config.generation.update(
    modes=["positive", "negative"], max_examples=EXAMPLES_PER_OPERATION, deterministic=True
)


@pytest.fixture(autouse=True)
def _world(db, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon-read": "off", "token-write": "off"},
    }
    AnonReadThrottle.reset()
    set_systems(pdn="degraded", cekal="down")
    with connection_kept_open():
        yield


@pytest.fixture
def token(db) -> str:
    owner = get_user_model().objects.create_superuser("fuzz", password=None)
    return ApiToken.issue(owner, "fuzzing")[1]


@schema.parametrize()
@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_never_fails_and_conforms_to_its_schema(case, token):
    headers = {"Authorization": f"Bearer {token}"} if case.method.upper() != "GET" else {}
    # The WSGI transport does not decompress as an HTTP client would: ask for plain bytes.
    response = case.call(headers={**headers, "Accept-Encoding": "identity"})
    case.validate_response(response, checks=CHECKS)
