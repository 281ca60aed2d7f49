"""The reviews API: an agent's list, writing a review, the agent's answer, and the listing's
`agent_rating`."""

import pytest
from django.core.cache import cache

from reviews import services
from reviews.models import Review
from tests.accounts.factories import AgentFactory, BuyerFactory, SuperuserFactory
from tests.listings.factories import ListingFactory
from tests.purchases.factories import PurchaseFactory
from tests.reviews.factories import ReviewFactory, completed_purchase, done_viewing, reviews_of

pytestmark = pytest.mark.django_db

REVIEWS = "/api/v1/reviews/"


def agent_reviews(agent_id) -> str:
    return f"/api/v1/agents/{agent_id}/reviews/"


# --- writing --------------------------------------------------------------------------------


def test_the_buyer_reviews_the_agent_of_their_completed_purchase(api_client):
    purchase = completed_purchase()
    api_client.force_authenticate(purchase.buyer)

    response = api_client.post(
        REVIEWS, {"purchase": purchase.pk, "rating": 4, "text": "手续清楚。"}, format="json"
    )
    again = api_client.post(
        REVIEWS, {"purchase": purchase.pk, "rating": 5, "text": "再评一次"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["agent"], body["rating"], body["basis"], body["hidden"]) == (
        purchase.agent_id,
        4,
        "purchase",
        False,
    )
    assert again.status_code == 400
    assert "purchase" in again.json()
    assert Review.objects.count() == 1


def test_the_buyer_reviews_after_a_done_viewing(api_client):
    viewing = done_viewing()
    api_client.force_authenticate(viewing.buyer)

    response = api_client.post(
        REVIEWS, {"viewing": viewing.pk, "rating": 3, "text": "视频看得很仔细。"}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["basis"] == "viewing"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rating": 9, "text": "好"}, "rating"),
        ({"rating": 4, "text": ""}, "text"),
        ({"rating": 4}, "text"),
        ({"rating": 4, "text": "字" * 2001}, "text"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(api_client, body, field):
    purchase = completed_purchase()
    api_client.force_authenticate(purchase.buyer)

    response = api_client.post(REVIEWS, {"purchase": purchase.pk, **body}, format="json")

    assert response.status_code == 400
    assert field in response.json()


def test_a_purchase_in_progress_is_a_400_on_purchase(api_client):
    purchase = PurchaseFactory()
    api_client.force_authenticate(purchase.buyer)

    response = api_client.post(
        REVIEWS, {"purchase": purchase.pk, "rating": 5, "text": "太早"}, format="json"
    )

    assert response.status_code == 400
    assert "complete" in response.json()["purchase"][0]


def test_neither_or_both_sources_is_a_400(api_client):
    purchase = completed_purchase()
    viewing = done_viewing(buyer=purchase.buyer)
    api_client.force_authenticate(purchase.buyer)

    neither = api_client.post(REVIEWS, {"rating": 5, "text": "好"}, format="json")
    both = api_client.post(
        REVIEWS,
        {"purchase": purchase.pk, "viewing": viewing.pk, "rating": 5, "text": "好"},
        format="json",
    )

    assert neither.status_code == both.status_code == 400
    assert "purchase" in neither.json()
    assert "purchase" in both.json()


@pytest.mark.parametrize("who", ["agent", "stranger"])
def test_someone_elses_purchase_or_viewing_is_unknown(api_client, who):
    purchase = completed_purchase()
    viewing = done_viewing()
    api_client.force_authenticate(purchase.agent if who == "agent" else BuyerFactory())

    by_purchase = api_client.post(
        REVIEWS, {"purchase": purchase.pk, "rating": 1, "text": "x"}, format="json"
    )
    by_viewing = api_client.post(
        REVIEWS, {"viewing": viewing.pk, "rating": 1, "text": "x"}, format="json"
    )
    missing = api_client.post(
        REVIEWS, {"purchase": 10**12, "rating": 1, "text": "x"}, format="json"
    )

    assert by_purchase.status_code == by_viewing.status_code == 400
    unknown = missing.json()["purchase"][0].replace(str(10**12), str(purchase.pk))
    assert by_purchase.json()["purchase"] == [unknown]  # the same words as a missing one
    assert not Review.objects.exists()


def test_writing_needs_a_log_in(api_client):
    purchase = completed_purchase()

    response = api_client.post(
        REVIEWS, {"purchase": purchase.pk, "rating": 5, "text": "好"}, format="json"
    )

    assert response.status_code == 401


# --- answering ------------------------------------------------------------------------------


def test_the_agent_answers_once(api_client):
    review = ReviewFactory()
    api_client.force_authenticate(review.agent)
    url = f"{REVIEWS}{review.pk}/answer/"

    empty = api_client.post(url, {"answer": ""}, format="json")
    first = api_client.post(url, {"answer": "谢谢！"}, format="json")
    second = api_client.post(url, {"answer": "再谢"}, format="json")

    assert empty.status_code == 400
    assert "answer" in empty.json()
    assert first.status_code == 200
    assert first.json()["answer"] == "谢谢！"
    assert second.status_code == 400
    assert "answer" in second.json()


@pytest.mark.parametrize("who", ["author", "other_agent", "superuser"])
def test_others_answering_get_a_404(api_client, who):
    review = ReviewFactory()
    api_client.force_authenticate(
        {"author": review.author, "other_agent": AgentFactory(), "superuser": SuperuserFactory()}[
            who
        ]
    )

    response = api_client.post(f"{REVIEWS}{review.pk}/answer/", {"answer": "嗯"}, format="json")

    assert response.status_code == 404
    review.refresh_from_db()
    assert not review.is_answered


def test_a_hidden_review_cannot_be_answered(api_client):
    review = ReviewFactory()
    services.review_hide(review=review, by=SuperuserFactory(), reason="spam")
    api_client.force_authenticate(review.agent)

    response = api_client.post(f"{REVIEWS}{review.pk}/answer/", {"answer": "嗯"}, format="json")

    assert response.status_code == 404


# --- reading --------------------------------------------------------------------------------


def test_anyone_reads_the_visible_reviews_and_the_author_their_hidden_one(api_client):
    listing = ListingFactory()
    shown, hidden = reviews_of(listing, 2)
    services.review_hide(review=hidden, by=SuperuserFactory(), reason="含有电话号码")

    anonymous = api_client.get(agent_reviews(listing.agent_id)).json()["results"]
    api_client.force_authenticate(hidden.author)
    author = api_client.get(agent_reviews(listing.agent_id)).json()["results"]

    assert [r["id"] for r in anonymous] == [shown.pk]
    assert anonymous[0]["hidden_reason"] == ""
    by_id = {r["id"]: r for r in author}
    assert set(by_id) == {shown.pk, hidden.pk}
    assert (by_id[hidden.pk]["hidden"], by_id[hidden.pk]["hidden_reason"]) == (True, "含有电话号码")


def test_a_buyers_id_is_not_an_agent_with_reviews(api_client):
    assert api_client.get(agent_reviews(BuyerFactory().pk)).status_code == 404


@pytest.mark.parametrize("count", [2, 30])
def test_the_list_costs_the_same_whatever_its_length(api_client, django_assert_num_queries, count):
    listing = ListingFactory()
    reviews_of(listing, count)

    # the agent; one page of reviews with their authors and flats
    with django_assert_num_queries(2):
        response = api_client.get(agent_reviews(listing.agent_id), {"page_size": 25})

    assert len(response.json()["results"]) == min(count, 25)


def test_the_list_pages_with_a_cursor(api_client):
    listing = ListingFactory()
    reviews = reviews_of(listing, 5)

    first = api_client.get(agent_reviews(listing.agent_id), {"page_size": 3}).json()
    second = api_client.get(first["next"]).json()

    ids = [r["id"] for r in first["results"] + second["results"]]
    assert sorted(ids) == sorted(r.pk for r in reviews)
    assert second["next"] is None


def test_the_listing_detail_carries_the_agents_rating(api_client):
    listing = ListingFactory()
    reviews_of(listing, 1, rating=5)
    reviews_of(listing, 2, rating=4)
    cache.clear()

    rating = api_client.get(f"/api/v1/listings/{listing.pk}/").json()["agent_rating"]

    assert rating["average"] == 4.3
    assert rating["count"] == 3
    assert rating["reviews_url"].endswith(agent_reviews(listing.agent_id))
