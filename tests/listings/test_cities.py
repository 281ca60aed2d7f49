"""The search's map of cities by slug (listings.cities): no query once cached, never wrong."""

import pytest

from listings import services
from listings.cities import city_for_slug
from tests.listings.factories import CityFactory, ListingFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/listings/"


def test_a_city_added_after_the_map_was_read_is_found(api_client):
    CityFactory(slug="hegang")
    assert city_for_slug("hegang") is not None

    jixi = CityFactory(slug="jixi")
    listing = ListingFactory(district__city=jixi)

    response = api_client.get(LIST_URL, {"city": "jixi"})

    assert response.status_code == 200
    assert [result["id"] for result in response.json()["results"]] == [listing.pk]


def test_an_unknown_slug_is_still_a_400_naming_city(api_client):
    CityFactory(slug="hegang")

    response = api_client.get(LIST_URL, {"city": "atlantis"})

    assert response.status_code == 400
    assert set(response.json()) == {"city"}


def test_a_city_renamed_through_the_service_leaves_the_map_at_once(
    api_client, django_capture_on_commit_callbacks
):
    city = CityFactory(slug="hegang")
    ListingFactory(district__city=city)
    assert api_client.get(LIST_URL, {"city": "hegang"}).status_code == 200

    city.slug = "hegang-shi"
    with django_capture_on_commit_callbacks(execute=True):
        services.city_save(city=city)

    assert api_client.get(LIST_URL, {"city": "hegang"}).status_code == 400
    assert len(api_client.get(LIST_URL, {"city": "hegang-shi"}).json()["results"]) == 1


def test_a_city_deleted_through_the_service_is_refused(django_capture_on_commit_callbacks):
    city = CityFactory(slug="hegang")
    assert city_for_slug("hegang") == city

    with django_capture_on_commit_callbacks(execute=True):
        services.city_delete(city=city)

    assert city_for_slug("hegang") is None
