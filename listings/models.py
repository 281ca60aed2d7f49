from datetime import timedelta
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Cast, Coalesce, NullIf, Round
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from listings.costs import DEFAULT_HOME, SellerTaxesPaidBy, total_cost_expression
from photos.models import PerceptuallyHashed, ProcessedPhoto, perceptual_hash_indexes
from photos.variants import variant_payload


def _in_chinese() -> bool:
    return (get_language() or "").startswith("zh")


class City(models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_zh = models.CharField(_("Chinese name"), max_length=80)
    province = models.CharField(_("province"), max_length=80)
    province_zh = models.CharField(_("province (Chinese)"), max_length=80, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")

    def __str__(self):
        return self.local_name

    @property
    def local_name(self) -> str:
        return self.name_zh if _in_chinese() and self.name_zh else self.name

    @property
    def local_province(self) -> str:
        return self.province_zh if _in_chinese() and self.province_zh else self.province


class District(models.Model):
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="districts", verbose_name=_("city")
    )
    name = models.CharField(_("name"), max_length=80)
    name_zh = models.CharField(_("Chinese name"), max_length=80)

    class Meta:
        ordering = ["city__name", "name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="district_unique_name_in_city"),
        ]

    def __str__(self):
        return self.local_name

    @property
    def local_name(self) -> str:
        return self.name_zh if _in_chinese() and self.name_zh else self.name


AREA_HUNDREDTHS = Cast(Round(F("area_m2") * 100), models.BigIntegerField())


CARD_FIELDS = [
    "title",
    "price",
    "area_m2",
    "price_per_m2",
    "rooms",
    "floor",
    "total_floors",
    "has_elevator",
    "heating",
    "condition",
    "year_built",
    "status",
    "published_at",
    "city__slug",
    "city__name",
    "city__name_zh",
    "district__name",
    "district__name_zh",
    "agent__username",
    "agent__first_name",
    "agent__last_name",
    "agent__agent_profile__agency_name",
    "agent__agent_profile__verified",
    "verified_at",
    "same_flat_key",
]


# A listing back in draft keeps its first publication time but is nobody's business but its agent's.
ONCE_PUBLISHED = Q(published_at__isnull=False) & ~Q(status="draft")


def manages_listings(user) -> bool:
    """Whether the user manages listings at all: an agent their own, a superuser every one. An
    agent who leaves (accounts.services.user_revoke_agent) keeps their listings but manages none."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.is_agent))


VERIFIERS_GROUP = "Verifiers"


def may_verify_listings(user) -> bool:
    """Whether the user checks listings' proofs and marks them verified: staff who are
    superusers or in the "Verifiers" group (made by a data migration; add people in the admin)."""
    if not (user.is_authenticated and user.is_active and user.is_staff):
        return False
    if user.is_superuser:
        return True
    # Asked several times a request (each admin page's menu); the user object lives that long.
    if not hasattr(user, "_may_verify_listings"):
        user._may_verify_listings = user.groups.filter(name=VERIFIERS_GROUP).exists()
    return user._may_verify_listings


def may_reassign_listings(user) -> bool:
    """Whether the user may give a listing to another agent, or create one for an agent."""
    return manages_listings(user) and user.is_superuser


class PriceCutMarkSince(models.Expression):
    """Now minus PRICE_CUT_MARK_DAYS, read when the query is compiled rather than when it is
    built: the cards' subqueries are built once per process (`_card_subqueries`)."""

    output_field = models.DateTimeField()

    def as_sql(self, compiler, connection):
        since = timezone.now() - PRICE_CUT_MARK_DAYS
        return "%s", [self.output_field.get_db_prep_value(since, connection)]


@cache
def _card_subqueries() -> dict[str, models.Expression]:
    """The cards' per-listing subqueries, built once: building them was a sixth of a search
    request's CPU. annotate() resolves a copy of each, so they are never changed."""
    cover = (
        ListingPhoto.objects.ready()
        .filter(listing=OuterRef("pk"))
        .order_by("-is_cover", "position", "id")
        .values("variants")[:1]
    )
    latest_change = (
        ListingPriceChange.objects.filter(
            listing=OuterRef("pk"), changed_at__gte=PriceCutMarkSince()
        )
        .order_by("-changed_at", "-id")
        .annotate(
            is_cut=models.ExpressionWrapper(
                Q(new_price__lt=F("old_price")), output_field=models.BooleanField()
            )
        )
        .values("is_cut")[:1]
    )
    others = (
        Listing.objects.active()
        .filter(same_flat_key=OuterRef("same_flat_key"))
        .exclude(agent=OuterRef("agent"))
        .order_by()
        .values("same_flat_key")
        .annotate(agents=models.Count("agent", distinct=True))
        .values("agents")
    )
    return {
        "cover_variants": Subquery(cover, output_field=models.JSONField()),
        "price_cut_recently": Coalesce(
            Subquery(latest_change, output_field=models.BooleanField()), models.Value(False)
        ),
        "other_agents": Coalesce(
            Subquery(others, output_field=models.IntegerField()), models.Value(0)
        ),
    }


class ListingQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Listing.Status.ACTIVE)

    def once_published(self):
        """Listings that have been on the market, whatever became of them since: not drafts."""
        return self.filter(ONCE_PUBLISHED)

    def managed_by(self, user):
        """The listings the user may change: the one rule (`Listing.is_managed_by` says the same
        of one listing) that the API, the admin, the pages and the services go through."""
        if not manages_listings(user):
            return self.none()
        return self.all() if user.is_superuser else self.filter(agent=user)

    def visible_to(self, user):
        """Everyone sees a listing once it has been published (sold or withdrawn ones say so on
        their page); whoever manages a listing also sees it in any status."""
        if not manages_listings(user):
            return self.once_published()
        if user.is_superuser:
            return self.all()
        return self.filter(ONCE_PUBLISHED | Q(agent=user))

    def with_total_cost(self, *, home: str = DEFAULT_HOME, today=None):
        """Annotate `total_cost`: listings.costs' total for a buyer in `home`'s situation, in
        the same query (for search's filter and sort)."""
        return self.annotate(total_cost=total_cost_expression(home=home, today=today))

    def with_card_relations(self):
        return self.select_related("city", "district", "agent__agent_profile")

    def for_cards(self):
        """Just what a search card or list result shows: no descriptions, no password hashes."""
        return (
            self.with_card_relations()
            .only(*CARD_FIELDS)
            .with_cover()
            .with_price_cut_mark()
            .with_other_agents()
        )

    # --- the same flat listed by several agents ---

    def with_other_agents(self):
        """Annotate `other_agents`: how many other agents have the same flat on the market
        (`same_flat_key`), in the same query."""
        return self.annotate(other_agents=_card_subqueries()["other_agents"])

    def one_per_flat(self):
        """Keep one listing of each flat listed by several agents: the cheapest of its listings
        in this very queryset (the lowest id among equal prices), so the search shows the best
        price a buyer can get for the flat and a filter never hides the flat while one of its
        listings matches. A correlated subquery: no extra query whatever the page size."""
        ahead = Q(price__lt=OuterRef("price")) | Q(price=OuterRef("price"), pk__lt=OuterRef("pk"))
        cheaper_same_flat = self.order_by().filter(ahead, same_flat_key=OuterRef("same_flat_key"))
        return self.filter(Q(same_flat_key__isnull=True) | ~models.Exists(cheaper_same_flat))

    def with_gallery(self):
        """Prefetch the ready photos, in order, as `ready_photos`: one query for the gallery."""
        return self.prefetch_related(
            Prefetch("photos", queryset=ListingPhoto.objects.ready(), to_attr="ready_photos")
        )

    def with_cover(self):
        """Annotate `cover_variants`: the chosen cover, else the first ready photo, in the same query."""
        return self.annotate(cover_variants=_card_subqueries()["cover_variants"])

    # --- price history ---

    def with_price_cut_mark(self):
        """Annotate `price_cut_recently`: the latest price change within the last 14 days is a cut.

        In the same query (a subquery per row over one index). A change exactly 14 days old still
        counts; one a second older does not. A raise after a cut takes the mark away.
        """
        return self.annotate(price_cut_recently=_card_subqueries()["price_cut_recently"])

    def with_price_history(self):
        """Prefetch the price changes, newest first, as `price_history`: one query."""
        return self.prefetch_related(
            Prefetch(
                "price_changes",
                queryset=ListingPriceChange.objects.order_by("-changed_at", "-id"),
                to_attr="price_history",
            )
        )


class Listing(models.Model):
    class Heating(models.TextChoices):
        CENTRAL = "central", _("Central heating")
        GAS_BOILER = "gas_boiler", _("Own gas boiler")
        ELECTRIC = "electric", _("Electric heating")
        NONE = "none", _("No heating")

    class Condition(models.TextChoices):
        NEEDS_RENOVATION = "needs_renovation", _("Needs renovation")
        BASIC = "basic", _("Basic")
        RENOVATED = "renovated", _("Renovated")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        RESERVED = "reserved", _("Reserved")
        SOLD = "sold", _("Sold")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        # Not reconfirmed by its agent in LISTING_EXPIRY_DAYS: off the market until it is.
        EXPIRED = "expired", _("Expired")

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="listings",
        verbose_name=_("agent"),
        limit_choices_to={"role": "agent"},
    )
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="listings", verbose_name=_("city")
    )
    district = models.ForeignKey(
        District, on_delete=models.PROTECT, related_name="listings", verbose_name=_("district")
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=5000)
    community_name = models.CharField(_("community name"), max_length=120, blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    price = models.PositiveIntegerField(
        _("price (yuan)"), validators=[MinValueValidator(1), MaxValueValidator(100_000_000)]
    )
    area_m2 = models.DecimalField(
        _("area (m²)"),
        max_digits=7,
        decimal_places=2,
        validators=[MinValueValidator(1), MaxValueValidator(10_000)],
    )
    # Stored by the database itself, so it can never disagree with price and area. Whole-number
    # arithmetic on the area in hundredths rounds exact halves up on SQLite and PostgreSQL alike.
    price_per_m2 = models.GeneratedField(
        expression=Cast(
            (Cast(F("price"), models.BigIntegerField()) * 200 + AREA_HUNDREDTHS)
            # NULLIF: a zero area must meet the area check constraint, not a division error.
            / NullIf(AREA_HUNDREDTHS * 2, 0),
            models.IntegerField(),
        ),
        output_field=models.IntegerField(),
        db_persist=True,
        verbose_name=_("price per m² (yuan)"),
    )
    rooms = models.PositiveSmallIntegerField(
        _("rooms"), validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    floor = models.PositiveSmallIntegerField(
        _("floor"), validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    total_floors = models.PositiveSmallIntegerField(
        _("total floors"), validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    has_elevator = models.BooleanField(_("elevator"), default=False)
    heating = models.CharField(
        _("heating"), max_length=20, choices=Heating.choices, default=Heating.CENTRAL
    )
    heating_fee_per_m2 = models.DecimalField(
        _("yearly heating fee per m² (yuan)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    condition = models.CharField(
        _("condition"), max_length=20, choices=Condition.choices, default=Condition.NEEDS_RENOVATION
    )
    property_fee_per_m2_month = models.DecimalField(
        _("property fee per m² a month (yuan)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    # --- who pays the seller's taxes, and what decides them (listings.costs) ---
    seller_taxes_paid_by = models.CharField(
        _("seller's taxes paid by"),
        max_length=10,
        choices=SellerTaxesPaidBy.choices,
        default=SellerTaxesPaidBy.EACH,
    )
    seller_owned_since = models.DateField(
        _("seller owns the flat since"),
        null=True,
        blank=True,
        help_text=_(
            "The date on the seller's ownership certificate. Unknown: the total counts the "
            "seller's VAT as due."
        ),
    )
    seller_only_home = models.BooleanField(
        _("the seller's only home"),
        default=False,
        help_text=_("With five years of ownership, the seller owes no income tax on the sale."),
    )
    year_built = models.PositiveSmallIntegerField(
        _("year built"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    has_ownership_certificate = models.BooleanField(
        _("ownership certificate in hand"), default=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Set by the service when the listing goes off the market (sold, withdrawn...), cleared when
    # it comes back: where days on market stop counting.
    left_market_at = models.DateTimeField(
        _("left the market at"), null=True, blank=True, editable=False
    )
    # --- freshness: set at publication and whenever the agent says it is still for sale ---
    confirmed_at = models.DateTimeField(
        _("confirmed for sale at"), null=True, blank=True, editable=False
    )
    # The confirmed_at the agent was last reminded about: one reminder per confirmation.
    expiry_reminded_for = models.DateTimeField(null=True, blank=True, editable=False)
    # --- verification: set by a verifier (services.listing_verify), cleared by the listing
    # service when the area, floor or address changes ---
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("verified by"),
    )
    # The same flat listed by several agents (services.listing_photo_record_lookalikes): the id
    # of one listing of the group, shared by all; search shows one listing per group.
    same_flat_key = models.BigIntegerField(
        _("same flat as listing"), null=True, blank=True, editable=False, db_index=True
    )

    objects = ListingQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="listing_price_positive"),
            models.CheckConstraint(condition=Q(area_m2__gt=0), name="listing_area_positive"),
            models.CheckConstraint(condition=Q(floor__gte=1), name="listing_floor_at_least_1"),
            models.CheckConstraint(
                condition=Q(floor__lte=F("total_floors")), name="listing_floor_within_building"
            ),
            models.CheckConstraint(
                condition=~Q(status="active") | Q(published_at__isnull=False),
                name="listing_active_has_published_at",
            ),
        ]
        indexes = [
            # Search runs over active listings only; each index serves one sort order,
            # with the id as the keyset tie-breaker.
            models.Index(
                fields=["city", "-published_at", "-id"],
                name="listing_active_city_newest",
                condition=Q(status="active"),
            ),
            models.Index(
                fields=["city", "price", "id"],
                name="listing_active_city_price",
                condition=Q(status="active"),
            ),
            models.Index(
                fields=["city", "price_per_m2", "id"],
                name="listing_active_city_ppm2",
                condition=Q(status="active"),
            ),
            models.Index(
                fields=["-published_at", "-id"],
                name="listing_active_newest",
                condition=Q(status="active"),
            ),
            models.Index(
                fields=["price", "id"], name="listing_active_price", condition=Q(status="active")
            ),
            models.Index(
                fields=["price_per_m2", "id"],
                name="listing_active_ppm2",
                condition=Q(status="active"),
            ),
            models.Index(
                fields=["area_m2", "id"], name="listing_active_area", condition=Q(status="active")
            ),
            models.Index(
                fields=["city", "area_m2", "id"],
                name="listing_active_city_area",
                condition=Q(status="active"),
            ),
            models.Index(fields=["agent", "status"], name="listing_agent_status"),
            # Freshness: the expiry and reminder sweeps, and saved-search matching over what
            # changed since the last run.
            models.Index(
                fields=["confirmed_at"],
                name="listing_active_confirmed",
                condition=Q(status="active"),
            ),
            models.Index(
                fields=["updated_at"], name="listing_active_updated", condition=Q(status="active")
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("listings:detail", args=[self.pk])

    def clean(self):
        errors = {}
        if self.floor and self.total_floors and self.floor > self.total_floors:
            errors["floor"] = _("The floor cannot be above the building's %(total)d floors.") % {
                "total": self.total_floors
            }
        if self.seller_owned_since and self.seller_owned_since > timezone.localdate():
            errors["seller_owned_since"] = _("The seller cannot own it from a day still to come.")
        if self.district_id and self.city_id and self.district.city_id != self.city_id:
            errors["district"] = _("This district is not in the chosen city.")
        if errors:
            raise ValidationError(errors)

    def is_managed_by(self, user) -> bool:
        """Whether the user may change this listing: `Listing.objects.managed_by`, for one."""
        return manages_listings(user) and (user.is_superuser or self.agent_id == user.pk)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def is_for_sale(self) -> bool:
        """On the market and open to offers: buyers can ask about it, a price cut is news."""
        return self.status == self.Status.ACTIVE

    @property
    def is_once_published(self) -> bool:
        """Its page is public (ONCE_PUBLISHED): it has been on the market, whatever became of
        it since; a draft is its agent's business."""
        return self.published_at is not None and self.status != self.Status.DRAFT

    @property
    def photos_are_public(self) -> bool:
        """Its photos are in the public storage once it has been published (ONCE_PUBLISHED),
        as its page is; a draft's are private to its agent."""
        return self.is_once_published

    @property
    def expires_at(self):
        """When an active listing leaves the market unless its agent reconfirms it."""
        if self.status != self.Status.ACTIVE or self.confirmed_at is None:
            return None
        return self.confirmed_at + timedelta(days=settings.LISTING_EXPIRY_DAYS)

    @property
    def cover_thumbnail(self) -> dict | None:
        """The card picture, from the `with_cover()` annotation."""
        return variant_payload(getattr(self, "cover_variants", None), "thumb")

    @property
    def days_on_market(self) -> int | None:
        """Whole days from first publication to now, or to when it left the market."""
        if self.published_at is None:
            return None
        until = self.left_market_at or timezone.now()
        return max(0, (until - self.published_at).days)


class ListingPhoto(PerceptuallyHashed, ProcessedPhoto):
    files_prefix = "listings"
    files_object = "listing"
    received_field = "created_at"

    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="photos", verbose_name=_("listing")
    )
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_cover = models.BooleanField(
        _("cover"), default=False, help_text=_("Shown on search cards. Otherwise the first photo.")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("listing photo")
        verbose_name_plural = _("listing photos")
        constraints = [
            models.UniqueConstraint(
                fields=["listing", "content_hash"], name="listing_photo_unique_content"
            ),
            models.UniqueConstraint(
                fields=["listing"], condition=Q(is_cover=True), name="listing_photo_one_cover"
            ),
        ]
        indexes = [
            models.Index(fields=["listing", "status", "position"], name="listing_photo_gallery"),
            models.Index(fields=["status", "created_at"], name="listing_photo_status"),
            *perceptual_hash_indexes("listing_photo"),
        ]

    def __str__(self):
        return self.caption or _("Photo %(number)s") % {"number": self.pk}

    @classmethod
    def public_photos(cls) -> Q:
        """A listing's photos are public once it has been published, as its page is
        (`Listing.photos_are_public`); a draft's are private to its agent."""
        return Q(listing__in=Listing.objects.once_published().values("pk"))


class ListingPhotoLookalike(models.Model):
    """A photo that looks like an earlier one on another listing (photos.hashing): a relisted
    flat or a borrowed photo. Found when the photo is hashed; staff review them in the admin."""

    photo = models.ForeignKey(
        ListingPhoto, on_delete=models.CASCADE, related_name="lookalikes", verbose_name=_("photo")
    )
    other = models.ForeignKey(
        ListingPhoto,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("looks like"),
    )
    distance = models.PositiveSmallIntegerField(_("differing bits (of 64)"))
    found_at = models.DateTimeField(_("found at"), default=timezone.now)

    class Meta:
        ordering = ["-found_at", "-id"]
        verbose_name = _("possible duplicate photo")
        verbose_name_plural = _("possible duplicates")
        constraints = [
            models.UniqueConstraint(fields=["photo", "other"], name="listing_photo_lookalike_once"),
        ]

    def __str__(self):
        return f"{self.photo_id} ~ {self.other_id}"


class ListingToVerify(Listing):
    """Listings as verifiers see them in the admin (listings.admin.VerificationAdmin)."""

    class Meta:
        proxy = True
        verbose_name = _("listing to verify")
        verbose_name_plural = _("listings to verify")


class ListingProof(ProcessedPhoto):
    """A private document proving a listing: never public, seen by its agent and verifiers."""

    files_prefix = "proofs"
    files_object = "listing"
    received_field = "created_at"

    class Kind(models.TextChoices):
        OWNERSHIP_CERTIFICATE = "ownership_certificate", _("Ownership certificate")
        SELLER_AUTHORISATION = "seller_authorisation", _("Seller's authorisation")

    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="proofs", verbose_name=_("listing")
    )
    kind = models.CharField(_("document"), max_length=30, choices=Kind.choices)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "-created_at", "-id"]
        verbose_name = _("proof document")
        verbose_name_plural = _("proof documents")
        indexes = [
            models.Index(fields=["listing", "kind"], name="listing_proof_listing_kind"),
            models.Index(fields=["status", "created_at"], name="listing_proof_status"),
        ]

    def __str__(self):
        return self.get_kind_display()


# --- price history ------------------------------------------------------------------------

PRICE_CUT_MARK_DAYS = timedelta(days=14)


class ListingPriceChange(models.Model):
    """One change of a listing's price, written by `listings.services.listing_update`."""

    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="price_changes", verbose_name=_("listing")
    )
    old_price = models.PositiveIntegerField(_("old price (yuan)"))
    new_price = models.PositiveIntegerField(_("new price (yuan)"))
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("price change")
        verbose_name_plural = _("price changes")
        constraints = [
            models.CheckConstraint(
                condition=~Q(old_price=F("new_price")), name="listing_price_change_changes"
            ),
        ]
        indexes = [
            models.Index(
                fields=["listing", "-changed_at", "-id"], name="listing_price_change_latest"
            ),
        ]

    def __str__(self):
        return f"{self.listing_id}: {self.old_price} → {self.new_price}"

    @property
    def is_cut(self) -> bool:
        return self.new_price < self.old_price

    @property
    def difference(self) -> int:
        return self.new_price - self.old_price
