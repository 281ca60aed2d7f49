from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from listings.models import Listing


class Favorite(models.Model):
    """A flat a buyer saved. Only that buyer ever sees it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="favorites",
        verbose_name=_("buyer"),
    )
    listing = models.ForeignKey(
        Listing, on_delete=models.CASCADE, related_name="favorites", verbose_name=_("listing")
    )
    created_at = models.DateTimeField(_("saved at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("saved flat")
        verbose_name_plural = _("saved flats")
        constraints = [
            models.UniqueConstraint(fields=["user", "listing"], name="favorite_once_per_listing"),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at", "-id"], name="favorite_list"),
        ]

    def __str__(self):
        return f"{self.user} · {self.listing_id}"
