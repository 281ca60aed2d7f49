from django.urls import path

from marketplace.routers import ObjectIdRouter
from viewings.api import AgentSlotsView, ViewingViewSet

router = ObjectIdRouter()
router.register("viewings", ViewingViewSet, basename="viewing")

ics = ViewingViewSet.as_view({"get": "ics"})

urlpatterns = [
    path("agents/<id:agent_id>/slots/", AgentSlotsView.as_view(), name="agent-slots"),
    # The address for calendars, without the trailing slash a file name does not have.
    path("viewings/<id:pk>/ics", ics, name="viewing-ics-file"),
    *router.urls,
]
