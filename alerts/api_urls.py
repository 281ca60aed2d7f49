from alerts.api import SavedSearchViewSet
from marketplace.routers import ObjectIdRouter

router = ObjectIdRouter()
router.register("saved-searches", SavedSearchViewSet, basename="saved-search")

urlpatterns = router.urls
