from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from marketplace.pagination import KeysetPagination
from purchases import selectors, services
from purchases.models import Purchase, StepDocument
from purchases.responses import document_response
from purchases.serializers import (
    PurchaseDetailSerializer,
    PurchaseOpenSerializer,
    PurchaseSerializer,
    StepFileAddedSerializer,
    StepFileSerializer,
    StepSerializer,
    StepWriteSerializer,
)


def _detail(request, purchase_id: int) -> dict:
    purchase = selectors.purchase_for(user=request.user, purchase_id=purchase_id)
    purchase.steps_list = selectors.steps_of(purchase)
    return PurchaseDetailSerializer(purchase, context={"request": request}).data


class PurchaseViewSet(viewsets.GenericViewSet):
    """Purchases between a buyer and a listing's agent. Only those two ever see one."""

    serializer_class = PurchaseSerializer
    queryset = Purchase.objects.none()  # tells the schema generator the model
    permission_classes = [IsAuthenticated]
    pagination_class = KeysetPagination
    filter_backends = []

    def get_queryset(self):
        return selectors.purchases_for(self.request.user)

    def _purchase(self) -> Purchase:
        return selectors.purchase_for(user=self.request.user, purchase_id=self.kwargs["pk"])

    @extend_schema(summary="My purchases, newest first, with their progress and next step")
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Open a purchase (the buyer, or the listing's agent with a buyer who asked)",
        description=(
            "The other party accepts it (`accept`), and the flat is reserved. A person opens at "
            "most `PURCHASES_OPENED_PER_DAY` (5) a day (429 with Retry-After)."
        ),
        request=PurchaseOpenSerializer,
        responses={201: PurchaseDetailSerializer},
    )
    def create(self, request):
        write = PurchaseOpenSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        purchase = services.purchase_open(
            by=request.user,
            listing=write.validated_data["listing"],
            buyer=write.validated_data.get("buyer"),
        )
        return Response(_detail(request, purchase.pk), status=status.HTTP_201_CREATED)

    @extend_schema(summary="One purchase with its steps", responses=PurchaseDetailSerializer)
    def retrieve(self, request, pk=None):
        return Response(_detail(request, pk))

    @extend_schema(
        summary="Accept a purchase the other party opened: the flat is reserved",
        request=None,
        responses=PurchaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        services.purchase_accept(purchase=self._purchase(), by=request.user)
        return Response(_detail(request, pk))

    @extend_schema(
        summary="Stop an open purchase: a reserved flat goes back on the market",
        request=None,
        responses=PurchaseDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def abandon(self, request, pk=None):
        services.purchase_abandon(purchase=self._purchase(), by=request.user)
        return Response(_detail(request, pk))

    @extend_schema(
        summary="Start the flat's renovation project (the buyer, once the purchase is complete)",
        request=None,
        responses={201: OpenApiResponse(PurchaseDetailSerializer)},
    )
    @action(detail=True, methods=["post"])
    def renovation(self, request, pk=None):
        services.purchase_start_renovation(purchase=self._purchase(), by=request.user)
        return Response(_detail(request, pk), status=status.HTTP_201_CREATED)


class StepViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated]

    def _step(self):
        purchase = selectors.purchase_for(
            user=self.request.user, purchase_id=self.kwargs["purchase_id"]
        )
        return selectors.step_for(purchase=purchase, step_id=self.kwargs["pk"])

    def _read(self, step):
        fresh = next(s for s in selectors.steps_of(step.purchase) if s.pk == step.pk)
        return StepSerializer(fresh, context={"request": self.request}).data

    @extend_schema(
        summary="Change a step: status, date, note",
        description=(
            "The agent marks steps done; the buyer confirms the ones that move money (deposit, "
            "taxes and transfer), which is refused (400, on `status`, saying why) until the "
            "ownership certificate, the registry extract and the arrears are done. When every "
            "step is done or not needed, the purchase completes and the flat is sold."
        ),
        request=StepWriteSerializer,
        responses=StepSerializer,
    )
    def partial_update(self, request, purchase_id=None, pk=None):
        step = self._step()
        write = StepWriteSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        services.step_update(step=step, by=request.user, data=write.validated_data)
        return Response(self._read(step))


class StepFileViewSet(StepViewSet):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Add a PDF or a photo to a step (private to the buyer and the agent)",
        description=(
            "Told apart by content: a PDF must start with `%PDF-` and be readable, at most "
            "`PURCHASE_DOCUMENT_MAX_BYTES` (10 MB); a photo goes through the photo checks. At "
            "most `PURCHASE_DOCUMENTS_PER_DAY` (60) PDFs a day, photos count against the photo "
            "budget (429 with Retry-After)."
        ),
        request={"multipart/form-data": StepFileSerializer},
        responses={201: StepFileAddedSerializer},
    )
    def create(self, request, purchase_id=None, pk=None):
        step = self._step()
        write = StepFileSerializer(data=request.data)
        write.is_valid(raise_exception=True)
        added = services.step_file_add(
            step=step,
            by=request.user,
            upload=write.validated_data["file"],
            title=write.validated_data.get("title", ""),
        )
        is_document = isinstance(added, StepDocument)
        data = StepFileAddedSerializer(
            {"document": added if is_document else None, "photo": None if is_document else added},
            context={"request": request},
        ).data
        return Response(data, status=status.HTTP_201_CREATED)


class DocumentFileViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="A step's PDF (the buyer and the agent only)",
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
    )
    def retrieve(self, request, purchase_id=None, pk=None):
        purchase = selectors.purchase_for(user=request.user, purchase_id=purchase_id)
        return document_response(selectors.document_for(purchase=purchase, document_id=pk))
