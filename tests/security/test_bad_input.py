"""Odd input is a 400 in the one error shape (or the admin's form error), never a 500."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta, timezone
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.api.auth import AnonReadThrottle
from portal.models import ApiToken
from services.models import Override
from tests.factories import set_systems

pytestmark = pytest.mark.django_db

# Every read of the API, with the query parameters it takes.
READS = {
    "/api/v1/status/": ["lang"],
    "/api/v1/offices/": ["lang"],
    "/api/v1/offices/palembang/": ["lang"],
    "/api/v1/systems/": ["lang"],
    "/api/v1/systems/pdn/": ["lang"],
    "/api/v1/systems/pdn/observations/": ["since", "until", "cursor", "page_size"],
    "/api/v1/events/": [
        *("lang", "cause", "since", "until", "cursor", "page_size"),
        *("office", "stage", "service", "system"),
    ],
    "/api/v1/advisories/": ["lang", "office"],
    "/api/v2/summary.json": [],
    "/api/v2/status.json": [],
    "/api/v2/components.json": [],
    "/api/v2/incidents.json": [],
    "/api/v2/incidents/unresolved.json": [],
    "/api/v2/scheduled-maintenances.json": [],
    "/api/v2/scheduled-maintenances/upcoming.json": [],
    "/api/v2/scheduled-maintenances/active.json": [],
}


def cursor(position: str) -> str:
    return base64.b64encode(urlencode({"p": position, "r": 0, "o": 0}).encode()).decode()


EDGES = [
    "²",
    "٣",
    "0",
    "-1",
    "501",
    "1" * 30,
    "0001-01-01",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31",
    "9999-12-31T23:59:59-12:00",
    "2024-06-20T10:00:00 07:00",
    "\x00",
    cursor("9999-12-31T23:59:59-12:00"),
    cursor("0001-01-01T00:00:00+14:00"),
    cursor("not a date"),
]
OFFSETS = [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]
MOMENTS = st.one_of(
    st.dates().map(date.isoformat),
    st.datetimes().map(datetime.isoformat),
    st.datetimes(timezones=st.sampled_from(OFFSETS)).map(datetime.isoformat),
)
TEXT = st.text(max_size=40)
VALUES = {
    "since": MOMENTS | TEXT,
    "until": MOMENTS | TEXT,
    "cursor": MOMENTS.map(cursor) | TEXT,
    "page_size": st.integers(-2, 999).map(str)
    | st.text(st.characters(categories=["Nd", "No"]), min_size=1, max_size=3),
}
QUERIES = st.sampled_from(sorted(READS)).flatmap(
    lambda path: st.tuples(
        st.just(path),
        st.fixed_dictionaries(
            {},
            optional={
                name: st.sampled_from(EDGES) | VALUES.get(name, TEXT)
                for name in READS[path] or ["x"]
            },
        ),
    )
)


@pytest.fixture(autouse=True)
def _world(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon-read": "off", "token-write": "off", "token-read": "off"},
    }
    AnonReadThrottle.reset()
    set_systems(pdn="up", cekal="down")


def assert_answered(response) -> None:
    # 422: well-formed, but naming nothing known (an office code, a cursor not given out).
    assert response.status_code in (200, 400, 404, 422), (response.status_code, response.content)
    if response.status_code in (400, 422):
        error = response.json()["error"]
        assert set(error) == {"code", "message", "field"} and error["message"]


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(query=QUERIES)
def test_any_query_parameters_of_any_read_are_answered_never_a_500(client, query):
    path, params = query
    assert_answered(client.get(path, params))


@pytest.mark.parametrize("value", EDGES)
@pytest.mark.parametrize("name", ["since", "until", "cursor", "page_size"])
def test_edge_values_of_the_paged_reads_are_400_naming_the_parameter(client, name, value):
    response = client.get("/api/v1/events/", {name: value})
    assert_answered(response)
    if response.status_code in (400, 422):
        assert response.json()["error"]["field"] == name


@pytest.mark.parametrize("value", ["²", "0001-01-01", "9999-12-31T23:59:59-12:00"])
def test_the_reported_500s_are_400s(client, value):
    for name in ("page_size", "since", "until"):
        response = client.get("/api/v1/systems/pdn/observations/", {name: value})
        if name == "page_size" or value != "9999-12-31T23:59:59-12:00" or name == "since":
            assert response.status_code in (200, 400, 422), response.content
    far = client.get("/api/v1/events/", {"cursor": cursor("9999-12-31T23:59:59+00:00")})
    assert far.status_code == 422 and far.json()["error"]["field"] == "cursor"
    assert client.get("/api/v1/events/", {"page_size": "²"}).status_code == 400


@pytest.fixture
def token() -> str:
    owner = get_user_model().objects.create_superuser("pusat", password=None)
    return ApiToken.issue(owner, "pusat")[1]


def post(client, token: str, body: bytes):
    return client.post(
        "/api/v1/overrides/",
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_a_400(client, token, depth):
    response = post(client, token, b"[" * depth + b"]" * depth)
    assert response.status_code in (400, 413), response.content
    assert response.json()["error"]["code"] in ("parse_error", "request_too_large")
    nested = b'{"office": "palembang", "reason": ' + b"[" * 900 + b"]" * 900 + b"}"
    assert post(client, token, nested).status_code == 400


def test_a_large_body_is_refused_with_413_before_it_is_parsed(client, token):
    body = {"office": "palembang", "stage": "printing", "state": "closed", "reason": "x" * 20_000}
    response = post(client, token, json.dumps(body).encode())
    assert response.status_code == 413, response.content
    assert response.json()["error"]["code"] == "request_too_large"
    assert not Override.objects.exists()
    small = {**body, "reason": "Printer rusak"}
    assert post(client, token, json.dumps(small).encode()).status_code == 201


ADMIN_LISTS = [
    "/admin/services/override/?created_at__year={}",
    "/admin/offices/officeclosure/?starts_at__year={}",
    "/admin/services/statusevent/?at__year={}",
    "/admin/services/healthobservation/?at__year={}&at__month=1",
    "/admin/audit/?since=0001-01-01",
    "/admin/audit/?until=9999-12-31",
]


@pytest.mark.parametrize("url", ADMIN_LISTS)
@pytest.mark.parametrize("year", ["99999", "0", "1", "9999"])
def test_admin_date_filters_refuse_years_out_of_range(client, url, year):
    client.force_login(get_user_model().objects.create_superuser("pusat", password=None))
    response = client.get(url.format(year))
    assert response.status_code in (200, 302), response.status_code


@pytest.mark.parametrize("name", ["office", "stage", "cause", "since", "lang"])
def test_a_nul_in_a_parameter_is_a_400_naming_it(client, name):
    # PostgreSQL refuses a NUL in a string: without the check this is a 500 there.
    response = client.get("/api/v1/events/", {name: "palembang\x00"})
    assert response.status_code == 400 and response.json()["error"]["field"] == name
