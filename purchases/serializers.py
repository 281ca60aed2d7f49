from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from listings.models import Listing
from marketplace.fields import ObjectIdRelatedField
from photos.serializers import ProcessedPhotoSerializer
from purchases import selectors
from purchases import steps as checklist
from purchases.models import Purchase, Step, StepDocument, StepPhoto


class PartySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="display_name")


class PurchaseListingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Listing
        fields = ["id", "title", "price", "area_m2", "status"]
        read_only_fields = fields


class PurchaseProgressSerializer(serializers.Serializer):
    finished = serializers.IntegerField(help_text="Steps done or not needed.")
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    next_step = serializers.SerializerMethodField(help_text="The next step's kind; null when none.")
    next_words = serializers.CharField(help_text="The next step in words: who does what.")

    @extend_schema_field(serializers.ChoiceField(choices=Step.Kind.choices, allow_null=True))
    def get_next_step(self, progress):
        return progress.next_step.kind if progress.next_step else None


class PurchaseSerializer(serializers.ModelSerializer):
    listing = PurchaseListingSerializer(read_only=True)
    buyer = PartySerializer(read_only=True)
    agent = PartySerializer(read_only=True)
    role = serializers.SerializerMethodField(help_text="Your side: buyer or agent.")
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Purchase
        fields = [
            "id",
            "listing",
            "buyer",
            "agent",
            "opened_by",
            "status",
            "role",
            "progress",
            "created_at",
            "accepted_at",
            "closed_at",
            "renovation",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=checklist.Side.choices))
    def get_role(self, purchase):
        return checklist.role_in(purchase, self.context["request"].user)

    @extend_schema_field(PurchaseProgressSerializer)
    def get_progress(self, purchase):
        if hasattr(purchase, "steps_list"):
            progress = selectors.progress_of(purchase.steps_list)
        else:
            progress = selectors.listed_progress(purchase)
        return PurchaseProgressSerializer(progress).data


class StepDocumentSerializer(serializers.ModelSerializer):
    uploaded_by = PartySerializer(read_only=True)
    url = serializers.SerializerMethodField(help_text="The PDF, for the two parties only.")

    class Meta:
        model = StepDocument
        fields = ["id", "title", "size", "pages", "uploaded_by", "uploaded_at", "url"]
        read_only_fields = fields

    def get_url(self, document) -> str:
        path = reverse("purchase-document-file", args=[document.purchase_id, document.pk])
        return self.context["request"].build_absolute_uri(path)


class StepPhotoSerializer(ProcessedPhotoSerializer):
    uploaded_by = PartySerializer(read_only=True)

    class Meta:
        model = StepPhoto
        fields = ["id", "caption", "status", "variants", "uploaded_by", "received_at"]
        read_only_fields = fields


class StepSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_kind_display", read_only=True)
    actor = serializers.SerializerMethodField(help_text="Who does it: agent, buyer or either.")
    moves_money = serializers.SerializerMethodField()
    may_be_skipped = serializers.SerializerMethodField()
    what_to_do = serializers.SerializerMethodField()
    documents = StepDocumentSerializer(many=True, read_only=True)
    photos = StepPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Step
        fields = [
            "id",
            "kind",
            "name",
            "position",
            "actor",
            "moves_money",
            "may_be_skipped",
            "what_to_do",
            "status",
            "done_on",
            "note",
            "updated_at",
            "documents",
            "photos",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=checklist.Actor.choices))
    def get_actor(self, step):
        return checklist.rule_of(step).actor

    def get_moves_money(self, step) -> bool:
        return checklist.rule_of(step).moves_money

    def get_may_be_skipped(self, step) -> bool:
        return checklist.rule_of(step).may_be_skipped

    def get_what_to_do(self, step) -> str:
        return str(checklist.rule_of(step).what_to_do)


class PurchaseDetailSerializer(PurchaseSerializer):
    steps = StepSerializer(source="steps_list", many=True, read_only=True)

    class Meta(PurchaseSerializer.Meta):
        fields = [*PurchaseSerializer.Meta.fields, "steps"]
        read_only_fields = fields


class PurchaseOpenSerializer(serializers.Serializer):
    listing = ObjectIdRelatedField(queryset=Listing.objects.once_published())
    buyer = ObjectIdRelatedField(
        queryset=User.objects.filter(is_active=True),
        required=False,
        help_text="Agents: the buyer who asked you about the flat. Buyers leave it out.",
    )


class StepWriteSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Step.Status.choices, required=False)
    done_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class StepFileSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A PDF (up to 10 MB) or a photo (JPEG, PNG, WebP, HEIC)."
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=120)


class StepFileAddedSerializer(serializers.Serializer):
    document = StepDocumentSerializer(allow_null=True, help_text="Set when a PDF was sent.")
    photo = StepPhotoSerializer(allow_null=True, help_text="Set when a photo was sent.")
