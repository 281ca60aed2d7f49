from io import BytesIO

import factory
from pypdf import PdfWriter

from purchases import services
from purchases.models import Purchase, Step
from tests.accounts.factories import BuyerFactory
from tests.listings.factories import ListingFactory


class PurchaseFactory(factory.Factory):
    """A purchase opened by its buyer through the service (steps and all); `accepted=True`
    has the agent accept it, which reserves the flat."""

    class Meta:
        model = Purchase

    listing = factory.SubFactory(ListingFactory)
    buyer = factory.SubFactory(BuyerFactory)
    accepted = True

    @classmethod
    def _create(cls, model_class, *, listing, buyer, accepted):
        purchase = services.purchase_open(by=buyer, listing=listing)
        if accepted:
            purchase = services.purchase_accept(purchase=purchase, by=listing.agent)
        return Purchase.objects.get(pk=purchase.pk)


def step_of(purchase: Purchase, kind: str) -> Step:
    return purchase.steps.get(kind=kind)


def pdf_bytes(pages: int = 1) -> bytes:
    writer = PdfWriter()
    for _page in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
