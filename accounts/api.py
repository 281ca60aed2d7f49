from django.contrib.auth import authenticate, user_logged_in
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from knox.auth import TokenAuthentication
from knox.views import LogoutView as KnoxLogoutView
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.limits import check_signup_rate
from accounts.lockout import login_refusal
from accounts.models import User
from accounts.serializers import (
    MeSerializer,
    MeUpdateSerializer,
    RegisterSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


class RegisterView(APIView):
    """Create a buyer account. Agents are made by staff in the admin.

    New accounts per client address are limited, together with the sign-up page."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=RegisterSerializer, responses={201: MeSerializer})
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        check_signup_rate(request)
        user = services.buyer_register(**serializer.validated_data, language=request.LANGUAGE_CODE)
        return Response(MeSerializer(user).data, status=status.HTTP_201_CREATED)


class TokenView(APIView):
    """Exchange a username and password for a per-device token (stored hashed, expires).

    Failed log-ins lock the username and the client address out for a while, as on the web."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = authenticate(request, **serializer.validated_data)
        if user is None:
            refusal = login_refusal(request)
            if refusal is not None:
                raise refusal
            raise serializers.ValidationError(
                {"non_field_errors": [_("The username or password is not right.")]}
            )
        instance, token = services.token_issue(user=user)
        user_logged_in.send(sender=User, request=request, user=user)
        return Response(TokenSerializer({"token": token, "expiry": instance.expiry}).data)


class LogoutView(KnoxLogoutView):
    """Revoke the token this request was made with."""

    authentication_classes = [TokenAuthentication]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, format=None):
        return super().post(request, format)


class LogoutAllView(APIView):
    """Log out of all devices: every API token and every web session of the user end,
    the ones this request was made with too."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.user_end_sessions(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(generics.RetrieveAPIView):
    """The signed-in person; `monthly_savings` is theirs alone to see and change."""

    serializer_class = MeSerializer
    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return User.objects.select_related("agent_profile").get(pk=self.request.user.pk)

    @extend_schema(request=MeUpdateSerializer, responses=MeSerializer)
    def patch(self, request):
        changes = MeUpdateSerializer(request.user, data=request.data, partial=True)
        changes.is_valid(raise_exception=True)
        if "monthly_savings" in changes.validated_data:
            services.user_set_monthly_savings(
                user=request.user, monthly_savings=changes.validated_data["monthly_savings"]
            )
        return Response(MeSerializer(self.get_object()).data)
