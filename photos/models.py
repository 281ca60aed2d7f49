"""The columns every processed photo has, whichever app owns it (see photos/pipeline.py)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from photos.variants import variant_payload


class ProcessedPhoto(models.Model):
    """A photo whose private original is made into public variants by the pipeline.

    A concrete model adds what it belongs to, its `original` FileField (on the private storage)
    and when it was received.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    failure_reason = models.CharField(_("why it failed"), max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(_("processing attempts"), default=0)
    width = models.PositiveIntegerField(_("width"), null=True, blank=True)
    height = models.PositiveIntegerField(_("height"), null=True, blank=True)
    content_hash = models.CharField(_("SHA-256 of the original"), max_length=64)
    captured_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    # {"thumb": {"width": 400, "height": 300, "webp": "<storage name>", "jpeg": "<storage name>"}, ...}
    variants = models.JSONField(_("variants"), default=dict, blank=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        abstract = True

    def variant(self, name: str) -> dict | None:
        return variant_payload(self.variants, name)

    @property
    def sizes(self) -> dict[str, dict | None]:
        """Each variant's URLs and size by name, for templates."""
        return {name: self.variant(name) for name in self.variants}


class PhotoUpload(models.Model):
    """One photo accepted from a person, for the upload budgets (photos/services.py).

    Written with the photo and never with it deleted: deleting photos refunds no budget.
    """

    # The index below starts with the user: no index of its own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("photo upload")
        verbose_name_plural = _("photo uploads")
        indexes = [models.Index(fields=["user", "received_at"], name="photo_upload_user_received")]

    def __str__(self):
        return f"{self.user_id} @ {self.received_at:%Y-%m-%d %H:%M}"
