"""A believable demo renovation: buyer1 renovates a ¥46,000 flat in Hegang from Shanghai."""

import random
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F, Func
from django.utils import timezone, translation

from accounts.models import User
from listings.demo_photos import draw_room
from listings.models import Listing
from renovations import services
from renovations.models import RenovationProject, Role, Task, Update

TITLE = "向阳区两室翻新 · Xiangyang 2-room renovation"
ADDRESS = "鹤岗市向阳区红旗路 58号 5楼（共6层）"
BUDGET = 25_000
# (days after the start, amount, category, note, task position or None)
EXPENSES = [
    (1, 1_500, "labour", "拆除旧瓷砖、旧地板，清运垃圾 Demolition and rubbish removal", 0),
    (4, 2_600, "materials", "PPR水管、电线、线管、开关插座 Pipes, wires, sockets", 1),
    (9, 1_900, "labour", "水电师傅 7 天 Plumber and electrician, 7 days", 1),
    (12, 3_300, "fittings", "塑钢窗 3 扇（双层玻璃）Three double-glazed windows", 2),
    (13, 200, "fees", "物业装修押金 Building management's deposit", None),
]
UPDATES = [
    (
        2,
        "旧装修全部拆完，垃圾已经清走。墙面比想象的好。 Everything old is out; walls better than feared.",
    ),
    (
        10,
        "水电改完了，全部换新线。请看照片里的新电箱。 New wiring throughout; see the new fuse box.",
    ),
    (
        14,
        "三扇新窗户装好了，今晚零下二十度也不漏风。 Three new windows in: no draught at -20 °C tonight.",
    ),
]
TASK_STATUSES = [
    Task.Status.ACCEPTED,
    Task.Status.ACCEPTED,
    Task.Status.DONE,
    Task.Status.IN_PROGRESS,
]


class Abs(Func):
    function = "ABS"


def _flat_bought_for_about_46000() -> Listing | None:
    return (
        Listing.objects.once_published()
        .filter(agent__username="agent1", city__slug="hegang")
        .annotate(distance=Abs(F("price") - 46_000))
        .order_by("distance", "id")
        .first()
    )


@transaction.atomic
def load_renovation_demo(*, seed: int = 2026) -> bool:
    """buyer1's project with agent1 as manager and buyer2 as viewer, who accepted their
    invitations, and buyer3 invited as a viewer, not answered yet; False if already there."""
    owner = User.objects.filter(username="buyer1").first()
    manager = User.objects.filter(username="agent1").first()
    family = User.objects.filter(username="buyer2").first()
    friend = User.objects.filter(username="buyer3").first()
    if not (owner and manager and family):
        return False
    if RenovationProject.objects.filter(owner=owner, title=TITLE).exists():
        return False
    rng = random.Random(seed)  # noqa: S311 - drawing demo pictures
    start = timezone.localdate() - timedelta(days=16)
    with translation.override("zh-hans"):  # the template's task names in Chinese
        project = services.project_create(
            owner=owner,
            data={
                "title": TITLE,
                "address": ADDRESS,
                "listing": _flat_bought_for_about_46000(),
                "budget": BUDGET,
                "start_date": start,
                "target_date": start + timedelta(days=45),
                "status": RenovationProject.Status.IN_PROGRESS,
            },
            from_template=True,
        )
    for member, role in ((manager, Role.MANAGER), (family, Role.VIEWER)):
        invitation, _created = services.invitation_create(
            project=project, by=owner, username=member.username, role=role
        )
        services.invitation_accept(invitation=invitation, by=member)
    if friend:  # asked, not answered yet: what a pending invitation looks like
        services.invitation_create(
            project=project, by=owner, username=friend.username, role=Role.VIEWER
        )
    tasks = list(project.tasks.order_by("position"))
    for task, status in zip(tasks, TASK_STATUSES, strict=False):
        if status in (Task.Status.DONE, Task.Status.ACCEPTED):
            services.task_set_status(task=task, by=manager, status=Task.Status.DONE)
        if status == Task.Status.ACCEPTED:
            services.task_accept(task=task, by=owner)
        if status == Task.Status.IN_PROGRESS:
            services.task_set_status(task=task, by=manager, status=status)
    for days, amount, category, note, position in EXPENSES:
        services.expense_add(
            project=project,
            by=manager,
            data={
                "amount": amount,
                "category": category,
                "spent_on": start + timedelta(days=days),
                "note": note,
                "task": tasks[position] if position is not None else None,
            },
        )
    now = timezone.now()
    for number, (days, note) in enumerate(UPDATES):
        photo = SimpleUploadedFile(f"site-{number}.jpg", draw_room(rng), "image/jpeg")
        update = services.update_post(project=project, by=manager, note=note, photos=[photo])
        # Demo history: spread the updates over the weeks of work instead of all "now".
        sent = now - timedelta(days=16 - days, hours=rng.randint(1, 6))
        Update.objects.filter(pk=update.pk).update(created_at=sent)
        update.photos.update(received_at=sent)
    return True
