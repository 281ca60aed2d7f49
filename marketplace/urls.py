from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from listings.views import home
from marketplace import health
from marketplace.object_ids import ObjectIdConverter

# Before the apps' URLconfs are included: every route that takes an object id says `<id:…>`.
register_converter(ObjectIdConverter, "id")

api_v1 = [
    path("", include("accounts.api_urls")),
    path("", include("listings.api_urls")),
    path("", include("messaging.api_urls")),
    path("", include("notifications.api_urls")),
    path("", include("favorites.api_urls")),
    path("renovations/", include("renovations.api_urls")),
    path("", include("alerts.api_urls")),
    path("", include("viewings.api_urls")),
    path("purchases/", include("purchases.api_urls")),
    path("", include("insights.api_urls")),
    path("", include("reviews.api_urls")),
]

urlpatterns = [
    path("", home, name="home"),
    path("listings/", include("listings.urls")),
    path("accounts/", include("accounts.urls")),
    path("inbox/", include("messaging.urls")),
    path("notifications/", include("notifications.urls")),
    path("favorites/", include("favorites.urls")),
    path("renovations/", include("renovations.urls")),
    path("saved-searches/", include("alerts.urls")),
    path("viewings/", include("viewings.urls")),
    path("purchases/", include("purchases.urls")),
    path("", include("insights.urls")),
    path("", include("reviews.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("private-media/", include("photos.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script for the CSP to refuse.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
]

handler404 = "marketplace.errors.page_not_found"

# Photo variants while developing; in production the web server or object storage serves them.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# For the load balancer and Prometheus (marketplace.health).
urlpatterns += [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", health.metrics, name="metrics"),
]
