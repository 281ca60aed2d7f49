"""Who may review an agent, once; the agent's one answer; staff hiding; the notifications."""

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from notifications.models import Kind, Notification
from purchases.models import Purchase
from reviews import services
from reviews.models import Review
from tests.accounts.factories import BuyerFactory, SuperuserFactory, UserFactory
from tests.purchases.factories import PurchaseFactory
from tests.reviews.factories import ReviewFactory, completed_purchase, done_viewing
from tests.viewings.factories import ViewingFactory
from viewings.models import Viewing

pytestmark = pytest.mark.django_db

TEXT = "回复很快，材料都提前准备好了。Quick answers, papers ready in advance."


def review(by, **source):
    return services.review_create(by=by, rating=5, text=TEXT, **source)


# --- who may review -------------------------------------------------------------------------


def test_the_buyer_of_a_completed_purchase_reviews_its_agent():
    purchase = completed_purchase()

    written = review(purchase.buyer, purchase=purchase)

    assert written.agent == purchase.agent
    assert written.author == purchase.buyer
    assert written.listing == purchase.listing
    assert (written.rating, written.text) == (5, TEXT)


def test_a_purchase_is_reviewed_once():
    purchase = completed_purchase()
    review(purchase.buyer, purchase=purchase)

    with pytest.raises(ValidationError) as refused:
        review(purchase.buyer, purchase=purchase)

    assert "purchase" in refused.value.message_dict
    assert Review.objects.count() == 1


@pytest.mark.parametrize("accepted", [False, True], ids=["proposed", "active"])
def test_a_purchase_not_completed_gives_no_review(accepted):
    purchase = PurchaseFactory(accepted=accepted)

    with pytest.raises(ValidationError) as refused:
        review(purchase.buyer, purchase=purchase)

    assert "purchase" in refused.value.message_dict
    assert not Review.objects.exists()


def test_an_abandoned_purchase_gives_no_review():
    purchase = PurchaseFactory()
    Purchase.objects.filter(pk=purchase.pk).update(status=Purchase.Status.ABANDONED)
    purchase.refresh_from_db()

    with pytest.raises(ValidationError):
        review(purchase.buyer, purchase=purchase)


def test_a_stranger_cannot_review_someone_elses_purchase():
    purchase = completed_purchase()

    with pytest.raises(PermissionDenied):
        review(BuyerFactory(), purchase=purchase)

    assert not Review.objects.exists()


def test_the_agent_cannot_review_themselves_through_their_purchase():
    purchase = completed_purchase()

    with pytest.raises(PermissionDenied):
        review(purchase.agent, purchase=purchase)


def test_a_viewing_row_with_the_agent_as_buyer_gives_no_review():
    viewing = done_viewing()
    Viewing.objects.filter(pk=viewing.pk).update(buyer=viewing.agent)
    viewing.refresh_from_db()

    with pytest.raises(PermissionDenied):
        review(viewing.agent, viewing=viewing)


def test_the_buyer_of_a_done_video_viewing_reviews_its_agent_once():
    viewing = done_viewing()

    written = review(viewing.buyer, viewing=viewing)
    with pytest.raises(ValidationError) as refused:
        review(viewing.buyer, viewing=viewing)

    assert written.agent == viewing.agent
    assert written.viewing == viewing
    assert "viewing" in refused.value.message_dict


@pytest.mark.parametrize("status", [s for s in Viewing.Status.values if s != Viewing.Status.DONE])
def test_a_viewing_not_done_gives_no_review(status):
    viewing = ViewingFactory(status=status)

    with pytest.raises(ValidationError) as refused:
        review(viewing.buyer, viewing=viewing)

    assert "viewing" in refused.value.message_dict


def test_a_review_names_one_purchase_or_one_viewing():
    purchase = completed_purchase()
    viewing = done_viewing(buyer=purchase.buyer, listing=purchase.listing)

    with pytest.raises(ValidationError):
        review(purchase.buyer)
    with pytest.raises(ValidationError):
        review(purchase.buyer, purchase=purchase, viewing=viewing)


def test_an_inactive_buyer_cannot_review():
    purchase = completed_purchase()
    purchase.buyer.is_active = False
    purchase.buyer.save()

    with pytest.raises(PermissionDenied):
        review(purchase.buyer, purchase=purchase)


@pytest.mark.parametrize("rating", [0, 6, -1, "5", True, None])
def test_the_rating_is_a_whole_number_from_1_to_5(rating):
    viewing = done_viewing()

    with pytest.raises(ValidationError) as refused:
        services.review_create(by=viewing.buyer, viewing=viewing, rating=rating, text=TEXT)

    assert "rating" in refused.value.message_dict


@pytest.mark.parametrize("text", ["", "   \n ", "字" * 2001])
def test_the_text_is_required_and_not_too_long(text):
    viewing = done_viewing()

    with pytest.raises(ValidationError) as refused:
        services.review_create(by=viewing.buyer, viewing=viewing, rating=3, text=text)

    assert "text" in refused.value.message_dict


def test_the_database_refuses_a_second_review_of_one_purchase_and_a_rating_out_of_range():
    first = ReviewFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewFactory(viewing=first.viewing)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewFactory(rating=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewFactory(rating=0)


def test_the_agent_is_told_of_a_new_review_in_their_language():
    purchase = completed_purchase()
    purchase.agent.language = "zh-hans"
    purchase.agent.save()

    written = review(purchase.buyer, purchase=purchase)

    notification = Notification.objects.get(recipient=purchase.agent, kind=Kind.REVIEW_NEW)
    assert "5/5" in notification.text
    assert purchase.listing.title in notification.text
    assert notification.link == written.get_absolute_url()
    assert "给您打了" in notification.text


# --- the agent's answer ---------------------------------------------------------------------


def test_the_agent_answers_once_and_the_buyer_is_told():
    written = review((viewing := done_viewing()).buyer, viewing=viewing)

    answered = services.review_answer(review=written, by=viewing.agent, text="  谢谢您！  ")
    with pytest.raises(ValidationError) as refused:
        services.review_answer(review=written, by=viewing.agent, text="再说一次")

    answered.refresh_from_db()
    assert answered.answer == "谢谢您！"
    assert answered.answered_at is not None
    assert "answer" in refused.value.message_dict
    assert (
        Notification.objects.filter(recipient=viewing.buyer, kind=Kind.REVIEW_ANSWER).count() == 1
    )


@pytest.mark.parametrize("who", ["author", "other_agent", "superuser"])
def test_only_the_reviewed_agent_answers(who):
    written = ReviewFactory()
    by = {
        "author": written.author,
        "other_agent": UserFactory(role="agent"),
        "superuser": SuperuserFactory(),
    }[who]

    with pytest.raises(PermissionDenied):
        services.review_answer(review=written, by=by, text="谢谢")

    written.refresh_from_db()
    assert not written.is_answered


def test_an_answer_is_required_and_a_hidden_review_takes_none():
    written = ReviewFactory()
    with pytest.raises(ValidationError):
        services.review_answer(review=written, by=written.agent, text="  ")
    services.review_hide(review=written, by=SuperuserFactory(), reason="广告")

    with pytest.raises(ValidationError):
        services.review_answer(review=written, by=written.agent, text="谢谢")


# --- hiding ---------------------------------------------------------------------------------


def test_staff_hide_with_a_reason_and_show_again():
    written = ReviewFactory()
    moderator = SuperuserFactory()

    with pytest.raises(ValidationError) as no_reason:
        services.review_hide(review=written, by=moderator, reason=" ")
    hidden = services.review_hide(review=written, by=moderator, reason="含有电话号码")
    with pytest.raises(ValidationError):
        services.review_hide(review=written, by=moderator, reason="again")

    assert "reason" in no_reason.value.message_dict
    assert (hidden.hidden_reason, hidden.hidden_by, hidden.is_hidden) == (
        "含有电话号码",
        moderator,
        True,
    )

    shown = services.review_show(review=written, by=moderator)
    assert not shown.is_hidden
    assert shown.hidden_reason == ""


def test_staff_with_the_permission_moderate_and_other_staff_do_not():
    written = ReviewFactory()
    staff = UserFactory(is_staff=True)
    with pytest.raises(PermissionDenied):
        services.review_hide(review=written, by=staff, reason="spam")
    with pytest.raises(PermissionDenied):
        services.review_hide(review=written, by=written.agent, reason="I do not like it")

    staff.user_permissions.add(Permission.objects.get(codename="hide_review"))
    staff = type(staff).objects.get(pk=staff.pk)  # permissions are cached on the object
    services.review_hide(review=written, by=staff, reason="spam")

    written.refresh_from_db()
    assert written.is_hidden
