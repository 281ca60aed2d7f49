from marketplace.routers import ObjectIdRouter
from notifications.api import NotificationViewSet

router = ObjectIdRouter()
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
