import hashlib
from datetime import date

import factory

from renovations.models import (
    Expense,
    Invitation,
    ProjectMember,
    RenovationPhoto,
    RenovationProject,
    Task,
    Update,
)
from tests.accounts.factories import BuyerFactory


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RenovationProject

    owner = factory.SubFactory(BuyerFactory)
    title = factory.Sequence(lambda n: f"向阳区 flat {n}")
    address = "鹤岗市向阳区红旗路12号 5楼"
    budget = 25_000
    start_date = date(2026, 11, 2)
    target_date = date(2027, 1, 15)
    status = RenovationProject.Status.IN_PROGRESS


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectMember

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(BuyerFactory)
    role = ProjectMember.MemberRole.MANAGER


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation to an existing buyer (pass `user=None` and a username for none)."""

    class Meta:
        model = Invitation

    project = factory.SubFactory(ProjectFactory)
    invited_by = factory.LazyAttribute(lambda invitation: invitation.project.owner)
    user = factory.SubFactory(BuyerFactory)
    username = factory.LazyAttribute(lambda invitation: invitation.user.username)
    role = ProjectMember.MemberRole.VIEWER


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    name = factory.Sequence(lambda n: f"Task {n}")
    room = "厨房"
    estimated_cost = 1_000
    position = factory.Sequence(lambda n: n)


class ExpenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Expense

    project = factory.SubFactory(ProjectFactory)
    amount = 500
    category = Expense.Category.MATERIALS
    spent_on = date(2026, 11, 10)
    note = "水泥 cement"
    added_by = factory.LazyAttribute(lambda expense: expense.project.owner)


class UpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Update

    project = factory.SubFactory(ProjectFactory)
    author = factory.LazyAttribute(lambda update: update.project.owner)
    note = "今天拆完了旧瓷砖。 Old tiles are off."


class RenovationPhotoFactory(factory.django.DjangoModelFactory):
    """A ready photo row on an update, its variants recorded in the private storage as the
    pipeline names them; the files need not exist."""

    class Meta:
        model = RenovationPhoto

    update = factory.SubFactory(UpdateFactory)
    project = factory.LazyAttribute(lambda photo: photo.update.project)
    original = factory.django.FileField(filename="original.jpg", data=b"not read")
    content_hash = factory.Sequence(lambda n: hashlib.sha256(f"reno {n}".encode()).hexdigest())
    status = RenovationPhoto.Status.READY
    width = 800
    height = 600
    variants = factory.LazyAttributeSequence(
        lambda photo, n: {
            name: {
                "width": width,
                "height": width * 3 // 4,
                "webp": f"renovations/{photo.project.pk}/{n + 1}/{name}-{photo.content_hash[:12]}.webp",
                "jpeg": f"renovations/{photo.project.pk}/{n + 1}/{name}-{photo.content_hash[:12]}.jpeg",
                "storage": "private",
            }
            for name, width in (("large", 800), ("medium", 800), ("thumb", 400))
        }
    )
