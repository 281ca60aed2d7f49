"""The agent's reviews page, the buyer's review form, the agent's answer, and the agent card."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from reviews import services
from reviews.models import Review
from tests.accounts.factories import AgentFactory, BuyerFactory, SuperuserFactory
from tests.listings.factories import ListingFactory
from tests.purchases.factories import PurchaseFactory
from tests.reviews.factories import ReviewFactory, completed_purchase, done_viewing, reviews_of

pytestmark = pytest.mark.django_db


def new_review_url(**source) -> str:
    [(basis, source_id)] = source.items()
    return f"{reverse('reviews:new')}?{basis}={source_id}"


# --- the agent's page -----------------------------------------------------------------------


def test_anyone_reads_an_agents_visible_reviews_with_answers(client):
    listing = ListingFactory()
    answered, hidden = reviews_of(listing, 2)
    services.review_answer(review=answered, by=listing.agent, text="感谢信任，祝您住得舒服。")
    services.review_hide(review=hidden, by=SuperuserFactory(), reason="含有电话号码")

    page = client.get(reverse("reviews:agent", args=[listing.agent_id])).content.decode()

    assert answered.text in page
    assert "感谢信任，祝您住得舒服。" in page
    assert hidden.text not in page
    assert "★ 4.0" in page
    assert "1 review" in page


def test_the_author_sees_their_hidden_review_marked_with_the_reason(client):
    hidden = ReviewFactory()
    services.review_hide(review=hidden, by=SuperuserFactory(), reason="含有电话号码")
    client.force_login(hidden.author)

    page = client.get(reverse("reviews:agent", args=[hidden.agent_id])).content.decode()

    assert hidden.text in page
    assert "Hidden by Walkup staff: 含有电话号码" in page
    assert "No reviews yet" in page  # the figures leave it out for the author too


def test_a_buyer_is_not_an_agent_with_reviews(client):
    assert client.get(reverse("reviews:agent", args=[BuyerFactory().pk])).status_code == 404
    assert client.get(reverse("reviews:agent", args=[10**12])).status_code == 404


def test_the_page_offers_the_buyer_what_they_may_still_review(client):
    purchase = completed_purchase()
    viewing = done_viewing(buyer=purchase.buyer, listing=ListingFactory(agent=purchase.agent))
    reviewed = done_viewing(buyer=purchase.buyer, listing=viewing.listing)
    ReviewFactory(viewing=reviewed)
    client.force_login(purchase.buyer)

    page = client.get(reverse("reviews:agent", args=[purchase.agent_id])).content.decode()

    assert new_review_url(purchase=purchase.pk) in page
    assert new_review_url(viewing=viewing.pk) in page
    assert new_review_url(viewing=reviewed.pk) not in page


@pytest.mark.parametrize("count", [3, 25])
@pytest.mark.parametrize("viewer", ["anonymous", "buyer", "agent"])
def test_the_page_costs_the_same_whatever_its_length(
    client, django_assert_num_queries, count, viewer
):
    listing = ListingFactory()
    reviews_of(listing, count)
    expected = {
        # the agent; their rating (cold cache); the count; one page of reviews with their authors
        "anonymous": 4,
        # a session and its user first; unread messages and notifications; then what they may
        # still review (purchases, viewings)
        "buyer": 10,
        # the agent answers from this page: their unanswered reviews carry a form (no query)
        "agent": 8,
    }[viewer]
    if viewer != "anonymous":
        client.force_login(BuyerFactory() if viewer == "buyer" else listing.agent)
    cache.clear()

    with django_assert_num_queries(expected):
        response = client.get(reverse("reviews:agent", args=[listing.agent_id]))

    assert len(response.context["page"].object_list) == min(count, 20)


# --- writing a review -----------------------------------------------------------------------


def test_the_buyer_writes_a_review_from_their_completed_purchase(client):
    purchase = completed_purchase()
    client.force_login(purchase.buyer)
    page = client.get(purchase.get_absolute_url()).content.decode()
    assert new_review_url(purchase=purchase.pk) in page

    response = client.post(
        new_review_url(purchase=purchase.pk), {"rating": "5", "text": "全程视频，很靠谱。"}
    )

    review = Review.objects.get()
    assert response.status_code == 302
    assert response["Location"] == review.get_absolute_url()
    assert (review.rating, review.text, review.purchase) == (5, "全程视频，很靠谱。", purchase)
    page = client.get(purchase.get_absolute_url()).content.decode()
    assert "You gave 5 stars." in page


def test_a_refused_review_comes_back_with_what_was_typed(client):
    purchase = completed_purchase()
    client.force_login(purchase.buyer)

    response = client.post(new_review_url(purchase=purchase.pk), {"text": "没选星级的评价"})

    assert response.status_code == 400
    assert "没选星级的评价" in response.content.decode()
    assert "rating" in response.context["form"].errors
    assert not Review.objects.exists()


def test_a_purchase_in_progress_shows_no_form_and_takes_no_review(client):
    purchase = PurchaseFactory()
    client.force_login(purchase.buyer)

    page = client.get(new_review_url(purchase=purchase.pk))
    client.post(new_review_url(purchase=purchase.pk), {"rating": "5", "text": "太早了"})

    assert "once the purchase is complete" in page.content.decode()
    assert "Publish the review" not in page.content.decode()
    assert not Review.objects.exists()
    assert (
        new_review_url(purchase=purchase.pk)
        not in client.get(purchase.get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize("who", ["agent", "stranger"])
def test_others_get_a_404_for_someone_elses_purchase_or_viewing(client, who):
    purchase = completed_purchase()
    viewing = done_viewing()
    client.force_login(purchase.agent if who == "agent" else BuyerFactory())

    for url in (new_review_url(purchase=purchase.pk), new_review_url(viewing=viewing.pk)):
        assert client.get(url).status_code == 404
        assert client.post(url, {"rating": "5", "text": "x"}).status_code == 404
    assert not Review.objects.exists()


def test_the_form_needs_a_purchase_or_viewing_and_a_log_in(client):
    purchase = completed_purchase()
    assert client.get(new_review_url(purchase=purchase.pk)).status_code == 302  # to log in
    client.force_login(purchase.buyer)
    assert client.get(reverse("reviews:new")).status_code == 404
    assert client.get(f"{reverse('reviews:new')}?purchase=abc").status_code == 404


def test_a_second_visit_goes_to_the_review_already_written(client):
    viewing = done_viewing()
    review = ReviewFactory(viewing=viewing)
    client.force_login(viewing.buyer)

    response = client.get(new_review_url(viewing=viewing.pk))

    assert response["Location"] == review.get_absolute_url()


def test_a_done_viewing_on_the_viewings_page_links_to_its_review(client):
    viewing = done_viewing()
    client.force_login(viewing.buyer)

    page = client.get(reverse("viewings:list")).content.decode()

    assert new_review_url(viewing=viewing.pk) in page


# --- the agent's answer ---------------------------------------------------------------------


def test_the_agent_answers_from_their_page_once(client):
    review = ReviewFactory()
    client.force_login(review.agent)
    url = reverse("reviews:answer", args=[review.pk])

    refused = client.post(url, {f"answer-{review.pk}-answer": ""})
    response = client.post(url, {f"answer-{review.pk}-answer": "谢谢您的信任。"})
    again = client.post(url, {f"answer-{review.pk}-answer": "再答一次"})

    review.refresh_from_db()
    assert refused.status_code == 400
    assert response.status_code == 302
    assert review.answer == "谢谢您的信任。"
    assert again.status_code == 400
    assert "再答一次" in again.content.decode()  # kept in the form with the refusal


@pytest.mark.parametrize("who", ["author", "other_agent", "anonymous"])
def test_nobody_else_answers(client, who):
    review = ReviewFactory()
    if who != "anonymous":
        client.force_login(review.author if who == "author" else AgentFactory())

    response = client.post(
        reverse("reviews:answer", args=[review.pk]), {f"answer-{review.pk}-answer": "谢谢"}
    )

    review.refresh_from_db()
    assert response.status_code == (302 if who == "anonymous" else 404)
    assert not review.is_answered


# --- the agent card on the listing page -----------------------------------------------------


def test_the_listing_page_shows_the_agents_average_and_count(client):
    listing = ListingFactory()
    reviews_of(listing, 1, rating=5)
    reviews_of(listing, 1, rating=4)

    page = client.get(listing.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "★ 4.5" in page
    assert "2 reviews" in page
    assert reverse("reviews:agent", args=[listing.agent_id]) in page


def test_the_agents_page_reads_in_chinese(client):
    review = ReviewFactory(rating=5)

    page = client.get(
        reverse("reviews:agent", args=[review.agent_id]), HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()

    assert "1 条评价" in page
    assert "视频看房" in page
