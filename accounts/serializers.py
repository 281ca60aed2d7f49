from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts import hooks
from accounts.models import AgentProfile, User


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    email = serializers.EmailField(required=False, allow_blank=True)

    def validate_username(self, value):
        User.username_validator(value)
        if User.objects.filter(username__iexact=value).exists():
            raise serializers.ValidationError(_("That username is taken."))
        return value

    def validate(self, attrs):
        candidate = User(username=attrs["username"], email=attrs.get("email", ""))
        try:
            password_validation.validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as error:
            raise serializers.ValidationError({"password": list(error.messages)}) from None
        return attrs


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(write_only=True, style={"input_type": "password"})


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)


class AgentProfileSerializer(serializers.ModelSerializer):
    cities_served = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)

    class Meta:
        model = AgentProfile
        fields = ["agency_name", "licence_number", "phone", "bio", "cities_served", "verified"]
        read_only_fields = fields


class MeSerializer(serializers.ModelSerializer):
    agent_profile = AgentProfileSerializer(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "role",
            "language",
            "agent_profile",
            "monthly_savings",
        ]
        read_only_fields = fields

    def get_fields(self):
        fields = super().get_fields()
        for name, make_field in hooks.me_fields():
            fields[name] = make_field()
        return fields


class MeUpdateSerializer(serializers.ModelSerializer):
    """What a person may change about themselves through the API."""

    class Meta:
        model = User
        fields = ["monthly_savings"]
