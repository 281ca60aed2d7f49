"""The photo API: uploads through the checks, who may do what, order and cover, the schema."""

import re
from io import BytesIO

import pytest
from django.core.files.storage import storages
from PIL import Image

from listings.models import ListingPhoto
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.listings.factories import ListingFactory
from tests.photos import images
from tests.photos.factories import ListingPhotoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]

Status = ListingPhoto.Status
LIST_URL = "/api/v1/listings/"
VARIANT_NAMES = {"thumb", "medium", "large"}
MEDIA_PREFIX = "http://testserver/media/"


def photos_url(listing) -> str:
    return f"/api/v1/listings/{listing.pk}/photos/"


def photo_url(photo, listing=None) -> str:
    return f"/api/v1/listings/{(listing or photo.listing).pk}/photos/{photo.pk}/"


def order_url(listing) -> str:
    return f"/api/v1/listings/{listing.pk}/photos/order/"


def coloured_jpeg(colour: str, width: int = 800, height: int = 600) -> bytes:
    """A small JPEG; different colours make different files (a listing refuses the same twice)."""
    return images.jpeg(image=images.picture(width, height, colour))


def stored_name(url: str) -> str:
    assert url.startswith(MEDIA_PREFIX), url
    return url.removeprefix(MEDIA_PREFIX)


def expected_thumb(photo: ListingPhoto) -> dict:
    thumb = photo.variants["thumb"]
    storage = storages["default"]
    return {
        "url": f"http://testserver{storage.url(thumb['jpeg'])}",
        "url_webp": f"http://testserver{storage.url(thumb['webp'])}",
        "width": thumb["width"],
        "height": thumb["height"],
    }


@pytest.fixture
def listing():
    return ListingFactory()


@pytest.fixture
def agent_client(api_client, listing):
    api_client.force_authenticate(listing.agent)
    return api_client


@pytest.fixture
def upload(agent_client, listing, django_capture_on_commit_callbacks):
    """POST a photo as the listing's agent; the commit runs the (eager) processing task."""

    def post(content: bytes | None = None, name: str = "photo.jpg", **data):
        content = images.jpeg() if content is None else content
        body = {"image": images.upload(content, name), **data}
        with django_capture_on_commit_callbacks(execute=True):
            return agent_client.post(photos_url(listing), body, format="multipart")

    return post


# --- uploading ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_agent_uploads_a_photo_and_gets_it_back_ready_with_three_sizes(
    api_client, photo_storage
):
    # A real commit, as in production: the eager task runs before the response is written.
    listing = ListingFactory()
    api_client.force_authenticate(listing.agent)

    response = api_client.post(
        photos_url(listing),
        {"image": images.upload(images.jpeg(800, 600)), "caption": "Sunny kitchen"},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    photo = ListingPhoto.objects.get(listing=listing)
    assert body["id"] == photo.pk
    assert body["caption"] == "Sunny kitchen"
    assert body["status"] == "ready" == photo.status
    assert (body["width"], body["height"]) == (800, 600)
    assert (body["position"], body["is_cover"], body["failure_reason"]) == (0, False, "")
    assert set(body["variants"]) == VARIANT_NAMES
    sizes = {name: (v["width"], v["height"]) for name, v in body["variants"].items()}
    # Never enlarged: an 800 px original gives 800 px medium and large.
    assert sizes == {"thumb": (400, 300), "medium": (800, 600), "large": (800, 600)}
    for name, variant in body["variants"].items():
        assert set(variant) == {"url", "url_webp", "width", "height"}
        assert re.fullmatch(
            rf"{MEDIA_PREFIX}listings/{listing.pk}/{photo.pk}/{name}-\w+\.jpeg", variant["url"]
        )
        assert re.fullmatch(
            rf"{MEDIA_PREFIX}listings/{listing.pk}/{photo.pk}/{name}-\w+\.webp", variant["url_webp"]
        )
        for url, pillow_format in ((variant["url"], "JPEG"), (variant["url_webp"], "WEBP")):
            with storages["default"].open(stored_name(url)) as file:
                image = Image.open(BytesIO(file.read()))
            assert image.format == pillow_format
            assert image.size == (variant["width"], variant["height"])
    # The original is kept privately, not under the public media.
    assert storages["private"].exists(photo.original.name)
    assert not storages["default"].exists(photo.original.name)
    assert len(photo_storage.files()) == 7


def test_an_upload_without_a_caption_has_an_empty_one(upload):
    response = upload()

    assert response.status_code == 201
    assert response.json()["caption"] == ""


def test_a_second_upload_goes_after_the_first(upload):
    first = upload(coloured_jpeg("red")).json()
    second = upload(coloured_jpeg("blue")).json()

    assert (first["position"], second["position"]) == (0, 1)


def test_the_same_file_twice_on_a_listing_is_refused(upload):
    content = coloured_jpeg("green")
    assert upload(content).status_code == 201

    response = upload(content)

    assert response.status_code == 400
    assert response.json() == {"image": ["This photo is already on this listing."]}
    assert ListingPhoto.objects.count() == 1


BAD_FILES = {
    # id: (settings to lower, file content maker, upload name, part of the message)
    "zero bytes": ({}, lambda: b"", "empty.jpg", "empty"),
    "HTML named .jpg": ({}, images.html_as_jpeg, "page.jpg", "not a photo we can use"),
    "PNG with HTML after it": ({}, images.png_with_html, "poly.png", "hidden after the picture"),
    "over PHOTO_MAX_BYTES": (
        {"PHOTO_MAX_BYTES": 1_000_000},
        lambda: images.oversized(1_000_000),
        "huge.jpg",
        "larger than 1 MB",
    ),
    "over PHOTO_MAX_PIXELS": (
        {"PHOTO_MAX_PIXELS": 1_000_000},
        lambda: images.jpeg(1200, 1000),
        "big.jpg",
        "too many pixels: at most 1 megapixels",
    ),
}


@pytest.mark.parametrize(
    ("overrides", "make", "name", "message"), BAD_FILES.values(), ids=BAD_FILES.keys()
)
def test_a_bad_file_is_refused_with_a_message_and_nothing_is_stored(
    settings, upload, photo_storage, overrides, make, name, message
):
    for setting, value in overrides.items():
        setattr(settings, setting, value)

    response = upload(make(), name)

    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["image"]
    assert len(body["image"]) == 1
    assert message in body["image"][0]
    assert not ListingPhoto.objects.exists()
    assert photo_storage.files() == []


def test_a_listing_full_of_photos_refuses_another(settings, upload, listing, photo_storage):
    settings.PHOTOS_PER_LISTING = 1
    assert upload(coloured_jpeg("red")).status_code == 201
    files_before = photo_storage.files()

    response = upload(coloured_jpeg("blue"))

    assert response.status_code == 400
    assert response.json() == {"image": ["A listing has at most 1 photos."]}
    assert listing.photos.count() == 1
    assert photo_storage.files() == files_before


def test_a_post_without_an_image_is_refused(agent_client, listing, photo_storage):
    response = agent_client.post(photos_url(listing), {"caption": "No file"}, format="multipart")

    assert response.status_code == 400
    assert list(response.json()) == ["image"]
    assert not ListingPhoto.objects.exists()
    assert photo_storage.files() == []


def test_a_too_long_caption_is_refused_before_anything_is_stored(upload, photo_storage):
    response = upload(caption="x" * 201)

    assert response.status_code == 400
    assert list(response.json()) == ["caption"]
    assert not ListingPhoto.objects.exists()
    assert photo_storage.files() == []


# --- who may do what --------------------------------------------------------------------


@pytest.fixture
def listed_photo(listing):
    """A ready photo on the listing; the tests below check it is left exactly as it is."""
    return ListingPhotoFactory(listing=listing, ready=True, caption="Mine", position=0)


def _every_write(client, listing, photo) -> dict[str, int]:
    return {
        "upload": client.post(
            photos_url(listing), {"image": images.upload(images.jpeg())}, format="multipart"
        ).status_code,
        "change": client.patch(photo_url(photo), {"caption": "Hijacked"}).status_code,
        "delete": client.delete(photo_url(photo)).status_code,
        "order": client.post(order_url(listing), {"photos": [photo.pk]}).status_code,
    }


def _assert_nothing_changed(listing, photo, photo_storage, files_before):
    assert list(listing.photos.values_list("pk", "caption", "position", "is_cover")) == [
        (photo.pk, "Mine", 0, False)
    ]
    assert photo_storage.files() == files_before


def test_another_agent_gets_404_for_every_write(api_client, listing, listed_photo, photo_storage):
    files_before = photo_storage.files()
    api_client.force_authenticate(AgentFactory())

    statuses = _every_write(api_client, listing, listed_photo)

    assert statuses == {"upload": 404, "change": 404, "delete": 404, "order": 404}
    _assert_nothing_changed(listing, listed_photo, photo_storage, files_before)


def test_a_buyer_gets_403_for_every_write(api_client, listing, listed_photo, photo_storage):
    files_before = photo_storage.files()
    api_client.force_authenticate(BuyerFactory())

    statuses = _every_write(api_client, listing, listed_photo)

    assert statuses == {"upload": 403, "change": 403, "delete": 403, "order": 403}
    _assert_nothing_changed(listing, listed_photo, photo_storage, files_before)


def test_anonymous_gets_401_for_every_write(api_client, listing, listed_photo, photo_storage):
    files_before = photo_storage.files()

    statuses = _every_write(api_client, listing, listed_photo)

    assert statuses == {"upload": 401, "change": 401, "delete": 401, "order": 401}
    _assert_nothing_changed(listing, listed_photo, photo_storage, files_before)


def test_an_agent_cannot_reach_a_photo_through_another_listing_of_their_own(agent_client, listing):
    # Their own listing in the URL, someone else's photo id: the photo is not found there.
    theirs = ListingPhotoFactory(ready=True, caption="Theirs")

    change = agent_client.patch(photo_url(theirs, listing=listing), {"caption": "Hijacked"})
    delete = agent_client.delete(photo_url(theirs, listing=listing))

    assert (change.status_code, delete.status_code) == (404, 404)
    theirs.refresh_from_db()
    assert theirs.caption == "Theirs"


# --- reading ----------------------------------------------------------------------------


@pytest.fixture
def mixed_photos(listing):
    """Two ready photos out of id order, a pending one and a failed one."""
    second = ListingPhotoFactory(listing=listing, ready=True, position=2)
    first = ListingPhotoFactory(listing=listing, ready=True, position=1)
    pending = ListingPhotoFactory(listing=listing, position=0)
    failed = ListingPhotoFactory(
        listing=listing, position=3, status=Status.FAILED, failure_reason="Not a photo."
    )
    return {"first": first, "second": second, "pending": pending, "failed": failed}


@pytest.mark.parametrize("who", ["anonymous", "buyer", "other agent"])
def test_others_see_only_the_ready_photos_of_an_active_listing_in_order(
    api_client, listing, mixed_photos, who
):
    if who != "anonymous":
        api_client.force_authenticate(BuyerFactory() if who == "buyer" else AgentFactory())

    response = api_client.get(photos_url(listing))

    assert response.status_code == 200
    assert [photo["id"] for photo in response.json()] == [
        mixed_photos["first"].pk,
        mixed_photos["second"].pk,
    ]
    assert {photo["status"] for photo in response.json()} == {"ready"}


def test_the_agent_also_sees_pending_and_failed_photos_with_the_reason(
    agent_client, listing, mixed_photos
):
    response = agent_client.get(photos_url(listing))

    assert response.status_code == 200
    body = {photo["id"]: photo for photo in response.json()}
    assert list(body) == [
        mixed_photos[name].pk for name in ("pending", "first", "second", "failed")
    ]
    failed = body[mixed_photos["failed"].pk]
    assert (failed["status"], failed["failure_reason"]) == ("failed", "Not a photo.")
    assert failed["variants"] == {"thumb": None, "medium": None, "large": None}


@pytest.mark.parametrize("who", ["anonymous", "buyer", "other agent"])
def test_a_draft_listings_photos_are_not_found_by_others(api_client, who):
    draft = ListingFactory(draft=True)
    ListingPhotoFactory(listing=draft, ready=True)
    if who != "anonymous":
        api_client.force_authenticate(BuyerFactory() if who == "buyer" else AgentFactory())

    assert api_client.get(photos_url(draft)).status_code == 404


def test_the_agent_sees_their_draft_listings_photos(api_client):
    draft = ListingFactory(draft=True)
    photo = ListingPhotoFactory(listing=draft, ready=True)
    api_client.force_authenticate(draft.agent)

    response = api_client.get(photos_url(draft))

    assert [item["id"] for item in response.json()] == [photo.pk]


def test_an_unknown_listing_is_not_found(api_client):
    assert api_client.get("/api/v1/listings/999999/photos/").status_code == 404


# --- changing, deleting, ordering -----------------------------------------------------------


def test_the_agent_changes_a_caption_and_a_position(agent_client, listing):
    photo = ListingPhotoFactory(listing=listing, ready=True, position=0)

    response = agent_client.patch(photo_url(photo), {"caption": "Balcony", "position": 4})

    assert response.status_code == 200
    assert (response.json()["caption"], response.json()["position"]) == ("Balcony", 4)
    photo.refresh_from_db()
    assert (photo.caption, photo.position) == ("Balcony", 4)


def test_status_and_variants_cannot_be_forged_through_patch(agent_client, listing):
    photo = ListingPhotoFactory(listing=listing, status=Status.FAILED, failure_reason="Broken.")

    response = agent_client.patch(
        photo_url(photo),
        {"status": "ready", "failure_reason": "", "variants": {"thumb": {}}, "caption": "Ok"},
    )

    assert response.status_code == 200
    photo.refresh_from_db()
    assert (photo.status, photo.failure_reason, photo.variants) == (Status.FAILED, "Broken.", {})
    assert photo.caption == "Ok"


def test_a_negative_position_is_refused(agent_client, listing):
    photo = ListingPhotoFactory(listing=listing, ready=True, position=2)

    response = agent_client.patch(photo_url(photo), {"position": -1})

    assert response.status_code == 400
    assert list(response.json()) == ["position"]


def test_moving_the_cover_keeps_exactly_one(agent_client, listing):
    first, second, third = ListingPhotoFactory.create_batch(3, listing=listing, ready=True)

    def covers():
        return list(listing.photos.filter(is_cover=True).values_list("pk", flat=True))

    assert agent_client.patch(photo_url(first), {"is_cover": True}).json()["is_cover"] is True
    assert covers() == [first.pk]

    response = agent_client.patch(photo_url(third), {"is_cover": True})

    assert response.status_code == 200
    assert response.json()["is_cover"] is True
    assert covers() == [third.pk]

    assert agent_client.patch(photo_url(third), {"is_cover": False}).status_code == 200
    assert covers() == []
    assert second.pk not in covers()


def test_delete_removes_the_row_and_every_file(
    upload, agent_client, listing, photo_storage, django_capture_on_commit_callbacks
):
    kept = upload(coloured_jpeg("red")).json()
    files_of_kept = photo_storage.files()
    gone = upload(coloured_jpeg("blue")).json()
    assert len(photo_storage.files()) == 14  # each: an original, three sizes in two formats

    with django_capture_on_commit_callbacks(execute=True):
        response = agent_client.delete(f"{photos_url(listing)}{gone['id']}/")

    assert response.status_code == 204
    assert list(listing.photos.values_list("pk", flat=True)) == [kept["id"]]
    assert photo_storage.files() == files_of_kept


def test_order_with_every_id_sets_the_new_positions(agent_client, listing):
    photos = [ListingPhotoFactory(listing=listing, ready=True, position=n) for n in range(3)]
    pending = ListingPhotoFactory(listing=listing, position=3)
    new_order = [photos[2].pk, pending.pk, photos[0].pk, photos[1].pk]

    response = agent_client.post(order_url(listing), {"photos": new_order})

    assert response.status_code == 200
    assert [item["id"] for item in response.json()] == new_order
    assert [item["position"] for item in response.json()] == [0, 1, 2, 3]
    assert list(listing.photos.order_by("position").values_list("pk", flat=True)) == new_order


@pytest.mark.parametrize("wrong", ["missing", "foreign", "repeated", "unknown"])
def test_order_refuses_a_list_that_is_not_exactly_the_listings_photos(agent_client, listing, wrong):
    first, second = (ListingPhotoFactory(listing=listing, ready=True, position=n) for n in (0, 1))
    foreign = ListingPhotoFactory(ready=True)
    photo_ids = {
        "missing": [second.pk],
        "foreign": [second.pk, first.pk, foreign.pk],
        "repeated": [second.pk, second.pk, first.pk],
        "unknown": [second.pk, first.pk, 999_999],
    }[wrong]

    response = agent_client.post(order_url(listing), {"photos": photo_ids})

    assert response.status_code == 400
    assert list(response.json()) == ["photos"]
    assert list(listing.photos.values_list("pk", "position")) == [(first.pk, 0), (second.pk, 1)]


# --- photos in listing results --------------------------------------------------------------


def test_listing_detail_lists_the_ready_photos_in_order_with_their_variants(
    api_client, listing, mixed_photos
):
    response = api_client.get(f"{LIST_URL}{listing.pk}/")

    photos = response.json()["photos"]
    assert [photo["id"] for photo in photos] == [
        mixed_photos["first"].pk,
        mixed_photos["second"].pk,
    ]
    for photo in photos:
        assert set(photo["variants"]) == VARIANT_NAMES
        for variant in photo["variants"].values():
            assert variant["url"].startswith(MEDIA_PREFIX)
            assert variant["url"].endswith(".jpeg")
            assert variant["url_webp"].endswith(".webp")


def test_the_agent_sees_only_ready_photos_in_their_listings_detail_too(
    agent_client, listing, mixed_photos
):
    photos = agent_client.get(f"{LIST_URL}{listing.pk}/").json()["photos"]

    assert {photo["status"] for photo in photos} == {"ready"}


def test_a_listing_without_photos_has_an_empty_photos_list(api_client, listing):
    assert api_client.get(f"{LIST_URL}{listing.pk}/").json()["photos"] == []


def _cover_of(api_client, listing):
    results = api_client.get(LIST_URL, {"page_size": 50}).json()["results"]
    return next(result["cover"] for result in results if result["id"] == listing.pk)


def test_list_cover_is_the_chosen_cover_thumb(api_client, listing):
    ListingPhotoFactory(listing=listing, ready=True, position=0)
    chosen = ListingPhotoFactory(listing=listing, ready=True, position=1, is_cover=True)

    cover = _cover_of(api_client, listing)

    assert cover == expected_thumb(chosen)
    assert cover["url"].startswith(MEDIA_PREFIX)


def test_list_cover_falls_back_to_the_first_ready_photo_by_position(api_client, listing):
    ListingPhotoFactory(listing=listing, position=0)  # pending
    later = ListingPhotoFactory(listing=listing, ready=True, position=5)
    first_ready = ListingPhotoFactory(listing=listing, ready=True, position=1)

    assert _cover_of(api_client, listing) == expected_thumb(first_ready)
    assert later.pk != first_ready.pk


@pytest.mark.parametrize("status", [Status.FAILED, Status.PENDING])
def test_a_cover_that_is_not_ready_is_never_the_cover(api_client, listing, status):
    ListingPhotoFactory(listing=listing, position=0, is_cover=True, status=status)
    ready = ListingPhotoFactory(listing=listing, ready=True, position=1)

    assert _cover_of(api_client, listing) == expected_thumb(ready)


def test_list_cover_is_null_without_a_ready_photo(api_client, listing):
    ListingPhotoFactory(listing=listing, status=Status.FAILED, is_cover=True)
    ListingPhotoFactory(listing=listing)
    no_photos = ListingFactory()

    assert _cover_of(api_client, listing) is None
    assert _cover_of(api_client, no_photos) is None


def test_detail_cover_matches_the_list_cover(api_client, listing):
    ListingPhotoFactory(listing=listing, ready=True, position=0)
    chosen = ListingPhotoFactory(listing=listing, ready=True, position=1, is_cover=True)

    detail = api_client.get(f"{LIST_URL}{listing.pk}/").json()

    assert detail["cover"] == _cover_of(api_client, listing) == expected_thumb(chosen)


def test_choosing_a_cover_through_the_api_changes_the_list_cover(agent_client, listing):
    first = ListingPhotoFactory(listing=listing, ready=True, position=0)
    second = ListingPhotoFactory(listing=listing, ready=True, position=1)
    assert _cover_of(agent_client, listing) == expected_thumb(first)

    agent_client.patch(photo_url(second), {"is_cover": True})

    assert _cover_of(agent_client, listing) == expected_thumb(second)


# --- schema --------------------------------------------------------------------------------


@pytest.fixture
def schema(api_client):
    response = api_client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_documents_the_photo_endpoints(schema):
    paths = schema["paths"]
    photos = paths["/api/v1/listings/{listing_id}/photos/"]
    photo = paths["/api/v1/listings/{listing_id}/photos/{id}/"]
    order = paths["/api/v1/listings/{listing_id}/photos/order/"]

    assert set(photos) >= {"get", "post"}
    assert set(photo) >= {"patch", "delete"}
    assert "post" in order
    assert "put" not in photo


def test_schema_photo_upload_is_multipart_with_a_binary_image(schema):
    post = schema["paths"]["/api/v1/listings/{listing_id}/photos/"]["post"]

    content = post["requestBody"]["content"]
    assert list(content) == ["multipart/form-data"]
    request = _resolve(schema, content["multipart/form-data"]["schema"])
    assert request["properties"]["image"] == {**request["properties"]["image"], "format": "binary"}
    assert "image" in request["required"]
    assert "201" in post["responses"]


def test_schema_photo_results_carry_the_variants(schema):
    photo = _resolve(schema, {"$ref": "#/components/schemas/ListingPhoto"})
    variants = _resolve(schema, photo["properties"]["variants"])
    thumb = _resolve(schema, variants["properties"]["thumb"])

    assert set(variants["properties"]) == VARIANT_NAMES
    assert set(thumb["properties"]) == {"url", "url_webp", "width", "height"}
    detail = _resolve(schema, {"$ref": "#/components/schemas/ListingDetail"})
    assert "photos" in detail["properties"]
    assert "cover" in _resolve(schema, {"$ref": "#/components/schemas/ListingList"})["properties"]


def _resolve(schema: dict, node: dict) -> dict:
    """Follow a $ref, or the single $ref of an allOf or oneOf wrapper."""
    for wrapper in ("allOf", "oneOf"):
        if wrapper in node:
            node = next(part for part in node[wrapper] if "$ref" in part)
    if "$ref" in node:
        return schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node
