"""Generated demo data: believable northeastern walk-up flats (see shared market facts).

Prices follow the press figures for Hegang (about ¥2,152/m² on average, whole flats
from about ¥20,000); the other two cities' prices are illustrative.
"""

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from accounts.models import AgentProfile, User
from accounts.services import user_make_agent
from listings.costs import SellerTaxesPaidBy
from listings.demo_photos import draw_room
from listings.models import VERIFIERS_GROUP, City, District, Listing, ListingProof
from listings.services import city_changed, listing_create, listing_verify, photo_add, proof_add
from listings.workbench import expiring_within
from photos import pipeline as photo_pipeline

# Photos per listing in turn: many listings have none or one, a few have several.
PHOTOS_BY_SLOT = [1, 0, 3, 0, 0, 1, 0, 0, 0, 0]
ROOM_PICTURES = 8  # drawn once per agent and shared between listings, to keep load_demo quick
ROOM_CAPTIONS = ["客厅 Living room", "卧室 Bedroom", "厨房 Kitchen", "阳台 Balcony", ""]
AGENT_BIO = "本地经纪人，可视频看房，代办过户。 Local agent: video viewings, handles the transfer."
PRICE_SIGMA = 0.55
PRICE_SKEW = math.exp(PRICE_SIGMA**2 / 2)  # lognormal mean / median
DEMO_PASSWORD = "walkup-demo-2026"  # noqa: S105 - published demo login, printed by load_demo


@dataclass(frozen=True)
class CitySpec:
    slug: str
    name: str
    name_zh: str
    mean_price_per_m2: int
    listings: int
    districts: list[tuple[str, str]]


CITIES = [
    CitySpec(
        "hegang",
        "Hegang",
        "鹤岗",
        2152,
        200,
        [
            ("Xiangyang", "向阳区"),
            ("Gongnong", "工农区"),
            ("Nanshan", "南山区"),
            ("Xing'an", "兴安区"),
            ("Dongshan", "东山区"),
            ("Xingshan", "兴山区"),
            ("Luobei County", "萝北县"),
            ("Suibin County", "绥滨县"),
        ],
    ),
    CitySpec(
        "qitaihe",
        "Qitaihe",
        "七台河",
        2600,
        90,
        [
            ("Taoshan", "桃山区"),
            ("Xinxing", "新兴区"),
            ("Qiezihe", "茄子河区"),
            ("Boli County", "勃利县"),
        ],
    ),
    CitySpec(
        "yichun",
        "Yichun",
        "伊春",
        1900,
        75,
        [
            ("Yimei", "伊美区"),
            ("Wucui", "乌翠区"),
            ("Youhao", "友好区"),
            ("Jinlin", "金林区"),
            ("Tieli", "铁力市"),
        ],
    ),
]

# The agents' stated fees (% of the price, paid by the buyer), in the order of AGENTS.
AGENT_FEE_PERCENT = [
    Decimal("1.50"),
    Decimal("2.00"),
    Decimal("1.00"),
    Decimal("1.50"),
    Decimal("2.00"),
]
BUYER_MONTHLY_SAVINGS = {"buyer1": 3000, "buyer2": 2500}
AGENTS = [
    ("agent1", "建国", "王", "鹤岗安居房产 Anju Homes Hegang", ["hegang"], True),
    ("agent2", "秀梅", "李", "鹤城置业 Hecheng Property", ["hegang"], True),
    ("agent3", "伟", "张", "北方好房 Northern Homes", ["hegang", "qitaihe"], True),
    ("agent4", "洋", "刘", "七台河恒信地产 Hengxin Realty", ["qitaihe"], True),
    ("agent5", "静", "陈", "林都房屋 Forest City Homes", ["yichun"], False),
]
BUYERS = [("buyer1", "小周", "周"), ("buyer2", "阿亮", "黄"), ("buyer3", "Mia", "Lin")]

COMMUNITIES = [
    "矿工小区",
    "新一小区",
    "南山花园",
    "兴安家园",
    "富力新城",
    "峻德小区",
    "红旗小区",
    "东方红小区",
    "松鹤小区",
    "天水湾",
    "育才小区",
    "光宇小区",
    "铁西小区",
    "朝阳小区",
    "林业局家属楼",
    "煤城小区",
    "鹤翔小区",
    "电业小区",
    "工人新村",
    "文化路小区",
]
STREETS = ["红旗路", "解放路", "南翼路", "新华路", "胜利路", "工农路", "五指山路", "鹤立路"]
TAGS = [
    ("南北通透", "light from both sides"),
    ("急售", "the owner wants a quick sale"),
    ("带地下室", "with a cellar"),
    ("近学校", "near a school"),
    ("近市场", "near the market"),
    ("朝南", "south-facing"),
    ("", ""),
]
CONDITION_NOTES = {
    Listing.Condition.NEEDS_RENOVATION: (
        "原始老房，需要装修。",
        "Original state: needs a full renovation.",
    ),
    Listing.Condition.BASIC: ("简单装修，可以入住。", "Basic decoration, ready to live in."),
    Listing.Condition.RENOVATED: ("精装修，拎包入住。", "Newly renovated: bring your suitcase."),
}


def _weighted(rng: random.Random, choices: list[tuple[object, float]]):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _listing(rng: random.Random, city: City, spec: CitySpec, district: District, agent: User, now):
    total_floors = _weighted(rng, [(5, 35), (6, 35), (7, 15), (4, 5), (11, 5), (18, 5)])
    has_elevator = total_floors >= 8
    # Upper floors of walk-ups are what sells cheapest and what most listings are.
    floor = (
        rng.randint(1, total_floors)
        if has_elevator
        else min(total_floors, max(1, round(rng.triangular(1, total_floors, total_floors - 1))))
    )
    area = Decimal(str(round(max(28.0, min(110.0, rng.gauss(45, 15))), 2)))
    condition = _weighted(
        rng,
        [
            (Listing.Condition.NEEDS_RENOVATION, 55),
            (Listing.Condition.BASIC, 30),
            (Listing.Condition.RENOVATED, 15),
        ],
    )
    # Right-skewed like real prices: a long tail of cheap flats, the mean at the city figure.
    price_per_m2 = max(
        450.0, rng.lognormvariate(math.log(spec.mean_price_per_m2 / PRICE_SKEW), PRICE_SIGMA)
    )
    if condition == Listing.Condition.RENOVATED:
        price_per_m2 *= 1.15
    if not has_elevator and floor == total_floors:
        price_per_m2 *= 0.9
    price = max(18_000, round(float(area) * price_per_m2, -2))
    heating = _weighted(
        rng,
        [
            (Listing.Heating.CENTRAL, 80),
            (Listing.Heating.GAS_BOILER, 10),
            (Listing.Heating.ELECTRIC, 7),
            (Listing.Heating.NONE, 3),
        ],
    )
    rooms = 1 if area < 45 else 2 if area < 70 else 3 if area < 95 else 4
    community = rng.choice(COMMUNITIES)
    tag_zh, tag_en = rng.choice(TAGS)
    condition_zh, condition_en = CONDITION_NOTES[condition]
    year_built = rng.randint(1982, 2012)
    status = _weighted(
        rng,
        [
            (Listing.Status.ACTIVE, 88),
            (Listing.Status.DRAFT, 4),
            (Listing.Status.RESERVED, 2),
            (Listing.Status.SOLD, 4),
            (Listing.Status.WITHDRAWN, 2),
        ],
    )
    published_at = (
        None
        if status == Listing.Status.DRAFT
        else now - timedelta(minutes=rng.randint(10, 90 * 24 * 60))
    )
    floor_text = f"{floor}/{total_floors}层"
    lift_en = "with an elevator" if has_elevator else "no elevator"
    lift_zh = "有电梯" if has_elevator else "无电梯"
    return Listing(
        agent=agent,
        city=city,
        district=district,
        title=f"{district.name_zh} {community} {rooms}室 {floor_text} {area:.0f}㎡ {tag_zh}".strip(),
        description=(
            f"{community}，{year_built}年建，{floor_text}，"
            f"{lift_zh}。{condition_zh}{tag_zh and tag_zh + '。'}\n\n"
            f"{rooms}-room flat in {community}, {district.name}, built {year_built}, "
            f"floor {floor} of {total_floors}, {lift_en}. {condition_en}"
            f"{' ' + tag_en.capitalize() + '.' if tag_en else ''}"
        ),
        community_name=community,
        street_address=f"{district.name_zh}{rng.choice(STREETS)}{rng.randint(1, 199)}号",
        price=price,
        area_m2=area,
        rooms=rooms,
        floor=floor,
        total_floors=total_floors,
        has_elevator=has_elevator,
        heating=heating,
        heating_fee_per_m2=Decimal(rng.choice(["24.50", "26.00", "28.00", "31.50"]))
        if heating == Listing.Heating.CENTRAL
        else None,
        condition=condition,
        year_built=year_built,
        has_ownership_certificate=rng.random() < 0.9,
        status=status,
        published_at=published_at,
        confirmed_at=_demo_confirmed_at(published_at, now),
    )


def _demo_confirmed_at(published_at, now):
    """Agents reconfirmed their flats in the last 27 days, so none expires at once (the same
    random stream as before: the rest of the demo data does not move)."""
    if published_at is None:
        return None
    return now - (now - published_at) % timedelta(days=27)


def _add_photos(rng: random.Random, listings: list[Listing]) -> None:
    """Some listings get photos, through the same checks and pipeline as an agent's uploads."""
    rooms = [draw_room(rng) for _room in range(ROOM_PICTURES)]
    for index, listing in enumerate(listings):
        count = PHOTOS_BY_SLOT[index % len(PHOTOS_BY_SLOT)]
        for number, room in enumerate(rng.sample(rooms, count)):
            upload = SimpleUploadedFile(f"room-{number}.jpg", room, "image/jpeg")
            photo_add(
                listing=listing,
                upload=upload,
                by=listing.agent,
                caption=rng.choice(ROOM_CAPTIONS),
            )


def _cities() -> dict[str, City]:
    cities = {}
    for spec in CITIES:
        city, _ = City.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "name_zh": spec.name_zh,
                "province": "Heilongjiang",
                "province_zh": "黑龙江",
            },
        )
        for name, name_zh in spec.districts:
            District.objects.update_or_create(city=city, name=name, defaults={"name_zh": name_zh})
        cities[spec.slug] = city
    city_changed()
    return cities


def _user(username: str, first_name: str, last_name: str, **extra) -> tuple[User, bool]:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first_name, "last_name": last_name, **extra},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user, created


@transaction.atomic
def load_listings_demo(*, seed: int = 2026, now=None) -> dict[str, int]:
    """Create the demo cities, people and listings; running it again changes nothing.

    The other apps' demo rows build on these (demo/loading.py calls each app's in turn).
    """
    rng = random.Random(seed)
    now = now or timezone.now()
    cities = _cities()
    districts = {slug: list(city.districts.order_by("name")) for slug, city in cities.items()}

    _user(
        "admin", "Walkup", "Admin", is_staff=True, is_superuser=True, email="admin@walkup.example"
    )
    for username, first_name, last_name in BUYERS:
        _user(username, first_name, last_name, email=f"{username}@walkup.example")

    created_listings = 0
    for index, (username, first_name, last_name, agency, city_slugs, verified) in enumerate(AGENTS):
        agent, _ = _user(username, first_name, last_name, email=f"{username}@walkup.example")
        user_make_agent(user=agent, agency_name=agency)
        AgentProfile.objects.filter(user=agent).update(
            agency_name=agency,
            verified=verified,
            licence_number=f"HLJ-2026-{index + 101:04d}",
            phone=f"0468-{3300000 + index * 1111}",
            bio=AGENT_BIO,
            fee_percent=AGENT_FEE_PERCENT[index % len(AGENT_FEE_PERCENT)],
        )
        agent.agent_profile.cities_served.set([cities[slug] for slug in city_slugs])
        if agent.listings.exists():
            continue
        new_listings = []
        for slug in city_slugs:
            spec = next(spec for spec in CITIES if spec.slug == slug)
            share = spec.listings // sum(slug in a[4] for a in AGENTS)
            for _number in range(share):
                district = rng.choice(districts[slug])
                new_listings.append(_listing(rng, cities[slug], spec, district, agent, now))
        Listing.objects.bulk_create(new_listings)
        created_listings += len(new_listings)
        _add_photos(rng, new_listings)

    _demo_left_market_at(now)
    _demo_cost_facts(seed, now)
    _demo_buyer_savings()
    _demo_expiring_soon(now)
    return {
        "cities": City.objects.count(),
        "listings_created": created_listings,
        "active_listings": Listing.objects.active().count(),
    }


def _demo_left_market_at(now) -> None:
    """Generated off the market: say when they left, halfway between publication and now."""
    for listing in Listing.objects.filter(
        status__in=[Listing.Status.SOLD, Listing.Status.WITHDRAWN], left_market_at__isnull=True
    ).exclude(published_at=None):
        listing.left_market_at = listing.published_at + (now - listing.published_at) / 2
        listing.save(update_fields=["left_market_at"])


def _demo_cost_facts(seed: int, now) -> None:
    """What the total cost reads (listings.costs) for listings that lack it: property fees, who
    pays the seller's taxes and since when the seller owns the flat. A stream of its own per
    listing, so the rest of the demo data does not move and a second run changes nothing."""
    missing = list(
        Listing.objects.filter(
            property_fee_per_m2_month__isnull=True,
            agent__username__in=[agent[0] for agent in AGENTS],
        ).only("pk", "year_built")
    )
    today = now.date()
    for listing in missing:
        rng = random.Random(f"{seed}-costs-{listing.pk}")
        listing.property_fee_per_m2_month = Decimal(rng.choice(["0.30", "0.45", "0.60", "0.80"]))
        listing.seller_taxes_paid_by = (
            SellerTaxesPaidBy.BUYER if rng.random() < 0.4 else SellerTaxesPaidBy.EACH
        )
        first_year = max(listing.year_built or 1995, 1995)
        listing.seller_owned_since = (
            None
            if rng.random() < 0.15
            else date(
                rng.randint(first_year, today.year - 1), rng.randint(1, 12), rng.randint(1, 28)
            )
        )
        listing.seller_only_home = rng.random() < 0.6
    Listing.objects.bulk_update(
        missing,
        [
            "property_fee_per_m2_month",
            "seller_taxes_paid_by",
            "seller_owned_since",
            "seller_only_home",
        ],
        batch_size=500,
    )


def _demo_buyer_savings() -> None:
    for username, savings in BUYER_MONTHLY_SAVINGS.items():
        User.objects.filter(username=username, monthly_savings__isnull=True).update(
            monthly_savings=savings
        )


def _demo_expiring_soon(now) -> None:
    """agent1 has a flat leaving the market in three days, for the to-do list on the admin
    index, unless one already expires within the week."""
    listings = Listing.objects.filter(agent__username="agent1")
    if listings.filter(expiring_within(7)).exists():
        return
    first = listings.active().order_by("id").first()
    if first is not None:
        first.confirmed_at = now - timedelta(days=settings.LISTING_EXPIRY_DAYS - 3)
        first.save(update_fields=["confirmed_at"])


# --- trust (issue 13): a verified listing, the same flat from two agents ------------------------

VERIFIER = ("verifier", "核验", "赵")
DUPLICATE_TITLE = "同一套房 · 南山花园 5楼 Same flat, two agents"


def _document(title: str, seed: int) -> bytes:
    """A picture of a paper document: a header, lines of text-like strokes, a red seal."""
    rng = random.Random(seed)
    image = Image.new("RGB", (900, 1200), (246, 243, 234))
    draw = ImageDraw.Draw(image)
    draw.rectangle([60, 60, 840, 1140], outline=(120, 90, 60), width=6)
    draw.text((120, 110), title, fill=(40, 40, 40))
    for line in range(20):
        y = 220 + line * 42
        draw.line([120, y, 120 + rng.randint(380, 700), y], fill=(70, 70, 70), width=5)
    draw.ellipse([560, 880, 780, 1100], outline=(200, 30, 30), width=10)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def _process_now(photo) -> None:
    """Demo only: process in this transaction (the queued task finds nothing left to do)."""
    photo_pipeline.photo_process(model=type(photo), photo_id=photo.pk)


def load_trust_demo() -> dict[str, int]:
    """A verifier, a verified listing with its two proofs, and the same flat listed by two
    agents with the same photo (found by its perceptual hash, shown once in search)."""
    verifier, _ = _user(*VERIFIER, is_staff=True, email="verifier@walkup.example")
    verifier.groups.add(Group.objects.get_or_create(name=VERIFIERS_GROUP)[0])

    if not Listing.objects.filter(verified_at__isnull=False).exists():
        listing = Listing.objects.active().filter(agent__username="agent1").order_by("pk").first()
        if listing is not None:
            for kind, title in (
                (ListingProof.Kind.OWNERSHIP_CERTIFICATE, "Ownership certificate"),
                (ListingProof.Kind.SELLER_AUTHORISATION, "Seller's authorisation"),
            ):
                upload = SimpleUploadedFile(
                    f"{kind}.jpg", _document(title, listing.pk), "image/jpeg"
                )
                proof = proof_add(listing=listing, upload=upload, kind=kind, by=listing.agent)
                _process_now(proof)
            listing_verify(listing=listing, by=verifier)

    created = 0
    if not Listing.objects.filter(title=DUPLICATE_TITLE).exists():
        hegang = City.objects.get(slug="hegang")
        district = hegang.districts.get(name="Nanshan")
        room = draw_room(random.Random(1313))
        for username, price, area in (("agent2", 43_000, "61.00"), ("agent3", 41_500, "60.40")):
            agent = User.objects.get(username=username)
            listing = listing_create(
                by=agent,
                data={
                    "city": hegang,
                    "district": district,
                    "title": DUPLICATE_TITLE,
                    "description": "两位经纪人都在卖这套房。 Two agents list this flat.",
                    "community_name": "南山花园",
                    "street_address": "南山路 8号",
                    "price": price,
                    "area_m2": Decimal(area),
                    "rooms": 2,
                    "floor": 5,
                    "total_floors": 6,
                    "status": Listing.Status.ACTIVE,
                    # What the total cost reads, as every demo listing has it.
                    "property_fee_per_m2_month": Decimal("0.45"),
                    "seller_taxes_paid_by": SellerTaxesPaidBy.EACH,
                    "seller_owned_since": date(2015, 6, 1),
                    "seller_only_home": True,
                },
            )
            upload = SimpleUploadedFile("living-room.jpg", room, "image/jpeg")
            _process_now(photo_add(listing=listing, upload=upload, by=agent))
            created += 1
    return {
        "listings_created": created,
        "verified_listings": Listing.objects.filter(verified_at__isnull=False).count(),
        "same_flat_listings": Listing.objects.filter(same_flat_key__isnull=False).count(),
    }
