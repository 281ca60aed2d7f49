import re
from html.parser import HTMLParser

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db

API_PATHS = [
    "/api/v1/listings/",
    "/api/v1/listings/{id}/",
    "/api/v1/cities/",
    "/api/v1/auth/register/",
    "/api/v1/auth/token/",
    "/api/v1/auth/logout/",
    "/api/v1/auth/logout-all/",
    "/api/v1/me/",
]
LIST_PARAMETERS = {"city", "price_max", "has_elevator", "ordering", "cursor", "page_size"}


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


@pytest.fixture
def fresh_generator_stats():
    # The command runs in its own process in CI; here earlier schema requests would leak warnings.
    GENERATOR_STATS.reset()
    yield
    GENERATOR_STATS.reset()


def test_schema_is_a_valid_openapi_3_document(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)


def test_schema_is_served_as_yaml_by_default(api_client):
    response = api_client.get("/api/schema/")

    assert response.status_code == 200
    document = yaml.safe_load(response.content)
    assert document["info"]["title"] == "Walkup API"


@pytest.mark.parametrize("path", API_PATHS)
def test_schema_documents_the_endpoint(schema, path):
    assert path in schema["paths"]


def test_schema_documents_the_listing_search_parameters(schema):
    parameters = {p["name"] for p in schema["paths"]["/api/v1/listings/"]["get"]["parameters"]}

    assert parameters >= LIST_PARAMETERS


def test_schema_documents_token_authentication(schema):
    schemes = schema["components"]["securitySchemes"]

    assert any(
        scheme.get("in") == "header" and scheme.get("name") == "Authorization"
        for scheme in schemes.values()
    )


def test_schema_does_not_offer_put_on_listings(schema):
    assert "put" not in schema["paths"]["/api/v1/listings/{id}/"]


def test_listing_id_is_an_integer_in_every_operation(schema):
    operations = schema["paths"]["/api/v1/listings/{id}/"]

    types = {
        method: next(p["schema"]["type"] for p in operation["parameters"] if p["name"] == "id")
        for method, operation in operations.items()
    }

    assert set(types.values()) == {"integer"}, types


def test_spectacular_command_validates_without_warnings(tmp_path, fresh_generator_stats):
    output = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(output))

    assert yaml.safe_load(output.read_text())["paths"]


def test_spectacular_command_writes_a_valid_schema(tmp_path, fresh_generator_stats):
    output = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--file", str(output))

    document = yaml.safe_load(output.read_text())
    assert set(API_PATHS) <= set(document["paths"])


# --- Swagger UI ------------------------------------------------------------------------


class _LinkCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in ("src", "href") and value]


def test_api_docs_page_loads_only_local_files(client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    collector = _LinkCollector()
    collector.feed(html)
    assert collector.links
    # The sidecar's files, and the start-up script the split view serves as a file of its own.
    assert all(
        link.startswith("/static/") or link == "/api/docs/?script=" for link in collector.links
    ), collector.links
    assert re.findall(r"https?://[^\s\"'<>]+", html) == []


# --- refusals (marketplace.schema) ----------------------------------------------------------

WRITES = {"post", "put", "patch", "delete"}


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield method, path, operation


def test_every_operation_with_an_id_in_its_path_documents_404(schema):
    missing = [
        (method, path)
        for method, path, operation in _operations(schema)
        if "{" in path and "404" not in operation["responses"]
    ]

    assert missing == []


def test_every_write_documents_400_and_429_with_retry_after(schema):
    writes = [op for method, _path, op in _operations(schema) if method in WRITES]

    assert all({"400", "429"} <= set(op["responses"]) for op in writes)
    assert all(op["responses"]["429"]["headers"]["Retry-After"]["required"] for op in writes)


def test_only_sign_up_and_log_in_document_no_401(schema):
    without_401 = {
        path for _method, path, op in _operations(schema) if "401" not in op["responses"]
    }

    assert without_401 == {"/api/v1/auth/register/", "/api/v1/auth/token/"}


def test_every_path_id_is_a_64_bit_integer(schema):
    ids = [
        parameter["schema"]
        for _method, _path, op in _operations(schema)
        for parameter in op.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"] != "slug"
    ]

    assert ids
    assert all(
        schema_ == {"type": "integer", "format": "int64", "minimum": 1, "maximum": 2**63 - 1}
        for schema_ in ids
    )


def test_a_path_slug_says_what_a_slug_is(schema):
    slugs = [
        parameter["schema"]
        for _method, _path, op in _operations(schema)
        for parameter in op.get("parameters", [])
        if parameter["in"] == "path" and parameter["name"] == "slug"
    ]

    assert slugs
    assert all(schema_ == {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"} for schema_ in slugs)


def test_request_bodies_are_json_except_uploads(schema):
    media_types = {
        (method, path): set(op["requestBody"]["content"])
        for method, path, op in _operations(schema)
        if "requestBody" in op
    }
    multipart = {key for key, types in media_types.items() if types != {"application/json"}}

    assert multipart == {
        ("post", "/api/v1/listings/{listing_id}/photos/"),
        ("post", "/api/v1/listings/{listing_id}/proofs/"),
        ("post", "/api/v1/renovations/{project_id}/expenses/"),
        ("post", "/api/v1/renovations/{project_id}/updates/"),
        ("post", "/api/v1/purchases/{purchase_id}/steps/{id}/files/"),
    }
