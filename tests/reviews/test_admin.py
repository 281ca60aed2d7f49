"""Moderators hide reviews in the admin with a reason, and show them again; nobody else sees them."""

import pytest
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission
from django.urls import reverse

from reviews.models import Review
from tests.accounts.factories import SuperuserFactory, UserFactory
from tests.reviews.factories import ReviewFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:reviews_review_changelist")


def hide(client, reviews, **extra):
    return client.post(
        CHANGELIST,
        {
            "action": "hide",
            helpers.ACTION_CHECKBOX_NAME: [review.pk for review in reviews],
            **extra,
        },
    )


def test_a_moderator_hides_with_a_reason_asked_on_a_second_page(client):
    reviews = [ReviewFactory(), ReviewFactory()]
    moderator = SuperuserFactory()
    client.force_login(moderator)

    asked = hide(client, reviews)
    refused = hide(client, reviews, apply="1", reason="  ")
    done = hide(client, reviews, apply="1", reason="广告内容")

    assert asked.status_code == refused.status_code == 200
    assert "Why hide them" in asked.content.decode()
    assert refused.context["form"].errors
    assert done.status_code == 302
    assert set(Review.objects.values_list("hidden_reason", "hidden_by")) == {
        ("广告内容", moderator.pk)
    }


def test_a_moderator_shows_a_review_again(client):
    review = ReviewFactory(hidden_reason="spam", hidden_at="2026-01-01T00:00:00Z")
    client.force_login(SuperuserFactory())

    client.post(CHANGELIST, {"action": "show", helpers.ACTION_CHECKBOX_NAME: [review.pk]})

    review.refresh_from_db()
    assert not review.is_hidden


def test_staff_given_the_permission_moderate(client):
    review = ReviewFactory()
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="hide_review"))
    client.force_login(staff)

    assert client.get(CHANGELIST).status_code == 200
    hide(client, [review], apply="1", reason="spam")

    review.refresh_from_db()
    assert review.is_hidden


@pytest.mark.parametrize("who", ["agent", "staff"])
def test_agents_and_other_staff_see_no_reviews_in_the_admin(client, who):
    """Agents are staff too (they work in the admin); their reviews are not theirs to moderate."""
    review = ReviewFactory()
    client.force_login(review.agent if who == "agent" else UserFactory(is_staff=True))

    assert client.get(CHANGELIST).status_code == 403
    assert client.get(reverse("admin:reviews_review_change", args=[review.pk])).status_code == 403
    hide(client, [review], apply="1", reason="I do not like it")

    review.refresh_from_db()
    assert not review.is_hidden
