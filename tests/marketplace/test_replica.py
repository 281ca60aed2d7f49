"""The read replica: who reads from it, read-your-writes, falling back, and never a write."""

import logging

import pytest
from django.db import DatabaseError, OperationalError, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from knox.models import AuthToken

from listings.models import Listing
from marketplace import replica
from tests.accounts.factories import BuyerFactory
from tests.listings.factories import ListingFactory

# Committed rows, so the replica's own connection (a mirror of the test database) sees them.
pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "replica"])


@pytest.fixture
def replica_alias(settings, monkeypatch):
    """The router on, over the tests' "replica" alias (tests/conftest.py), checked on every
    read; the mirror is the primary, so its lag is what each test says (0 unless it says)."""
    settings.DATABASE_ROUTERS = ["marketplace.replica.ReplicaRouter"]
    settings.REPLICA_CHECK_SECONDS = 0
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda: 0.0)
    replica.reset_state()
    yield
    replica.reset_state()


def replica_queries(client, url, **extra) -> tuple[int, int, object]:
    """(queries on the replica, queries on the primary, response) of one GET."""
    with (
        CaptureQueriesContext(connections["replica"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get(url, **extra)
    assert response.status_code == 200
    return len(on_replica), len(on_primary), response


@pytest.fixture
def listing():
    return ListingFactory()


def test_an_anonymous_search_reads_from_the_replica(client, replica_alias, listing):
    on_replica, on_primary, response = replica_queries(client, reverse("listings:search"))

    assert on_replica > 0
    assert on_primary == 0
    assert response.wsgi_request.served_by_replica is True


@pytest.mark.parametrize(
    "url",
    [
        lambda listing: reverse("home"),
        lambda listing: reverse("listings:detail", args=[listing.pk]),
        lambda listing: reverse("listing-list"),
        lambda listing: reverse("listing-detail", args=[listing.pk]),
    ],
    ids=["home", "listing page", "API search", "API listing"],
)
def test_every_public_page_and_the_public_api_read_from_the_replica(
    client, replica_alias, listing, url
):
    on_replica, _on_primary, _response = replica_queries(client, url(listing))

    assert on_replica > 0


def test_a_signed_in_buyer_reads_from_the_primary(client, replica_alias, listing):
    client.force_login(BuyerFactory())

    on_replica, on_primary, _response = replica_queries(client, reverse("listings:search"))

    assert on_replica == 0
    assert on_primary > 0


def test_an_api_client_with_a_token_reads_from_the_primary(client, replica_alias, listing):
    _token, key = AuthToken.objects.create(BuyerFactory())

    on_replica, _on_primary, _response = replica_queries(
        client, reverse("listing-list"), HTTP_AUTHORIZATION=f"Token {key}"
    )

    assert on_replica == 0


def test_pages_not_on_the_list_read_from_the_primary(client, replica_alias):
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        client.get(reverse("login"))

    assert len(on_replica) == 0


def test_who_just_wrote_reads_from_the_primary_until_the_window_ends(
    client, replica_alias, listing, settings
):
    response = client.post(reverse("set_language"), {"language": "en"})
    assert replica.WROTE_COOKIE in response.cookies

    on_replica, on_primary, _response = replica_queries(client, reverse("listings:search"))
    assert (on_replica, on_primary > 0) == (0, True)

    settings.READ_YOUR_WRITES_SECONDS = -1  # the window is over
    on_replica, _on_primary, _response = replica_queries(client, reverse("listings:search"))
    assert on_replica > 0


def test_a_forged_read_your_writes_cookie_counts_for_nothing(client, replica_alias, listing):
    client.cookies[replica.WROTE_COOKIE] = "1"

    on_replica, _on_primary, _response = replica_queries(client, reverse("listings:search"))

    assert on_replica > 0


def test_replica_down_reads_go_to_the_primary_with_one_log_line(
    client, replica_alias, listing, monkeypatch, caplog
):
    def down():
        raise OperationalError("connection refused")

    monkeypatch.setattr(replica, "replica_lag_seconds", down)

    with caplog.at_level(logging.WARNING, logger="marketplace.replica"):
        for _request in range(3):
            on_replica, on_primary, response = replica_queries(client, reverse("listings:search"))
            assert (on_replica, on_primary > 0) == (0, True)

    assert response.wsgi_request.served_by_replica is False
    assert [record.getMessage() for record in caplog.records] == [
        "Read replica down (OperationalError: connection refused): reads go to the primary."
    ]


def test_a_lagging_replica_is_left_alone_until_it_catches_up(
    client, replica_alias, listing, monkeypatch, settings, caplog
):
    settings.REPLICA_MAX_LAG_SECONDS = 5
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda: 12.0)

    with caplog.at_level(logging.WARNING, logger="marketplace.replica"):
        on_replica, _on_primary, _response = replica_queries(client, reverse("listings:search"))
        assert on_replica == 0

        monkeypatch.setattr(replica, "replica_lag_seconds", lambda: 0.5)
        on_replica, _on_primary, _response = replica_queries(client, reverse("listings:search"))
        assert on_replica > 0

    assert [record.getMessage() for record in caplog.records] == [
        "Read replica 12.0 s behind: reads go to the primary.",
        "Read replica back: public reads go to it again.",
    ]


def test_the_replica_is_checked_at_most_every_few_seconds(replica_alias, monkeypatch, settings):
    settings.REPLICA_CHECK_SECONDS = 60
    checks = []
    monkeypatch.setattr(replica, "replica_lag_seconds", lambda: checks.append(1) or 0.0)

    for _read in range(5):
        assert replica.replica_usable() is True

    assert len(checks) == 1


def test_writes_never_go_to_the_replica_even_inside_a_replica_read(replica_alias, listing):
    router = replica.ReplicaRouter()
    token = replica._replica_reads.set(True)
    try:
        assert router.db_for_read(Listing) == "replica"
        assert router.db_for_write(Listing) == "default"
        with CaptureQueriesContext(connections["replica"]) as on_replica:
            Listing.objects.filter(pk=listing.pk).update(title="Changed")
            ListingFactory(agent=listing.agent, city=listing.city)
    finally:
        replica._replica_reads.reset(token)

    assert not [query for query in on_replica if not query["sql"].startswith("SELECT")]
    assert Listing.objects.using("default").get(pk=listing.pk).title == "Changed"


def test_no_migration_runs_on_the_replica():
    router = replica.ReplicaRouter()

    assert router.allow_migrate("replica", "listings") is False
    assert router.allow_migrate("default", "listings") is True


def test_a_post_on_a_public_page_reads_from_the_primary(client, replica_alias, listing):
    """A form posted to a page on the list (whatever it does) is no anonymous read."""
    with CaptureQueriesContext(connections["replica"]) as on_replica:
        client.post(reverse("listings:search"))

    assert len(on_replica) == 0


@pytest.mark.postgres
def test_a_primary_named_as_replica_is_refused():
    """The lag query asks PostgreSQL whether it replays WAL: the tests' mirror is a primary."""
    with pytest.raises(DatabaseError, match="no replica"):
        replica.replica_lag_seconds()


@pytest.mark.parametrize(
    "url", [lambda listing: reverse("listings:search"), lambda listing: reverse("listing-list")]
)
def test_a_replica_lost_mid_request_answers_from_the_primary(
    client, replica_alias, listing, monkeypatch, caplog, url
):
    """Stopped between two checks: the read that finds it gone is answered all the same."""
    replica_connection = connections["replica"]

    def gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(replica_connection, "ensure_connection", gone)

    with caplog.at_level(logging.WARNING, logger="marketplace.replica"):
        response = client.get(url(listing))

    assert response.status_code == 200
    assert response.wsgi_request.served_by_replica is True  # it tried
    assert "failed mid-request" in caplog.records[0].getMessage()
