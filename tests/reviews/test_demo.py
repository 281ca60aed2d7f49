"""load_demo's reviews of agent1: a few, one answered, one hidden, made once."""

from io import StringIO

import pytest
from django.core.management import call_command

from purchases.models import Purchase
from reviews.models import Review
from reviews.selectors import agent_rating

pytestmark = pytest.mark.django_db


def test_the_demo_reviews_agent1_once():
    call_command("load_demo", stdout=StringIO())
    first = list(Review.objects.order_by("id").values_list("id", "answer", "hidden_reason"))
    call_command("load_demo", stdout=StringIO())

    reviews = Review.objects.order_by("id")
    assert list(reviews.values_list("id", "answer", "hidden_reason")) == first
    assert len(first) == 3
    assert {review.agent.username for review in reviews} == {"agent1"}
    assert sum(1 for review in reviews if review.is_answered) == 1
    assert sum(1 for review in reviews if review.is_hidden) == 1
    assert {review.purchase_id is None for review in reviews} == {True, False}
    assert (
        Purchase.objects.filter(agent__username="agent1", status=Purchase.Status.COMPLETED).count()
        == 2
    )
    rating = agent_rating(reviews[0].agent_id)
    assert (rating.average, rating.count) == (4.5, 2)
