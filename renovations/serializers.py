from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from listings.models import Listing
from marketplace.fields import ObjectIdRelatedField
from photos.serializers import ProcessedPhotoSerializer
from renovations.models import (
    Expense,
    Invitation,
    ProjectMember,
    RenovationPhoto,
    RenovationProject,
    Role,
    Task,
    Update,
)


class ProjectPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    username = serializers.CharField()
    name = serializers.CharField(source="display_name")


class ProjectSerializer(serializers.ModelSerializer):
    owner = ProjectPersonSerializer(read_only=True)
    role = serializers.SerializerMethodField(help_text="Your role: owner, manager or viewer.")
    spent = serializers.SerializerMethodField(help_text="Yuan spent so far.")

    class Meta:
        model = RenovationProject
        fields = [
            "id",
            "title",
            "address",
            "listing",
            "budget",
            "spent",
            "start_date",
            "target_date",
            "status",
            "owner",
            "role",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Role.choices))
    def get_role(self, project):
        role = getattr(project, "role", None)
        if role:
            return role
        user = self.context["request"].user
        return Role.OWNER if project.owner_id == user.pk else project.member_role

    @extend_schema_field(serializers.IntegerField())
    def get_spent(self, project):
        return getattr(project, "spent", None)


class ProjectWriteSerializer(serializers.ModelSerializer):
    listing = ObjectIdRelatedField(
        queryset=Listing.objects.once_published(), required=False, allow_null=True
    )
    from_template = serializers.BooleanField(
        required=False,
        default=False,
        write_only=True,
        help_text="Start with the small-flat template's eight tasks (creation only).",
    )

    class Meta:
        model = RenovationProject
        fields = [
            "title",
            "address",
            "listing",
            "budget",
            "start_date",
            "target_date",
            "status",
            "from_template",
        ]


class MemberSerializer(serializers.ModelSerializer):
    user = ProjectPersonSerializer(read_only=True)

    class Meta:
        model = ProjectMember
        fields = ["id", "user", "role", "added_at"]
        read_only_fields = fields


class InvitationCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=ProjectMember.MemberRole.choices)


class InvitationSerializer(serializers.ModelSerializer):
    """The owner's view: the username as typed, never whether it names an account."""

    class Meta:
        model = Invitation
        fields = ["id", "username", "role", "status", "created_at"]
        read_only_fields = fields


class InvitedProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()


class InvitationForYouSerializer(serializers.ModelSerializer):
    project = InvitedProjectSerializer(read_only=True)
    invited_by = ProjectPersonSerializer(read_only=True)

    class Meta:
        model = Invitation
        fields = ["id", "project", "invited_by", "role", "created_at"]
        read_only_fields = fields


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=ProjectMember.MemberRole.choices)


class TaskSerializer(serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = [
            "id",
            "name",
            "room",
            "planned_start",
            "planned_end",
            "estimated_cost",
            "position",
            "status",
            "done_at",
            "accepted_at",
        ]
        read_only_fields = ["id", "done_at", "accepted_at"]
        extra_kwargs = {"status": {"required": False}}


class PhotoSerializer(ProcessedPhotoSerializer):
    class Meta:
        model = RenovationPhoto
        fields = [
            "id",
            "status",
            "width",
            "height",
            "captured_at",
            "received_at",
            "variants",
        ]
        read_only_fields = fields


class ExpenseSerializer(serializers.ModelSerializer):
    receipt = serializers.SerializerMethodField()
    added_by = ProjectPersonSerializer(read_only=True)

    class Meta:
        model = Expense
        fields = [
            "id",
            "amount",
            "category",
            "spent_on",
            "note",
            "task",
            "receipt",
            "added_by",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(PhotoSerializer(allow_null=True))
    def get_receipt(self, expense):
        receipt = getattr(expense, "receipt", None)
        return PhotoSerializer(receipt, context=self.context).data if receipt else None


class ExpenseWriteSerializer(serializers.ModelSerializer):
    task = ObjectIdRelatedField(queryset=Task.objects.all(), required=False, allow_null=True)
    receipt = serializers.FileField(
        required=False, help_text="A photo of the receipt: JPEG, PNG, WebP or HEIC."
    )

    class Meta:
        model = Expense
        fields = ["amount", "category", "spent_on", "note", "task", "receipt"]

    def __init__(self, *args, project=None, **kwargs):
        super().__init__(*args, **kwargs)
        if project is not None:
            # Another project's task is as unknown as a missing one: the same "Invalid pk".
            self.fields["task"].queryset = project.tasks.all()


class UpdateSerializer(serializers.ModelSerializer):
    author = ProjectPersonSerializer(read_only=True)
    photos = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField(read_only=True, help_text="When the server got it.")

    class Meta:
        model = Update
        fields = ["id", "author", "note", "created_at", "photos"]
        read_only_fields = fields

    @extend_schema_field(PhotoSerializer(many=True))
    def get_photos(self, update):
        photos = getattr(update, "all_photos", None)
        if photos is None:
            photos = update.photos.order_by("id")
        return PhotoSerializer(photos, many=True, context=self.context).data


class UpdatePostSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, help_text="Up to 10 photos."
    )


class CategoryTotalSerializer(serializers.Serializer):
    category = serializers.CharField()
    label = serializers.CharField()
    spent = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    estimated_total = serializers.IntegerField()
    accepted_cost = serializers.IntegerField()
    done_cost = serializers.IntegerField(help_text="Estimated cost of done or accepted tasks.")
    tasks = serializers.IntegerField()
    tasks_accepted = serializers.IntegerField()
    tasks_done = serializers.IntegerField(help_text="Done or accepted.")
    accepted_percent = serializers.IntegerField(help_text="Rounded down.")
    done_percent = serializers.IntegerField(help_text="Rounded down.")


class SummarySerializer(serializers.Serializer):
    budget = serializers.IntegerField()
    spent = serializers.IntegerField()
    remaining = serializers.IntegerField(help_text="Negative when over the budget.")
    over_budget = serializers.BooleanField(help_text="Spent more than 108 % of the budget.")
    by_category = CategoryTotalSerializer(many=True)
    progress = ProgressSerializer()
