"""Documents are checked by content and size before anything is stored."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter

from marketplace.limits import LimitExceeded
from purchases import services
from purchases.models import Step, StepDocument, StepPhoto
from tests.photos import images
from tests.purchases import hostile_pdfs
from tests.purchases.conftest import pdf_upload
from tests.purchases.factories import PurchaseFactory, pdf_bytes, step_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def step():
    return step_of(PurchaseFactory(), Step.Kind.ENCUMBRANCES)


def refusal(step, upload) -> str:
    with pytest.raises(ValidationError) as refused:
        services.step_file_add(step=step, by=step.purchase.agent, upload=upload)
    return " ".join(refused.value.message_dict["file"])


def test_a_pdf_is_kept_with_its_pages_and_hash(step, photo_storage):
    document = services.step_file_add(
        step=step, by=step.purchase.agent, upload=pdf_upload(pdf_bytes(pages=3)), title=""
    )

    assert isinstance(document, StepDocument)
    assert document.pages == 3
    assert document.title == "No mortgage or seizure (registry extract)"
    assert len(document.content_hash) == 64
    assert document.file.read().startswith(b"%PDF-")


def test_html_named_pdf_is_refused(step, photo_storage):
    upload = SimpleUploadedFile("x.pdf", b"<html><script>alert(1)</script>", "application/pdf")

    assert "photo" in refusal(step, upload)  # not a PDF by content, so checked as a photo
    assert photo_storage.files() == []


def test_a_file_that_only_starts_like_a_pdf_is_refused(step, photo_storage):
    upload = pdf_upload(b"%PDF-1.7\n" + b"not really a pdf " * 100)

    assert "cannot be read" in refusal(step, upload)
    assert StepDocument.objects.count() == 0
    assert photo_storage.files() == []


def test_a_truncated_pdf_is_refused(step):
    assert "cannot be read" in refusal(step, pdf_upload(pdf_bytes()[:200]))


def test_a_password_protected_pdf_is_refused(step):
    writer = PdfWriter()
    writer.add_blank_page(width=100, height=100)
    writer.encrypt("secret")
    from io import BytesIO

    out = BytesIO()
    writer.write(out)

    assert "password" in refusal(step, pdf_upload(out.getvalue()))


def test_a_pdf_over_the_size_limit_is_refused(step, settings):
    settings.PURCHASE_DOCUMENT_MAX_BYTES = 1000

    assert "at most 0.001 MB" in refusal(step, pdf_upload(pdf_bytes() + b"\n" * 2000))


def test_a_pdf_of_as_many_pages_as_allowed_is_kept(step):
    document = services.step_file_add(
        step=step, by=step.purchase.agent, upload=pdf_upload(hostile_pdfs.pages_pdf(500))
    )

    assert document.pages == 500


@pytest.mark.parametrize(
    "content",
    [
        hostile_pdfs.pages_pdf(501),
        hostile_pdfs.pages_pdf(1, declared=10**9),  # refused before the tree is walked
        hostile_pdfs.pages_pdf(600, declared=1),  # the tree is walked: /Count may lie
    ],
    ids=["501 pages", "a count of a billion", "a count that hides 600 pages"],
)
def test_a_pdf_of_too_many_pages_is_refused_saying_so(step, photo_storage, content):
    assert "A document has at most 500 pages" in refusal(step, pdf_upload(content))
    assert StepDocument.objects.count() == 0
    assert photo_storage.files() == []


def test_a_page_tree_naming_the_same_pages_again_and_again_is_refused_early(step):
    # 2**15 pages from 17 objects: within pypdf's own default limits, so only ours stop it
    # before the 32,768 pages are made, and say it is too complex rather than too long.
    bomb = hostile_pdfs.page_tree_bomb(levels=14)

    assert "too complex to check" in refusal(step, pdf_upload(bomb))


def test_a_file_of_too_many_objects_is_refused_before_pypdf_reads_it(step, monkeypatch):
    # Without its cross-reference table, pypdf would rebuild the file object by object first.
    crowded = hostile_pdfs.pages_pdf(services.MAX_PDF_OBJECTS, with_xref=False)
    monkeypatch.setattr(services, "PdfReader", None)  # any reading would fail otherwise

    assert "too complex to check" in refusal(step, pdf_upload(crowded))


def test_a_photo_goes_through_the_photo_pipeline(step, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        photo = services.step_file_add(
            step=step, by=step.purchase.buyer, upload=images.upload(images.jpeg(800, 600))
        )

    photo.refresh_from_db()
    assert isinstance(photo, StepPhoto)
    assert photo.status == StepPhoto.Status.READY
    assert set(photo.variants) == {"thumb", "medium", "large"}


def test_a_bomb_photo_is_refused(step):
    assert "pixels" in refusal(step, images.upload(images.png_bomb(), "bomb.png"))


def test_documents_per_day_are_limited(step, settings):
    settings.PURCHASE_DOCUMENTS_PER_DAY = 2
    for _n in range(2):
        services.step_file_add(step=step, by=step.purchase.agent, upload=pdf_upload())

    with pytest.raises(LimitExceeded):
        services.step_file_add(step=step, by=step.purchase.agent, upload=pdf_upload())
    assert StepDocument.objects.count() == 2


def test_files_per_step_are_limited(step, settings):
    settings.PURCHASE_FILES_PER_STEP = 1
    services.step_file_add(step=step, by=step.purchase.agent, upload=pdf_upload())

    assert "at most 1 files" in refusal(step, pdf_upload())


def test_a_proposal_takes_no_documents():
    step = step_of(PurchaseFactory(accepted=False), Step.Kind.OWNERSHIP)

    with pytest.raises(ValidationError):
        services.step_file_add(step=step, by=step.purchase.agent, upload=pdf_upload())
