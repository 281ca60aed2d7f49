from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.files.storage import storages

from listings.models import ListingPhoto

FILE_SYSTEM = "django.core.files.storage.FileSystemStorage"


@dataclass(frozen=True)
class PhotoStorage:
    public: Path
    private: Path

    def files(self) -> list[str]:
        """Every stored file, public and private, relative to tmp_path."""
        return sorted(
            str(path.relative_to(self.public.parent))
            for root in (self.public, self.private)
            for path in root.rglob("*")
            if path.is_file()
        )


@pytest.fixture
def photo_storage(settings, tmp_path, monkeypatch) -> PhotoStorage:
    """Public and private media in tmp_path; nothing a test stores reaches the project's folders."""
    public, private = tmp_path / "media", tmp_path / "private-media"
    settings.MEDIA_ROOT = str(public)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": FILE_SYSTEM, "OPTIONS": {"location": str(public)}},
        "private": {
            "BACKEND": FILE_SYSTEM,
            "OPTIONS": {"location": str(private), "base_url": None},
        },
    }
    # Django's setting_changed receiver empties the storages cache, so these are new backends.
    assert storages["default"].location == str(public)
    assert storages["private"].location == str(private)
    # A FileField calls its storage callable once, when the model class is built: point it here.
    monkeypatch.setattr(ListingPhoto._meta.get_field("original"), "storage", storages["private"])
    return PhotoStorage(public=public, private=private)
