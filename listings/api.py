from functools import partial

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import SAFE_METHODS, AllowAny, IsAuthenticated
from rest_framework.response import Response

from listings import hooks, selectors, services
from listings.filters import ListingFilterSet
from listings.models import Listing, ListingPhoto, ListingProof
from listings.permissions import IsAgentForWrites
from listings.serializers import (
    CitySerializer,
    ListingDetailSerializer,
    ListingListSerializer,
    ListingPhotoSerializer,
    ListingProofSerializer,
    ListingWriteSerializer,
    PhotoOrderSerializer,
    PhotoUpdateSerializer,
    PhotoUploadSerializer,
    ProofUploadSerializer,
    TotalCostQuerySerializer,
)
from marketplace.pagination import KeysetPagination
from marketplace.text_input import JSONParser


class SearchFilterBackend(DjangoFilterBackend):
    """The search page's filters, and like it, one listing per flat (`one_per_flat`)."""

    def get_filterset_kwargs(self, request, queryset, view):
        return {
            **super().get_filterset_kwargs(request, queryset, view),
            "one_per_flat": True,
            "present": partial(selectors.listing_cards_of, user=request.user),
        }


class ListingPagination(KeysetPagination):
    page_size = settings.LISTINGS_PAGE_SIZE
    max_page_size = settings.API_MAX_PAGE_SIZE


class CityViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Cities with their number of active listings and median price per m²."""

    serializer_class = CitySerializer
    permission_classes = [AllowAny]
    pagination_class = None
    filter_backends = []

    def list(self, request, *args, **kwargs):
        cities = []
        for city, market in selectors.cities_with_market():
            city.market = market
            cities.append(city)
        return Response(self.get_serializer(cities, many=True).data)


@extend_schema_view(
    list=extend_schema(summary="Search active listings", responses=ListingListSerializer),
    retrieve=extend_schema(
        summary="One listing, with what it costs in all",
        parameters=[TotalCostQuerySerializer],
        responses=ListingDetailSerializer,
    ),
    create=extend_schema(
        summary="Create a listing (agents)",
        request=ListingWriteSerializer,
        responses={201: ListingDetailSerializer},
    ),
    partial_update=extend_schema(
        summary="Change your listing (agents)",
        request=ListingWriteSerializer,
        responses=ListingDetailSerializer,
    ),
    destroy=extend_schema(
        summary="Remove your listing: a draft is deleted, a published one withdrawn (agents)"
    ),
)
class ListingViewSet(viewsets.ModelViewSet):
    queryset = Listing.objects.none()  # tells the schema generator the model; see get_queryset
    permission_classes = [IsAgentForWrites]
    filterset_class = ListingFilterSet
    filter_backends = [SearchFilterBackend]
    pagination_class = ListingPagination
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        user = self.request.user
        if self.action == "list":
            return Listing.objects.active()  # the filter backend adds the cards' columns
        if self.action == "retrieve":
            return selectors.listing_detail_queryset(user=user)
        return Listing.objects.managed_by(user).with_card_relations()

    def filter_queryset(self, queryset):
        # Search parameters apply to the list only; a detail URL ignores them.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return None if page is None else hooks.with_card_notes(page)

    def get_serializer_class(self):
        if self.action == "list":
            return ListingListSerializer
        if self.action in ("create", "partial_update"):
            return ListingWriteSerializer
        return ListingDetailSerializer

    def retrieve(self, request, *args, **kwargs):
        # A plain dict: from a QueryDict, DRF would take "home=" for the default, not refuse it.
        query = TotalCostQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        listing = self.get_object()
        hooks.announce_listing_viewed(request=request, listing=listing)
        total_cost = selectors.listing_total_cost(
            listing=listing, user=request.user, home=query.validated_data["home"]
        )
        return Response(self._detail(listing, total_cost=total_cost))

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        listing = services.listing_create(by=request.user, data=serializer.validated_data)
        return Response(self._detail(self._read_back(listing)), status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        listing = self.get_object()
        serializer = self.get_serializer(listing, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        listing = services.listing_update(
            listing=listing, by=request.user, data=serializer.validated_data
        )
        return Response(self._detail(self._read_back(listing)))

    def destroy(self, request, *args, **kwargs):
        services.listing_remove(listing=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # --- freshness ---
    @extend_schema(
        summary="Reconfirm your listing is still for sale (its agent); brings back an expired one",
        request=None,
        responses=ListingDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def reconfirm(self, request, pk=None):
        listing = services.listing_reconfirm(listing=self.get_object(), by=request.user)
        return Response(self._detail(self._read_back(listing)))

    def _read_back(self, listing: Listing) -> Listing:
        """The listing as a GET reads it: the database's price per m², the cover, the gallery."""
        return selectors.listing_for_viewer(listing_id=listing.pk, user=self.request.user)

    def _detail(self, listing: Listing, *, total_cost=None) -> dict:
        market = selectors.city_market_stats().get(listing.city_id)
        context = {
            **self.get_serializer_context(),
            "city_median_price_per_m2": market.median_price_per_m2 if market else None,
            "total_cost": total_cost,
        }
        [listing] = hooks.with_card_notes([listing])
        return ListingDetailSerializer(listing, context=context).data


# The upload route reads multipart (api_urls); changing and ordering photos is JSON.
UPLOAD_PARSERS = [MultiPartParser, FormParser, JSONParser]


class ListingPhotoViewSet(viewsets.GenericViewSet):
    """A listing's photos: anyone sees the ready ones; its agent adds, changes, orders, deletes."""

    serializer_class = ListingPhotoSerializer
    permission_classes = [IsAgentForWrites]
    pagination_class = None
    filter_backends = []
    queryset = ListingPhoto.objects.none()

    def listing(self) -> Listing:
        user = self.request.user
        if self.request.method in SAFE_METHODS:
            listings = Listing.objects.visible_to(user)
        else:
            listings = Listing.objects.managed_by(user)
        return get_object_or_404(listings, pk=self.kwargs["listing_id"])

    def get_queryset(self):
        listing = self.listing()
        photos = listing.photos.all()
        if not listing.is_managed_by(self.request.user):
            photos = photos.ready()
        return photos

    def photos_data(self, photos, *, many=True):
        """The photos as the API shows them; to the listing's agent, with the other listings
        whose photos look like them (`looks_like`): one query more."""
        items = list(photos) if many else [photos]
        context = self.get_serializer_context()
        if items and items[0].listing.is_managed_by(self.request.user):
            context["lookalikes"] = selectors.photo_lookalikes_for_agent(
                photos=items, user=self.request.user
            )
        return ListingPhotoSerializer(photos if many else items[0], many=many, context=context).data

    @extend_schema(summary="A listing's photos (its agent also sees pending and failed ones)")
    def list(self, request, listing_id):
        return Response(self.photos_data(self.get_queryset()))

    @extend_schema(
        summary="Add a photo (the listing's agent)",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: ListingPhotoSerializer},
    )
    def create(self, request, listing_id):
        upload = PhotoUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        photo = services.photo_add(
            listing=self.listing(),
            upload=upload.validated_data["image"],
            by=request.user,
            caption=upload.validated_data.get("caption", ""),
        )
        return Response(self.photos_data(photo, many=False), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a photo's caption, position or cover flag",
        request=PhotoUpdateSerializer,
        responses=ListingPhotoSerializer,
    )
    def partial_update(self, request, listing_id, pk):
        photo = get_object_or_404(self.get_queryset(), pk=pk)
        changes = PhotoUpdateSerializer(photo, data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        photo = services.photo_update(photo=photo, by=request.user, data=changes.validated_data)
        return Response(self.photos_data(photo, many=False))

    @extend_schema(summary="Delete a photo and its files")
    def destroy(self, request, listing_id, pk):
        photo = get_object_or_404(self.get_queryset(), pk=pk)
        services.photo_delete(photo=photo, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Put the photos in a new order",
        request=PhotoOrderSerializer,
        responses=ListingPhotoSerializer(many=True),
    )
    def order(self, request, listing_id):
        order = PhotoOrderSerializer(data=request.data)
        order.is_valid(raise_exception=True)
        photos = services.photos_reorder(
            listing=self.listing(), by=request.user, photo_ids=order.validated_data["photos"]
        )
        return Response(self.photos_data(photos))


class ListingProofViewSet(viewsets.GenericViewSet):
    """A listing's private proof documents: its agent adds them; its agent and the verifiers
    see them (selectors.listing_proofs_visible_to); anyone else gets a 404."""

    serializer_class = ListingProofSerializer
    permission_classes = [IsAuthenticated]
    pagination_class = None
    filter_backends = []
    queryset = ListingProof.objects.none()

    def listing(self) -> Listing:
        listing_id = self.kwargs["listing_id"]
        if not selectors.listing_proofs_visible_to(self.request.user, listing_id):
            raise Http404
        return get_object_or_404(Listing, pk=listing_id)

    @extend_schema(summary="A listing's proof documents (its agent and verifiers)")
    def list(self, request, listing_id):
        proofs = self.listing().proofs.all()
        return Response(self.get_serializer(proofs, many=True).data)

    @extend_schema(
        summary="Add a proof document: the ownership certificate or the seller's authorisation "
        "(the listing's agent; private, for verification)",
        request={"multipart/form-data": ProofUploadSerializer},
        responses={201: ListingProofSerializer},
    )
    def create(self, request, listing_id):
        upload = ProofUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        proof = services.proof_add(
            listing=self.listing(),
            upload=upload.validated_data["image"],
            kind=upload.validated_data["kind"],
            by=request.user,
        )
        return Response(self.get_serializer(proof).data, status=status.HTTP_201_CREATED)
