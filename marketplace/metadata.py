"""What the API answers to OPTIONS."""

from rest_framework.metadata import SimpleMetadata


class DescriptionMetadata(SimpleMetadata):
    """OPTIONS says what the endpoint is and what it reads and writes; the OpenAPI schema at
    /api/schema/ documents the fields.

    DRF's default also describes "actions" by guessing the serializer of the whole view and, for
    PUT, loading the object: a detail=False action (notifications/settings) then fails DRF's
    lookup assertion with a 500, and views whose actions take other serializers than
    `serializer_class` (favorites, conversations) would describe fields they do not accept.
    """

    def determine_actions(self, request, view):
        return {}
