"""The notifications API: my own only, newest first, read marks and email settings."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notifications import services
from notifications.models import Kind, Notification
from tests.accounts.factories import BuyerFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/notifications/"
READ_ALL_URL = f"{LIST_URL}read-all/"
SETTINGS_URL = f"{LIST_URL}settings/"
ME_URL = "/api/v1/me/"


def read_url(notification) -> str:
    return f"{LIST_URL}{notification.pk}/read/"


@pytest.fixture
def me():
    return BuyerFactory()


@pytest.fixture
def client(api_client, me):
    api_client.force_authenticate(me)
    return api_client


def test_i_see_only_my_own_notifications_newest_first(client, me):
    # given
    mine = [NotificationFactory(recipient=me) for _ in range(3)]
    NotificationFactory(recipient=BuyerFactory(), text="Someone else's")
    # when
    response = client.get(LIST_URL)
    # then
    assert response.status_code == 200
    assert [row["id"] for row in response.data["results"]] == [n.pk for n in reversed(mine)]
    assert set(response.data["results"][0]) == {
        "id",
        "kind",
        "text",
        "link",
        "items",
        "created_at",
        "read_at",
    }
    assert response.data["next"] is None


def test_a_gathering_notification_lists_its_items(client, me):
    # given a saved-search alert naming its first new flats
    items = [{"text": "向阳区 2室, ¥42,000", "link": "/listings/7/"}]
    NotificationFactory(recipient=me, text="3 new flats match “Hegang”", items=items)
    # when
    response = client.get(LIST_URL)
    # then
    [row] = response.data["results"]
    assert (row["text"], row["items"]) == ("3 new flats match “Hegang”", items)


def test_the_list_pages_with_a_next_cursor(client, me):
    # given
    mine = [NotificationFactory(recipient=me) for _ in range(3)]
    # when
    first = client.get(LIST_URL, {"page_size": 2})
    second = client.get(first.data["next"])
    # then
    assert [row["id"] for row in first.data["results"]] == [mine[2].pk, mine[1].pk]
    assert "cursor=" in first.data["next"]
    assert [row["id"] for row in second.data["results"]] == [mine[0].pk]
    assert second.data["next"] is None


def test_i_mark_my_own_notification_read(client, me):
    # given
    notification, other = NotificationFactory(recipient=me), NotificationFactory(recipient=me)
    # when
    response = client.post(read_url(notification))
    # then
    assert response.status_code == 200
    assert response.data == {"marked_read": 1}
    notification.refresh_from_db()
    other.refresh_from_db()
    assert notification.read_at is not None
    assert other.read_at is None
    # and marking it again changes nothing
    assert client.post(read_url(notification)).data == {"marked_read": 0}


def test_someone_elses_notification_is_not_found_and_stays_unread(client):
    # given
    theirs = NotificationFactory(recipient=BuyerFactory())
    # when
    response = client.post(read_url(theirs))
    # then
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_i_mark_all_mine_read(client, me):
    # given
    NotificationFactory.create_batch(3, recipient=me)
    theirs = NotificationFactory(recipient=BuyerFactory())
    # when
    response = client.post(READ_ALL_URL)
    # then
    assert response.status_code == 200
    assert response.data == {"marked_read": 3}
    assert not Notification.objects.filter(recipient=me, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_email_settings_are_on_by_default_and_can_be_turned_off(client, me):
    # given / when
    before = client.get(SETTINGS_URL)
    response = client.put(SETTINGS_URL, {"email": {"new_message": False}}, format="json")
    # then
    assert before.status_code == 200
    assert before.data["email"] == dict.fromkeys(Kind.values, True)
    assert response.status_code == 200
    assert response.data["email"]["new_message"] is False
    assert services.email_preferences(me) == {
        **dict.fromkeys(Kind.values, True),
        "new_message": False,
    }
    assert client.get(SETTINGS_URL).data["email"]["new_message"] is False
    # and back on
    client.put(SETTINGS_URL, {"email": {"new_message": True}}, format="json")
    assert services.email_preferences(me)["new_message"] is True


def test_an_unknown_kind_is_refused_naming_the_email_field(client, me):
    # when
    response = client.put(SETTINGS_URL, {"email": {"carrier_pigeon": False}}, format="json")
    # then
    assert response.status_code == 400
    assert "email" in response.data
    assert "carrier_pigeon" in str(response.data["email"])
    assert services.email_preferences(me)["new_message"] is True


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", LIST_URL),
        ("post", "read"),
        ("post", READ_ALL_URL),
        ("get", SETTINGS_URL),
        ("put", SETTINGS_URL),
    ],
)
def test_anonymous_visitors_are_refused(api_client, method, url):
    # given
    notification = NotificationFactory()
    if url == "read":
        url = read_url(notification)
    # when
    response = getattr(api_client, method)(url, {}, format="json")
    # then
    assert response.status_code == 401
    notification.refresh_from_db()
    assert notification.read_at is None


def test_me_counts_unread_notifications_and_the_count_goes_down(client, me):
    # given
    first, _second = NotificationFactory.create_batch(2, recipient=me)
    NotificationFactory(recipient=BuyerFactory())
    assert client.get(ME_URL).data["unread_notifications"] == 2
    # when
    client.post(read_url(first))
    # then
    assert client.get(ME_URL).data["unread_notifications"] == 1
    client.post(READ_ALL_URL)
    assert client.get(ME_URL).data["unread_notifications"] == 0


def test_the_list_runs_the_same_queries_for_5_and_50_per_page(
    client, me, django_assert_num_queries
):
    # given
    NotificationFactory.create_batch(60, recipient=me)
    with CaptureQueriesContext(connection) as small:
        response = client.get(LIST_URL, {"page_size": 5})
    assert len(response.data["results"]) == 5
    # when / then
    with django_assert_num_queries(len(small)):
        response = client.get(LIST_URL, {"page_size": 50})
    assert len(response.data["results"]) == 50
    assert len(small) <= 2
    print(f"API list queries at page_size 5 and 50: {len(small)}")
