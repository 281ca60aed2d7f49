"""Photos seen on another listing: found when a photo is hashed (re-encoded, resized or slightly
cropped copies; not another room), shown to the uploading agent (API and admin) and to staff;
the same flat from several agents shows once in search."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from listings import services
from listings.models import Listing, ListingPhoto, ListingPhotoLookalike
from photos.tasks import process_photo
from tests.accounts.factories import AgentFactory, BuyerFactory, SuperuserFactory, UserFactory
from tests.listings.factories import ListingFactory
from tests.photos import images

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("photo_storage")]


@pytest.fixture
def add(django_capture_on_commit_callbacks):
    def add_photo(listing, content: bytes) -> ListingPhoto:
        with django_capture_on_commit_callbacks(execute=True):
            photo = services.photo_add(
                listing=listing, upload=images.upload(content), by=listing.agent
            )
        photo.refresh_from_db()
        assert photo.status == ListingPhoto.Status.READY
        return photo

    return add_photo


def room(seed=1, **kwargs) -> bytes:
    return images.jpeg(image=images.room(seed), **kwargs)


@pytest.fixture
def first(add):
    listing = ListingFactory(community_name="矿工小区", floor=5, area_m2="52.00")
    return add(listing, room(1, quality=92))


COPIES = {
    "re-encoded": lambda: images.jpeg(image=images.room(1), quality=50),
    "resized": lambda: images.jpeg(image=images.room(1).resize((700, 525)), quality=80),
    "cropped": lambda: images.jpeg(image=images.cropped(images.room(1), 0.02), quality=85),
}


@pytest.mark.parametrize("copy", COPIES)
def test_a_copy_on_another_listing_is_found(first, add, copy):
    other = ListingFactory(community_name="红旗小区", floor=2)

    photo = add(other, COPIES[copy]())

    assert photo.perceptual_hash is not None
    [lookalike] = ListingPhotoLookalike.objects.filter(photo=photo)
    assert lookalike.other == first
    assert lookalike.distance <= 10


def test_another_room_is_not_found(first, add):
    photo = add(ListingFactory(), room(2))

    assert not ListingPhotoLookalike.objects.filter(photo=photo).exists()


def test_a_photo_on_the_same_listing_is_not_a_lookalike(first, add):
    photo = add(first.listing, images.jpeg(image=images.room(1), quality=50))

    assert not ListingPhotoLookalike.objects.filter(photo=photo).exists()


def test_processing_again_records_nothing_new(first, add):
    photo = add(ListingFactory(), images.jpeg(image=images.room(1), quality=60))
    stored_hash = photo.perceptual_hash

    process_photo(photo._meta.label, photo.pk)
    process_photo(photo._meta.label, photo.pk)

    photo.refresh_from_db()
    assert photo.perceptual_hash == stored_hash
    assert ListingPhotoLookalike.objects.filter(photo=photo).count() == 1


def test_a_photo_processed_before_hashes_existed_gets_one_when_its_task_runs(first):
    ListingPhoto.objects.filter(pk=first.pk).update(perceptual_hash=None, hash_band_0=None)

    process_photo(first._meta.label, first.pk)

    first.refresh_from_db()
    assert first.perceptual_hash is not None
    assert first.hash_band_0 is not None


def test_the_agent_is_warned_in_the_api_response(
    api_client, first, django_capture_on_commit_callbacks
):
    other = ListingFactory()
    api_client.force_authenticate(other.agent)

    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(
            f"/api/v1/listings/{other.pk}/photos/",
            {"image": images.upload(images.jpeg(image=images.room(1), quality=55))},
            format="multipart",
        )

    # The photo is hashed once processed (here when the test's transaction "commits", after
    # the response): the photo list, which the app polls for processing, carries the warning.
    assert response.status_code == 201, response.content
    listed = api_client.get(f"/api/v1/listings/{other.pk}/photos/").json()
    assert listed[0]["looks_like"] == [
        {
            "listing": first.listing_id,
            "message": f"This photo looks like one on listing {first.listing_id}.",
        }
    ]


def test_buyers_see_no_lookalikes(api_client, first, add):
    other = ListingFactory()
    add(other, images.jpeg(image=images.room(1), quality=55))
    api_client.force_authenticate(BuyerFactory())

    listed = api_client.get(f"/api/v1/listings/{other.pk}/photos/").json()

    assert listed[0]["looks_like"] == []


def test_a_draft_of_another_agent_is_not_named_to_the_agent(api_client, add):
    draft = ListingFactory(draft=True)
    add(draft, room(1))
    other = ListingFactory()
    add(other, images.jpeg(image=images.room(1), quality=55))
    api_client.force_authenticate(other.agent)

    listed = api_client.get(f"/api/v1/listings/{other.pk}/photos/").json()

    assert ListingPhotoLookalike.objects.count() == 1  # staff still see it
    assert listed[0]["looks_like"] == []


def test_the_agent_is_warned_in_the_admin(client, first, add):
    other = ListingFactory()
    add(other, images.jpeg(image=images.room(1), quality=55))
    other.agent.is_staff = True
    other.agent.save()
    client.force_login(other.agent)

    response = client.get(reverse("admin:listings_listing_change", args=[other.pk]))

    assert f"This photo looks like one on listing {first.listing_id}." in response.text


def test_staff_see_both_listings_side_by_side(client, first, add):
    other = ListingFactory(title="Borrowed photos flat")
    add(other, images.jpeg(image=images.room(1), quality=55))
    verifier = UserFactory(is_staff=True)
    verifier.groups.add(Group.objects.get(name="Verifiers"))
    client.force_login(verifier)

    response = client.get(reverse("admin:listings_listingphotolookalike_changelist"))

    assert response.status_code == 200
    assert first.listing.title in response.text
    assert "Borrowed photos flat" in response.text


@pytest.mark.parametrize("who", ["agent", "staff agent"])
def test_agents_do_not_see_the_possible_duplicates(client, who):
    agent = AgentFactory(is_staff=who == "staff agent")
    client.force_login(agent)

    response = client.get(reverse("admin:listings_listingphotolookalike_changelist"))

    assert response.status_code in (302, 403)


# --- the same flat from several agents ---------------------------------------------------------


@pytest.fixture
def same_flat(first, add):
    """The first listing's flat listed again by another agent, cheaper, with a copy of a photo."""
    again = ListingFactory(
        district=first.listing.district,
        community_name=" 矿工小区",
        floor=5,
        area_m2="51.20",
        price=first.listing.price - 2_000,
    )
    add(again, images.jpeg(image=images.room(1), quality=60))
    again.refresh_from_db()
    return first.listing, again


def test_the_same_flat_is_grouped(same_flat):
    first, again = same_flat
    first.refresh_from_db()

    assert first.same_flat_key == again.same_flat_key == first.pk


@pytest.mark.parametrize(
    "change", [{"floor": 4}, {"area_m2": "53.50"}, {"community_name": "红旗小区"}]
)
def test_a_different_flat_with_a_borrowed_photo_is_not_grouped(first, add, change):
    facts = {"district": first.listing.district, "floor": 5, "area_m2": "52.00"} | change
    other = ListingFactory(**facts)
    add(other, images.jpeg(image=images.room(1), quality=60))

    other.refresh_from_db()
    assert other.same_flat_key is None
    assert ListingPhotoLookalike.objects.filter(photo__listing=other).exists()


def test_the_same_agent_twice_is_not_grouped(first, add):
    again = ListingFactory(agent=first.listing.agent, district=first.listing.district)
    add(again, images.jpeg(image=images.room(1), quality=60))

    again.refresh_from_db()
    assert again.same_flat_key is None


def test_search_shows_the_flat_once_with_the_cheapest_listing(client, api_client, same_flat):
    _first, again = same_flat

    page = client.get(reverse("listings:search"))
    api = api_client.get("/api/v1/listings/").json()["results"]

    assert [listing.pk for listing in page.context["page"].object_list] == [again.pk]
    assert "Also listed by 1 other agent" in page.text
    assert [(row["id"], row["other_agents"]) for row in api] == [(again.pk, 1)]


def test_a_filter_that_excludes_the_cheapest_shows_the_other(api_client, same_flat):
    first, _again = same_flat

    api = api_client.get("/api/v1/listings/", {"price_min": first.price}).json()["results"]

    assert [row["id"] for row in api] == [first.pk]


def test_the_listing_page_names_every_agent(client, same_flat):
    first, again = same_flat

    response = client.get(first.get_absolute_url())

    assert again.agent.display_name in response.text
    assert "Also listed by" in response.text


def test_a_flat_whose_facts_change_leaves_its_group(same_flat):
    _first, again = same_flat

    services.listing_update(listing=again, by=again.agent, data={"floor": 3})

    again.refresh_from_db()
    assert again.same_flat_key is None


def test_search_query_count_is_fixed_with_grouped_flats(
    client, api_client, same_flat, django_assert_num_queries
):
    for _ in range(6):
        ListingFactory()
    for page_size in (2, 20):
        with django_assert_num_queries(1):
            api_client.get("/api/v1/listings/", {"page_size": page_size})


def test_superusers_see_the_possible_duplicates(client, first, add):
    add(ListingFactory(), images.jpeg(image=images.room(1), quality=55))
    client.force_login(SuperuserFactory(is_staff=True))

    response = client.get(reverse("admin:listings_listingphotolookalike_changelist"))

    assert response.status_code == 200
    assert Listing.objects.count() == 2
