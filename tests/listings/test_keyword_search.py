"""Keyword search (`q`): the keyword index on PostgreSQL finds exactly what `icontains` finds.

The reference is the plain `icontains` filter over title, community and description, run by the
same database on the same rows; on SQLite the FilterSet is that filter.
"""

import random

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from listings.filters import ListingFilterSet
from listings.models import Listing
from tests.listings.factories import ListingFactory

pytestmark = pytest.mark.django_db

SEED = 20261203
TITLES = [
    "向阳小区 2室 60㎡ 5/6层",
    "朝南两居，南北通透",
    "育才小区 三楼 急售",
    "WeChat 看房 60平",
    "Sunny walk-up near 育才 school",
    "ＷｅＣｈａｔ 联系 全角",
    "Top floor, 朝南 bright",
    "It's a \\ backslash 'quoted' flat",
]
COMMUNITIES = ["育才小区", "向阳花园", "Pine Garden", "矿工小区", "", "阳光100"]
DESCRIPTIONS = [
    "南北通透，采光好。步行五分钟到菜市场。",
    "朝南卧室，冬天暖和。Call on WeChat 13800000000.",
    "Quiet street, 60 m² with a cellar.",
    "老小区，邻居和善。\n育才中学旁边",
    "",
    "全角空格　分开的　词",
]
# Words no listing holds, to check that the index finds nothing too.
ABSENT = ["学区房", "Penthouse", "南山", "zz", "西向"]
WORDS = ["向阳", "朝南", "育才小区", "WeChat", "wechat", "60", "60㎡", "Sunny", "通透，采光"]


@pytest.fixture
def listings():
    rng = random.Random(SEED)
    made = [
        ListingFactory(
            title=f"{rng.choice(TITLES)} {number}",
            community_name=rng.choice(COMMUNITIES),
            description=rng.choice(DESCRIPTIONS) + rng.choice(DESCRIPTIONS),
            status=Listing.Status.ACTIVE if rng.random() < 0.85 else Listing.Status.SOLD,
        )
        for number in range(60)
    ]
    return made


def icontains_ids(word):
    rows = Listing.objects.active().filter(
        Q(title__icontains=word)
        | Q(community_name__icontains=word)
        | Q(description__icontains=word)
    )
    return set(rows.values_list("pk", flat=True))


def search_ids(q):
    filterset = ListingFilterSet({"q": q}, queryset=Listing.objects.active())
    assert filterset.is_valid(), filterset.errors
    return set(filterset.qs.values_list("pk", flat=True))


def random_keywords(listings, count, rng):
    """Substrings of the listings' texts (1 to 6 characters, any case), and absent words."""
    texts = [
        text
        for listing in listings
        for text in (listing.title, listing.community_name, listing.description)
        if text
    ]
    keywords = []
    while len(keywords) < count:
        if rng.random() < 0.1:
            keywords.append(rng.choice(ABSENT))
            continue
        text = rng.choice(texts)
        start = rng.randrange(len(text))
        word = "".join(text[start : start + rng.randint(1, 6)].split())
        if word:
            keywords.append(word.upper() if rng.random() < 0.2 else word)
    return keywords


def test_named_words_find_what_icontains_finds(listings):
    for word in WORDS + ABSENT:
        assert search_ids(word) == icontains_ids(word), word
    assert search_ids("育才小区"), "the fixture holds the words the test is about"
    assert search_ids("向阳")
    assert search_ids("朝南")


def test_200_random_keywords_find_what_icontains_finds(listings):
    rng = random.Random(SEED)
    keywords = random_keywords(listings, 200, rng)
    assert sum(len(word) >= 2 for word in keywords) > 100
    for word in keywords:
        assert search_ids(word) == icontains_ids(word), word


def test_several_words_must_all_be_there(listings):
    expected = icontains_ids("育才") & icontains_ids("急售")
    assert expected
    assert search_ids("育才 急售") == expected


def test_case_is_folded_but_full_width_is_not(listings):
    """As `icontains` does: "wechat" finds "WeChat"; it does not find "ＷｅＣｈａｔ"."""
    found = search_ids("wechat")
    full_width_only = 0
    for listing in Listing.objects.active():
        text = f"{listing.title} {listing.community_name} {listing.description}"
        assert (listing.pk in found) == ("WeChat" in text), text
        full_width_only += "ＷｅＣｈａｔ" in text and "WeChat" not in text
    assert full_width_only, "the fixture holds a listing with the full-width word only"


@pytest.mark.postgres
def test_postgresql_narrows_with_the_index_and_one_character_words_scan(listings):
    with CaptureQueriesContext(connection) as two_characters:
        search_ids("朝南")
    with CaptureQueriesContext(connection) as one_character:
        assert search_ids("南") == icontains_ids("南")
    assert "listing_keyword_query" in two_characters[-1]["sql"]
    assert "listing_keyword_query" not in one_character[-1]["sql"]


@pytest.mark.postgres
def test_bigrams_of_mixed_text():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT listing_keyword_terms(%s, %s, %s)::text, listing_keyword_query(%s)::text",
            ["WeChat 60㎡", "育才小区", "朝南\n", "It's"],
        )
        terms, query = cursor.fetchone()
    assert terms == "'0㎡' '60' 'AT' 'CH' 'EC' 'HA' 'WE' '小区' '才小' '朝南' '育才'"
    assert query == "'''S' & 'IT' & 'T'''"


@pytest.mark.postgres
def test_the_gin_index_serves_a_rare_keyword():
    rare = ListingFactory.create_batch(5, title="育才小区 急售")
    Listing.objects.bulk_create(
        ListingFactory.build(
            title=f"红旗小区 {number}", agent=rare[0].agent, district=rare[0].district
        )
        for number in range(3000)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE listings_listing")
    queryset = ListingFilterSet({"q": "育才小区"}, queryset=Listing.objects.active()).qs
    assert len(queryset) == 5
    plan = queryset.explain()
    assert "listing_keywords" in plan, plan
