"""The beat task: active listings newly matching each saved search, alerted once per listing."""

import random
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import transaction

from alerts import services, tasks
from alerts.models import MatchingMark, SavedSearch, SearchMatch
from listings import services as listing_services
from listings.filters import ListingFilterSet
from listings.models import Listing
from notifications.models import Kind, Notification
from notifications.services import emails_send_due
from tests.accounts.factories import BuyerFactory
from tests.alerts.factories import SavedSearchFactory
from tests.listings.factories import CityFactory, DistrictFactory, ListingFactory

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")
Frequency = SavedSearch.Frequency


def alerted(saved_search) -> set[int]:
    return set(
        SearchMatch.objects.filter(saved_search=saved_search).values_list("listing", flat=True)
    )


def search_match_notifications(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=Kind.SEARCH_MATCH).order_by("id"))


@pytest.fixture(
    params=[
        pytest.param(True, id="in-database", marks=pytest.mark.postgres),
        pytest.param(False, id="in-python"),
    ]
)
def in_database(request, monkeypatch) -> bool:
    """Each way of recording the matches: inside PostgreSQL (one INSERT ... SELECT grouped by
    search), or through Python as on SQLite (also run on PostgreSQL, to compare)."""
    monkeypatch.setattr(services, "_matches_recorded_in_database", lambda: request.param)
    return request.param


# --- against a plain Python filter -----------------------------------------------------


def python_matches(listing: Listing, params: dict[str, str]) -> bool:
    """The search page's filters, written out by hand."""
    words = params.get("q", "").split()
    text = f"{listing.title} {listing.community_name} {listing.description}".lower()
    checks = [
        listing.status == Listing.Status.ACTIVE,
        all(word.lower() in text for word in words),
        "city" not in params or listing.city.slug == params["city"],
        "district" not in params or listing.district_id == int(params["district"]),
        "price_min" not in params or listing.price >= int(params["price_min"]),
        "price_max" not in params or listing.price <= int(params["price_max"]),
        "area_min" not in params or listing.area_m2 >= Decimal(params["area_min"]),
        "area_max" not in params or listing.area_m2 <= Decimal(params["area_max"]),
        "rooms" not in params or listing.rooms == int(params["rooms"]),
        "price_per_m2_max" not in params or listing.price_per_m2 <= int(params["price_per_m2_max"]),
        "floor_max" not in params or listing.floor <= int(params["floor_max"]),
        "has_elevator" not in params or listing.has_elevator == (params["has_elevator"] == "true"),
        "heating" not in params or listing.heating == params["heating"],
        "condition" not in params or listing.condition == params["condition"],
    ]
    return all(checks)


def random_params(rng: random.Random, cities, districts) -> dict[str, str]:
    params = {}
    if rng.random() < 0.7:
        params["city"] = rng.choice(cities).slug
    if rng.random() < 0.2:
        params["district"] = str(rng.choice(districts).pk)
    if rng.random() < 0.6:
        params["price_max"] = str(rng.choice([35_000, 45_000, 55_000, 70_000]))
    if rng.random() < 0.3:
        params["price_min"] = str(rng.choice([20_000, 30_000]))
    if rng.random() < 0.3:
        params["rooms"] = str(rng.randint(1, 3))
    if rng.random() < 0.2:
        params["area_min"] = str(rng.choice([40, 55]))
    if rng.random() < 0.2:
        params["has_elevator"] = rng.choice(["true", "false"])
    if rng.random() < 0.2:
        params["heating"] = rng.choice(["central", "gas_boiler"])
    if rng.random() < 0.15:
        params["floor_max"] = str(rng.randint(2, 5))
    if rng.random() < 0.1:
        params["q"] = rng.choice(["sunny", "南北", "kitchen"])
    if rng.random() < 0.2:
        params["ordering"] = "price"
    return params


def random_listing(rng: random.Random, districts, **fields) -> Listing:
    district = rng.choice(districts)
    total_floors = rng.randint(5, 7)
    return ListingFactory(
        district=district,
        price=rng.randrange(25_000, 75_000, 500),
        area_m2=Decimal(rng.randint(38, 90)),
        rooms=rng.randint(1, 3),
        floor=rng.randint(1, total_floors),
        total_floors=total_floors,
        has_elevator=rng.random() < 0.15,
        heating=rng.choice(["central", "gas_boiler", "electric"]),
        condition=rng.choice(["needs_renovation", "basic", "renovated"]),
        description=rng.choice(["Sunny, 南北通透.", "New kitchen.", "Needs work."]),
        **fields,
    )


def test_alerts_match_a_plain_python_filter_over_varied_data(clock, in_database):
    # Given listings before the searches, searches of every shape, then new and changed listings
    rng = random.Random(6)
    cities = [CityFactory(slug="hegang"), CityFactory(slug="shuangyashan")]
    districts = [DistrictFactory(city=city) for city in cities for _ in range(2)]
    before = [random_listing(rng, districts) for _ in range(20)]
    clock.advance(minutes=1)
    searches = [SavedSearchFactory(params=random_params(rng, cities, districts)) for _ in range(40)]
    searches.append(SavedSearchFactory(params={}))  # everything
    clock.advance(minutes=10)
    new = [random_listing(rng, districts) for _ in range(40)]
    drafts = [random_listing(rng, districts, status="draft", published_at=None) for _ in range(3)]
    cut = before[:5]
    for listing in cut:  # a price cut makes some of them match now
        listing_services.listing_update(listing=listing, by=listing.agent, data={"price": 28_000})
    clock.advance(minutes=1)

    # When the beat task runs
    run = tasks.match_saved_searches.delay().get()

    # Then each search is alerted about exactly the changed active listings it matches
    changed = [Listing.objects.get(pk=listing.pk) for listing in [*new, *drafts, *cut]]
    expected_total, searches_alerted = 0, 0
    for search in searches:
        expected = {listing.pk for listing in changed if python_matches(listing, search.params)}
        assert alerted(search) == expected, search.params
        expected_total += len(expected)
        searches_alerted += bool(expected)
    assert run["matches"] == expected_total
    assert expected_total > 40  # the data really exercises the filters
    # and each search with new flats has one notification saying how many
    assert run["notifications"] == searches_alerted
    assert Notification.objects.filter(kind=Kind.SEARCH_MATCH).count() == searches_alerted
    # and the listings that were there before and did not change are not news
    untouched = {listing.pk for listing in before[5:]}
    assert not untouched & set(SearchMatch.objects.values_list("listing", flat=True))


def test_searches_are_matched_in_few_queries_whatever_their_number(
    clock, in_database, django_assert_num_queries
):
    # Given more changed listings than one UNION query takes, searches with and without
    # keywords (which the FilterSet checks), and a flat matching ten of them
    district = DistrictFactory(city=CityFactory(slug="hegang"))
    for price_max in range(30_000, 30_250, 25):
        SavedSearchFactory(params={"price_max": str(price_max)})
        SavedSearchFactory(params={"price_max": str(price_max), "q": "sunny"})
    clock.advance(minutes=1)
    services.saved_searches_match()  # the first run ever also makes the run mark
    ContentType.objects.get_for_model(SavedSearch)  # cached, as in a worker that has run once
    ListingFactory(district=district, price=30_000, description="Sunny")
    ListingFactory.create_batch(250, district=district, price=60_000)
    clock.advance(minutes=1)

    # aggregate, run mark, changed listings; in PostgreSQL: savepoint, JIT off, the candidates
    # the FilterSet checks, searches to check, 1 FilterSet query, the insert grouped by search;
    # through Python: 2 candidate queries, searches to check, 1 FilterSet query, savepoint,
    # insert; then searches, users, listings, notifications, run mark, release:
    # none per search or per listing
    with django_assert_num_queries(15):
        run = services.saved_searches_match()
    assert (run.changed_listings, run.matches, run.notifications) == (1, 20, 20)


def test_the_filter_columns_never_drop_a_match_the_filterset_finds(clock, in_database):
    """The prefilter by columns and the search page's FilterSet agree, random search by random
    listing: no match lost, and after the FilterSet's check nothing more."""
    rng = random.Random(14)
    cities = [CityFactory(slug="hegang"), CityFactory(slug="jixi")]
    districts = [DistrictFactory(city=city) for city in cities for _ in range(2)]
    searches = []
    for _ in range(200):
        params = random_params(rng, cities, districts)
        params.update(rng.choice([{}, {}, {"area_max": "70"}, {"price_per_m2_max": "900"}]))
        searches.append(SavedSearchFactory(params=params))
    clock.advance(minutes=1)
    listings = [random_listing(rng, districts) for _ in range(200)]
    for listing in listings[:10]:
        Listing.objects.filter(pk=listing.pk).update(verified_at=clock.now)
    clock.advance(minutes=1)

    run = services.saved_searches_match()

    changed = {listing.pk for listing in listings}
    for search in searches:
        filterset = ListingFilterSet(search.params, queryset=Listing.objects.filter(pk__in=changed))
        by_filterset = (
            set(filterset.qs.values_list("pk", flat=True)) if filterset.is_valid() else set()
        )
        assert alerted(search) == by_filterset, search.params
    assert run.candidates >= run.matches > 1_000


@pytest.mark.postgres
def test_both_ways_of_recording_make_the_same_matches_and_notifications(clock, monkeypatch):
    # Given buyers in two languages with instant and daily searches of every shape, listings
    # that changed since, and some pairs an earlier (overlapping) run already recorded
    rng = random.Random(21)
    cities = [CityFactory(slug="hegang"), CityFactory(slug="jixi")]
    districts = [DistrictFactory(city=city) for city in cities for _ in range(2)]
    buyers = [BuyerFactory(language=language) for language in ("en", "zh-hans", "en")]
    searches = [
        SavedSearchFactory(
            user=rng.choice(buyers),
            params=random_params(rng, cities, districts),
            frequency=rng.choice([Frequency.INSTANT, Frequency.DAILY]),
        )
        for _ in range(80)
    ]
    clock.advance(minutes=1)
    listings = [random_listing(rng, districts) for _ in range(60)]
    SearchMatch.objects.bulk_create(
        SearchMatch(saved_search=rng.choice(searches), listing=rng.choice(listings))
        for _ in range(40)
    )
    clock.advance(minutes=1)

    def run_and_roll_back(in_database: bool):
        monkeypatch.setattr(services, "_matches_recorded_in_database", lambda: in_database)
        with transaction.atomic():
            run = services.saved_searches_match()
            matches = set(SearchMatch.objects.values_list("saved_search", "listing", "created_at"))
            notifications = sorted(
                Notification.objects.filter(kind=Kind.SEARCH_MATCH).values_list(
                    "recipient", "subject_id", "text", "link", "items", "group_key", "email_after"
                )
            )
            transaction.set_rollback(True)
        return run, matches, notifications

    # When the run records them inside PostgreSQL, and (rolled back) through Python
    in_database = run_and_roll_back(True)
    in_python = run_and_roll_back(False)

    # Then both make the same matches and the same notifications, word for word
    assert in_database == in_python
    run, _matches, notifications = in_database
    assert run.notifications == len(notifications) > 30
    assert run.candidates > run.matches > 200
    assert any(len(items) == services.ALERT_ITEMS for *_n, items, _g, _e in notifications)


# --- once per listing per search --------------------------------------------------------


@pytest.fixture
def buyer():
    return BuyerFactory(username="li", email="li@example.com", language="en")


@pytest.fixture
def hegang_district(clock):
    return DistrictFactory(city=CityFactory(slug="hegang"))


@pytest.fixture
def cheap_hegang(buyer, hegang_district):
    return SavedSearchFactory(
        user=buyer, name="Hegang under 50k", params={"city": "hegang", "price_max": "50000"}
    )


def test_running_twice_alerts_once(cheap_hegang, hegang_district, buyer, clock):
    clock.advance(minutes=5)
    listing = ListingFactory(district=hegang_district, price=42_000)
    clock.advance(minutes=1)

    first = services.saved_searches_match()
    second = services.saved_searches_match()

    assert (first.matches, second.matches) == (1, 0)
    [notification] = search_match_notifications(buyer)
    assert notification.link == "/listings/?city=hegang&price_max=50000"
    assert notification.text == "1 new flat matches “Hegang under 50k”"
    assert notification.items == [
        {"text": f"{listing.title}, ¥42,000", "link": listing.get_absolute_url()}
    ]


def test_one_notification_per_search_per_run_names_the_first_three(
    cheap_hegang, hegang_district, buyer, clock
):
    # Given five new flats for one search and one for another of the buyer's searches
    other = SavedSearchFactory(user=buyer, name="Big ones", params={"area_min": "80"})
    clock.advance(minutes=5)
    cheap = [ListingFactory(district=hegang_district, price=40_000 + n) for n in range(5)]
    big = ListingFactory(district=hegang_district, price=90_000, area_m2=Decimal(85))
    clock.advance(minutes=1)

    run = services.saved_searches_match()

    # Then each search has one notification, saying how many and naming the first three
    assert (run.matches, run.notifications) == (6, 2)
    by_search = {n.subject_id: n for n in search_match_notifications(buyer)}
    assert by_search[cheap_hegang.pk].text == "5 new flats match “Hegang under 50k”"
    assert [item["link"] for item in by_search[cheap_hegang.pk].items] == [
        listing.get_absolute_url() for listing in cheap[:3]
    ]
    assert by_search[other.pk].text == "1 new flat matches “Big ones”"
    assert by_search[other.pk].items[0]["link"] == big.get_absolute_url()


def test_the_alert_is_in_the_buyers_language(hegang_district, clock):
    buyer = BuyerFactory(language="zh-hans")
    SavedSearchFactory(user=buyer, name="鹤岗", params={"city": "hegang"})
    clock.advance(minutes=1)
    ListingFactory.create_batch(2, district=hegang_district)
    clock.advance(minutes=1)

    services.saved_searches_match()

    [notification] = search_match_notifications(buyer)
    assert notification.text == "“鹤岗”有 2 套新房源"


def test_an_overlapping_run_that_sees_the_same_listing_alerts_nobody_again(
    cheap_hegang, hegang_district, buyer, clock
):
    # Given a run has alerted the listing
    clock.advance(minutes=5)
    ListingFactory(district=hegang_district, price=42_000)
    clock.advance(minutes=1)
    services.saved_searches_match()
    # When another run overlaps it (its window starts before the first run's mark) and the
    # listing changes again
    MatchingMark.objects.update(matched_until=cheap_hegang.created_at)
    Listing.objects.update(title="Still cheap")
    clock.advance(minutes=1)
    Listing.objects.update(updated_at=clock.now)
    clock.advance(minutes=1)

    run = services.saved_searches_match()

    # Then it finds the listing but inserts and notifies nothing
    assert run.changed_listings == 1
    assert run.matches == 0
    assert len(search_match_notifications(buyer)) == 1


def test_a_listing_that_matched_before_the_search_was_saved_is_not_news(hegang_district, clock):
    ListingFactory(district=hegang_district, price=42_000)
    clock.advance(minutes=1)
    search = SavedSearchFactory(params={"city": "hegang"})
    clock.advance(minutes=1)

    assert services.saved_searches_match().matches == 0
    assert alerted(search) == set()


def test_a_price_cut_that_makes_a_listing_match_alerts(cheap_hegang, hegang_district, clock):
    listing = ListingFactory(district=hegang_district, price=60_000)
    clock.advance(minutes=5)
    services.saved_searches_match()
    assert alerted(cheap_hegang) == set()

    listing_services.listing_update(listing=listing, by=listing.agent, data={"price": 48_000})
    clock.advance(minutes=5)

    assert services.saved_searches_match().matches == 1
    assert alerted(cheap_hegang) == {listing.pk}


def test_reconfirming_an_expired_listing_that_matches_alerts(cheap_hegang, hegang_district, clock):
    listing = ListingFactory(district=hegang_district, price=42_000)
    clock.advance(days=31)
    listing_services.listings_expire_stale()
    services.saved_searches_match()
    assert alerted(cheap_hegang) == set()

    listing_services.listing_reconfirm(listing=listing, by=listing.agent)
    clock.advance(minutes=2)

    assert services.saved_searches_match().matches == 1


def test_a_listing_published_late_in_a_transaction_is_still_found(
    cheap_hegang, hegang_district, clock
):
    # Saved at 10:00 while a run moved the mark to 10:05; a listing stamped 10:04 commits
    # only after that run: the next run looks back far enough to find it.
    clock.advance(minutes=5)
    services.saved_searches_match()
    late = ListingFactory(district=hegang_district, price=42_000)
    Listing.objects.filter(pk=late.pk).update(updated_at=clock.now.replace(minute=4))
    clock.advance(minutes=2)

    assert services.saved_searches_match().matches == 1


def test_searches_without_alerts_are_not_matched(hegang_district, clock):
    quiet = SavedSearchFactory(params={"city": "hegang"}, frequency=Frequency.NONE)
    clock.advance(minutes=1)
    ListingFactory(district=hegang_district)
    clock.advance(minutes=1)

    assert services.saved_searches_match().matches == 0
    assert alerted(quiet) == set()


def test_a_search_whose_city_is_gone_matches_nothing_and_breaks_nothing(clock):
    other = CityFactory(slug="jixi")
    SavedSearchFactory(params={"city": "jixi"})
    good = SavedSearchFactory(params={})
    other.delete()
    clock.advance(minutes=1)
    ListingFactory()
    clock.advance(minutes=1)

    assert services.saved_searches_match().matches == 1
    assert len(alerted(good)) == 1


def test_with_nothing_new_a_run_costs_three_queries_and_moves_one_mark(
    cheap_hegang, clock, django_assert_num_queries
):
    clock.advance(minutes=5)
    services.saved_searches_match()
    clock.advance(minutes=2)
    with django_assert_num_queries(4):
        run = services.saved_searches_match()
    assert run.matches == 0
    assert MatchingMark.objects.get().matched_until == clock.now
    # and the searches are not written to
    cheap_hegang.refresh_from_db()
    assert cheap_hegang.matched_until == cheap_hegang.created_at


# --- emails: instant ones gathered per search, daily ones the next morning ------------------


def test_instant_alerts_email_at_once_and_gather_a_burst(
    cheap_hegang, hegang_district, buyer, clock, django_capture_on_commit_callbacks
):
    clock.advance(minutes=5)
    ListingFactory(district=hegang_district, price=41_000)
    clock.advance(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.saved_searches_match()
    assert len(mail.outbox) == 1

    for _ in range(3):
        clock.advance(minutes=2)
        ListingFactory(district=hegang_district, price=43_000)
        clock.advance(minutes=1)
        with django_capture_on_commit_callbacks(execute=True):
            services.saved_searches_match()
    assert len(mail.outbox) == 1  # gathered in the 10-minute window

    clock.advance(minutes=10)
    emails_send_due()
    assert len(mail.outbox) == 2
    assert "3 new notification(s)" in mail.outbox[1].subject


def test_daily_alerts_come_in_one_email_the_next_morning_at_eight(
    buyer, hegang_district, clock, django_capture_on_commit_callbacks
):
    # Given two daily searches of one buyer and matches through the day
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING))
    SavedSearchFactory(user=buyer, params={"city": "hegang"}, frequency=Frequency.DAILY)
    SavedSearchFactory(user=buyer, params={"price_max": "45000"}, frequency=Frequency.DAILY)
    for hour in (10, 14, 23):
        clock.set(datetime(2026, 3, 2, hour, 0, tzinfo=BEIJING))
        ListingFactory(district=hegang_district, price=40_000 + hour)
        clock.advance(minutes=2)
        with django_capture_on_commit_callbacks(execute=True):
            services.saved_searches_match()
        emails_send_due()

    # Then the buyer sees them in the app at once (one per search and run), but no email came
    assert len(search_match_notifications(buyer)) == 6
    assert mail.outbox == []
    clock.set(datetime(2026, 3, 3, 7, 59, tzinfo=BEIJING))
    assert emails_send_due() == 0

    # When the sweep runs at 08:00 the next morning: one email with all six
    clock.set(datetime(2026, 3, 3, 8, 0, tzinfo=BEIJING))
    assert emails_send_due() == 1
    [email] = mail.outbox
    assert email.to == ["li@example.com"]
    assert "6 new notification(s)" in email.subject
    assert email.body.count("1 new flat matches") == 6
    assert email.body.count("http://127.0.0.1:8000/listings/") == 12  # searches and flats
    assert emails_send_due() == 0


def test_a_daily_alert_read_before_the_morning_is_not_emailed(
    buyer, hegang_district, clock, django_capture_on_commit_callbacks
):
    SavedSearchFactory(user=buyer, params={}, frequency=Frequency.DAILY)
    clock.advance(minutes=1)
    ListingFactory(district=hegang_district)
    clock.advance(minutes=1)
    services.saved_searches_match()
    [notification] = search_match_notifications(buyer)
    notification.read_at = clock.now
    notification.save()

    clock.advance(days=1)
    assert emails_send_due() == 0


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 3, 2, 7, 59, tzinfo=BEIJING), datetime(2026, 3, 2, 8, 0, tzinfo=BEIJING)),
        (datetime(2026, 3, 2, 8, 0, tzinfo=BEIJING), datetime(2026, 3, 3, 8, 0, tzinfo=BEIJING)),
        (datetime(2026, 3, 2, 23, 30, tzinfo=BEIJING), datetime(2026, 3, 3, 8, 0, tzinfo=BEIJING)),
    ],
)
def test_the_daily_email_goes_at_the_next_eight_oclock_beijing_time(now, expected):
    assert services.next_daily_email_time(now) == expected


def test_the_task_runs_every_two_minutes_with_time_limits(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["match-saved-searches"]
    assert entry == {"task": "alerts.tasks.match_saved_searches", "schedule": 120.0}
    assert tasks.match_saved_searches.soft_time_limit == 240


# --- the filter columns kept in step with the filters ----------------------------------------


def test_saving_and_changing_a_search_keeps_its_filter_columns_in_step(buyer, hegang_district):
    search = services.saved_search_create(
        user=buyer,
        name="Hegang",
        params={"city": "hegang", "price_max": "50000", "rooms": "2", "q": "南北"},
        frequency=Frequency.INSTANT,
    )
    assert (search.city_id, search.price_max, search.rooms) == (
        hegang_district.city_id,
        50_000,
        2,
    )
    assert search.needs_filterset  # the keywords are the FilterSet's to check

    services.saved_search_update(
        saved_search=search, data={"params": {"area_min": "45.5", "has_elevator": "false"}}
    )

    search.refresh_from_db()
    assert (search.city_id, search.price_max, search.rooms) == (None, None, None)
    assert (search.area_min, search.has_elevator) == (Decimal("45.50"), False)
    assert not search.needs_filterset


def test_deleting_a_search_deletes_its_matches(cheap_hegang, hegang_district, clock):
    clock.advance(minutes=5)
    ListingFactory(district=hegang_district, price=42_000)
    clock.advance(minutes=1)
    services.saved_searches_match()
    assert SearchMatch.objects.filter(saved_search=cheap_hegang).exists()

    services.saved_search_delete(saved_search=cheap_hegang)

    assert not SearchMatch.objects.exists()
