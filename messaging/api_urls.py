from rest_framework.routers import SimpleRouter

from messaging.api import ConversationViewSet

router = SimpleRouter()
router.register("conversations", ConversationViewSet, basename="conversation")

urlpatterns = router.urls
