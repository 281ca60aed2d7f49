from django.urls import path

from marketplace.routers import ObjectIdRouter
from viewings.api import (
    AgentSlotsView,
    DayOffViewSet,
    MyHoursView,
    ViewingCalendarView,
    ViewingViewSet,
)

router = ObjectIdRouter()
router.register("viewings", ViewingViewSet, basename="viewing")
router.register("agents/me/days-off", DayOffViewSet, basename="my-day-off")

urlpatterns = [
    path("agents/me/hours/", MyHoursView.as_view(), name="my-viewing-hours"),
    path("agents/<id:agent_id>/slots/", AgentSlotsView.as_view(), name="agent-slots"),
    # The address for calendars, without the trailing slash a file name does not have.
    path("viewings/<id:pk>/ics", ViewingCalendarView.as_view(), name="viewing-ics"),
    *router.urls,
]
