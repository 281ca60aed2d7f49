"""The API's picture of a photo, for any app's photo model: its variants' absolute URLs."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from photos.processing import VARIANT_WIDTHS


class VariantSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="JPEG, read by every client.")
    url_webp = serializers.URLField(help_text="WebP, smaller; use it where supported.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()


def absolute_variant(request, variant: dict | None) -> dict | None:
    if variant is None or request is None:
        return variant
    return {
        **variant,
        "url": request.build_absolute_uri(variant["url"]),
        "url_webp": request.build_absolute_uri(variant["url_webp"]),
    }


class PhotoVariantsSerializer(serializers.Serializer):
    thumb = VariantSerializer(allow_null=True)
    medium = VariantSerializer(allow_null=True)
    large = VariantSerializer(allow_null=True)


# A photo row with its `variants`; each app's serializer names its model and fields. (A comment,
# not a docstring: the schema would give it to every photo component as its description.)
class ProcessedPhotoSerializer(serializers.ModelSerializer):
    variants = serializers.SerializerMethodField()

    @extend_schema_field(PhotoVariantsSerializer)
    def get_variants(self, photo):
        request = self.context.get("request")
        return {name: absolute_variant(request, photo.variant(name)) for name in VARIANT_WIDTHS}
