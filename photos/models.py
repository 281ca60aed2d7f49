"""The columns and rules every processed photo has, whichever app owns it (see photos/pipeline.py).

A photo-bearing app plugs in with a concrete model and nothing else: it subclasses
`ProcessedPhoto`, names the first folder of its files and the object they belong to, and registers
who may see them with photos.access. Storing, processing, the sweeps and the API's variants are
the same code for every such model.
"""

import uuid
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

from django.apps import apps
from django.conf import settings
from django.core.files.storage import storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from photos.hashing import BAND_FIELDS, hash_bands
from photos.processing import VARIANT_WIDTHS
from photos.variants import PRIVATE, PUBLIC, stored_outside, variant_payload


def private_storage():
    """Originals are never served (they carry GPS and other metadata): the private storage."""
    return storages[PRIVATE]


def original_upload_to(photo: "ProcessedPhoto", filename: str) -> str:
    # The name people gave the file is not kept: it can say more than they mean to.
    extension = Path(filename).suffix.lower()[:6]
    return f"{photo.files_folder}/originals/{uuid.uuid4().hex}{extension}"


class ProcessedPhotoQuerySet(models.QuerySet):
    def ready(self):
        return self.filter(status=ProcessedPhoto.Status.READY)

    def stale(self):
        """Pending photos whose task is not on its way: never queued (the broker was down when
        they came in) after a short grace, or queued long ago and lost (its worker died with
        the message). A photo queued a moment ago may wait behind a flood: it is left alone."""
        now = timezone.now()
        never_queued = Q(
            queued_at__isnull=True,
            **{
                f"{self.model.received_field}__lt": now
                - timedelta(seconds=settings.PHOTO_UNQUEUED_AFTER_SECONDS)
            },
        )
        lost = Q(queued_at__lt=now - timedelta(seconds=settings.PHOTO_STALE_AFTER_SECONDS))
        return self.filter(
            never_queued | lost,
            status=ProcessedPhoto.Status.PENDING,
            attempts__lt=settings.PHOTO_MAX_ATTEMPTS,
        )

    def exhausted(self):
        """Pending photos that used up their attempts, the last one killed with its task lost
        (a worker killed and its message gone): nothing will run them again."""
        cutoff = timezone.now() - timedelta(seconds=settings.PHOTO_STALE_AFTER_SECONDS)
        return self.filter(
            status=ProcessedPhoto.Status.PENDING,
            attempts__gte=settings.PHOTO_MAX_ATTEMPTS,
            **{f"{self.model.received_field}__lt": cutoff},
        )

    def misplaced(self):
        """Photos with variant files outside the storage their model's rule names."""
        names = tuple(VARIANT_WIDTHS)
        public = self.model.public_photos()
        if public is None:
            return self.filter(stored_outside(PRIVATE, names))
        return self.filter(
            (public & stored_outside(PUBLIC, names)) | (~public & stored_outside(PRIVATE, names))
        )


class ProcessedPhoto(models.Model):
    """A photo whose private original is made into web variants by the pipeline.

    A concrete model adds what it belongs to and when it was received, and says:
    - `files_prefix`: the first folder of its files, the prefix its app registers with
      photos.access (`<prefix>/<object id>/originals/…`, `<prefix>/<object id>/<photo id>/…`);
    - `files_object`: the foreign key whose id is the second folder, the one the access check reads;
    - `received_field`: when the server got it, for the sweep that queues stale photos again;
    - `public_photos()`: which of its photos' variants belong in the public storage (cacheable
      URLs), as a filter; None (the default) keeps them all private.
    """

    files_prefix: ClassVar[str]
    files_object: ClassVar[str]
    received_field: ClassVar[str] = "received_at"

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
    # The outbox's mark: when its processing task last reached the broker (empty: not yet).
    queued_at = models.DateTimeField(_("queued at"), null=True, blank=True)
    original = models.FileField(
        _("original file"), storage=private_storage, upload_to=original_upload_to, max_length=255
    )

    objects = ProcessedPhotoQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def public_photos(cls) -> Q | None:
        return None

    @property
    def files_folder(self) -> str:
        object_id = getattr(self, self._meta.get_field(self.files_object).attname)
        return f"{self.files_prefix}/{object_id}"

    @property
    def variants_folder(self) -> str:
        """Where its variants are stored: photos.access reads the object id back from the name."""
        return f"{self.files_folder}/{self.pk}"

    def variant_storage(self) -> str:
        """The storage its variant files belong in now: "default" (public) or "private"."""
        public = self.public_photos()
        if public is None:
            return PRIVATE
        return PUBLIC if type(self).objects.filter(public, pk=self.pk).exists() else PRIVATE

    def variant(self, name: str) -> dict | None:
        return variant_payload(self.variants, name)

    @property
    def sizes(self) -> dict[str, dict | None]:
        """Each variant's URLs and size by name, for templates."""
        return {name: self.variant(name) for name in self.variants}


class PerceptuallyHashed(models.Model):
    """A photo model whose photos get a perceptual hash (photos.hashing), to find the same
    picture elsewhere: the pipeline computes it once the variants are made. Listing photos have
    it; documents (every ownership certificate looks like the next) have no use for it."""

    perceptual_hash = models.BigIntegerField(_("perceptual hash"), null=True, editable=False)
    # The hash in four 16-bit bands, each indexed with the hash (perceptual_hash_indexes): a
    # lookalike shares a band within a few bits.
    hash_band_0 = models.PositiveIntegerField(null=True, editable=False)
    hash_band_1 = models.PositiveIntegerField(null=True, editable=False)
    hash_band_2 = models.PositiveIntegerField(null=True, editable=False)
    hash_band_3 = models.PositiveIntegerField(null=True, editable=False)

    class Meta:
        abstract = True

    def set_perceptual_hash(self, value: int) -> list[str]:
        """Record the hash and its bands; returns the fields to save."""
        self.perceptual_hash = value
        for field, band in zip(BAND_FIELDS, hash_bands(value), strict=True):
            setattr(self, field, band)
        return ["perceptual_hash", *BAND_FIELDS]


def perceptual_hash_indexes(prefix: str) -> list[models.Index]:
    """The indexes a PerceptuallyHashed model lists in its Meta: each band with the whole hash,
    so the lookup's candidates are read from the indexes alone (no row fetched per candidate:
    30 times faster at a million photos on SQLite, bench/photo_hashes.py)."""
    return [
        models.Index(fields=[field, "perceptual_hash"], name=f"{prefix}_{field}")
        for field in BAND_FIELDS
    ]


def photo_models() -> list[type[ProcessedPhoto]]:
    """Every installed photo model: what the shared task and sweeps work on."""
    return [model for model in apps.get_models() if issubclass(model, ProcessedPhoto)]


def photo_model(label: str) -> type[ProcessedPhoto]:
    """The photo model named "app_label.ModelName"; LookupError for anything else."""
    model = apps.get_model(label)
    if not issubclass(model, ProcessedPhoto):
        raise LookupError(f"{label} is not a photo model.")
    return model


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
