"""The notifications pages: the list, opening one, reading all, the badge and email settings."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import services
from notifications.models import Notification
from tests.accounts.factories import BuyerFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

LIST = reverse("notifications:list")
READ_ALL = reverse("notifications:read_all")
SETTINGS = reverse("notifications:settings")


def open_url(notification) -> str:
    return reverse("notifications:open", args=[notification.pk])


@pytest.fixture
def me():
    return BuyerFactory()


@pytest.fixture
def logged_in(client, me):
    client.force_login(me)
    return client


def test_the_list_shows_my_notifications_not_others(logged_in, me):
    # given
    NotificationFactory(recipient=me, text="Jing Chen: yes, still for sale")
    NotificationFactory(recipient=BuyerFactory(), text="Someone else's news")
    # when
    response = logged_in.get(LIST)
    # then
    assert response.status_code == 200
    assert "Jing Chen: yes, still for sale" in response.content.decode()
    assert "Someone else&#x27;s news" not in response.content.decode()
    assert "Someone else's news" not in response.content.decode()


def test_a_gathering_notification_shows_its_items_as_links(logged_in, me):
    # given a saved-search alert naming its first new flats
    NotificationFactory(
        recipient=me,
        text="2 new flats match “Hegang”",
        link="/listings/?city=hegang",
        items=[
            {"text": "向阳区 2室, ¥42,000", "link": "/listings/7/"},
            {"text": "工农区 1室, ¥31,000", "link": "/listings/9/"},
        ],
    )
    # when
    page = logged_in.get(LIST).content.decode()
    # then
    assert "2 new flats match “Hegang”" in page
    assert '<a href="/listings/7/">向阳区 2室, ¥42,000</a>' in page
    assert '<a href="/listings/9/">工农区 1室, ¥31,000</a>' in page


@pytest.mark.parametrize("url", [LIST, SETTINGS])
def test_the_pages_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_opening_a_notification_marks_it_read_and_follows_its_link(logged_in, me):
    # given
    notification = NotificationFactory(recipient=me, link="/inbox/7/")
    # when
    response = logged_in.post(open_url(notification))
    # then
    assert response.status_code == 302
    assert response["Location"] == "/inbox/7/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_an_outside_link_is_not_followed(logged_in, me):
    # given
    notification = NotificationFactory(recipient=me, link="https://evil.example/phish")
    # when
    response = logged_in.post(open_url(notification))
    # then
    assert response["Location"] == LIST


def test_someone_elses_notification_is_not_found(logged_in):
    # given
    theirs = NotificationFactory(recipient=BuyerFactory())
    # when
    response = logged_in.post(open_url(theirs))
    # then
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_read_all_marks_only_mine_read(logged_in, me):
    # given
    NotificationFactory.create_batch(2, recipient=me)
    theirs = NotificationFactory(recipient=BuyerFactory())
    # when
    response = logged_in.post(READ_ALL)
    # then
    assert response.status_code == 302
    assert response["Location"] == LIST
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_header_shows_the_unread_badge(logged_in, me):
    # given
    NotificationFactory.create_batch(3, recipient=me)
    NotificationFactory(recipient=BuyerFactory())
    # when
    page = logged_in.get(SETTINGS).content.decode()
    # then
    assert 'class="badge badge-unread"' in page
    assert "3 unread notifications" in page
    # and after reading them, no badge
    logged_in.post(READ_ALL)
    assert "badge-unread" not in logged_in.get(SETTINGS).content.decode()


def test_settings_show_a_ticked_checkbox_per_kind(logged_in):
    # when
    response = logged_in.get(SETTINGS)
    # then
    assert response.status_code == 200
    field = response.context["form"]["new_message"]
    assert field.value() is True
    assert 'type="checkbox" name="new_message"' in response.content.decode()
    assert "checked" in str(field)


def test_unticking_and_saving_turns_the_email_off(logged_in, me):
    # when the form is sent with the box unticked (a browser still sends the CSRF token)
    response = logged_in.post(SETTINGS, {"csrfmiddlewaretoken": "token"})
    # then
    assert response.status_code == 302
    assert response["Location"] == SETTINGS
    assert services.email_preferences(me)["new_message"] is False
    assert "checked" not in str(logged_in.get(SETTINGS).context["form"]["new_message"])
    # and ticking it again turns it back on
    logged_in.post(SETTINGS, {"csrfmiddlewaretoken": "token", "new_message": "on"})
    assert services.email_preferences(me)["new_message"] is True


@pytest.mark.parametrize("name", ["open", "read_all"])
def test_the_post_endpoints_refuse_a_get(logged_in, me, name):
    # given
    notification = NotificationFactory(recipient=me)
    url = open_url(notification) if name == "open" else READ_ALL
    # when
    response = logged_in.get(url)
    # then
    assert response.status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_list_runs_the_same_queries_for_3_and_40_notifications(
    logged_in, me, django_assert_num_queries
):
    # given
    NotificationFactory.create_batch(3, recipient=me)
    with CaptureQueriesContext(connection) as few:
        assert logged_in.get(LIST).status_code == 200
    NotificationFactory.create_batch(37, recipient=me)
    # when / then
    with django_assert_num_queries(len(few)):
        response = logged_in.get(LIST)
    assert len(response.context["page"].object_list) == 30
    print(f"/notifications/ queries for 3 and 40 notifications: {len(few)}")
