from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from listings.models import Listing
from marketplace.fields import ObjectIdRelatedField
from messaging.models import Conversation, Message
from messaging.selectors import agent_median_response_seconds
from messaging.services import MAX_BODY
from photos.serializers import VariantSerializer, absolute_variant


class MessageSerializer(serializers.ModelSerializer):
    sender = serializers.IntegerField(source="sender_id", read_only=True)
    mine = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "sender", "mine", "body", "sent_at", "read_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.BooleanField())
    def get_mine(self, message) -> bool:
        return message.sender_id == self.context["request"].user.pk


class MessageWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=MAX_BODY, trim_whitespace=True)


class ConversationStartSerializer(MessageWriteSerializer):
    # A draft is as unknown as a missing id: the same "Invalid pk", never "off the market".
    listing = ObjectIdRelatedField(queryset=Listing.objects.once_published())


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ConversationListingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    cover = VariantSerializer(allow_null=True)


class LastMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    sender = serializers.IntegerField()
    sent_at = serializers.DateTimeField()


class ConversationSerializer(serializers.ModelSerializer):
    listing = serializers.SerializerMethodField()
    other_person = serializers.SerializerMethodField()
    last_message = serializers.SerializerMethodField()
    unread_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Conversation
        fields = [
            "id",
            "listing",
            "other_person",
            "last_message",
            "unread_count",
            "created_at",
            "last_message_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ConversationListingSerializer)
    def get_listing(self, conversation):
        return {
            "id": conversation.listing_id,
            "title": conversation.listing.title,
            "cover": absolute_variant(self.context.get("request"), conversation.listing_cover),
        }

    @extend_schema_field(PersonSerializer)
    def get_other_person(self, conversation):
        other = conversation.other_party(self.context["request"].user)
        return {"id": other.pk, "name": other.display_name}

    @extend_schema_field(LastMessageSerializer(allow_null=True))
    def get_last_message(self, conversation):
        if getattr(conversation, "last_message_id", None) is None:
            return None
        return {
            "id": conversation.last_message_id,
            "body": conversation.last_message_body,
            "sender": conversation.last_message_sender_id,
            "sent_at": serializers.DateTimeField().to_representation(
                conversation.last_message_sent_at
            ),
        }


class AgentResponseSecondsField(serializers.IntegerField):
    """The listing detail's `agent_median_response_seconds` (registered in apps.py)."""

    def __init__(self):
        super().__init__(
            source="*",
            read_only=True,
            allow_null=True,
            help_text="How long the agent usually takes to answer a buyer's first message, in "
            "seconds (the median over the last 90 days); null when none was answered.",
        )

    def to_representation(self, listing):
        return agent_median_response_seconds(listing.agent_id)
