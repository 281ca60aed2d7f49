from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from alerts import selectors, services
from alerts.models import SavedSearch
from alerts.serializers import SavedSearchSerializer
from marketplace.pagination import KeysetPagination


@extend_schema_view(
    list=extend_schema(summary="My saved searches, newest first"),
    retrieve=extend_schema(summary="One of my saved searches"),
    create=extend_schema(summary="Save a search: its filters, a name and how often to alert"),
    partial_update=extend_schema(summary="Rename a saved search, change its alerts or filters"),
    destroy=extend_schema(summary="Delete a saved search"),
)
class SavedSearchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SavedSearchSerializer
    queryset = SavedSearch.objects.none()
    permission_classes = [IsAuthenticated]
    pagination_class = KeysetPagination
    filter_backends = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.saved_searches_for(self.request.user)

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        saved_search = services.saved_search_create(
            user=request.user,
            name=serializer.validated_data["name"],
            params=serializer.validated_data.get("params", {}),
            frequency=serializer.validated_data.get("frequency", SavedSearch.Frequency.INSTANT),
        )
        return Response(self.get_serializer(saved_search).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        saved_search = self.get_object()
        serializer = self.get_serializer(saved_search, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        saved_search = services.saved_search_update(
            saved_search=saved_search, data=serializer.validated_data
        )
        return Response(self.get_serializer(saved_search).data)

    def destroy(self, request, pk=None):
        services.saved_search_delete(saved_search=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
