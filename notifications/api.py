from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from marketplace.pagination import KeysetPagination
from notifications import selectors, services
from notifications.models import Notification
from notifications.serializers import (
    EmailSettingsSerializer,
    MarkedReadSerializer,
    NotificationSerializer,
)


class NotificationViewSet(viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()
    permission_classes = [IsAuthenticated]
    pagination_class = KeysetPagination
    filter_backends = []

    def get_queryset(self):
        return selectors.notifications_for(self.request.user)

    @extend_schema(summary="My notifications, newest first")
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Mark one notification read", request=None, responses=MarkedReadSerializer
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = get_object_or_404(self.get_queryset(), pk=pk)
        count = services.notifications_mark_read(user=request.user, ids=[notification.pk])
        return Response({"marked_read": count})

    @extend_schema(
        summary="Mark all my notifications read", request=None, responses=MarkedReadSerializer
    )
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked_read": services.notifications_mark_read(user=request.user)})

    @extend_schema(
        methods=["GET"],
        summary="Which notifications also come by email",
        responses=EmailSettingsSerializer,
    )
    @extend_schema(
        methods=["PUT"],
        summary="Turn emails on or off per kind",
        request=EmailSettingsSerializer,
        responses=EmailSettingsSerializer,
    )
    # Not named `settings`: DRF views keep their own configuration under that name.
    @action(
        detail=False,
        methods=["get", "put"],
        pagination_class=None,
        url_path="settings",
        url_name="settings",
    )
    def email_settings(self, request):
        if request.method == "PUT":
            changes = EmailSettingsSerializer(data=request.data)
            changes.is_valid(raise_exception=True)
            services.email_preferences_set(
                user=request.user, email_by_kind=changes.validated_data["email"]
            )
        return Response({"email": services.email_preferences(request.user)})
