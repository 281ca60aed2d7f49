from favorites.api import FavoriteViewSet
from marketplace.routers import ObjectIdRouter

router = ObjectIdRouter()
router.register("favorites", FavoriteViewSet, basename="favorite")

urlpatterns = router.urls
