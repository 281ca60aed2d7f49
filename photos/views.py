"""The one door to private photo files: access checked on every request, 404 otherwise."""

import hashlib
import inspect
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.utils.http import parse_etags, quote_etag
from django.views.decorators.http import require_safe
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.settings import api_settings

from photos.access import viewable_content_type
from photos.variants import PRIVATE

# A shared cache (proxy, CDN) must never keep these; the browser asks again every time, and
# in "storage" mode gets a 304 for a file it has once the access check has passed.
PRIVATE_CACHE_CONTROL = "private, no-cache"


@require_safe
def private_media(request, name: str):
    content_type = viewable_content_type(_viewer(request), name)
    if content_type is None:
        raise Http404
    delivery = settings.PRIVATE_MEDIA_DELIVERY
    if delivery == "x-accel":
        response = _accel_redirect(name, content_type)
    elif delivery == "signed-url":
        response = _signed_url_redirect(name)
    else:
        response = _from_storage(request, name, content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response.setdefault("Cache-Control", PRIVATE_CACHE_CONTROL)
    return response


def _viewer(request):
    """The session's user, or the API token's: the apps load photos with their token."""
    if request.user.is_authenticated or "HTTP_AUTHORIZATION" not in request.META:
        return request.user
    api_request = Request(
        request, authenticators=[auth() for auth in api_settings.DEFAULT_AUTHENTICATION_CLASSES]
    )
    try:
        return api_request.user
    except APIException:  # a bad or expired token is nobody, as for the anonymous
        return AnonymousUser()


def _from_storage(request, name: str, content_type: str):
    # The name holds the original's hash and the variant: its content never changes.
    etag = quote_etag(hashlib.sha256(name.encode()).hexdigest()[:32])
    if etag in parse_etags(request.headers.get("If-None-Match", "")):
        response = HttpResponse(status=304)
    else:
        try:
            file = storages[PRIVATE].open(name, "rb")
        except (FileNotFoundError, NotADirectoryError):
            raise Http404 from None
        response = FileResponse(file, content_type=content_type)
    response["ETag"] = etag
    return response


def _accel_redirect(name: str, content_type: str):
    """nginx serves the file from its internal location; the app only said yes."""
    response = HttpResponse(content_type=content_type)
    response["X-Accel-Redirect"] = settings.PRIVATE_MEDIA_ACCEL_PREFIX + quote(name)
    return response


def _signed_url_redirect(name: str):
    """To the object storage's own URL, signed and valid for PRIVATE_MEDIA_URL_SECONDS."""
    storage = storages[PRIVATE]
    seconds = settings.PRIVATE_MEDIA_URL_SECONDS
    if "expire" in inspect.signature(storage.url).parameters:  # S3 and Azure backends
        url = storage.url(name, expire=seconds)
    else:
        url = storage.url(name)
    response = HttpResponseRedirect(url)
    # A redirect kept past its signature's expiry would lead nowhere.
    response["Cache-Control"] = "private, no-store"
    return response
