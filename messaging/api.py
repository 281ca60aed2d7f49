from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from marketplace.object_ids import OBJECT_ID_SCHEMA, parse_object_id
from marketplace.pagination import KeysetPagination
from messaging import selectors, services
from messaging.models import Conversation
from messaging.serializers import (
    ConversationSerializer,
    ConversationStartSerializer,
    MessageSerializer,
    MessageWriteSerializer,
)
from notifications.serializers import MarkedReadSerializer

POLL_LIMIT = 200


class ConversationViewSet(viewsets.GenericViewSet):
    """Buyer–agent conversations about a listing. Only its two people ever see one."""

    serializer_class = ConversationSerializer
    queryset = Conversation.objects.none()  # tells the schema generator the model
    permission_classes = [IsAuthenticated]
    pagination_class = KeysetPagination
    filter_backends = []

    def get_queryset(self):
        return selectors.conversations_for(self.request.user)

    def get_object(self):
        return selectors.conversation_for_participant(
            user=self.request.user, conversation_id=self.kwargs["pk"], with_listing=False
        )

    @extend_schema(summary="My conversations, newest first, with the last message and unread count")
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(summary="One conversation")
    def retrieve(self, request, pk=None):
        conversation = self.get_queryset().filter(pk=pk).first()
        if conversation is None:
            raise Http404
        return Response(self.get_serializer(conversation).data)

    @extend_schema(
        summary="Ask the agent about a listing (buyers); asking again continues the conversation",
        request=ConversationStartSerializer,
        responses={201: ConversationSerializer, 200: ConversationSerializer},
    )
    def create(self, request):
        if request.user.is_agent:
            raise PermissionDenied(_("Agents answer buyers; they do not start conversations."))
        start = ConversationStartSerializer(data=request.data)
        start.is_valid(raise_exception=True)
        conversation, created = services.conversation_start(
            buyer=request.user,
            listing=start.validated_data["listing"],
            body=start.validated_data["body"],
        )
        conversation = self.get_queryset().get(pk=conversation.pk)
        return Response(
            self.get_serializer(conversation).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        methods=["GET"],
        summary="The messages, oldest first; with `after` only newer ones (for polling)",
        parameters=[
            OpenApiParameter(
                "after",
                {**OBJECT_ID_SCHEMA, "minimum": 0},
                description="Only messages with a greater id.",
            )
        ],
        responses=MessageSerializer(many=True),
    )
    @extend_schema(
        methods=["POST"],
        summary="Write in a conversation",
        request=MessageWriteSerializer,
        responses={201: MessageSerializer},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def messages(self, request, pk=None):
        conversation = self.get_object()
        if request.method == "POST":
            write = MessageWriteSerializer(data=request.data)
            write.is_valid(raise_exception=True)
            message = services.message_send(
                conversation=conversation, sender=request.user, body=write.validated_data["body"]
            )
            return Response(
                MessageSerializer(message, context=self.get_serializer_context()).data,
                status=status.HTTP_201_CREATED,
            )
        after = request.query_params.get("after")
        after_id = None if after is None else parse_object_id(after)
        if after is not None and after_id is None:
            raise serializers.ValidationError({"after": [_("Enter a message id.")]})
        messages = selectors.messages_in(conversation=conversation, after_id=after_id)
        return Response(
            MessageSerializer(
                messages[:POLL_LIMIT], many=True, context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        summary="Mark the other person's messages read",
        request=None,
        responses=MarkedReadSerializer,
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        count = services.conversation_mark_read(conversation=self.get_object(), reader=request.user)
        return Response({"marked_read": count})
