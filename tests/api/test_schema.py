"""The OpenAPI document is OpenAPI 3.1: deliveries under ``webhooks``, and null said the 3.1
way (a ``"null"`` type or alternative), never with 3.0's ``nullable``."""

from __future__ import annotations

import jsonschema
import pytest
import yaml

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def keys(node: object) -> set[str]:
    """Every mapping key anywhere in the document."""
    if isinstance(node, dict):
        return set(node).union(*(keys(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(keys(item) for item in node))
    return set()


def test_the_document_is_openapi_3_1_with_the_payload_under_webhooks(document):
    assert document["openapi"].startswith("3.1.")
    delivery = document["webhooks"]["status.changed"]["post"]
    body = delivery["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/WebhookEvent"}
    assert delivery["security"] == []  # a receiver needs no token of ours
    assert "x-webhooks" not in document


@pytest.mark.parametrize("accept", ["application/json", "application/vnd.oai.openapi"])
def test_no_nullable_anywhere_in_either_format(client, accept):
    response = client.get("/api/schema/", HTTP_ACCEPT=accept)
    assert response.status_code == 200
    assert b"nullable" not in response.content
    assert "nullable" not in keys(yaml.safe_load(response.content))


def test_null_is_admitted_where_the_api_answers_it(document):
    schemas = document["components"]["schemas"]
    field = schemas["Error"]["properties"]["error"]["properties"]["field"]
    assert field["type"] == ["string", "null"]
    day = schemas["OpeningHours"]["properties"]["mon"]
    for hours in (None, ["08:00", "16:00"], [["08:00", "12:00"], ["13:00", "16:00"]]):
        jsonschema.Draft202012Validator(day).validate(hours)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(day).validate("08:00")
