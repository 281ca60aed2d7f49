from django.urls import path

from marketplace.routers import ObjectIdRouter
from purchases.api import DocumentFileViewSet, PurchaseViewSet, StepFileViewSet, StepViewSet

router = ObjectIdRouter()
router.register("", PurchaseViewSet, basename="purchase")

urlpatterns = [
    *router.urls,
    path(
        "<id:purchase_id>/steps/<id:pk>/",
        StepViewSet.as_view({"patch": "partial_update"}),
        name="purchase-step",
    ),
    path(
        "<id:purchase_id>/steps/<id:pk>/files/",
        StepFileViewSet.as_view({"post": "create"}),
        name="purchase-step-files",
    ),
    path(
        "<id:purchase_id>/documents/<id:pk>/file/",
        DocumentFileViewSet.as_view({"get": "retrieve"}),
        name="purchase-document-file",
    ),
]
