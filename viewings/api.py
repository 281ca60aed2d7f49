from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.pagination import KeysetPagination
from marketplace.schema import also_answers
from viewings import selectors, services
from viewings.calendar import ics_response
from viewings.models import DayOff, Viewing
from viewings.serializers import (
    DayOffSerializer,
    DeclineSerializer,
    ProposeSerializer,
    SlotQuerySerializer,
    SlotsSerializer,
    ViewingRequestSerializer,
    ViewingSerializer,
    WeeklyHoursSerializer,
)


class ViewingPagination(KeysetPagination):
    page_size = 20
    max_page_size = settings.API_MAX_PAGE_SIZE


class AgentSlotsView(APIView):
    """An agent's free video-viewing slots: anyone may look before booking."""

    permission_classes = [AllowAny]

    @extend_schema(
        summary="An agent's free video-viewing slots between two days (Beijing time)",
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATE, description="First day, default today."),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, description="Last day (included), default from + 6."
            ),
        ],
        responses=SlotsSerializer,
    )
    def get(self, request, agent_id: int):
        agent = selectors.agent_showing_flats(agent_id)
        query = SlotQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        slots = selectors.free_slots(
            agent.pk, query.validated_data["first"], query.validated_data["last"]
        )
        return Response(
            SlotsSerializer(
                {"agent": agent.pk, "slot_minutes": settings.VIEWING_SLOT_MINUTES, "slots": slots}
            ).data
        )


class ViewingViewSet(viewsets.GenericViewSet):
    """Video viewings. Only the buyer and the listing's agent ever see one; anyone else gets 404."""

    serializer_class = ViewingSerializer
    queryset = Viewing.objects.none()  # tells the schema generator the model
    permission_classes = [IsAuthenticated]
    pagination_class = ViewingPagination
    filter_backends = []

    def get_queryset(self):
        return selectors.viewings_for(self.request.user).order_by("-starts_at", "-id")

    def get_object(self):
        return selectors.viewing_for(user=self.request.user, viewing_id=self.kwargs["pk"])

    def _answer(self, viewing, code=status.HTTP_200_OK):
        return Response(self.get_serializer(viewing).data, status=code)

    @extend_schema(summary="My viewings (as buyer or as agent), latest time first")
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(summary="One viewing")
    def retrieve(self, request, pk=None):
        return self._answer(self.get_object())

    @extend_schema(
        summary="Book a video viewing of a listing at one of its agent's free slots (buyers)",
        request=ViewingRequestSerializer,
        responses={201: ViewingSerializer},
    )
    def create(self, request):
        booking = ViewingRequestSerializer(data=request.data)
        booking.is_valid(raise_exception=True)
        viewing = services.viewing_request(buyer=request.user, **booking.validated_data)
        return self._answer(viewing, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Confirm: the agent the time asked for, or the buyer the time proposed",
        request=None,
        responses=ViewingSerializer,
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._answer(services.viewing_confirm(viewing=self.get_object(), by=request.user))

    @extend_schema(summary="Decline, saying why (the agent)", request=DeclineSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        viewing = self.get_object()
        answer = DeclineSerializer(data=request.data)
        answer.is_valid(raise_exception=True)
        viewing = services.viewing_decline(
            viewing=viewing, by=request.user, reason=answer.validated_data["reason"]
        )
        return self._answer(viewing)

    @extend_schema(summary="Propose another free time (the agent)", request=ProposeSerializer)
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        viewing = self.get_object()
        answer = ProposeSerializer(data=request.data)
        answer.is_valid(raise_exception=True)
        viewing = services.viewing_propose(
            viewing=viewing, by=request.user, starts_at=answer.validated_data["starts_at"]
        )
        return self._answer(viewing)

    @extend_schema(summary="Cancel (the buyer)", request=None)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._answer(services.viewing_cancel(viewing=self.get_object(), by=request.user))

    @extend_schema(summary="Say the viewing took place (the buyer, after it)", request=None)
    @action(detail=True, methods=["post"])
    def done(self, request, pk=None):
        return self._answer(services.viewing_mark_done(viewing=self.get_object(), by=request.user))


class ViewingCalendarView(APIView):
    """GET /viewings/{id}/ics: the file a phone's calendar opens (no trailing slash: a file)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="A confirmed viewing as a calendar file (.ics, Beijing time)",
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.BINARY),
            404: OpenApiResponse(description="Not yours, or not confirmed."),
        },
    )
    def get(self, request, pk: int):
        viewing = selectors.viewing_for(user=request.user, viewing_id=pk)
        return ics_response(viewing, request.user)


class IsAgent(BasePermission):
    """The door of the agent's own hours; services.weekly_hours_set and day_off_* check again."""

    message = _("Only agents set viewing hours.")

    def has_permission(self, request, view):
        return request.user.is_authenticated and request.user.is_agent


class MyHoursView(APIView):
    """The signed-in agent's weekly viewing hours: the same rules as the hours page."""

    permission_classes = [IsAuthenticated, IsAgent]

    def _answer(self, agent):
        hours = selectors.weekly_hours_of(agent)
        week = {"slot_minutes": settings.VIEWING_SLOT_MINUTES, "days": list(hours.values())}
        return Response(WeeklyHoursSerializer(week).data)

    @extend_schema(
        summary="My weekly video-viewing hours, Beijing time (agents)",
        responses=WeeklyHoursSerializer,
    )
    @also_answers(403)  # to buyers: hours are the agents'
    def get(self, request):
        return self._answer(request.user)

    @extend_schema(
        summary="Replace my weekly viewing hours: a day not listed has no viewings (agents)",
        request=WeeklyHoursSerializer,
        responses=WeeklyHoursSerializer,
    )
    def put(self, request):
        week = WeeklyHoursSerializer(data=request.data)
        week.is_valid(raise_exception=True)
        services.weekly_hours_set(agent=request.user, hours=week.week())
        return self._answer(request.user)


class DayOffPagination(KeysetPagination):
    page_size = 50
    max_page_size = settings.API_MAX_PAGE_SIZE


class DayOffViewSet(viewsets.GenericViewSet):
    """The signed-in agent's days off: dates with no viewings, whatever the weekly hours say."""

    serializer_class = DayOffSerializer
    queryset = DayOff.objects.none()  # tells the schema generator the model
    permission_classes = [IsAuthenticated, IsAgent]
    pagination_class = DayOffPagination
    filter_backends = []

    def get_queryset(self):
        return selectors.days_off_ahead(self.request.user).order_by("date", "id")

    @extend_schema(summary="My days off from today on, soonest first (agents)")
    @also_answers(403)
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Take a day off (agents); the same day again answers that day off",
        responses={201: DayOffSerializer},
    )
    def create(self, request):
        day = self.get_serializer(data=request.data)
        day.is_valid(raise_exception=True)
        day_off = services.day_off_add(
            agent=request.user, day=day.validated_data["date"], note=day.validated_data["note"]
        )
        return Response(self.get_serializer(day_off).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Work on a day off after all (agents)", responses={204: None})
    def destroy(self, request, pk=None):
        if not services.day_off_remove(agent=request.user, day_off_id=pk):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)
