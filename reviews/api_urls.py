from django.urls import path

from marketplace.routers import ObjectIdRouter
from reviews.api import AgentReviewsView, ReviewViewSet

router = ObjectIdRouter()
router.register("reviews", ReviewViewSet, basename="review")

urlpatterns = [
    path("agents/<id:agent_id>/reviews/", AgentReviewsView.as_view(), name="agent-reviews"),
    *router.urls,
]
