from rest_framework.routers import SimpleRouter

from listings.api import CityViewSet, ListingViewSet

router = SimpleRouter()
router.register("cities", CityViewSet, basename="city")
router.register("listings", ListingViewSet, basename="listing")

urlpatterns = router.urls
