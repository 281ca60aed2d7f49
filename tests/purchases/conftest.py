import pytest
from django.core.files.storage import storages

from purchases.models import StepDocument


@pytest.fixture(autouse=True)
def _documents_in_tmp(photo_storage, monkeypatch):
    """Documents in the test's private storage, like the photos (tests/conftest.py)."""
    monkeypatch.setattr(StepDocument._meta.get_field("file"), "storage", storages["private"])
