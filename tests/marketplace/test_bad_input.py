"""Bad ids and bad parameters are 404 and 400 at every door, never a server error."""

import base64
import json
import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from marketplace.object_ids import MAX_OBJECT_ID, parse_object_id
from messaging import services as messaging
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

THIRTY_DIGITS = "9" * 30
BAD_IDS = [
    "null,null",
    THIRTY_DIGITS,
    str(MAX_OBJECT_ID + 1),
    "9" * 5000,
    "-1",
    "1.5",
    "1e3",
    "%20",
    "%D9%A1%D9%A2",  # ١٢, Arabic-Indic digits: str.isdigit() says yes
    "0x10",
]
CONVERSATION_ROUTES = [
    ("get", "/api/v1/conversations/{}/"),
    ("get", "/api/v1/conversations/{}/messages/"),
    ("post", "/api/v1/conversations/{}/messages/"),
    ("post", "/api/v1/conversations/{}/read/"),
]
PLACEHOLDER = re.compile(r"\{[^}]+\}")
ROUTE_PARAMETER = re.compile(r"<(?:\w+:)?\w+>")


def client_as(role: str, *, api: bool = True):
    client = (APIClient if api else Client)(
        HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False
    )
    if role == "buyer":
        client.force_login(BuyerFactory())
    elif role == "agent":
        client.force_login(AgentFactory())
    return client


def call(client, method: str, url: str):
    return getattr(client, method)(url)


@pytest.fixture
def buyer_client():
    return client_as("buyer")


@pytest.fixture
def conversation():
    buyer = BuyerFactory()
    conversation, _ = messaging.conversation_start(
        buyer=buyer, listing=ListingFactory(), body="Is it still for sale?"
    )
    return conversation


def api_operations() -> list[tuple[str, str]]:
    """Every operation in the schema, its path as documented (`/api/v1/listings/{id}/`)."""
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def web_routes() -> list[str]:
    """Every web route that takes an object id, as written (`renovations/<id:project_id>/`)."""
    routes = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin" and not route.startswith("api/"):
                    walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<id:" in route:
                routes.append(route)

    walk(get_resolver().url_patterns, "")
    return [route for route in routes if not route.startswith("^")]  # media files while DEBUG


# --- the cases in the hardening issue ---


@pytest.mark.parametrize(("method", "route"), CONVERSATION_ROUTES)
def test_a_conversation_id_that_is_not_a_number_is_not_found(buyer_client, method, route):
    response = call(buyer_client, method, route.format("null,null"))

    assert response.status_code == 404


@pytest.mark.parametrize("digits", [30, 5000])
def test_polling_after_an_id_beyond_any_id_is_a_400_naming_after(conversation, digits):
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_authenticate(conversation.buyer)

    response = client.get(
        f"/api/v1/conversations/{conversation.pk}/messages/", {"after": "9" * digits}
    )

    assert response.status_code == 400
    assert response.json() == {"after": ["Enter a message id."]}


def test_polling_after_the_largest_id_finds_nothing_new(conversation):
    client = APIClient()
    client.force_authenticate(conversation.buyer)

    response = client.get(
        f"/api/v1/conversations/{conversation.pk}/messages/", {"after": str(MAX_OBJECT_ID)}
    )

    assert response.status_code == 200
    assert response.json() == []


def test_unsaving_a_thirty_digit_listing_id_is_not_found(buyer_client):
    response = buyer_client.delete(f"/api/v1/favorites/{THIRTY_DIGITS}/")

    assert response.status_code == 404


@pytest.mark.parametrize("role", ["anonymous", "buyer", "agent"])
def test_options_on_the_notification_settings_answers(role):
    response = client_as(role).options("/api/v1/notifications/settings/")

    assert response.status_code == (401 if role == "anonymous" else 200)


# --- every door ---


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("role", ["anonymous", "buyer", "agent"])
def test_every_api_operation_answers_404_to_a_bad_id(role, bad_id):
    client = client_as(role)
    wrong = []
    for method, path in api_operations():
        if not PLACEHOLDER.search(path):
            continue
        response = call(client, method, PLACEHOLDER.sub(bad_id, path))
        if response.status_code != 404 or response.json() != {"detail": "Not found."}:
            wrong.append((method.upper(), path, response.status_code))

    assert wrong == []


@pytest.mark.parametrize("role", ["anonymous", "buyer", "agent"])
def test_options_on_every_api_operation_is_never_a_server_error(role, conversation):
    client = client_as(role)
    wrong = []
    for path in {path for _method, path in api_operations()}:
        response = client.options(PLACEHOLDER.sub(str(conversation.pk), path))
        if response.status_code >= 500:
            wrong.append((path, response.status_code))

    assert wrong == []


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize("role", ["anonymous", "buyer", "agent"])
def test_every_web_page_with_an_id_answers_404_to_a_bad_id(role, bad_id):
    client = client_as(role, api=False)
    routes = web_routes()
    wrong = []
    for route in routes:
        url = "/" + ROUTE_PARAMETER.sub(bad_id, route)
        for method in ("get", "post"):
            response = call(client, method, url)
            if response.status_code != 404:
                wrong.append((method.upper(), route, response.status_code))

    assert len(routes) >= 15
    assert wrong == []


# Routes whose parameters are not object ids, each checked by its own view and tests.
NOT_OBJECT_IDS = {
    # Django's reset link: a forged uid or token is its "this link is no longer valid" page.
    "accounts/password/reset/<uidb64>/<token>/",
    # A storage name, matched whole against the pipeline's variant names (tests/photos).
    "private-media/<path:name>",
    # A city's market page and API: a city by its slug (tests/insights/test_market.py).
    "cities/<slug:slug>/",
    "api/v1/cities/<slug:slug>/market/",
}


def test_every_route_takes_object_ids_through_the_id_converter():
    """`<int:…>` lets 30 digits through to the database: every route names `<id:…>` instead."""
    offenders = []

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    walk(pattern.url_patterns, route)
            elif ("(?P<" in route and not route.startswith("^media")) or re.search(
                r"<(int|str|path|slug):", route
            ):
                offenders.append(route)

    walk(get_resolver().url_patterns, "")
    assert set(offenders) - NOT_OBJECT_IDS == set()


# --- query parameters ---


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/notifications/",
        "/api/v1/conversations/",
        "/api/v1/favorites/",
        "/api/v1/saved-searches/",
        "/api/v1/listings/",
    ],
)
@pytest.mark.parametrize("page_size", ["9" * 5000, THIRTY_DIGITS, "0", "-1", "½", "١٢"])
def test_a_page_size_out_of_bounds_is_a_400_naming_it(buyer_client, url, page_size):
    response = buyer_client.get(url, {"page_size": page_size})

    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


def cursor(payload) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "payload",
    [
        {"d": "n", "o": "-published_at", "v": "2026-03-02T10:00:00+08:00", "id": float("inf")},
        {"d": "n", "o": "-published_at", "v": "2026-03-02T10:00:00+08:00", "id": 10**30},
        {"d": "n", "o": "-published_at", "v": "2026-03-02T10:00:00+08:00", "id": -1},
        {"d": "n", "o": "-published_at", "v": "2026-03-02T10:00:00+08:00", "id": True},
        {"d": "n", "o": "-published_at", "v": "2026-03-02T10:00:00+08:00", "id": "1"},
        {"d": "n", "o": "price", "v": float("inf"), "id": 1},
        {"d": "n", "o": "price", "v": 10**30, "id": 1},
        {"d": "n", "o": "price_per_m2", "v": 10**30, "id": 1},
        {"d": "n", "o": "area_m2", "v": "1e999999", "id": 1},
        {"d": "n", "o": "area_m2", "v": "NaN", "id": 1},
        {"d": "n", "o": "area_m2", "v": float("inf"), "id": 1},
        {"d": "n", "o": "area_m2", "v": "9" * 40, "id": 1},
        {"d": "n", "o": "-published_at", "v": "0001-01-01T00:00:00+14:00", "id": 1},
    ],
)
def test_a_forged_cursor_is_a_400_naming_it(payload):
    ListingFactory()
    client = client_as("anonymous")
    ordering = payload["o"]

    response = client.get("/api/v1/listings/", {"ordering": ordering, "cursor": cursor(payload)})

    assert response.status_code == 400
    assert list(response.json()) == ["cursor"]


@pytest.mark.parametrize(
    "raw",
    ["", " 1", "1 ", "+1", "-1", "1.0", "١", "0x1", str(MAX_OBJECT_ID + 1), "9" * 5000],
)
def test_what_is_not_an_object_id(raw):
    assert parse_object_id(raw) is None


@pytest.mark.parametrize("raw", ["0", "1", "007", str(MAX_OBJECT_ID)])
def test_what_is_an_object_id(raw):
    assert parse_object_id(raw) == int(raw)


HOSTILE_FILTERS = [
    ("area_max", "1e-999999"),  # PostgreSQL: "value overflows numeric format"
    ("area_max", "1e999999"),
    ("area_min", "0.0000000000000000000000001"),
    ("area_min", "9" * 200),
    ("price_max", THIRTY_DIGITS),
    ("price_min", "9" * 5000),
    ("price_per_m2_max", THIRTY_DIGITS),
    ("floor_max", THIRTY_DIGITS),
    ("rooms", THIRTY_DIGITS),
    ("district", THIRTY_DIGITS),
    ("district", "9" * 5000),
    ("district", "null"),
    ("city", "\x00"),
    ("city", "a" * 5000),
    ("q", "\x00"),
    ("q", "%_%"),
    ("page", "9" * 5000),
    ("page", "-1"),
]


@pytest.mark.parametrize(("name", "value"), HOSTILE_FILTERS)
@pytest.mark.parametrize("url", ["/listings/", "/api/v1/listings/"])
def test_a_hostile_search_filter_is_refused_or_ignored_never_a_server_error(url, name, value):
    ListingFactory()
    client = client_as("anonymous", api=url.startswith("/api/"))

    response = client.get(url, {name: value})

    assert response.status_code in (200, 400)


@pytest.mark.parametrize("area", ["1e-999999", "52.555", "123456.00"])
def test_an_area_the_listings_could_not_store_is_a_400_naming_it(area):
    response = client_as("anonymous").get("/api/v1/listings/", {"area_max": area})

    assert response.status_code == 400
    assert list(response.json()) == ["area_max"]


def test_a_saved_search_with_an_area_no_listing_could_have_is_a_400_naming_it(buyer_client):
    response = buyer_client.post(
        "/api/v1/saved-searches/",
        {"name": "Tiny", "params": {"area_max": "1e-999999"}},
        format="json",
    )

    assert response.status_code == 400
    assert "area_max" in response.json()["params"]


@pytest.mark.parametrize("page", ["9" * 5000, THIRTY_DIGITS, "-1", "0", "null", "١"])
@pytest.mark.parametrize(
    "url", ["/listings/", "/inbox/", "/notifications/", "/favorites/", "/saved-searches/"]
)
def test_a_web_list_shows_a_page_whatever_page_is_asked_for(url, page):
    client = client_as("buyer", api=False)

    response = client.get(url, {"page": page})

    assert response.status_code == 200


# --- NUL characters: PostgreSQL cannot compare them (a DataError), SQLite can ---


@pytest.mark.parametrize(
    "url",
    [
        "/listings/?city=a%00",
        "/listings/?page=%00",
        "/saved-searches/?x%00=1",
        "/api/v1/listings/?city=a%00",
        "/api/v1/listings/?q=%00",
    ],
)
def test_a_nul_in_a_query_string_is_a_400_before_any_query(url, django_assert_num_queries):
    client = client_as("anonymous", api=url.startswith("/api/"))

    with django_assert_num_queries(0):
        response = client.get(url)

    assert response.status_code == 400
    if url.startswith("/api/"):
        assert response.json() == {"detail": "Text cannot contain NUL characters."}


def test_a_nul_anywhere_in_a_json_body_is_a_400(agent_and_listing):
    """Found by the fuzz test on PostgreSQL: a city slug with a NUL was a 500 (DataError)."""
    client, _listing = agent_and_listing
    body = {"title": "Flat", "city": "hegang\x00", "price": 46_000}

    response = client.post("/api/v1/listings/", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"detail": "Text cannot contain NUL characters."}


def test_a_nul_in_a_json_key_is_a_400(buyer_client):
    body = {"name": "Cheap", "params": {"price_max\x00": "50000"}}

    response = buyer_client.post("/api/v1/saved-searches/", body, format="json")

    assert response.status_code == 400


# --- bodies ---


@pytest.fixture
def agent_and_listing():
    listing = ListingFactory()
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(listing.agent)
    return client, listing


def test_a_body_in_a_form_where_json_is_read_is_a_415_not_a_silent_no_op(agent_and_listing):
    """A malformed multipart body used to parse as no fields: the PATCH answered 200, changing
    nothing."""
    client, listing = agent_and_listing

    response = client.generic(
        "PATCH",
        f"/api/v1/listings/{listing.pk}/",
        "--x\r\n[]--x--\r\n",
        content_type="multipart/form-data; boundary=x",
    )

    assert response.status_code == 415


def test_a_body_of_the_wrong_shape_is_a_400(agent_and_listing):
    client, listing = agent_and_listing

    response = client.patch(f"/api/v1/listings/{listing.pk}/", [], format="json")

    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_uploads_still_read_multipart(agent_and_listing):
    client, listing = agent_and_listing

    response = client.post(
        f"/api/v1/listings/{listing.pk}/photos/", {"caption": "No file"}, format="multipart"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["image"]


@pytest.mark.parametrize(
    ("listing", "message"),
    [
        (1.9, "Incorrect type. Expected pk value, received float."),
        (True, "Incorrect type. Expected pk value, received bool."),
        ([1], "Incorrect type. Expected pk value, received list."),
        ("1.0", 'Invalid pk "1.0" - object does not exist.'),
        (10**30, f'Invalid pk "{10**30}" - object does not exist.'),
    ],
)
@pytest.mark.parametrize("url", ["/api/v1/conversations/", "/api/v1/favorites/"])
def test_a_listing_named_by_something_else_than_its_id_is_refused(url, listing, message):
    """`1.9` used to name listing 1: the database was left to coerce it."""
    ListingFactory(pk=1)
    client = client_as("buyer")

    response = client.post(url, {"listing": listing, "body": "Still for sale?"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"listing": [message]}


def test_a_listing_id_in_digits_is_still_its_id(buyer_client):
    listing = ListingFactory()

    response = buyer_client.post("/api/v1/favorites/", {"listing": str(listing.pk)}, format="json")

    assert response.status_code == 201
