"""The Content-Security-Policy: this site's own files only, and the photos wherever they are kept.

The policy itself is `CONTENT_SECURITY_POLICY` in the settings. Photo variants may live on object
storage (`MEDIA_STORAGE_BACKEND`), on a host that only the storage knows how to spell (a custom
domain, an endpoint and a bucket, a region): the storage is asked for a URL and its origin is
allowed as an image source, so the policy follows the configuration instead of repeating it.
"""

from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.files.storage import storages


def media_origin() -> str | None:
    """The scheme and host of photo URLs, or None when they are served by this site."""
    url = urlsplit(storages["default"].url("walkup-csp-probe.webp"))
    if not url.netloc:
        return None
    # A scheme-relative URL ("//cdn.example/…") is loaded over the page's own scheme.
    return f"{url.scheme}://{url.netloc}" if url.scheme else url.netloc


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the photo storage's origin added to `img-src`."""

    def get_policy_parts(self, request, response, report_only=False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        origin = media_origin()
        if origin:
            update = dict(parts.update or {})
            update["img-src"] = [*update.get("img-src", []), origin]
            parts.update = update
        return parts
