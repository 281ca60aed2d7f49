"""The agent's weekly hours and days off through the API: the hours page's rules, agents only."""

from datetime import date, time, timedelta

import pytest

from tests.accounts.factories import AgentFactory
from tests.viewings.factories import DayOffFactory
from viewings.models import DayOff, WeeklyHours

pytestmark = pytest.mark.django_db

HOURS_URL = "/api/v1/agents/me/hours/"
DAYS_OFF_URL = "/api/v1/agents/me/days-off/"
# The `clock` fixture stands at Monday 2026-03-02 10:00, Beijing time.
THURSDAY = date(2026, 3, 5)


def day_off_url(day_off) -> str:
    return f"{DAYS_OFF_URL}{day_off.pk}/"


def week(*days) -> dict:
    return {"days": [{"weekday": d, "starts": s, "ends": e} for d, s, e in days]}


def test_the_agent_reads_their_hours(api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.get(HOURS_URL)

    assert response.status_code == 200
    assert response.data["slot_minutes"] == 30
    assert [day["weekday"] for day in response.data["days"]] == [0, 1, 2, 3, 4, 5]
    assert response.data["days"][0] == {"weekday": 0, "starts": "09:00", "ends": "18:00"}


def test_put_replaces_the_week_and_a_day_not_listed_is_closed(api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.put(
        HOURS_URL, week((1, "10:00", "12:00"), (6, "14:00", "17:30")), format="json"
    )

    assert response.status_code == 200, response.data
    assert [day["weekday"] for day in response.data["days"]] == [1, 6]
    assert list(agent.viewing_hours.values_list("weekday", "starts", "ends")) == [
        (1, time(10), time(12)),
        (6, time(14), time(17, 30)),
    ]


def test_an_empty_week_closes_every_day(api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.put(HOURS_URL, {"days": []}, format="json")

    assert response.status_code == 200
    assert not agent.viewing_hours.exists()


@pytest.mark.parametrize(
    ("days", "field", "message"),
    [
        ([(0, "18:00", "09:00")], "ends", "The end of the day comes after its start."),
        ([(0, "09:00", "09:00")], "ends", "The end of the day comes after its start."),
        ([(0, "09:00", "09:20")], "ends", "Leave room for one viewing at least (30 minutes)."),
        ([(7, "09:00", "12:00")], "weekday", None),
        ([(0, "9 am", "12:00")], "starts", None),
        ([(0, "09:00:30", "12:00")], "starts", None),
        ([(0, "09:00", "12:00+08:00")], "ends", None),
    ],
)
def test_bad_hours_are_a_400_naming_the_day_and_field(api_client, agent, days, field, message):
    api_client.force_authenticate(agent)

    response = api_client.put(HOURS_URL, week((2, "09:00", "12:00"), *days), format="json")

    assert response.status_code == 400
    errors = response.data["days"]
    assert list(errors) == [1]  # the second day; the first is good
    assert list(errors[1]) == [field]
    if message:
        assert errors[1][field] == [message]
    # Nothing was changed: the week is replaced whole or not at all.
    assert agent.viewing_hours.count() == 6


def test_a_day_given_twice_is_a_400(api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.put(
        HOURS_URL, week((0, "09:00", "12:00"), (0, "14:00", "18:00")), format="json"
    )

    assert response.status_code == 400
    assert response.data["days"] == ["Give each day once."]


def test_the_hours_page_refuses_a_day_too_short_for_one_viewing(clock, client, agent):
    client.force_login(agent)

    response = client.post(
        "/viewings/hours/",
        {"save_hours": "1", "open_0": "on", "starts_0": "09:00", "ends_0": "09:15"},
    )

    assert response.status_code == 400
    assert "Leave room for one viewing at least (30 minutes)." in response.content.decode()
    assert WeeklyHours.objects.get(agent=agent, weekday=0).ends == time(18)


def test_the_agent_lists_their_days_off_from_today(clock, api_client, agent):
    DayOffFactory(agent=agent, date=THURSDAY - timedelta(days=7))  # past
    friday = DayOffFactory(agent=agent, date=THURSDAY + timedelta(days=1), note="Dentist")
    thursday = DayOffFactory(agent=agent, date=THURSDAY)
    DayOffFactory(date=THURSDAY)  # another agent's
    api_client.force_authenticate(agent)

    response = api_client.get(DAYS_OFF_URL)

    assert response.status_code == 200
    assert response.data["results"] == [
        {"id": thursday.pk, "date": "2026-03-05", "note": ""},
        {"id": friday.pk, "date": "2026-03-06", "note": "Dentist"},
    ]


@pytest.mark.parametrize("page_size", [2, 40])
def test_the_days_off_list_costs_the_same_at_any_page_size(
    clock, api_client, django_assert_num_queries, agent, page_size
):
    for n in range(45):
        DayOffFactory(agent=agent, date=THURSDAY + timedelta(days=n))
    api_client.force_authenticate(agent)

    with django_assert_num_queries(1):
        response = api_client.get(DAYS_OFF_URL, {"page_size": page_size})

    assert response.status_code == 200
    assert len(response.data["results"]) == page_size
    following = api_client.get(response.data["next"])
    assert following.data["results"][0]["date"] == str(THURSDAY + timedelta(days=page_size))


def test_reading_the_hours_costs_one_query(api_client, django_assert_num_queries, agent):
    api_client.force_authenticate(agent)

    with django_assert_num_queries(1):
        response = api_client.get(HOURS_URL)

    assert len(response.data["days"]) == 6


def test_the_agent_takes_a_day_off_and_its_slots_go(clock, api_client, agent):
    api_client.force_authenticate(agent)

    response = api_client.post(DAYS_OFF_URL, {"date": "2026-03-05", "note": "Moving"})

    assert response.status_code == 201, response.data
    assert response.data["date"] == "2026-03-05"
    assert DayOff.objects.get(agent=agent).note == "Moving"
    slots = api_client.get(
        f"/api/v1/agents/{agent.pk}/slots/", {"from": "2026-03-05", "to": "2026-03-05"}
    )
    assert slots.data["slots"] == []


def test_the_same_day_off_twice_is_one_day_off(clock, api_client, agent):
    api_client.force_authenticate(agent)

    first = api_client.post(DAYS_OFF_URL, {"date": "2026-03-05"})
    second = api_client.post(DAYS_OFF_URL, {"date": "2026-03-05"})

    assert second.data["id"] == first.data["id"]
    assert DayOff.objects.filter(agent=agent).count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"date": "2026-03-01"}, "date"),  # yesterday
        ({"date": "someday"}, "date"),
        ({}, "date"),
        ({"date": "2026-03-05", "note": "x" * 201}, "note"),
    ],
)
def test_a_bad_day_off_is_a_400_naming_the_field(clock, api_client, agent, body, field):
    api_client.force_authenticate(agent)

    response = api_client.post(DAYS_OFF_URL, body)

    assert response.status_code == 400
    assert list(response.data) == [field]
    assert not DayOff.objects.exists()


def test_the_agent_removes_a_day_off(clock, api_client, agent):
    day_off = DayOffFactory(agent=agent)
    api_client.force_authenticate(agent)

    assert api_client.delete(day_off_url(day_off)).status_code == 204
    assert not DayOff.objects.exists()
    assert api_client.delete(day_off_url(day_off)).status_code == 404


def test_another_agents_day_off_is_a_404_and_stays(clock, api_client, agent):
    theirs = DayOffFactory(agent=AgentFactory())
    api_client.force_authenticate(agent)

    assert api_client.delete(day_off_url(theirs)).status_code == 404
    assert DayOff.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("get", HOURS_URL, None),
        ("put", HOURS_URL, week((0, "09:00", "12:00"))),
        ("get", DAYS_OFF_URL, None),
        ("post", DAYS_OFF_URL, {"date": "2026-03-05"}),
        ("delete", "day off", None),
    ],
)
@pytest.mark.parametrize(("who", "code"), [("buyer", 403), ("anonymous", 401)])
def test_only_agents_have_hours_and_days_off(
    clock, api_client, agent, buyer, method, url, body, who, code
):
    day_off = DayOffFactory(agent=agent)
    if who == "buyer":
        api_client.force_authenticate(buyer)
    url = day_off_url(day_off) if url == "day off" else url

    response = getattr(api_client, method)(url, body, format="json")

    assert response.status_code == code
    assert DayOff.objects.filter(pk=day_off.pk).exists()
    assert not DayOff.objects.filter(agent=buyer).exists()
    assert not WeeklyHours.objects.filter(agent=buyer).exists()
    assert agent.viewing_hours.count() == 6
