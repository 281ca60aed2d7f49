from django.urls import path

from marketplace.routers import ObjectIdRouter
from viewings.api import AgentSlotsView, ViewingCalendarView, ViewingViewSet

router = ObjectIdRouter()
router.register("viewings", ViewingViewSet, basename="viewing")

urlpatterns = [
    path("agents/<id:agent_id>/slots/", AgentSlotsView.as_view(), name="agent-slots"),
    # The address for calendars, without the trailing slash a file name does not have.
    path("viewings/<id:pk>/ics", ViewingCalendarView.as_view(), name="viewing-ics"),
    *router.urls,
]
