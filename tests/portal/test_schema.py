"""The OpenAPI document: valid, complete (every operation, its errors and 304), and its
interactive documentation served from the portal's own static files."""

from __future__ import annotations

import re

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

# Documented without a trailing slash; each answers with one too.
EVERY_PATH = {
    "/api/v1/status",
    "/api/v1/offices",
    "/api/v1/offices/{code}",
    "/api/v1/systems",
    "/api/v1/systems/{code}",
    "/api/v1/systems/{code}/observations",
    "/api/v1/systems/{code}/declaration",
    "/api/v1/events",
    "/api/v1/advisories",
    "/api/v1/advisories/{id}",
    "/api/v1/overrides",
    "/api/v1/overrides/{id}",
    "/api/v1/closures",
    "/api/v1/closures/{id}",
    "/api/v1/webhooks",
    "/api/v1/webhooks/{id}",
    "/api/v2/summary.json",
    "/api/v2/status.json",
    "/api/v2/components.json",
    "/api/v2/incidents.json",
    "/api/v2/incidents/unresolved.json",
    "/api/v2/scheduled-maintenances.json",
    "/api/v2/scheduled-maintenances/upcoming.json",
    "/api/v2/scheduled-maintenances/active.json",
}


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3_and_covers_every_endpoint(document):
    validate_schema(document)
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == EVERY_PATH


def test_every_operation_documents_its_errors_in_the_one_shape(document):
    error = {"$ref": "#/components/schemas/Error"}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            for code in ("400", "429"):
                assert responses[code]["content"]["application/json"]["schema"] == error
            assert "Retry-After" in responses["429"]["headers"]
            assert operation["summary"], (method, path)
            if method == "get":
                assert "304" in responses, (method, path)
                ok = next(r for c, r in responses.items() if c.startswith("2"))
                assert {"ETag", "Last-Modified", "Cache-Control"} <= set(ok["headers"])
            else:
                assert {"401", "403"} <= set(responses), (method, path)
                assert operation["security"] == [{"apiToken": []}]
            if "{" in path:
                assert "404" in responses, (method, path)
    shape = document["components"]["schemas"]["Error"]
    assert shape["properties"]["error"]["required"] == ["code", "message", "field"]


def test_statuspage_component_statuses_are_documented(document):
    schemas = document["components"]["schemas"]
    statuses = schemas["ComponentStatusEnum"]["enum"]
    assert statuses == [
        "operational",
        "degraded_performance",
        "partial_outage",
        "major_outage",
        "under_maintenance",
    ]


def test_interactive_docs_load_only_local_assets(client, tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    call_command("collectstatic", interactive=False, verbosity=0)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', response.content.decode())
    assert len(sources) >= 3
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    for source in sources:
        if source.startswith("/static/"):
            relative = source.removeprefix("/static/").split("?")[0]
            assert (tmp_path / relative).exists(), source
    init = client.get("/api/docs/?script=")
    assert init.status_code == 200 and b"/api/schema/" in init.content


@pytest.mark.parametrize("path", sorted(EVERY_PATH))
def test_every_documented_path_answers_with_and_without_its_trailing_slash(client, path):
    concrete = path.replace("{code}", "pdn").replace("{id}", "1")
    if concrete.startswith("/api/v1/offices/"):
        concrete = "/api/v1/offices/palembang"
    for form in (concrete, concrete + "/" if concrete.startswith("/api/v1/") else concrete):
        response = client.get(form)
        assert response.status_code not in (301, 302, 308), form  # answered, not redirected
        assert response["Content-Type"] == "application/json", form
        if response.status_code == 404:  # an unknown id, in the API's shape (not no route)
            assert response.json()["error"]["field"] in ("id", "code"), form
