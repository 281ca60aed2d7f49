"""The Content-Security-Policy on every page, and pages that keep to it (no inline code at all)."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from marketplace.security import media_origin
from tests.accounts.factories import BuyerFactory, SuperuserFactory
from tests.listings.factories import ListingFactory
from tests.renovations.factories import ExpenseFactory, ProjectFactory, TaskFactory

pytestmark = pytest.mark.django_db

CSP = "Content-Security-Policy"
S3_STORAGE = "storages.backends.s3.S3Storage"


def directives(response) -> dict[str, list[str]]:
    policy = response[CSP]
    parsed = {}
    for directive in policy.split(";"):
        name, *sources = directive.split()
        parsed[name] = sources
    return parsed


class _InlineCode(HTMLParser):
    """Whatever a strict policy would refuse: inline scripts, styles and event handlers."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and "src" not in attributes:
            self.found.append(f"<script> without src: {attrs}")
        if tag == "style":
            self.found.append("<style> element")
        self.found += [f'{name}="…" on <{tag}>' for name, _ in attrs if name == "style"]
        self.found += [f"{name} handler on <{tag}>" for name, _ in attrs if name.startswith("on")]
        self.found += [
            f"javascript: URL on <{tag}>"
            for name, value in attrs
            if name in ("href", "src", "action") and (value or "").startswith("javascript:")
        ]


@pytest.fixture
def pages(client):
    """Each kind of page, with whoever may see it logged in."""
    listing = ListingFactory()
    project = ProjectFactory()
    TaskFactory(project=project)
    ExpenseFactory(project=project, amount=30_000)  # over the budget: the chart and the warning
    return {
        "home": (None, reverse("home")),
        "search": (None, reverse("listings:search") + "?city=" + listing.city.slug),
        "listing": (None, listing.get_absolute_url()),
        "login": (None, reverse("login")),
        "signup": (None, reverse("signup")),
        "admin login": (None, reverse("admin:login")),
        "admin listings": (SuperuserFactory(), reverse("admin:listings_listing_changelist")),
        "API docs": (None, reverse("api-docs")),
        "renovations": (project.owner, reverse("renovations:list")),
        "renovation": (project.owner, reverse("renovations:project", args=[project.pk])),
        "renovation summary": (project.owner, reverse("renovations:summary", args=[project.pk])),
        "saved flats": (BuyerFactory(), reverse("favorites:list")),
        "not found": (None, "/no-such-page/"),
    }


PAGES = [
    "home",
    "search",
    "listing",
    "login",
    "signup",
    "admin login",
    "admin listings",
    "API docs",
    "renovations",
    "renovation",
    "renovation summary",
    "saved flats",
    "not found",
]


@pytest.mark.parametrize("page", PAGES)
def test_every_html_page_carries_the_strict_policy(client, pages, page):
    user, url = pages[page]
    if user:
        client.force_login(user)

    response = client.get(url)

    assert response["Content-Type"].startswith("text/html")
    policy = directives(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("page", [page for page in PAGES if not page.startswith("admin")])
def test_walkups_own_pages_have_no_inline_code(client, pages, page):
    user, url = pages[page]
    if user:
        client.force_login(user)

    response = client.get(url)

    parser = _InlineCode()
    parser.feed(response.content.decode())
    assert parser.found == []


def test_the_api_docs_start_up_script_is_a_file_of_this_site(client):
    page = client.get(reverse("api-docs"))
    script = client.get(reverse("api-docs") + "?script=")

    assert 'src="/api/docs/?script="' in page.content.decode()
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert b"SwaggerUIBundle" in script.content


def test_the_api_answers_carry_the_policy_too(client):
    response = client.get("/api/v1/listings/")

    assert directives(response)["default-src"] == ["'self'"]


# --- photos on object storage -----------------------------------------------------------


@pytest.fixture
def aws_credentials(monkeypatch):
    # Signing a URL is local arithmetic, but boto3 wants credentials to do it.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def _media_on(settings, options: dict):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": S3_STORAGE, "OPTIONS": {"bucket_name": "walkup-media", **options}},
    }


def test_photos_on_this_site_add_no_image_host(client):
    assert media_origin() is None

    assert directives(client.get(reverse("home")))["img-src"] == ["'self'", "data:"]


@pytest.mark.usefixtures("aws_credentials")
@pytest.mark.parametrize(
    ("options", "origin"),
    [
        ({"custom_domain": "img.walkup.example"}, "https://img.walkup.example"),
        (
            {"endpoint_url": "https://oss-cn-harbin.example.com", "addressing_style": "path"},
            "https://oss-cn-harbin.example.com",
        ),
        (
            {"endpoint_url": "https://oss-cn-harbin.example.com", "addressing_style": "virtual"},
            "https://walkup-media.oss-cn-harbin.example.com",
        ),
    ],
    ids=["custom domain", "endpoint, path style", "endpoint, virtual host"],
)
def test_photos_on_object_storage_add_exactly_their_host(client, settings, options, origin):
    _media_on(settings, options)

    assert media_origin() == origin
    assert directives(client.get(reverse("home")))["img-src"] == ["'self'", "data:", origin]
