from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.fields import ObjectIdRelatedField
from purchases.models import Purchase
from reviews.models import MAX_TEXT, RATINGS, Review
from reviews.selectors import agent_rating
from viewings.models import Viewing


class AgentRatingSerializer(serializers.Serializer):
    average = serializers.DecimalField(
        max_digits=2,
        decimal_places=1,
        coerce_to_string=False,
        allow_null=True,
        help_text="The average of the agent's visible reviews, one decimal; null without any.",
    )
    count = serializers.IntegerField(help_text="How many visible reviews the agent has.")
    reviews_url = serializers.URLField(help_text="The agent's reviews (the API list).")


class AgentRatingField(AgentRatingSerializer):
    """The listing detail's `agent_rating` (registered in apps.py): one query, cached."""

    def __init__(self):
        super().__init__(
            source="*",
            read_only=True,
            help_text="Buyers' reviews of the listing's agent: average and count.",
        )

    def to_representation(self, listing):
        rating = agent_rating(listing.agent_id)
        path = reverse("agent-reviews", args=[listing.agent_id])
        request = self.context.get("request")
        return super().to_representation(
            {
                "average": rating.average,
                "count": rating.count,
                "reviews_url": request.build_absolute_uri(path) if request else path,
            }
        )


class AuthorSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="display_name")


class ReviewListingSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()


class ReviewSerializer(serializers.ModelSerializer):
    author = AuthorSerializer(read_only=True)
    listing = ReviewListingSerializer(read_only=True)
    basis = serializers.SerializerMethodField(
        help_text="What entitled the buyer to review: a completed purchase or a video viewing."
    )
    hidden = serializers.BooleanField(
        source="is_hidden",
        read_only=True,
        help_text="Hidden by staff: only its author still sees it, with the reason.",
    )
    hidden_reason = serializers.SerializerMethodField(
        help_text="Why staff hid it (its author only); empty otherwise."
    )

    class Meta:
        model = Review
        fields = [
            "id",
            "agent",
            "author",
            "listing",
            "basis",
            "rating",
            "text",
            "created_at",
            "answer",
            "answered_at",
            "hidden",
            "hidden_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["purchase", "viewing"]))
    def get_basis(self, review):
        return "purchase" if review.purchase_id else "viewing"

    def get_hidden_reason(self, review) -> str:
        request = self.context.get("request")
        if request is not None and request.user.pk == review.author_id:
            return review.hidden_reason
        return ""


class ReviewWriteSerializer(serializers.Serializer):
    """Shape only: which of your purchases or viewings, how many stars, what to say. The
    service decides whether it may be reviewed."""

    purchase = ObjectIdRelatedField(
        queryset=Purchase.objects.none(),
        required=False,
        help_text="Your completed purchase (or give `viewing`).",
    )
    viewing = ObjectIdRelatedField(
        queryset=Viewing.objects.none(),
        required=False,
        help_text="Your done video viewing (or give `purchase`).",
    )
    rating = serializers.IntegerField(min_value=RATINGS[0], max_value=RATINGS[-1])
    text = serializers.CharField(max_length=MAX_TEXT)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Someone else's purchase or viewing is as unknown as one that does not exist.
        buyer_id = user.pk if user is not None else None
        self.fields["purchase"].queryset = Purchase.objects.filter(
            buyer_id=buyer_id
        ).select_related("agent", "listing")
        self.fields["viewing"].queryset = Viewing.objects.filter(buyer_id=buyer_id).select_related(
            "agent", "listing"
        )

    def validate(self, attrs):
        if ("purchase" in attrs) == ("viewing" in attrs):
            raise serializers.ValidationError(
                {"purchase": _("Give either a purchase or a video viewing, not both.")}
            )
        return attrs


class ReviewAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=MAX_TEXT)
