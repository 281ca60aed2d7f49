"""Anonymous search answers from the cache (listings.search_cache): a hit runs no query, the
answer is the same as computed, and no change made through the services is ever missed."""

import logging
import re
import time
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client, RequestFactory

from listings import search_cache, services
from listings.models import Listing, ListingProof
from photos import pipeline as photo_pipeline
from tests.accounts.factories import AgentFactory, BuyerFactory, UserFactory
from tests.listings.factories import CityFactory, DistrictFactory, ListingFactory
from tests.photos import images
from tests.photos.factories import ListingPhotoFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]

API = "/api/v1/listings/"
PAGE = "/listings/"
# Headers every answer gets per request, whether from the cache or not.
PER_REQUEST_HEADERS = {"date", "x-request-id", "content-length", "set-cookie"}


@pytest.fixture(autouse=True)
def search_cache_on(settings):
    settings.SEARCH_CACHE_SECONDS = 300


@pytest.fixture
def cities():
    hegang = DistrictFactory(city=CityFactory(slug="hegang"))
    jixi = DistrictFactory(city=CityFactory(slug="jixi"))
    return hegang, jixi


@pytest.fixture
def flat(cities):
    return ListingFactory(district=cities[0], title="Sunny walk-up", price=46_000)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service as a request does: its transaction commits, its after-commit work runs."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


def api_ids(params=None) -> list[int]:
    response = Client().get(API, params or {})
    assert response.status_code == 200
    return [row["id"] for row in response.json()["results"]]


def api_rows(params=None) -> dict[int, dict]:
    return {row["id"]: row for row in Client().get(API, params or {}).json()["results"]}


def page_text(params=None) -> str:
    response = Client().get(PAGE, params or {})
    assert response.status_code == 200
    return response.content.decode()


def warm(params):
    """Both doors' answers for these parameters, now in the cache."""
    api_ids(params)
    page_text(params)


# --- hits --------------------------------------------------------------------------------


def test_an_anonymous_api_search_is_answered_from_the_cache_without_a_query(
    flat, django_assert_num_queries
):
    first = Client().get(API, {"city": "hegang"})
    with django_assert_num_queries(0):
        second = Client().get(API, {"city": "hegang"})

    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == "application/json"


def test_equivalent_parameters_share_one_answer(flat, django_assert_num_queries):
    Client().get(API, {"city": "hegang", "rooms": "2"})
    with django_assert_num_queries(0):
        response = Client().get(f"{API}?rooms=2&q=&ordering=-published_at&page_size=20&city=hegang")

    assert [row["id"] for row in response.json()["results"]] == [flat.pk]


@pytest.mark.parametrize(
    "query",
    ["city=hegang&utm_source=ad", "city=hegang&city=jixi", "rooms=x"],
    ids=["unknown parameter", "repeated parameter", "invalid value"],
)
def test_unknown_repeated_or_invalid_parameters_are_not_cached(flat, query):
    first = Client().get(f"{API}?{query}")
    request = RequestFactory().get(f"{API}?{query}")
    found = search_cache.cache_key(request, "api")

    assert found is None or cache.get(found[0]) is None
    assert Client().get(f"{API}?{query}").status_code == first.status_code


def test_signed_in_searches_are_never_served_nor_stored(flat, api_client, client):
    buyer = BuyerFactory()
    api_client.force_authenticate(buyer)
    api_client.get(API)
    client.force_login(buyer)
    client.get(PAGE)

    assert "is_favorite" in api_client.get(API).json()["results"][0]
    assert not [key for key in cache._cache if ":search:api:" in key or ":search:web:" in key]


def test_the_api_answer_in_another_language_is_kept_apart(flat, django_assert_num_queries):
    english = Client().get(API, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]
    chinese = Client().get(API, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["results"][0]

    assert english["city"]["name"] == flat.city.name
    assert chinese["city"]["name"] == flat.city.name_zh


@pytest.mark.parametrize("url", [f"{API}?city=hegang", f"{PAGE}?city=hegang"])
def test_a_hit_has_the_headers_of_a_computed_answer(flat, url):
    computed = Client().get(url)
    hit = Client().get(url)

    def headers(response):
        return {k.lower(): v for k, v in response.items() if k.lower() not in PER_REQUEST_HEADERS}

    assert headers(hit) == headers(computed)
    assert "content-security-policy" in headers(hit)


def test_a_cached_search_page_gives_each_visitor_a_working_csrf_token(flat):
    page_text({"city": "hegang"})
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get(PAGE, {"city": "hegang"}).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    assert search_cache.CSRF_PLACEHOLDER not in page
    response = visitor.post("/i18n/setlang/", {"language": "en", "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_the_search_page_is_answered_from_the_cache(flat, django_assert_num_queries):
    first = page_text({"city": "hegang"})
    with django_assert_num_queries(0):
        second = page_text({"city": "hegang", "district": ""})

    assert flat.title in second
    strip_token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert strip_token.sub("", second) == strip_token.sub("", first)


def test_a_search_page_with_errors_is_not_stored(flat):
    page_text({"price_min": "9", "price_max": "1"})

    assert not [key for key in cache._cache if ":search:web:" in key]


# --- never stale: every service that changes what search shows ---------------------------


def test_a_new_listing_shows_at_once(cities, committed):
    agent = AgentFactory()
    warm({"city": "hegang"})
    warm({})
    listing = committed(
        services.listing_create,
        by=agent,
        data={**_listing_data(cities[0]), "status": Listing.Status.ACTIVE},
    )

    assert api_ids({"city": "hegang"}) == [listing.pk]
    assert api_ids() == [listing.pk]
    assert listing.title in page_text({"city": "hegang"})


def _listing_data(district) -> dict:
    return {
        "title": "Brand new listing",
        "city": district.city,
        "district": district,
        "community_name": "矿工小区",
        "street_address": "红旗路 1号",
        "price": 39_000,
        "area_m2": 50,
        "rooms": 2,
        "floor": 3,
        "total_floors": 6,
        "has_elevator": False,
        "heating": Listing.Heating.CENTRAL,
        "heating_fee_per_m2": 28,
        "condition": Listing.Condition.NEEDS_RENOVATION,
        "year_built": 1990,
        "description": "A flat.",
        "has_ownership_certificate": True,
    }


def test_a_price_change_shows_at_once(flat, committed):
    warm({"city": "hegang"})
    warm({})
    committed(services.listing_update, listing=flat, by=flat.agent, data={"price": 41_000})

    assert api_rows({"city": "hegang"})[flat.pk]["price"] == 41_000
    assert api_rows()[flat.pk]["price_cut_recently"] is True
    assert "¥41,000" in page_text({"city": "hegang"})


def test_a_withdrawn_listing_leaves_at_once(flat, committed):
    warm({"city": "hegang"})
    warm({})
    committed(
        services.listing_set_status, listing=flat, by=flat.agent, status=Listing.Status.WITHDRAWN
    )

    assert api_ids({"city": "hegang"}) == []
    assert api_ids() == []
    assert flat.title not in page_text({"city": "hegang"})


def test_a_listing_moved_to_another_city_leaves_the_old_city_and_joins_the_new(
    flat, cities, committed
):
    warm({"city": "hegang"})
    warm({"city": "jixi"})
    committed(
        services.listing_update,
        listing=flat,
        by=flat.agent,
        data={"city": cities[1].city, "district": cities[1]},
    )

    assert api_ids({"city": "hegang"}) == []
    assert api_ids({"city": "jixi"}) == [flat.pk]


def test_a_change_in_another_city_keeps_this_citys_answers(
    flat, cities, committed, django_assert_num_queries
):
    other = ListingFactory(district=cities[1])
    warm({"city": "hegang"})
    warm({})
    committed(services.listing_update, listing=other, by=other.agent, data={"price": 30_000})

    with django_assert_num_queries(0):
        assert api_ids({"city": "hegang"}) == [flat.pk]
    assert api_rows()[other.pk]["price"] == 30_000  # the search of all cities did change


def test_a_new_agent_shows_at_once(flat, committed, settings):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    new_agent = AgentFactory()
    warm({"city": "hegang"})
    committed(services.listing_set_agent, listing=flat, by=superuser, agent=new_agent)

    assert api_rows({"city": "hegang"})[flat.pk]["agent"]["id"] == new_agent.pk


def test_verifying_and_unverifying_show_at_once(flat, committed):
    verifier = UserFactory(is_staff=True)
    verifier.groups.add(Group.objects.get(name="Verifiers"))
    for kind in (ListingProof.Kind.OWNERSHIP_CERTIFICATE, ListingProof.Kind.SELLER_AUTHORISATION):
        committed(
            services.proof_add,
            listing=flat,
            upload=images.upload(images.jpeg(image=images.room(40))),
            kind=kind,
            by=flat.agent,
        )
    warm({"city": "hegang", "verified": "true"})
    committed(services.listing_verify, listing=flat, by=verifier)
    assert api_ids({"city": "hegang", "verified": "true"}) == [flat.pk]

    committed(services.listing_unverify, listing=flat, by=verifier)
    assert api_ids({"city": "hegang", "verified": "true"}) == []


def test_expiry_and_reconfirming_show_at_once(flat, committed):
    Listing.objects.filter(pk=flat.pk).update(confirmed_at=flat.confirmed_at - timedelta(days=90))
    warm({"city": "hegang"})
    assert committed(services.listings_expire_stale) == 1
    assert api_ids({"city": "hegang"}) == []
    assert flat.title not in page_text({"city": "hegang"})

    committed(services.listing_reconfirm, listing=flat, by=flat.agent)
    assert api_ids({"city": "hegang"}) == [flat.pk]


def test_a_photo_made_ready_shows_as_the_cover_at_once(flat, committed):
    warm({"city": "hegang"})
    photo = committed(
        services.photo_add,
        listing=flat,
        upload=images.upload(images.jpeg(image=images.room(60))),
        by=flat.agent,
    )

    assert api_rows({"city": "hegang"})[flat.pk]["cover"] is not None
    assert photo.pk


def test_a_photo_ready_announces_itself_to_listings(flat, django_capture_on_commit_callbacks):
    photo = ListingPhotoFactory(listing=flat)
    api_ids({"city": "hegang"})
    with django_capture_on_commit_callbacks(execute=True):
        photo_pipeline.photo_make_variants(model=type(photo), photo_id=photo.pk)

    assert api_rows({"city": "hegang"})[flat.pk]["cover"] is not None


def test_choosing_ordering_and_deleting_photos_change_the_cover_at_once(flat, committed):
    first, second = ListingPhotoFactory.create_batch(2, listing=flat, ready=True)

    def cover_name():
        cover = api_rows({"city": "hegang"})[flat.pk]["cover"]
        return cover and next(iter(cover.values()))

    start = cover_name()
    committed(services.photo_update, photo=second, by=flat.agent, data={"is_cover": True})
    chosen = cover_name()
    assert chosen != start

    committed(services.photo_update, photo=second, by=flat.agent, data={"is_cover": False})
    committed(services.photos_reorder, listing=flat, by=flat.agent, photo_ids=[second.pk, first.pk])
    assert cover_name() == chosen

    committed(services.photo_delete, photo=second, by=flat.agent)
    assert cover_name() == start


# --- the cache's failures and the replica ---------------------------------------------------


def test_a_failing_cache_fails_open_with_one_log_line(flat, settings, monkeypatch, caplog):
    """Redis down as configured in production: every cache call fails, fast after the first."""
    dead = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    dead_redis = {
        "default": {
            **dead,
            "BACKEND": "django_redis.cache.RedisCache",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "LOG_IGNORED_EXCEPTIONS": False,
                "SOCKET_CONNECT_TIMEOUT": 0.1,
            },
        }
    }
    settings.CACHES = {**settings.CACHES, **dead_redis}
    monkeypatch.setattr(search_cache, "_last_failure_logged", float("-inf"))
    with caplog.at_level(logging.WARNING, logger="listings.search_cache"):
        assert api_ids({"city": "hegang"}) == [flat.pk]
        assert api_ids({"city": "hegang"}) == [flat.pk]
        assert flat.title in page_text({"city": "hegang"})

    assert len([r for r in caplog.records if r.name == "listings.search_cache"]) == 1


def test_a_lost_version_is_put_again_and_never_serves_an_old_answer(flat, committed):
    warm({"city": "hegang"})
    cache.delete(search_cache.version_key("hegang"))
    Listing.objects.filter(pk=flat.pk).update(price=1)  # around the services: only a test does

    assert api_rows({"city": "hegang"})[flat.pk]["price"] == 1


def test_an_answer_from_a_lagging_replica_is_kept_only_under_an_old_enough_version(settings):
    settings.REPLICA_MAX_LAG_SECONDS = 5
    request = RequestFactory().get(API)
    request.served_by_replica = True
    now = time.time_ns()

    assert not search_cache._storable(request, now)
    assert search_cache._storable(request, now - 6 * 10**9)
    request.served_by_replica = False
    assert search_cache._storable(request, now)


def test_a_renamed_city_shows_its_new_name_at_once(flat, committed):
    city = flat.city
    warm({"city": "hegang"})
    warm({})
    city.name = "New Hegang"
    committed(services.city_save, city=city)

    assert "New Hegang" in page_text({"city": "hegang"})
    assert "New Hegang" in page_text({})


def test_a_city_given_a_new_slug_no_longer_answers_under_the_old_one(flat, committed):
    city = flat.city
    warm({"city": "hegang"})
    city.slug = "hegang-city"
    committed(services.city_save, city=city)

    assert Client().get(API, {"city": "hegang"}).status_code == 400
    assert api_ids({"city": "hegang-city"}) == [flat.pk]
