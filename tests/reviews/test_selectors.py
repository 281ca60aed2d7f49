"""The agent's average and count: visible reviews only, one decimal, cached and refreshed."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser

from reviews import services
from reviews.selectors import agent_rating, reviews_of_agent
from tests.accounts.factories import BuyerFactory, SuperuserFactory
from tests.listings.factories import ListingFactory
from tests.reviews.factories import ReviewFactory, done_viewing, reviews_of

pytestmark = pytest.mark.django_db


def test_an_agent_without_reviews_has_no_average():
    listing = ListingFactory()

    rating = agent_rating(listing.agent_id)

    assert (rating.average, rating.count) == (None, 0)


def test_the_average_has_one_decimal_and_counts_only_this_agents_visible_reviews():
    listing = ListingFactory()
    for stars in (5, 4, 4):
        reviews_of(listing, 1, rating=stars)
    hidden = reviews_of(listing, 1, rating=1)[0]
    hidden.hidden_at, hidden.hidden_reason = hidden.created_at, "spam"
    hidden.save()
    ReviewFactory(rating=1)  # another agent's

    rating = agent_rating(listing.agent_id)

    assert (rating.average, rating.count) == (Decimal("4.3"), 3)


def test_the_cached_rating_changes_when_a_review_is_written_or_hidden(django_assert_num_queries):
    viewing = done_viewing()
    agent_id = viewing.agent_id
    assert agent_rating(agent_id).count == 0
    with django_assert_num_queries(0):
        agent_rating(agent_id)

    written = services.review_create(by=viewing.buyer, viewing=viewing, rating=3, text="还行")
    assert (agent_rating(agent_id).average, agent_rating(agent_id).count) == (Decimal("3.0"), 1)

    services.review_hide(review=written, by=SuperuserFactory(), reason="spam")
    assert agent_rating(agent_id).count == 0

    services.review_show(review=written, by=SuperuserFactory())
    assert agent_rating(agent_id).count == 1


def test_a_hidden_review_is_listed_for_its_author_only():
    listing = ListingFactory()
    shown, hidden = reviews_of(listing, 2)
    services.review_hide(review=hidden, by=SuperuserFactory(), reason="spam")

    def listed(viewer):
        return set(reviews_of_agent(listing.agent, viewer=viewer))

    assert listed(AnonymousUser()) == {shown}
    assert listed(BuyerFactory()) == {shown}
    assert listed(listing.agent) == {shown}
    assert listed(hidden.author) == {shown, hidden}
