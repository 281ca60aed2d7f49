from marketplace.routers import ObjectIdRouter
from messaging.api import ConversationViewSet

router = ObjectIdRouter()
router.register("conversations", ConversationViewSet, basename="conversation")

urlpatterns = router.urls
