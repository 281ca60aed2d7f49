"""A purchase of one listed flat by one buyer, walked through with the listing's agent.

The steps, who does each and the rules between them are in purchases/steps.py; the writes in
services.py, who may see what in selectors.py.
"""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from photos.models import ProcessedPhoto
from photos.variants import PRIVATE


def private_storage():
    """Documents are never at a public URL: only the purchase's document view serves them."""
    return storages[PRIVATE]


def document_upload_to(document: "StepDocument", filename: str) -> str:
    # The name people gave the file is not kept in the storage: it can say more than they mean to.
    return f"purchases/{document.purchase_id}/documents/{uuid.uuid4().hex}.pdf"


class Purchase(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Waiting for the other party")
        ACTIVE = "active", _("In progress")
        COMPLETED = "completed", _("Completed")
        ABANDONED = "abandoned", _("Abandoned")

    OPEN_STATUSES = (Status.PROPOSED, Status.ACTIVE)

    listing = models.ForeignKey(
        "listings.Listing",
        on_delete=models.PROTECT,
        related_name="purchases",
        verbose_name=_("listing"),
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="purchases_as_buyer",
        verbose_name=_("buyer"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="purchases_as_agent",
        verbose_name=_("agent"),
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("opened by"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("completed or abandoned at"), null=True, blank=True)
    renovation = models.OneToOneField(
        "renovations.RenovationProject",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="purchase",
        verbose_name=_("renovation project"),
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("purchase")
        verbose_name_plural = _("purchases")
        constraints = [
            # One purchase under way per flat: a second acceptance fails here even if two race.
            models.UniqueConstraint(
                fields=["listing"],
                condition=Q(status="active"),
                name="purchase_one_active_per_listing",
            ),
            models.UniqueConstraint(
                fields=["listing", "buyer"],
                condition=Q(status__in=["proposed", "active"]),
                name="purchase_one_open_per_buyer_and_listing",
            ),
            models.CheckConstraint(
                condition=~Q(buyer=models.F("agent")), name="purchase_buyer_is_not_agent"
            ),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created_at", "-id"], name="purchase_buyer_list"),
            models.Index(fields=["agent", "-created_at", "-id"], name="purchase_agent_list"),
            # The per-day limit on purchases opened counts a person's latest.
            models.Index(fields=["opened_by", "created_at"], name="purchase_opened_by"),
        ]

    def __str__(self):
        return f"{self.listing} · {self.buyer}"

    def get_absolute_url(self):
        return reverse("purchases:detail", args=[self.pk])

    def other_party(self, user):
        return self.agent if user.pk == self.buyer_id else self.buyer

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Step(models.Model):
    class Kind(models.TextChoices):
        VIEWING = "viewing", _("Video viewing done")
        OWNERSHIP = "ownership", _("Ownership certificate (不动产权证) checked")
        ENCUMBRANCES = "encumbrances", _("No mortgage or seizure (registry extract)")
        ARREARS = "arrears", _("Heating and property fees: no arrears")
        DEPOSIT = "deposit", _("Deposit paid into supervised account (资金监管)")
        POWER_OF_ATTORNEY = "power_of_attorney", _("Notarised power of attorney")
        CONTRACT = "contract", _("Contract signed")
        TRANSFER = "transfer", _("Taxes paid and transfer registered")
        HANDOVER = "handover", _("Handover: keys, meters, heating account")

    class Status(models.TextChoices):
        TODO = "todo", _("To do")
        DONE = "done", _("Done")
        NOT_NEEDED = "not_needed", _("Not needed")

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(_("step"), max_length=20, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(_("position"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.TODO
    )
    done_on = models.DateField(_("date"), null=True, blank=True)
    note = models.TextField(_("note"), max_length=2000, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    updated_at = models.DateTimeField(_("last changed at"), null=True, blank=True)

    class Meta:
        ordering = ["purchase", "position"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        constraints = [
            models.UniqueConstraint(fields=["purchase", "kind"], name="purchase_step_once"),
            models.CheckConstraint(
                condition=Q(status="todo") | Q(done_on__isnull=False),
                name="purchase_step_finished_has_date",
            ),
        ]

    def __str__(self):
        return self.get_kind_display()

    @property
    def is_finished(self) -> bool:
        return self.status != self.Status.TODO


class StepDocument(models.Model):
    """A PDF (registry extract, contract, receipt) for one step: only the two parties read it."""

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="documents")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="documents")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    title = models.CharField(_("title"), max_length=120)
    file = models.FileField(
        _("file"), storage=private_storage, upload_to=document_upload_to, max_length=255
    )
    size = models.PositiveIntegerField(_("size in bytes"))
    pages = models.PositiveIntegerField(_("pages"))
    content_hash = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            # The per-day limit on documents counts a person's latest.
            models.Index(fields=["uploaded_by", "uploaded_at"], name="purchase_document_uploader"),
        ]

    def __str__(self):
        return self.title


class StepPhoto(ProcessedPhoto):
    """A photo for one step (the certificate, meter readings), through the photo pipeline.

    Always private: the files are under `purchases/<purchase id>/`, which photos.access lets the
    two parties alone read.
    """

    files_prefix = "purchases"
    files_object = "purchase"

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="photos")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="photos")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    caption = models.CharField(_("caption"), max_length=120, blank=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("step photo")
        verbose_name_plural = _("step photos")
        indexes = [models.Index(fields=["status", "received_at"], name="purchase_photo_status")]

    def __str__(self):
        return _("Photo %(number)s") % {"number": self.pk}
