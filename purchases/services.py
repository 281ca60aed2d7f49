"""Writes: every change to a purchase goes through here, checked and in one transaction.

The listing's status follows the purchase through the listings service (reserved on acceptance,
back on the market when abandoned, sold on completion), never by setting it directly.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError, PyPdfError

from accounts.models import User
from listings.models import Listing
from listings.services import listing_set_status
from marketplace.limits import check_recent_count, lock_user
from messaging.models import Conversation
from notifications.models import Kind
from notifications.services import notify
from photos.services import photo_uploads_check, photo_uploads_record, photos_storing
from photos.validation import check_image_upload
from purchases import steps as checklist
from purchases.models import Purchase, Step, StepDocument, StepPhoto
from renovations.models import RenovationProject
from renovations.services import SMALL_FLAT_TEMPLATE, project_create
from viewings import selectors as viewings_selectors
from viewings.models import Viewing

Status = Purchase.Status
StepStatus = Step.Status
MAX_NOTE = 2000
PDF_MAGIC = b"%PDF-"
MAX_PDF_PAGES = 500
MAX_PDF_OBJECTS = 25_000


def _group(purchase: Purchase) -> str:
    return f"purchase:{purchase.pk}"


def _tell(recipient: User, purchase: Purchase, kind: str, message: str, **values) -> None:
    """Notify in the recipient's language, whatever language the writer uses."""
    with translation.override(recipient.language):
        text = _(message) % {"flat": purchase.listing.title, **values}
    notify(
        recipient=recipient,
        kind=kind,
        subject=purchase,
        text=text,
        link=purchase.get_absolute_url(),
        group_key=_group(purchase),
    )


def _require_party(purchase: Purchase, by: User) -> str:
    role = checklist.role_in(purchase, by)
    if role is None:
        raise PermissionDenied(_("Only the buyer and the agent of a purchase can change it."))
    return role


def _locked(purchase: Purchase) -> Purchase:
    locked = Purchase.objects.select_for_update().select_related("listing").get(pk=purchase.pk)
    locked.role = getattr(purchase, "role", None)
    return locked


def _today() -> date:
    return timezone.localdate()


# --- opening, accepting, abandoning ---------------------------------------------------------


def _check_open_allowed(by: User) -> None:
    limit = settings.PURCHASES_OPENED_PER_DAY
    check_recent_count(
        Purchase.objects.filter(opened_by=by),
        time_field="created_at",
        limit=limit,
        window=timedelta(days=1),
        message=_("You have opened %(limit)d purchases in the last day.") % {"limit": limit},
        field="listing",
    )


def _buyer_for(*, by: User, listing: Listing, buyer: User | None) -> User:
    """Who buys: the person opening it, or, for the listing's agent, a buyer who asked them
    about this flat (an agent cannot start a purchase with a stranger)."""
    if not by.is_agent:
        if buyer is not None and buyer.pk != by.pk:
            raise PermissionDenied(_("A buyer opens a purchase for themselves only."))
        return by
    if listing.agent_id != by.pk:
        raise PermissionDenied(_("Only the listing's agent can open a purchase on it."))
    if buyer is None:
        raise ValidationError({"buyer": _("Choose the buyer.")})
    asked = Conversation.objects.filter(listing=listing, agent=by, buyer=buyer).exists()
    if not asked or buyer.is_agent or not buyer.is_active:
        raise ValidationError({"buyer": _("Choose a buyer who asked you about this flat.")})
    return buyer


@transaction.atomic
def purchase_open(*, by: User, listing: Listing, buyer: User | None = None) -> Purchase:
    """The buyer or the listing's agent proposes a purchase; the other accepts it."""
    if not by.is_active:
        raise PermissionDenied(_("This account is not active."))
    buyer = _buyer_for(by=by, listing=listing, buyer=buyer)
    if not listing.is_for_sale:
        raise ValidationError({"listing": _("This flat is not on the market.")})
    lock_user(by)  # one person's openings one after another: the limit counts what this adds
    if Purchase.objects.filter(
        listing=listing, buyer=buyer, status__in=Purchase.OPEN_STATUSES
    ).exists():
        raise ValidationError({"listing": _("A purchase of this flat by this buyer is open.")})
    _check_open_allowed(by)
    purchase = Purchase(listing=listing, buyer=buyer, agent_id=listing.agent_id, opened_by=by)
    purchase.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            purchase.save()
    except IntegrityError:  # the same pair at the same moment
        raise ValidationError(
            {"listing": _("A purchase of this flat by this buyer is open.")}
        ) from None
    steps = [
        Step(purchase=purchase, kind=rule.kind, position=position)
        for position, rule in enumerate(checklist.CHECKLIST)
    ]
    viewing = viewings_selectors.last_done_viewing(buyer=buyer, listing=listing)
    if viewing is not None:
        _tick_viewing_step(next(s for s in steps if s.kind == Step.Kind.VIEWING), viewing)
    Step.objects.bulk_create(steps)
    _tell(
        purchase.other_party(by),
        purchase,
        Kind.PURCHASE_UPDATE,
        gettext_noop("%(who)s proposes to go through the purchase of “%(flat)s” with you."),
        who=by.display_name,
    )
    return purchase


@transaction.atomic
def purchase_accept(*, purchase: Purchase, by: User) -> Purchase:
    """The other party agrees: the purchase starts and the flat is reserved."""
    _require_party(purchase, by)
    purchase = _locked(purchase)
    if by.pk == purchase.opened_by_id:
        raise PermissionDenied(_("The other party accepts a purchase, not the one who opened it."))
    if purchase.status != Status.PROPOSED:
        raise ValidationError(
            {
                "status": _("This purchase is %(status)s.")
                % {"status": purchase.get_status_display()}
            }
        )
    listing = Listing.objects.select_for_update().get(pk=purchase.listing_id)
    if listing.agent_id != purchase.agent_id or not listing.is_for_sale:
        raise ValidationError({"listing": _("This flat is not on the market any more.")})
    purchase.status = Status.ACTIVE
    purchase.accepted_at = timezone.now()
    try:
        with transaction.atomic():
            purchase.save(update_fields=["status", "accepted_at"])
    except IntegrityError:
        raise ValidationError(
            {"listing": _("Another purchase of this flat is under way.")}
        ) from None
    # The agent agreed to this purchase by opening or accepting it: the reservation is theirs.
    listing_set_status(listing=listing, by=purchase.agent, status=Listing.Status.RESERVED)
    _tell(
        purchase.other_party(by),
        purchase,
        Kind.PURCHASE_UPDATE,
        gettext_noop("%(who)s accepted: the purchase of “%(flat)s” has started."),
        who=by.display_name,
    )
    return purchase


@transaction.atomic
def purchase_abandon(*, purchase: Purchase, by: User) -> Purchase:
    """Either party stops an open purchase; a reserved flat goes back on the market."""
    _require_party(purchase, by)
    purchase = _locked(purchase)
    if not purchase.is_open:
        raise ValidationError(
            {
                "status": _("This purchase is %(status)s.")
                % {"status": purchase.get_status_display()}
            }
        )
    was_active = purchase.status == Status.ACTIVE
    purchase.status = Status.ABANDONED
    purchase.closed_at = timezone.now()
    purchase.save(update_fields=["status", "closed_at"])
    listing = Listing.objects.select_for_update().get(pk=purchase.listing_id)
    if was_active and listing.status == Listing.Status.RESERVED:
        listing_set_status(listing=listing, by=purchase.agent, status=Listing.Status.ACTIVE)
    _tell(
        purchase.other_party(by),
        purchase,
        Kind.PURCHASE_UPDATE,
        gettext_noop("%(who)s stopped the purchase of “%(flat)s”."),
        who=by.display_name,
    )
    return purchase


# --- steps ----------------------------------------------------------------------------------


def _status_error(step: Step, role: str, status: str, steps: list[Step]) -> str | None:
    """Why this side may not give the step this status now, or None when it may."""
    rule = checklist.rule_of(step)
    if status == StepStatus.NOT_NEEDED and not rule.may_be_skipped:
        return _("This step is needed in every purchase.")
    if status == StepStatus.DONE and rule.moves_money:
        blockers = checklist.money_blockers(steps)
        if blockers:
            return money_warning(blockers)
    if status == StepStatus.TODO and step.kind in checklist.MONEY_NEEDS:
        paid = [s for s in steps if checklist.rule_of(s).moves_money and s.status == "done"]
        if paid:
            return _("Money has already moved on this check (%(steps)s): it stays done.") % {
                "steps": ", ".join(str(s.get_kind_display()) for s in paid)
            }
    return None


def money_warning(blockers: list[Step]) -> str:
    """Why a step that moves money cannot be confirmed yet, in words."""
    return _(
        "Do not pay yet: first %(steps)s must be done, so that your money never goes to a flat "
        "that is not the seller's, that carries a mortgage or seizure, or that has unpaid fees."
    ) % {"steps": ", ".join(f"“{step.get_kind_display()}”" for step in blockers)}


def step_status_choices(step: Step, role: str | None) -> list[str]:
    """The statuses this side may choose for the step (the page's select lists these)."""
    if not checklist.may_act(step, role):
        return []
    rule = checklist.rule_of(step)
    return [
        status
        for status in StepStatus.values
        if status != StepStatus.NOT_NEEDED or rule.may_be_skipped or step.status == status
    ]


@dataclass(frozen=True)
class StepChange:
    step: Step
    purchase: Purchase
    completed: bool


@transaction.atomic
def step_update(*, step: Step, by: User, data: dict[str, Any]) -> StepChange:
    """Change a step's status, date or note. The agent marks the steps done; the buyer confirms
    the ones that move money, and only once the checks in MONEY_NEEDS are done. When every step
    is done or not needed, the purchase completes and the flat is sold."""
    purchase = step.purchase
    role = _require_party(purchase, by)
    purchase = _locked(purchase)
    if purchase.status != Status.ACTIVE:
        raise ValidationError(_("Only a purchase in progress has steps to change."))
    steps = list(purchase.steps.select_for_update().order_by("position"))
    step = next(s for s in steps if s.pk == step.pk)
    if not checklist.may_act(step, role):
        raise PermissionDenied(
            _("%(who)s does this step.") % {"who": checklist.rule_of(step).actor_label}
        )
    old_status = step.status
    status = data.get("status", step.status)
    if status not in StepStatus.values:
        raise ValidationError({"status": _("Choose to do, done or not needed.")})
    if status != old_status:
        error = _status_error(step, role, status, steps)
        if error:
            raise ValidationError({"status": error})
    step.status = status
    if "note" in data:
        step.note = (data["note"] or "").strip()
        if len(step.note) > MAX_NOTE:
            raise ValidationError(
                {"note": _("A note has at most %(max)d characters.") % {"max": MAX_NOTE}}
            )
    if status == StepStatus.TODO:
        step.done_on = None
    else:
        step.done_on = data.get("done_on") or step.done_on or _today()
        if step.done_on > _today():
            raise ValidationError({"done_on": _("The date cannot be in the future.")})
    step.updated_by = by
    step.updated_at = timezone.now()
    step.full_clean(exclude=["purchase", "updated_by"])
    step.save()
    if status == StepStatus.DONE and old_status != StepStatus.DONE:
        _tell_step_done(purchase, by, step)
    completed = all(s.is_finished for s in steps)
    if completed:
        _complete(purchase)
    return StepChange(step=step, purchase=purchase, completed=completed)


def _tick_viewing_step(step: Step, viewing: Viewing) -> None:
    """The checklist's first step, done by a video viewing booked on Walkup that the buyer said
    took place; a note already written stays, under the viewing's."""
    step.status = StepStatus.DONE
    step.done_on = timezone.localdate(viewing.starts_at)
    seen = _("Video viewing on %(date)s, booked on Walkup.") % {"date": f"{step.done_on:%Y-%m-%d}"}
    step.note = f"{seen}\n{step.note}".strip()[:MAX_NOTE]
    step.updated_by_id = viewing.buyer_id
    step.updated_at = timezone.now()


@transaction.atomic
def purchases_see_viewing_done(*, viewing: Viewing) -> None:
    """A viewing the buyer says took place ticks "video viewing done" in their open purchase of
    the flat, if nobody has yet (viewings announces it: purchases/apps.py). The agent still
    ticks the step by hand for a viewing held elsewhere."""
    purchases = Purchase.objects.select_for_update(of=("self",)).filter(
        buyer_id=viewing.buyer_id, listing_id=viewing.listing_id, status__in=Purchase.OPEN_STATUSES
    )
    for purchase in purchases.select_related("listing", "agent"):
        step = (
            purchase.steps.select_for_update()
            .filter(kind=Step.Kind.VIEWING, status=StepStatus.TODO)
            .first()
        )
        if step is None:
            continue
        _tick_viewing_step(step, viewing)
        step.save(update_fields=["status", "done_on", "note", "updated_by", "updated_at"])
        _tell_step_done(purchase, viewing.buyer, step)


def _tell_step_done(purchase: Purchase, by: User, step: Step) -> None:
    recipient = purchase.other_party(by)
    with translation.override(recipient.language):
        text = _("“%(flat)s”: %(who)s marked “%(step)s” done.") % {
            "flat": purchase.listing.title,
            "who": by.display_name,
            "step": step.get_kind_display(),
        }
    notify(
        recipient=recipient,
        kind=Kind.PURCHASE_STEP_DONE,
        subject=step,
        text=text,
        link=purchase.get_absolute_url(),
        group_key=_group(purchase),
    )


def _complete(purchase: Purchase) -> None:
    purchase.status = Status.COMPLETED
    purchase.closed_at = timezone.now()
    purchase.save(update_fields=["status", "closed_at"])
    listing = Listing.objects.select_for_update().get(pk=purchase.listing_id)
    listing_set_status(listing=listing, by=purchase.agent, status=Listing.Status.SOLD)
    _tell(
        purchase.buyer,
        purchase,
        Kind.PURCHASE_UPDATE,
        gettext_noop("“%(flat)s” is yours. Start its renovation project from the purchase page."),
    )
    _tell(
        purchase.agent,
        purchase,
        Kind.PURCHASE_UPDATE,
        gettext_noop("The purchase of “%(flat)s” is complete: the listing is sold."),
    )


# --- documents ------------------------------------------------------------------------------


def _pdf_reading_limits() -> dict[str, int]:
    """pypdf's limits for one upload, far below its defaults: a page tree that names the same
    pages over and over, or a stream that inflates a thousandfold, is refused in milliseconds
    instead of holding a web worker (the limits hold per thread: pypdf keeps them in a context
    variable)."""
    inflated = 5 * settings.PURCHASE_DOCUMENT_MAX_BYTES
    return {
        "page_tree_maximum_entries": 4 * MAX_PDF_PAGES,
        "page_tree_maximum_depth": 32,
        "page_tree_maximum_page_entries": 100 * MAX_PDF_PAGES,
        "maximum_declared_stream_length": settings.PURCHASE_DOCUMENT_MAX_BYTES,
        "zlib_maximum_output_length": inflated,
        "lzw_maximum_output_length": inflated,
        "run_length_maximum_output_length": inflated,
        "brotli_maximum_output_length": inflated,
        "array_based_stream_maximum_output_length": inflated,
    }


def _too_many_pages() -> ValidationError:
    return ValidationError(
        _("A document has at most %(max)d pages: send the pages this step needs.")
        % {"max": MAX_PDF_PAGES}
    )


def _too_complex() -> ValidationError:
    return ValidationError(
        _("This PDF is too complex to check. Save it as PDF again, or send photos of it.")
    )


def _check_pdf(content: bytes) -> int:
    """Refuse what is not a readable PDF, or one too big to read in a moment; returns its number
    of pages."""
    refusal = _("This PDF cannot be read. Send it again, or a photo of the paper.")
    # Every object is written "… obj … endobj": a file of tens of thousands of them (or a broken
    # one pypdf would rebuild object by object) is refused before pypdf reads any.
    if content.count(b"obj") > 2 * MAX_PDF_OBJECTS:
        raise _too_complex()
    try:
        with apply_configuration(**_pdf_reading_limits()):
            reader = PdfReader(BytesIO(content), strict=False)
            if reader.is_encrypted:
                raise ValidationError(_("This PDF has a password. Send one without a password."))
            declared = reader.root_object["/Pages"].get_object().get("/Count")
            if isinstance(declared, int) and declared > MAX_PDF_PAGES:
                raise _too_many_pages()
            pages = len(reader.pages)  # walks the page tree: /Count may lie
    except ValidationError:
        raise
    except LimitReachedError:  # a page tree or a stream past the limits above
        raise _too_complex() from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        raise ValidationError(refusal) from None
    if pages > MAX_PDF_PAGES:
        raise _too_many_pages()
    if pages < 1:
        raise ValidationError(refusal)
    return pages


def _read_document(upload) -> bytes:
    max_bytes = settings.PURCHASE_DOCUMENT_MAX_BYTES
    too_big = _("A document is at most %(mb)s MB.") % {"mb": f"{max_bytes / 1_000_000:g}"}
    if upload.size is not None and upload.size > max_bytes:
        raise ValidationError(too_big)
    upload.seek(0)
    content = upload.read(max_bytes + 1)
    if not content:
        raise ValidationError(_("This file is empty."))
    if len(content) > max_bytes:
        raise ValidationError(too_big)
    return content


def _check_document_quota(by: User) -> None:
    limit = settings.PURCHASE_DOCUMENTS_PER_DAY
    check_recent_count(
        StepDocument.objects.filter(uploaded_by=by),
        time_field="uploaded_at",
        limit=limit,
        window=timedelta(days=1),
        message=_("You have uploaded %(limit)d documents in the last day.") % {"limit": limit},
        field="file",
    )


def _is_pdf(upload) -> bool:
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    return head == PDF_MAGIC


def _file_errors(error: ValidationError) -> ValidationError:
    return ValidationError({"file": error.messages})


def step_file_add(*, step: Step, by: User, upload, title: str = "") -> StepDocument | StepPhoto:
    """A PDF (checked by content: the %PDF signature, then read by pypdf) or a photo (through
    the photo pipeline) for a step; private to the two parties. Told apart by content, never
    by the file's name."""
    purchase = step.purchase
    _require_party(purchase, by)
    if purchase.status not in (Status.ACTIVE, Status.COMPLETED):
        raise ValidationError(_("Documents go with a purchase in progress or completed."))
    title = " ".join((title or "").split())  # one line: it names the file of a download
    if len(title) > 120:
        raise ValidationError({"title": _("A title has at most 120 characters.")})
    if step.documents.count() + step.photos.count() >= settings.PURCHASE_FILES_PER_STEP:
        raise ValidationError(
            {
                "file": _("A step has at most %(count)d files.")
                % {"count": settings.PURCHASE_FILES_PER_STEP}
            }
        )
    if upload is None:
        raise ValidationError({"file": _("Choose a PDF or a photo.")})
    if _is_pdf(upload):
        return _document_add(step=step, by=by, upload=upload, title=title)
    return _photo_add(step=step, by=by, upload=upload, caption=title)


def _document_add(*, step: Step, by: User, upload, title: str) -> StepDocument:
    try:
        content = _read_document(upload)
        pages = _check_pdf(content)
    except ValidationError as error:
        raise _file_errors(error) from None
    document = StepDocument(
        purchase_id=step.purchase_id,
        step=step,
        uploaded_by=by,
        title=title or step.get_kind_display(),
        size=len(content),
        pages=pages,
        content_hash=hashlib.sha256(content).hexdigest(),
    )
    with transaction.atomic():
        lock_user(by)
        _check_document_quota(by)
        document.file.save("document.pdf", ContentFile(content), save=False)
        try:
            document.full_clean(exclude=["file"])
            document.save()
        except Exception:
            document.file.storage.delete(document.file.name)
            raise
    return document


def _photo_add(*, step: Step, by: User, upload, caption: str) -> StepPhoto:
    photo_uploads_check(user=by, count=1, field="file")
    try:
        checked = check_image_upload(upload)
    except ValidationError as error:
        raise _file_errors(error) from None
    with photos_storing() as store:
        photo_uploads_record(user=by, count=1, field="file")
        photo = store(
            StepPhoto(purchase_id=step.purchase_id, step=step, uploaded_by=by, caption=caption),
            checked,
        )
    photo.refresh_from_db()  # eager processing may have finished at commit
    return photo


# --- after the purchase ---------------------------------------------------------------------


def renovation_title(listing: Listing) -> str:
    return _("Renovation: %(title)s, %(area)s m²") % {
        "title": listing.title,
        "area": f"{listing.area_m2.normalize():f}",
    }


def renovation_address(listing: Listing) -> str:
    parts = [
        listing.city.local_name,
        listing.district.local_name if listing.district_id else "",
        listing.community_name,
        listing.street_address,
        _("floor %(floor)d of %(total)d") % {"floor": listing.floor, "total": listing.total_floors},
    ]
    return " ".join(part for part in parts if part)[:200]


@transaction.atomic
def purchase_start_renovation(*, purchase: Purchase, by: User) -> RenovationProject:
    """The buyer of a completed purchase starts the flat's renovation project: its address and
    area from the listing, the small-flat template's tasks and budget. Once per purchase."""
    role = _require_party(purchase, by)
    if role != checklist.Side.BUYER:
        raise PermissionDenied(_("The buyer starts the renovation of their flat."))
    purchase = _locked(purchase)
    if purchase.status != Status.COMPLETED:
        raise ValidationError(_("The renovation starts once the purchase is complete."))
    if purchase.renovation_id is not None:
        return purchase.renovation
    listing = Listing.objects.select_related("city", "district").get(pk=purchase.listing_id)
    project = project_create(
        owner=by,
        data={
            "title": renovation_title(listing)[:120],
            "address": renovation_address(listing),
            "listing": listing,
            "budget": sum(task.estimated_cost for task in SMALL_FLAT_TEMPLATE),
        },
        from_template=True,
    )
    purchase.renovation = project
    purchase.save(update_fields=["renovation"])
    return project
