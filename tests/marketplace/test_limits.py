"""Quotas counted from stored rows, rates counted in the cache: one refusal with a retry time."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from rest_framework.exceptions import APIException

from accounts.models import User
from marketplace.api import exception_handler
from marketplace.limits import LimitExceeded, check_rate, check_recent_count, try_again_in
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_try_again_in_rounds_up_to_the_unit():
    assert try_again_in(1) == "Try again in 1 second."
    assert try_again_in(59) == "Try again in 59 seconds."
    assert try_again_in(61) == "Try again in 2 minutes."
    assert try_again_in(3601) == "Try again in 2 hours."


def test_recent_count_allows_up_to_the_limit_then_says_when(clock):
    UserFactory.create_batch(3, date_joined=clock.now)
    clock.advance(minutes=10)
    recent = User.objects.all()
    check_recent_count(
        recent, time_field="date_joined", limit=4, window=timedelta(hours=1), message="Full."
    )
    with pytest.raises(LimitExceeded) as refused:
        check_recent_count(
            recent,
            time_field="date_joined",
            limit=4,
            window=timedelta(hours=1),
            message="Full.",
            adding=2,
            field="photos",
        )
    # The oldest leaves the window 50 minutes from now.
    assert refused.value.retry_after == 50 * 60
    assert refused.value.message_dict == {"photos": ["Full. Try again in 50 minutes."]}
    assert isinstance(refused.value, ValidationError)


def test_rows_outside_the_window_do_not_count(clock):
    UserFactory.create_batch(3, date_joined=clock.now)
    clock.advance(hours=1)
    check_recent_count(
        User.objects.all(),
        time_field="date_joined",
        limit=1,
        window=timedelta(hours=1),
        message="Full.",
    )


def test_rate_counts_per_client_address():
    factory = RequestFactory()
    first = factory.post("/", REMOTE_ADDR="203.0.113.7")
    other = factory.post("/", REMOTE_ADDR="203.0.113.8")
    for _ in range(2):
        check_rate(first, group="test", rate="2/h", message="Slow down.")
    with pytest.raises(LimitExceeded) as refused:
        check_rate(first, group="test", rate="2/h", message="Slow down.")
    assert 0 < refused.value.retry_after <= 3600
    check_rate(other, group="test", rate="2/h", message="Slow down.")


def test_api_answers_429_with_retry_after():
    response = exception_handler(LimitExceeded("Slow down.", retry_after=90), {})
    assert response.status_code == 429
    assert response["Retry-After"] == "90"
    assert response.data == {"detail": "Slow down. Try again in 2 minutes.", "retry_after": 90}


def test_other_api_errors_are_untouched():
    response = exception_handler(APIException("boom"), {})
    assert response.status_code == 500
