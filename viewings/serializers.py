import re
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from listings.models import Listing
from marketplace.fields import ObjectIdRelatedField
from viewings import services
from viewings.models import DayOff, Viewing, Weekday

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


CLOCK_TIME = "([01][0-9]|2[0-3]):[0-5][0-9]"


@extend_schema_field({"type": "string", "pattern": f"^{CLOCK_TIME}$", "example": "09:00"})
class ClockTimeField(serializers.TimeField):
    """A time of day as a timetable writes it, hours and minutes: no seconds, no offset (the
    hours are Beijing's)."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)

    def to_internal_value(self, value):
        if not (isinstance(value, str) and re.fullmatch(CLOCK_TIME, value)):
            self.fail("invalid", format="hh:mm")
        return super().to_internal_value(value)


class WeeklyHoursDaySerializer(serializers.Serializer):
    weekday = serializers.ChoiceField(
        choices=Weekday.choices, help_text="0 Monday, 1 Tuesday … 6 Sunday."
    )
    starts = ClockTimeField(help_text="From (Beijing time), as 09:00.")
    ends = ClockTimeField(help_text="Until (Beijing time), as 18:00.")

    def validate(self, data):
        # The hours page's rule, from the service: one rule wherever hours are typed.
        try:
            services.weekly_span_check(data["starts"], data["ends"])
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return data


class WeeklyHoursSerializer(serializers.Serializer):
    slot_minutes = serializers.IntegerField(
        read_only=True, help_text="The length of a viewing: the day is cut into such slots."
    )
    days = WeeklyHoursDaySerializer(
        many=True,
        max_length=len(Weekday.values),
        help_text="The days the agent shows flats, each once; a day not listed has no viewings.",
    )

    def validate_days(self, days):
        weekdays = [day["weekday"] for day in days]
        if len(set(weekdays)) != len(weekdays):
            raise serializers.ValidationError(_("Give each day once."))
        return days

    def week(self) -> dict:
        """Every weekday's hours for services.weekly_hours_set, None for the days not listed."""
        listed = {
            day["weekday"]: (day["starts"], day["ends"]) for day in self.validated_data["days"]
        }
        return {weekday: listed.get(weekday) for weekday in Weekday.values}


class DayOffSerializer(serializers.ModelSerializer):
    note = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="Only you see it."
    )

    class Meta:
        model = DayOff
        fields = ["id", "date", "note"]
        read_only_fields = ["id"]
        # The service answers a day already off with that day off, as the hours page does.
        validators = []
