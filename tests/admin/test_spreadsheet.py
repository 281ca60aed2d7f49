"""Agents' spreadsheets in and out of the listings admin: through the services, row by row,
nothing saved unless every row is valid, and only ever the agent's own listings."""

import io

import pytest
import tablib
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from listings.models import Listing, ListingPriceChange
from notifications.models import Kind, Notification
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.favorites.factories import FavoriteFactory
from tests.listings.factories import DistrictFactory, ListingFactory

pytestmark = pytest.mark.django_db

IMPORT = reverse("admin:listings_listing_import")
PROCESS = reverse("admin:listings_listing_process_import")
EXPORT = reverse("admin:listings_listing_export")
XLSX, CSV = "0", "1"  # the formats' order in ListingAdmin.formats

HEADERS = [
    "id",
    "title",
    "city",
    "district",
    "price",
    "area_m2",
    "rooms",
    "floor",
    "total_floors",
    "has_elevator",
    "heating",
    "condition",
]


@pytest.fixture
def agent(client):
    agent = AgentFactory()
    client.force_login(agent)
    return agent


@pytest.fixture
def district():
    return DistrictFactory(name="Xingshan", name_zh="兴山区", city__slug="hegang")


def row(place, **values):
    defaults = {
        "id": "",
        "title": "阳光两居",
        "city": place.city.slug,
        "district": place.name_zh,
        "price": "46000",
        "area_m2": "52.5",
        "rooms": "2",
        "floor": "5",
        "total_floors": "6",
        "has_elevator": "0",
        "heating": "central",
        "condition": "basic",
    }
    defaults.update(values)
    return [defaults[name] for name in HEADERS]


def csv_file(*rows, headers=HEADERS) -> SimpleUploadedFile:
    dataset = tablib.Dataset(*rows, headers=headers)
    return SimpleUploadedFile("flats.csv", dataset.export("csv").encode(), "text/csv")


def xlsx_file(*rows) -> SimpleUploadedFile:
    dataset = tablib.Dataset(*rows, headers=HEADERS)
    return SimpleUploadedFile("flats.xlsx", dataset.export("xlsx"))


def preview(client, upload, file_format=CSV, **headers):
    return client.post(IMPORT, {"format": file_format, "import_file": upload}, **headers)


def confirm(client, response):
    form = response.context["confirm_form"]
    return client.post(PROCESS, {name: form.initial[name] for name in form.initial})


def invalid_rows(response) -> dict[int, dict[str, list[str]]]:
    result = response.context["result"]
    return {
        invalid.number: {field: list(errors) for field, errors in invalid.error_dict.items()}
        for invalid in result.invalid_rows
    }


# --- import ----------------------------------------------------------------------------


def test_a_valid_spreadsheet_is_previewed_then_imported_as_the_agents_drafts(
    client, agent, district
):
    first = preview(client, xlsx_file(row(district), row(district, title="顶楼一居")), XLSX)

    assert first.status_code == 200
    result = first.context["result"]
    assert not result.has_errors(), (
        [repr(error.error) for error in result.base_errors],
        [(number, [repr(e.error) for e in errors]) for number, errors in result.row_errors()],
    )
    assert invalid_rows(first) == {}
    assert not Listing.objects.exists()  # the preview saves nothing

    done = confirm(client, first)

    assert done.status_code == 302
    listings = Listing.objects.order_by("title")
    assert [(x.title, x.agent, x.status, x.price) for x in listings] == [
        ("阳光两居", agent, Listing.Status.DRAFT, 46_000),
        ("顶楼一居", agent, Listing.Status.DRAFT, 46_000),
    ]
    assert listings[0].district == district


def test_one_bad_row_saves_nothing_and_names_the_row_and_the_field(client, agent, district):
    response = preview(
        client,
        csv_file(
            row(district),
            row(district, floor="7", total_floors="6"),
            row(district, price="cheap"),
            row(district, district="Nowhere"),
        ),
    )

    assert response.context["result"].has_validation_errors()
    assert "confirm_form" not in response.context
    errors = invalid_rows(response)
    assert set(errors) == {2, 3, 4}
    assert "floor" in errors[2]
    assert "price" in errors[3]
    assert errors[4]["district"] == ["There is no district “Nowhere” in “hegang”."]
    assert not Listing.objects.exists()


def test_errors_are_in_the_agents_language(client, agent, district):
    response = preview(
        client, csv_file(row(district, district="无此区")), HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert invalid_rows(response)[1]["district"] == ["“hegang”没有“无此区”这个区。"]


def test_an_import_updates_the_agents_listing_through_the_services(client, agent, district):
    listing = ListingFactory(agent=agent, district=district, price=46_000, title="旧标题")
    saver = FavoriteFactory(listing=listing).user

    response = preview(
        client, csv_file(row(district, id=str(listing.pk), title="新标题", price="41000"))
    )
    confirm(client, response)

    listing.refresh_from_db()
    assert (listing.title, listing.price) == ("新标题", 41_000)
    assert ListingPriceChange.objects.filter(listing=listing, new_price=41_000).count() == 1
    assert Notification.objects.filter(kind=Kind.PRICE_CUT, recipient=saver).count() == 1


def test_another_agents_listing_number_is_refused_and_nothing_is_saved(client, agent, district):
    theirs = ListingFactory(district=district, title="Theirs", price=46_000)

    response = preview(
        client,
        csv_file(row(district, title="new one"), row(district, id=str(theirs.pk), price="1")),
    )

    assert invalid_rows(response) == {2: {"id": [f"You have no listing number {theirs.pk}."]}}
    theirs.refresh_from_db()
    assert (theirs.title, theirs.price, Listing.objects.count()) == ("Theirs", 46_000, 1)


def test_a_forged_confirmation_cannot_save_a_bad_file(client, agent, district):
    """The confirmation reads the file again: a file with a bad row still saves nothing."""
    good = preview(client, csv_file(row(district)))
    form = good.context["confirm_form"]
    stored = form.initial["import_file_name"]
    theirs = ListingFactory(district=district, price=46_000)
    bad = tablib.Dataset(row(district), row(district, id=str(theirs.pk)), headers=HEADERS)
    from import_export.tmp_storages import TempFolderStorage

    TempFolderStorage(name=stored).save(bad.export("csv"))

    client.post(PROCESS, dict(form.initial))

    assert Listing.objects.count() == 1
    theirs.refresh_from_db()
    assert theirs.price == 46_000


@pytest.mark.parametrize("who", ["anonymous", "buyer"])
def test_import_is_for_agents(client, district, who):
    if who == "buyer":
        client.force_login(BuyerFactory())

    response = preview(client, csv_file(row(district)))

    assert response.status_code in (302, 403)
    assert not Listing.objects.exists()


# --- export ----------------------------------------------------------------------------


def test_export_has_the_agents_listings_with_their_numbers_only(client, agent, district):
    mine = ListingFactory(agent=agent, district=district, title="我的房", price=82_700)
    ListingFactory(title="别人的房")

    response = client.post(
        EXPORT,
        {
            "format": CSV,
            "export_items": [mine.pk],
            **{f"listingresource_{f}": "on" for f in ["id", "title", "price", "price_per_m2"]},
        },
    )

    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    exported = tablib.Dataset().load(io.StringIO(content.decode("utf-8-sig")), format="csv")
    assert [(r["id"], r["title"], r["price"]) for r in exported.dict] == [
        (str(mine.pk), "我的房", "82700")
    ]
    assert "price_per_m2" in exported.headers


def test_an_export_naming_another_agents_listing_is_refused(client, agent, district):
    mine = ListingFactory(agent=agent, district=district)
    theirs = ListingFactory(title="别人的房")

    response = client.post(
        EXPORT,
        {"format": CSV, "export_items": [mine.pk, theirs.pk], "listingresource_id": "on"},
    )

    assert response["Content-Type"].startswith("text/html")  # the form again, no file
    assert "export_items" in response.context["form"].errors
    assert "别人的房" not in response.content.decode()


def test_a_whole_export_has_every_listing_of_the_agent_and_no_other(client, agent, district):
    mine = ListingFactory.create_batch(3, agent=agent, district=district)
    ListingFactory(title="别人的房")

    response = client.post(EXPORT, {"format": CSV, "listingresource_id": "on"})

    content = b"".join(response.streaming_content) if response.streaming else response.content
    exported = tablib.Dataset().load(io.StringIO(content.decode("utf-8-sig")), format="csv")
    assert sorted(int(r["id"]) for r in exported.dict) == sorted(x.pk for x in mine)


def test_a_spreadsheet_over_the_row_limit_is_refused_whole(client, agent, district, settings):
    settings.LISTING_IMPORT_MAX_ROWS = 2

    response = preview(client, csv_file(*[row(district, title=f"Flat {n}") for n in range(3)]))

    result = response.context["result"]
    assert result.has_errors()
    assert "A spreadsheet has at most 2 rows; split this one." in response.content.decode()
    assert not Listing.objects.exists()


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(client, agent, settings):
    settings.LISTING_IMPORT_MAX_BYTES = 1_000_000
    upload = SimpleUploadedFile("flats.csv", b"id,title\n" + b"x" * 1_000_001, "text/csv")

    response = preview(client, upload)

    assert response.context["form"].errors["import_file"] == ["A spreadsheet may be 1 MB at most."]
    assert "result" not in response.context
