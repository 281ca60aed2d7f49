from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from listings.models import City, District, Listing


class SavedSearch(models.Model):
    """A buyer's search page filters kept under a name, with how they want to hear of new flats."""

    class Frequency(models.TextChoices):
        INSTANT = "instant", _("At once")
        DAILY = "daily", _("Once a day")
        NONE = "none", _("No alerts")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="saved_searches",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=80)
    # Exactly the search page's GET parameters that are filters, as {"name": "value"}.
    params = models.JSONField(_("filters"), default=dict, blank=True)
    frequency = models.CharField(
        _("alerts"), max_length=10, choices=Frequency.choices, default=Frequency.INSTANT
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)
    # Listings changed up to this time are not news to this search (set when it is saved or
    # its filters change); the runs' own progress is MatchingMark's.
    matched_until = models.DateTimeField(editable=False)

    # The filters of `params` as the FilterSet reads them, in columns the matching finds
    # searches by (alerts.services.saved_search_columns keeps them in step); empty: any.
    # A removed city or district keeps its id, which no listing has, so nothing matches.
    city = models.ForeignKey(
        City, models.DO_NOTHING, db_constraint=False, null=True, editable=False, related_name="+"
    )
    district = models.ForeignKey(
        District,
        models.DO_NOTHING,
        db_constraint=False,
        null=True,
        editable=False,
        related_name="+",
    )
    price_min = models.PositiveIntegerField(null=True, editable=False)
    price_max = models.PositiveIntegerField(null=True, editable=False)
    area_min = models.DecimalField(max_digits=7, decimal_places=2, null=True, editable=False)
    area_max = models.DecimalField(max_digits=7, decimal_places=2, null=True, editable=False)
    rooms = models.PositiveSmallIntegerField(null=True, editable=False)
    price_per_m2_max = models.PositiveIntegerField(null=True, editable=False)
    floor_max = models.PositiveSmallIntegerField(null=True, editable=False)
    has_elevator = models.BooleanField(null=True, editable=False)
    heating = models.CharField(max_length=20, blank=True, editable=False)
    condition = models.CharField(max_length=20, blank=True, editable=False)
    # Some filter is not in the columns (keywords, say): the FilterSet checks each candidate.
    needs_filterset = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("saved search")
        verbose_name_plural = _("saved searches")
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="saved_search_list"),
            # Matching: the searches of a listing's city (or of any city) with a cap above it.
            models.Index(
                fields=["city", "price_max"],
                name="saved_search_matching",
                condition=~models.Q(frequency="none"),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return search_url(self.params)


def search_url(params: dict[str, str], *, page: str | None = None) -> str:
    """The search page with these filters; `page`: its path, when already reversed (an alerts
    run links tens of thousands of searches)."""
    query = urlencode(sorted(params.items()))
    return (page or reverse("listings:search")) + (f"?{query}" if query else "")


class MatchingMark(models.Model):
    """One row: listings changed up to `matched_until` have been matched against every saved
    search. Moved by each run, so that a run writes one row rather than one per search."""

    matched_until = models.DateTimeField()

    def __str__(self):
        return f"{self.matched_until:%Y-%m-%d %H:%M:%S}"


class SearchMatch(models.Model):
    """A listing a saved search was alerted about: never twice, whatever runs overlap."""

    # The database's foreign keys stay, although a run inserting hundreds of thousands of rows
    # pays for their checks (13.4 s against 3.3 s for 500,000 rows, measured under load): a row
    # naming a search or flat that is gone would be an alert no one can explain.
    saved_search = models.ForeignKey(
        SavedSearch,
        on_delete=models.CASCADE,
        related_name="matches",
        db_index=False,  # the unique (search, listing) serves it
    )
    listing = models.ForeignKey(Listing, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["saved_search", "listing"], name="search_match_once_per_listing"
            ),
        ]

    def __str__(self):
        return f"{self.saved_search_id} · {self.listing_id}"
