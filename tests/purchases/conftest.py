from dataclasses import dataclass

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import User
from purchases import services
from purchases.models import Purchase, Step, StepDocument, StepPhoto
from tests.accounts.factories import AgentFactory, BuyerFactory
from tests.photos import images
from tests.purchases.factories import PurchaseFactory, pdf_bytes, step_of


@pytest.fixture(autouse=True)
def _documents_in_tmp(photo_storage, monkeypatch):
    """Documents in the test's private storage, like the photos (tests/conftest.py)."""
    monkeypatch.setattr(StepDocument._meta.get_field("file"), "storage", storages["private"])


ACTORS = ["buyer", "agent", "other_buyer", "other_agent", "anonymous"]
PARTIES = {"buyer", "agent"}


@dataclass
class World:
    purchase: Purchase
    buyer: User
    agent: User
    other_buyer: User
    other_agent: User
    document: StepDocument
    photo: StepPhoto

    def user(self, actor: str) -> User | None:
        return None if actor == "anonymous" else getattr(self, actor)

    def step(self, kind: str = Step.Kind.OWNERSHIP) -> Step:
        return step_of(self.purchase, kind)


def pdf_upload(content: bytes | None = None, name: str = "extract.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content or pdf_bytes(), content_type="application/pdf")


@pytest.fixture
def world(django_capture_on_commit_callbacks) -> World:
    """An active purchase with a PDF and a processed photo on the ownership step, and two
    outsiders who have purchases of their own (so "nothing" is not just an empty table)."""
    purchase = PurchaseFactory()
    other = PurchaseFactory()
    step = step_of(purchase, Step.Kind.OWNERSHIP)
    document = services.step_file_add(
        step=step, by=purchase.agent, upload=pdf_upload(), title="不动产登记簿"
    )
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.step_file_add(
            step=step, by=purchase.agent, upload=images.upload(images.jpeg(900, 600))
        )
    photo.refresh_from_db()
    return World(
        purchase=purchase,
        buyer=purchase.buyer,
        agent=purchase.agent,
        other_buyer=other.buyer,
        other_agent=other.agent,
        document=document,
        photo=photo,
    )


__all__ = ["ACTORS", "PARTIES", "AgentFactory", "BuyerFactory", "World", "pdf_upload"]
