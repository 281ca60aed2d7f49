from django.db import models
from django.utils.translation import gettext_lazy as _

from listings.models import Listing


class ListingDailyViews(models.Model):
    """How many people read a listing on one day (Asia/Shanghai), copied from the cache's
    counters by the `flush_listing_views` beat task: a page view itself never writes here."""

    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="daily_views", verbose_name=_("listing")
    )
    day = models.DateField(_("day"))
    views = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        ordering = ["listing", "day"]
        verbose_name = _("daily views")
        verbose_name_plural = _("daily views")
        constraints = [
            models.UniqueConstraint(fields=["listing", "day"], name="listing_daily_views_once"),
        ]

    def __str__(self):
        return f"{self.listing_id} {self.day}: {self.views}"
