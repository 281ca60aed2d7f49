"""Photos on the web pages: card pictures on search, the gallery on the detail page."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.staticfiles import finders
from django.core.files.storage import storages
from django.test import Client

from listings import services
from listings.models import ListingPhoto
from tests.listings.factories import ListingFactory
from tests.photos import images
from tests.photos.factories import ListingPhotoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]

Status = ListingPhoto.Status
VOID_ELEMENTS = {"img", "source", "input", "link", "meta", "br", "hr", "wbr", "area", "base"}


# --- a small HTML tree ----------------------------------------------------------------------


@dataclass
class Element:
    tag: str
    attrs: dict[str, str | None]
    children: list["Element"] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)

    def iter(self):
        yield self
        for child in self.children:
            yield from child.iter()

    def find_all(self, tag: str | None = None, class_: str | None = None, **attrs):
        return [
            element
            for element in self.iter()
            if (tag is None or element.tag == tag)
            and (class_ is None or class_ in (element.attrs.get("class") or "").split())
            and all(element.attrs.get(name.replace("_", "-")) == v for name, v in attrs.items())
        ]

    def find(self, tag: str | None = None, class_: str | None = None, **attrs):
        found = self.find_all(tag, class_, **attrs)
        return found[0] if found else None

    @property
    def text(self) -> str:
        return " ".join(
            " ".join(part.split()) for element in self.iter() for part in element.text_parts
        ).strip()


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.root = Element("document", {})
        self.open = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs))
        self.open[-1].children.append(element)
        if tag not in VOID_ELEMENTS:
            self.open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.open[-1].children.append(Element(tag, dict(attrs)))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, 0, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                return

    def handle_data(self, data):
        if data.strip():
            self.open[-1].text_parts.append(data)


def page(response) -> Element:
    assert response.status_code == 200
    builder = _TreeBuilder()
    builder.feed(response.content.decode())
    return builder.root


# --- fixtures and helpers --------------------------------------------------------------------


@pytest.fixture
def web():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def variants(listing, number: int, widths=(("large", 1600), ("medium", 1000), ("thumb", 400))):
    """Variant records as processing writes them, for a photo of a large enough original."""
    return {
        name: {
            "width": width,
            "height": width * 3 // 4,
            "jpeg": f"listings/{listing.pk}/{number}/{name}-abc.jpeg",
            "webp": f"listings/{listing.pk}/{number}/{name}-abc.webp",
        }
        for name, width in widths
    }


def ready_photo(listing, number: int, **fields) -> ListingPhoto:
    return ListingPhotoFactory(
        listing=listing, ready=True, variants=variants(listing, number), **fields
    )


def url(name: str) -> str:
    return storages["default"].url(name)


def card_of(document: Element, listing) -> Element:
    for card in document.find_all("article", class_="card"):
        if any(a.attrs.get("href") == listing.get_absolute_url() for a in card.find_all("a")):
            return card
    raise AssertionError(f"no card for {listing}")


def search(web) -> Element:
    return page(web.get("/listings/"))


def detail(web, listing) -> Element:
    return page(web.get(listing.get_absolute_url())).find("article", class_="listing-detail")


def srcset_widths(srcset: str) -> list[str]:
    return [candidate.split()[-1] for candidate in srcset.split(",")]


# --- search cards ---------------------------------------------------------------------------


def test_a_card_shows_the_cover_as_a_picture_with_webp_and_a_lazy_jpeg(web):
    listing = ListingFactory()
    ready_photo(listing, 0, position=0)
    cover = ready_photo(listing, 1, position=1, is_cover=True)
    thumb = cover.variants["thumb"]

    card = card_of(search(web), listing)

    picture = card.find("picture")
    assert picture is not None
    source = picture.find("source")
    assert source.attrs["type"] == "image/webp"
    assert source.attrs["srcset"] == url(thumb["webp"])
    img = picture.find("img")
    assert img.attrs["src"] == url(thumb["jpeg"])
    assert (img.attrs["width"], img.attrs["height"]) == ("400", "300")
    assert img.attrs["loading"] == "lazy"
    assert "alt" in img.attrs
    assert "No photos yet" not in card.text


def test_a_card_without_a_chosen_cover_shows_the_first_ready_photo(web):
    listing = ListingFactory()
    ListingPhotoFactory(listing=listing, position=0, status=Status.FAILED, is_cover=True)
    ready_photo(listing, 2, position=2)
    first_ready = ready_photo(listing, 1, position=1)

    img = card_of(search(web), listing).find("img")

    assert img.attrs["src"] == url(first_ready.variants["thumb"]["jpeg"])


@pytest.mark.parametrize("photos", ["none", "pending and failed"])
def test_a_card_without_ready_photos_shows_the_placeholder_and_no_img(web, photos):
    listing = ListingFactory()
    if photos != "none":
        ListingPhotoFactory(listing=listing, is_cover=True)
        ListingPhotoFactory(
            listing=listing, status=Status.FAILED, variants=variants(listing, 9), position=1
        )

    card = card_of(search(web), listing)

    assert card.find("img") is None
    assert card.find("picture") is None
    placeholder = card.find(class_="photo-placeholder")
    assert placeholder is not None
    assert placeholder.text == "No photos yet"


# --- the detail gallery --------------------------------------------------------------------


def test_the_gallery_has_one_slide_per_ready_photo_in_position_order(web):
    listing = ListingFactory()
    third = ready_photo(listing, 3, position=7, caption="Balcony")
    first = ready_photo(listing, 1, position=0)
    second = ready_photo(listing, 2, position=3, caption="Kitchen")
    ListingPhotoFactory(listing=listing, position=1)  # pending
    ListingPhotoFactory(  # failed, with leftovers of a partial run
        listing=listing, position=2, status=Status.FAILED, variants=variants(listing, 9)
    )

    gallery = detail(web, listing).find("section", class_="gallery")

    slides = gallery.find_all("li", class_="gallery-slide")
    sources = [slide.find("img").attrs["src"] for slide in slides]
    assert sources == [url(photo.variants["medium"]["jpeg"]) for photo in (first, second, third)]
    alts = [slide.find("img").attrs["alt"] for slide in slides]
    assert alts == ["Photo 1 of 3", "Kitchen", "Balcony"]
    assert [slide.find("figcaption").text for slide in slides] == [
        "1 of 3",
        "2 of 3 · Kitchen",
        "3 of 3 · Balcony",
    ]
    assert "/9/" not in str([img.attrs for img in gallery.find_all("img")])


def test_each_slide_offers_medium_and_large_by_width_with_sizes_and_dimensions(web):
    listing = ListingFactory()
    photo = ready_photo(listing, 1)
    medium, large = photo.variants["medium"], photo.variants["large"]

    slide = detail(web, listing).find("li", class_="gallery-slide")

    img = slide.find("img")
    assert img.attrs["srcset"].split(", ") == [
        f"{url(medium['jpeg'])} 1000w",
        f"{url(large['jpeg'])} 1600w",
    ]
    assert img.attrs["sizes"]
    assert (img.attrs["width"], img.attrs["height"]) == ("1000", "750")
    source = slide.find("source")
    assert source.attrs["type"] == "image/webp"
    assert source.attrs["srcset"].split(", ") == [
        f"{url(medium['webp'])} 1000w",
        f"{url(large['webp'])} 1600w",
    ]
    assert source.attrs["sizes"] == img.attrs["sizes"]


def test_only_the_first_slide_loads_at_once(web):
    listing = ListingFactory()
    for number in range(3):
        ready_photo(listing, number, position=number)

    slides = detail(web, listing).find_all("li", class_="gallery-slide")
    pictures = [slide.find("img") for slide in slides]

    assert pictures[0].attrs.get("fetchpriority") == "high"
    assert "loading" not in pictures[0].attrs
    assert [img.attrs.get("loading") for img in pictures[1:]] == ["lazy", "lazy"]


def test_a_real_upload_of_a_large_photo_gives_1000w_and_1600w_candidates(
    web, django_capture_on_commit_callbacks
):
    listing = ListingFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.photo_add(
            listing=listing, upload=images.upload(images.jpeg(2000, 1500)), by=listing.agent
        )

    img = detail(web, listing).find("li", class_="gallery-slide").find("img")

    assert srcset_widths(img.attrs["srcset"]) == ["1000w", "1600w"]
    assert (img.attrs["width"], img.attrs["height"]) == ("1000", "750")
    for candidate in img.attrs["srcset"].split(", "):
        name = candidate.split()[0].removeprefix("/media/")
        assert storages["default"].exists(name)


def test_a_small_photo_does_not_list_the_same_width_twice(web, django_capture_on_commit_callbacks):
    listing = ListingFactory()
    with django_capture_on_commit_callbacks(execute=True):
        services.photo_add(
            listing=listing, upload=images.upload(images.jpeg(800, 600)), by=listing.agent
        )

    slide = detail(web, listing).find("li", class_="gallery-slide")

    for srcset in (slide.find("img").attrs["srcset"], slide.find("source").attrs["srcset"]):
        widths = srcset_widths(srcset)
        assert len(widths) == len(set(widths)), srcset


def test_the_track_is_focusable_and_labelled(web):
    listing = ListingFactory()
    ready_photo(listing, 1)

    gallery = detail(web, listing).find("section", class_="gallery")

    assert gallery.attrs.get("aria-label")
    track = gallery.find(class_="gallery-track")
    assert track.attrs["tabindex"] == "0"
    assert track.attrs["aria-label"]


def test_one_photo_has_no_previous_and_next_buttons(web):
    listing = ListingFactory()
    ready_photo(listing, 1)

    gallery = detail(web, listing).find("section", class_="gallery")

    assert gallery.find("button") is None
    assert gallery.find(class_="gallery-controls") is None


def test_two_photos_have_labelled_previous_and_next_buttons_shown_by_the_script(web):
    listing = ListingFactory()
    ready_photo(listing, 1, position=0)
    ready_photo(listing, 2, position=1)
    ListingPhotoFactory(listing=listing, position=2)  # pending: not counted

    gallery = detail(web, listing).find("section", class_="gallery")

    controls = gallery.find(class_="gallery-controls")
    assert "hidden" in controls.attrs  # without JavaScript, swiping and arrow keys still work
    buttons = controls.find_all("button")
    assert len(buttons) == 2
    assert "data-gallery-previous" in buttons[0].attrs
    assert "data-gallery-next" in buttons[1].attrs
    assert all(b.attrs["type"] == "button" and b.attrs["aria-label"] for b in buttons)
    assert len(gallery.find_all("li", class_="gallery-slide")) == 2


@pytest.mark.parametrize("photos", ["none", "pending and failed"])
def test_a_listing_without_ready_photos_shows_the_placeholder(web, photos):
    listing = ListingFactory()
    if photos != "none":
        ListingPhotoFactory(listing=listing)
        ListingPhotoFactory(
            listing=listing, status=Status.FAILED, variants=variants(listing, 9), position=1
        )

    article = detail(web, listing)

    assert article.find("section", class_="gallery") is None
    assert article.find("img") is None
    placeholder = article.find(class_="gallery-empty")
    assert placeholder.attrs["role"] == "img"
    assert placeholder.attrs["aria-label"] == "No photos yet"
    assert "No photos yet" in placeholder.text


def test_the_agent_sees_only_ready_photos_on_their_draft_too(web):
    draft = ListingFactory(draft=True)
    photo = ready_photo(draft, 1)
    ListingPhotoFactory(listing=draft, position=5)
    web.force_login(draft.agent)

    slides = detail(web, draft).find_all("li", class_="gallery-slide")

    assert [slide.find("img").attrs["src"] for slide in slides] == [
        url(photo.variants["medium"]["jpeg"])
    ]


def test_the_gallery_script_is_served_from_this_sites_static_files(web):
    listing = ListingFactory()
    ready_photo(listing, 1, position=0)
    ready_photo(listing, 2, position=1)

    document = page(web.get(listing.get_absolute_url()))

    scripts = [script.attrs.get("src") for script in document.find_all("script")]
    assert "/static/js/gallery.js" in scripts
    for src in scripts:
        if src:
            parts = urlsplit(src)
            assert (parts.scheme, parts.netloc) == ("", ""), src
            assert parts.path.startswith("/static/"), src
    for element in document.iter():
        for name in ("src", "srcset", "href"):
            for candidate in (element.attrs.get(name) or "").split(","):
                if candidate.strip():
                    assert not urlsplit(candidate.split()[0]).netloc, candidate
    # The page names a file this project ships (the test server does not serve /static/).
    shipped = finders.find("js/gallery.js")
    assert shipped is not None
    assert "data-gallery" in Path(shipped).read_text()
