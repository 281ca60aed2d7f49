from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from favorites import selectors, services
from favorites.models import Favorite
from favorites.serializers import FavoriteAddSerializer, FavoriteSerializer
from marketplace.pagination import KeysetPagination
from marketplace.schema import also_answers


class FavoritePagination(KeysetPagination):
    page_size = settings.LISTINGS_PAGE_SIZE
    max_page_size = settings.API_MAX_PAGE_SIZE


class IsBuyer(BasePermission):
    message = _("Only buyers save flats.")

    def has_permission(self, request, view):
        return selectors.can_save_flats(request.user)


class FavoriteViewSet(viewsets.GenericViewSet):
    """The signed-in buyer's saved flats. Nobody else ever sees them."""

    serializer_class = FavoriteSerializer
    queryset = Favorite.objects.none()  # tells the schema generator the model
    permission_classes = [IsAuthenticated, IsBuyer]
    pagination_class = FavoritePagination
    filter_backends = []
    lookup_url_kwarg = "listing_id"

    def get_queryset(self):
        return selectors.favorites_for(self.request.user)

    @extend_schema(
        summary="My saved flats, newest first; sold and withdrawn ones stay, with their status"
    )
    @also_answers(403)  # to agents: saving is for buyers
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Save a flat (buyers); saving it again answers 200 with the saved one",
        request=FavoriteAddSerializer,
        responses={201: FavoriteSerializer, 200: FavoriteSerializer},
    )
    def create(self, request):
        add = FavoriteAddSerializer(data=request.data)
        add.is_valid(raise_exception=True)
        favorite, created = services.favorite_add(
            user=request.user, listing=add.validated_data["listing"]
        )
        favorite = self.get_queryset().get(pk=favorite.pk)
        return Response(
            self.get_serializer(favorite).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(summary="Unsave a flat, by its listing id (404 when you had not saved it)")
    def destroy(self, request, listing_id=None):
        if not services.favorite_remove(user=request.user, listing_id=listing_id):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
