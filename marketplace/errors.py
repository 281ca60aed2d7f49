"""Answers for URLs that name nothing."""

from django.http import JsonResponse
from django.views import defaults
from rest_framework.exceptions import NotFound

API_PREFIX = "/api/"


def page_not_found(request, exception):
    """Under /api/, JSON like every API 404: a path whose id is not an id ("null,null",
    30 digits) is refused by the URL resolver before a view can answer it."""
    if request.path.startswith(API_PREFIX):
        return json_error(str(NotFound.default_detail), status=404)
    return defaults.page_not_found(request, exception)


def json_error(detail: str, *, status: int) -> JsonResponse:
    """The API's error body, for answers given before DRF is reached."""
    return JsonResponse({"detail": detail}, status=status)
