from django.urls import path

from listings.api import (
    UPLOAD_PARSERS,
    CityViewSet,
    ListingPhotoViewSet,
    ListingProofViewSet,
    ListingViewSet,
)
from marketplace.routers import ObjectIdRouter

router = ObjectIdRouter()
router.register("cities", CityViewSet, basename="city")
router.register("listings", ListingViewSet, basename="listing")

photos = ListingPhotoViewSet.as_view(
    {"get": "list", "post": "create"}, parser_classes=UPLOAD_PARSERS
)
photo = ListingPhotoViewSet.as_view({"patch": "partial_update", "delete": "destroy"})
proofs = ListingProofViewSet.as_view(
    {"get": "list", "post": "create"}, parser_classes=UPLOAD_PARSERS
)
photo_order = ListingPhotoViewSet.as_view({"post": "order"})

urlpatterns = [
    *router.urls,
    path("listings/<id:listing_id>/photos/", photos, name="listing-photos"),
    path("listings/<id:listing_id>/photos/order/", photo_order, name="listing-photo-order"),
    path("listings/<id:listing_id>/photos/<id:pk>/", photo, name="listing-photo"),
    path("listings/<id:listing_id>/proofs/", proofs, name="listing-proofs"),
]
