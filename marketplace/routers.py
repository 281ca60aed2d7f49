"""The one router of the API."""

from rest_framework.routers import SimpleRouter


class ObjectIdRouter(SimpleRouter):
    """Detail routes take `<id:…>` (marketplace.object_ids): "null,null" or 30 digits is a 404
    from the URL resolver, before any view or query sees it."""

    def __init__(self):
        super().__init__(use_regex_path=False)

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        name = getattr(viewset, "lookup_url_kwarg", None) or getattr(viewset, "lookup_field", "pk")
        return f"<id:{lookup_prefix}{name}>"
