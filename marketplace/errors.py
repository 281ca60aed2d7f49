"""Answers for URLs that name nothing."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
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


class StorageUnavailable(Exception):
    """The media storage refused or did not answer: nothing of the upload was kept."""


def storage_errors() -> tuple[type[BaseException], ...]:
    """What a storage backend raises when it is down: disk errors, and boto's on S3."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a runtime dependency
        return (OSError,)
    return (OSError, BotoCoreError, ClientError)


STORAGE_RETRY_AFTER_SECONDS = 60


def storage_unavailable_message() -> str:
    return str(
        _(
            "Photo storage is not answering, so nothing was saved. "
            "Please try again in a few minutes."
        )
    )


class StorageUnavailableMiddleware:
    """A web page that met StorageUnavailable answers 503 with the reason (the API's own
    handler does the same in JSON)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, StorageUnavailable):
            return None
        if request.path.startswith(API_PREFIX):
            response = json_error(storage_unavailable_message(), status=503)
        else:
            response = render(
                request,
                "storage_unavailable.html",
                {"message": storage_unavailable_message()},
                status=503,
            )
        response["Retry-After"] = str(STORAGE_RETRY_AFTER_SECONDS)
        return response
