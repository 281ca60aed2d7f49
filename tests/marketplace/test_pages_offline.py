"""Pages must work on a network that cannot reach other hosts, and be usable with a screen reader."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _PageAudit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.images: list[dict] = []
        self.fields: list[dict] = []
        self.labelled_ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.links += [value for name, value in attrs if name in ("src", "href") and value]
        if tag == "img":
            self.images.append(attributes)
        elif tag == "label" and attributes.get("for"):
            self.labelled_ids.add(attributes["for"])
        elif tag in ("select", "textarea") or (
            tag == "input" and attributes.get("type", "text") not in UNLABELLED_INPUT_TYPES
        ):
            self.fields.append(attributes)


def _audit(client, url) -> _PageAudit:
    response = client.get(url)
    assert response.status_code == 200
    audit = _PageAudit()
    audit.feed(response.content.decode())
    return audit


@pytest.fixture
def listing():
    return ListingFactory(title="Sunny walk-up")


@pytest.fixture(params=["home", "search", "detail", "login", "signup"])
def page_url(request, listing):
    if request.param == "detail":
        return listing.get_absolute_url()
    if request.param == "search":
        return reverse("listings:search") + "?q=Sunny"
    return reverse({"home": "home", "login": "login", "signup": "signup"}[request.param])


def test_page_links_only_to_this_host(client, page_url):
    audit = _audit(client, page_url)

    other_hosts = [
        link
        for link in audit.links
        if link.startswith(("http://", "https://", "//"))
        and urlsplit(link).hostname != "testserver"
    ]
    assert other_hosts == []


def test_every_image_has_alt_text(client, page_url):
    audit = _audit(client, page_url)

    assert [image for image in audit.images if "alt" not in image] == []


def test_every_form_field_has_a_label(client, page_url):
    audit = _audit(client, page_url)

    unlabelled = [f for f in audit.fields if f.get("id") not in audit.labelled_ids]
    assert audit.fields
    assert unlabelled == []


def test_audited_search_page_shows_a_listing_card(client, listing):
    response = client.get(reverse("listings:search"), {"q": "Sunny"})

    assert listing.title in response.content.decode()


def test_search_page_without_filters_lists_the_active_flats(client, listing):
    response = client.get(reverse("listings:search"))

    assert response.context["page"] is not None
    assert listing.title in response.content.decode()
