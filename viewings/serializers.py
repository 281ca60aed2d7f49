from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from listings.models import Listing
from marketplace.fields import ObjectIdRelatedField
from viewings import services
from viewings.models import Viewing

MAX_SLOT_DAYS = 31


class ViewingPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ViewingListingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class ViewingSerializer(serializers.ModelSerializer):
    listing = serializers.SerializerMethodField()
    buyer = serializers.SerializerMethodField()
    agent = serializers.SerializerMethodField()
    ends_at = serializers.DateTimeField(read_only=True)
    moves = serializers.SerializerMethodField(
        help_text="What the signed-in person may do now: confirm, propose, decline, cancel, done."
    )

    class Meta:
        model = Viewing
        fields = [
            "id",
            "listing",
            "buyer",
            "agent",
            "starts_at",
            "ends_at",
            "status",
            "channel",
            "contact",
            "note",
            "decline_reason",
            "created_at",
            "answered_at",
            "done_at",
            "moves",
        ]
        read_only_fields = fields

    @extend_schema_field(ViewingListingSerializer)
    def get_listing(self, viewing):
        return {"id": viewing.listing_id, "title": viewing.listing.title}

    @extend_schema_field(ViewingPersonSerializer)
    def get_buyer(self, viewing):
        return {"id": viewing.buyer_id, "name": viewing.buyer.display_name}

    @extend_schema_field(ViewingPersonSerializer)
    def get_agent(self, viewing):
        return {"id": viewing.agent_id, "name": viewing.agent.display_name}

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(
                choices=["confirm", "propose", "decline", "cancel", "done"]
            )
        )
    )
    def get_moves(self, viewing):
        return services.viewing_moves(viewing, self.context["request"].user)


class ViewingRequestSerializer(serializers.Serializer):
    # A draft is as unknown as a missing id: the same "Invalid pk", never "off the market".
    listing = ObjectIdRelatedField(queryset=Listing.objects.once_published())
    starts_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=Viewing.Channel.choices)
    contact = serializers.CharField(max_length=services.MAX_CONTACT)
    note = serializers.CharField(
        max_length=services.MAX_NOTE, required=False, allow_blank=True, default=""
    )


class ProposeSerializer(serializers.Serializer):
    starts_at = serializers.DateTimeField()


class DeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=services.MAX_REASON)


class SlotQuerySerializer(serializers.Serializer):
    # `from` is a keyword: the field is named in to_internal_value's input by its query name.
    from_ = serializers.DateField(required=False, help_text="First day (Beijing), default today.")
    to = serializers.DateField(
        required=False, help_text="Last day (Beijing, included), default a week after `from`."
    )

    def to_internal_value(self, data):
        data = {"from_": data.get("from"), "to": data.get("to")}
        data = {key: value for key, value in data.items() if value not in (None, "")}
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            detail = error.detail
            if "from_" in detail:
                detail["from"] = detail.pop("from_")
            raise serializers.ValidationError(detail) from None
        first = values.get("from_") or timezone.localdate()
        last = values.get("to") or first + timedelta(days=6)
        if last < first:
            raise serializers.ValidationError({"to": [_("Give a day on or after `from`.")]})
        if (last - first).days >= MAX_SLOT_DAYS:
            raise serializers.ValidationError(
                {"to": [_("Ask for at most %(days)d days at once.") % {"days": MAX_SLOT_DAYS}]}
            )
        return {"first": first, "last": last}


class SlotsSerializer(serializers.Serializer):
    agent = serializers.IntegerField()
    slot_minutes = serializers.IntegerField(default=settings.VIEWING_SLOT_MINUTES)
    slots = serializers.ListField(child=serializers.DateTimeField())
