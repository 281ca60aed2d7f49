"""The private-media view: one access check per request, refusals as 404, three deliveries."""

from urllib.parse import parse_qs, urlsplit

import boto3
import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from moto import mock_aws

from listings.models import ListingPhoto
from listings.selectors import listing_photos_visible_to
from photos import access
from photos.variants import PRIVATE, PUBLIC, stored_outside, variant_payload
from tests.accounts.factories import BuyerFactory
from tests.photos.factories import ListingPhotoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]

NAME = "testing/7/3/thumb-0123456789ab.jpeg"
WEBP_NAME = "testing/7/3/large-0123456789ab.webp"
JPEG_BYTES = b"\xff\xd8\xff\xe0 a jpeg"


@pytest.fixture(autouse=True)
def testing_owner(monkeypatch):
    """An owner whose check lets signed-in users see object 7 and nothing else."""
    monkeypatch.setitem(
        access._checks,
        "testing",
        lambda user, object_id: user.is_authenticated and object_id == 7,
    )


@pytest.fixture
def stored():
    storages[PRIVATE].save(NAME, ContentFile(JPEG_BYTES))
    storages[PRIVATE].save(WEBP_NAME, ContentFile(b"RIFF a webp"))
    return NAME


@pytest.fixture
def user_client(client):
    client.force_login(BuyerFactory())
    return client


def url(name: str) -> str:
    return f"/private-media/{name}"


# --- the registry ------------------------------------------------------------------------


def test_listings_and_renovations_register_their_checks():
    assert {"listings", "renovations"} <= set(access.registered_owners())


def test_an_owner_prefix_is_registered_once_and_plain():
    access.register_private_photos("listings", listing_photos_visible_to)  # the same: harmless
    with pytest.raises(ImproperlyConfigured, match="twice"):
        access.register_private_photos("listings", lambda user, object_id: True)
    for prefix in ("Listings", "listings/drafts", "", "a1"):
        with pytest.raises(ImproperlyConfigured, match="lowercase"):
            access.register_private_photos(prefix, lambda user, object_id: True)


# --- delivery from the storage (the default) ------------------------------------------------


def test_an_allowed_user_gets_the_file_with_private_headers(user_client, stored):
    response = user_client.get(url(stored))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == JPEG_BYTES
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-cache"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert user_client.get(url(WEBP_NAME))["Content-Type"] == "image/webp"


def test_asking_again_is_a_304_after_the_access_check(client, user_client, stored):
    etag = user_client.get(url(stored))["ETag"]

    again = user_client.get(url(stored), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["Cache-Control"] == "private, no-cache"
    user_client.logout()
    assert user_client.get(url(stored), HTTP_IF_NONE_MATCH=etag).status_code == 404


def test_head_works_and_writes_are_refused(user_client, stored):
    assert user_client.head(url(stored)).status_code == 200
    assert user_client.post(url(stored)).status_code == 405


@pytest.mark.parametrize(
    "name",
    [
        "testing/8/3/thumb-0123456789ab.jpeg",  # another object: the check says no
        "testing/7/4/medium-0123456789ab.jpeg",  # allowed, but no such file
    ],
)
def test_refused_or_missing_is_a_404(user_client, stored, name):
    assert user_client.get(url(name)).status_code == 404


def test_the_anonymous_get_a_404(client, stored):
    assert client.get(url(stored)).status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        # Originals keep GPS and the camera: never served, even to someone allowed.
        "testing/7/originals/0123456789abcdef0123456789abcdef.jpg",
        "testing/7/originals/thumb-0123456789ab.jpeg",
        "testing/7/3/../originals/0123456789abcdef0123456789abcdef.jpg",
        "testing/7/3/..%2Foriginals%2F0123456789abcdef0123456789abcdef.jpg",
        "testing/7/3/%2e%2e/%2e%2e/8/3/thumb-0123456789ab.jpeg",
        "testing/7/../8/3/thumb-0123456789ab.jpeg",
        "testing/7/3/thumb-0123456789ab.jpeg/",
        "testing/7/3/thumb-0123456789ab.png",
        "testing/7/3/thumb-0123456789ab.jpeg.html",
        "testing/07/3/thumb-0123456789ab.jpeg",
        "/testing/7/3/thumb-0123456789ab.jpeg",
        "unknown/7/3/thumb-0123456789ab.jpeg",  # no app registered this prefix
        "testing/7/3/original.jpg",
    ],
)
def test_anything_but_a_variant_name_is_a_404(user_client, stored, name):
    storages[PRIVATE].save(
        "testing/7/originals/0123456789abcdef0123456789abcdef.jpg", ContentFile(JPEG_BYTES)
    )
    storages[PRIVATE].save("testing/7/3/original.jpg", ContentFile(JPEG_BYTES))

    assert user_client.get(url(name)).status_code == 404


# --- delivery by nginx ---------------------------------------------------------------------


def test_x_accel_hands_the_file_to_nginx(user_client, client, settings, stored):
    settings.PRIVATE_MEDIA_DELIVERY = "x-accel"
    settings.PRIVATE_MEDIA_ACCEL_PREFIX = "/internal-private/"

    response = user_client.get(url(WEBP_NAME))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/internal-private/{WEBP_NAME}"
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "private, no-cache"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.content == b""
    refused = user_client.get(url("testing/8/3/thumb-0123456789ab.jpeg"))
    assert refused.status_code == 404
    assert not refused.has_header("X-Accel-Redirect")


# --- delivery by a signed URL of S3-compatible storage -------------------------------------


@pytest.fixture
def s3_private_storage(settings, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="walkup-private")
        settings.STORAGES = {
            **settings.STORAGES,
            PRIVATE: {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "walkup-private",
                    "region_name": "us-east-1",
                    "signature_version": "s3v4",
                    "querystring_auth": True,
                },
            },
        }
        yield storages[PRIVATE]


def test_signed_url_redirects_to_a_short_lived_signature(user_client, settings, s3_private_storage):
    settings.PRIVATE_MEDIA_DELIVERY = "signed-url"
    settings.PRIVATE_MEDIA_URL_SECONDS = 120
    s3_private_storage.save(NAME, ContentFile(JPEG_BYTES))

    response = user_client.get(url(NAME))

    assert response.status_code == 302
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    assert location.path.endswith(f"/{NAME}")
    assert query["X-Amz-Expires"] == ["120"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"]
    assert query["X-Amz-Signature"]
    assert requests.get(response["Location"], timeout=5).content == JPEG_BYTES
    unsigned = location._replace(query="").geturl()
    assert requests.get(unsigned, timeout=5).status_code == 403


def test_signed_url_is_never_handed_to_someone_refused(client, settings, s3_private_storage):
    settings.PRIVATE_MEDIA_DELIVERY = "signed-url"
    s3_private_storage.save(NAME, ContentFile(JPEG_BYTES))

    response = client.get(url(NAME))

    assert response.status_code == 404
    assert not response.has_header("Location")


# --- URLs in payloads --------------------------------------------------------------------


def test_urls_follow_the_recorded_storage_without_a_query(django_assert_num_queries):
    entry = {
        "width": 400,
        "height": 300,
        "webp": "listings/1/2/a.webp",
        "jpeg": "listings/1/2/a.jpeg",
    }
    with django_assert_num_queries(0):
        private = variant_payload({"thumb": {**entry, "storage": PRIVATE}}, "thumb")
        public = variant_payload({"thumb": {**entry, "storage": PUBLIC}}, "thumb")
        before = variant_payload({"thumb": entry}, "thumb")  # recorded before private storage

    assert private["url"] == "/private-media/listings/1/2/a.jpeg"
    assert private["url_webp"] == "/private-media/listings/1/2/a.webp"
    assert public["url"] == before["url"] == storages[PUBLIC].url("listings/1/2/a.jpeg")


def test_stored_outside_finds_rows_by_where_their_files_are():
    def photo(*storage_by_variant):
        variants = {}
        for name, storage in zip(("thumb", "medium", "large"), storage_by_variant, strict=False):
            variants[name] = {"width": 1, "height": 1, "webp": "a.webp", "jpeg": "a.jpeg"}
            if storage:
                variants[name]["storage"] = storage
        return ListingPhotoFactory(variants=variants).pk

    before = photo(None, None, None)
    public = photo(PUBLIC, PUBLIC, PUBLIC)
    private = photo(PRIVATE, PRIVATE, PRIVATE)
    half = photo(PRIVATE, PUBLIC)
    empty = photo()
    names = ("thumb", "medium", "large")

    def found(alias):
        return set(
            ListingPhoto.objects.filter(stored_outside(alias, names)).values_list("pk", flat=True)
        )

    assert found(PRIVATE) == {before, public, half}
    assert found(PUBLIC) == {private, half}
    assert empty not in found(PRIVATE) | found(PUBLIC)
